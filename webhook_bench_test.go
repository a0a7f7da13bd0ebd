package wauser_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
)

// benchSetup starts a Client on db with one account and one webhook to a
// loopback receiver that calls got for every delivery.
func benchSetup(b *testing.B, db *testdb.DB, got func(id string)) (*wauser.Client, string) {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var env struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(body, &env)
		got(env.ID)
	}))
	b.Cleanup(srv.Close)
	c, err := wauser.New(db.Open(b), wauser.WithPrivateWebhookTargets(),
		wauser.WithWebhookDelivery(wauser.WebhookDeliveryOptions{Workers: 32}))
	require.NoError(b, err)
	require.NoError(b, c.Start(b.Context()))
	b.Cleanup(func() { _ = c.Close() })
	ctx := b.Context()
	_, err = c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "bench"})
	require.NoError(b, err)
	h, err := c.CreateWebhook(ctx, wauser.WebhookRequest{URL: srv.URL})
	require.NoError(b, err)
	return c, h.Secret
}

// cpuTime returns the user and system CPU time the process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchEvent(i int) *store.Event {
	chat := fmt.Sprintf("1555%07d@s.whatsapp.net", i%256) // 256 conversations
	e := messageEvent("bench", "message.received", chat, "text", i, nil)
	// Ordered by creation, as the ids wauser gives events are.
	e.ID = fmt.Sprintf("evt_%012d_%d", i, eventN.Add(1))
	return e
}

func writeEvents(b *testing.B, c *wauser.Client, evs []*store.Event) {
	err := store.Unwrap(c.Store()).RunInTx(b.Context(), func(ctx context.Context, tx bun.Tx) error {
		return store.InsertEvents(ctx, tx, evs)
	})
	require.NoError(b, err)
}

// BenchmarkWebhookDelivery measures signed deliveries to a loopback
// receiver on SQLite and PostgreSQL: "throughput" writes b.N events
// (batches of 500, over 256 conversations) and waits until all are
// delivered; "latency" commits 1,000 events/s, one per transaction, for 3 s
// and reports the percentiles of commit -> arrival at the receiver.
func BenchmarkWebhookDelivery(b *testing.B) {
	benchDBs(b, benchWebhookDelivery)
}

func freshDB(b *testing.B, db *testdb.DB) *testdb.DB {
	if db.Dialect == "sqlite" {
		return testdb.SQLite(b)
	}
	return testdb.Postgres(b)
}

func benchWebhookDelivery(b *testing.B, db *testdb.DB) {
	b.Run("throughput", func(b *testing.B) {
		var n atomic.Int64
		done := make(chan struct{})
		target := int64(b.N)
		c, _ := benchSetup(b, freshDB(b, db), func(string) {
			if n.Add(1) == target {
				close(done)
			}
		})
		evs := make([]*store.Event, b.N)
		for i := range evs {
			evs[i] = benchEvent(i)
		}
		b.ResetTimer()
		cpu := cpuTime()
		start := time.Now()
		for i := 0; i < len(evs); i += 500 {
			writeEvents(b, c, evs[i:min(i+500, len(evs))])
		}
		select {
		case <-done:
		case <-time.After(5 * time.Minute):
			b.Fatalf("delivered %d of %d", n.Load(), b.N)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
		// CPU of this process (Client, receiver, SQLite; not a PostgreSQL
		// server) per delivery: what the machine's other load cannot move.
		b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/delivery")
	})

	b.Run("latency", func(b *testing.B) {
		const rate, seconds = 1000, 3
		total := rate * seconds
		var mu sync.Mutex
		committed := make(map[string]time.Time, total)
		arrived := make(map[string]time.Time, total)
		all := make(chan struct{})
		c, _ := benchSetup(b, freshDB(b, db), func(id string) {
			now := time.Now()
			mu.Lock()
			defer mu.Unlock()
			if _, dup := arrived[id]; !dup {
				arrived[id] = now
				if len(arrived) == total {
					close(all)
				}
			}
		})
		// One fixed 3 s run whatever b.N is: the figure is a latency
		// distribution at a fixed rate, not a cost per operation.
		b.ResetTimer()
		tick := time.NewTicker(time.Second / rate)
		for i := range total {
			<-tick.C
			ev := benchEvent(i)
			writeEvents(b, c, []*store.Event{ev})
			mu.Lock()
			committed[ev.ID] = time.Now()
			mu.Unlock()
		}
		tick.Stop()
		select {
		case <-all:
		case <-time.After(time.Minute):
			b.Fatalf("delivered %d of %d", len(arrived), total)
		}
		b.StopTimer()
		mu.Lock()
		defer mu.Unlock()
		lat := make([]time.Duration, 0, total)
		for id, t := range committed {
			// The commit time is taken after RunInTx returns, so a
			// delivery can arrive "before" it: count that as 0.
			lat = append(lat, max(arrived[id].Sub(t), 0))
		}
		slices.Sort(lat)
		pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
		b.ReportMetric(pct(0.50), "p50-ms")
		b.ReportMetric(pct(0.99), "p99-ms")
		b.ReportMetric(pct(1), "max-ms")
	})
}
