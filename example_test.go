package wauser_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/store/sqlite"
	"github.com/wauser/wauser/watest"
)

// Pair an account by QR code. The fake WhatsApp of package watest plays the
// phone here; with a real phone, render p.QR as a QR code and scan it in
// WhatsApp's "Linked devices".
func ExampleClient_PairQR() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	defer st.Close()
	fake := watest.New()
	c, err := wauser.New(st, fake.Option())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		panic(err)
	}

	if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "sales"}); err != nil {
		panic(err)
	}
	sales := c.WithAccount("sales")
	p, err := sales.PairQR(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("pairing:", p.Status)

	conn, _ := fake.WaitConn(ctx, "sales")
	_ = conn.Scan(watest.Phone{JID: types.NewJID("15551234567", types.DefaultUserServer)})

	status, err := sales.WaitStatus(ctx, func(s *wauser.Status) bool { return s.State == wauser.StateConnected })
	if err != nil {
		panic(err)
	}
	fmt.Println("state:", status.State, "as", status.JID.User)
	// Output:
	// pairing: qr
	// state: connected as 15551234567
}

// Open a Client on an embedded SQLite database and connect every paired
// account.
func ExampleOpen() {
	ctx := context.Background()
	c, err := wauser.Open(ctx, sqlite.File(":memory:"))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		panic(err)
	}
	accounts, _ := c.ListAccounts(ctx)
	fmt.Println(len(accounts), "accounts")
	// Output: 0 accounts
}

// Create a group, add a member and share its invite link. The fake
// WhatsApp of package watest stands in for the servers and the members'
// phones here.
func ExampleClient_CreateGroup() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	defer st.Close()
	fake := watest.New()
	fake.Register("+15551230001", "+15551230002") // numbers that are on WhatsApp
	c, err := wauser.New(st, fake.Option())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		panic(err)
	}
	if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "shop"}); err != nil {
		panic(err)
	}
	if _, err := c.PairQR(ctx); err != nil {
		panic(err)
	}
	conn, _ := fake.WaitConn(ctx, "shop")
	_ = conn.Scan(watest.Phone{JID: types.NewJID("15550009999", types.DefaultUserServer)})
	if _, err := c.WaitStatus(ctx, func(s *wauser.Status) bool { return s.Connected }); err != nil {
		panic(err)
	}

	g, err := c.CreateGroup(ctx, wauser.CreateGroupRequest{
		Name:     "Orders",
		Members:  []string{"+15551230001", "+15559999999"},
		Announce: true, // only admins post
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(g.Name, "created; announce:", g.Announce)
	for _, p := range g.Participants {
		fmt.Printf("  %s %s error=%d\n", p.JID.User, p.Role, p.Error)
	}

	added, err := c.AddGroupMembers(ctx, g.ID.String(), []string{"+15551230002"})
	if err != nil {
		panic(err)
	}
	fmt.Println("added", added[0].JID.User, "error", added[0].Error)

	link, err := c.GetGroupInviteLink(ctx, g.ID.String(), false)
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.HasPrefix(link, "https://chat.whatsapp.com/"))
	// Output:
	// Orders created; announce: true
	//   15550009999 superadmin error=0
	//   15551230001 member error=0
	//   15559999999 member error=404
	// added 15551230002 error 0
	// true
}

// Check a delivery in a Go receiver: the body must be read raw, before any
// JSON decoding.
func ExampleVerifyWebhook() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // as returned by CreateWebhook
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := wauser.VerifyWebhook(r.Header, body, secret, 0); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})

	// A forged request, to show the refusal.
	req := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(`{"type":"message.received"}`))
	req.Header.Set("webhook-id", "evt_1")
	req.Header.Set("webhook-timestamp", strconv.FormatInt(time.Now().Unix(), 10))
	req.Header.Set("webhook-signature", "v1,Zm9yZ2Vk")
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
	// Output: 401
}

// Register a webhook and receive an event. The receiver here is on
// loopback, which only a Client built with WithPrivateWebhookTargets may
// target.
func ExampleClient_CreateWebhook() {
	ctx := context.Background()
	got := make(chan string, 1)
	var secret string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if wauser.VerifyWebhook(r.Header, body, secret, 0) == nil {
			got <- r.Header.Get("webhook-id")[:4]
		}
	}))
	defer srv.Close()

	c, err := wauser.Open(ctx, sqlite.File(":memory:"), wauser.WithPrivateWebhookTargets())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		panic(err)
	}
	if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "sales"}); err != nil {
		panic(err)
	}
	hook, err := c.CreateWebhook(ctx, wauser.WebhookRequest{URL: srv.URL, EventTypes: []string{"message.*"}})
	if err != nil {
		panic(err)
	}
	secret = hook.Secret
	d, err := c.PingWebhook(ctx, hook.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(d.State, <-got)
	// Output: delivered evt_
}

// Follow the change feed: every conversation, contact and message that
// changed after a cursor, each once, in its latest state. Store the Seq of
// the last change handled and resume from it later.
func ExampleClient_Changes() {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	defer st.Close()
	fake := watest.New()
	c, _ := wauser.New(st, fake.Option())
	defer c.Close()
	_ = c.Start(ctx)
	_, _ = c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "support"})
	_, _ = c.PairQR(ctx)
	conn, _ := fake.WaitConn(ctx, "support")
	_ = conn.Scan(watest.Phone{JID: types.NewJID("15550009999", types.DefaultUserServer)})
	_, _ = c.WaitStatus(ctx, func(s *wauser.Status) bool { return s.Connected })

	// Alice writes twice; the account receives it through WhatsApp.
	alice := types.NewJID("15551112222", types.DefaultUserServer)
	conn.Emit(watest.Text(alice, alice, "A1", time.Unix(1700000000, 0), "hello"))
	conn.Emit(watest.Text(alice, alice, "A2", time.Unix(1700000060, 0), "are you there?"))

	var cursor wauser.Cursor
	for ch, err := range c.Changes(ctx, cursor, 100) {
		if err != nil {
			panic(err)
		}
		switch ch.Kind {
		case wauser.ChangeConversation:
			fmt.Println("conversation", ch.Conversation.ChatJID)
		case wauser.ChangeContact:
			fmt.Println("contact", ch.Contact.PhoneE164)
		case wauser.ChangeMessage:
			fmt.Println("message", ch.Message.Body)
		}
		cursor = ch.Seq
	}
	fmt.Println("resume after", cursor)
	// The conversation appears once, after the first message: the second
	// message changed it again (its last_message_at), which moved it.

	// Output:
	// contact +15551112222
	// message hello
	// conversation 15551112222@s.whatsapp.net
	// message are you there?
	// resume after 5
}

// Keep the record of a command an API client asked for, and read it back by
// its id (the REST sync dialect answers its writes this way).
func ExampleClient_RecordCommand() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	defer st.Close()
	c, err := wauser.New(st)
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "sales"}); err != nil {
		panic(err)
	}
	cmd, err := c.RecordCommand(ctx, wauser.RecordCommandRequest{
		Kind:    "create_group",
		Payload: []byte(`{"name": "Launch"}`),
		Result:  []byte(`{"group_jid": "120363000000000001@g.us"}`),
	})
	if err != nil {
		panic(err)
	}
	got, err := c.GetCommand(ctx, cmd.ID)
	if err != nil {
		panic(err)
	}
	fmt.Println(got.Kind, got.Status, string(got.Payload), string(got.Result))
	// Output:
	// create_group completed {"name":"Launch"} {"group_jid":"120363000000000001@g.us"}
}

// Register a webhook in the WhatsApp Use API's format: its deliveries are
// {id, type, connection_id, payload, occurred_at} with that API's event
// names; the test event is a sample whatsapp.message.received.
func ExampleWebhookFormat() {
	ctx := context.Background()
	got := make(chan map[string]any, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev map[string]any
		_ = json.NewDecoder(r.Body).Decode(&ev)
		got <- ev
	}))
	defer srv.Close()

	c, err := wauser.Open(ctx, sqlite.File(":memory:"), wauser.WithPrivateWebhookTargets())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		panic(err)
	}
	if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "sales"}); err != nil {
		panic(err)
	}
	hook, err := c.CreateWebhook(ctx, wauser.WebhookRequest{URL: srv.URL, Format: wauser.WebhookFormatWhatsAppUse})
	if err != nil {
		panic(err)
	}
	if _, err := c.PingWebhook(ctx, hook.ID); err != nil {
		panic(err)
	}
	ev := <-got
	fmt.Println(ev["type"], ev["connection_id"], slices.Sorted(maps.Keys(ev)))
	// Output: whatsapp.message.received sales [connection_id id occurred_at payload type]
}
