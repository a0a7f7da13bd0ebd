package rest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
	"github.com/wauser/wauser/watest"
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
		require.Equal(t, "CRM", ep["description"], "the description is kept")
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
			`{"url":"` + rc.URL + `/x","all_accounts":true}`:                        http.StatusUnauthorized, // the key reaches a only
			`{"url":"` + rc.URL + `/x","all_accounts":true,"connection_ids":["a"]}`: http.StatusBadRequest,
			`{"url":"` + rc.URL + `/x","connection_ids":["a","b"]}`:                 http.StatusBadRequest,
			`{"url":"` + rc.URL + `/x","connection_ids":[]}`:                        http.StatusBadRequest,
			`{"url":"` + rc.URL + `/x","connection_ids":["b"]}`:                     http.StatusUnauthorized, // the key reaches a only
			`{"url":"` + rc.URL + `/x","event_types":["whatsapp.nope"]}`:            http.StatusBadRequest,
			`{"url":"` + rc.URL + `/x","event_types":["whatsapp.command.failed"]}`:  http.StatusBadRequest,
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
		require.Equal(t, "CRM", ep["description"])
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

		// Test: a signed sample message event, delivered now.
		r = e.checked(e.do("POST", "/v1/webhooks/endpoints/"+id+"/test", nil, onA))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		test := r.json(t)
		require.Equal(t, "whatsapp.message.received", test["event"].(map[string]any)["type"])
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
		require.Equal(t, "whatsapp.message.received", ds[0].(map[string]any)["event_type"])
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

		// An update through this dialect keeps a webhook's format: one
		// registered in wauser's format stays in it.
		own, err := e.c.WithAccount("a").CreateWebhook(e.ctx(), wauser.WebhookRequest{URL: rc.URL + "/own"})
		require.NoError(t, err)
		r = e.checked(e.do("PATCH", "/v1/webhooks/endpoints/"+string(own.ID), `{"url":"`+rc.URL+`/own2"}`, onA))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		own, err = e.c.WithAccount("a").GetWebhook(e.ctx(), own.ID)
		require.NoError(t, err)
		require.Equal(t, wauser.WebhookFormatWauser, own.Format)
		require.Equal(t, rc.URL+"/own2", own.URL)

		// The scope is required.
		r = e.checked(e.do("GET", "/v1/webhooks/endpoints", nil, bearer(e.key([]wauser.Scope{wauser.ScopeRead, wauser.ScopeWrite}, "a"))))
		require.Equal(t, http.StatusUnauthorized, r.status)
	})
}

// useEvent is a delivery of an endpoint of the sync dialect, as the
// WhatsApp Use API's webhook guide shows it.
type useEvent struct {
	header http.Header
	body   []byte
	v      map[string]any
}

// events returns what the receiver got, decoded.
func (rc *hookReceiver) events(t *testing.T) []useEvent {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make([]useEvent, len(rc.body))
	for i, b := range rc.body {
		out[i] = useEvent{header: rc.got[i], body: b}
		require.NoError(t, json.Unmarshal(b, &out[i].v), "%s", b)
	}
	return out
}

// checkUseEvent validates a delivery against the WhatsApp Use API: the
// event shape of its webhook guide ({id, type, connection_id, payload,
// occurred_at}, type one of the event types of its WebhookEndpoint
// schema), payload.message against its Message schema and payload.status
// against its WhatsAppStatus schema, all read from the specification.
func checkUseEvent(t *testing.T, spec *openapi3.T, ev useEvent, secret string) {
	t.Helper()
	schemas := spec.Components.Schemas
	var types []string
	for _, v := range schemas["WebhookEndpoint"].Value.Properties["event_types"].Value.Items.Value.Enum {
		if v != "*" {
			types = append(types, v.(string))
		}
	}
	require.Equal(t, []string{"connection_id", "id", "occurred_at", "payload", "type"}, sortedKeys(ev.v), "%s", ev.body)
	typ := ev.v["type"].(string)
	require.Contains(t, types, typ)
	require.NotEmpty(t, ev.v["id"])
	require.NotEmpty(t, ev.v["connection_id"])
	_, err := time.Parse(time.RFC3339, ev.v["occurred_at"].(string))
	require.NoError(t, err)
	payload := ev.v["payload"].(map[string]any)
	if strings.HasPrefix(typ, "whatsapp.message.") {
		require.NoError(t, schemas["Message"].Value.VisitJSON(payload["message"]), "%s", ev.body)
		require.NotEmpty(t, payload["message"].(map[string]any)["message_id"])
	} else {
		require.NoError(t, schemas["WhatsAppStatus"].Value.VisitJSON(payload["status"]), "%s", ev.body)
	}
	require.Equal(t, typ, ev.header.Get("X-Whatsapp-Use-Event-Type"))
	require.Equal(t, ev.v["id"], ev.header.Get("X-Whatsapp-Use-Event-Id"))
	require.NoError(t, wauser.VerifyWebhook(ev.header, ev.body, secret, -1), "signed")
}

// TestSyncWebhookDeliveriesMatchSpec: an endpoint created through
// /v1/webhooks/endpoints receives real events (a message received, sent,
// reacted to, edited, deleted, read; the connection paired and connected)
// under the WhatsApp Use API's names, each validated against that API's
// schemas; the test endpoint sends a sample message event the same way.
// Events the specification has no name for are not sent to it.
func TestSyncWebhookDeliveriesMatchSpec(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.createAccount("a")
		rc := newHookReceiver(t)
		key := bearer(e.key(wauser.AllScopes(), "a"))
		r := e.checked(e.do("POST", "/v1/webhooks/endpoints", `{"url":"`+rc.URL+`/hook","event_types":["*"]}`, key))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		ep := r.json(t)["endpoint"].(map[string]any)
		secret := ep["secret"].(string)

		// Pair: the connection changes.
		bot := e.c.WithAccount("a")
		_, err := bot.PairQR(e.ctx())
		require.NoError(t, err)
		conn, err := e.fake.WaitConn(e.ctx(), "a")
		require.NoError(t, err)
		require.NoError(t, conn.Scan(phone))
		_, err = bot.WaitStatus(e.ctx(), func(s *wauser.Status) bool { return s.State == wauser.StateConnected })
		require.NoError(t, err)

		// Messages: received, sent, a reaction of alice, an edit, a
		// deletion, a read receipt.
		require.True(t, conn.Emit(watest.Text(alice, alice, "3EB0A1", epoch, "hello")))
		sent, err := bot.SendText(e.ctx(), "+"+alice.User, "hi alice")
		require.NoError(t, err)
		require.True(t, conn.Emit(watest.Reaction(alice, alice, "3EB0A2", epoch, watest.Key(alice, sent.WAMessageID, true, phone.JID), "👍")))
		require.True(t, conn.Emit(watest.Edit(alice, alice, "3EB0A3", epoch, watest.Key(alice, "3EB0A1", false, alice), "hello!")))
		require.True(t, conn.Emit(watest.Revoke(alice, alice, "3EB0A4", epoch, watest.Key(alice, "3EB0A1", false, alice))))
		require.True(t, conn.Emit(watest.Receipt(alice, alice, types.ReceiptTypeRead, epoch, true, sent.WAMessageID)))
		// And events the specification has no name for.
		require.NoError(t, bot.PinChat(e.ctx(), alice.String()))

		want := []string{
			"whatsapp.connection.status_changed", "whatsapp.message.received", "whatsapp.message.sent",
			"whatsapp.message.reaction_received", "whatsapp.message.edited", "whatsapp.message.deleted",
			"whatsapp.message.receipt_updated",
		}
		require.Eventually(t, func() bool {
			seen := map[string]bool{}
			for _, ev := range rc.events(t) {
				seen[ev.v["type"].(string)] = true
			}
			for _, w := range want {
				if !seen[w] {
					return false
				}
			}
			return true
		}, 10*time.Second, 5*time.Millisecond, "every kind of event arrives")
		settle(t, e.c)
		r = e.checked(e.do("POST", "/v1/webhooks/endpoints/"+ep["id"].(string)+"/test", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.NoError(t, e.spec.doc.Components.Schemas["Message"].Value.VisitJSON(
			r.json(t)["event"].(map[string]any)["payload"].(map[string]any)["message"]))

		events := rc.events(t)
		for _, ev := range events {
			checkUseEvent(t, e.spec.doc, ev, secret)
		}
		last := events[len(events)-1].v
		require.Equal(t, "whatsapp.message.received", last["type"], "the test endpoint sends a sample message event")
		require.Equal(t, "msg_sample", last["payload"].(map[string]any)["message"].(map[string]any)["message_id"])

		// The deliveries list names them as sent.
		r = e.checked(e.do("GET", "/v1/webhooks/deliveries", nil, key))
		require.Equal(t, http.StatusOK, r.status)
		for _, d := range r.json(t)["items"].([]any) {
			require.True(t, strings.HasPrefix(d.(map[string]any)["event_type"].(string), "whatsapp."), "%v", d)
		}
		var received map[string]any
		for _, ev := range events {
			if ev.v["type"] == "whatsapp.message.received" {
				received = ev.v
				break
			}
		}
		msg := received["payload"].(map[string]any)["message"].(map[string]any)
		require.Equal(t, "hello", msg["body"])
		require.Equal(t, "incoming", msg["direction"])
		require.Equal(t, "a", received["connection_id"])
	})
}

// TestSyncWebhookAllAccounts: an endpoint for all accounts (all_accounts:
// true, with a key that reaches every account) receives the events of
// every connection, one created later too; keys that reach some
// connections only do not see it.
func TestSyncWebhookAllAccounts(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		connA := e.pair("a", alphaPhone)
		rc := newHookReceiver(t)
		all := bearer(e.key(wauser.AllScopes()))
		r := e.checked(e.do("POST", "/v1/webhooks/endpoints", `{"url":"`+rc.URL+`/all","description":"Production webhook","event_types":["whatsapp.message.received"],"all_accounts":true,"enabled":true}`, all))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		ep := r.json(t)["endpoint"].(map[string]any)
		require.Equal(t, true, ep["all_accounts"])
		require.Equal(t, []any{}, ep["connection_ids"])
		require.Equal(t, "Production webhook", ep["description"])

		connB := e.pair("b", bravoPhone) // a connection made after the endpoint
		require.True(t, connA.Emit(watest.Text(alice, alice, "3EB0A1", epoch, "to a")))
		require.True(t, connB.Emit(watest.Text(alice, alice, "3EB0B1", epoch, "to b")))
		require.Eventually(t, func() bool { return len(rc.events(t)) == 2 }, 10*time.Second, 5*time.Millisecond)
		settle(t, e.c)
		var conns []string
		for _, ev := range rc.events(t) {
			checkUseEvent(t, e.spec.doc, ev, ep["secret"].(string))
			conns = append(conns, ev.v["connection_id"].(string))
		}
		require.ElementsMatch(t, []string{"a", "b"}, conns)

		// Its deliveries are listed, of both connections.
		r = e.checked(e.do("GET", "/v1/webhooks/deliveries?endpoint_id="+ep["id"].(string), nil, all))
		require.Len(t, r.json(t)["items"], 2)

		// A key of one connection neither sees nor changes it.
		onA := bearer(e.key(wauser.AllScopes(), "a"))
		r = e.checked(e.do("GET", "/v1/webhooks/endpoints", nil, onA))
		require.Equal(t, []any{}, r.json(t)["items"])
		r = e.checked(e.do("PATCH", "/v1/webhooks/endpoints/"+ep["id"].(string), `{"url":"https://evil.example/x"}`, onA))
		require.Equal(t, http.StatusNotFound, r.status)
		r = e.checked(e.do("GET", "/v1/webhooks", nil, onA))
		require.Equal(t, []any{}, envelope(t, r))
		r = e.checked(e.do("DELETE", "/v1/webhooks/all", nil, onA))
		require.Equal(t, map[string]any{"deleted": float64(0)}, envelope(t, r))
		r = e.checked(e.do("GET", "/v1/webhooks/endpoints", nil, all))
		require.Len(t, r.json(t)["items"], 1, "still there")
	})
}
