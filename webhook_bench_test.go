package wauser_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
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

// benchReceiver is the loopback receiver of the delivery benchmarks: it
// reads each body, decodes its id and calls got with the id and the body.
func benchReceiver(b *testing.B, got func(id string, body []byte)) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var env struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(body, &env)
		got(env.ID, body)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// benchSetup starts a Client on db with one account and one webhook to a
// loopback receiver that calls got for every delivery.
func benchSetup(b *testing.B, db *testdb.DB, got func(id string)) (*wauser.Client, string) {
	b.Helper()
	srv := benchReceiver(b, func(id string, _ []byte) { got(id) })
	c, h := benchClient(b, db, srv.URL)
	return c, h.Secret
}

func benchClient(b *testing.B, db *testdb.DB, url string) (*wauser.Client, *wauser.Webhook) {
	b.Helper()
	c, err := wauser.New(db.Open(b), wauser.WithPrivateWebhookTargets(),
		wauser.WithWebhookDelivery(wauser.WebhookDeliveryOptions{Workers: 32}))
	require.NoError(b, err)
	require.NoError(b, c.Start(b.Context()))
	b.Cleanup(func() { _ = c.Close() })
	ctx := b.Context()
	_, err = c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "bench"})
	require.NoError(b, err)
	h, err := c.CreateWebhook(ctx, wauser.WebhookRequest{URL: url})
	require.NoError(b, err)
	return c, h
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
// receiver on SQLite and PostgreSQL. "throughput" delivers b.N events (over
// 256 conversations) in rounds, each interleaved with its floor (see
// benchDeliveryThroughput); "latency" commits 1,000 events/s, one per transaction, for 3 s
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
	b.Run("throughput", func(b *testing.B) { benchDeliveryThroughput(b, db) })

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

// deliveryRound is how many events one round of the throughput benchmark
// delivers through the product, and then through the floor.
const deliveryRound = 2000

// benchDeliveryThroughput runs rounds of deliveryRound events. Each round,
// the product first: the events are committed in transactions of 500 and
// the Client delivers them (fan-out, claim, send, record); the round ends
// when the receiver has all of them. Then the floor posts the same events
// to the same receiver with nothing but encoding/json, crypto/hmac and
// net/http: each envelope rendered with encoding/json, signed per request
// in both header styles the product sends (webhook-signature over
// "id.timestamp.body" with the decoded whsec_ key, X-Hub-Signature-256 over
// the body with the secret string), the product's headers, from 32
// goroutines through a keep-alive client with the product's transport
// settings (no proxy, 32 idle connections per host). The first round checks
// that the floor's bodies are byte for byte the product's.
//
// Metrics: deliveries/s and cpu-µs/delivery (CPU of this process: Client,
// receiver, SQLite) of each side, and x-floor, the product's throughput
// over the floor's. On PostgreSQL, pg-cpu-µs/delivery is the server's CPU
// per delivery of the product's phases: the utime+stime of every process
// of the server, read from /proc/<pid>/stat before and after each phase.
// The server is the postmaster, the parent of our connection's backend
// (pg_backend_pid()), and its children; the postmaster's cutime+cstime
// count the backends that exit meanwhile. Benchmarks run under an exclusive
// lock, so nothing else uses the server at the time.
func benchDeliveryThroughput(b *testing.B, db *testdb.DB) {
	db = freshDB(b, db)
	var (
		n       atomic.Int64
		target  atomic.Int64
		done    = make(chan struct{}, 1)
		mu      sync.Mutex
		capture map[string][]byte // bodies by event id, in the first round
	)
	srv := benchReceiver(b, func(id string, body []byte) {
		if capture != nil {
			mu.Lock()
			capture[id] = body
			mu.Unlock()
		}
		if n.Add(1) == target.Load() {
			done <- struct{}{}
		}
	})
	c, h := benchClient(b, db, srv.URL)
	pg := newServerCPU(b, db, c)
	floor := newDeliveryFloor(b, srv.URL, h.Secret)

	wait := func(what string, want int64) {
		select {
		case <-done:
		case <-time.After(5 * time.Minute):
			b.Fatalf("%s: delivered %d of %d", what, n.Load(), want)
		}
	}
	var (
		prodTime, floorTime time.Duration
		prodCPU, floorCPU   time.Duration
		serverCPU           time.Duration
	)
	b.ResetTimer()
	for done0 := 0; done0 < b.N; done0 += deliveryRound {
		size := min(deliveryRound, b.N-done0)
		evs := make([]*store.Event, size)
		for i := range evs {
			evs[i] = benchEvent(done0 + i)
		}
		first := done0 == 0
		if first {
			capture = make(map[string][]byte, size)
		}

		// The product.
		n.Store(0)
		target.Store(int64(size))
		s0, c0, t0 := pg.read(), cpuTime(), time.Now()
		for i := 0; i < len(evs); i += 500 {
			writeEvents(b, c, evs[i:min(i+500, len(evs))])
		}
		wait("product", int64(size))
		prodTime += time.Since(t0)
		prodCPU += cpuTime() - c0
		serverCPU += pg.read() - s0

		var product map[string][]byte
		if first {
			product, capture = capture, make(map[string][]byte, size)
		}

		// The floor, on the same events (now numbered).
		n.Store(0)
		target.Store(int64(size))
		c0, t0 = cpuTime(), time.Now()
		floor.post(b, evs)
		wait("floor", int64(size))
		floorTime += time.Since(t0)
		floorCPU += cpuTime() - c0

		if first {
			for _, ev := range evs {
				if !bytes.Equal(product[ev.ID], capture[ev.ID]) {
					b.Fatalf("event %s: the floor sent\n%s\nthe product\n%s", ev.ID, capture[ev.ID], product[ev.ID])
				}
			}
			capture = nil
		}
	}
	b.StopTimer()
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) }
	prodRate := float64(b.N) / prodTime.Seconds()
	floorRate := float64(b.N) / floorTime.Seconds()
	b.ReportMetric(prodRate, "deliveries/s")
	b.ReportMetric(floorRate, "floor-deliveries/s")
	b.ReportMetric(prodRate/floorRate, "x-floor")
	b.ReportMetric(per(prodCPU), "cpu-µs/delivery")
	b.ReportMetric(per(floorCPU), "floor-cpu-µs/delivery")
	if pg != nil {
		b.ReportMetric(per(serverCPU), "pg-cpu-µs/delivery")
	}
}

// deliveryFloor posts signed envelopes with nothing but the standard
// library (see benchDeliveryThroughput).
type deliveryFloor struct {
	url, secret string
	key         []byte
	hc          *http.Client
}

func newDeliveryFloor(b *testing.B, url, secret string) *deliveryFloor {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	require.NoError(b, err)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.MaxIdleConnsPerHost, tr.MaxIdleConns = 32, 128
	b.Cleanup(tr.CloseIdleConnections)
	return &deliveryFloor{url: url, secret: secret, key: key, hc: &http.Client{
		Transport:     tr,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// floorEnvelope has the field names of the product's envelope.
type floorEnvelope struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	AccountID  string          `json:"account_id"`
	Seq        int64           `json:"seq"`
	OccurredAt time.Time       `json:"occurred_at"`
	Data       json.RawMessage `json:"data"`
}

// post sends one signed envelope per event from 32 goroutines.
func (f *deliveryFloor) post(b *testing.B, evs []*store.Event) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(evs) {
					return
				}
				if err := f.send(b.Context(), evs[i]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func (f *deliveryFloor) send(ctx context.Context, ev *store.Event) error {
	body, err := json.Marshal(floorEnvelope{ev.ID, ev.Type, ev.AccountID, ev.Seq, ev.OccurredAt.UTC(), json.RawMessage(ev.Data)})
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	m := hmac.New(sha256.New, f.key)
	m.Write([]byte(ev.ID + "." + ts + "."))
	m.Write(body)
	sig := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	hub := hmac.New(sha256.New, []byte(f.secret))
	hub.Write(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "wauser-webhooks/1")
	req.Header.Set("webhook-id", ev.ID)
	req.Header.Set("webhook-timestamp", ts)
	req.Header.Set("webhook-signature", sig)
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(hub.Sum(nil)))
	resp, err := f.hc.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("floor: HTTP %d", resp.StatusCode)
	}
	return nil
}

// serverCPU reads the CPU time of a local PostgreSQL server (see
// benchDeliveryThroughput); nil on SQLite.
type serverCPU struct{ postmaster int }

func newServerCPU(b *testing.B, db *testdb.DB, c *wauser.Client) *serverCPU {
	if db.Dialect != "postgres" {
		return nil
	}
	var backend int
	require.NoError(b, store.Unwrap(c.Store()).RunInTx(b.Context(), func(ctx context.Context, tx bun.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&backend)
	}))
	st, err := procStat(backend)
	if err != nil {
		b.Fatalf("PostgreSQL's processes are not readable (is the server local?): %v", err)
	}
	return &serverCPU{postmaster: st.ppid}
}

// read returns the CPU time the server's processes used so far.
func (s *serverCPU) read() time.Duration {
	if s == nil {
		return 0
	}
	var ticks int64
	if st, err := procStat(s.postmaster); err == nil {
		ticks += st.cpu + st.children // exited backends, once reaped
	}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if st, err := procStat(pid); err == nil && st.ppid == s.postmaster {
			ticks += st.cpu
		}
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

type procStatus struct {
	ppid          int
	cpu, children int64 // utime+stime, cutime+cstime, in clock ticks
}

// procStat reads /proc/<pid>/stat (proc(5)): after the command in
// parentheses come state, ppid, ..., utime (14), stime, cutime, cstime.
func procStat(pid int) (procStatus, error) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStatus{}, err
	}
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	if len(f) < 15 {
		return procStatus{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	num := func(i int) int64 { v, _ := strconv.ParseInt(f[i-3], 10, 64); return v } // field i of proc(5)
	return procStatus{ppid: int(num(4)), cpu: num(14) + num(15), children: num(16) + num(17)}, nil
}
