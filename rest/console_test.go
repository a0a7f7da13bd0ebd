package rest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
	"github.com/wauser/wauser/watest"
)

type consoleMsg struct {
	ID             string   `json:"id"`
	ConversationID string   `json:"conversation_id"`
	FromMe         bool     `json:"from_me"`
	Sender         string   `json:"sender"`
	Type           string   `json:"type"`
	Body           string   `json:"body"`
	Status         string   `json:"status"`
	Reactions      []string `json:"reactions"`
	Image          bool     `json:"image"`
	Media          string   `json:"media"`
}

// TestConsoleChangesStream: the stream says "ready" with the feed's
// cursor, then sends what changes as it is stored: a new conversation and
// its message, a sent message and its receipts, with names and sentences
// the page shows as they are. An unknown account is a 404 before any
// event.
func TestConsoleChangesStream(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := pageEnv(t, db)
		conn := e.pair("shop", phone)
		alice := e.fake.AddPeer("+15550000001", "Alice")

		_, resp := e.openStream(t, "/pair/accounts/nobody/changes")
		require.Equal(t, http.StatusNotFound, resp.StatusCode)

		s, resp := e.openStream(t, "/pair/accounts/shop/changes")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
		ev, ok := s.next()
		require.True(t, ok)
		require.Equal(t, "ready", ev.name)

		id, err := alice.Direct(conn).Text("hi there")
		require.NoError(t, err)
		var conv struct {
			ID    string `json:"id"`
			Title string `json:"title"`
			To    string `json:"to"`
			Kind  string `json:"kind"`
		}
		var msg consoleMsg
		for conv.ID == "" || msg.ID == "" {
			ev, ok := s.next()
			require.True(t, ok)
			switch ev.name {
			case "conversation":
				require.NoError(t, json.Unmarshal([]byte(ev.data), &conv))
			case "message":
				require.NoError(t, json.Unmarshal([]byte(ev.data), &msg))
			}
		}
		require.Equal(t, "Alice", conv.Title, "named after the contact's push name")
		require.Equal(t, "+15550000001", conv.To)
		require.Equal(t, "direct", conv.Kind)
		require.Equal(t, consoleMsg{ID: msg.ID, ConversationID: conv.ID, Sender: "Alice", Type: "text", Body: "hi there",
			Status: "received", Reactions: []string{}}, msg)

		require.NoError(t, alice.Direct(conn).React(id, types.EmptyJID, "❤️"))
		for {
			ev, ok := s.next()
			require.True(t, ok)
			if ev.name == "message" {
				require.NoError(t, json.Unmarshal([]byte(ev.data), &msg))
				require.Equal(t, []string{"❤️"}, msg.Reactions)
				break
			}
		}

		// The same lists the page loads.
		r := e.do("GET", "/pair/accounts/shop/conversations/"+conv.ID+"/messages", nil, basic(adminUser, adminPassword))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var list []consoleMsg
		require.NoError(t, json.Unmarshal(r.body, &list))
		require.Len(t, list, 1)
		require.Equal(t, msg, list[0])
	})
}

// TestConsoleSendsAndServesMedia: a text and a picture sent from the
// console reach WhatsApp; the picture is served back as an image that
// cannot run anything, other files as downloads; a send the Client refuses
// is a 4xx with its reason.
func TestConsoleSendsAndServesMedia(t *testing.T) {
	t.Parallel()
	e := pageEnv(t, testdb.SQLite(t))
	conn := e.pair("shop", phone)
	admin := basic(adminUser, adminPassword)
	e.fake.AddPeer("+15550000001", "Alice")

	r := e.do("POST", "/pair/accounts/shop/messages", `{"to":"+15550000001","text":"hello"}`, admin)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var sent consoleMsg
	require.NoError(t, json.Unmarshal(r.body, &sent))
	require.True(t, sent.FromMe)
	require.Equal(t, "You", sent.Sender)
	require.Equal(t, "sent", sent.Status)

	jpeg := watest.SampleJPEG(40, 30, 1)
	r = e.do("POST", "/pair/accounts/shop/images?to=%2B15550000001&caption=look", jpeg,
		with(admin, "Content-Type", "image/jpeg"))
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var pic consoleMsg
	require.NoError(t, json.Unmarshal(r.body, &pic))
	require.True(t, pic.Image)
	require.Equal(t, "look", pic.Body)
	out := conn.Sent()
	require.Equal(t, "look", out[len(out)-1].Message.GetImageMessage().GetCaption())

	r = e.do("GET", "/pair/accounts/shop/media/"+pic.ID, nil, admin)
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, "image/jpeg", r.header.Get("Content-Type"))
	require.Equal(t, jpeg, r.body)
	require.Contains(t, r.header.Get("Content-Security-Policy"), "sandbox")
	require.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))

	for _, tc := range []struct {
		path, body, contentType string
		status                  int
		msg                     string
	}{
		{"/pair/accounts/shop/messages", `{"to":"12","text":"x"}`, "application/json", http.StatusBadRequest, "7 to 15 digits"},
		{"/pair/accounts/shop/messages", `{"to":"+15550000001","text":7}`, "application/json", http.StatusBadRequest, "text"},
		{"/pair/accounts/shop/images?to=%2B15550000001", "not a picture", "text/plain", http.StatusUnsupportedMediaType, "send a picture"},
		{"/pair/accounts/nobody/messages", `{"to":"+15550000001","text":"x"}`, "application/json", http.StatusNotFound, "nobody"},
	} {
		r := e.do("POST", tc.path, tc.body, with(admin, "Content-Type", tc.contentType))
		require.Equal(t, tc.status, r.status, "%s %s: %s", tc.path, tc.body, r.body)
		require.Contains(t, r.json(t)["error"], tc.msg)
	}
	r = e.do("GET", "/pair/accounts/shop/media/msg_nothing", nil, admin)
	require.Equal(t, http.StatusNotFound, r.status)
}

// TestConsoleSimulatedScan: the simulated phone exists only on a demo
// server; it links an account in one step (starting to link it when it
// shows no QR code) and refuses one that is linked.
func TestConsoleSimulatedScan(t *testing.T) {
	t.Parallel()
	admin := basic(adminUser, adminPassword)
	real := pageEnv(t, testdb.SQLite(t))
	real.createAccount("shop")
	require.Equal(t, http.StatusNotFound, real.do("POST", "/pair/accounts/shop/simulated-scan", nil, admin).status)

	var demo *watest.Demo
	e := newEnv(t, testdb.SQLite(t), rest.Options{PairPage: true, Demo: &rest.Demo{
		Link: func(_ context.Context, a wauser.AccountID) error { return demo.Link(string(a)) },
	}})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	demo = watest.NewDemo(ctx, e.fake, e.clock)
	e.createAccount("shop")
	e.createAccount("showing")

	// An account that shows no QR code: linking starts, then the phone scans.
	r := e.do("POST", "/pair/accounts/shop/simulated-scan", nil, admin)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var v pageView
	require.NoError(t, json.Unmarshal(r.body, &v))
	require.Equal(t, "connected", v.State)
	require.Equal(t, "+"+demo.Phone("shop").JID.User, v.Phone)
	r = e.do("POST", "/pair/accounts/shop/simulated-scan", nil, admin)
	require.Equal(t, http.StatusConflict, r.status, "a linked account is not linked again: %s", r.body)

	// One that shows a QR code: the phone scans that one.
	require.Equal(t, http.StatusOK, e.do("POST", "/pair/accounts/showing/qr", nil, admin).status)
	r = e.do("POST", "/pair/accounts/showing/simulated-scan", nil, admin)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.NoError(t, json.Unmarshal(r.body, &v))
	require.Equal(t, "connected", v.State)
	calls := e.fake.Conn("showing").Calls()
	require.GreaterOrEqual(t, len(calls), 3)
	require.Equal(t, []string{"ConnectContext", "Disconnect", "ConnectContext"}, calls[:3],
		"on the connection that showed the code, then the login after pairing")
	require.Contains(t, string(e.do("GET", "/pair", nil, admin).body), `data-demo="true"`, "the page says it is a demo")
}

// TestConsoleWebhooksAndKeys: the console's webhook and key routes, with
// their refusals in words; a delivery that is not failed is not replayed.
func TestConsoleWebhooksAndKeys(t *testing.T) {
	t.Parallel()
	e := pageEnv(t, testdb.SQLite(t))
	admin := basic(adminUser, adminPassword)
	e.createAccount("shop")

	r := e.do("POST", "/pair/accounts/shop/webhooks", `{"url":"ftp://x"}`, admin)
	require.Equal(t, http.StatusBadRequest, r.status)
	require.Contains(t, r.json(t)["error"], "not an absolute http or https URL")
	r = e.do("POST", "/pair/accounts/shop/webhooks", `{"url":"http://127.0.0.1:9/h","event_types":["message.received"]}`, admin)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	hook := r.json(t)
	require.Regexp(t, `^whsec_`, hook["secret"], "the secret is shown when created")
	r = e.do("GET", "/pair/accounts/shop/webhooks", nil, admin)
	require.NotContains(t, string(r.body), "whsec_", "and never again")

	hookID := hook["id"].(string)
	ping, err := e.c.WithAccount("shop").PingWebhook(e.ctx(), wauser.WebhookID(hookID))
	require.NoError(t, err)
	r = e.do("GET", "/pair/accounts/shop/webhooks/"+hookID+"/deliveries", nil, admin)
	require.Equal(t, http.StatusOK, r.status)
	var ds []map[string]any
	require.NoError(t, json.Unmarshal(r.body, &ds))
	require.Len(t, ds, 1)
	require.Equal(t, "The endpoint refused the connection: nothing listens at that address.", ds[0]["error"])
	require.Equal(t, true, ds[0]["replayable"])
	r = e.do("POST", "/pair/accounts/shop/webhooks/"+hookID+"/deliveries/"+string(ping.ID)+"/replay", nil, admin)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r = e.do("POST", "/pair/accounts/shop/webhooks/"+hookID+"/deliveries/"+string(ping.ID)+"/replay", nil, admin)
	require.Equal(t, http.StatusConflict, r.status, "queued again: nothing to replay")
	require.Contains(t, r.json(t)["error"], "only failed or given-up deliveries")
	require.Equal(t, http.StatusOK, e.do("DELETE", "/pair/accounts/shop/webhooks/"+hookID, nil, admin).status)
	require.Equal(t, http.StatusNotFound, e.do("DELETE", "/pair/accounts/shop/webhooks/"+hookID, nil, admin).status)

	r = e.do("POST", "/pair/keys", `{"name":"none","scopes":[],"all_accounts":true}`, admin)
	require.Equal(t, http.StatusBadRequest, r.status)
	r = e.do("POST", "/pair/keys", `{"name":"one","scopes":["whatsapp:read"],"accounts":["shop"]}`, admin)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	key := r.json(t)
	require.Regexp(t, `^wau_`, key["key"])
	r = e.do("POST", "/pair/keys/"+key["id"].(string)+"/revoke", nil, admin)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	_, err = e.c.AuthenticateAPIKey(e.ctx(), key["key"].(string))
	require.True(t, errors.Is(err, wauser.ErrInvalidAPIKey), "revoked")
}
