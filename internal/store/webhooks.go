package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// InsertWebhook registers h. Its StartSeq is set to the account's current
// event counter, so it receives only events written after it. It returns
// ErrExists when the account already has a webhook with the same URL, and
// ErrNotFound when the account does not exist.
func (s *Store) InsertWebhook(ctx context.Context, h *Webhook) error {
	return s.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var last int64
		err := tx.NewSelect().Model((*Counter)(nil)).Column("value").
			Where("account_id = ? AND name = ?", h.AccountID, CounterEvent).Scan(ctx, &last)
		if err != nil {
			return fmt.Errorf("store: webhook of account %q: %w", h.AccountID, notFound(err))
		}
		h.StartSeq = last
		res, err := tx.NewInsert().Model(h).On("CONFLICT (account_id, url) DO NOTHING").Exec(ctx)
		if err != nil {
			return fmt.Errorf("store: insert webhook: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("store: insert webhook: %w", err)
		} else if n == 0 {
			return ErrExists
		}
		return nil
	})
}

// GetWebhook returns the webhook id of account, or ErrNotFound.
func (s *Store) GetWebhook(ctx context.Context, account, id string) (*Webhook, error) {
	h := new(Webhook)
	err := s.db.NewSelect().Model(h).Where("account_id = ? AND id = ?", account, id).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: get webhook %q: %w", id, notFound(err))
	}
	return h, nil
}

// GetWebhookByURL returns the webhook of account with url, or ErrNotFound.
func (s *Store) GetWebhookByURL(ctx context.Context, account, url string) (*Webhook, error) {
	h := new(Webhook)
	err := s.db.NewSelect().Model(h).Where("account_id = ? AND url = ?", account, url).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: get webhook by url: %w", notFound(err))
	}
	return h, nil
}

// ListWebhooks returns the webhooks of account, oldest first.
func (s *Store) ListWebhooks(ctx context.Context, account string) ([]*Webhook, error) {
	return listWebhooks(ctx, s.db, account, false)
}

// WebhooksByID returns the webhooks with these ids, of any account; ids
// with none are left out.
func (s *Store) WebhooksByID(ctx context.Context, ids []string) ([]*Webhook, error) {
	rows := []*Webhook{}
	if err := s.db.NewSelect().Model(&rows).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: load webhooks: %w", err)
	}
	return rows, nil
}

// EnabledWebhooks returns the enabled webhooks that receive the events of
// account: its own and those for all accounts, oldest first.
func EnabledWebhooks(ctx context.Context, db bun.IDB, account string) ([]*Webhook, error) {
	return listWebhooks(ctx, db, account, true)
}

func listWebhooks(ctx context.Context, db bun.IDB, account string, enabledOnly bool) ([]*Webhook, error) {
	hooks := []*Webhook{}
	q := db.NewSelect().Model(&hooks)
	if enabledOnly {
		q = q.Where("enabled = ?", true).WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("account_id = ?", account).WhereOr("all_accounts = ?", true)
		})
	} else {
		q = q.Where("account_id = ?", account)
	}
	if err := q.Order("created_at", "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: list webhooks: %w", err)
	}
	return hooks, nil
}

// UpdateWebhook writes the named columns of h (matched by account and id).
// It returns ErrNotFound when there is no such webhook and ErrExists when
// another webhook of the account already has h's URL.
func (s *Store) UpdateWebhook(ctx context.Context, h *Webhook, columns ...string) error {
	return s.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		taken, err := tx.NewSelect().Model((*Webhook)(nil)).
			Where("account_id = ? AND url = ? AND id <> ?", h.AccountID, h.URL, h.ID).Exists(ctx)
		if err != nil {
			return fmt.Errorf("store: update webhook: %w", err)
		}
		if taken {
			return ErrExists
		}
		res, err := tx.NewUpdate().Model(h).Column(columns...).
			Where("account_id = ? AND id = ?", h.AccountID, h.ID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("store: update webhook: %w", err)
		}
		return oneRow(res, "update webhook")
	})
}

// DeleteWebhook removes webhook id of account and its delivery log. It
// returns ErrNotFound when there is no such webhook.
func (s *Store) DeleteWebhook(ctx context.Context, account, id string) error {
	res, err := s.db.NewDelete().Model((*Webhook)(nil)).Where("account_id = ? AND id = ?", account, id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: delete webhook: %w", err)
	}
	return oneRow(res, "delete webhook")
}

// DeleteWebhooks removes every webhook of account and returns how many there
// were.
func (s *Store) DeleteWebhooks(ctx context.Context, account string) (int, error) {
	res, err := s.db.NewDelete().Model((*Webhook)(nil)).Where("account_id = ?", account).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: delete webhooks: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: delete webhooks: %w", err)
	}
	return int(n), nil
}

type rowsAffected interface{ RowsAffected() (int64, error) }

func oneRow(res rowsAffected, op string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	if n == 0 {
		return fmt.Errorf("store: %s: %w", op, ErrNotFound)
	}
	return nil
}
