package rest_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
)

// FuzzHandler sends random methods, paths, headers, credentials and bodies
// to the handler: it never answers 5xx, never panics, always sends the rate
// limit headers, and a refused request (4xx) leaves the store as it was.
func FuzzHandler(f *testing.F) {
	db := testdb.SQLite(f)
	e := newEnv(f, db, rest.Options{RequestsPerMinute: 1 << 30})
	e.pair("a", alphaPhone)
	e.pair("b", bravoPhone)
	credentials := []map[string]string{
		nil,
		bearer(e.key(wauser.AllScopes(), "a")),
		{"X-Api-Key": e.key([]wauser.Scope{wauser.ScopeRead}, "a")},
		{"Authorization": e.key(wauser.AllScopes())},
		bearer(e.key(wauser.AllScopes(), "b")),
		basic(adminUser, adminPassword),
		{"X-Admin-Secret": adminPassword},
		bearer("wau_" + strings.Repeat("z", 52)),
	}
	revoked, err := e.c.CreateAPIKey(f.Context(), wauser.CreateAPIKeyRequest{Scopes: wauser.AllScopes(), AllAccounts: true})
	require.NoError(f, err)
	require.NoError(f, e.c.RevokeAPIKey(f.Context(), revoked.ID))
	credentials = append(credentials, bearer(revoked.Key))

	// Seeds: every route with each credential, a body and a header, and a
	// few malformed requests.
	routes := documentedRoutes(f, e.do("GET", "/openapi.json", nil, nil).body)
	for _, rt := range routes {
		s, _ := sampleFor(rt)
		path, body := s.request(f, e, rt, "a")
		for who := range credentials {
			f.Add(rt.method, path, uint8(who), rest.HeaderConnectionID, "a", []byte(body))
		}
		if s.contentType != "" {
			f.Add(rt.method, path, uint8(1), "Content-Type", s.contentType, []byte(body))
		}
		f.Add(rt.method, path, uint8(1), "Content-Type", "text/plain", []byte(`{"id":"q"}`))
		f.Add(rt.method, path, uint8(3), rest.HeaderConnectionID, "b", []byte(`{"id":"x","webhooks":[{"url":"http://h"}]}`))
		// NUL and other control characters (and bytes that are not UTF-8)
		// in every path parameter, query parameter, the connection header
		// and the body's strings.
		f.Add(rt.method, pathParam.ReplaceAllString(rt.path, "%00")+"?cursor=%01&endpoint_id=x%00&%7F=1",
			uint8(1), rest.HeaderConnectionID, "a", []byte(body))
		f.Add(rt.method, pathParam.ReplaceAllString(rt.path, "%C2%80%FF")+"?limit=%0A",
			uint8(1), rest.HeaderConnectionID, "a", []byte(strings.Replace(body, `":"`, `":"\u0000`, 1)))
		f.Add(rt.method, path, uint8(1), rest.HeaderConnectionID, "a\x00\x7f", []byte(body))
	}
	for _, s := range []struct{ method, path, body string }{
		{"GET", "/v1/accounts/%2e%2e", ""},
		{"POST", "/v1/accounts", `{"id":"x"}{"id":"y"}`},
		{"POST", "/v1/accounts", `{"id":"` + strings.Repeat("x", 2<<20) + `"}`},
		{"POST", "/v1/whatsapp/pair", `{"phone_number":"+0"}`},
		{"GET", "/v1/accounts/code?phone=%00", ""},
		{"DELETE", "/v1/webhooks/endpoints/%00", ""},
		{"PATCH", "/v1/webhooks/endpoints/%00", `{"url":"https://example.com/x"}`},
		{"POST", "/v1/webhooks/endpoints/%00/rotate-secret", ""},
		{"POST", "/v1/webhooks/endpoints/%00/test", ""},
		{"GET", "/v1/webhooks/deliveries?endpoint_id=%00", ""},
		{"PATCH", "/v1/status", ""},
		{"OPTIONS", "/", ""},
		{"GET", "//v1//status", ""},
		{"POST", "/api/v1/messages", `{"to":"+1","type":"text","text":"hi"}`},
		{"POST", "/history/sync", `{"count":0}`},
	} {
		f.Add(s.method, s.path, uint8(1), "X-Anything", "1", []byte(s.body))
	}

	// The store as the last refused request left it (checked equal to what
	// it was before that request): the next request's "before" needs no
	// new dump. A dump of every table is most of this test's time.
	var last string
	f.Fuzz(func(t *testing.T, method, path string, who uint8, hname, hvalue string, body []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, method, "http://wauser.test/"+strings.TrimPrefix(path, "/"), bytes.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		req.RemoteAddr = "192.0.2.1:1234"
		for k, v := range credentials[int(who)%len(credentials)] {
			req.Header.Set(k, v)
		}
		if hname != "" {
			req.Header.Set(hname, hvalue)
		}
		settle(t, e.c)
		before := last
		if before == "" {
			before = snapshot(t, e.c)
		}
		last = ""
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotImplemented { // a refused operation of the multi-session server
			require.Less(t, rec.Code, 500, "%s %s: %s", method, path, rec.Body)
		}
		if rec.Code >= 300 && rec.Code < 400 {
			return // ServeMux cleaning the path
		}
		require.NotEmpty(t, rec.Header().Get("X-RateLimit-Limit"), "%s %s", method, path)
		isFile := strings.HasPrefix(req.URL.Path, "/v1/whatsapp/media/") || (strings.HasPrefix(req.URL.Path, "/v1/media/") && strings.HasSuffix(req.URL.Path, "/file"))
		if rec.Code != http.StatusOK || !isFile { // a file has its own type
			require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
		}
		if rec.Code >= 400 {
			after := snapshot(t, e.c)
			require.Equal(t, before, after, "%s %s answered %d and changed the store: %s", method, path, rec.Code, rec.Body)
			last = after
		}
	})
}

// settle waits until the outbox consumers have caught up with the events
// earlier requests wrote: they advance their cursors in the background, and
// the snapshot must not see that as a change made by the request.
func settle(t *testing.T, c *wauser.Client) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, name := range []string{store.ConsumerWebhooks, store.ConsumerHandlers} {
			if b, err := store.Unwrap(c.Store()).EventBacklog(context.Background(), name); err != nil || len(b) > 0 {
				return false
			}
		}
		return true
	}, 10*time.Second, time.Millisecond, "the outbox consumers did not catch up")
}

// snapshot dumps every table of the store, rows sorted, as text. The time
// an API key was last used is left out: authenticating records it.
func snapshot(t *testing.T, c *wauser.Client) string {
	t.Helper()
	ctx := context.Background()
	db := c.Store().DB()
	var tables []string
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
	require.NoError(t, err)
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())

	var out strings.Builder
	for _, table := range tables {
		if table == "wauser_event_consumers" || table == "wauser_webhook_deliveries" {
			continue
		}
		rows, err := db.QueryContext(ctx, "SELECT * FROM "+table)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			var line strings.Builder
			for i, col := range cols {
				if table == "wauser_api_keys" && col == "last_used_at" {
					continue
				}
				v := vals[i]
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(&line, "%s=%v ", col, v)
			}
			lines = append(lines, line.String())
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		slices.Sort(lines)
		fmt.Fprintf(&out, "%s:\n%s\n", table, strings.Join(lines, "\n"))
	}
	return out.String()
}
