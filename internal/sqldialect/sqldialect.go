// Package sqldialect is the seam between the engine's store
// (internal/store) and the adapters, store/sqlite and store/postgres: what
// the databases do differently beyond the SQL that bun's dialects write.
// The store runs every query; an adapter supplies a Dialect, which decides
// how a write transaction runs (SQLite: one set-aside write connection and
// a checkpointer; PostgreSQL: a connection of its own, through which new
// rows can be copied in bulk), holds the SQL that only its database speaks
// (the full-text search, advisory locks, placeholders), and embeds its
// database's own migrations.
//
// The store imports this package and no SQL driver; each adapter imports
// its own driver, so a program links only the drivers of the adapters it
// imports.
package sqldialect

import (
	"context"
	"io/fs"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/wauser/wauser/internal/search"
)

// New makes the Dialect of a store over db, which logs to log.
type New func(db *bun.DB, log *slog.Logger) Dialect

// Dialect is what one database does its own way. Only the adapters
// implement it: its unexported method comes with Sealed, which they embed.
type Dialect interface {
	// RunInTx runs fn in a transaction on db. It may put a Copier in the
	// ctx it gives fn.
	RunInTx(ctx context.Context, db *bun.DB, fn func(ctx context.Context, tx bun.Tx) error) error
	// Close releases what the dialect holds (connections, goroutines)
	// before the database is closed. Later RunInTx calls fail.
	Close() error

	// WhatsmeowDialect names the database for whatsmeow's sqlstore
	// ("sqlite3", "postgres").
	WhatsmeowDialect() string
	// CheckConn checks, before migrating, that db's connections have the
	// settings the schema relies on (SQLite: foreign keys on).
	CheckConn(ctx context.Context, db *bun.DB) error
	// Migrations returns the migrations of this database only (the
	// full-text index), named in the same sequence as the shared ones.
	Migrations() (fs.FS, error)
	// Placeholders rewrites the ? placeholders of a query to prepare
	// (which has no ? in literals) into the driver's own.
	Placeholders(query string) string
	// ForUpdate makes q lock the rows it reads until the transaction
	// ends, where the database locks rows (PostgreSQL); SQLite's
	// immediate transactions hold the whole database already.
	ForUpdate(q *bun.SelectQuery) *bun.SelectQuery
	// SkipLocked makes q lock the rows it reads and pass over the rows
	// other transactions hold, where the database locks rows
	// (PostgreSQL: FOR UPDATE SKIP LOCKED); SQLite's q is unchanged.
	SkipLocked(q *bun.SelectQuery) *bun.SelectQuery
	// LockRows makes the transaction of q wait for the rows q selects and
	// hold them in mode until it ends, where the database locks rows
	// (PostgreSQL); on SQLite it runs nothing.
	LockRows(ctx context.Context, q *bun.SelectQuery, mode RowLock) error
	// TimeParam is the placeholder of a time value in a VALUES list, where
	// the database cannot infer the column's type ("?::timestamptz").
	TimeParam() string
	// BulkWrite says how the store writes many rows of a model in one
	// statement.
	BulkWrite() BulkWrite
	// SearchMessages returns the start of a full-text search of messages:
	// a SELECT of m.message_id and score (higher is better) from
	// wauser_messages AS m joined to the index, with a WHERE clause that
	// matches q and its one argument; the caller adds AND clauses, ORDER
	// and LIMIT.
	SearchMessages(q search.Query) (query string, arg any)
	// Locks returns the database's advisory locks, or nil when the
	// database serves one process (SQLite) and needs none.
	Locks() Locks

	sealed()
}

// RowLock is the strength of the row locks LockRows takes.
type RowLock int

const (
	// RowShare keeps others from changing or locking the rows for update
	// (FOR SHARE).
	RowShare RowLock = iota
	// RowUpdate keeps others from changing or locking the rows at all (FOR
	// UPDATE).
	RowUpdate
)

// BulkWrite is how a database takes many rows in one statement.
type BulkWrite int

const (
	// BulkValues binds every value of a multi-row VALUES list, once per
	// statement for a column equal in every row, and times as bun's UTC
	// text (SQLite, whose statements carry few parameters cheaply).
	BulkValues BulkWrite = iota
	// BulkArrays binds one array per column and unnests them, a fixed
	// number of parameters whatever the rows, times as time values, and
	// writes new rows through the transaction's Copier when it has one
	// (PostgreSQL).
	BulkArrays
)

// Sealed gives an adapter's Dialect its unexported method: embed it.
type Sealed struct{}

//lint:ignore U1000 never called: it makes only types that embed Sealed implement Dialect
func (Sealed) sealed() {}

// Locks are advisory locks held by one connection of its own and freed by
// the database when that connection ends (PostgreSQL's session advisory
// locks). A lock is named by two keys: a namespace and a key in it.
type Locks interface {
	// Setup prepares conn to hold locks for a long time: names it (name,
	// shown to the database's administrators) and sets its keepalives so
	// that the database notices a vanished holder about keepAlive +
	// 3·interval later and frees its locks.
	Setup(ctx context.Context, conn bun.IConn, name string, keepAlive, interval time.Duration) error
	// Lock waits for the lock and takes it.
	Lock(ctx context.Context, conn bun.IConn, namespace, key int32) error
	// TryLock takes the lock if no other connection holds it.
	TryLock(ctx context.Context, conn bun.IConn, namespace, key int32) (bool, error)
	// Unlock lets one lock go.
	Unlock(ctx context.Context, conn bun.IConn, namespace, key int32) error
	// UnlockAll lets every lock of conn go.
	UnlockAll(ctx context.Context, conn bun.IConn) error
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
