package store_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
)

// TestSyncJobs: the queue's bookkeeping. A history job is stored once per
// id; the job due first comes next; a failed attempt moves it later; done
// and failed jobs leave the queue. Asking for an app state resync again
// while it is queued keeps its backoff but bumps its generation, so a
// worker that ran the older generation cannot mark it done; asked again
// after it was done, it is queued afresh.
func TestSyncJobs(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := t.Context()
		st := db.OpenEngine(t)
		t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
		require.NoError(t, st.CreateAccount(ctx, &store.Account{ID: "a", State: "connected", CreatedAt: t0, UpdatedAt: t0}, nil))
		d := st.DB()

		_, err := store.NextSyncJob(ctx, d, "a")
		require.ErrorIs(t, err, store.ErrNotFound)

		h1 := &store.SyncJob{AccountID: "a", Kind: store.JobHistory, ID: "M1", Payload: "cGF5bG9hZA==", CreatedAt: t0}
		ok, err := store.QueueSyncJob(ctx, d, h1)
		require.NoError(t, err)
		require.True(t, ok)
		ok, err = store.QueueSyncJob(ctx, d, &store.SyncJob{AccountID: "a", Kind: store.JobHistory, ID: "M1", Payload: "b3RoZXI=", CreatedAt: t0.Add(time.Minute)})
		require.NoError(t, err)
		require.False(t, ok, "the same notification is stored once")
		ok, err = store.QueueSyncJob(ctx, d, &store.SyncJob{AccountID: "a", Kind: store.JobHistory, ID: "M2", CreatedAt: t0.Add(time.Second)})
		require.NoError(t, err)
		require.True(t, ok)
		n, err := store.CountSyncJobs(ctx, d, "a", store.JobHistory, store.JobQueued)
		require.NoError(t, err)
		require.Equal(t, 2, n)

		next, err := store.NextSyncJob(ctx, d, "a")
		require.NoError(t, err)
		require.Equal(t, "M1", next.ID)
		require.Equal(t, "cGF5bG9hZA==", next.Payload)
		require.NoError(t, store.RetrySyncJob(ctx, d, next, "disk full", t0.Add(time.Hour)))
		next, err = store.NextSyncJob(ctx, d, "a")
		require.NoError(t, err)
		require.Equal(t, "M2", next.ID, "the failed job waits for its retry")

		ok, err = store.FinishSyncJob(ctx, d, next, t0.Add(2*time.Second))
		require.NoError(t, err)
		require.True(t, ok)
		require.NoError(t, store.ResumeSyncJobs(ctx, d, "a", t0.Add(3*time.Second)))
		next, err = store.NextSyncJob(ctx, d, "a")
		require.NoError(t, err)
		require.Equal(t, "M1", next.ID)
		require.Equal(t, 1, next.Attempts)
		require.Equal(t, "disk full", next.LastError)
		require.True(t, next.NextAttemptAt.Equal(t0.Add(3*time.Second)), "a restart makes it due at once: %s", next.NextAttemptAt)
		require.NoError(t, store.FailSyncJob(ctx, d, next, "gone", t0.Add(4*time.Second)))
		_, err = store.NextSyncJob(ctx, d, "a")
		require.ErrorIs(t, err, store.ErrNotFound)
		jobs, err := store.ListSyncJobs(ctx, d, "a", store.JobHistory)
		require.NoError(t, err)
		require.Len(t, jobs, 2)
		require.Equal(t, store.JobFailed, jobs[0].State)
		require.Equal(t, store.JobDone, jobs[1].State)
		require.Empty(t, jobs[1].Payload)

		// App state resyncs.
		require.NoError(t, store.RequestSyncJob(ctx, d, "a", store.JobAppState, "regular_low", t0))
		job, err := store.NextSyncJob(ctx, d, "a")
		require.NoError(t, err)
		require.Equal(t, int64(1), job.Generation)
		require.NoError(t, store.RetrySyncJob(ctx, d, job, "failed again", t0.Add(10*time.Second)))
		require.NoError(t, store.RequestSyncJob(ctx, d, "a", store.JobAppState, "regular_low", t0.Add(time.Second)))
		again, err := store.NextSyncJob(ctx, d, "a")
		require.NoError(t, err)
		require.Equal(t, int64(2), again.Generation)
		require.Equal(t, 1, again.Attempts, "asked again while queued: the backoff stays")
		require.True(t, again.NextAttemptAt.Equal(t0.Add(10*time.Second)))
		ok, err = store.FinishSyncJob(ctx, d, job, t0.Add(11*time.Second))
		require.NoError(t, err)
		require.False(t, ok, "the generation the worker ran is not the latest")
		ok, err = store.FinishSyncJob(ctx, d, again, t0.Add(11*time.Second))
		require.NoError(t, err)
		require.True(t, ok)
		require.NoError(t, store.RequestSyncJob(ctx, d, "a", store.JobAppState, "regular_low", t0.Add(time.Minute)))
		fresh, err := store.NextSyncJob(ctx, d, "a")
		require.NoError(t, err)
		require.Equal(t, store.JobQueued, fresh.State)
		require.Zero(t, fresh.Attempts, "asked again after it was done: queued afresh")
		require.True(t, fresh.NextAttemptAt.Equal(t0.Add(time.Minute)))
		require.True(t, fresh.DoneAt.IsZero())

		pruned, err := store.PruneSyncJobs(ctx, d, "a", t0.Add(time.Hour))
		require.NoError(t, err)
		require.Equal(t, 2, pruned, "the done and failed history jobs")
	})
}
