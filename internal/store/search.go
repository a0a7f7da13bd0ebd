package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/wauser/wauser/internal/search"
)

// Migrations whose SQL differs between the databases (the full-text
// index): one directory per dialect, the same names in both.
//
//go:embed migrations/sqlite/*.up.sql migrations/postgres/*.up.sql
var dialectMigrationFiles embed.FS

// discoverDialectMigrations adds the migrations of the store's dialect.
func (s *Store) discoverDialectMigrations(m *migrate.Migrations) error {
	dir := "migrations/sqlite"
	if s.Postgres() {
		dir = "migrations/postgres"
	}
	sub, err := fs.Sub(dialectMigrationFiles, dir)
	if err != nil {
		return err
	}
	return m.Discover(sub)
}

// SearchMessagesQuery is a full-text search of one account's messages.
type SearchMessagesQuery struct {
	Query          search.Query
	ConversationID string    // only this conversation; "" for all
	SenderPersonID string    // only messages this person sent; "" for all
	FromMe         bool      // only messages the account sent
	ContentTypes   []string  // only these content types; empty for all
	Since, Until   time.Time // sent at or after Since, before Until; zero for open
	Offset, Limit  int
}

// SearchHit is a message id found by SearchMessages and its score (higher
// is better; comparable within one search only).
type SearchHit struct {
	MessageID string  `bun:"message_id"`
	Score     float64 `bun:"score"`
}

// SearchMessages finds the live messages (not deleted, not merged away,
// received) whose body matches q.Query, best first; equal scores newest
// first. SQLite ranks with FTS5's bm25, PostgreSQL with ts_rank over the
// 'simple' configuration.
func (s *Store) SearchMessages(ctx context.Context, account string, q SearchMessagesQuery) ([]SearchHit, error) {
	var sb strings.Builder
	var args []any
	if s.Postgres() {
		sb.WriteString(`SELECT m.message_id, ts_rank(to_tsvector('simple'::regconfig, m.body), q.q) AS score
FROM wauser_messages AS m, to_tsquery('simple'::regconfig, ?) AS q(q)
WHERE to_tsvector('simple'::regconfig, m.body) @@ q.q
AND m.body <> '' AND m.deleted_at IS NULL AND m.merged_into = ''`)
		args = append(args, q.Query.TSQuery())
	} else {
		sb.WriteString(`SELECT m.message_id, -f.rank AS score
FROM wauser_messages_fts AS f JOIN wauser_messages AS m ON m.rowid = f.rowid
WHERE wauser_messages_fts MATCH ?
AND m.body <> '' AND m.deleted_at IS NULL AND m.merged_into = ''`)
		args = append(args, q.Query.FTS5())
	}
	sb.WriteString(" AND m.account_id = ? AND m.sent_at IS NOT NULL")
	args = append(args, account)
	if q.ConversationID != "" {
		sb.WriteString(" AND m.conversation_id = ?")
		args = append(args, q.ConversationID)
	}
	if q.SenderPersonID != "" {
		sb.WriteString(" AND m.sender_person_id = ? AND NOT m.is_from_me")
		args = append(args, q.SenderPersonID)
	}
	if q.FromMe {
		sb.WriteString(" AND m.is_from_me")
	}
	if len(q.ContentTypes) > 0 {
		sb.WriteString(" AND m.content_type IN (?)")
		args = append(args, bun.List(q.ContentTypes))
	}
	if !q.Since.IsZero() {
		sb.WriteString(" AND m.sent_at >= ?")
		args = append(args, q.Since.UTC())
	}
	if !q.Until.IsZero() {
		sb.WriteString(" AND m.sent_at < ?")
		args = append(args, q.Until.UTC())
	}
	sb.WriteString(" ORDER BY score DESC, m.sent_at DESC, m.message_id DESC LIMIT ? OFFSET ?")
	args = append(args, q.Limit, q.Offset)
	hits := []SearchHit{}
	if err := s.db.NewRaw(sb.String(), args...).Scan(ctx, &hits); err != nil {
		return nil, fmt.Errorf("store: search messages: %w", err)
	}
	return hits, nil
}

// MessagesByID returns the account's messages with these ids, in no
// particular order.
func (s *Store) MessagesByID(ctx context.Context, account string, ids []string) ([]*Message, error) {
	if len(ids) == 0 {
		return []*Message{}, nil
	}
	return messagesWhere(ctx, s.db, account, "message_id IN (?)", bun.List(ids))
}
