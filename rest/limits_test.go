package rest_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
)

func TestRateLimitPerKey(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.createAccount("a")
		key := bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "a"))
		reset := strconv.FormatInt(epoch.Add(time.Minute).Unix(), 10)

		for i := 1; i <= 60; i++ {
			r := e.do("GET", "/v1/whatsapp/status", nil, key)
			require.Equal(t, http.StatusOK, r.status, "request %d", i)
			require.Equal(t, "60", r.header.Get("X-RateLimit-Limit"))
			require.Equal(t, strconv.Itoa(60-i), r.header.Get("X-RateLimit-Remaining"))
			require.Equal(t, reset, r.header.Get("X-RateLimit-Reset"))
		}
		e.clock.Advance(20 * time.Second)
		r := e.checked(e.do("GET", "/v1/whatsapp/status", nil, key))
		require.Equal(t, http.StatusTooManyRequests, r.status, "the 61st request in a minute")
		require.Equal(t, "40", r.header.Get("Retry-After"))
		require.Equal(t, "0", r.header.Get("X-RateLimit-Remaining"))
		require.Contains(t, r.json(t)["error"], "rate limit")

		// The same key in the business dialect: its error shape.
		r = e.checked(e.do("GET", "/v1/status", nil, key))
		require.Equal(t, http.StatusTooManyRequests, r.status)
		require.Contains(t, failure(t, r), "rate limit")

		// Another key has its own window.
		r = e.do("GET", "/v1/whatsapp/status", nil, bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "a")))
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, "59", r.header.Get("X-RateLimit-Remaining"))

		// A new window opens after the minute.
		e.clock.Advance(40 * time.Second)
		r = e.do("GET", "/v1/whatsapp/status", nil, key)
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, "59", r.header.Get("X-RateLimit-Remaining"))
	})
}

// TestRateLimitPerKeyHourly: a key's own hourly limit (the multi-session
// server's rate_limit_per_hour) counts beside the per-minute one; the
// headers describe whichever has fewer requests left; past it the key, and
// the tokens of the devices it created, get 429 until the hour ends. A
// limit raised through the admin API applies at once.
func TestRateLimitPerKeyHourly(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{RequestsPerMinute: 5})
		e.createAccount("a")
		k, err := e.c.CreateAPIKey(e.ctx(), wauser.CreateAPIKeyRequest{Scopes: []wauser.Scope{wauser.ScopeAdmin}, Accounts: []wauser.AccountID{"a"},
			RateLimitPerHour: 8})
		require.NoError(t, err)
		key := bearer(k.Key)
		minuteReset := strconv.FormatInt(epoch.Add(time.Minute).Unix(), 10)
		hourReset := strconv.FormatInt(epoch.Add(time.Hour).Unix(), 10)

		// The minute runs out first: 5 left of it, 8 of the hour.
		for i := 1; i <= 5; i++ {
			r := e.checked(e.do("GET", "/v1/whatsapp/status", nil, key))
			require.Equal(t, http.StatusOK, r.status, "request %d", i)
			require.Equal(t, "5", r.header.Get("X-RateLimit-Limit"))
			require.Equal(t, strconv.Itoa(5-i), r.header.Get("X-RateLimit-Remaining"))
			require.Equal(t, minuteReset, r.header.Get("X-RateLimit-Reset"))
		}
		r := e.checked(e.do("GET", "/v1/whatsapp/status", nil, key))
		require.Equal(t, http.StatusTooManyRequests, r.status)
		require.Equal(t, map[string]any{"error": "rate limit exceeded: 5 requests per minute"}, r.json(t))

		// A minute later the hour has 3 left, fewer than the minute's 5:
		// the headers speak of the hour.
		e.clock.Advance(time.Minute)
		for i := 1; i <= 3; i++ {
			r := e.checked(e.do("GET", "/v1/whatsapp/status", nil, key))
			require.Equal(t, http.StatusOK, r.status, "request %d of the second minute", i)
			require.Equal(t, "8", r.header.Get("X-RateLimit-Limit"))
			require.Equal(t, strconv.Itoa(3-i), r.header.Get("X-RateLimit-Remaining"))
			require.Equal(t, hourReset, r.header.Get("X-RateLimit-Reset"))
		}
		r = e.checked(e.do("GET", "/v1/whatsapp/status", nil, key))
		require.Equal(t, http.StatusTooManyRequests, r.status, "the hour is used up while the minute has room")
		require.Equal(t, "3540", r.header.Get("Retry-After"), "until the hour's window ends")
		require.Equal(t, "8", r.header.Get("X-RateLimit-Limit"))
		require.Equal(t, "0", r.header.Get("X-RateLimit-Remaining"))
		require.Equal(t, map[string]any{"error": "rate limit exceeded: 8 requests per hour"}, r.json(t))

		// A device's token counts against the key that created it: refused
		// too, in its own dialect's error shape, though its own minute is
		// fresh.
		tok, err := e.c.CreateAPIKey(e.ctx(), wauser.CreateAPIKeyRequest{Name: "shop", Scopes: wauser.AllScopes(),
			Accounts: []wauser.AccountID{"a"}, CreatedBy: k.ID})
		require.NoError(t, err)
		r = e.checked(e.do("GET", "/devices/me", nil, bearer(tok.Key)))
		require.Equal(t, http.StatusTooManyRequests, r.status)
		require.Equal(t, map[string]any{"status": false, "code": float64(429), "message": "Too Many Requests",
			"error": "rate limit exceeded: 8 requests per hour"}, r.json(t))

		// The admin raises the limit: the key and its token pass at once.
		admin := map[string]string{"X-Admin-Secret": adminPassword}
		r = e.checked(e.do("PATCH", "/admin/api-keys/"+msKeyNumber(k.ID), `{"rate_limit_per_hour":10}`, admin))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r = e.checked(e.do("GET", "/devices/me", nil, bearer(tok.Key)))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, "10", r.header.Get("X-RateLimit-Limit"), "the creator's hour, 1 left, is closest to running out")
		require.Equal(t, "1", r.header.Get("X-RateLimit-Remaining"))
		r = e.checked(e.do("GET", "/v1/whatsapp/status", nil, key))
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, "0", r.header.Get("X-RateLimit-Remaining"))
		r = e.checked(e.do("GET", "/v1/whatsapp/status", nil, key))
		require.Equal(t, http.StatusTooManyRequests, r.status)

		// The next hour starts afresh.
		e.clock.Advance(time.Hour)
		r = e.checked(e.do("GET", "/v1/whatsapp/status", nil, key))
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, "4", r.header.Get("X-RateLimit-Remaining"), "the minute's 5 are closer to running out than the hour's 10")
	})
}

// TestRateLimitHourlyWithoutPerMinute: with the per-minute limit off, a
// key's own hourly limit still holds, and only its answers carry the
// X-RateLimit headers.
func TestRateLimitHourlyWithoutPerMinute(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{RequestsPerMinute: -1})
	e.createAccount("a")
	k, err := e.c.CreateAPIKey(e.ctx(), wauser.CreateAPIKeyRequest{Scopes: []wauser.Scope{wauser.ScopeRead}, Accounts: []wauser.AccountID{"a"},
		RateLimitPerHour: 2})
	require.NoError(t, err)
	for i := 1; i <= 2; i++ {
		r := e.do("GET", "/v1/status", nil, bearer(k.Key))
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, "2", r.header.Get("X-RateLimit-Limit"))
		require.Equal(t, strconv.Itoa(2-i), r.header.Get("X-RateLimit-Remaining"))
	}
	r := e.do("GET", "/v1/status", nil, bearer(k.Key))
	require.Equal(t, http.StatusTooManyRequests, r.status)
	require.Contains(t, failure(t, r), "2 requests per hour")
	r = e.do("GET", "/v1/status", nil, bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "a")))
	require.Equal(t, http.StatusOK, r.status, "another key has no limit")
	require.Empty(t, r.header.Get("X-RateLimit-Limit"))
}

func TestRateLimitUnauthenticatedPerIPInEveryDialect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{RequestsPerMinute: 3})
	// newEnv fetched /openapi.json: the first of this client IP's 3.
	for range 2 {
		r := e.checked(e.do("GET", "/v1/status", nil, bearer("wau_nope")))
		require.Equal(t, http.StatusUnauthorized, r.status)
		requireRateHeaders(t, r)
	}
	// The bucket of this client IP is empty now, whatever the route.
	r := e.checked(e.do("GET", "/v1/whatsapp/status", nil, nil))
	require.Equal(t, http.StatusTooManyRequests, r.status)
	require.Equal(t, map[string]any{"error": "rate limit exceeded: 3 requests per minute"}, r.json(t))

	r = e.do("POST", "/api/v1/messages", `{}`, nil)
	require.Equal(t, http.StatusTooManyRequests, r.status)
	require.Equal(t, "60", r.header.Get("Retry-After"))
	require.Equal(t, map[string]any{"error": map[string]any{
		"code": "rate_limit_exceeded", "message": "rate limit exceeded: 3 requests per minute", "status": float64(429),
	}}, r.json(t), "document 002's error shape")

	r = e.do("POST", "/history/sync", `{"count":25}`, nil)
	require.Equal(t, http.StatusTooManyRequests, r.status)
	require.Equal(t, map[string]any{"status": false, "code": float64(429), "message": "Too Many Requests",
		"error": "rate limit exceeded: 3 requests per minute"}, r.json(t), "document 001's error shape")

	r = e.do("GET", "/v1/status", nil, nil)
	require.Equal(t, http.StatusTooManyRequests, r.status)
	require.Contains(t, failure(t, r), "rate limit")
}

func TestRateLimitOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{RequestsPerMinute: -1})
	e.createAccount("a")
	key := bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "a"))
	for range 100 {
		r := e.checked(e.do("GET", "/v1/status", nil, key))
		require.Equal(t, http.StatusOK, r.status)
		require.Empty(t, r.header.Get("X-RateLimit-Limit"))
	}
}

func TestStrictBodies(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{MaxBodyBytes: 256})
		admin := basic(adminUser, adminPassword)
		for _, c := range []struct {
			name, body, contentType string
			status                  int
			says                    string
		}{
			{"empty", "", "", http.StatusBadRequest, "body is required"},
			{"NUL", `{"id":"x\u0000"}`, "", http.StatusBadRequest, "NUL"},
			{"NUL in an unknown field's neighbour", `{"id":"x","webhooks":[{"url":"https://example.com/\u0000"}]}`, "", http.StatusBadRequest, "NUL"},
			{"wrong type", `{"id":7}`, "", http.StatusBadRequest, "invalid JSON"},
			{"two values", `{"id":"x"} {"id":"y"}`, "", http.StatusBadRequest, "exactly one JSON value"},
			{"trailing garbage", `{"id":"x"}]`, "", http.StatusBadRequest, "exactly one JSON value"},
			{"not JSON", `id=x`, "", http.StatusBadRequest, "invalid JSON"},
			{"bad id", `{"id":"no spaces"}`, "", http.StatusBadRequest, "invalid id"},
			{"bad webhook", `{"id":"x","webhooks":[{"url":"ftp://x"}]}`, "", http.StatusBadRequest, "webhooks[0].url"},
			{"form", `{"id":"x"}`, "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType, "application/json"},
			{"too large", `{"id":"` + strings.Repeat("x", 300) + `"}`, "", http.StatusRequestEntityTooLarge, "256 bytes"},
		} {
			t.Run(c.name, func(t *testing.T) {
				h := admin
				if c.contentType != "" {
					h = with(admin, "Content-Type", c.contentType)
				}
				var body any
				if c.body != "" {
					body = c.body
				}
				r := e.checked(e.do("POST", "/v1/accounts", body, h))
				require.Equal(t, c.status, r.status, "%s", r.body)
				require.Contains(t, failure(t, r), c.says)
			})
		}
		list, err := e.c.ListAccounts(e.ctx())
		require.NoError(t, err)
		require.Empty(t, list, "no rejected request created anything")
		keys, err := e.c.ListAPIKeys(e.ctx())
		require.NoError(t, err)
		require.Empty(t, keys)
	})
}

// TestUnknownFieldsIgnored: in every dialect a request with fields the
// route does not know (at the top and nested) is served as if they were
// not there, and each is logged at debug level; the known fields stay
// strictly typed.
func TestUnknownFieldsIgnored(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
		e := newEnv(t, db, rest.Options{Logger: logger})
		e.pair("a", phone)
		key := bearer(e.key(wauser.AllScopes(), "a"))
		for _, c := range []struct {
			method, path, body string
			headers            map[string]string
			status             int
			field              string
		}{
			{"POST", "/v1/accounts", `{"id":"b","colour":"red"}`, basic(adminUser, adminPassword), http.StatusOK, "colour"},
			{"POST", "/v1/webhooks", `{"url":"https://example.com/h","retries":3}`, key, http.StatusOK, "retries"},
			{"POST", "/v1/messages", `{"to":"+15550000001","type":"text","text":{"body":"hi"},"biz_opaque_callback_data":"x"}`, key, http.StatusOK, "biz_opaque_callback_data"},
			{"POST", "/api/v1/messages", `{"to":"+15550000001","type":"text","text":"hi","priority":"high"}`, key, http.StatusCreated, "priority"},
			{"POST", "/api/v1/messages", `{"to":"+15550000001","type":"location","location":{"latitude":52.5,"longitude":13.4,"altitude":30}}`, key, http.StatusCreated, "altitude"},
			{"POST", "/history/sync", `{"count":5,"since":"yesterday"}`, key, http.StatusOK, "since"},
			{"POST", "/v1/webhooks/endpoints", `{"url":"https://example.com/e","event_types":["*"],"secret_length":64}`, key, http.StatusCreated, "secret_length"},
			{"POST", "/v1/whatsapp/messages/send", `{"contact_id":"+15550000001","text":"hi","silent":true}`, key, http.StatusAccepted, "silent"},
		} {
			r := e.checked(e.do(c.method, c.path, c.body, c.headers))
			require.Equal(t, c.status, r.status, "%s %s: %s", c.method, c.path, r.body)
			require.Contains(t, logs.String(), `msg="rest: ignored an unknown request field"`)
			require.Contains(t, logs.String(), c.field, "%s %s logs the ignored field", c.method, c.path)
		}
		// Known fields keep their types.
		r := e.checked(e.do("POST", "/history/sync", `{"count":"5","since":"yesterday"}`, key))
		require.Equal(t, http.StatusBadRequest, r.status)
	})
}

func TestUnknownRoutesInTheirDialect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{})
	for _, c := range []struct {
		method, path string
		status       int
		allow        string
		shape        func(t *testing.T, r *response)
	}{
		{"GET", "/nope", http.StatusNotFound, "", func(t *testing.T, r *response) {
			require.Equal(t, map[string]any{"error": "no such route: /nope"}, r.json(t))
		}},
		{"GET", "/v1/whatsapp/nope", http.StatusNotFound, "", func(t *testing.T, r *response) {
			require.Equal(t, map[string]any{"error": "no such route: /v1/whatsapp/nope"}, r.json(t))
		}},
		{"DELETE", "/v1/whatsapp/status", http.StatusMethodNotAllowed, "GET", func(t *testing.T, r *response) {
			require.Contains(t, r.json(t)["error"], "use GET")
		}},
		{"PUT", "/v1/accounts", http.StatusMethodNotAllowed, "GET, POST, DELETE", func(t *testing.T, r *response) {
			require.Contains(t, failure(t, r), "PUT is not allowed")
		}},
		{"GET", "/v1/labels", http.StatusNotFound, "", func(t *testing.T, r *response) {
			require.Contains(t, failure(t, r), "no such route")
		}},
		{"PUT", "/v1/webhooks/all", http.StatusMethodNotAllowed, "DELETE", func(t *testing.T, r *response) {
			require.Contains(t, failure(t, r), "use DELETE")
		}},
		{"GET", "/v1/webhooks/endpoints/x/nope", http.StatusNotFound, "", func(t *testing.T, r *response) {
			require.Equal(t, map[string]any{"error": "no such route: /v1/webhooks/endpoints/x/nope"}, r.json(t))
		}},
		{"GET", "/api/v1/chats", http.StatusNotFound, "", func(t *testing.T, r *response) {
			require.Equal(t, map[string]any{"error": map[string]any{
				"code": "not_found", "message": "no such route: /api/v1/chats", "status": float64(404)}}, r.json(t))
		}},
		{"POST", "/history/nope", http.StatusNotFound, "", func(t *testing.T, r *response) {
			require.Equal(t, map[string]any{"status": false, "code": float64(404), "message": "Not Found",
				"error": "no such route: /history/nope"}, r.json(t))
		}},
		{"GET", "/history/sync", http.StatusMethodNotAllowed, "POST", func(t *testing.T, r *response) {
			require.Equal(t, map[string]any{"status": false, "code": float64(405), "message": "Method Not Allowed",
				"error": "GET is not allowed here; use POST"}, r.json(t))
		}},
	} {
		r := e.do(c.method, c.path, nil, nil)
		require.Equal(t, c.status, r.status, "%s %s", c.method, c.path)
		require.Equal(t, c.allow, r.header.Get("Allow"))
		requireRateHeaders(t, r)
		c.shape(t, r)
	}
}

// TestInFlightLimit refuses requests beyond MaxInFlight at once, with
// Retry-After, instead of queueing them.
func TestInFlightLimit(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	e := newEnv(t, testdb.SQLite(t), rest.Options{MaxInFlight: 1, Authenticate: func(r *http.Request) (*wauser.APIKey, error) {
		if r.Header.Get("X-Block") != "" {
			close(entered)
			<-release
		}
		return &wauser.APIKey{ID: "k", AllAccounts: true, Scopes: wauser.AllScopes()}, nil
	}})
	e.createAccount("a")
	done := make(chan int)
	blocked, err := http.NewRequestWithContext(e.ctx(), "GET", e.srv.URL+"/v1/status", nil)
	require.NoError(t, err)
	blocked.Header.Set("X-Block", "1")
	go func() {
		resp, err := e.srv.Client().Do(blocked)
		if err != nil {
			done <- 0
			return
		}
		_ = resp.Body.Close()
		done <- resp.StatusCode
	}()
	<-entered

	r := e.checked(e.do("GET", "/v1/status", nil, nil))
	require.Equal(t, http.StatusServiceUnavailable, r.status)
	require.Equal(t, "1", r.header.Get("Retry-After"))
	requireRateHeaders(t, r)
	require.Contains(t, failure(t, r), "too many requests in flight")

	close(release)
	require.Equal(t, http.StatusOK, <-done)
	r = e.checked(e.do("GET", "/v1/status", nil, nil))
	require.Equal(t, http.StatusOK, r.status, "the slot is free again")
}

// TestTimeoutAndServerErrors: a request past Options.Timeout, and an
// unexpected error, answer 5xx without their cause, which goes to the log.
func TestTimeoutAndServerErrors(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil))
	e := newEnv(t, testdb.SQLite(t), rest.Options{Timeout: 50 * time.Millisecond, Logger: logger,
		Authenticate: func(r *http.Request) (*wauser.APIKey, error) {
			if r.Header.Get("X-Panic") != "" {
				panic("secret panic text")
			}
			if r.Header.Get("X-Wait") != "" {
				<-r.Context().Done()
				return nil, r.Context().Err()
			}
			return nil, errors.New("db password hunter2 rejected")
		}})

	r := e.checked(e.do("GET", "/v1/whatsapp/status", nil, map[string]string{"X-Wait": "1"}))
	require.Equal(t, http.StatusServiceUnavailable, r.status)
	require.Equal(t, "1", r.header.Get("Retry-After"))
	require.Equal(t, map[string]any{"error": "the request timed out; retry later"}, r.json(t))

	r = e.checked(e.do("GET", "/v1/status", nil, nil))
	require.Equal(t, http.StatusInternalServerError, r.status)
	require.Equal(t, "internal error", failure(t, r))
	require.NotContains(t, string(r.body), "hunter2")
	require.Contains(t, logs.String(), "hunter2", "the cause is logged for the operator")

	// A panic is a 500 like any other server error, and the server goes on.
	r = e.checked(e.do("GET", "/v1/whatsapp/status", nil, map[string]string{"X-Panic": "1"}))
	require.Equal(t, http.StatusInternalServerError, r.status)
	require.Equal(t, map[string]any{"error": "internal error"}, r.json(t))
	require.Contains(t, logs.String(), "secret panic text")
	r = e.checked(e.do("GET", "/openapi.json", nil, nil))
	require.Equal(t, http.StatusOK, r.status)
}
