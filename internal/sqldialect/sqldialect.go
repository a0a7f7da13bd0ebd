// Package sqldialect is the seam between package store and its adapters,
// store/sqlite and store/postgres: what the databases do differently
// beyond the SQL that bun's dialects write. Package store runs every query;
// an adapter supplies a Dialect, which decides how a write transaction runs
// (SQLite: one set-aside write connection and a checkpointer; PostgreSQL:
// a connection of its own, through which new rows can be copied in bulk).
//
// Package store imports this package and no SQL driver; each adapter
// imports its own driver, so a program links only the drivers of the
// adapters it imports.
package sqldialect

import (
	"context"
	"log/slog"

	"github.com/uptrace/bun"
)

// New makes the Dialect of a store over db, which logs to log.
type New func(db *bun.DB, log *slog.Logger) Dialect

// Dialect runs a store's write transactions.
type Dialect interface {
	// RunInTx runs fn in a transaction on db. It may put a Copier in the
	// ctx it gives fn.
	RunInTx(ctx context.Context, db *bun.DB, fn func(ctx context.Context, tx bun.Tx) error) error
	// Close releases what the dialect holds (connections, goroutines)
	// before the database is closed. Later RunInTx calls fail.
	Close() error
}

// Rows is a source of rows for a Copier: Next advances to the next row,
// Values returns it (the shape of pgx's CopyFromSource).
type Rows interface {
	Next() bool
	Values() ([]any, error)
	Err() error
}

// Copier writes rows into table in bulk, within the transaction whose ctx
// carries it. It reports false, having done nothing, when it cannot.
type Copier interface {
	Copy(ctx context.Context, table string, columns []string, rows Rows) (done bool, err error)
}

type copierKey struct{}

// WithCopier returns ctx carrying c, for the writes of one transaction.
func WithCopier(ctx context.Context, c Copier) context.Context {
	return context.WithValue(ctx, copierKey{}, c)
}

// CopierFrom returns the Copier of ctx, or nil.
func CopierFrom(ctx context.Context) Copier {
	c, _ := ctx.Value(copierKey{}).(Copier)
	return c
}

// Plain is the Dialect of a database no adapter set up: transactions run
// on the pool, without a bulk path.
type Plain struct{}

// RunInTx runs fn in db.RunInTx.
func (Plain) RunInTx(ctx context.Context, db *bun.DB, fn func(ctx context.Context, tx bun.Tx) error) error {
	return db.RunInTx(ctx, nil, fn)
}

// Close does nothing.
func (Plain) Close() error { return nil }
