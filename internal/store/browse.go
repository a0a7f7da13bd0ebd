package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Keyset-paginated reads for the browsing API. Merged-away rows are never
// listed.

// epoch stands in for a missing timestamp when ordering.
var epoch = time.Unix(0, 0).UTC()

// KeysetTime is a position in a list ordered by (time DESC, id DESC).
type KeysetTime struct {
	At time.Time
	ID string
}

// ListConversationsQuery selects conversations.
type ListConversationsQuery struct {
	Kind     string // "" for all
	Archived *bool
	After    *KeysetTime // continue after this position
	Limit    int
}

// ListConversations returns conversations ordered by their latest message,
// newest first (conversations without messages last).
func (s *Store) ListConversations(ctx context.Context, account string, q ListConversationsQuery) ([]*Conversation, error) {
	rows := []*Conversation{}
	sel := s.db.NewSelect().Model(&rows).
		Where("account_id = ? AND merged_into = ''", account).
		OrderExpr("COALESCE(last_message_at, ?) DESC, conversation_id DESC", epoch).
		Limit(int64(q.Limit))
	if q.Kind != "" {
		sel = sel.Where("kind = ?", q.Kind)
	}
	if q.Archived != nil {
		sel = sel.Where("is_archived = ?", *q.Archived)
	}
	if q.After != nil {
		sel = sel.Where("(COALESCE(last_message_at, ?), conversation_id) < (?, ?)", epoch, q.After.At.UTC(), q.After.ID)
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: list conversations: %w", err)
	}
	if err := loadParticipants(ctx, s.db, account, rows); err != nil {
		return nil, err
	}
	return rows, nil
}

// ListMessagesQuery selects messages.
type ListMessagesQuery struct {
	ConversationID string      // "" for every conversation
	After          *KeysetTime // continue after this position
	Limit          int
}

// ListMessages returns messages ordered by send time, newest first.
// Placeholders of messages never received (edits, reactions or revokes
// that arrived before their target) are not listed.
func (s *Store) ListMessages(ctx context.Context, account string, q ListMessagesQuery) ([]*Message, error) {
	rows := []*Message{}
	sel := s.db.NewSelect().Model(&rows).
		Where("account_id = ? AND merged_into = '' AND sent_at IS NOT NULL", account).
		OrderExpr("sent_at DESC, message_id DESC").
		Limit(int64(q.Limit))
	if q.ConversationID != "" {
		sel = sel.Where("conversation_id = ?", q.ConversationID)
	}
	if q.After != nil {
		sel = sel.Where("(sent_at, message_id) < (?, ?)", q.After.At.UTC(), q.After.ID)
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: list messages: %w", err)
	}
	return rows, nil
}

// ListContactsQuery selects contacts.
type ListContactsQuery struct {
	AfterNum int64 // continue after this contact number
	Limit    int
}

// ListContacts returns contacts in the order they became known (their
// stable number).
func (s *Store) ListContacts(ctx context.Context, account string, q ListContactsQuery) ([]*Contact, error) {
	rows := []*Contact{}
	err := s.db.NewSelect().Model(&rows).
		Where("account_id = ? AND merged_into = '' AND num > ?", account, q.AfterNum).
		Order("num").Limit(int64(q.Limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: list contacts: %w", err)
	}
	return rows, nil
}

// follow loads the row with id through get and follows merged_into links
// (at most a few hops) to the row that survived.
func follow[T any](id string, get func(id string) (*T, error), merged func(*T) string) (*T, error) {
	for range 8 {
		row, err := get(id)
		if err != nil {
			return nil, err
		}
		if next := merged(row); next != "" {
			id = next
			continue
		}
		return row, nil
	}
	return nil, fmt.Errorf("store: %s: merge chain too long", id)
}

func first[T any](rows []*T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	return rows[0], nil
}

// GetConversation returns one conversation with its participants, following
// merges to the survivor.
func (s *Store) GetConversation(ctx context.Context, account, id string) (*Conversation, error) {
	return follow(id, func(id string) (*Conversation, error) {
		return first(selectConversations(ctx, s.db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("conversation_id = ?", id)
		}))
	}, func(c *Conversation) string { return c.MergedInto })
}

// GetContact returns one contact, following merges to the survivor.
func (s *Store) GetContact(ctx context.Context, account, personID string) (*Contact, error) {
	return s.contact(ctx, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("person_id = ?", personID)
	})
}

// ContactByJID returns the contact whose phone JID or LID is jid.
func (s *Store) ContactByJID(ctx context.Context, account, jid string) (*Contact, error) {
	return s.contact(ctx, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("(phone_jid = ? OR lid_jid = ?) AND merged_into = ''", jid, jid)
	})
}

// ContactByNum returns the contact with the stable number num.
func (s *Store) ContactByNum(ctx context.Context, account string, num int64) (*Contact, error) {
	return s.contact(ctx, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("num = ?", num)
	})
}

// contact returns the first of the account's contacts the query matches,
// following merges to the survivor.
func (s *Store) contact(ctx context.Context, account string, match func(*bun.SelectQuery) *bun.SelectQuery) (*Contact, error) {
	c, err := first(selectContacts(ctx, s.db, account, match))
	if err != nil || c.MergedInto == "" {
		return c, err
	}
	return follow(c.MergedInto, func(id string) (*Contact, error) {
		return first(selectContacts(ctx, s.db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("person_id = ?", id)
		}))
	}, func(c *Contact) string { return c.MergedInto })
}

// GetMessage returns one message, following merges to the survivor.
func (s *Store) GetMessage(ctx context.Context, account, id string) (*Message, error) {
	return follow(id, func(id string) (*Message, error) {
		return first(selectMessages(ctx, s.db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("message_id = ?", id)
		}))
	}, func(m *Message) string { return m.MergedInto })
}

// ConversationsByIDs returns the latest-message time of the direct
// conversations of the given people (for contact listings).
func (s *Store) DirectActivity(ctx context.Context, account string, personIDs []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(personIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		DirectPersonID string    `bun:"direct_person_id"`
		LastMessageAt  time.Time `bun:"last_message_at"`
	}
	err := s.db.NewSelect().Model((*Conversation)(nil)).Column("direct_person_id", "last_message_at").
		Where("account_id = ? AND merged_into = '' AND kind = 'direct' AND last_message_at IS NOT NULL AND direct_person_id IN (?)", account, bun.List(personIDs)).
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: contact activity: %w", err)
	}
	for _, r := range rows {
		out[r.DirectPersonID] = r.LastMessageAt.UTC()
	}
	return out, nil
}
