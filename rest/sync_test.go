package rest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
)

func TestSyncStatus(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.pair("a", phone)
		e.createAccount("b")
		key := e.key([]wauser.Scope{wauser.ScopeRead})

		r := e.checked(e.do("GET", "/v1/whatsapp/status", nil, with(bearer(key), rest.HeaderConnectionID, "a")))
		require.Equal(t, http.StatusOK, r.status)
		requireRateHeaders(t, r)
		require.Equal(t, "application/json", r.header.Get("Content-Type"))
		require.JSONEq(t, `{"connection_id":"a","state":"connected","paired":true,"connected":true,
			"jid":"15551234567:7@s.whatsapp.net","last_connected_at":"2026-11-21T12:00:00Z","connector_ready":true}`, string(r.body))

		r = e.checked(e.do("GET", "/v1/whatsapp/status", nil, with(bearer(key), rest.HeaderConnectionID, "b")))
		require.Equal(t, http.StatusOK, r.status)
		require.JSONEq(t, `{"connection_id":"b","state":"unpaired","paired":false,"connected":false,"connector_ready":false}`, string(r.body))

		// The key reaches both accounts: which one must be said.
		r = e.checked(e.do("GET", "/v1/whatsapp/status", nil, bearer(key)))
		require.Equal(t, http.StatusBadRequest, r.status)
		require.Contains(t, r.json(t)["error"], rest.HeaderConnectionID)

		// A connection that does not exist is refused as the specification
		// documents: 401, like one the key cannot reach.
		r = e.checked(e.do("GET", "/v1/whatsapp/status", nil, with(bearer(key), rest.HeaderConnectionID, "nope")))
		require.Equal(t, http.StatusUnauthorized, r.status)
		require.Equal(t, map[string]any{"error": `the API key cannot access connection "nope"`}, r.json(t))
	})
}

func TestSyncPairByQRThenStatus(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.createAccount("a")
		key := bearer(e.key([]wauser.Scope{wauser.ScopeRead, wauser.ScopeWrite}, "a"))

		r := e.checked(e.do("GET", "/v1/whatsapp/pair/status", nil, key))
		require.Equal(t, http.StatusNotFound, r.status, "nothing to report before pairing starts")
		require.Contains(t, r.json(t)["error"], "POST /v1/whatsapp/pair")

		r = e.checked(e.do("POST", "/v1/whatsapp/pair", nil, key))
		require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
		requireRateHeaders(t, r)
		got := r.json(t)
		require.Equal(t, "qr", got["status"])
		require.Contains(t, got["qr"], "2@watest/a/")
		require.Equal(t, "2026-11-21T12:01:00Z", got["expires_at"])

		r = e.checked(e.do("GET", "/v1/whatsapp/pair/status", nil, key))
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, got["qr"], r.json(t)["qr"], "the current code is readable")

		conn, err := e.fake.WaitConn(e.ctx(), "a")
		require.NoError(t, err)
		require.NoError(t, conn.Scan(phone))
		_, err = e.c.WithAccount("a").WaitStatus(e.ctx(), func(s *wauser.Status) bool { return s.State == wauser.StateConnected })
		require.NoError(t, err)

		r = e.checked(e.do("GET", "/v1/whatsapp/pair/status", nil, key))
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, "paired", r.json(t)["status"])
		require.Equal(t, "15551234567@s.whatsapp.net", r.json(t)["jid"])

		// Pairing a paired account is a conflict, in the sync error shape.
		r = e.checked(e.do("POST", "/v1/whatsapp/pair", map[string]string{}, key))
		require.Equal(t, http.StatusConflict, r.status)
		require.Len(t, r.json(t), 1)
		require.Contains(t, r.json(t)["error"], "already paired")
	})
}

func TestSyncPairByPhoneCode(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.createAccount("a")
		key := bearer(e.key([]wauser.Scope{wauser.ScopeWrite}, "a"))

		// Bad input is refused before anything reaches WhatsApp.
		for _, body := range []string{`{"phone_number":"0123"}`, `{"phone_number":1}`, `[]`, `{}{}`} {
			r := e.checked(e.do("POST", "/v1/whatsapp/pair", body, key))
			require.Equal(t, http.StatusBadRequest, r.status, "body %s: %s", body, r.body)
			require.NotEmpty(t, r.json(t)["error"])
		}
		require.Nil(t, e.fake.Conn("a"), "no connection was made for bad input")

		r := e.checked(e.do("POST", "/v1/whatsapp/pair", `{"phone_number":"+1 555 123 4567"}`, key))
		require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
		require.Equal(t, "code", r.json(t)["status"])
		require.Equal(t, "WAUS-ER01", r.json(t)["code"])
		require.Contains(t, e.fake.Conn("a").Calls(), "PairPhone")
	})
}

func TestSyncUnlink(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		conn := e.pair("a", phone)
		acc, err := e.c.WithAccount("a").GetAccount(e.ctx())
		require.NoError(t, err)
		admin := bearer(e.key([]wauser.Scope{wauser.ScopeAdmin}, "a"))

		r := e.checked(e.do("POST", "/v1/whatsapp/unlink", nil, admin))
		require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
		got := r.json(t)
		require.Equal(t, "unlink", got["kind"])
		cmd := got["command"].(map[string]any)
		require.Equal(t, got["command_id"], cmd["id"])
		require.Equal(t, "completed", cmd["status"])
		require.Equal(t, "2026-11-21T12:00:00Z", cmd["completed_at"])
		require.Contains(t, conn.Calls(), "Logout", "the phone was told")

		dev, err := e.c.Store().Container().GetDevice(e.ctx(), acc.JID)
		require.NoError(t, err)
		require.Nil(t, dev, "the device keys are gone")

		// The connection stays, logged out, and can pair again with the same key.
		r = e.checked(e.do("GET", "/v1/whatsapp/status", nil, admin))
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, "logged_out", r.json(t)["state"])
		r = e.checked(e.do("POST", "/v1/whatsapp/pair", nil, admin))
		require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	})
}

func TestSyncMe(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.createAccount("a")
		e.createAccount("b")
		k, err := e.c.CreateAPIKey(e.ctx(), wauser.CreateAPIKeyRequest{Name: "ci", Scopes: []wauser.Scope{wauser.ScopeRead}, Accounts: []wauser.AccountID{"b"}})
		require.NoError(t, err)

		r := e.checked(e.do("GET", "/v1/me", nil, map[string]string{"X-Api-Key": k.Key}))
		require.Equal(t, http.StatusOK, r.status)
		requireRateHeaders(t, r)
		got := r.json(t)
		key := got["api_key"].(map[string]any)
		require.Equal(t, string(k.ID), key["id"])
		require.Equal(t, "ci", key["name"])
		require.Equal(t, k.Key[:12], key["prefix"])
		require.NotContains(t, key, "key", "the secret is never shown again")
		require.NotContains(t, string(r.body), k.Key)
		require.Equal(t, []any{"b"}, got["connection_ids"])
		require.Equal(t, "GET /v1/whatsapp/status", got["endpoints"].(map[string]any)["getWhatsAppStatus"])
	})
}
