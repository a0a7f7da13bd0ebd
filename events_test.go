package wauser_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// collector records events handed to handlers.
type collector struct {
	mu     sync.Mutex
	events []wauser.Event
	ch     chan struct{}
}

func newCollector() *collector { return &collector{ch: make(chan struct{}, 1000)} }

func (c *collector) add(e wauser.Event) {
	c.mu.Lock()
	c.events = append(c.events, e)
	c.mu.Unlock()
	c.ch <- struct{}{}
}

func (c *collector) wait(t *testing.T, n int) []wauser.Event {
	t.Helper()
	ctx := ctxTimeout(t)
	for {
		c.mu.Lock()
		got := append([]wauser.Event(nil), c.events...)
		c.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-c.ch:
		case <-ctx.Done():
			t.Fatalf("handlers got %d events, want %d", len(got), n)
		}
	}
}

func TestOnEventTypedHandlersPanicsAndSlowHandlers(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := &harness{fake: watest.New(), clock: watest.NewClock(epoch), db: db}
		st := db.Open(t)
		c, err := wauser.New(st, h.fake.Option(), wauser.WithClock(h.clock), wauser.WithPrivateWebhookTargets())
		require.NoError(t, err)
		h.c = c

		all, msgs, accounts := newCollector(), newCollector(), newCollector()
		var decoded []*wauser.MessageData
		c.OnEvent(func(context.Context, wauser.Event) { panic("a broken handler") })
		c.OnEvent(func(_ context.Context, e wauser.Event) { all.add(e) })
		c.OnMessage(func(_ context.Context, e wauser.Event, m *wauser.MessageData) {
			decoded = append(decoded, m)
			msgs.add(e)
		})
		c.WithAccount("sales").OnAccountEvent(func(_ context.Context, e wauser.Event, a *wauser.AccountData) {
			if e.Type == wauser.EventAccountConnected {
				require.Equal(t, "15551234567", a.JID.User)
			}
			accounts.add(e)
		})
		// A handler that blocks until released must not hold up ingestion
		// or webhooks.
		release := make(chan struct{})
		var once sync.Once
		c.OnEvent(func(ctx context.Context, e wauser.Event) {
			once.Do(func() {
				select {
				case <-release:
				case <-ctx.Done():
				}
			})
		}, wauser.EventMessageReceived)
		require.NoError(t, c.Start(t.Context()))
		t.Cleanup(func() { _ = c.Close(); h.fake.Close() })

		rc := newReceiver(t)
		ctx := ctxTimeout(t)
		_, err = c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "sales", Webhooks: []wauser.WebhookRequest{{URL: rc.URL}}})
		require.NoError(t, err)
		insertEvents(t, c, messageEvent("sales", "message.received", "15550001111@s.whatsapp.net", "text", 1, nil))
		// The first handler call for message.received blocks; meanwhile
		// pairing (account events) and webhook delivery go on.
		sales := c.WithAccount("sales")
		_, err = sales.PairQR(ctx)
		require.NoError(t, err)
		conn, err := h.fake.WaitConn(ctx, "sales")
		require.NoError(t, err)
		require.NoError(t, conn.Scan(phone))
		waitState(t, sales, wauser.StateConnected)
		// The handlers consumer runs on its own: wait until it reached the
		// message (and blocked in the slow handler), then until the
		// webhooks had it and the account events after it.
		all.wait(t, 1)
		rc.waitUntil(t, func(r []received) bool { return len(r) >= 4 }) // the message, qr, paired, connected...
		all.mu.Lock()
		handled := len(all.events)
		all.mu.Unlock()
		require.Equal(t, 1, handled, "later events wait behind the slow handler")
		close(release)

		got := all.wait(t, 4)
		require.Equal(t, wauser.EventMessageReceived, got[0].Type, "handlers see events in order, despite the panic before them")
		for i := 1; i < len(got); i++ {
			require.Greater(t, got[i].Seq, got[i-1].Seq)
		}
		msgs.wait(t, 1)
		require.Equal(t, "hello 1", decoded[0].Body)
		require.Equal(t, "conv_15550001111@s.whatsapp.net", got[0].ConversationID)
		acc := accounts.wait(t, 3)
		types := []wauser.EventType{}
		for _, e := range acc {
			types = append(types, e.Type)
		}
		require.Contains(t, types, wauser.EventAccountQR)
		require.Contains(t, types, wauser.EventAccountPaired)
		require.Contains(t, types, wauser.EventAccountConnected)
		_, err = got[0].Account()
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, "a message event has no account data")
	})
}

// Handlers resume from the stored position: events written while no Client
// ran are handled after the next Start, and handled events are not repeated.
func TestOnEventResumesAfterRestart(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := ctxTimeout(t)
		first := newCollector()
		c1, err := wauser.New(db.Open(t), wauser.WithClock(watest.NewClock(epoch)))
		require.NoError(t, err)
		c1.OnEvent(func(_ context.Context, e wauser.Event) { first.add(e) })
		require.NoError(t, c1.Start(ctx))
		_, err = c1.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "a"})
		require.NoError(t, err)
		insertEvents(t, c1, messageEvent("a", "message.received", "15550001111@s.whatsapp.net", "text", 1, nil))
		first.wait(t, 1)
		require.NoError(t, c1.Close())

		// Written while no Client runs.
		st := db.Open(t)
		offline, err := wauser.New(st)
		require.NoError(t, err)
		insertEvents(t, offline, messageEvent("a", "message.received", "15550001111@s.whatsapp.net", "text", 2, nil))

		second := newCollector()
		c2, err := wauser.New(st, wauser.WithClock(watest.NewClock(epoch)))
		require.NoError(t, err)
		c2.OnEvent(func(_ context.Context, e wauser.Event) { second.add(e) })
		require.NoError(t, c2.Start(ctx))
		t.Cleanup(func() { _ = c2.Close() })
		got := second.wait(t, 1)
		require.Len(t, got, 1, "the event handled before the restart is not repeated")
		require.Equal(t, int64(2), got[0].Seq)
		m, err := got[0].Message()
		require.NoError(t, err)
		require.Equal(t, "hello 2", m.Body)
	})
}
