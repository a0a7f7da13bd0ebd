package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/wauser/wauser/internal/search"
	"github.com/wauser/wauser/internal/sqldialect"
)

// writer is the SQLite dialect: on a file, write transactions run one at a
// time on one connection set aside for writing, and a goroutine of its own
// checkpoints the WAL.
type writer struct {
	sqldialect.Sealed

	db  *bun.DB
	log *slog.Logger

	// mu serializes RunInTx, SQLite having one writer anyway: writers of
	// this process queue here in order instead of polling the file lock,
	// where a busy writer could starve past busy_timeout.
	mu sync.Mutex
	// conn, on a file, is the connection RunInTx writes through (under
	// mu): one connection keeps the pages the writes touch in its cache,
	// where a pooled one would start cold whenever a reader had taken the
	// last.
	conn   *bun.Conn
	closed bool // by Close: no new write connection
	// checkpoint wakes checkpointLoop; closing stopCheckpoint ends it.
	checkpoint, stopCheckpoint chan struct{}
	checkpointer               sync.WaitGroup
}

func newWriter(db *bun.DB, log *slog.Logger) sqldialect.Dialect {
	return &writer{db: db, log: log}
}

// RunInTx runs a transaction on the write connection.
func (w *writer) RunInTx(ctx context.Context, db *bun.DB, fn func(ctx context.Context, tx bun.Tx) error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return sql.ErrConnDone
	}
	if db.DB.Stats().MaxOpenConnections == 1 {
		// The one connection of an in-memory database cannot be set aside.
		return db.RunInTx(ctx, &sql.TxOptions{}, fn)
	}
	if w.conn == nil {
		c, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		// This connection leaves checkpoints to the checkpointer.
		if _, err := c.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 0"); err != nil {
			_ = c.Close()
			return err
		}
		w.conn = &c
		if w.checkpoint == nil {
			w.checkpoint, w.stopCheckpoint = make(chan struct{}, 1), make(chan struct{})
			ch, stop := w.checkpoint, w.stopCheckpoint
			w.checkpointer.Go(func() { w.checkpointLoop(ch, stop) })
		}
	}
	err := w.conn.RunInTx(ctx, &sql.TxOptions{}, fn)
	if err != nil {
		// The pool checks a connection it gets back and drops a broken
		// one (say, interrupted by a cancelled ctx and left inside its
		// transaction); a connection set aside is never checked. After a
		// failure, hand it back and take another for the next write.
		_ = w.conn.Close()
		w.conn = nil
	}
	if err == nil {
		select {
		case w.checkpoint <- struct{}{}:
		default: // one is due already
		}
	}
	return err
}

// Close closes the write connection and stops the checkpointer.
func (w *writer) Close() error {
	w.mu.Lock()
	w.closed = true
	if w.conn != nil {
		_ = w.conn.Close()
		w.conn = nil
	}
	if w.stopCheckpoint != nil {
		close(w.stopCheckpoint)
		w.checkpoint, w.stopCheckpoint = nil, nil
	}
	w.mu.Unlock()
	w.checkpointer.Wait()
	return nil
}

// checkpointEvery is the least time between two checkpoints: a burst of
// small commits costs one checkpoint (and its fsyncs), not one each.
const checkpointEvery = 100 * time.Millisecond

// checkpointLoop copies committed pages from the WAL into the database
// file after commits of the write connection, on a connection of its
// own. SQLite would otherwise do it inside the commit that crosses its
// threshold, on the writer's time; a passive checkpoint waits for nobody.
func (w *writer) checkpointLoop(wake, stop <-chan struct{}) {
	pause := time.NewTimer(0)
	defer pause.Stop()
	for {
		select {
		case <-stop:
			return
		case <-wake:
		}
		if _, err := w.db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
			w.log.Debug("store: checkpoint", "error", err)
		}
		pause.Reset(checkpointEvery)
		select {
		case <-stop:
			return
		case <-pause.C:
		}
	}
}

//go:embed migrations/*.up.sql
var migrations embed.FS

func (*writer) WhatsmeowDialect() string { return "sqlite3" }

// CheckConn checks that foreign keys are on: whatsmeow's device store
// relies on ON DELETE CASCADE.
func (*writer) CheckConn(ctx context.Context, db *bun.DB) error {
	var fk bool
	if err := db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return fmt.Errorf("check foreign keys: %w", err)
	}
	if !fk {
		return errors.New("SQLite foreign keys are off; open the database with _pragma=foreign_keys(1) (see sqlite.DSN)")
	}
	return nil
}

// Migrations are the full-text index's: an FTS5 table kept by triggers.
func (*writer) Migrations() (fs.FS, error) { return fs.Sub(migrations, "migrations") }

// Placeholders keeps SQLite's ? placeholders.
func (*writer) Placeholders(q string) string { return q }

// ForUpdate changes nothing: the immediate transaction holds the
// database's write lock.
func (*writer) ForUpdate(q *bun.SelectQuery) *bun.SelectQuery { return q }

// SkipLocked changes nothing, as ForUpdate: no other transaction writes
// while this one does.
func (*writer) SkipLocked(q *bun.SelectQuery) *bun.SelectQuery { return q }

// LockRows runs nothing: the immediate transaction holds the database.
func (*writer) LockRows(context.Context, *bun.SelectQuery, sqldialect.RowLock) error { return nil }

// TimeParam is a plain placeholder: times are bound as text.
func (*writer) TimeParam() string { return "?" }

// BulkWrite is multi-row VALUES lists.
func (*writer) BulkWrite() sqldialect.BulkWrite { return sqldialect.BulkValues }

// SearchMessages matches the FTS5 table and ranks with its bm25 (lower is
// better, hence negated).
func (*writer) SearchMessages(q search.Query) (string, any) {
	return `SELECT m.message_id, -f.rank AS score
FROM wauser_messages_fts AS f JOIN wauser_messages AS m ON m.rowid = f.rowid
WHERE wauser_messages_fts MATCH ?`, q.FTS5()
}

// Locks are none: one process uses a SQLite file.
func (*writer) Locks() sqldialect.Locks { return nil }
