package rest_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
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
