package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// NextCounter reserves n consecutive values of the account's counter name
// inside tx and returns the first; the reserved values are first..first+n-1.
//
// The counter row stays locked until tx ends, so on PostgreSQL concurrent
// writers of one account serialize here and values become visible in commit
// order: a reader that has seen value v never later sees a smaller one
// appear. On SQLite the immediate transaction already serializes writers.
func NextCounter(ctx context.Context, tx bun.IDB, account, name string, n int64) (int64, error) {
	if n < 1 {
		return 0, fmt.Errorf("store: reserve %d values of counter %s", n, name)
	}
	var last int64
	err := tx.NewUpdate().Model((*Counter)(nil)).
		Set("value = value + ?", n).
		Where("account_id = ? AND name = ?", account, name).
		Returning("value").
		Scan(ctx, &last)
	if err != nil {
		return 0, fmt.Errorf("store: counter %s of account %q: %w", name, account, notFound(err))
	}
	return last - n + 1, nil
}

// InsertEvents appends events to the outbox inside tx, numbering them with
// the account's event counter (the Seq fields are overwritten). All events
// must belong to one account. Given the ctx of Store.RunInTx, it has the
// consumers woken when the transaction commits.
func InsertEvents(ctx context.Context, tx bun.IDB, events []*Event) error {
	if len(events) == 0 {
		return nil
	}
	if note, ok := ctx.Value(txNoteKey{}).(*txNote); ok {
		note.events.Store(true)
	}
	account := events[0].AccountID
	first, err := NextCounter(ctx, tx, account, CounterEvent, int64(len(events)))
	if err != nil {
		return err
	}
	for i, e := range events {
		if e.AccountID != account {
			return fmt.Errorf("store: events of accounts %q and %q in one call", account, e.AccountID)
		}
		e.Seq = first + int64(i)
	}
	if _, err := tx.NewInsert().Model(&events).Exec(ctx); err != nil {
		return fmt.Errorf("store: insert events: %w", err)
	}
	return nil
}

// ListEvents returns up to limit events of account with seq > after, in
// order.
func (s *Store) ListEvents(ctx context.Context, account string, after int64, limit int) ([]*Event, error) {
	events := []*Event{}
	err := s.db.NewSelect().Model(&events).
		Where("account_id = ? AND seq > ?", account, after).
		Order("seq").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: list events: %w", err)
	}
	return events, nil
}
