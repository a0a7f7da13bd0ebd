package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/wauser/wauser/internal/search"
)

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
// 'simple' configuration (the adapters' SearchMessages).
func (s *Store) SearchMessages(ctx context.Context, account string, q SearchMessagesQuery) ([]SearchHit, error) {
	var sb strings.Builder
	var args []any
	match, arg := s.dialect.SearchMessages(q.Query)
	sb.WriteString(match)
	args = append(args, arg)
	sb.WriteString(" AND m.body <> '' AND m.deleted_at IS NULL AND m.merged_into = ''")
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
	return selectMessages(ctx, s.db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("message_id IN (?)", bun.List(ids))
	})
}
