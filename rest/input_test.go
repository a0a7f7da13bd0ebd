package rest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
)

// badText are path and query values no id or parameter has: NUL, other
// control characters (C0, DEL, C1) and bytes that are not UTF-8.
var badText = []string{"a%00b", "%1F", "%C2%80", "%FF"}

// TestControlCharactersInParameters sends every route path parameters and
// query parameters holding control characters or invalid UTF-8, with a
// valid key: the answer is 400 in the route's dialect, never a 5xx (the
// stores cannot all keep such text), and nothing changes.
func TestControlCharactersInParameters(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{RequestsPerMinute: -1})
		e.pair("a", phone)
		key := e.key(wauser.AllScopes())
		routes := documentedRoutes(t, e.do("GET", "/openapi.json", nil, nil).body)
		for _, rt := range routes {
			headers := bearer(key)
			switch rt.auth {
			case "admin":
				headers = basic(adminUser, adminPassword)
			case "adminSecret":
				headers = map[string]string{"X-Admin-Secret": adminPassword}
			case "none":
				headers = nil
			}
			if rt.connection {
				headers = with(headers, rest.HeaderConnectionID, "a")
			}
			var sent any // the sample body: refused before it is read
			if s, _ := sampleFor(rt); s.body != "" {
				sent = s.body
			}
			try := func(path string) {
				t.Helper()
				r := e.do(rt.method, path, sent, headers)
				require.Less(t, r.status, 500, "%s %s: %s", rt.method, path, r.body)
				if rt.auth == "none" && !strings.Contains(rt.path, "{") {
					return // a public route without path parameters reads no query
				}
				require.Equal(t, http.StatusBadRequest, r.status, "%s %s: %s", rt.method, path, r.body)
				require.Contains(t, errorMessage(t, r), "control character", "%s %s", rt.method, path)
				e.ours.check(t, r, false)
			}
			for _, bad := range badText {
				if strings.Contains(rt.path, "{") {
					try(pathParam.ReplaceAllString(rt.path, bad))
				}
				try(pathParam.ReplaceAllString(rt.path, "x") + "?cursor=" + bad + "&limit=1&endpoint_id=" + bad + "&phone=" + bad)
			}
			try(pathParam.ReplaceAllString(rt.path, "x") + "?%00=1")
		}
		list, err := e.c.ListAccounts(e.ctx())
		require.NoError(t, err)
		require.Len(t, list, 1, "no refused request created anything")
	})
}

// TestControlCharactersInConnectionHeader: the header is checked like the
// parameters. (Clients' HTTP stacks refuse NUL in headers; a handler
// called directly may still see one.)
func TestControlCharactersInConnectionHeader(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{})
	e.pair("a", phone)
	key := e.key(wauser.AllScopes())
	for _, path := range []string{"/v1/whatsapp/status", "/v1/status", "/v1/webhooks/endpoints", "/api/v1/contacts"} {
		req, err := http.NewRequestWithContext(e.ctx(), "GET", "http://wauser.test"+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set(rest.HeaderConnectionID, "a\x00")
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusBadRequest, rec.Code, "%s: %s", path, rec.Body)
	}
}

// TestUnknownConnectionHeader: a connection that does not exist is refused
// like one the key cannot reach: 401 in the sync dialect (as the WhatsApp
// Use specification documents), 403 in the others.
func TestUnknownConnectionHeader(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.pair("a", phone)
		all := bearer(e.key(wauser.AllScopes()))
		one := bearer(e.key(wauser.AllScopes(), "a"))
		for _, c := range []struct {
			method, path string
			status       int
		}{
			{"GET", "/v1/whatsapp/status", http.StatusUnauthorized},
			{"GET", "/v1/whatsapp/sync", http.StatusUnauthorized},
			{"GET", "/v1/webhooks/endpoints", http.StatusUnauthorized},
			{"GET", "/v1/webhooks/deliveries", http.StatusUnauthorized},
			{"GET", "/v1/status", http.StatusForbidden},
			{"GET", "/api/v1/contacts", http.StatusForbidden},
		} {
			for _, key := range []map[string]string{all, one} {
				for _, id := range []string{"nope", "no such connection"} {
					r := e.checked(e.do(c.method, c.path, nil, with(key, rest.HeaderConnectionID, id)))
					require.Equal(t, c.status, r.status, "%s %s as %q: %s", c.method, c.path, id, r.body)
					require.Contains(t, errorMessage(t, r), "cannot access connection")
				}
			}
		}
		r := e.checked(e.do("GET", "/v1/whatsapp/status", nil, with(all, rest.HeaderConnectionID, "a")))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	})
}

// errorMessage returns the message of an error answer in any dialect:
// {"error": "..."} (sync), {"error": {"message"}} (chat), or the
// envelopes' "message" (business, history).
func errorMessage(t *testing.T, r *response) string {
	t.Helper()
	got := r.json(t)
	switch e := got["error"].(type) {
	case string:
		return e
	case map[string]any:
		return e["message"].(string)
	}
	msg, ok := got["message"].(string)
	require.True(t, ok, "an error answer: %s", r.body)
	return msg
}
