package ingest

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/wauser/wauser/internal/store"
)

// recordError says that a record WhatsApp sent cannot be stored (a JID that
// addresses no chat or person, a merge chain that never ends, ...). The
// ingestion skips such a record with a logged reason and counts it (on the
// account, and in the history.sync event); the rest of its batch is stored.
// Any other error (the database's) fails the whole transaction, which is
// then retried.
type recordError struct{ reason string }

func (e *recordError) Error() string { return e.reason }

// skipf returns a recordError.
func skipf(format string, args ...any) error {
	return &recordError{reason: fmt.Sprintf(format, args...)}
}

// isSkip reports whether err says a record cannot be stored.
func isSkip(err error) bool {
	var re *recordError
	return errors.As(err, &re)
}

// skip records that a record cannot be stored: its reason is logged, and
// it is counted on the account (and, in a history blob, in its
// history.sync event).
func (t *Tx) skip(format string, args ...any) {
	t.skipped++
	if t.hist != nil {
		t.hist.skipped++
	}
	t.in.opts.Logger.Warn("ingest: skipped a record WhatsApp sent that cannot be stored",
		"account", t.acc.ID, "reason", fmt.Sprintf(format, args...))
}

// guard runs fn, the storing of one record of a batch: a record that
// cannot be stored (a recordError, or a panic on odd input) is skipped and
// counted, and the batch goes on; any other error fails the batch.
func (t *Tx) guard(what string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			t.skip("%s: panic: %v", what, r)
			err = nil
		}
	}()
	if err = fn(); isSkip(err) {
		t.skip("%s: %v", what, err)
		return nil
	}
	return err
}

// countSkipped counts, in a transaction of its own, a live event that
// cannot be stored (its own transaction was rolled back).
func (in *Ingester) countSkipped(ctx context.Context, acc *Account, cause error) error {
	in.opts.Logger.Warn("ingest: skipped an event WhatsApp sent that cannot be stored", "account", acc.ID, "reason", cause.Error())
	return in.st.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return store.AddSkipped(ctx, tx, acc.ID, 1)
	})
}
