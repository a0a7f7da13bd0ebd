package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// Counter names.
const (
	// CounterSeq numbers changes of conversations, contacts and messages
	// (the Changes feed).
	CounterSeq = "seq"
	// CounterEvent numbers events in the outbox.
	CounterEvent = "event"
	// CounterContact gives contacts their stable integer ids (the Business Server API).
	CounterContact = "contact"
)

// counterNames are the counters every account has.
var counterNames = []string{CounterSeq, CounterEvent, CounterContact}

// CreateAccount inserts a, its counters and its initial webhooks in one
// transaction. It returns ErrExists when an account with the same id exists,
// and then writes nothing.
func (s *Store) CreateAccount(ctx context.Context, a *Account, webhooks []*Webhook) error {
	return s.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewInsert().Model(a).On("CONFLICT (id) DO NOTHING").Exec(ctx)
		if err != nil {
			return fmt.Errorf("store: insert account: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("store: insert account: %w", err)
		} else if n == 0 {
			return ErrExists
		}
		counters := make([]*Counter, 0, len(counterNames))
		for _, name := range counterNames {
			counters = append(counters, &Counter{AccountID: a.ID, Name: name})
		}
		if _, err := tx.NewInsert().Model(&counters).Exec(ctx); err != nil {
			return fmt.Errorf("store: insert counters: %w", err)
		}
		if len(webhooks) > 0 {
			if _, err := tx.NewInsert().Model(&webhooks).Exec(ctx); err != nil {
				return fmt.Errorf("store: insert webhooks: %w", err)
			}
		}
		return nil
	})
}

// GetAccount returns the account id, or ErrNotFound.
func (s *Store) GetAccount(ctx context.Context, id string) (*Account, error) {
	return AccountByID(ctx, s.db, id)
}

// AccountByID is GetAccount in db (a transaction, say).
func AccountByID(ctx context.Context, db bun.IDB, id string) (*Account, error) {
	a := new(Account)
	if err := db.NewSelect().Model(a).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: get account %q: %w", id, notFound(err))
	}
	return a, nil
}

// ListAccounts returns every account ordered by id.
func (s *Store) ListAccounts(ctx context.Context) ([]*Account, error) {
	accounts := []*Account{}
	if err := s.db.NewSelect().Model(&accounts).Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: list accounts: %w", err)
	}
	return accounts, nil
}

// UpdateAccount writes the named columns of a (all but the key when none are
// named) and returns ErrNotFound when the account does not exist.
func (s *Store) UpdateAccount(ctx context.Context, a *Account, columns ...string) error {
	q := s.db.NewUpdate().Model(a).WherePK()
	if len(columns) > 0 {
		q = q.Column(columns...)
	} else {
		q = q.ExcludeColumn("id", "created_at", "skipped_records") // counted by the ingestion
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: update account %q: %w", a.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: update account %q: %w", a.ID, err)
	} else if n == 0 {
		return fmt.Errorf("store: update account %q: %w", a.ID, ErrNotFound)
	}
	return nil
}

// DeleteAccount removes the account and, through foreign keys, everything
// stored for it. It returns ErrNotFound when there is no such account.
// whatsmeow's device rows are not touched: delete the device first.
func (s *Store) DeleteAccount(ctx context.Context, id string) error {
	res, err := s.db.NewDelete().Model((*Account)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: delete account %q: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: delete account %q: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("store: delete account %q: %w", id, ErrNotFound)
	}
	return nil
}
