package main

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/store/sqlite"
	"github.com/wauser/wauser/watest"
)

// syncBuffer is a bytes.Buffer safe for the bot's goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestEchoBot runs the bot against watest's fake WhatsApp, using only
// public API: the bot pairs by QR code, and a second account of the fake
// talks to it.
func TestEchoBot(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	st, err := sqlite.Open(ctx, t.TempDir()+"/echobot.db")
	require.NoError(t, err)
	fake := watest.New()
	c, err := wauser.New(st, fake.Option())
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = c.Close()
		fake.Close()
		_ = st.Close()
	})

	// The bot: run shows a QR code, the fake's phone scans it.
	botPhone := types.NewJID("15550009999", types.DefaultUserServer)
	out := &syncBuffer{}
	runCtx, stopBot := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- run(runCtx, c, "", out, slog.New(slog.DiscardHandler)) }()
	botConn, err := fake.WaitConn(ctx, string(account))
	require.NoError(t, err)
	require.NoError(t, botConn.WaitCalls(ctx, "ConnectContext", 1))
	_, err = c.WithAccount(account).WaitStatus(ctx, func(s *wauser.Status) bool { return s.Pairing != nil && s.Pairing.QR != "" })
	require.NoError(t, err)
	require.NoError(t, botConn.Scan(watest.Phone{JID: botPhone, PushName: "Echo"}))
	_, err = c.WithAccount(account).WaitStatus(ctx, func(s *wauser.Status) bool { return s.Connected })
	require.NoError(t, err)

	// A user: another account of the same fake.
	_, err = c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "user"})
	require.NoError(t, err)
	user := c.WithAccount("user")
	_, err = user.PairQR(ctx)
	require.NoError(t, err)
	userConn, err := fake.WaitConn(ctx, "user")
	require.NoError(t, err)
	require.NoError(t, userConn.Scan(watest.Phone{JID: types.NewJID("15551112222", types.DefaultUserServer), PushName: "User"}))
	_, err = user.WaitStatus(ctx, func(s *wauser.Status) bool { return s.Connected })
	require.NoError(t, err)

	replies := make(chan *wauser.MessageData, 4)
	user.OnMessage(func(_ context.Context, e wauser.Event, m *wauser.MessageData) {
		if e.Type == wauser.EventMessageReceived {
			replies <- m
		}
	})
	hello, err := user.SendText(ctx, "+15550009999", "hello bot")
	require.NoError(t, err)
	var reply *wauser.MessageData
	select {
	case reply = <-replies:
	case <-ctx.Done():
		t.Fatalf("no reply; the bot printed:\n%s", out.String())
	}
	require.Equal(t, "hello bot", reply.Body)
	require.Equal(t, hello.WAMessageID, reply.ReplyToWAID, "the reply quotes the message")
	require.Equal(t, botPhone.String(), reply.SenderJID)

	// Only text is answered: a location is not.
	_, err = user.SendMessage(ctx, wauser.SendMessageRequest{To: botPhone.String(), Location: &wauser.Location{Latitude: 1, Longitude: 2}})
	require.NoError(t, err)
	_, err = user.SendText(ctx, botPhone.String(), "again")
	require.NoError(t, err)
	select {
	case reply = <-replies:
	case <-ctx.Done():
		t.Fatal("no second reply")
	}
	require.Equal(t, "again", reply.Body, "the location got no reply")
	sent, err := botConn.WaitSent(ctx, 2)
	require.NoError(t, err)
	require.Len(t, sent, 2)
	require.Contains(t, out.String(), "Linked as 15550009999")

	// Were the handler run again for "hello bot" (handlers run at least
	// once), its reply would have the same id: nothing is sent twice.
	bot := c.WithAccount(account)
	list, err := bot.ListMessages(ctx, wauser.ListMessagesOptions{})
	require.NoError(t, err)
	var incoming wauser.Message
	for _, m := range list.Messages {
		if m.WAMessageID == hello.WAMessageID {
			incoming = m
		}
	}
	require.NotEmpty(t, incoming.MessageID)
	again, err := bot.SendMessage(ctx, wauser.SendMessageRequest{To: incoming.ChatJID, Text: incoming.Body, ID: ReplyID(incoming.MessageID)})
	require.NoError(t, err)
	require.Equal(t, "hello bot", again.Body)
	require.Len(t, botConn.Sent(), 2, "the reply was not sent again")

	stopBot()
	require.ErrorIs(t, <-done, context.Canceled)
}
