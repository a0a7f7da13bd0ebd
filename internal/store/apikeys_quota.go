package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
)

// GetAPIKey returns key id, revoked or not, or ErrNotFound.
func GetAPIKey(ctx context.Context, db bun.IDB, id string) (*APIKey, error) {
	k := new(APIKey)
	if err := db.NewSelect().Model(k).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: get API key %q: %w", id, notFound(err))
	}
	return k, nil
}

// ListAPIKeysCreatedBy returns the keys (device tokens) whose creation key
// was creator, revoked ones included, oldest first.
func ListAPIKeysCreatedBy(ctx context.Context, db bun.IDB, creator string) ([]*APIKey, error) {
	keys := []*APIKey{}
	if err := db.NewSelect().Model(&keys).Where("created_by = ?", creator).Order("created_at", "id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: list API keys created by %q: %w", creator, err)
	}
	return keys, nil
}

// ChangeAPIKey changes key id in one transaction: it reads the key's row
// and holds it (FOR UPDATE on PostgreSQL; SQLite's write transaction holds
// the database) while change edits it, then writes the columns change
// names. Two changes of one key therefore run one after the other, and
// neither overwrites what the other wrote (such as accounts added). change
// reads through tx; an error from it writes nothing and is returned as it
// is. ErrNotFound when there is no such key.
func (s *Store) ChangeAPIKey(ctx context.Context, id string, change func(ctx context.Context, tx bun.IDB, k *APIKey) ([]string, error)) (*APIKey, error) {
	var k *APIKey
	err := s.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row := new(APIKey)
		if err := s.dialect.ForUpdate(tx.NewSelect().Model(row).Where("id = ?", id)).Scan(ctx); err != nil {
			return fmt.Errorf("store: lock API key %q: %w", id, notFound(err))
		}
		columns, err := change(ctx, tx, row)
		if err != nil {
			return err
		}
		if err := UpdateAPIKeyDetails(ctx, tx, row, columns...); err != nil {
			return err
		}
		k = row
		return nil
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// UpdateAPIKeyDetails writes the given columns of k (name, max_devices,
// rate_limit_per_hour, contact_email, contact_phone, accounts) to key k.ID; ErrNotFound when there is no
// such key.
func UpdateAPIKeyDetails(ctx context.Context, db bun.IDB, k *APIKey, columns ...string) error {
	if len(columns) == 0 {
		return nil
	}
	res, err := db.NewUpdate().Model(k).Column(columns...).WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: update API key %q: %w", k.ID, err)
	}
	return oneRow(res, "update API key "+k.ID)
}
