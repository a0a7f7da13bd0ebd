package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Command is the record of a write an API client asked for (the REST sync
// dialect's CommandRecord). Payload and Result are JSON objects.
type Command struct {
	bun.BaseModel `bun:"table:wauser_commands"`

	AccountID   string    `bun:"account_id,pk"`
	ID          string    `bun:"id,pk"`
	Kind        string    `bun:"kind,notnull"`
	Payload     string    `bun:"payload,notnull"`
	Status      string    `bun:"status,notnull"`
	Result      string    `bun:"result,notnull"`
	Error       string    `bun:"error,notnull"`
	CreatedAt   time.Time `bun:"created_at,notnull"`
	ClaimedAt   time.Time `bun:"claimed_at,nullzero"`
	CompletedAt time.Time `bun:"completed_at,nullzero"`
}

// InsertCommand stores c. It returns ErrNotFound when the account does not
// exist, and ErrExists when the account already has a command with c's id.
func InsertCommand(ctx context.Context, db bun.IDB, c *Command) error {
	ok, err := db.NewSelect().Model((*Account)(nil)).Where("id = ?", c.AccountID).Exists(ctx)
	if err != nil {
		return fmt.Errorf("store: insert command: %w", err)
	}
	if !ok {
		return fmt.Errorf("store: command of account %q: %w", c.AccountID, ErrNotFound)
	}
	res, err := db.NewInsert().Model(c).On("CONFLICT (account_id, id) DO NOTHING").Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: insert command: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: insert command: %w", err)
	} else if n == 0 {
		return fmt.Errorf("store: insert command %q: %w", c.ID, ErrExists)
	}
	return nil
}

// GetCommand returns the command id of account, or ErrNotFound.
func GetCommand(ctx context.Context, db bun.IDB, account, id string) (*Command, error) {
	c := new(Command)
	if err := db.NewSelect().Model(c).Where("account_id = ? AND id = ?", account, id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: get command %q: %w", id, notFound(err))
	}
	return c, nil
}

// PruneCommands deletes the account's commands created before before and
// returns how many it deleted.
func PruneCommands(ctx context.Context, db bun.IDB, account string, before time.Time) (int, error) {
	res, err := db.NewDelete().Model((*Command)(nil)).Where("account_id = ? AND created_at < ?", account, before.UTC()).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: prune commands: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune commands: %w", err)
	}
	return int(n), nil
}
