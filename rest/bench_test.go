package rest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
	"github.com/wauser/wauser/watest"
)

// BenchmarkHandlerStatus measures the handler's fixed cost per request:
// API key authentication (a store read), rate limiting, account binding and
// encoding, on GET /v1/whatsapp/status of a connected account, through a
// real loopback server with parallel clients, on a SQLite file.
func BenchmarkHandlerStatus(b *testing.B) {
	e := newEnv(b, testdb.SQLite(b), rest.Options{RequestsPerMinute: 1 << 30})
	e.pair("a", phone)
	key := e.key([]wauser.Scope{wauser.ScopeRead}, "a")
	client := e.srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", e.srv.URL+"/v1/whatsapp/status", nil)
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkHandlerSync measures document 000's feed, GET
// /v1/whatsapp/sync?limit=100, against an account with 100,000 stored
// messages (1,000 conversations, 1,000 contacts), through a real loopback
// server with API key authentication and parallel clients, on a SQLite
// file. Three sub-benchmarks:
//
//   - first-page: every client asks GET /v1/whatsapp/sync?limit=100, the
//     request of the issue. The page comes from the Client's page cache
//     (a page is a function of account, cursor, limit and the committed
//     seq), so this is the handler's cost per answer of 100 records.
//   - walk: each client pages through the whole feed from its own starting
//     point, following cursors and starting over at the end; the page cache
//     is sized to hold the feed's pages.
//   - walk-uncached: the same walk with the cache off: every page is read
//     from SQLite and encoded.
func BenchmarkHandlerSync(b *testing.B) {
	for _, bc := range []struct {
		name  string
		cache int64
		walk  bool
	}{
		{"first-page", wauser.DefaultSyncCacheBytes, false},
		{"walk", 256 << 20, true},
		{"walk-uncached", 0, true},
	} {
		b.Run(bc.name, func(b *testing.B) { benchSync(b, bc.cache, bc.walk) })
	}
}

// syncBenchEnv pairs account "a" on db, stores a 100,000-message history
// (1,000 conversations, 1,000 contacts) and returns the env, a read key and
// the feed's highest cursor.
func syncBenchEnv(b *testing.B, db *testdb.DB, cache int64) (*env, string, int64) {
	const convs, perConv, chunks = 1000, 100, 10
	e := newEnv(b, db, rest.Options{RequestsPerMinute: 1 << 30}, wauser.WithSyncCache(cache))
	conn := e.pair("a", phone)
	per := convs / chunks
	for i := range chunks {
		if !conn.Emit(watest.HistoryData(watest.SyntheticHistory(uint32(i+1), i*per, per, perConv, uint32((i+1)*100/chunks), epoch))) {
			b.Fatal("history chunk not stored")
		}
	}
	e.waitHistory("a")
	key := e.key([]wauser.Scope{wauser.ScopeRead}, "a")
	first, err := e.c.WithAccount("a").SyncPage(e.ctx(), 0, 1)
	require.NoError(b, err)
	last, err := e.c.WithAccount("a").SyncPage(e.ctx(), wauser.Cursor(convs*perConv), wauser.MaxSyncLimit)
	require.NoError(b, err)
	top := int64(max(last.Cursor, first.Cursor))
	require.Greater(b, top, int64(convs*perConv), "the feed holds every message")
	return e, key, top
}

func benchSync(b *testing.B, cache int64, walk bool) {
	e, key, top := syncBenchEnv(b, testdb.SQLite(b), cache)

	client := e.srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	var starts atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var cursor int64
		if walk {
			cursor = (starts.Add(7919) * 1009) % top // spread the clients over the feed
		}
		var page struct {
			Cursor  int64 `json:"cursor"`
			HasMore bool  `json:"has_more"`
		}
		// One body buffer per client, reused: the load generator shares the
		// machine with the server and should spend little.
		var buf bytes.Buffer
		for pb.Next() {
			url := e.srv.URL + "/v1/whatsapp/sync?limit=100"
			if walk {
				url += "&cursor=" + strconv.FormatInt(cursor, 10)
			}
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			buf.Reset()
			_, _ = buf.ReadFrom(resp.Body)
			_ = resp.Body.Close()
			body := buf.Bytes()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d: %s", resp.StatusCode, body)
				return
			}
			// The page ends with its cursor and has_more: read just those,
			// so that the load generator, which shares the machine, spends
			// little.
			i := max(0, bytes.LastIndex(body, []byte(`],"cursor":`))+1)
			body[i] = '{'
			tail := body[i:]
			if err := json.Unmarshal(tail, &page); err != nil {
				b.Error(err, string(tail))
				return
			}
			if page.Cursor == 0 || (walk && !page.HasMore) {
				if walk {
					cursor = 0
				}
				continue
			}
			if walk {
				cursor = page.Cursor
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkSyncRoute measures what the REST route adds to the feed: GET
// /v1/whatsapp/sync?limit=100 through a real loopback server (API key
// authentication, rate limiting, account binding, the response written and
// read by a keep-alive client in the same process) against the same pages
// from Client.SyncPageJSON called directly, on SQLite and PostgreSQL, the
// page cache off so that every page is read from the database and encoded
// on both sides. Eight clients walk the feed in alternating phases of 64
// pages, one phase through the route and one direct, so that the machine's
// drift hits both alike (mixing both in one phase would measure the
// scheduler: a request's hand-offs between goroutines queue behind pages
// being encoded). The figures are each side's pages per second and their
// ratio, route/direct ("x-direct"): 1 means the route adds nothing.
func BenchmarkSyncRoute(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchSyncRoute(b, testdb.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchSyncRoute(b, testdb.Postgres(b)) })
}

func benchSyncRoute(b *testing.B, db *testdb.DB) {
	const clients, phase = 8, 64
	e, key, top := syncBenchEnv(b, db, 0)
	bot := e.c.WithAccount("a")
	client := e.srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	// Each client walks from its own place in the feed, one walk per side,
	// apart from each other so that neither reads pages the other warmed.
	route, direct := make([]int64, clients), make([]int64, clients)
	bufs := make([]bytes.Buffer, clients)
	for i := range clients {
		route[i] = int64(i) * top / clients
		direct[i] = (route[i] + top/(2*clients)) % top
	}
	viaRoute := func(i int) error {
		req, _ := http.NewRequest("GET", e.srv.URL+"/v1/whatsapp/sync?limit=100&cursor="+strconv.FormatInt(route[i], 10), nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		bufs[i].Reset()
		_, _ = bufs[i].ReadFrom(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d: %s", resp.StatusCode, bufs[i].Bytes())
		}
		route[i], err = nextCursor(bufs[i].Bytes())
		return err
	}
	viaClient := func(i int) error {
		page, err := bot.SyncPageJSON(b.Context(), wauser.Cursor(direct[i]), 100)
		if err == nil {
			direct[i], err = nextCursor(page)
		}
		return err
	}
	// run has the clients take n pages through fetch and returns how long
	// that took.
	run := func(n int, fetch func(i int) error) time.Duration {
		var left atomic.Int64
		left.Store(int64(n))
		start := time.Now()
		var wg sync.WaitGroup
		for i := range clients {
			wg.Go(func() {
				for left.Add(-1) >= 0 {
					if err := fetch(i); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	var tr, td time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N && !b.Failed(); done += phase {
		n := min(phase, b.N-done)
		tr += run(n, viaRoute)
		td += run(n, viaClient)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/tr.Seconds(), "route-pages/s")
	b.ReportMetric(float64(b.N)/td.Seconds(), "direct-pages/s")
	b.ReportMetric(td.Seconds()/tr.Seconds(), "x-direct")
}

// nextCursor reads a feed page's cursor and has_more from its end (the load
// generator shares the machine and should spend little) and returns where
// the walk goes next: the cursor, or 0 at the end of the feed.
func nextCursor(body []byte) (int64, error) {
	var page struct {
		Cursor  int64 `json:"cursor"`
		HasMore bool  `json:"has_more"`
	}
	i := bytes.LastIndex(body, []byte(`],"cursor":`))
	if i < 0 {
		return 0, fmt.Errorf("not a feed page: %.200s", body)
	}
	if err := json.Unmarshal(append([]byte{'{'}, body[i+2:]...), &page); err != nil {
		return 0, err
	}
	if !page.HasMore {
		return 0, nil
	}
	return page.Cursor, nil
}
