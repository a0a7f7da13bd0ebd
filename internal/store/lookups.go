package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// The lookups of one account's records by what they are, for the
// ingester and the Client. Each names its rule (a merged-away row is one
// whose merged_into is set; it is left out unless the name says "row"),
// so no caller writes SQL.

// selectConversations loads the account's conversations the query matches,
// with their participants.
func selectConversations(ctx context.Context, db bun.IDB, account string, where func(*bun.SelectQuery) *bun.SelectQuery) ([]*Conversation, error) {
	rows := []*Conversation{}
	if err := where(db.NewSelect().Model(&rows).Where("account_id = ?", account)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: load conversations: %w", err)
	}
	if err := loadParticipants(ctx, db, account, rows); err != nil {
		return nil, err
	}
	return rows, nil
}

func selectContacts(ctx context.Context, db bun.IDB, account string, where func(*bun.SelectQuery) *bun.SelectQuery) ([]*Contact, error) {
	rows := []*Contact{}
	if err := where(db.NewSelect().Model(&rows).Where("account_id = ?", account)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: load contacts: %w", err)
	}
	return rows, nil
}

func selectMessages(ctx context.Context, db bun.IDB, account string, where func(*bun.SelectQuery) *bun.SelectQuery) ([]*Message, error) {
	rows := []*Message{}
	if err := where(db.NewSelect().Model(&rows).Where("account_id = ?", account)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: load messages: %w", err)
	}
	return rows, nil
}

// ConversationRows returns the account's conversations with these ids,
// merged-away ones included.
func ConversationRows(ctx context.Context, db bun.IDB, account string, ids ...string) ([]*Conversation, error) {
	return selectConversations(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("conversation_id IN (?)", bun.List(ids))
	})
}

// DirectConversations returns the account's live direct conversations
// with these people.
func DirectConversations(ctx context.Context, db bun.IDB, account string, personIDs ...string) ([]*Conversation, error) {
	return selectConversations(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("merged_into = '' AND kind = 'direct' AND direct_person_id IN (?)", bun.List(personIDs))
	})
}

// GroupsWithParticipant returns the account's conversations (merged-away
// ones included) that have the person among their participants.
func GroupsWithParticipant(ctx context.Context, db bun.IDB, account, personID string) ([]*Conversation, error) {
	return selectConversations(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("conversation_id IN (SELECT conversation_id FROM wauser_participants WHERE account_id = ? AND person_id = ?)", account, personID)
	})
}

// AllContacts returns every contact row of the account, merged-away ones
// included.
func AllContacts(ctx context.Context, db bun.IDB, account string) ([]*Contact, error) {
	return selectContacts(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery { return q })
}

// ContactRows returns the account's contacts with these ids, merged-away
// ones included.
func ContactRows(ctx context.Context, db bun.IDB, account string, ids ...string) ([]*Contact, error) {
	return selectContacts(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("person_id IN (?)", bun.List(ids))
	})
}

// ContactRowsByJIDOrID returns the account's contacts, merged-away ones
// included, whose phone or LID JID is one of jids, or whose id is one of
// ids.
func ContactRowsByJIDOrID(ctx context.Context, db bun.IDB, account string, jids, ids []string) ([]*Contact, error) {
	return selectContacts(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("phone_jid IN (?) OR lid_jid IN (?) OR person_id IN (?)", bun.List(jids), bun.List(jids), bun.List(ids))
	})
}

// ContactByPhoneJID returns the account's live contacts with this phone
// JID (at most one, unless the store is inconsistent).
func ContactByPhoneJID(ctx context.Context, db bun.IDB, account, jid string) ([]*Contact, error) {
	return selectContacts(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("merged_into = '' AND phone_jid = ?", jid)
	})
}

// ContactByLIDJID is ContactByPhoneJID for a LID JID.
func ContactByLIDJID(ctx context.Context, db bun.IDB, account, jid string) ([]*Contact, error) {
	return selectContacts(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("merged_into = '' AND lid_jid = ?", jid)
	})
}

// AllMessages returns every message row of the account, merged-away ones
// included.
func AllMessages(ctx context.Context, db bun.IDB, account string) ([]*Message, error) {
	return selectMessages(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery { return q })
}

// MessageRow returns the account's message with id, merged away or not,
// in a slice of at most one.
func MessageRow(ctx context.Context, db bun.IDB, account, id string) ([]*Message, error) {
	return selectMessages(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("message_id = ?", id)
	})
}

// MessageRowsByWAID returns the rows, merged-away ones included, of the
// conversation with this WhatsApp message id.
func MessageRowsByWAID(ctx context.Context, db bun.IDB, account, convID, waID string) ([]*Message, error) {
	return selectMessages(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("conversation_id = ? AND wa_message_id = ?", convID, waID)
	})
}

// MessageRowsByWAIDs returns the rows, merged-away ones included, of these
// conversations with these WhatsApp message ids.
func MessageRowsByWAIDs(ctx context.Context, db bun.IDB, account string, convIDs, waIDs []string) ([]*Message, error) {
	return selectMessages(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("conversation_id IN (?) AND wa_message_id IN (?)", bun.List(convIDs), bun.List(waIDs))
	})
}

// MessageByWAIDOrClientID returns the live messages of the conversation
// with this WhatsApp message id, and the account's own sent with id as
// the caller's id.
func MessageByWAIDOrClientID(ctx context.Context, db bun.IDB, account, convID, id string) ([]*Message, error) {
	return selectMessages(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("conversation_id = ? AND (wa_message_id = ? OR (client_id = ? AND is_from_me = ?)) AND merged_into = ''", convID, id, id, true)
	})
}

// SentByClientID returns the account's own live messages of the
// conversation sent with the caller's id clientID; messages stored before
// caller ids were kept apart went under the caller's id itself, as their
// WhatsApp id.
func SentByClientID(ctx context.Context, db bun.IDB, account, convID, clientID string) ([]*Message, error) {
	return selectMessages(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("conversation_id = ? AND (client_id = ? OR (client_id = '' AND wa_message_id = ?)) AND is_from_me = ? AND merged_into = ''",
			convID, clientID, clientID, true)
	})
}

// ConversationMessages returns the live messages of the conversation.
func ConversationMessages(ctx context.Context, db bun.IDB, account, convID string) ([]*Message, error) {
	return selectMessages(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("conversation_id = ? AND merged_into = ''", convID)
	})
}

// MessagesToClear returns the live, not yet deleted messages of the
// conversation sent up to (and including) until; a zero until: all.
func MessagesToClear(ctx context.Context, db bun.IDB, account, convID string, until time.Time) ([]*Message, error) {
	return selectMessages(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("conversation_id = ? AND merged_into = '' AND deleted_at IS NULL", convID)
		if !until.IsZero() {
			q = q.Where("sent_at <= ?", until.UTC())
		}
		return q
	})
}

// MessageRowsBySender returns the rows, merged-away ones included, of
// these conversations sent by the person.
func MessageRowsBySender(ctx context.Context, db bun.IDB, account string, convIDs []string, personID string) ([]*Message, error) {
	return selectMessages(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("conversation_id IN (?) AND sender_person_id = ?", bun.List(convIDs), personID)
	})
}

// MessagesNaming returns the live messages of these conversations that
// name the person: sent by them, or with a reaction or vote (in reactions
// or extra) keyed by one of jids.
func MessagesNaming(ctx context.Context, db bun.IDB, account string, convIDs []string, personID string, jids []string) ([]*Message, error) {
	return selectMessages(ctx, db, account, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("conversation_id IN (?) AND merged_into = ''", bun.List(convIDs)).
			WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				q = q.Where("sender_person_id = ?", personID)
				for _, j := range jids {
					like := "%\"" + j + "\"%"
					q = q.WhereOr("reactions LIKE ? OR extra LIKE ?", like, like)
				}
				return q
			})
	})
}
