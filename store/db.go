package store

import (
	"context"
	"log/slog"

	"github.com/uptrace/bun"
	"go.mau.fi/whatsmeow/store/sqlstore"

	"github.com/wauser/wauser/internal/sqldialect"
	istore "github.com/wauser/wauser/internal/store"
)

// Store is wauser's database: wauser's tables and whatsmeow's device store
// on one *bun.DB. Open one with an adapter ([github.com/wauser/wauser/store/sqlite.Open],
// [github.com/wauser/wauser/store/postgres.Open]) or wrap a database you
// own with the adapter's New. It is safe for concurrent use.
type Store struct {
	s *istore.Store
}

// Option configures a Store.
type Option func(*config)

type config struct {
	log *slog.Logger
}

// WithLogger sets the logger for the store and whatsmeow's device store.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.log = l
		}
	}
}

// New is how the adapters, store/sqlite and store/postgres, make a Store;
// a program cannot make the dialect it takes. Call the adapter's New
// ([github.com/wauser/wauser/store/sqlite.New],
// [github.com/wauser/wauser/store/postgres.New]) to wrap a *bun.DB you own.
func New(db *bun.DB, d sqldialect.New, opts ...Option) *Store {
	if d == nil {
		panic("store: New needs an adapter's dialect: use sqlite.New or postgres.New")
	}
	var c config
	for _, o := range opts {
		o(&c)
	}
	return &Store{s: istore.New(db, d, c.log)}
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
func (s *Store) Migrate(ctx context.Context) error { return s.s.Migrate(ctx) }

// Close stops what the Store runs (on SQLite, its write connection and
// WAL checkpointer) and closes the database.
func (s *Store) Close() error { return s.s.Close() }

// DB returns the underlying bun database, for checks of your own (a
// health ping) or tables of your own beside wauser's (prefixed wauser_ and
// whatsmeow_).
func (s *Store) DB() *bun.DB { return s.s.DB() }

// Container returns whatsmeow's device store on the same database. There
// is exactly one per Store. Do not Close it: that would close the shared
// *sql.DB.
func (s *Store) Container() *sqlstore.Container { return s.s.Container() }

// Hand is for package wauser, which gets its engine's view of the Store
// through it; a program cannot make a Receiver and has no use for it.
func (s *Store) Hand(r istore.Receiver) {
	if s != nil && r != nil {
		r.Receive(s.s)
	}
}
