package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Sync job kinds.
const (
	// JobHistory downloads and stores one history sync blob; its id is the
	// WhatsApp id of the message that announced the blob, its payload the
	// base64 of the HistorySyncNotification.
	JobHistory = "history"
	// JobAppState resyncs one app state collection in full; its id is the
	// collection's name.
	JobAppState = "app_state"
)

// Sync job states.
const (
	JobQueued = "queued" // to do, at NextAttemptAt
	JobDone   = "done"
	JobFailed = "failed" // can never succeed; LastError says why
)

// SyncJob is a unit of work that survives failures and restarts (history
// blobs to store, app state collections to resync). See the migration of
// wauser_sync_jobs.
type SyncJob struct {
	bun.BaseModel `bun:"table:wauser_sync_jobs"`

	AccountID     string    `bun:"account_id,pk"`
	Kind          string    `bun:"kind,pk"`
	ID            string    `bun:"id,pk"`
	Payload       string    `bun:"payload,notnull"`
	State         string    `bun:"state,notnull"`
	Generation    int64     `bun:"generation,notnull"`
	Attempts      int       `bun:"attempts,notnull"`
	LastError     string    `bun:"last_error,notnull"`
	CreatedAt     time.Time `bun:"created_at,notnull"`
	NextAttemptAt time.Time `bun:"next_attempt_at,notnull"`
	DoneAt        time.Time `bun:"done_at,nullzero"`
}

// QueueSyncJob stores j as a queued job due at once, unless the account
// already has a job of that kind and id (queued, done or failed: a
// history notification delivered again is not stored twice). It reports
// whether j was stored.
func QueueSyncJob(ctx context.Context, db bun.IDB, j *SyncJob) (bool, error) {
	j.State, j.Generation = JobQueued, 1
	j.CreatedAt = j.CreatedAt.UTC()
	j.NextAttemptAt = j.CreatedAt
	res, err := db.NewInsert().Model(j).On("CONFLICT (account_id, kind, id) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store: queue %s job: %w", j.Kind, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: queue %s job: %w", j.Kind, err)
	}
	return n > 0, nil
}

// RequestSyncJob queues the job kind/id of account, due now, or asks for
// it again: a queued job keeps its due time and attempts (its backoff), a
// done or failed one is queued afresh; either way its generation grows.
func RequestSyncJob(ctx context.Context, db bun.IDB, account, kind, id string, now time.Time) error {
	now = now.UTC()
	_, err := db.NewRaw(`INSERT INTO wauser_sync_jobs (account_id, kind, id, payload, state, generation, attempts, last_error, created_at, next_attempt_at)
		VALUES (?, ?, ?, '', ?, 1, 0, '', ?, ?)
		ON CONFLICT (account_id, kind, id) DO UPDATE SET
			generation = wauser_sync_jobs.generation + 1,
			attempts = CASE WHEN wauser_sync_jobs.state = ? THEN wauser_sync_jobs.attempts ELSE 0 END,
			next_attempt_at = CASE WHEN wauser_sync_jobs.state = ? THEN wauser_sync_jobs.next_attempt_at ELSE EXCLUDED.next_attempt_at END,
			state = ?, done_at = NULL`,
		account, kind, id, JobQueued, now, now, JobQueued, JobQueued, JobQueued).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: request %s job %s: %w", kind, id, err)
	}
	return nil
}

// NextSyncJob returns the account's queued job due first (possibly not due
// yet), or ErrNotFound.
func NextSyncJob(ctx context.Context, db bun.IDB, account string) (*SyncJob, error) {
	j := new(SyncJob)
	err := db.NewSelect().Model(j).Where("account_id = ? AND state = ?", account, JobQueued).
		Order("next_attempt_at", "created_at", "kind", "id").Limit(1).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: next sync job: %w", notFound(err))
	}
	return j, nil
}

// FinishSyncJob marks j done, if it is still queued at j's generation
// (nobody asked for it again meanwhile), and reports whether it did.
func FinishSyncJob(ctx context.Context, db bun.IDB, j *SyncJob, now time.Time) (bool, error) {
	res, err := db.NewUpdate().Model((*SyncJob)(nil)).
		Set("state = ?", JobDone).Set("done_at = ?", now.UTC()).Set("payload = ''").Set("last_error = ''").
		Where("account_id = ? AND kind = ? AND id = ? AND state = ? AND generation = ?", j.AccountID, j.Kind, j.ID, JobQueued, j.Generation).
		Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store: finish %s job: %w", j.Kind, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: finish %s job: %w", j.Kind, err)
	}
	return n > 0, nil
}

// RetrySyncJob records a failed attempt of j: it is due again at next.
func RetrySyncJob(ctx context.Context, db bun.IDB, j *SyncJob, reason string, next time.Time) error {
	_, err := db.NewUpdate().Model((*SyncJob)(nil)).
		Set("attempts = attempts + 1").Set("last_error = ?", reason).Set("next_attempt_at = ?", next.UTC()).
		Where("account_id = ? AND kind = ? AND id = ? AND state = ?", j.AccountID, j.Kind, j.ID, JobQueued).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: retry %s job: %w", j.Kind, err)
	}
	return nil
}

// FailSyncJob marks j failed for good, with reason.
func FailSyncJob(ctx context.Context, db bun.IDB, j *SyncJob, reason string, now time.Time) error {
	_, err := db.NewUpdate().Model((*SyncJob)(nil)).
		Set("state = ?", JobFailed).Set("attempts = attempts + 1").Set("last_error = ?", reason).Set("done_at = ?", now.UTC()).
		Where("account_id = ? AND kind = ? AND id = ? AND state = ?", j.AccountID, j.Kind, j.ID, JobQueued).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: fail %s job: %w", j.Kind, err)
	}
	return nil
}

// ResumeSyncJobs makes the account's queued jobs due at now (a restart
// retries at once what was waiting for its backoff).
func ResumeSyncJobs(ctx context.Context, db bun.IDB, account string, now time.Time) error {
	_, err := db.NewUpdate().Model((*SyncJob)(nil)).Set("next_attempt_at = ?", now.UTC()).
		Where("account_id = ? AND state = ? AND next_attempt_at > ?", account, JobQueued, now.UTC()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: resume sync jobs: %w", err)
	}
	return nil
}

// CountSyncJobs counts the account's jobs of kind in state.
func CountSyncJobs(ctx context.Context, db bun.IDB, account, kind, state string) (int, error) {
	n, err := db.NewSelect().Model((*SyncJob)(nil)).
		Where("account_id = ? AND kind = ? AND state = ?", account, kind, state).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: count sync jobs: %w", err)
	}
	return int(n), nil
}

// ListSyncJobs returns the account's jobs of kind, oldest first.
func ListSyncJobs(ctx context.Context, db bun.IDB, account, kind string) ([]*SyncJob, error) {
	var out []*SyncJob
	err := db.NewSelect().Model(&out).Where("account_id = ? AND kind = ?", account, kind).
		Order("created_at", "id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: list sync jobs: %w", err)
	}
	return out, nil
}

// PruneSyncJobs deletes the account's done and failed jobs that ended
// before before, and returns how many it deleted.
func PruneSyncJobs(ctx context.Context, db bun.IDB, account string, before time.Time) (int, error) {
	res, err := db.NewDelete().Model((*SyncJob)(nil)).
		Where("account_id = ? AND state IN (?) AND done_at < ?", account, bun.List([]string{JobDone, JobFailed}), before.UTC()).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: prune sync jobs: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune sync jobs: %w", err)
	}
	return int(n), nil
}
