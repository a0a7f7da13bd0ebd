package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// InsertAPIKey stores k. Its Hash must be unique; a clash returns ErrExists.
func InsertAPIKey(ctx context.Context, db bun.IDB, k *APIKey) error {
	res, err := db.NewInsert().Model(k).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: insert API key: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: insert API key: %w", err)
	} else if n == 0 {
		return fmt.Errorf("store: insert API key %q: %w", k.ID, ErrExists)
	}
	return nil
}

// GetAPIKeyByHash returns the key whose secret hashes to hash, revoked or
// not, or ErrNotFound.
func GetAPIKeyByHash(ctx context.Context, db bun.IDB, hash string) (*APIKey, error) {
	k := new(APIKey)
	if err := db.NewSelect().Model(k).Where("hash = ?", hash).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: get API key: %w", notFound(err))
	}
	return k, nil
}

// ListAPIKeys returns every key, revoked ones included, oldest first.
func ListAPIKeys(ctx context.Context, db bun.IDB) ([]*APIKey, error) {
	keys := []*APIKey{}
	if err := db.NewSelect().Model(&keys).Order("created_at", "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: list API keys: %w", err)
	}
	return keys, nil
}

// RevokeAPIKey marks key id revoked at at, unless it already was (the first
// revocation time stays). It returns ErrNotFound when there is no such key.
func RevokeAPIKey(ctx context.Context, db bun.IDB, id string, at time.Time) error {
	res, err := db.NewUpdate().Model((*APIKey)(nil)).
		Set("revoked_at = CASE WHEN revoked_at IS NULL THEN ? ELSE revoked_at END", at).
		Where("id = ?", id).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: revoke API key %q: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: revoke API key %q: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("store: revoke API key %q: %w", id, ErrNotFound)
	}
	return nil
}

// TouchAPIKey records that key id was used at at.
func TouchAPIKey(ctx context.Context, db bun.IDB, id string, at time.Time) error {
	_, err := db.NewUpdate().Model((*APIKey)(nil)).Set("last_used_at = ?", at).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: touch API key %q: %w", id, err)
	}
	return nil
}

// RemoveAccountFromAPIKeys takes account off the allowlist of every key,
// and revokes (at at) the keys whose list it leaves empty, but those with a
// device quota. Keys for all accounts are unchanged.
func (s *Store) RemoveAccountFromAPIKeys(ctx context.Context, account string, at time.Time) error {
	return s.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// The rows are held until the end, so that an account added to a
		// key meanwhile (ChangeAPIKey) is not written over.
		keys := []*APIKey{}
		if err := s.dialect.ForUpdate(tx.NewSelect().Model(&keys).Order("created_at", "id")).Scan(ctx); err != nil {
			return fmt.Errorf("store: list API keys: %w", err)
		}
		for _, k := range keys {
			i := slices.Index(k.Accounts, account)
			if i < 0 {
				continue
			}
			k.Accounts = slices.Delete(k.Accounts, i, i+1)
			q := tx.NewUpdate().Model(k).Column("accounts").WherePK()
			if len(k.Accounts) == 0 && k.RevokedAt.IsZero() && k.MaxDevices == 0 { // a key with a quota lives on to create others
				k.RevokedAt = at
				q = q.Column("revoked_at")
			}
			if _, err := q.Exec(ctx); err != nil {
				return fmt.Errorf("store: update API key %q: %w", k.ID, err)
			}
		}
		return nil
	})
}
