// Package sqlite opens a wauser store on an embedded SQLite database
// (modernc.org/sqlite, pure Go, no cgo): Open, File for wauser.Open, or
// New to wrap a *bun.DB your program opened with DSN's settings.
//
// It also holds what SQLite does its own way: writes run one at a time on
// one connection set aside for them, the WAL is checkpointed on a
// goroutine of its own, search uses an FTS5 table (this package's
// migration), and foreign keys must be on (Migrate checks).
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	istore "github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/store"
)

// DSN returns the modernc.org/sqlite data source name wauser uses for the
// database file at path, or for an in-memory database when path is
// ":memory:". Every pooled connection gets:
//
//   - foreign_keys(1): whatsmeow's device store depends on ON DELETE CASCADE,
//     and Migrate refuses to run without it;
//   - busy_timeout(10000): writers wait for each other instead of failing with
//     SQLITE_BUSY;
//   - journal_mode(WAL) and synchronous(NORMAL): readers never block writers,
//     and a commit survives a crash of the process (not of the machine);
//   - _txlock=immediate: a transaction takes the write lock when it begins,
//     so two writers cannot deadlock upgrading read locks;
//   - temp_store(2): temporary files, such as the statement journal of a
//     multi-row UPDATE inside a transaction, stay in memory.
//
// A path that already starts with "file:" is used as is, with the settings
// appended.
func DSN(path string) string {
	if path == ":memory:" {
		return "file::memory:?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=temp_store(2)&_txlock=immediate"
	}
	if !strings.HasPrefix(path, "file:") {
		path = "file:" + escapePath(path)
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-65536)&_pragma=temp_store(2)&_txlock=immediate"
}

// escapePath escapes the characters that would end the path part of a
// "file:" URI.
func escapePath(p string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23")
	return r.Replace(p)
}

// maxIdleConns is how many connections to a SQLite file stay open for
// reuse.
const maxIdleConns = 16

// Open opens (creating if needed) the SQLite database at path, or an
// in-memory database for ":memory:", and migrates it.
func Open(ctx context.Context, path string, opts ...store.Option) (*store.Store, error) {
	sqldb, err := sql.Open("sqlite", DSN(path))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if path == ":memory:" {
		// Each connection to :memory: is its own database.
		sqldb.SetMaxOpenConns(1)
	} else {
		// Readers run in parallel (WAL). Keep their connections: opening
		// one (pragmas, schema, prepared statements) costs far more than a
		// query, and database/sql keeps only 2 idle by default.
		sqldb.SetMaxIdleConns(maxIdleConns)
	}
	st := New(bun.NewDB(sqldb, sqlitedialect.New()), opts...)
	if err := st.Migrate(ctx); err != nil {
		_ = sqldb.Close()
		return nil, err
	}
	return st, nil
}

// New wraps db, a SQLite database the host opened (with a DSN like the one
// DSN returns) and owns, as a Store. It does no I/O; call Migrate before
// use. On a file, the Store's writes run one at a time on one connection it
// sets aside, and it checkpoints the WAL on a goroutine of its own; Close
// the Store to stop it.
func New(db *bun.DB, opts ...store.Option) *store.Store {
	return (*store.Store)(istore.NewPublic(db, newWriter, opts...))
}

// File names a SQLite database by its path (":memory:" for an in-memory
// one, or a "file:" URI) for wauser.Open:
//
//	c, err := wauser.Open(ctx, sqlite.File("wauser.db"))
type File string

// OpenStore opens and migrates the database, as Open does.
func (f File) OpenStore(ctx context.Context, opts ...store.Option) (*store.Store, error) {
	if f == "" {
		return nil, errors.New("sqlite: empty path")
	}
	return Open(ctx, string(f), opts...)
}
