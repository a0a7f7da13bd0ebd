package store

import (
	"context"
	"log/slog"

	"github.com/uptrace/bun"
	"go.mau.fi/whatsmeow/store/sqlstore"

	istore "github.com/wauser/wauser/internal/store"
)

// Store is wauser's database: wauser's tables and whatsmeow's device store
// on one *bun.DB. Open one with an adapter ([github.com/wauser/wauser/store/sqlite.Open],
// [github.com/wauser/wauser/store/postgres.Open]) or wrap a database you
// own with the adapter's New, then hand it to wauser.New. It is safe for
// concurrent use. Its zero value is not usable.
type Store istore.Public

// Option configures a Store.
type Option func(*istore.Config)

// WithLogger sets the logger for the store and whatsmeow's device store.
func WithLogger(l *slog.Logger) Option {
	return func(c *istore.Config) {
		if l != nil {
			c.Log = l
		}
	}
}

// Opener opens and migrates a Store: [github.com/wauser/wauser/store/sqlite.File]
// and [github.com/wauser/wauser/store/postgres.DSN] are Openers, for
// wauser.Open.
type Opener interface {
	OpenStore(ctx context.Context, opts ...Option) (*Store, error)
}

// Migrate applies wauser's pending migrations and upgrades whatsmeow's
// device store in the same database. It is idempotent, and safe to call
// from several processes at once: they take turns on the migration lock.
// The adapters' Open calls it; call it after the adapters' New.
func (s *Store) Migrate(ctx context.Context) error { return istore.Unwrap(s).Migrate(ctx) }

// Close stops what the Store runs (on SQLite, its write connection and
// WAL checkpointer) and closes the database.
func (s *Store) Close() error { return istore.Unwrap(s).Close() }

// DB returns the underlying bun database, for checks of your own (a
// health ping) or tables of your own beside wauser's (prefixed wauser_ and
// whatsmeow_).
func (s *Store) DB() *bun.DB { return istore.Unwrap(s).DB() }

// Container returns whatsmeow's device store on the same database. There
// is exactly one per Store. Do not Close it: that would close the shared
// *sql.DB.
func (s *Store) Container() *sqlstore.Container { return istore.Unwrap(s).Container() }
