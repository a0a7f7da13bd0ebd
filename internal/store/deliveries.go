package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/wauser/wauser/internal/sqldialect"
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
//
// Called first in tx, it also claims the events: the cursor row stays
// locked until tx ends, so a process consuming the same events at the same
// time waits, then finds the cursor moved (ErrConflict) before doing the
// work twice.
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
func (s *Store) InsertDeliveries(ctx context.Context, tx bun.IDB, ds []*WebhookDelivery, now time.Time) error {
	if len(ds) == 0 {
		return nil
	}
	keys := make([]queueKey, 0, len(ds))
	seen := make(map[queueKey]bool, len(ds))
	for _, d := range ds {
		d.State = DeliveryQueued
		k := queueKey{d.WebhookID, d.OrderingKey}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	// A body is stored once (deliveries of one event to several webhooks
	// share it), and the deliveries name it.
	var bodies []*WebhookBody
	bodySeen := map[string]bool{}
	for _, d := range ds {
		if d.BodyID != "" && !bodySeen[d.BodyID] {
			bodySeen[d.BodyID] = true
			bodies = append(bodies, &WebhookBody{ID: d.BodyID, Body: d.Payload, CreatedAt: d.CreatedAt})
		}
	}
	if len(bodies) > 0 {
		if err := insertNew(ctx, s.dialect, tx, bodies, "id", "delivery bodies"); err != nil {
			return err
		}
	}
	payloads := make([]string, len(ds))
	for i, d := range ds {
		if d.BodyID != "" {
			payloads[i], d.Payload = d.Payload, ""
		}
	}
	err := insertNew(ctx, s.dialect, tx, ds, "webhook_id, event_id", "deliveries")
	for i, d := range ds {
		if d.BodyID != "" {
			d.Payload = payloads[i]
		}
	}
	if err != nil {
		return err
	}
	// Where the database locks rows, wait for the transactions that are
	// ending the active delivery of one of these queues (recordDeliveries
	// locks it): once they commit, promote below sees the queue without it
	// and promotes the next, while they, committed before these rows were,
	// could not see them. Without the wait such a queue would stall until
	// RepairQueues. Locks are taken in id order, as recordDeliveries takes
	// its own, so the two never deadlock.
	if err := forEachChunk(keys, 400, func(part []queueKey) error {
		return s.dialect.LockRows(ctx, tx.NewSelect().Model((*WebhookDelivery)(nil)).Column("id").
			Where("state = ?", DeliveryPending).
			Where("(webhook_id, ordering_key) IN (?)", keyValues(part)).
			Order("id"), sqldialect.RowShare)
	}); err != nil {
		return fmt.Errorf("store: lock active deliveries: %w", err)
	}
	return promote(ctx, tx, keys, now)
}

// queueKey names the queue of one endpoint and conversation.
type queueKey struct{ hook, ordering string }

// keyValues renders keys as a list of row values: (?, ?), (?, ?), ...
func keyValues(keys []queueKey) bun.Safe {
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		b.WriteString(quote(k.hook))
		b.WriteString(", ")
		b.WriteString(quote(k.ordering))
		b.WriteString(")")
	}
	return bun.Safe(b.String())
}

// quote renders s as an SQL string literal (ids and conversation ids: no
// NUL bytes).
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func forEachChunk[T any](xs []T, size int, fn func([]T) error) error {
	for len(xs) > 0 {
		n := min(len(xs), size)
		if err := fn(xs[:n]); err != nil {
			return err
		}
		xs = xs[n:]
	}
	return nil
}

// promoteAndClaim makes the oldest queued delivery of each of keys
// pending, like promote, and at once claims the promoted deliveries until
// claimUntil, returning them: the pump sends the next delivery of a queue
// without another write to claim it.
func promoteAndClaim(ctx context.Context, tx bun.IDB, keys []queueKey, claimUntil time.Time) ([]*WebhookDelivery, error) {
	var out []*WebhookDelivery
	err := forEachChunk(keys, 400, func(part []queueKey) error {
		var ds []*WebhookDelivery
		err := tx.NewRaw(`UPDATE wauser_webhook_deliveries SET state = ?, next_attempt_at = ?, claimed_until = ?
			WHERE state = ? AND id IN (`+promoteHeads+`) RETURNING `+claimedReturning("wauser_webhook_deliveries"),
			DeliveryPending, claimUntil.UTC(), claimUntil.UTC(), DeliveryQueued, DeliveryQueued, keyValues(part), DeliveryPending).Scan(ctx, &ds)
		out = append(out, ds...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: promote deliveries: %w", err)
	}
	return out, nil
}

// claimedColumns are what a worker needs of a claimed delivery.
// The body comes with the row (no round trip more per claim).
const claimedColumns = "id, webhook_id, account_id, event_id, event_type, ordering_key, event_seq, " +
	"CASE WHEN body_id = '' THEN payload ELSE (SELECT b.body FROM wauser_webhook_bodies AS b WHERE b.id = body_id) END AS payload, " +
	"body_id, state, attempts, next_attempt_at, claimed_until, created_at"

// claimedReturning is what a claim returns of the claimed rows of table
// (its name in the statement): claimedColumns, and whether the queue has
// queued deliveries behind the row (Behind), so that followers are looked
// for only where there are some.
func claimedReturning(table string) string {
	return claimedColumns + ", EXISTS (SELECT 1 FROM wauser_webhook_deliveries AS n" +
		" WHERE n.webhook_id = " + table + ".webhook_id AND n.ordering_key = " + table + ".ordering_key" +
		" AND n.state = '" + DeliveryQueued + "' AND n.id <> " + table + ".id) AS behind"
}

// promoteHeads selects the head of each queue given as VALUES that has no
// pending delivery; its arguments are the queued state, the VALUES rows and
// the pending state.
const promoteHeads = `SELECT (SELECT q.id FROM wauser_webhook_deliveries AS q
		WHERE q.webhook_id = k.column1 AND q.ordering_key = k.column2 AND q.state = ?
		ORDER BY q.event_seq LIMIT 1)
	FROM (VALUES ?) AS k
	WHERE NOT EXISTS (SELECT 1 FROM wauser_webhook_deliveries AS p
		WHERE p.webhook_id = k.column1 AND p.ordering_key = k.column2 AND p.state = ?)`

// promote makes the oldest queued delivery of each of keys pending, due at
// now, unless the queue has a pending delivery already: one statement per
// 400 queues. Within a queue event_seq is unique (a webhook belongs to one
// account and gets one delivery per event), so ordering by it alone lets
// the queue index find the head without sorting.
func promote(ctx context.Context, tx bun.IDB, keys []queueKey, now time.Time) error {
	err := forEachChunk(keys, 400, func(part []queueKey) error {
		_, err := tx.ExecContext(ctx, `UPDATE wauser_webhook_deliveries SET state = ?, next_attempt_at = ?
			WHERE state = ? AND id IN (`+promoteHeads+`)`,
			DeliveryPending, now.UTC(), DeliveryQueued, DeliveryQueued, keyValues(part), DeliveryPending)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: promote deliveries: %w", err)
	}
	return nil
}

// ClaimDeliveries records the results of earlier attempts (see
// RecordDeliveries), then leases up to limit due deliveries (pending, next
// attempt at or before now, not leased by another worker) until now+lease,
// soonest due first, all in one transaction. This is the only place
// deliveries are claimed.
//
// On PostgreSQL the rows are claimed with FOR UPDATE SKIP LOCKED: workers of
// any number of processes claim disjoint deliveries without waiting for each
// other. Order per endpoint and conversation holds because only the oldest
// undelivered delivery of each is ever pending.
//
// With follow > 0, each claimed delivery carries up to follow of the
// queued deliveries behind it in its queue (Followers), read once the claim
// committed and not written: no other worker sends them while the claim
// holds the queue's head. A worker sends them in order after the head, each
// only once the one before it ended (delivered, failed or dead), and hands
// in all their results together. A follower it did not send is left out of
// the results (or reported as released, which leaves it alone): it stays
// queued, and heads its queue once the delivery before it is recorded as
// ended. A queue of n deliveries then takes one claim and one record, not n
// of each.
func (s *Store) ClaimDeliveries(ctx context.Context, results []DeliveryResult, now time.Time, lease time.Duration, limit, follow int) ([]*WebhookDelivery, error) {
	ds := []*WebhookDelivery{}
	err := s.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		ds = ds[:0]
		var claimUntil time.Time
		if limit > 0 {
			claimUntil = now.Add(lease)
		}
		next, err := s.recordDeliveries(ctx, tx, results, claimUntil, limit)
		if err != nil {
			return err
		}
		ds = append(ds, next...)
		if limit -= len(next); limit <= 0 {
			return nil
		}
		now := now.UTC()
		// A claim moves next_attempt_at to its end too, so the due index
		// holds only what is claimable (and what a dead worker left, once
		// its claim ran out).
		due := tx.NewSelect().Model((*WebhookDelivery)(nil)).Column("id").
			Where("state = ? AND next_attempt_at <= ?", DeliveryPending, now).
			Order("next_attempt_at", "id").Limit(int64(limit))
		due = s.dialect.SkipLocked(due)
		var claimed []*WebhookDelivery
		err = tx.NewRaw("UPDATE wauser_webhook_deliveries SET claimed_until = ?, next_attempt_at = ? WHERE id IN (?) RETURNING "+
			claimedReturning("wauser_webhook_deliveries"), claimUntil.UTC(), claimUntil.UTC(), due).Scan(ctx, &claimed)
		if err != nil {
			return fmt.Errorf("claim: %w", err)
		}
		ds = append(ds, claimed...)
		return nil
	})
	if err == nil && follow > 0 && len(ds) > 0 {
		// After the commit, so that the transaction (SQLite's write lock,
		// PostgreSQL's row locks) ends sooner. The claim and the results
		// are committed by now: when the read fails, the claimed deliveries
		// go without followers rather than get lost until their lease ends.
		if ferr := s.followers(ctx, ds, follow); ferr != nil {
			for _, d := range ds {
				d.Followers = nil
			}
			s.log.Warn("wauser: read the queued deliveries behind claimed ones", slog.Any("error", ferr))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: claim deliveries: %w", err)
	}
	slices.SortFunc(ds, func(a, b *WebhookDelivery) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return ds, nil
}

// followers sets the Followers of each of heads: up to n queued deliveries
// of its queue, oldest first, each with the head's claim. On PostgreSQL one
// LATERAL join per 400 queues walks the queued index of each queue for n
// rows; SQLite, in process and without LATERAL, runs one prepared
// statement per queue.
//
// A queue's followers are read only while its head is still pending, in
// the same statement (one snapshot): when a worker whose claim on the head
// had run out records its end first (and the queue moved on), the head
// goes alone, and the queue's order holds.
func (s *Store) followers(ctx context.Context, heads []*WebhookDelivery, n int) error {
	byKey := make(map[queueKey]*WebhookDelivery, len(heads))
	keys := make([]queueKey, 0, len(heads))
	for _, h := range heads {
		if !h.Behind {
			continue
		}
		k := queueKey{h.WebhookID, h.OrderingKey}
		if _, dup := byKey[k]; !dup {
			keys = append(keys, k)
		}
		byKey[k] = h
	}
	add := func(rows *sql.Rows) error {
		defer rows.Close()
		var (
			ts      [3]timeColumn
			payload sql.NullString // NULL when a body is missing: sent empty, as bun reads it
		)
		for rows.Next() {
			f := new(WebhookDelivery)
			ts[0].t, ts[1].t, ts[2].t = &f.NextAttemptAt, &f.ClaimedUntil, &f.CreatedAt
			if err := rows.Scan(&f.ID, &f.WebhookID, &f.AccountID, &f.EventID, &f.EventType, &f.OrderingKey, &f.EventSeq,
				&payload, &f.BodyID, &f.State, &f.Attempts, &ts[0], &ts[1], &ts[2]); err != nil {
				return err
			}
			f.Payload = payload.String
			if h := byKey[queueKey{f.WebhookID, f.OrderingKey}]; h != nil && f.ID != h.ID {
				f.ClaimedUntil = h.ClaimedUntil
				h.Followers = append(h.Followers, f)
			}
		}
		return rows.Err()
	}
	if len(keys) == 0 {
		return nil
	}
	var err error
	if s.db.Dialect().Name() != dialect.SQLite {
		err = forEachChunk(keys, 400, func(part []queueKey) error {
			var vals strings.Builder
			for i, k := range part {
				if i > 0 {
					vals.WriteString(", ")
				}
				vals.WriteString("(" + quote(k.hook) + ", " + quote(k.ordering) + ", " + quote(byKey[k].ID) + ")")
			}
			rows, err := s.db.DB.QueryContext(ctx, "SELECT f.* FROM (VALUES "+vals.String()+") AS k (hook, ord, head)"+
				" CROSS JOIN LATERAL (SELECT "+claimedColumns+" FROM wauser_webhook_deliveries AS q"+
				" WHERE q.webhook_id = k.hook AND q.ordering_key = k.ord AND q.state = '"+DeliveryQueued+"'"+
				" ORDER BY q.event_seq LIMIT "+strconv.Itoa(n)+") AS f"+
				" WHERE EXISTS (SELECT 1 FROM wauser_webhook_deliveries AS h WHERE h.id = k.head AND h.state = '"+DeliveryPending+"')")
			if err != nil {
				return err
			}
			return add(rows)
		})
	} else {
		// The limit is in the text: SQLite re-prepares a statement whenever
		// a parameter its planner looked at (a LIMIT) is bound again.
		var st *sql.Stmt
		st, err = s.prepared(ctx, "SELECT "+claimedColumns+" FROM wauser_webhook_deliveries"+
			" WHERE webhook_id = ? AND ordering_key = ? AND state = '"+DeliveryQueued+"'"+
			" AND EXISTS (SELECT 1 FROM wauser_webhook_deliveries AS h WHERE h.id = ? AND h.state = '"+DeliveryPending+"')"+
			" ORDER BY event_seq LIMIT "+strconv.Itoa(n))
		for _, k := range keys {
			if err != nil {
				break
			}
			var rows *sql.Rows
			if rows, err = st.QueryContext(ctx, k.hook, k.ordering, byKey[k].ID); err == nil {
				err = add(rows)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("followers: %w", err)
	}
	// In queue order, whatever order the join produced them in.
	for _, h := range heads {
		slices.SortFunc(h.Followers, func(a, b *WebhookDelivery) int { return cmp.Compare(a.EventSeq, b.EventSeq) })
	}
	return nil
}

// fillBodies sets the Payload of those of ds whose body is stored apart
// (BodyID), with one query per 500 bodies.
func fillBodies(ctx context.Context, db bun.IDB, ds []*WebhookDelivery) error {
	var want []string
	seen := map[string]bool{}
	for _, d := range ds {
		if d.BodyID != "" && d.Payload == "" && !seen[d.BodyID] {
			seen[d.BodyID] = true
			want = append(want, d.BodyID)
		}
	}
	if len(want) == 0 {
		return nil
	}
	bodies := make(map[string]string, len(want))
	err := forEachChunk(want, 500, func(part []string) error {
		var rows []WebhookBody
		if err := db.NewSelect().Model(&rows).Column("id", "body").Where("id IN (?)", bun.List(part)).Scan(ctx); err != nil {
			return err
		}
		for _, r := range rows {
			bodies[r.ID] = r.Body
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delivery bodies: %w", err)
	}
	for _, d := range ds {
		if d.BodyID != "" && d.Payload == "" {
			d.Payload = bodies[d.BodyID]
		}
	}
	return nil
}

// NextDeliveryDue returns when the next unclaimed pending delivery falls
// due; ok is false when there is none. (Claims that run out are found by
// the workers' poll.)
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
	// Released means no attempt was made (the worker stopped first): the
	// claim is dropped and the delivery is due again at At. A released
	// follower (still queued) is left as it is.
	Released bool
}

// RecordDeliveries stores results in one transaction. A delivery that ends
// (delivered, failed, dead) lets the next queued delivery of its endpoint and
// conversation become pending.
func (s *Store) RecordDeliveries(ctx context.Context, results []DeliveryResult) error {
	if len(results) == 0 {
		return nil
	}
	_, err := s.ClaimDeliveries(ctx, results, time.Time{}, 0, 0, 0)
	return err
}

// recordDeliveries stores results inside tx with a few statements whatever
// their number: the released leases in one, the attempts in one per 200
// (UPDATE ... FROM VALUES), and the promotion of the next delivery of every
// queue that ended in one per 400 queues. When claimUntil is set and limit
// covers them, the promoted deliveries are claimed and returned.
func (s *Store) recordDeliveries(ctx context.Context, tx bun.Tx, results []DeliveryResult, claimUntil time.Time, limit int) ([]*WebhookDelivery, error) {
	if len(results) == 0 {
		return nil, nil
	}
	var (
		released []string
		attempts []DeliveryResult
		ids      []string
		ended    []queueKey
		seen     = map[queueKey]bool{}
	)
	var releasedAt time.Time
	for _, r := range results {
		if r.Released {
			released = append(released, r.Delivery.ID)
			releasedAt = maxTime(releasedAt, r.At)
			continue
		}
		attempts = append(attempts, r)
		ids = append(ids, r.Delivery.ID)
		if k := (queueKey{r.Delivery.WebhookID, r.Delivery.OrderingKey}); r.State != DeliveryPending && !seen[k] {
			seen[k] = true
			ended = append(ended, k)
		}
	}
	if len(ids) > 0 {
		// Lock in id order, like InsertDeliveries: see there.
		slices.Sort(ids)
		if err := s.dialect.LockRows(ctx, tx.NewSelect().Model((*WebhookDelivery)(nil)).Column("id").
			Where("id IN (?)", bun.List(ids)).Order("id"), sqldialect.RowUpdate); err != nil {
			return nil, fmt.Errorf("record: lock: %w", err)
		}
	}
	if len(released) > 0 {
		// A follower that was not sent is still queued: nothing to undo.
		if _, err := tx.NewUpdate().Model((*WebhookDelivery)(nil)).Set("claimed_until = NULL").
			Set("next_attempt_at = ?", releasedAt.UTC()).
			Where("id IN (?) AND state = ?", bun.List(released), DeliveryPending).Exec(ctx); err != nil {
			return nil, fmt.Errorf("record: release: %w", err)
		}
	}
	ts := s.dialect.TimeParam()
	err := forEachChunk(attempts, 200, func(part []DeliveryResult) error {
		var b strings.Builder
		args := make([]any, 0, len(part)*6)
		for i, r := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "(?, ?, ?, ?, %s, %s)", ts, ts)
			next := r.Next
			if r.State != DeliveryPending {
				next = r.At // no next attempt: keep the last
			}
			args = append(args, r.Delivery.ID, r.State, r.Status, r.Error, r.At.UTC(), next.UTC())
		}
		query := `UPDATE wauser_webhook_deliveries AS d SET
				state = v.column2,
				attempts = d.attempts + 1,
				last_status = v.column3,
				last_error = v.column4,
				last_attempt_at = v.column5,
				next_attempt_at = v.column6,
				delivered_at = CASE WHEN v.column2 = '` + DeliveryDelivered + `' THEN v.column5 ELSE d.delivered_at END,
				claimed_until = NULL
			FROM (VALUES ` + b.String() + `) AS v
			WHERE d.id = v.column1 AND d.state IN ('` + DeliveryPending + `', '` + DeliveryQueued + `')`
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	if len(ended) == 0 {
		return nil, nil
	}
	at := attempts[len(attempts)-1].At
	for _, r := range attempts {
		at = maxTime(at, r.At)
	}
	if !claimUntil.IsZero() && limit >= len(ended) {
		return promoteAndClaim(ctx, tx, ended, claimUntil)
	}
	return nil, promote(ctx, tx, ended, at)
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
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

// ListDeliveries returns the deliveries of webhook hook of account (of
// every account's events, for a webhook for all accounts), newest first.
func (s *Store) ListDeliveries(ctx context.Context, account, hook string, opts ListDeliveriesOptions) ([]*WebhookDelivery, error) {
	ds := []*WebhookDelivery{}
	// By webhook: a webhook for all accounts has deliveries of every
	// account. The webhook's own account is checked.
	q := s.db.NewSelect().Model(&ds).Where("webhook_id = (?)",
		s.db.NewSelect().Model((*Webhook)(nil)).Column("id").Where("account_id = ? AND id = ?", account, hook))
	if opts.State != "" {
		q = q.Where("state = ?", opts.State)
	}
	err := q.OrderExpr("created_at DESC, event_seq DESC, id DESC").Limit(int64(opts.Limit)).Offset(int64(opts.Offset)).Scan(ctx)
	if err == nil {
		err = fillBodies(ctx, s.db, ds)
	}
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
	if err := fillBodies(ctx, s.db, []*WebhookDelivery{d}); err != nil {
		return nil, fmt.Errorf("store: get delivery %q: %w", id, err)
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
			Where("webhook_id = (?)", tx.NewSelect().Model((*Webhook)(nil)).Column("id").Where("account_id = ? AND id = ?", account, hook)).
			Where("state IN (?)", bun.List([]string{DeliveryFailed, DeliveryDead})).
			Returning("ordering_key")
		if len(ids) > 0 {
			q = q.Where("id IN (?)", bun.List(ids))
		}
		if err := q.Scan(ctx, &keys); err != nil {
			return err
		}
		n = len(keys)
		var queues []queueKey
		done := map[string]bool{}
		for _, k := range keys {
			if !done[k] {
				done[k] = true
				queues = append(queues, queueKey{hook, k})
			}
		}
		return promote(ctx, tx, queues, now)
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
	queues := make([]queueKey, 0, len(heads))
	for _, h := range heads {
		queues = append(queues, queueKey{h.WebhookID, h.OrderingKey})
	}
	return s.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return promote(ctx, tx, queues, now)
	})
}

// PruneOutbox deletes, in batches of 1,000 rows per statement, the finished
// deliveries (delivered, failed, dead) created before cutoff, the bodies
// that no delivery names any more, and the events
// that occurred before cutoff and that every consumer has consumed. It
// returns how many rows it deleted, and stops early when ctx is done.
func (s *Store) PruneOutbox(ctx context.Context, cutoff time.Time) (int, error) {
	const batch = 1000
	cutoff = cutoff.UTC()
	total := 0
	for {
		// Through the delivery log index (webhook_id, created_at).
		res, err := s.db.NewDelete().Model((*WebhookDelivery)(nil)).
			Where("id IN (?)", s.db.NewSelect().TableExpr("wauser_webhooks AS h").
				Join("JOIN wauser_webhook_deliveries AS d ON d.webhook_id = h.id").
				Column("d.id").
				Where("d.created_at < ? AND d.state IN (?)", cutoff, bun.List([]string{DeliveryDelivered, DeliveryFailed, DeliveryDead})).
				Limit(batch)).
			Exec(ctx)
		if err != nil {
			return total, fmt.Errorf("store: prune deliveries: %w", err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
		if n < batch {
			break
		}
	}
	// Bodies no delivery names any more (one statement: the deliveries
	// have no index by body, so the database matches them in one pass).
	res, err := s.db.NewDelete().Model((*WebhookBody)(nil)).
		Where("created_at < ?", cutoff).
		Where("NOT EXISTS (SELECT 1 FROM wauser_webhook_deliveries AS d WHERE d.body_id = webhook_body.id)").
		Exec(ctx)
	if err != nil {
		return total, fmt.Errorf("store: prune delivery bodies: %w", err)
	}
	n, _ := res.RowsAffected()
	total += int(n)
	var accounts []string
	if err := s.db.NewSelect().Model((*Account)(nil)).Column("id").Order("id").Scan(ctx, &accounts); err != nil {
		return total, fmt.Errorf("store: prune events: %w", err)
	}
	for _, account := range accounts {
		// Consumed by both consumers: an account without a cursor row of
		// one of them has consumed nothing there.
		consumed := s.db.NewSelect().Model((*EventConsumer)(nil)).
			ColumnExpr("CASE WHEN COUNT(*) = 2 THEN MIN(seq) ELSE 0 END").
			Where("account_id = ? AND name IN (?)", account, bun.List([]string{ConsumerWebhooks, ConsumerHandlers}))
		for {
			res, err := s.db.NewDelete().Model((*Event)(nil)).
				Where("account_id = ?", account).
				Where("seq IN (?)", s.db.NewSelect().Model((*Event)(nil)).Column("seq").
					Where("account_id = ? AND seq <= (?) AND occurred_at < ?", account, consumed, cutoff).
					Order("seq").Limit(batch)).
				Exec(ctx)
			if err != nil {
				return total, fmt.Errorf("store: prune events: %w", err)
			}
			n, _ := res.RowsAffected()
			total += int(n)
			if n < batch {
				break
			}
		}
	}
	return total, nil
}
