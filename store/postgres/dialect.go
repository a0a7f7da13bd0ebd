package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/wauser/wauser/internal/search"
	"github.com/wauser/wauser/internal/sqldialect"
)

// conns is the PostgreSQL dialect: each write transaction runs on a
// connection of its own, through which new rows are copied in bulk (COPY)
// when the driver is pgx.
type conns struct{ sqldialect.Sealed }

func newConns(*bun.DB, *slog.Logger) sqldialect.Dialect { return conns{} }

// RunInTx runs fn on a connection of its own, with a Copier over that
// connection in ctx.
func (conns) RunInTx(ctx context.Context, db *bun.DB, fn func(ctx context.Context, tx bun.Tx) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close() // also when fn panics
	return conn.RunInTx(sqldialect.WithCopier(ctx, copier{conn.Conn}), &sql.TxOptions{}, fn)
}

func (conns) Close() error { return nil }

// copier writes rows with COPY, which PostgreSQL takes in about half the
// time of the same rows inserted from arrays.
type copier struct{ conn *sql.Conn }

// Copy copies rows into table. It reports false, having done nothing,
// when the driver is not pgx.
func (c copier) Copy(ctx context.Context, table string, columns []string, rows sqldialect.Rows) (done bool, err error) {
	// A transaction whose ctx is cancelled while it runs is rolled back by
	// database/sql from another goroutine, which may take the connection
	// from under Conn.Raw (seen as a nil dereference inside Raw on a loaded
	// machine): the write fails, the caller's transaction with it.
	defer func() {
		if r := recover(); r != nil {
			done, err = true, fmt.Errorf("store: copy into %q: connection gone: %v (%w)", table, r, context.Cause(ctx))
		}
	}()
	err = c.conn.Raw(func(dc any) error {
		pc, ok := dc.(interface{ Conn() *pgx.Conn })
		if !ok {
			return nil
		}
		done = true
		if _, err := pc.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, rows); err != nil {
			return fmt.Errorf("store: copy into %q: %w", table, err)
		}
		return nil
	})
	return done, err
}

//go:embed migrations/*.up.sql
var migrations embed.FS

func (conns) WhatsmeowDialect() string { return "postgres" }

// CheckConn has nothing to check.
func (conns) CheckConn(context.Context, *bun.DB) error { return nil }

// Migrations are the full-text index's: a GIN index over the 'simple'
// configuration.
func (conns) Migrations() (fs.FS, error) { return fs.Sub(migrations, "migrations") }

// Placeholders numbers the placeholders: $1, $2...
func (conns) Placeholders(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ForUpdate locks the rows q reads.
func (conns) ForUpdate(q *bun.SelectQuery) *bun.SelectQuery { return q.For("UPDATE") }

// SkipLocked locks the rows q reads and passes over locked ones.
func (conns) SkipLocked(q *bun.SelectQuery) *bun.SelectQuery { return q.For("UPDATE SKIP LOCKED") }

// LockRows selects q's rows FOR SHARE or FOR UPDATE.
func (conns) LockRows(ctx context.Context, q *bun.SelectQuery, mode sqldialect.RowLock) error {
	lock := "SHARE"
	if mode == sqldialect.RowUpdate {
		lock = "UPDATE"
	}
	_, err := q.For(lock).Exec(ctx)
	return err
}

// TimeParam casts: in a VALUES list PostgreSQL would take the value as text.
func (conns) TimeParam() string { return "?::timestamptz" }

// BulkWrite is column arrays and COPY.
func (conns) BulkWrite() sqldialect.BulkWrite { return sqldialect.BulkArrays }

// SearchMessages matches the GIN index of to_tsvector('simple', body) and
// ranks with ts_rank.
func (conns) SearchMessages(q search.Query) (string, any) {
	return `SELECT m.message_id, ts_rank(to_tsvector('simple'::regconfig, m.body), q.q) AS score
FROM wauser_messages AS m, to_tsquery('simple'::regconfig, ?) AS q(q)
WHERE to_tsvector('simple'::regconfig, m.body) @@ q.q`, q.TSQuery()
}

func (conns) Locks() sqldialect.Locks { return advisory{} }

// advisory are PostgreSQL's session advisory locks, two-key form.
type advisory struct{}

func (advisory) Setup(ctx context.Context, conn bun.IConn, name string, keepAlive, interval time.Duration) error {
	if len(name) > 63 {
		name = name[:63]
	}
	secs := func(d time.Duration) int { return max(int(d/time.Second), 1) }
	for _, set := range []struct {
		name  string
		value any
	}{
		{"application_name", name},
		// Let PostgreSQL notice a vanished holder (power off, partition)
		// and free its locks in bounded time.
		{"tcp_keepalives_idle", secs(keepAlive)},
		{"tcp_keepalives_interval", secs(interval)},
		{"tcp_keepalives_count", 3},
	} {
		if _, err := conn.ExecContext(ctx, "SELECT set_config(?, ?, false)", set.name, fmt.Sprint(set.value)); err != nil {
			return fmt.Errorf("set %s: %w", set.name, err)
		}
	}
	return nil
}

func (advisory) Lock(ctx context.Context, conn bun.IConn, namespace, key int32) error {
	_, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?, ?)", namespace, key)
	return err
}

func (advisory) TryLock(ctx context.Context, conn bun.IConn, namespace, key int32) (bool, error) {
	var got bool
	err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(?, ?)", namespace, key).Scan(&got)
	return got, err
}

func (advisory) Unlock(ctx context.Context, conn bun.IConn, namespace, key int32) error {
	_, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock(?, ?)", namespace, key)
	return err
}

func (advisory) UnlockAll(ctx context.Context, conn bun.IConn) error {
	_, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock_all()")
	return err
}
