// Package store is wauser's storage: bun models, embedded migrations and the
// queries the rest of the library runs, on SQLite or PostgreSQL.
//
// A Store wraps one *bun.DB. WhatsApp's own device store (whatsmeow's
// sqlstore, tables whatsmeow_*) lives in the same database on the same
// *sql.DB, through one container per Store. Open a Store with
// [github.com/wauser/wauser/store/sqlite.Open] or
// [github.com/wauser/wauser/store/postgres.Open], which also migrate; or wrap
// a database the host already owns with the adapter's New
// ([github.com/wauser/wauser/store/sqlite.New],
// [github.com/wauser/wauser/store/postgres.New]) and call Migrate yourself.
// An Opener (sqlite.File, postgres.DSN) names a database for wauser.Open.
//
// This package imports no SQL driver: each adapter imports its own, so a
// program links only the driver of the adapter it uses.
//
// All tables are prefixed wauser_; migrations are recorded in
// wauser_migrations.
//
// Writes go through RunInTx. On a SQLite file its transactions run one at a
// time on one connection set aside for writing (its page cache stays
// warm), and the Store checkpoints the WAL on a goroutine of its own
// (passive, at most every 100 ms) rather than inside a writer's commit;
// Close stops it (store/sqlite). On PostgreSQL each transaction has its own
// connection, which lets new message rows go in with COPY when the driver
// is pgx (store/postgres).
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"
	"go.mau.fi/whatsmeow/store/sqlstore"

	"github.com/wauser/wauser/internal/sqldialect"
	"github.com/wauser/wauser/internal/walog"
)

//go:embed migrations/*.up.sql
var migrationFiles embed.FS

// ErrNotFound is returned when a row does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrExists is returned when a row with the same key already exists.
var ErrExists = errors.New("store: already exists")

// Store is wauser's database. It is safe for concurrent use.
type Store struct {
	db        *bun.DB
	container *sqlstore.Container
	log       *slog.Logger

	evMu      sync.Mutex
	evWritten chan struct{} // closed and replaced when events commit

	// dialect runs write transactions (sqldialect.Plain unless an
	// adapter gave one).
	newDialect sqldialect.New
	dialect    sqldialect.Dialect

	stmts sync.Map // query -> *sql.Stmt (see prepared)
}

// Option configures a Store.
type Option func(*Store)

// WithLogger sets the logger for the store and whatsmeow's device store.
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) {
		if l != nil {
			s.log = l
		}
	}
}

// WithDialect is for the adapters, store/sqlite and store/postgres: it
// sets how write transactions run on their database. Open a store through
// an adapter (Open, or its New for a database you own) rather than giving
// it yourself.
func WithDialect(d sqldialect.New) Option {
	return func(s *Store) {
		if d != nil {
			s.newDialect = d
		}
	}
}

// New wraps db, a SQLite (sqlitedialect) or PostgreSQL (pgdialect) bun
// database. It does no I/O; call Migrate before use. Prefer the adapters'
// New ([github.com/wauser/wauser/store/sqlite.New],
// [github.com/wauser/wauser/store/postgres.New]), which add what their
// database needs for fast writes; a Store from this New runs every write
// transaction on the pool.
//
// For SQLite the DSN must enable foreign keys on every connection, and should
// set busy_timeout and WAL; see [github.com/wauser/wauser/store/sqlite.DSN].
func New(db *bun.DB, opts ...Option) *Store {
	s := &Store{db: db, log: slog.New(slog.DiscardHandler), evWritten: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	s.dialect = sqldialect.Plain{}
	if s.newDialect != nil {
		s.dialect = s.newDialect(db, s.log)
	}
	s.container = sqlstore.NewWithDB(db.DB, s.whatsmeowDialect(), walog.New(s.log).Sub("store"))
	return s
}

// Opener opens and migrates a Store: [github.com/wauser/wauser/store/sqlite.File]
// and [github.com/wauser/wauser/store/postgres.DSN] are Openers, for
// wauser.Open.
type Opener interface {
	OpenStore(ctx context.Context, opts ...Option) (*Store, error)
}

// DB returns the underlying bun database.
func (s *Store) DB() *bun.DB { return s.db }

// Postgres reports whether the store runs on PostgreSQL.
func (s *Store) Postgres() bool { return s.db.Dialect().Name() == dialect.PG }

// ConcurrentReads reports whether a query can run on the database while a
// transaction is open: false for an in-memory SQLite database, whose one
// connection the transaction holds.
func (s *Store) ConcurrentReads() bool { return s.db.DB.Stats().MaxOpenConnections != 1 }

// Container returns whatsmeow's device store on the same database. There is
// exactly one per Store. Do not Close it: that would close the shared *sql.DB.
func (s *Store) Container() *sqlstore.Container { return s.container }

// Close closes the database.
func (s *Store) Close() error {
	_ = s.dialect.Close()
	s.closeStatements()
	return s.db.Close()
}

func (s *Store) whatsmeowDialect() string {
	if s.Postgres() {
		return "postgres"
	}
	return "sqlite3"
}

// Migrate applies wauser's pending migrations and upgrades whatsmeow's device
// store in the same database. It is idempotent, and safe to call from several
// processes at once: they take turns on the migration lock.
func (s *Store) Migrate(ctx context.Context) error {
	if !s.Postgres() {
		var fk bool
		if err := s.db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			return fmt.Errorf("store: check foreign keys: %w", err)
		}
		if !fk {
			return errors.New("store: SQLite foreign keys are off; open the database with _pragma=foreign_keys(1) (see sqlite.DSN)")
		}
	}
	migrations := migrate.NewMigrations()
	if err := migrations.Discover(migrationFiles); err != nil {
		return fmt.Errorf("store: load migrations: %w", err)
	}
	if err := s.discoverDialectMigrations(migrations); err != nil {
		return fmt.Errorf("store: load migrations: %w", err)
	}
	if s.Postgres() {
		// bun creates its migration and lock tables before any lock
		// exists; processes starting together on a fresh database would
		// create them at once, and all but one fail.
		unlock, err := s.lockMigrationsPostgres(ctx)
		if err != nil {
			return err
		}
		defer unlock()
	}
	m := migrate.NewMigrator(s.db, migrations,
		migrate.WithTableName("wauser_migrations"),
		migrate.WithLocksTableName("wauser_migration_locks"),
		migrate.WithMarkAppliedOnSuccess(true),
	)
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("store: init migrations: %w", err)
	}
	if err := lockMigrations(ctx, m); err != nil {
		return err
	}
	_, err := m.Migrate(ctx)
	if err == nil {
		// Under the same lock: whatsmeow's upgrade takes none of its own,
		// so two processes upgrading a fresh device store at once would
		// both create its tables.
		if err = s.container.Upgrade(ctx); err != nil {
			err = fmt.Errorf("upgrade whatsmeow device store: %w", err)
		}
	}
	// Unlock even when ctx is done, or the lock row stays behind.
	unlockErr := m.Unlock(context.WithoutCancel(ctx))
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if unlockErr != nil {
		return fmt.Errorf("store: unlock migrations: %w", unlockErr)
	}
	return nil
}

// migrationNamespace is the first key of the PostgreSQL advisory lock
// that serializes migrations ("wamg"; leases use another namespace).
const migrationNamespace = 0x77616d67

// lockMigrationsPostgres takes a session advisory lock on a connection of
// its own, waiting while another process migrates; the returned function
// releases it. PostgreSQL releases it too if this process dies.
func (s *Store) lockMigrationsPostgres(ctx context.Context) (func(), error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migration lock: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?, 0)", migrationNamespace); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("store: migration lock: %w", err)
	}
	return func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?, 0)", migrationNamespace)
		_ = conn.Close()
	}, nil
}

// lockMigrations takes bun's migration lock, waiting while another process
// holds it.
func lockMigrations(ctx context.Context, m *migrate.Migrator) error {
	const wait = 30 * time.Second
	deadline := time.Now().Add(wait)
	delay := 10 * time.Millisecond
	for {
		err := m.Lock(ctx)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("store: migrations stayed locked for %s; if no other process is migrating, delete the row in wauser_migration_locks: %w", wait, err)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("store: wait for migration lock: %w", ctx.Err())
		case <-t.C:
		}
		delay = min(delay*2, time.Second)
	}
}

// RunInTx runs fn in a transaction. On SQLite the transaction takes the write
// lock up front (the DSN sets _txlock=immediate), so concurrent writers wait
// for busy_timeout instead of failing.
//
// On SQLite opened through store/sqlite, the transactions of one Store run
// one at a time (SQLite has a single writer): do not call RunInTx from
// inside fn.
//
// When fn inserts events (InsertEvents with the ctx it was given), the
// outbox consumers of this process are woken once the transaction commits;
// see EventsWritten.
func (s *Store) RunInTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	note := new(txNote)
	err := s.dialect.RunInTx(context.WithValue(ctx, txNoteKey{}, note), s.db, fn)
	if err == nil && note.events.Load() {
		s.NotifyEvents()
	}
	return err
}

// txNote records, in the ctx of a RunInTx, that the transaction wrote events.
type txNote struct{ events atomic.Bool }

type txNoteKey struct{}

// EventsWritten returns a channel that is closed the next time events are
// committed through this Store (RunInTx, or NotifyEvents). Take the channel
// before reading the outbox, then wait on it: no commit is missed. Events
// written by other processes are not seen here; consumers also poll.
func (s *Store) EventsWritten() <-chan struct{} {
	s.evMu.Lock()
	defer s.evMu.Unlock()
	return s.evWritten
}

// NotifyEvents wakes the waiters of EventsWritten. RunInTx calls it; call it
// after committing events through a transaction of your own.
func (s *Store) NotifyEvents() {
	s.evMu.Lock()
	close(s.evWritten)
	s.evWritten = make(chan struct{})
	s.evMu.Unlock()
}

// notFound maps sql.ErrNoRows to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
