package wauser_test

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/store/sqlite"
	"github.com/wauser/wauser/watest"
)

// pairedExample returns a started Client on an in-memory store with the
// paired accounts ids, linked to phones in the order given, through fake.
// (With a real phone, see ExampleClient_PairQR.)
func pairedExample(ctx context.Context, fake *watest.Fake, phones map[wauser.AccountID]string, opts ...wauser.Option) (*wauser.Client, func()) {
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	c, err := wauser.New(st, append([]wauser.Option{fake.Option()}, opts...)...)
	if err != nil {
		panic(err)
	}
	if err := c.Start(ctx); err != nil {
		panic(err)
	}
	for id, phone := range phones {
		if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: id}); err != nil {
			panic(err)
		}
		acc := c.WithAccount(id)
		if _, err := acc.PairQR(ctx); err != nil {
			panic(err)
		}
		conn, _ := fake.WaitConn(ctx, string(id))
		_ = conn.Scan(watest.Phone{JID: types.NewJID(phone, types.DefaultUserServer)})
		if _, err := acc.WaitStatus(ctx, func(s *wauser.Status) bool { return s.Connected }); err != nil {
			panic(err)
		}
	}
	return c, func() {
		_ = c.Close()
		fake.Close()
		_ = st.Close()
	}
}

// Send a text, then a reply that mentions someone, under an id of the
// caller's choosing: sending it again changes nothing. The fake WhatsApp of
// package watest stands in for the servers and the other phone.
func ExampleClient_SendMessage() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fake := watest.New()
	c, closeAll := pairedExample(ctx, fake, map[wauser.AccountID]string{"shop": "15550001000", "customer": "15550002000"})
	defer closeAll()
	shop := c.WithAccount("shop")

	hi, err := shop.SendText(ctx, "+15550002000", "Your order shipped.")
	if err != nil {
		panic(err)
	}
	fmt.Println(hi.Status, hi.Direction, hi.Body)

	req := wauser.SendMessageRequest{
		To:      "+15550002000",
		ID:      "ORDER1001", // makes the send idempotent; kept as ClientID, never sent to WhatsApp
		Text:    "Tracking: https://example.com/t/1001",
		Context: &wauser.MessageContext{MessageID: string(hi.MessageID)}, // a reply
	}
	first, err := shop.SendMessage(ctx, req)
	if err != nil {
		panic(err)
	}
	again, _ := shop.SendMessage(ctx, req)
	fmt.Println(first.ClientID, first.ReplyToWAID == hi.WAMessageID, again.MessageID == first.MessageID)

	// The customer's account received both, the second as a reply.
	got, err := c.WithAccount("customer").ListMessages(ctx, wauser.ListMessagesOptions{})
	if err != nil {
		panic(err)
	}
	for _, m := range got.Messages {
		if m.ReplyToWAID != "" {
			fmt.Println(m.Direction, m.Body)
		}
	}
	fmt.Println(len(got.Messages), "received")
	// Output:
	// sent outgoing Your order shipped.
	// ORDER1001 true true
	// incoming Tracking: https://example.com/t/1001
	// 2 received
}

// Register a template and send it: wauser renders it to text.
func ExampleClient_CreateTemplate() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fake := watest.New()
	c, closeAll := pairedExample(ctx, fake, map[wauser.AccountID]string{"clinic": "15550003000"})
	defer closeAll()

	_, err := c.CreateTemplate(ctx, wauser.TemplateRequest{Name: "appointment_reminder", Language: "en_US",
		Components: []wauser.TemplateComponent{{Type: wauser.TemplateBody, Text: "Hi {{1}}, see you on {{2}}."}}})
	if err != nil {
		panic(err)
	}
	m, err := c.SendMessage(ctx, wauser.SendMessageRequest{To: "+15550004000", Template: &wauser.TemplateMessage{
		Name: "appointment_reminder", Language: "en_US",
		Components: []wauser.TemplateParams{{Type: wauser.TemplateBody, Parameters: []wauser.TemplateParameter{
			{Type: "text", Text: "John"},
			{Type: "date_time", DateTime: &wauser.TemplateFallback{FallbackValue: "June 10"}},
		}}},
	}})
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Body)
	// Output: Hi John, see you on June 10.
}

// Ask the phone for older messages of a chat. The phone answers later with
// a history sync, reported by a history.sync_complete event.
func ExampleClient_RequestHistory() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fake := watest.New()
	c, closeAll := pairedExample(ctx, fake, map[wauser.AccountID]string{"me": "15550005000"})
	defer closeAll()
	done := make(chan wauser.HistorySyncData, 1)
	c.OnEvent(func(_ context.Context, e wauser.Event) {
		if d, err := e.HistorySync(); err == nil {
			done <- *d
		}
	}, wauser.EventHistorySyncComplete)

	// A chat with one stored message, and older ones on the phone.
	peer := types.NewJID("15550006000", types.DefaultUserServer)
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	conn := fake.Conn("me")
	conn.Emit(watest.Text(peer, peer, "M3", now, "latest"))
	conn.AddHistory(peer,
		watest.WebMessage(peer, "M1", false, types.EmptyJID, now.Add(-2*time.Hour), "first"),
		watest.WebMessage(peer, "M2", true, types.EmptyJID, now.Add(-time.Hour), "second"))

	req, err := c.RequestHistory(ctx, wauser.DefaultHistoryCount, "+15550006000")
	if err != nil {
		panic(err)
	}
	fmt.Println("asked before", req.Chats[0].OldestMessageID)
	d := <-done
	fmt.Println(d.SyncType, d.Messages, "messages")
	// Output:
	// asked before M3
	// on_demand 2 messages
}

// History arrives as blobs the phone uploads and announces; the Client
// downloads and stores each from its sync queue. Status.HistoryPending
// counts the blobs not stored yet: wait for it to reach 0 before reading
// the history (or follow the history.sync events).
func ExampleStatus_historyPending() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fake := watest.New()
	c, closeAll := pairedExample(ctx, fake, map[wauser.AccountID]string{"me": "15550007000"})
	defer closeAll()

	// The phone sends a first chunk of history: 3 chats of 4 messages.
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	fake.Conn("me").Emit(watest.HistoryData(watest.SyntheticHistory(1, 0, 3, 4, 100, start)))

	st, err := c.WaitStatus(ctx, func(s *wauser.Status) bool { return s.HistoryPending == 0 })
	if err != nil {
		panic(err)
	}
	page, err := c.SyncPage(ctx, 0, wauser.MaxSyncLimit)
	if err != nil {
		panic(err)
	}
	fmt.Println(st.HistoryPending, "pending;", len(page.Conversations), "chats,", len(page.Messages), "messages")
	// Output: 0 pending; 3 chats, 12 messages
}
