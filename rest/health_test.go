package rest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
)

type health struct {
	Status   string `json:"status"`
	Demo     bool   `json:"demo"`
	Store    string `json:"store"`
	Accounts []struct {
		ID        string `json:"id"`
		State     string `json:"state"`
		LastError string `json:"last_error"`
	} `json:"accounts"`
}

func readHealth(t *testing.T, r *response) health {
	t.Helper()
	var h health
	require.NoError(t, json.Unmarshal(r.body, &h), "%s", r.body)
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	return h
}

func TestHealthRoutesAreOffByDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{})
	for _, path := range []string{"/healthz", "/readyz", "/docs"} {
		require.Equal(t, http.StatusNotFound, e.do("GET", path, nil, nil).status, path)
	}
}

// TestHealthAndReadiness: /healthz says the process lives, /readyz lists
// every account's state and last error; both need no credentials, are not
// rate limited and are not part of the API's description. Once the store
// stops answering, /readyz answers 503 while /healthz still answers 200.
func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{Health: true, RequestsPerMinute: 1})
		e.pair("main", phone)
		e.createAccount("new")

		r := e.do("GET", "/healthz", nil, nil)
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, health{Status: "ok"}, readHealth(t, r))
		require.Empty(t, r.header.Get("X-RateLimit-Limit"), "probes are not rate limited")

		for range 5 { // far past the rate limit of 1 a minute
			r = e.do("GET", "/readyz", nil, nil)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		}
		h := readHealth(t, r)
		require.Equal(t, "ready", h.Status)
		require.Equal(t, "ok", h.Store)
		require.False(t, h.Demo)
		require.Len(t, h.Accounts, 2)
		require.Equal(t, "main", h.Accounts[0].ID)
		require.Equal(t, string(wauser.StateConnected), h.Accounts[0].State)
		require.Equal(t, "new", h.Accounts[1].ID)
		require.Equal(t, string(wauser.StateUnpaired), h.Accounts[1].State)

		// An account that cannot reach WhatsApp: still ready, with the reason.
		e.fake.SetOffline(true)
		e.fake.Conn("main").Drop()
		_, err := e.c.WithAccount("main").WaitStatus(e.ctx(), func(s *wauser.Status) bool { return s.State == wauser.StateReconnecting })
		require.NoError(t, err)
		h = readHealth(t, e.do("GET", "/readyz", nil, nil))
		require.Equal(t, "ready", h.Status)
		require.Equal(t, string(wauser.StateReconnecting), h.Accounts[0].State)
		require.Equal(t, "connection to WhatsApp lost", h.Accounts[0].LastError)

		doc := string(e.do("GET", "/openapi.json", nil, nil).body)
		require.NotContains(t, doc, "/healthz")
		require.NotContains(t, doc, "/readyz")

		require.NoError(t, e.c.Store().Close())
		r = e.do("GET", "/readyz", nil, nil)
		require.Equal(t, http.StatusServiceUnavailable, r.status)
		require.Equal(t, "5", r.header.Get("Retry-After"))
		h = readHealth(t, r)
		require.Equal(t, "unavailable", h.Status)
		require.Equal(t, "the database did not answer", h.Store, "a sentence, not the driver's error")
		require.Empty(t, h.Accounts)
		require.Equal(t, http.StatusOK, e.do("GET", "/healthz", nil, nil).status, "still alive")
	})
}

// TestHealthSaysDemo: a demonstration server says so in both answers.
func TestHealthSaysDemo(t *testing.T) {
	t.Parallel()
	demo := &rest.Demo{Link: func(context.Context, wauser.AccountID) error { return nil }}
	e := newEnv(t, testdb.SQLite(t), rest.Options{Health: true, Demo: demo})
	for _, path := range []string{"/healthz", "/readyz"} {
		r := e.do("GET", path, nil, nil)
		require.Equal(t, http.StatusOK, r.status)
		require.True(t, readHealth(t, r).Demo, path)
		require.True(t, strings.Contains(string(r.body), `"demo":true`))
	}
}
