// Package testdb gives tests real databases: a SQLite file in t.TempDir and,
// when WAUSER_TEST_POSTGRES names a server (make test starts a throwaway one),
// a fresh PostgreSQL database. Storage is never mocked.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	istore "github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/store"
	"github.com/wauser/wauser/store/postgres"
	"github.com/wauser/wauser/store/sqlite"
)

// EnvPostgres names the environment variable holding the DSN of a PostgreSQL
// server the tests may create schemas in.
const EnvPostgres = "WAUSER_TEST_POSTGRES"

// DB is one test database. Open it as many times as needed: every Store it
// returns sees the same data, which is how tests close and reopen.
type DB struct {
	Dialect string // "sqlite" or "postgres"
	dsn     string
}

// Open opens and migrates a Store on the database; it is closed when the
// test ends.
func (db *DB) Open(tb testing.TB, opts ...store.Option) *store.Store {
	tb.Helper()
	var (
		st  *store.Store
		err error
	)
	switch db.Dialect {
	case "sqlite":
		st, err = sqlite.Open(context.Background(), db.dsn, opts...)
	default:
		st, err = postgres.Open(context.Background(), db.dsn, opts...)
	}
	if err != nil {
		tb.Fatalf("testdb: open %s: %v", db.Dialect, err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	return st
}

// OpenEngine opens the database as Open does and returns the library's
// own view of it (package internal/store), for tests of the engine's
// queries and of the packages that run them.
func (db *DB) OpenEngine(tb testing.TB, opts ...store.Option) *istore.Store {
	tb.Helper()
	return istore.Unwrap(db.Open(tb, opts...))
}

// DSN returns the path (SQLite) or connection string (PostgreSQL).
func (db *DB) DSN() string { return db.dsn }

// Each runs fn as the subtests "sqlite" and "postgres", each on a fresh
// database. The postgres subtest is skipped, saying why, when EnvPostgres is
// unset.
func Each(t *testing.T, fn func(t *testing.T, db *DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a fresh SQLite database file in t.TempDir().
func SQLite(tb testing.TB) *DB {
	tb.Helper()
	return &DB{Dialect: "sqlite", dsn: filepath.Join(tb.TempDir(), "wauser.db")}
}

// Memory returns an in-memory SQLite database. Unlike the others, every
// Open of it is a new, empty database: open it once.
func Memory(tb testing.TB) *DB {
	tb.Helper()
	return &DB{Dialect: "sqlite", dsn: ":memory:"}
}

// Postgres returns a fresh database on the server named by EnvPostgres,
// dropped when the test ends, or skips the test when the variable is unset.
//
// It is a database, not a schema: whatsmeow's upgrade code looks tables up
// in information_schema without naming a schema, so two stores in two
// schemas of one database would see each other's tables.
func Postgres(tb testing.TB) *DB {
	tb.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		tb.Skipf("PostgreSQL not configured: set %s to a server DSN (make test starts a throwaway server)", EnvPostgres)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("testdb: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "wauser_t_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		_ = admin.Close()
		tb.Fatalf("testdb: create database: %v", err)
	}
	tb.Cleanup(func() {
		// Runs after the stores opened on it were closed (cleanups are LIFO).
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		_ = admin.Close()
	})
	return &DB{Dialect: "postgres", dsn: withDatabase(tb, base, name)}
}

func withDatabase(tb testing.TB, dsn, name string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatalf("testdb: parse %s: %v", EnvPostgres, err)
		}
		u.Path = "/" + name
		return u.String()
	}
	return dsn + " dbname=" + name
}
