package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Outbox consumer names.
const (
	ConsumerWebhooks = "webhooks" // fans events out into webhook deliveries
	ConsumerHandlers = "handlers" // runs the in-process event handlers
)

// ErrConflict is returned when another writer moved a consumer cursor
// first; the caller re-reads and tries again.
var ErrConflict = errors.New("store: concurrent update")

// Backlog is an account with events that a consumer has not consumed yet:
// those with Cursor < seq <= Last.
type Backlog struct {
	AccountID string `bun:"account_id"`
	Cursor    int64  `bun:"cursor"`
	Last      int64  `bun:"last"`
}

// EventBacklog returns the accounts whose events consumer has not consumed
// to the end, in account order.
func (s *Store) EventBacklog(ctx context.Context, consumer string) ([]Backlog, error) {
	out := []Backlog{}
	err := s.db.NewSelect().
		TableExpr("wauser_counters AS c").
		Join("LEFT JOIN wauser_event_consumers AS k ON k.account_id = c.account_id AND k.name = ?", consumer).
		ColumnExpr("c.account_id AS account_id, COALESCE(k.seq, 0) AS cursor, c.value AS last").
		Where("c.name = ? AND c.value > COALESCE(k.seq, 0)", CounterEvent).
		Order("c.account_id").
		Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("store: event backlog: %w", err)
	}
	return out, nil
}

// AdvanceConsumer moves consumer's cursor over account's events from from to
// to inside tx. It returns ErrConflict when the cursor is no longer at from
// (another process consumed the events first).
func AdvanceConsumer(ctx context.Context, tx bun.IDB, account, consumer string, from, to int64) error {
	if from == 0 {
		_, err := tx.NewInsert().Model(&EventConsumer{AccountID: account, Name: consumer}).
			On("CONFLICT (account_id, name) DO NOTHING").Exec(ctx)
		if err != nil {
			return fmt.Errorf("store: consumer %s: %w", consumer, err)
		}
	}
	res, err := tx.NewUpdate().Model((*EventConsumer)(nil)).Set("seq = ?", to).
		Where("account_id = ? AND name = ? AND seq = ?", account, consumer, from).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: consumer %s: %w", consumer, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: consumer %s: %w", consumer, err)
	} else if n == 0 {
		return fmt.Errorf("store: consumer %s of account %q: %w", consumer, account, ErrConflict)
	}
	return nil
}

// InsertDeliveries queues deliveries inside tx. They enter as queued and the
// oldest of each (webhook, ordering key) without an active delivery becomes
// pending, due at now. A delivery that already exists (same webhook and
// event) is skipped, so fanning an event out twice is harmless.
func InsertDeliveries(ctx context.Context, tx bun.IDB, ds []*WebhookDelivery, now time.Time) error {
	if len(ds) == 0 {
		return nil
	}
	type key struct{ hook, ordering string }
	keys := make([]key, 0, len(ds))
	seen := make(map[key]bool, len(ds))
	for _, d := range ds {
		d.State = DeliveryQueued
		k := key{d.WebhookID, d.OrderingKey}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	if _, err := tx.NewInsert().Model(&ds).On("CONFLICT (webhook_id, event_id) DO NOTHING").Exec(ctx); err != nil {
		return fmt.Errorf("store: insert deliveries: %w", err)
	}
	for _, k := range keys {
		if err := promote(ctx, tx, k.hook, k.ordering, now); err != nil {
			return err
		}
	}
	return nil
}

// promote makes the oldest queued delivery of (hook, ordering) pending, due
// at now, unless one is pending already.
func promote(ctx context.Context, tx bun.IDB, hook, ordering string, now time.Time) error {
	_, err := tx.NewUpdate().Model((*WebhookDelivery)(nil)).
		Set("state = ?", DeliveryPending).
		Set("next_attempt_at = ?", now).
		Where("id = (?)", tx.NewSelect().Model((*WebhookDelivery)(nil)).Column("id").
			Where("webhook_id = ? AND ordering_key = ? AND state = ?", hook, ordering, DeliveryQueued).
			Order("event_seq", "id").Limit(1)).
		Where("NOT EXISTS (?)", tx.NewSelect().Model((*WebhookDelivery)(nil)).ColumnExpr("1").
			Where("webhook_id = ? AND ordering_key = ? AND state = ?", hook, ordering, DeliveryPending)).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: promote delivery: %w", err)
	}
	return nil
}

// ClaimDeliveries leases up to limit due deliveries (pending, next attempt
// at or before now, not leased by another worker) until now+lease, soonest
// due first. This is the only place deliveries are claimed.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*WebhookDelivery, error) {
	ds := []*WebhookDelivery{}
	err := s.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewSelect().Model(&ds).
			Where("state = ? AND next_attempt_at <= ?", DeliveryPending, now).
			Where("(claimed_until IS NULL OR claimed_until < ?)", now).
			Order("next_attempt_at", "id").Limit(int64(limit)).Scan(ctx)
		if err != nil || len(ds) == 0 {
			return err
		}
		ids := make([]string, len(ds))
		for i, d := range ds {
			ids[i] = d.ID
			d.ClaimedUntil = now.Add(lease)
		}
		_, err = tx.NewUpdate().Model((*WebhookDelivery)(nil)).Set("claimed_until = ?", now.Add(lease)).
			Where("id IN (?)", bun.In(ids)).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim deliveries: %w", err)
	}
	return ds, nil
}

// NextDeliveryDue returns when the next unleased pending delivery falls due;
// ok is false when there is none.
func (s *Store) NextDeliveryDue(ctx context.Context) (due time.Time, ok bool, err error) {
	d := new(WebhookDelivery)
	err = s.db.NewSelect().Model(d).Column("next_attempt_at").
		Where("state = ? AND claimed_until IS NULL", DeliveryPending).
		Order("next_attempt_at").Limit(1).Scan(ctx)
	if err != nil {
		if errors.Is(notFound(err), ErrNotFound) {
			return time.Time{}, false, nil
		}
		return time.Time{}, false, fmt.Errorf("store: next delivery: %w", err)
	}
	return d.NextAttemptAt, true, nil
}

// DeliveryResult is the outcome of one attempt to deliver.
type DeliveryResult struct {
	Delivery *WebhookDelivery // as claimed
	State    string           // DeliveryDelivered, DeliveryFailed, DeliveryDead, or DeliveryPending to retry
	Status   int              // HTTP status, 0 when none
	Error    string
	At       time.Time // when the attempt ended
	Next     time.Time // the next attempt, when State is DeliveryPending
	// Released means no attempt was made (the worker stopped first): only
	// the lease is dropped.
	Released bool
}

// RecordDeliveries stores results in one transaction. A delivery that ends
// (delivered, failed, dead) lets the next queued delivery of its endpoint and
// conversation become pending.
func (s *Store) RecordDeliveries(ctx context.Context, results []DeliveryResult) error {
	if len(results) == 0 {
		return nil
	}
	err := s.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, r := range results {
			d := r.Delivery
			q := tx.NewUpdate().Model((*WebhookDelivery)(nil)).Set("claimed_until = NULL").
				Where("id = ?", d.ID)
			if r.Released {
				if _, err := q.Exec(ctx); err != nil {
					return err
				}
				continue
			}
			q = q.Set("state = ?", r.State).
				Set("attempts = attempts + 1").
				Set("last_status = ?", r.Status).
				Set("last_error = ?", r.Error).
				Set("last_attempt_at = ?", r.At).
				Where("state = ?", DeliveryPending)
			switch r.State {
			case DeliveryPending:
				q = q.Set("next_attempt_at = ?", r.Next)
			case DeliveryDelivered:
				q = q.Set("delivered_at = ?", r.At)
			}
			if _, err := q.Exec(ctx); err != nil {
				return err
			}
			if r.State != DeliveryPending {
				if err := promote(ctx, tx, d.WebhookID, d.OrderingKey, r.At); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: record deliveries: %w", err)
	}
	return nil
}

// InsertDeliveryLog stores a delivery that was made outside the queue (a
// test ping), for the delivery log.
func (s *Store) InsertDeliveryLog(ctx context.Context, d *WebhookDelivery) error {
	if _, err := s.db.NewInsert().Model(d).Exec(ctx); err != nil {
		return fmt.Errorf("store: insert delivery: %w", err)
	}
	return nil
}

// ListDeliveriesOptions selects deliveries of one webhook.
type ListDeliveriesOptions struct {
	State  string // one state, or "" for all
	Limit  int
	Offset int
}

// ListDeliveries returns the deliveries of webhook hook of account, newest
// first.
func (s *Store) ListDeliveries(ctx context.Context, account, hook string, opts ListDeliveriesOptions) ([]*WebhookDelivery, error) {
	ds := []*WebhookDelivery{}
	q := s.db.NewSelect().Model(&ds).Where("account_id = ? AND webhook_id = ?", account, hook)
	if opts.State != "" {
		q = q.Where("state = ?", opts.State)
	}
	err := q.OrderExpr("created_at DESC, event_seq DESC, id DESC").Limit(int64(opts.Limit)).Offset(int64(opts.Offset)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: list deliveries: %w", err)
	}
	return ds, nil
}

// GetDelivery returns delivery id of account, or ErrNotFound.
func (s *Store) GetDelivery(ctx context.Context, account, id string) (*WebhookDelivery, error) {
	d := new(WebhookDelivery)
	if err := s.db.NewSelect().Model(d).Where("account_id = ? AND id = ?", account, id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: get delivery %q: %w", id, notFound(err))
	}
	return d, nil
}

// ReplayDeliveries queues again the failed and dead deliveries of webhook
// hook of account (only those in ids, when ids is not empty), keeping their
// order per conversation, and returns how many it queued. Their created_at
// becomes now, which restarts their retry horizon.
func (s *Store) ReplayDeliveries(ctx context.Context, account, hook string, ids []string, now time.Time) (int, error) {
	var n int
	err := s.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var keys []string
		q := tx.NewUpdate().Model((*WebhookDelivery)(nil)).
			Set("state = ?", DeliveryQueued).
			Set("next_attempt_at = ?", now).
			Set("created_at = ?", now).
			Set("claimed_until = NULL").
			Where("account_id = ? AND webhook_id = ?", account, hook).
			Where("state IN (?)", bun.In([]string{DeliveryFailed, DeliveryDead})).
			Returning("ordering_key")
		if len(ids) > 0 {
			q = q.Where("id IN (?)", bun.In(ids))
		}
		if err := q.Scan(ctx, &keys); err != nil {
			return err
		}
		n = len(keys)
		done := map[string]bool{}
		for _, k := range keys {
			if !done[k] {
				done[k] = true
				if err := promote(ctx, tx, hook, k, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: replay deliveries: %w", err)
	}
	return n, nil
}

// RepairQueues promotes the head of every queue that has queued deliveries
// but none pending. That can only happen when, on PostgreSQL, a fan-out and
// the end of the delivery before it commit at the same moment; workers run it
// from time to time.
func (s *Store) RepairQueues(ctx context.Context, now time.Time) error {
	var heads []struct {
		WebhookID   string `bun:"webhook_id"`
		OrderingKey string `bun:"ordering_key"`
	}
	err := s.db.NewSelect().Model((*WebhookDelivery)(nil)).
		ColumnExpr("DISTINCT webhook_id, ordering_key").
		Where("state = ?", DeliveryQueued).
		Where("NOT EXISTS (SELECT 1 FROM wauser_webhook_deliveries AS p WHERE p.webhook_id = webhook_delivery.webhook_id AND p.ordering_key = webhook_delivery.ordering_key AND p.state = ?)", DeliveryPending).
		Scan(ctx, &heads)
	if err != nil {
		return fmt.Errorf("store: repair queues: %w", err)
	}
	if len(heads) == 0 {
		return nil
	}
	return s.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, h := range heads {
			if err := promote(ctx, tx, h.WebhookID, h.OrderingKey, now); err != nil {
				return err
			}
		}
		return nil
	})
}
