package rest_test

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
	"github.com/wauser/wauser/watest"
)

// cloudKeys are the WhatsApp Cloud API's fields some answers carry beside
// the envelope's.
var cloudKeys = []string{"messaging_product", "contacts", "messages", "media", "id", "url", "mime_type", "sha256", "file_size"}

// envelope asserts the Business Server API's success envelope (with Cloud
// API fields beside it, if any) and returns its data.
func envelope(t *testing.T, r *response) any {
	t.Helper()
	got := r.json(t)
	var keys []string
	for _, k := range sortedKeys(got) {
		if !slices.Contains(cloudKeys, k) {
			keys = append(keys, k)
		}
	}
	require.Equal(t, []string{"data", "message", "success", "timestamp"}, keys, "%s", r.body)
	require.Equal(t, true, got["success"], "%s", r.body)
	require.Equal(t, "2026-11-21T12:00:00Z", got["timestamp"])
	return got["data"]
}

// failure asserts the Business Server API's error envelope, with the
// WhatsApp Cloud API's error object beside its fields, and returns its
// message.
func failure(t *testing.T, r *response) string {
	t.Helper()
	got := r.json(t)
	require.Equal(t, []string{"data", "error", "message", "success", "timestamp"}, sortedKeys(got), "%s", r.body)
	require.Equal(t, false, got["success"])
	require.Nil(t, got["data"])
	cloud := got["error"].(map[string]any)
	require.Equal(t, got["message"], cloud["message"], "the Cloud API error says the same")
	require.NotZero(t, cloud["code"])
	require.NotEmpty(t, cloud["type"])
	require.Equal(t, "whatsapp", cloud["error_data"].(map[string]any)["messaging_product"])
	return got["message"].(string)
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

func basic(user, pass string) map[string]string {
	return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}
}

func TestBusinessInitAccount(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		body := `{"id":"sales","only_status_updates":true,"webhooks":[{"url":"https://example.com/hook","chat_types":["group"]}]}`

		r := e.checked(e.do("POST", "/v1/accounts", body, basic(adminUser, adminPassword)))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		requireRateHeaders(t, r)
		data := envelope(t, r).(map[string]any)
		require.Equal(t, "sales", data["id"])
		require.Equal(t, "pairing", data["state"])
		require.Equal(t, true, data["only_status_updates"])
		require.Contains(t, data["code"], "2@watest/sales/")
		token := data["token"].(string)
		require.True(t, strings.HasPrefix(token, "wau_"))

		// The image is the code as a PNG.
		img := data["image"].(string)
		require.True(t, strings.HasPrefix(img, "data:image/png;base64,"))
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(img, "data:image/png;base64,"))
		require.NoError(t, err)
		decoded, err := png.Decode(bytes.NewReader(raw))
		require.NoError(t, err)
		require.Greater(t, decoded.Bounds().Dx(), 100)

		// The token is a key for this account only, with every scope.
		keys, err := e.c.ListAPIKeys(e.ctx())
		require.NoError(t, err)
		require.Len(t, keys, 1)
		require.Equal(t, []wauser.AccountID{"sales"}, keys[0].Accounts)
		require.False(t, keys[0].AllAccounts)
		require.ElementsMatch(t, wauser.AllScopes(), keys[0].Scopes)
		r = e.checked(e.do("GET", "/v1/status", nil, map[string]string{"Authorization": token}))
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, "sales", envelope(t, r).(map[string]any)["account_id"])

		// The webhook was registered with the account.
		var hooks int
		require.NoError(t, e.c.Store().DB().NewSelect().Table("wauser_webhooks").Where("account_id = 'sales'").ColumnExpr("count(*)").Scan(e.ctx(), &hooks))
		require.Equal(t, 1, hooks)

		// The same id again: a conflict, and no second key.
		r = e.checked(e.do("POST", "/v1/accounts", `{"id":"sales"}`, basic(adminUser, adminPassword)))
		require.Equal(t, http.StatusConflict, r.status)
		require.Contains(t, failure(t, r), "already exists")
		keys, err = e.c.ListAPIKeys(e.ctx())
		require.NoError(t, err)
		require.Len(t, keys, 1)

		// Wrong credentials, or an API key, are refused with a Basic challenge.
		for _, h := range []map[string]string{basic(adminUser, "nope"), basic("root", adminPassword), bearer(token), nil} {
			r = e.checked(e.do("POST", "/v1/accounts", `{"id":"other"}`, h))
			require.Equal(t, http.StatusUnauthorized, r.status)
			require.Contains(t, r.header.Get("WWW-Authenticate"), "Basic")
			failure(t, r)
		}
		_, err = e.c.WithAccount("other").GetAccount(e.ctx())
		require.ErrorIs(t, err, wauser.ErrNotFound)
	})
}

func TestBusinessInitAccountRollsBackWhenPairingCannotStart(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.fake.SetOffline(true)
		r := e.checked(e.do("POST", "/v1/accounts", `{"id":"x"}`, basic(adminUser, adminPassword)))
		require.Equal(t, http.StatusBadGateway, r.status, "%s", r.body)
		require.NotContains(t, failure(t, r), "dial tcp", "no internal error text")
		list, err := e.c.ListAccounts(e.ctx())
		require.NoError(t, err)
		require.Empty(t, list, "the account is removed again")
		keys, err := e.c.ListAPIKeys(e.ctx())
		require.NoError(t, err)
		require.Empty(t, keys, "no key was made")
	})
}

func TestBusinessInitAccountWithoutAdminCredentials(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	e := newEnv(t, db, rest.Options{AdminUser: "admin", AdminPasswordHash: "not configured"})
	r := e.checked(e.do("POST", "/v1/accounts", `{"id":"x"}`, basic("admin", "")))
	require.Equal(t, http.StatusUnauthorized, r.status)
	failure(t, r)
}

func TestBusinessAccounts(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.pair("a", phone)
		e.createAccount("b")
		onlyA := bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "a"))
		all := bearer(e.key([]wauser.Scope{wauser.ScopeRead}))

		r := e.checked(e.do("GET", "/v1/accounts", nil, onlyA))
		require.Equal(t, http.StatusOK, r.status)
		list := envelope(t, r).([]any)
		require.Len(t, list, 1, "a key lists only its accounts")
		a := list[0].(map[string]any)
		require.Equal(t, "a", a["id"])
		require.Equal(t, "+15551234567", a["phone"])
		require.Equal(t, "connected", a["state"])

		r = e.checked(e.do("GET", "/v1/accounts", nil, all))
		require.Len(t, envelope(t, r).([]any), 2)

		// By id: a one-element list, as document 003 shows.
		r = e.checked(e.do("GET", "/v1/accounts/a", nil, onlyA))
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, "a", envelope(t, r).([]any)[0].(map[string]any)["id"])
		r = e.checked(e.do("GET", "/v1/accounts/b", nil, onlyA))
		require.Equal(t, http.StatusForbidden, r.status)
		require.Contains(t, failure(t, r), `"b"`)
		r = e.checked(e.do("GET", "/v1/accounts/zzz", nil, all))
		require.Equal(t, http.StatusNotFound, r.status)
		failure(t, r)
	})
}

func TestBusinessLogout(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		conn := e.pair("a", phone)
		write := bearer(e.key([]wauser.Scope{wauser.ScopeRead, wauser.ScopeWrite}, "a"))
		admin := bearer(e.key([]wauser.Scope{wauser.ScopeAdmin}, "a"))

		r := e.checked(e.do("DELETE", "/v1/accounts", nil, write))
		require.Equal(t, http.StatusForbidden, r.status, "unlinking needs the admin scope")
		require.Contains(t, failure(t, r), "admin")

		r = e.checked(e.do("DELETE", "/v1/accounts", nil, admin))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Nil(t, envelope(t, r))
		require.Equal(t, "account logged out and removed", r.json(t)["message"])
		require.Contains(t, conn.Calls(), "Logout")
		_, err := e.c.WithAccount("a").GetAccount(e.ctx())
		require.ErrorIs(t, err, wauser.ErrNotFound)

		// The key reached only that account: it was revoked with it.
		r = e.checked(e.do("DELETE", "/v1/accounts", nil, admin))
		require.Equal(t, http.StatusUnauthorized, r.status)
		failure(t, r)
	})
}

func TestBusinessPairCode(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.createAccount("a")
		e.fake.SetPhoneCode("ABCD-EFGH")
		key := bearer(e.key([]wauser.Scope{wauser.ScopeWrite}, "a"))

		for _, q := range []string{"", "?phone=", "?phone=12ab"} {
			r := e.checked(e.do("GET", "/v1/accounts/code"+q, nil, key))
			require.Equal(t, http.StatusBadRequest, r.status, "query %q", q)
			require.Contains(t, failure(t, r), "phone")
		}
		r := e.checked(e.do("GET", "/v1/accounts/code?phone=%2B15551234567", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, "ABCD-EFGH", envelope(t, r))
	})
}

func TestBusinessStatusPrivacyAndAudience(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.createAccount("u")
		conn := e.pair("a", phone)
		friend := types.NewJID("15550000001", types.DefaultUserServer)
		require.NoError(t, conn.Device().Contacts.PutContactName(e.ctx(), friend, "Ann", "Ann Lee"))
		e.fake.SetStatusPrivacy([]types.StatusPrivacy{{Type: types.StatusPrivacyTypeBlacklist, IsDefault: true, List: []types.JID{}}})
		key := bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "a", "u"))
		onA := with(key, rest.HeaderConnectionID, "a")

		r := e.checked(e.do("GET", "/v1/profile/privacy", nil, onA))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, []any{map[string]any{"type": "blacklist", "list": []any{}, "is_default": true}}, envelope(t, r))

		r = e.checked(e.do("GET", "/v1/contacts/status-audience", nil, onA))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, []any{map[string]any{"jid": "15550000001@s.whatsapp.net", "name": "Ann Lee"}}, envelope(t, r))

		// An unpaired account cannot answer: a conflict, not a server error.
		r = e.checked(e.do("GET", "/v1/profile/privacy", nil, with(key, rest.HeaderConnectionID, "u")))
		require.Equal(t, http.StatusConflict, r.status)
		require.Contains(t, failure(t, r), "not logged in")

		// A paired account that lost its connection: 503 with Retry-After.
		e.fake.SetOffline(true)
		conn.Drop()
		_, err := e.c.WithAccount("a").WaitStatus(e.ctx(), func(s *wauser.Status) bool { return s.State == wauser.StateReconnecting })
		require.NoError(t, err)
		r = e.checked(e.do("GET", "/v1/contacts/status-audience", nil, onA))
		require.Equal(t, http.StatusServiceUnavailable, r.status)
		require.Equal(t, "5", r.header.Get("Retry-After"))
		msg := failure(t, r)
		require.Contains(t, msg, "not connected")
		require.NotContains(t, msg, "dial tcp", "no internal error text in a 5xx")
	})
}

func TestBusinessRefreshAndStatus(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		conn := e.pair("a", watest.Phone{JID: phone.JID})
		key := bearer(e.key([]wauser.Scope{wauser.ScopeRead, wauser.ScopeWrite}, "a"))

		r := e.checked(e.do("POST", "/v1/refresh?force=maybe", nil, key))
		require.Equal(t, http.StatusBadRequest, r.status)
		require.Contains(t, failure(t, r), "force")

		connects := 0
		for _, c := range conn.Calls() {
			if c == "ConnectContext" {
				connects++
			}
		}
		r = e.checked(e.do("POST", "/v1/refresh?force=true", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Nil(t, envelope(t, r))
		require.NoError(t, conn.WaitCalls(e.ctx(), "ConnectContext", connects+1), "refresh reconnects")
		require.Contains(t, conn.Calls(), "FetchAppState", "force re-fetches the app state")

		r = e.checked(e.do("GET", "/v1/status", nil, key))
		require.Equal(t, http.StatusOK, r.status)
		st := envelope(t, r).(map[string]any)
		require.Equal(t, "a", st["account_id"])
		require.Equal(t, "connected", st["state"])
		require.Equal(t, true, st["paired"])
		require.Equal(t, true, st["connected"])
		require.Equal(t, "15551234567:7@s.whatsapp.net", st["jid"])
	})
}
