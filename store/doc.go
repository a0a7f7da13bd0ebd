// Package store holds a wauser database: open one through an adapter,
// migrate it, hand it to wauser.New, close it.
//
// Open a Store with [github.com/wauser/wauser/store/sqlite.Open] (an
// embedded SQLite file, pure Go) or [github.com/wauser/wauser/store/postgres.Open],
// which also migrate; or wrap a *bun.DB the host already owns with the
// adapter's New ([github.com/wauser/wauser/store/sqlite.New],
// [github.com/wauser/wauser/store/postgres.New]) and call Migrate yourself.
// An Opener ([github.com/wauser/wauser/store/sqlite.File],
// [github.com/wauser/wauser/store/postgres.DSN]) names a database for
// wauser.Open. The records live behind wauser.Client's methods; this
// package has no queries of its own.
//
// WhatsApp's own device store (whatsmeow's sqlstore, tables whatsmeow_*)
// lives in the same database on the same *sql.DB ([Store.Container]).
// wauser's tables are prefixed wauser_; its migrations are recorded in
// wauser_migrations.
//
// This package imports no SQL driver: each adapter imports its own, so a
// program links only the driver of the adapter it uses.
//
// On a SQLite file a Store's writes run one at a time on one connection
// set aside for writing, and it checkpoints the WAL on a goroutine of its
// own (passive, at most every 100 ms) rather than inside a writer's
// commit; Close stops it. On PostgreSQL each write transaction has its own
// connection, which lets new message rows go in with COPY when the driver
// is pgx.
package store
