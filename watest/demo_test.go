package watest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/watest"
)

// TestDemoScript plays the demo on a manual clock, step by step: after
// the script the account has stored a direct chat with Alice (her
// deleted "oops" included), Bob's picture, and the group with Carla's
// question, Alice's reaction and Bob's edited answer; a message sent to
// Alice gets a delivery receipt after 1 s, a read receipt after 2 s and
// her answer after 3 s; then the chatter goes on every few minutes.
func TestDemoScript(t *testing.T) {
	t.Parallel()
	fake := watest.New()
	c, conn := linked(t, fake)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	clock := watest.NewClock(time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC))
	playing, stop := context.WithCancel(ctx)
	demo := watest.NewDemo(playing, fake, clock)
	played := make(chan error, 1)
	go func() { played <- demo.Play(playing, conn) }()
	t.Cleanup(func() {
		stop()
		<-played
	})

	for _, step := range watest.DemoSteps() {
		require.NoError(t, clock.WaitTimers(ctx, 1))
		require.Equal(t, []time.Duration{step.Wait}, clock.Pending(), "before: %s %s", step.Who, step.What)
		clock.Advance(step.Wait)
	}
	// The next timer is the chatter's: every step ran.
	require.NoError(t, clock.Wait(ctx, func(p []time.Duration) bool { return slices.Equal(p, []time.Duration{watest.DemoChatter}) }))

	convs, err := c.ListConversations(ctx, wauser.ListConversationsOptions{})
	require.NoError(t, err)
	byTitle := map[string]wauser.Conversation{}
	for _, conv := range convs.Conversations {
		title := conv.Subject
		if conv.Kind == wauser.KindDirect {
			title = conv.ChatJID
		}
		byTitle[title] = conv
	}
	require.Len(t, byTitle, 3)
	alice := messages(t, c, byTitle[demo.Alice.JID().String()].ConversationID)
	require.Len(t, alice, 3)
	var bodies []string
	deleted := 0
	for _, m := range alice {
		bodies = append(bodies, m.Body)
		if m.Status == "deleted" {
			deleted++
		}
	}
	require.Equal(t, 1, deleted, "the oops was deleted for everyone")
	require.Contains(t, bodies, "Send me a message: I answer everything.")
	bob := messages(t, c, byTitle[demo.Bob.JID().String()].ConversationID)
	require.Len(t, bob, 1)
	for _, m := range bob {
		require.Equal(t, "image", m.ContentType)
		require.Equal(t, "The view from the top", m.Body)
		file, err := c.DownloadMedia(ctx, m.MessageID)
		require.NoError(t, err)
		require.Equal(t, "image/jpeg", file.MIMEType)
	}
	hike, ok := byTitle["Weekend hike"]
	require.True(t, ok, "the group is stored with its subject")
	require.Len(t, hike.Participants, 4)
	group := messages(t, c, hike.ConversationID)
	require.Len(t, group, 2)
	for _, m := range group {
		switch m.SenderPushName {
		case "Carla":
			require.Equal(t, "Who's in for Saturday?", m.Body)
			require.Equal(t, map[string]string{demo.Alice.JID().String(): "👍"}, m.Reactions)
		case "Bob":
			require.Equal(t, "Me! Leaving at 9.", m.Body)
			require.False(t, m.EditedAt.IsZero())
		default:
			t.Fatalf("unexpected sender %q", m.SenderPushName)
		}
	}

	// Alice answers, after her receipts.
	sent, err := c.SendText(ctx, demo.Alice.JID().User, "Hello Alice")
	require.NoError(t, err)
	status := func() string {
		m, err := c.GetMessage(ctx, sent.MessageID)
		require.NoError(t, err)
		return m.Status
	}
	for _, want := range []string{"delivered", "read"} {
		require.NoError(t, clock.Wait(ctx, func(p []time.Duration) bool { return slices.Contains(p, time.Second) }))
		clock.Advance(time.Second)
		require.Eventually(t, func() bool { return status() == want }, 10*time.Second, time.Millisecond, want)
	}
	require.NoError(t, clock.Wait(ctx, func(p []time.Duration) bool { return slices.Contains(p, time.Second) }))
	clock.Advance(time.Second)
	require.Eventually(t, func() bool {
		return len(messages(t, c, byTitle[demo.Alice.JID().String()].ConversationID)) == 5
	}, 10*time.Second, time.Millisecond)
	var replies []string
	for _, m := range messages(t, c, byTitle[demo.Alice.JID().String()].ConversationID) {
		if m.SenderPushName == "Alice" {
			replies = append(replies, m.Body)
		}
	}
	require.Contains(t, replies, `You said: "Hello Alice". (Alice, simulated)`)

	// The chatter.
	clock.Advance(watest.DemoChatter)
	require.Eventually(t, func() bool {
		return len(messages(t, c, byTitle[demo.Bob.JID().String()].ConversationID)) == 2
	}, 10*time.Second, time.Millisecond, "Bob speaks up")

	require.Equal(t, "15550100001", demo.Alice.JID().User)
	require.Equal(t, demo.Phone("default"), demo.Phone("default"), "an account's simulated phone is always the same")
	require.NotEqual(t, demo.Phone("default").JID, demo.Phone("sales").JID)
	require.Equal(t, types.DefaultUserServer, demo.Phone("x").JID.Server)
	stop()
	require.ErrorIs(t, <-played, context.Canceled)
	played <- context.Canceled // for the cleanup
}
