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

	// dialect runs write transactions, as the adapter that opened the
	// database decided.
	dialect sqldialect.Dialect

	stmts sync.Map // query -> *sql.Stmt (see prepared)
}

// New wraps db, a SQLite (sqlitedialect) or PostgreSQL (pgdialect) bun
// database, with the dialect newDialect makes (store/sqlite, store/postgres
// give theirs), logging to log (nil for none). It does no I/O; call Migrate
// before use.
func New(db *bun.DB, newDialect sqldialect.New, log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{db: db, log: log, evWritten: make(chan struct{})}
	s.dialect = newDialect(db, s.log)
	s.container = sqlstore.NewWithDB(db.DB, s.dialect.WhatsmeowDialect(), walog.New(s.log).Sub("store"))
	return s
}

// DB returns the underlying bun database.
func (s *Store) DB() *bun.DB { return s.db }

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

// Migrate applies wauser's pending migrations and upgrades whatsmeow's device
// store in the same database. It is idempotent, and safe to call from several
// processes at once: they take turns on the migration lock.
func (s *Store) Migrate(ctx context.Context) error {
	if err := s.dialect.CheckConn(ctx, s.db); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	migrations := migrate.NewMigrations()
	if err := migrations.Discover(migrationFiles); err != nil {
		return fmt.Errorf("store: load migrations: %w", err)
	}
	own, err := s.dialect.Migrations()
	if err == nil {
		err = migrations.Discover(own)
	}
	if err != nil {
		return fmt.Errorf("store: load migrations: %w", err)
	}
	if locks := s.dialect.Locks(); locks != nil {
		// bun creates its migration and lock tables before any lock
		// exists; processes starting together on a fresh database would
		// create them at once, and all but one fail.
		unlock, err := s.lockMigrations(ctx, locks)
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
	if err := waitMigrationLock(ctx, m); err != nil {
		return err
	}
	_, err = m.Migrate(ctx)
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

// migrationNamespace is the first key of the advisory lock that
// serializes migrations ("wamg"; leases use another namespace).
const migrationNamespace = 0x77616d67

// lockMigrations takes the migration lock on a connection of its own,
// waiting while another process migrates; the returned function releases
// it. The database releases it too if this process dies.
func (s *Store) lockMigrations(ctx context.Context, locks sqldialect.Locks) (func(), error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migration lock: %w", err)
	}
	if err := locks.Lock(ctx, conn, migrationNamespace, 0); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("store: migration lock: %w", err)
	}
	return func() {
		_ = locks.Unlock(context.WithoutCancel(ctx), conn, migrationNamespace, 0)
		_ = conn.Close()
	}, nil
}

// waitMigrationLock takes bun's migration lock, waiting while another process
// holds it.
func waitMigrationLock(ctx context.Context, m *migrate.Migrator) error {
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
