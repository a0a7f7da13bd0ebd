package wauser_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/appstate"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// syncJobs returns the account's sync jobs of kind.
func syncJobs(t testing.TB, c *wauser.Client, kind string) []*store.SyncJob {
	t.Helper()
	jobs, err := store.ListSyncJobs(ctxTimeout(t), c.Store().DB(), string(c.Account()), kind)
	require.NoError(t, err)
	return jobs
}

// waitJob waits until the account's sync job kind/id is in state (the
// queue wakes status waiters after each job).
func waitJob(t testing.TB, c *wauser.Client, kind, id, state string) *store.SyncJob {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var job *store.SyncJob
	_, err := c.WaitStatus(ctx, func(*wauser.Status) bool {
		for _, j := range syncJobs(t, c, kind) {
			if j.ID == id && j.State == state {
				job = j
				return true
			}
		}
		return false
	})
	require.NoError(t, err, "sync job %s %s never %s: %+v", kind, id, state, syncJobs(t, c, kind))
	return job
}

// eventCount counts the account's outbox events of type typ.
func eventCount(t *testing.T, c *wauser.Client, typ string) int {
	t.Helper()
	n := 0
	for _, k := range eventTypes(t, c, 0) {
		if k == typ {
			n++
		}
	}
	return n
}

// refuseArchive makes the account's database refuse to archive a
// conversation (a real trigger or constraint) until allow is called.
func refuseArchive(t *testing.T, c *wauser.Client, dialect string) (allow func()) {
	t.Helper()
	db := c.Store().DB()
	exec := func(q string) {
		t.Helper()
		_, err := db.ExecContext(ctxTimeout(t), q)
		require.NoError(t, err)
	}
	if dialect == "sqlite" {
		exec(`CREATE TRIGGER refuse_archive BEFORE UPDATE ON wauser_conversations WHEN NEW.is_archived BEGIN SELECT RAISE(ABORT, 'disk full'); END`)
		return func() { exec(`DROP TRIGGER refuse_archive`) }
	}
	exec(`ALTER TABLE wauser_conversations ADD CONSTRAINT refuse_archive CHECK (NOT is_archived) NOT VALID`)
	return func() { exec(`ALTER TABLE wauser_conversations DROP CONSTRAINT refuse_archive`) }
}

// TestHistorySurvivesFailureAndRestart: the database refuses one row of a
// history blob's third batch. The first two batches are stored, the blob
// stays queued; the process stops, the database is mended, a new process
// starts: it downloads the blob again and stores the rest. In the end the
// records are exactly those of a blob stored without a failure: nothing
// lost, nothing twice.
func TestHistorySurvivesFailureAndRestart(t *testing.T) {
	t.Parallel()
	blob := crossBatchHistory("boom")
	want := serialReference(t, blob)
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h, bot, conn := paired(t, db)
		allow := refuseBody(t, bot, db.Dialect, "boom")
		require.True(t, conn.Emit(watest.HistoryData(blob)), "the notification is stored with its message")
		waitRetry(t, h)
		require.Contains(t, conn.Calls(), "Download", "wauser downloads the blob itself")
		jobs := syncJobs(t, bot, store.JobHistory)
		require.Len(t, jobs, 1)
		require.Equal(t, store.JobQueued, jobs[0].State)
		require.Equal(t, 1, jobs[0].Attempts)
		require.NotEmpty(t, jobs[0].LastError)
		got, _ := records(t, bot)
		require.Equal(t, 2*ingest.HistoryBatch-2, countMessages(got), "the two batches before the failed one")
		require.Zero(t, eventCount(t, bot, "history.sync"))

		allow()
		require.NoError(t, h.c.Close())
		c2 := h.open(t).WithAccount("acc")
		waitState(t, c2, wauser.StateConnected)
		waitHistory(t, c2)
		got, seqs := records(t, c2)
		require.Equal(t, want, got, "everything stored once, as without the failure")
		for i := 1; i < len(seqs); i++ {
			require.Less(t, seqs[i-1], seqs[i], "each record once in the feed")
		}
		require.Contains(t, h.fake.Conn("acc").Calls(), "Download", "the new process downloaded the blob again")
		jobs = syncJobs(t, c2, store.JobHistory)
		require.Len(t, jobs, 1)
		require.Equal(t, store.JobDone, jobs[0].State)
		require.Empty(t, jobs[0].Payload, "a done job keeps no blob reference")
		require.Equal(t, 1, eventCount(t, c2, "history.sync"))
		require.Equal(t, 1, eventCount(t, c2, "history.sync_complete"))
	})
}

// TestAppStateResyncAfterFailure: the database refuses an archive
// action from the phone. whatsmeow would not deliver it again, so its
// collection is resynced in full; that fails too while the database
// refuses, and is tried again by a new process, where the archive lands.
func TestAppStateResyncAfterFailure(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h, bot, conn := paired(t, db)
		require.True(t, conn.Emit(watest.Text(alice, alice, "M1", at(1), "hi")))
		allow := refuseArchive(t, bot, db.Dialect)
		require.NoError(t, conn.PhoneAppState(appstate.BuildArchive(alice, true, at(1), nil)))
		waitRetry(t, h)
		require.Contains(t, conn.Calls(), "FetchAppState", "the collection was resynced")
		jobs := syncJobs(t, bot, store.JobAppState)
		require.Len(t, jobs, 1)
		require.Equal(t, string(appstate.WAPatchRegularLow), jobs[0].ID, "archive actions live in regular_low")
		require.Equal(t, store.JobQueued, jobs[0].State)
		require.Equal(t, 1, jobs[0].Attempts, "the resync's archive failed too")
		require.False(t, feed(t, bot).convs[alice.String()].IsArchived)
		st, err := bot.Status(ctxTimeout(t))
		require.NoError(t, err)
		require.Zero(t, st.HistoryPending, "app state is no history")

		allow()
		require.NoError(t, h.c.Close())
		c2 := h.open(t).WithAccount("acc")
		waitJob(t, c2, store.JobAppState, string(appstate.WAPatchRegularLow), store.JobDone)
		require.True(t, feed(t, c2).convs[alice.String()].IsArchived, "the archive landed")
		calls := h.fake.Conn("acc").Calls()
		require.Equal(t, 1, countOf(calls, "FetchAppState"))
	})
}

// TestAppStateResyncRetriesWithBackoff: without a restart, the resync is
// tried again after a growing delay until it succeeds.
func TestAppStateResyncRetriesWithBackoff(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	h, bot, conn := paired(t, db)
	require.True(t, conn.Emit(watest.Text(bob, bob, "M1", at(1), "hi")))
	allow := refuseArchive(t, bot, db.Dialect)
	require.NoError(t, conn.PhoneAppState(appstate.BuildArchive(bob, true, at(1), nil)))
	first := waitRetry(t, h)
	h.clock.Advance(first)
	require.NoError(t, conn.WaitCalls(ctxTimeout(t), "FetchAppState", 2))
	second := waitRetry(t, h)
	require.Equal(t, 2*first, second, "the delay doubles")
	allow()
	h.clock.Advance(second)
	waitJob(t, bot, store.JobAppState, string(appstate.WAPatchRegularLow), store.JobDone)
	require.True(t, feed(t, bot).convs[bob.String()].IsArchived)
	require.Empty(t, h.clock.Pending(), "nothing left to retry")
}

func countOf(calls []string, name string) int {
	return len(slices.DeleteFunc(slices.Clone(calls), func(c string) bool { return c != name }))
}
