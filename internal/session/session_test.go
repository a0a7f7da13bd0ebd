package session

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
)

func TestSyncRetryDelayDoublesUpToItsCap(t *testing.T) {
	t.Parallel()
	require.Equal(t, syncRetryMin, syncRetryDelay(0))
	require.Equal(t, 2*syncRetryMin, syncRetryDelay(1))
	require.Equal(t, 4*syncRetryMin, syncRetryDelay(2))
	require.Equal(t, syncRetryMax, syncRetryDelay(20))
	require.Equal(t, syncRetryMax, syncRetryDelay(1000))
}

func TestBackoffDoublesWithJitterUpToMax(t *testing.T) {
	t.Parallel()
	sv := &Supervisor{cfg: Config{BackoffMin: time.Second, BackoffMax: time.Minute}}
	for n, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute, time.Minute} {
		for range 50 {
			got := sv.backoff(n)
			require.GreaterOrEqual(t, got, want-want/5, "attempt %d", n)
			require.LessOrEqual(t, got, want+want/5, "attempt %d", n)
		}
	}
}

// An app state event whose storing failed is resynced through the
// collection whatsmeow decoded it from.
func TestAppStateCollection(t *testing.T) {
	t.Parallel()
	for evt, want := range map[any]appstate.WAPatchName{
		&events.Mute{}:                    appstate.WAPatchRegularHigh,
		&events.Star{}:                    appstate.WAPatchRegularHigh,
		&events.Pin{}:                     appstate.WAPatchRegularLow,
		&events.Archive{}:                 appstate.WAPatchRegularLow,
		&events.LabelEdit{}:               appstate.WAPatchRegular,
		&events.Contact{}:                 appstate.WAPatchCriticalUnblockLow,
		&events.PushNameSetting{}:         appstate.WAPatchCriticalBlock,
		&events.Message{}:                 "",
		&events.Receipt{}:                 "",
		&events.HistorySync{}:             "",
		&events.UnarchiveChatsSetting{}:   appstate.WAPatchRegularLow,
		&events.LabelAssociationMessage{}: appstate.WAPatchRegular,
	} {
		require.Equal(t, want, appStateCollection(evt), "%T", evt)
	}
}

type fixedClock struct{ now time.Time }

func (c fixedClock) Now() time.Time                 { return c.now }
func (c fixedClock) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time { return t.t.C }
func (t realTimer) Stop() bool          { return t.t.Stop() }

// Two processes (two Leases) on one database: on PostgreSQL only one
// holds an account's lease, the other learns it is held elsewhere, and
// takes it once released; on SQLite (one process) every lease is granted.
func TestLeasesOneHolderAtATime(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		st := db.OpenEngine(t)
		t0 := time.Now().UTC()
		require.NoError(t, st.CreateAccount(ctx, &store.Account{ID: "acc", State: "connected", CreatedAt: t0, UpdatedAt: t0}, nil))
		cfg := LeaseConfig{Interval: time.Second, Timeout: 5 * time.Second, Clock: fixedClock{t0},
			Logger: slog.New(slog.DiscardHandler), OnLost: func([]string) {}}
		a, b := NewLeases(st, cfg), NewLeases(st, cfg)
		t.Cleanup(func() {
			_ = a.Close(context.Background())
			_ = b.Close(context.Background())
		})
		require.Equal(t, 11*time.Second, a.Grace(), "Interval + 2·Timeout")
		require.NotEqual(t, a.Holder(), b.Holder())

		require.NoError(t, a.Take(ctx, "acc"))
		err := b.Take(ctx, "acc")
		if !a.Distributed() {
			require.NoError(t, err)
			require.False(t, b.Elsewhere("acc"))
			return
		}
		require.ErrorIs(t, err, ErrLeasedElsewhere)
		require.ErrorIs(t, a.Take(ctx, "missing"), store.ErrNotFound)
		require.True(t, b.Elsewhere("acc"))
		require.False(t, a.Elsewhere("acc"))

		a.Release(ctx, "acc")
		require.NoError(t, b.Take(ctx, "acc"), "a released lease is free at once")
		require.False(t, b.Elsewhere("acc"))

		// Forgetting deleted accounts drops what was known about them.
		require.ErrorIs(t, a.Take(ctx, "acc"), ErrLeasedElsewhere)
		require.True(t, a.Elsewhere("acc"))
		a.Forget(map[string]bool{})
		require.False(t, a.Elsewhere("acc"))
	})
}
