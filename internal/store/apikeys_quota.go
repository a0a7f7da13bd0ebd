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

// UpdateAPIKeyDetails writes the given columns of k (name, max_devices,
// contact_email, contact_phone) to key k.ID; ErrNotFound when there is no
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
