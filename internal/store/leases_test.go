package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
)

func createAccounts(t *testing.T, st *store.Store, ids ...string) {
	t.Helper()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for _, id := range ids {
		require.NoError(t, st.CreateAccount(t.Context(), &store.Account{ID: id, State: "connected", CreatedAt: now, UpdatedAt: now}, nil))
	}
}

// lostRecorder collects what OnLost reports.
type lostRecorder struct {
	mu  sync.Mutex
	got [][]string
}

func (r *lostRecorder) onLost(accounts []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, accounts)
}

func (r *lostRecorder) calls() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]string(nil), r.got...)
}

func TestLeasesExcludeOtherHolders(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := testdb.Postgres(t)
	stA, stB := db.OpenEngine(t), db.OpenEngine(t) // two processes: two pools
	createAccounts(t, stA, "a1", "a2")
	grace := 30 * time.Second
	a := stA.NewLeases(store.LeaseConfig{Holder: "A", Grace: grace, Timeout: 5 * time.Second})
	b := stB.NewLeases(store.LeaseConfig{Holder: "B", Grace: grace, Timeout: 5 * time.Second})
	require.True(t, a.Distributed())
	t.Cleanup(func() { _ = a.Close(context.Background()); _ = b.Close(context.Background()) })

	ok, wait, err := a.Acquire(ctx, "a1")
	require.NoError(t, err)
	require.True(t, ok)
	require.Zero(t, wait, "a lease nobody held has no grace period")
	ok, wait, err = a.Acquire(ctx, "a1")
	require.NoError(t, err)
	require.True(t, ok, "acquiring a held lease again succeeds")
	require.Zero(t, wait)

	ok, _, err = b.Acquire(ctx, "a1")
	require.NoError(t, err)
	require.False(t, ok, "another process holds a1")
	ok, _, err = b.Acquire(ctx, "a2")
	require.NoError(t, err)
	require.True(t, ok, "a2 is free")
	require.Equal(t, []string{"a2"}, b.HeldAccounts())

	info, err := stB.Lease(ctx, "a1")
	require.NoError(t, err)
	require.Equal(t, "A", info.Holder)
	require.Less(t, info.Age, grace)

	// Released: the row goes first, so the next holder does not wait.
	require.NoError(t, a.Release(ctx, "a1"))
	require.False(t, a.Held("a1"))
	ok, wait, err = b.Acquire(ctx, "a1")
	require.NoError(t, err)
	require.True(t, ok)
	require.Zero(t, wait, "a released lease is taken over at once")
	info, err = stA.Lease(ctx, "a1")
	require.NoError(t, err)
	require.Equal(t, "B", info.Holder)

	// Close lets every lease go.
	require.NoError(t, b.Close(ctx))
	for _, id := range []string{"a1", "a2"} {
		ok, wait, err := a.Acquire(ctx, id)
		require.NoError(t, err)
		require.True(t, ok, id)
		require.Zero(t, wait, id)
	}

	// An account that does not exist cannot be leased.
	_, _, err = a.Acquire(ctx, "nobody")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.ElementsMatch(t, []string{"a1", "a2"}, a.HeldAccounts())
}

// terminateLeaseConn kills the lease connection of holder from the server
// side, as when PostgreSQL restarts or a proxy drops it, and waits until
// the server process has ended (PostgreSQL 14+).
func terminateLeaseConn(t *testing.T, st *store.Store, holder string) {
	t.Helper()
	var n int
	err := st.DB().QueryRowContext(t.Context(),
		"SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE datname = current_database() AND application_name = ?", "wauser lease "+holder).Scan(&n)
	require.NoError(t, err)
	require.Equal(t, 1, n, "one lease connection of %s", holder)
}

func TestLeasesLostWithTheirConnection(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := testdb.Postgres(t)
	stA, stB := db.OpenEngine(t), db.OpenEngine(t)
	createAccounts(t, stA, "a1", "a2")
	grace := 30 * time.Second
	var lost lostRecorder
	a := stA.NewLeases(store.LeaseConfig{Holder: "A", Grace: grace, Timeout: 5 * time.Second, OnLost: lost.onLost})
	b := stB.NewLeases(store.LeaseConfig{Holder: "B", Grace: grace, Timeout: 5 * time.Second})
	t.Cleanup(func() { _ = a.Close(context.Background()); _ = b.Close(context.Background()) })
	for _, id := range []string{"a1", "a2"} {
		ok, _, err := a.Acquire(ctx, id)
		require.NoError(t, err)
		require.True(t, ok)
	}
	require.NoError(t, a.Renew(ctx))

	terminateLeaseConn(t, stB, "A")
	// PostgreSQL freed the locks: B gets them, but A renewed just now and
	// may still be connected, so B must wait out the grace period.
	ok, wait, err := b.Acquire(ctx, "a1")
	require.NoError(t, err)
	require.True(t, ok)
	require.Greater(t, wait, grace-10*time.Second)
	require.LessOrEqual(t, wait, grace)

	// A learns at its next renewal, and reports every lease lost.
	err = a.Renew(ctx)
	require.ErrorIs(t, err, store.ErrLeaseLost)
	require.Equal(t, [][]string{{"a1", "a2"}}, lost.calls())
	require.Empty(t, a.HeldAccounts())

	// A reconnects on its next Acquire: a1 is B's now, a2 is free again
	// (its row still names A, so A need not wait).
	ok, _, err = a.Acquire(ctx, "a1")
	require.NoError(t, err)
	require.False(t, ok)
	ok, wait, err = a.Acquire(ctx, "a2")
	require.NoError(t, err)
	require.True(t, ok)
	require.Zero(t, wait)
	// Renewing stamps only the leases held: a1's row stays B's.
	require.NoError(t, a.Renew(ctx))
	info, err := stA.Lease(ctx, "a1")
	require.NoError(t, err)
	require.Equal(t, "B", info.Holder)
}

func TestLeasesLocalOnSQLite(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := testdb.SQLite(t).OpenEngine(t)
	l := st.NewLeases(store.LeaseConfig{Holder: "A"})
	require.False(t, l.Distributed())
	ok, wait, err := l.Acquire(ctx, "anything")
	require.NoError(t, err)
	require.True(t, ok)
	require.Zero(t, wait)
	require.True(t, l.Held("anything"))
	require.NoError(t, l.Renew(ctx))
	info, err := st.Lease(ctx, "anything")
	require.NoError(t, err)
	require.Empty(t, info.Holder)
	require.NoError(t, l.Release(ctx, "anything"))
	require.False(t, l.Held("anything"))
	require.NoError(t, l.Close(ctx))
}
