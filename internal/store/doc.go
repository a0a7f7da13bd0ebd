// Package store is wauser's engine storage: the bun models, the embedded
// migrations and every query the library runs, on SQLite or PostgreSQL.
// Programs do not import it: they open a database through the public
// package github.com/wauser/wauser/store and its adapters (store/sqlite,
// store/postgres), which wrap the Store of this package; the library gets
// it back with Unwrap.
//
// A Store wraps one *bun.DB. WhatsApp's own device store (whatsmeow's
// sqlstore, tables whatsmeow_*) lives in the same database on the same
// *sql.DB, through one container per Store. All tables are prefixed
// wauser_; migrations are recorded in wauser_migrations. The migrations
// shared by both databases are embedded here, beside Migrate; those whose
// SQL differs (the full-text index) come from the adapter's dialect.
//
// What SQLite and PostgreSQL do differently beyond bun's SQL (the search
// query, row and advisory locks, placeholders, how a write transaction
// runs, how many rows go in one statement) is asked of the adapter's
// sqldialect.Dialect; nothing here asks which database it is on. The bulk
// writer's two encodings (multi-row VALUES, column arrays with COPY) are
// built here from bun's table metadata, the Dialect choosing one.
//
// Each query is a named function that owns its rules (a method on *Store,
// or a function taking bun.IDB when it must run inside a caller's
// transaction); no SQL text is built outside this package and the
// adapters.
//
// Writes go through RunInTx, which the adapter's dialect runs: on a
// SQLite file its transactions run one at a time on one connection set
// aside for writing, with the WAL checkpointed on a goroutine of its own;
// on PostgreSQL each transaction has its own connection, which lets new
// message rows go in with COPY when the driver is pgx.
package store
