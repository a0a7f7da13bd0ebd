// Package postgres opens a wauser store on PostgreSQL through pgx v5's
// database/sql driver: Open, DSN for wauser.Open, or New to wrap a
// *bun.DB your program opened.
//
// It also holds what PostgreSQL does its own way: each write transaction
// runs on a connection of its own and copies new message rows in with
// COPY, search uses a GIN index over the 'simple' text configuration (this
// package's migration), and advisory locks let several processes share
// the database (migrations take turns; each account is connected by one
// process at a time).
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	istore "github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/store"
)

// maxIdleConns is how many connections to the server stay open for reuse.
const maxIdleConns = 16

// Open connects to the PostgreSQL database at dsn (a postgres:// URL or a
// key=value string) and migrates it.
func Open(ctx context.Context, dsn string, opts ...store.Option) (*store.Store, error) {
	sqldb, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	// Keep connections for reuse: a new one costs the server a backend
	// process and the store its prepared statements again, far more than
	// a query, and database/sql keeps only 2 idle by default, so that
	// concurrent readers (the REST handler, webhook workers) would
	// reconnect for most queries.
	sqldb.SetMaxIdleConns(maxIdleConns)
	if err := sqldb.PingContext(ctx); err != nil {
		_ = sqldb.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	st := New(bun.NewDB(sqldb, pgdialect.New()), opts...)
	if err := st.Migrate(ctx); err != nil {
		_ = sqldb.Close()
		return nil, err
	}
	return st, nil
}

// New wraps db, a PostgreSQL database the host opened and owns, as a
// Store. It does no I/O; call Migrate before use. Each write transaction
// runs on a connection of its own, through which new message rows go in
// with COPY when db's driver is pgx.
func New(db *bun.DB, opts ...store.Option) *store.Store {
	return (*store.Store)(istore.NewPublic(db, newConns, opts...))
}

// DSN names a PostgreSQL database (a postgres:// URL or a key=value
// string) for wauser.Open:
//
//	c, err := wauser.Open(ctx, postgres.DSN(os.Getenv("DATABASE_URL")))
type DSN string

// OpenStore connects and migrates, as Open does.
func (d DSN) OpenStore(ctx context.Context, opts ...store.Option) (*store.Store, error) {
	if d == "" {
		return nil, errors.New("postgres: empty DSN")
	}
	return Open(ctx, string(d), opts...)
}
