package watest_test

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/store/sqlite"
	"github.com/wauser/wauser/watest"
)

// A made-up history for a load test: the second of two chunks, 3
// conversations of 4 messages each, from conversation 3 on. Emit it with
// conn.Emit(watest.HistoryData(data)).
func ExampleSyntheticHistory() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	data := watest.SyntheticHistory(2, 3, 3, 4, 100, start)
	fmt.Println(data.GetChunkOrder(), data.GetProgress(), len(data.GetConversations()))
	conv := data.GetConversations()[0]
	first := conv.GetMessages()[0].GetMessage()
	fmt.Println(conv.GetID(), len(conv.GetMessages()))
	fmt.Println(first.GetKey().GetID(), first.GetKey().GetFromMe(), time.Unix(int64(first.GetMessageTimestamp()), 0).UTC())
	// Output:
	// 2 100 3
	// 15550000003@s.whatsapp.net 4
	// 3EB0000003000000 true 2026-01-01 00:00:12 +0000 UTC
}

// A large history as one blob, built one conversation at a time (never
// held decoded) and uploaded as the phone does; conn.EmitHistoryBlob(blob)
// uploads it and announces it to the account in one step.
func ExampleHistoryBlob() {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	blob := watest.NewHistoryBlob(waHistorySync.HistorySync_INITIAL_BOOTSTRAP, 1, 100)
	for n := range 1000 {
		if err := blob.AddConversation(watest.SyntheticConversation(n, 10, start)); err != nil {
			panic(err)
		}
	}
	notif, err := watest.New().UploadHistory(blob)
	if err != nil {
		panic(err)
	}
	fmt.Println(notif.GetSyncType(), notif.GetChunkOrder(), notif.GetProgress(), notif.GetFileLength() < 1<<20)
	// Output: INITIAL_BOOTSTRAP 1 100 true
}

// A bot's conversation with a simulated person: Alice writes to the
// account, which stores her message like any other, and what the account
// sends her reaches her OnMessage.
func ExampleFake_AddPeer() {
	ctx := context.Background()
	fake := watest.New()
	defer fake.Close()
	c, err := wauser.Open(ctx, sqlite.File(":memory:"), fake.Option())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		panic(err)
	}
	if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "bot"}); err != nil {
		panic(err)
	}
	if _, err := c.PairQR(ctx); err != nil {
		panic(err)
	}
	conn, _ := fake.WaitConn(ctx, "bot")
	_ = conn.Scan(watest.Phone{JID: types.NewJID("15550009999", types.DefaultUserServer)})
	_, _ = c.WaitStatus(ctx, func(s *wauser.Status) bool { return s.State == wauser.StateConnected })

	alice := fake.AddPeer("+15550000001", "Alice")
	got := make(chan watest.PeerMessage, 1)
	alice.OnMessage(func(m watest.PeerMessage) { got <- m })

	_, _ = alice.Direct(conn).Text("Hi, bot!")
	list, _ := c.ListMessages(ctx, wauser.ListMessagesOptions{})
	fmt.Println(list.Messages[0].SenderPushName+":", list.Messages[0].Body)

	_, _ = c.SendText(ctx, "+15550000001", "Hi, Alice!")
	fmt.Println("Alice got:", (<-got).Message.GetConversation())
	// Output:
	// Alice: Hi, bot!
	// Alice got: Hi, Alice!
}

// The demo's script, step by step on a manual clock: what examples/server
// -demo shows, as a test would see it.
func ExampleNewDemo() {
	ctx, cancel := context.WithCancel(context.Background())
	fake := watest.New()
	defer fake.Close()
	c, err := wauser.Open(ctx, sqlite.File(":memory:"), fake.Option())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	defer cancel() // first: ends the demo before the Client closes
	if err := c.Start(ctx); err != nil {
		panic(err)
	}
	if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "default"}); err != nil {
		panic(err)
	}
	clock := watest.NewClock(time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC))
	demo := watest.NewDemo(ctx, fake, clock)
	if _, err := c.PairQR(ctx); err != nil {
		panic(err)
	}
	if err := demo.Link("default"); err != nil { // the simulated phone scans the QR code
		panic(err)
	}
	_, _ = c.WaitStatus(ctx, func(s *wauser.Status) bool { return s.State == wauser.StateConnected })

	played := make(chan error, 1)
	go func() { played <- demo.Play(ctx, fake.Conn("default")) }()
	for _, step := range watest.DemoSteps() {
		_ = clock.WaitTimers(ctx, 1)
		clock.Advance(step.Wait)
		fmt.Println(step.Who, step.What)
	}
	_ = clock.Wait(ctx, func(p []time.Duration) bool { return len(p) == 1 && p[0] == watest.DemoChatter })
	convs, _ := c.ListConversations(ctx, wauser.ListConversationsOptions{Kind: wauser.KindGroup})
	fmt.Println(convs.Conversations[0].Subject, len(convs.Conversations[0].Participants))
	cancel()
	fmt.Println(<-played)
	// Output:
	// Alice writes "Hi! I'm Alice, a simulated contact..."
	// Bob sends a picture
	// Carla creates the group "Weekend hike" with everyone
	// Carla asks "Who's in for Saturday?" in the group
	// Bob answers "Me! Leaving at 8." in the group
	// Alice reacts 👍 to Carla's question
	// Bob edits his answer to "Me! Leaving at 9."
	// Alice writes "Oops, wrong chat"
	// Alice deletes it for everyone
	// Alice writes "Send me a message: I answer everything."
	// Weekend hike 4
	// context canceled
}
