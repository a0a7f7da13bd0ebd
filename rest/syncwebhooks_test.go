package rest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
)

// hookReceiver is a webhook endpoint that answers 200 and keeps what it
// got.
type hookReceiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []http.Header
	body [][]byte
}

func newHookReceiver(t *testing.T) *hookReceiver {
	rc := &hookReceiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got, rc.body = append(rc.got, r.Header.Clone()), append(rc.body, b)
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.Close)
	return rc
}

func TestSyncWebhookEndpoints(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.createAccount("a")
		e.createAccount("b")
		rc := newHookReceiver(t)
		hooks := []wauser.Scope{wauser.ScopeWebhooks}
		onA := bearer(e.key(hooks, "a"))
		both := bearer(e.key(hooks, "a", "b"))

		// Create: 201, the secret shown once, the spec's names kept.
		r := e.checked(e.do("POST", "/v1/webhooks/endpoints", `{"url":"`+rc.URL+`/a","description":"CRM","event_types":["whatsapp.message.received","whatsapp.connection.status_changed","whatsapp.command.completed"]}`, onA))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		requireRateHeaders(t, r)
		ep := r.json(t)["endpoint"].(map[string]any)
		id := ep["id"].(string)
		secret := ep["secret"].(string)
		require.Regexp(t, `^whsec_`, secret)
		require.Equal(t, rc.URL+"/a", ep["url"])
		require.Equal(t, []any{"whatsapp.message.received", "whatsapp.connection.status_changed"}, ep["event_types"], "command events select nothing")
		require.Equal(t, []any{"a"}, ep["connection_ids"])
		require.Equal(t, false, ep["all_accounts"])
		require.Equal(t, true, ep["enabled"])
		require.Equal(t, "2026-11-21T12:00:00Z", ep["created_at"])
		w, err := e.c.WithAccount("a").GetWebhook(e.ctx(), wauser.WebhookID(id))
		require.NoError(t, err)
		require.Equal(t, []string{"message.received", "account.*"}, w.EventTypes, "stored under wauser's names")

		// With connection_ids, for the other account.
		r = e.checked(e.do("POST", "/v1/webhooks/endpoints", `{"url":"`+rc.URL+`/b","connection_ids":["b"]}`, both))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		bID := r.json(t)["endpoint"].(map[string]any)["id"].(string)
		require.Equal(t, []any{"*"}, r.json(t)["endpoint"].(map[string]any)["event_types"])

		// Refused requests, in the sync error shape.
		for body, status := range map[string]int{
			`{"url":"` + rc.URL + `/x","all_accounts":true}`:                       http.StatusBadRequest,
			`{"url":"` + rc.URL + `/x","connection_ids":["a","b"]}`:                http.StatusBadRequest,
			`{"url":"` + rc.URL + `/x","connection_ids":[]}`:                       http.StatusBadRequest,
			`{"url":"` + rc.URL + `/x","connection_ids":["b"]}`:                    http.StatusUnauthorized, // the key reaches a only
			`{"url":"` + rc.URL + `/x","event_types":["whatsapp.nope"]}`:           http.StatusBadRequest,
			`{"url":"` + rc.URL + `/x","event_types":["whatsapp.command.failed"]}`: http.StatusBadRequest,
			`{"url":"ftp://x"}`:          http.StatusBadRequest,
			`{"event_types":["*"]}`:      http.StatusBadRequest,
			`{"url":"` + rc.URL + `/a"}`: http.StatusConflict,
		} {
			r = e.checked(e.do("POST", "/v1/webhooks/endpoints", body, onA))
			require.Equal(t, status, r.status, "%s: %s", body, r.body)
			require.NotEmpty(t, r.json(t)["error"])
		}
		r = e.checked(e.do("POST", "/v1/webhooks/endpoints", `{"url":"`+rc.URL+`/x"}`, both))
		require.Equal(t, http.StatusBadRequest, r.status, "two connections: which one must be said")

		// List: without secrets; a key sees its accounts' endpoints only.
		r = e.checked(e.do("GET", "/v1/webhooks/endpoints", nil, both))
		require.Equal(t, http.StatusOK, r.status)
		items := r.json(t)["items"].([]any)
		require.Len(t, items, 2)
		require.NotContains(t, string(r.body), secret)
		require.NotContains(t, items[0].(map[string]any), "secret")
		r = e.checked(e.do("GET", "/v1/webhooks/endpoints", nil, onA))
		require.Len(t, r.json(t)["items"], 1)
		r = e.checked(e.do("GET", "/v1/webhooks/endpoints", nil, with(both, rest.HeaderConnectionID, "b")))
		require.Equal(t, bID, r.json(t)["items"].([]any)[0].(map[string]any)["id"])

		// Update: the fields given change, the rest stays.
		r = e.checked(e.do("PATCH", "/v1/webhooks/endpoints/"+id, `{"url":"`+rc.URL+`/a2","enabled":false}`, onA))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		ep = r.json(t)["endpoint"].(map[string]any)
		require.Equal(t, rc.URL+"/a2", ep["url"])
		require.Equal(t, false, ep["enabled"])
		require.Equal(t, []any{"whatsapp.message.received", "whatsapp.connection.status_changed"}, ep["event_types"])
		require.NotContains(t, ep, "secret")
		r = e.checked(e.do("PATCH", "/v1/webhooks/endpoints/"+id, `{"url":"`+rc.URL+`/a2","enabled":true,"event_types":["*"]}`, onA))
		ep = r.json(t)["endpoint"].(map[string]any)
		require.Equal(t, true, ep["enabled"])
		require.Equal(t, []any{"*"}, ep["event_types"])
		r = e.checked(e.do("PATCH", "/v1/webhooks/endpoints/"+id, `{"url":"`+rc.URL+`/a2","connection_ids":["b"]}`, both))
		require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
		r = e.checked(e.do("PATCH", "/v1/webhooks/endpoints/"+bID, `{"url":"`+rc.URL+`/b2"}`, onA))
		require.Equal(t, http.StatusNotFound, r.status, "another account's endpoint is not found")

		// Rotate: a new secret, shown once.
		r = e.checked(e.do("POST", "/v1/webhooks/endpoints/"+id+"/rotate-secret", nil, onA))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		rotated := r.json(t)["endpoint"].(map[string]any)["secret"].(string)
		require.NotEqual(t, secret, rotated)
		r = e.checked(e.do("POST", "/v1/webhooks/endpoints/"+id+"/rotate-secret?overlap=-1", nil, onA))
		require.Equal(t, http.StatusBadRequest, r.status)

		// Test: a signed webhook.ping, delivered now.
		r = e.checked(e.do("POST", "/v1/webhooks/endpoints/"+id+"/test", nil, onA))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		test := r.json(t)
		require.Equal(t, "webhook.ping", test["event"].(map[string]any)["type"])
		d := test["delivery"].(map[string]any)
		require.Equal(t, "delivered", d["status"])
		require.Equal(t, float64(200), d["status_code"])
		require.Equal(t, id, d["endpoint_id"])
		rc.mu.Lock()
		require.Len(t, rc.body, 1)
		require.NoError(t, wauser.VerifyWebhook(rc.got[0], rc.body[0], rotated, -1), "signed with the new secret")
		rc.mu.Unlock()

		// Deliveries: the ping is in the log.
		r = e.checked(e.do("GET", "/v1/webhooks/deliveries", nil, onA))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		ds := r.json(t)["items"].([]any)
		require.Len(t, ds, 1)
		require.Equal(t, d["id"], ds[0].(map[string]any)["id"])
		require.Equal(t, "webhook.ping", ds[0].(map[string]any)["event_type"])
		r = e.checked(e.do("GET", "/v1/webhooks/deliveries?endpoint_id="+bID, nil, both))
		require.Equal(t, map[string]any{"items": []any{}}, r.json(t))
		r = e.checked(e.do("GET", "/v1/webhooks/deliveries?limit=0", nil, onA))
		require.Equal(t, http.StatusBadRequest, r.status)

		// Delete: answered with deleted_at, then gone.
		r = e.checked(e.do("DELETE", "/v1/webhooks/endpoints/"+id, nil, onA))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, "2026-11-21T12:00:00Z", r.json(t)["endpoint"].(map[string]any)["deleted_at"])
		r = e.checked(e.do("DELETE", "/v1/webhooks/endpoints/"+id, nil, onA))
		require.Equal(t, http.StatusNotFound, r.status)
		require.Equal(t, map[string]any{"error": `no webhook endpoint "` + id + `"`}, r.json(t))
		r = e.checked(e.do("POST", "/v1/webhooks/endpoints/"+id+"/test", nil, onA))
		require.Equal(t, http.StatusNotFound, r.status)

		// The scope is required.
		r = e.checked(e.do("GET", "/v1/webhooks/endpoints", nil, bearer(e.key([]wauser.Scope{wauser.ScopeRead, wauser.ScopeWrite}, "a"))))
		require.Equal(t, http.StatusUnauthorized, r.status)
	})
}
