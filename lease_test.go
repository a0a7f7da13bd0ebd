package wauser_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// fastLeases makes in-process lease tests quick: look every 20 ms.
var fastLeases = wauser.WithLeases(wauser.LeaseOptions{Interval: 20 * time.Millisecond, Timeout: 2 * time.Second})

// Two Clients on one PostgreSQL are two processes: each has its own store
// (connection pool and lease connection), fake WhatsApp and clock.
func TestLeasesOneHolderReadsEverywhere(t *testing.T) {
	t.Parallel()
	db := testdb.Postgres(t)
	a := newHarness(t, db, fastLeases)
	botA, connA := pair(t, a, "acc")

	b := newHarness(t, db, fastLeases)
	botB := b.c.WithAccount("acc")
	ctx := ctxTimeout(t)

	// B does not connect the account: A holds its lease.
	st, err := botB.Status(ctx)
	require.NoError(t, err)
	require.True(t, st.HeldElsewhere)
	require.True(t, st.Connected, "connected, in the process that holds it")
	require.Equal(t, wauser.StateConnected, st.State)
	require.Nil(t, b.fake.Conn("acc"), "B never opened a connection for the account")
	stA, err := botA.Status(ctx)
	require.NoError(t, err)
	require.False(t, stA.HeldElsewhere)

	// Operations that need the connection say where it is.
	_, err = botB.StatusPrivacy(ctx)
	require.ErrorIs(t, err, wauser.ErrLeasedElsewhere)
	require.ErrorIs(t, err, wauser.ErrNotConnected)
	require.ErrorIs(t, botB.Refresh(ctx, false), wauser.ErrLeasedElsewhere)
	// Logging out or unlinking from B would pull the device from under A.
	require.ErrorIs(t, botB.Logout(ctx), wauser.ErrLeasedElsewhere)
	require.ErrorIs(t, botB.Unlink(ctx), wauser.ErrLeasedElsewhere)

	// The account's in-process handlers run where it is connected.
	var handledA, handledB atomic.Int32
	all := make(chan struct{})
	a.c.OnMessage(func(context.Context, wauser.Event, *wauser.MessageData) {
		if handledA.Add(1) == 3 {
			close(all)
		}
	})
	b.c.OnMessage(func(context.Context, wauser.Event, *wauser.MessageData) { handledB.Add(1) })

	// What A stores, B reads: the change feed and the browse methods.
	for i, id := range []string{"M1", "M2", "M3"} {
		require.True(t, connA.Emit(watest.Text(alice, alice, id, at(i), "hello "+id)))
	}
	page, err := botB.SyncPage(ctx, 0, 100)
	require.NoError(t, err)
	require.Len(t, page.Messages, 3)
	list, err := botB.ListMessages(ctx, wauser.ListMessagesOptions{})
	require.NoError(t, err)
	require.Len(t, list.Messages, 3)
	select {
	case <-all:
	case <-ctx.Done():
		t.Fatalf("A's handlers ran %d times", handledA.Load())
	}
	require.Zero(t, handledB.Load(), "B leaves the account's events to the process that connects it")

	// A closes: B takes the account over at its next look, at once (A let
	// the lease go cleanly, so there is no grace period to wait out).
	require.NoError(t, a.c.Close())
	waitConnectedHere(t, botB)
	require.True(t, b.fake.Conn("acc").Connected())
	st, err = botB.Status(ctx)
	require.NoError(t, err)
	require.False(t, st.HeldElsewhere)
	require.True(t, st.Connected)
	require.Empty(t, b.clock.Pending(), "no grace period")
	_, err = botB.StatusPrivacy(ctx)
	require.NoError(t, err, "B runs the connection now")
}

// A holder that vanished without letting its lease go (its lease
// connection died, it could not delete its row) may still be connected:
// the next holder waits out the grace period on its clock first.
func TestLeaseTakeOverWaitsOutGracePeriod(t *testing.T) {
	t.Parallel()
	db := testdb.Postgres(t)
	// A never renews during the test; B looks every 20 ms and waits
	// Interval + 2·Timeout = 10.02 s after A's last renewal.
	a := newHarness(t, db, wauser.WithLeases(wauser.LeaseOptions{Interval: time.Hour, Timeout: 5 * time.Second}))
	_, connA := pair(t, a, "acc")
	b := newHarness(t, db, wauser.WithLeases(wauser.LeaseOptions{Interval: 20 * time.Millisecond, Timeout: 5 * time.Second}))
	botB := b.c.WithAccount("acc")
	ctx := ctxTimeout(t)

	var pid int
	require.NoError(t, b.c.Store().DB().QueryRowContext(ctx,
		"SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())").Scan(&pid))
	var killed bool
	require.NoError(t, b.c.Store().DB().QueryRowContext(ctx, "SELECT pg_terminate_backend(?, 5000)", pid).Scan(&killed))
	require.True(t, killed)
	require.NoError(t, a.c.Close()) // disconnects; its lease row stays (the connection is gone)
	require.False(t, connA.Connected())

	// B holds the lock now but waits, on its clock, before connecting.
	require.NoError(t, b.clock.WaitTimers(ctx, 1))
	pending := b.clock.Pending()
	require.Len(t, pending, 1)
	require.Greater(t, pending[0], 5*time.Second)
	require.LessOrEqual(t, pending[0], 10020*time.Millisecond)
	require.Nil(t, b.fake.Conn("acc"), "not connected during the grace period")
	st, err := botB.Status(ctx)
	require.NoError(t, err)
	require.False(t, st.HeldElsewhere, "B holds the lease")
	require.ErrorIs(t, botB.Refresh(ctx, false), wauser.ErrNotConnected)

	b.clock.Advance(pending[0])
	waitConnectedHere(t, botB)
	require.True(t, b.fake.Conn("acc").Connected())
}

// waitConnectedHere waits until the account is connected by c's process.
func waitConnectedHere(t *testing.T, c *wauser.Client) {
	t.Helper()
	st, err := c.WaitStatus(ctxTimeout(t), func(s *wauser.Status) bool { return s.Connected && !s.HeldElsewhere })
	require.NoError(t, err, "last status %+v", st)
}

func TestLeaseAndRetentionOptionsValidate(t *testing.T) {
	t.Parallel()
	st := testdb.SQLite(t).Open(t)
	for name, opt := range map[string]wauser.Option{
		"negative lease interval": wauser.WithLeases(wauser.LeaseOptions{Interval: -time.Second}),
		"negative lease timeout":  wauser.WithLeases(wauser.LeaseOptions{Timeout: -time.Second}),
		"retention under an hour": wauser.WithRetention(time.Minute),
		"claim within attempt":    wauser.WithWebhookDelivery(wauser.WebhookDeliveryOptions{ClaimTimeout: 5 * time.Second}),
		"claim equal to attempt":  wauser.WithWebhookDelivery(wauser.WebhookDeliveryOptions{AttemptTimeout: time.Minute, ClaimTimeout: time.Minute}),
	} {
		_, err := wauser.New(st, opt)
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, name)
	}
	_, err := wauser.New(st, wauser.WithRetention(48*time.Hour), wauser.WithLeases(wauser.LeaseOptions{Interval: time.Second}),
		wauser.WithWebhookDelivery(wauser.WebhookDeliveryOptions{ClaimTimeout: 11 * time.Second}))
	require.NoError(t, err)
}

// Finished deliveries and events every consumer passed are deleted once
// older than the retention, when the Client starts and hourly after. (Which
// rows the cutoff takes is tested in store: TestPruneOutbox.)
func TestRetentionPrunesTheOutbox(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := ctxTimeout(t)
		rc := newReceiver(t)
		c := webhookClient(t, db, watest.NewClock(epoch))
		_, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "a"})
		require.NoError(t, err)
		hook, err := c.CreateWebhook(ctx, wauser.WebhookRequest{URL: rc.URL})
		require.NoError(t, err)
		insertEvents(t, c, messageEvent("a", "message.received", "15550001111@s.whatsapp.net", "text", 1, nil),
			messageEvent("a", "message.received", "15550001111@s.whatsapp.net", "text", 2, nil))
		rc.waitUntil(t, func(r []received) bool { return len(r) == 2 })
		delivered := func(c *wauser.Client) int {
			ds, err := c.ListWebhookDeliveries(ctx, hook.ID, wauser.ListWebhookDeliveriesOptions{State: wauser.DeliveryDelivered})
			require.NoError(t, err)
			return len(ds)
		}
		require.Eventually(t, func() bool { return delivered(c) == 2 }, 10*time.Second, 5*time.Millisecond)
		require.NoError(t, c.Close())

		// Eight days later: the log and the consumed events are gone, and
		// the next event is numbered on from the last.
		later := webhookClient(t, db, watest.NewClock(epoch.Add(8*24*time.Hour)))
		require.Eventually(t, func() bool { return delivered(later) == 0 }, 10*time.Second, 5*time.Millisecond)
		require.Eventually(t, func() bool { return len(eventTypesOf(t, later, "a")) == 0 }, 10*time.Second, 5*time.Millisecond)
		evs := insertEvents(t, later, messageEvent("a", "message.received", "15550001111@s.whatsapp.net", "text", 3, nil))
		require.Equal(t, int64(3), evs[0].Seq)
		rc.waitUntil(t, func(r []received) bool { return len(r) == 3 })
	})
}

func eventTypesOf(t *testing.T, c *wauser.Client, account string) []string {
	t.Helper()
	evs, err := store.Unwrap(c.Store()).ListEvents(ctxTimeout(t), account, 0, 1000)
	require.NoError(t, err)
	out := []string{}
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

// A process whose lease connection breaks (PostgreSQL restarted, a proxy
// dropped it) has lost every lease: it disconnects its accounts at once,
// then takes back those no other process took.
func TestLostLeaseConnectionDisconnects(t *testing.T) {
	t.Parallel()
	db := testdb.Postgres(t)
	a := newHarness(t, db, fastLeases)
	botA, conn := pair(t, a, "acc")
	ctx := ctxTimeout(t)
	connects := len(slices.DeleteFunc(conn.Calls(), func(c string) bool { return c != "ConnectContext" }))
	disconnects := count(conn.Calls(), "Disconnect")

	var killed bool
	require.NoError(t, a.c.Store().DB().QueryRowContext(ctx,
		`SELECT pg_terminate_backend(pid, 5000) FROM pg_locks WHERE locktype = 'advisory' AND granted
		 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&killed))
	require.True(t, killed)

	// The next renewal fails: the session is dropped (Disconnect)...
	require.NoError(t, conn.WaitCalls(ctx, "Disconnect", disconnects+1))
	require.False(t, conn.Connected())
	// ...and the account, whose lease nobody else took, is connected again
	// by a new session (dropSession removed the old one before it
	// disconnected, so this status is the new session's).
	waitConnectedHere(t, botA)
	again := a.fake.Conn("acc")
	require.NotSame(t, conn, again, "a new connection")
	require.True(t, again.Connected())
	require.Equal(t, 2, connects, "the first session connected twice: to pair, then to log in")
}
