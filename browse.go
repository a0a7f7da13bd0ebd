package wauser

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wauser/wauser/store"
)

// Page sizes of the List methods.
const (
	DefaultListLimit = 50
	MaxListLimit     = 500
)

// listLimit validates a List limit: 0 means the default, larger than the
// maximum is clamped, negative is invalid.
func listLimit(n int) (int, error) {
	switch {
	case n < 0:
		return 0, invalidArg("limit", "must be at least 1, got %d", n)
	case n == 0:
		return DefaultListLimit, nil
	}
	return min(n, MaxListLimit), nil
}

// List cursors are opaque to callers: a kind letter, then base64 of the
// position. A cursor of one list is refused by another.

func encodeCursor(kind byte, pos string) string {
	return string(kind) + base64.RawURLEncoding.EncodeToString([]byte(pos))
}

func decodeCursor(kind byte, cur string) (string, error) {
	if len(cur) < 2 || cur[0] != kind {
		return "", &ArgumentError{Field: "cursor", Reason: "not a cursor of this list", Err: ErrInvalidCursor}
	}
	b, err := base64.RawURLEncoding.DecodeString(cur[1:])
	if err != nil {
		return "", &ArgumentError{Field: "cursor", Reason: "malformed", Err: ErrInvalidCursor}
	}
	return string(b), nil
}

func timeCursor(kind byte, at time.Time, id string) string {
	return encodeCursor(kind, strconv.FormatInt(at.UnixNano(), 10)+"|"+id)
}

func parseTimeCursor(kind byte, cur string) (*store.KeysetTime, error) {
	if cur == "" {
		return nil, nil
	}
	pos, err := decodeCursor(kind, cur)
	if err != nil {
		return nil, err
	}
	ns, id, ok := strings.Cut(pos, "|")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || !validRecordID(id) {
		return nil, &ArgumentError{Field: "cursor", Reason: "malformed", Err: ErrInvalidCursor}
	}
	return &store.KeysetTime{At: time.Unix(0, n).UTC(), ID: id}, nil
}

// ListConversationsOptions selects conversations.
type ListConversationsOptions struct {
	Kind     ConversationKind // only this kind; "" for all
	Archived *bool            // only archived (true) or not archived (false); nil for all
	Cursor   string           // NextCursor of the previous page
	Limit    int              // 0 means DefaultListLimit; at most MaxListLimit
}

// ConversationList is a page of conversations.
type ConversationList struct {
	Conversations []Conversation `json:"conversations"`
	NextCursor    string         `json:"next_cursor,omitempty"` // empty on the last page
}

// ListConversations returns the account's conversations, the most recently
// active first. Merged-away conversations are not listed.
func (c *Client) ListConversations(ctx context.Context, opts ListConversationsOptions) (*ConversationList, error) {
	limit, err := listLimit(opts.Limit)
	if err != nil {
		return nil, err
	}
	after, err := parseTimeCursor('c', opts.Cursor)
	if err != nil {
		return nil, err
	}
	switch opts.Kind {
	case "", KindDirect, KindGroup, KindNewsletter, KindBroadcast, KindStatus:
	default:
		return nil, invalidArg("kind", "%q is not one of direct, group, newsletter, broadcast, status", opts.Kind)
	}
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := c.core.st.ListConversations(ctx, string(id), store.ListConversationsQuery{
		Kind: string(opts.Kind), Archived: opts.Archived, After: after, Limit: limit + 1,
	})
	if err != nil {
		return nil, fmt.Errorf("wauser: list conversations: %w", err)
	}
	out := &ConversationList{Conversations: make([]Conversation, 0, min(len(rows), limit))}
	for i, r := range rows {
		if i == limit {
			last := rows[i-1]
			at := last.LastMessageAt
			if at.IsZero() {
				at = time.Unix(0, 0)
			}
			out.NextCursor = timeCursor('c', at, last.ConversationID)
			break
		}
		out.Conversations = append(out.Conversations, conversationFromRow(r))
	}
	return out, nil
}

// GetConversation returns a conversation by id; the id of a merged-away
// conversation returns the one it was merged into.
func (c *Client) GetConversation(ctx context.Context, conversation ConversationID) (*Conversation, error) {
	if !validRecordID(string(conversation)) {
		return nil, invalidArg("conversation_id", "%q is not a conversation id", conversation)
	}
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	r, err := c.core.st.GetConversation(ctx, string(id), string(conversation))
	if err != nil {
		return nil, recordError("conversation", string(conversation), err)
	}
	conv := conversationFromRow(r)
	return &conv, nil
}

// ListMessagesOptions selects messages.
type ListMessagesOptions struct {
	ConversationID ConversationID // only this conversation; "" for all
	// PersonID selects the direct conversation with this person (a page
	// without messages when there is none yet). It cannot be combined
	// with ConversationID.
	PersonID PersonID
	// BeforeMessageID starts the page after this message, with the ones
	// sent before it: the way to page on without a cursor. It cannot be
	// combined with Cursor, and must belong to the selected conversation.
	BeforeMessageID MessageID
	Cursor          string // NextCursor of the previous page
	Limit           int    // 0 means DefaultListLimit; at most MaxListLimit
}

// MessageList is a page of messages.
type MessageList struct {
	Messages   []Message `json:"messages"`
	NextCursor string    `json:"next_cursor,omitempty"` // empty on the last page
}

// ListMessages returns messages, newest first. Deleted messages are listed
// as tombstones (DeletedAt set, no body).
func (c *Client) ListMessages(ctx context.Context, opts ListMessagesOptions) (*MessageList, error) {
	limit, err := listLimit(opts.Limit)
	if err != nil {
		return nil, err
	}
	after, err := parseTimeCursor('m', opts.Cursor)
	if err != nil {
		return nil, err
	}
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	convID := string(opts.ConversationID)
	switch {
	case convID != "" && !validRecordID(convID):
		return nil, invalidArg("conversation_id", "%q is not a conversation id", convID)
	case opts.PersonID != "" && !validRecordID(string(opts.PersonID)):
		return nil, invalidArg("person_id", "%q is not a person id", opts.PersonID)
	case opts.PersonID != "" && convID != "":
		return nil, invalidArg("person_id", "give a person or a conversation, not both")
	case opts.BeforeMessageID != "" && !validRecordID(string(opts.BeforeMessageID)):
		return nil, invalidArg("before_message_id", "%q is not a message id", opts.BeforeMessageID)
	case opts.BeforeMessageID != "" && opts.Cursor != "":
		return nil, invalidArg("before_message_id", "give a cursor or a message to start before, not both")
	}
	if convID != "" {
		conv, err := c.core.st.GetConversation(ctx, string(id), convID)
		if err != nil {
			return nil, recordError("conversation", convID, err)
		}
		convID = conv.ConversationID
	}
	if opts.PersonID != "" {
		rows, err := store.ConversationsWhere(ctx, c.core.st.DB(), string(id),
			"kind = ? AND direct_person_id = ? AND merged_into = ''", string(KindDirect), string(opts.PersonID))
		if err != nil {
			return nil, fmt.Errorf("wauser: list messages: %w", err)
		}
		if len(rows) == 0 {
			return &MessageList{Messages: []Message{}}, nil
		}
		convID = rows[0].ConversationID
	}
	if opts.BeforeMessageID != "" {
		m, err := c.core.st.GetMessage(ctx, string(id), string(opts.BeforeMessageID))
		if err != nil {
			return nil, recordError("message", string(opts.BeforeMessageID), err)
		}
		if (convID != "" && m.ConversationID != convID) || m.SentAt.IsZero() {
			return nil, invalidArg("before_message_id", "%q is not a message of this conversation", opts.BeforeMessageID)
		}
		after = &store.KeysetTime{At: m.SentAt.UTC(), ID: m.MessageID}
	}
	rows, err := c.core.st.ListMessages(ctx, string(id), store.ListMessagesQuery{ConversationID: convID, After: after, Limit: limit + 1})
	if err != nil {
		return nil, fmt.Errorf("wauser: list messages: %w", err)
	}
	out := &MessageList{Messages: make([]Message, 0, min(len(rows), limit))}
	for i, r := range rows {
		if i == limit {
			out.NextCursor = timeCursor('m', rows[i-1].SentAt, rows[i-1].MessageID)
			break
		}
		out.Messages = append(out.Messages, messageFromRow(r))
	}
	return out, nil
}

// GetMessage returns a message by id.
func (c *Client) GetMessage(ctx context.Context, message MessageID) (*Message, error) {
	if !validRecordID(string(message)) {
		return nil, invalidArg("message_id", "%q is not a message id", message)
	}
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	r, err := c.core.st.GetMessage(ctx, string(id), string(message))
	if err != nil {
		return nil, recordError("message", string(message), err)
	}
	m := messageFromRow(r)
	return &m, nil
}

// ListContactsOptions selects contacts.
type ListContactsOptions struct {
	Cursor string // NextCursor of the previous page
	Limit  int    // 0 means DefaultListLimit; at most MaxListLimit
}

// ContactList is a page of contacts.
type ContactList struct {
	Contacts   []Contact `json:"contacts"`
	NextCursor string    `json:"next_cursor,omitempty"` // empty on the last page
}

// ListContacts returns the account's contacts in the order they became
// known, with the time of their latest direct message.
func (c *Client) ListContacts(ctx context.Context, opts ListContactsOptions) (*ContactList, error) {
	limit, err := listLimit(opts.Limit)
	if err != nil {
		return nil, err
	}
	var after int64
	if opts.Cursor != "" {
		pos, err := decodeCursor('p', opts.Cursor)
		if err != nil {
			return nil, err
		}
		if after, err = strconv.ParseInt(pos, 10, 64); err != nil || after < 0 {
			return nil, &ArgumentError{Field: "cursor", Reason: "malformed", Err: ErrInvalidCursor}
		}
	}
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := c.core.st.ListContacts(ctx, string(id), store.ListContactsQuery{AfterNum: after, Limit: limit + 1})
	if err != nil {
		return nil, fmt.Errorf("wauser: list contacts: %w", err)
	}
	if len(rows) > limit {
		rows = rows[:limit+1]
	}
	people := make([]string, 0, len(rows))
	for _, r := range rows {
		people = append(people, r.PersonID)
	}
	active, err := c.core.st.DirectActivity(ctx, string(id), people)
	if err != nil {
		return nil, fmt.Errorf("wauser: list contacts: %w", err)
	}
	out := &ContactList{Contacts: make([]Contact, 0, min(len(rows), limit))}
	for i, r := range rows {
		if i == limit {
			out.NextCursor = encodeCursor('p', strconv.FormatInt(rows[i-1].Num, 10))
			break
		}
		ct := contactFromRow(r)
		ct.LastMessageAt = active[r.PersonID]
		out.Contacts = append(out.Contacts, ct)
	}
	return out, nil
}

// GetContact returns a contact by person id, or by who: a phone number
// (E.164 or digits), a phone or LID JID, or the contact's number (Num).
func (c *Client) GetContact(ctx context.Context, who string) (*Contact, error) {
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	var r *store.Contact
	switch {
	case who == "":
		return nil, invalidArg("contact", "empty")
	case strings.HasPrefix(who, "person_"):
		if !validRecordID(who) {
			return nil, invalidArg("contact", "%q is not a person id", who)
		}
		r, err = c.core.st.GetContact(ctx, string(id), who)
	case strings.Contains(who, "@"):
		j, perr := parseUser("contact", who)
		if perr != nil {
			return nil, perr
		}
		r, err = c.core.st.ContactByJID(ctx, string(id), j.String())
	default:
		if n, nerr := strconv.ParseInt(who, 10, 64); nerr == nil && n > 0 && !strings.HasPrefix(who, "+") && len(who) < 7 {
			r, err = c.core.st.ContactByNum(ctx, string(id), n)
			break
		}
		digits, perr := parsePhone(who)
		if perr != nil {
			return nil, invalidArg("contact", "%q is neither a person id, a JID, a contact number nor a phone number", who)
		}
		r, err = c.core.st.ContactByJID(ctx, string(id), digits+"@s.whatsapp.net")
	}
	if err != nil {
		return nil, recordError("contact", who, err)
	}
	act, err := c.core.st.DirectActivity(ctx, string(id), []string{r.PersonID})
	if err != nil {
		return nil, fmt.Errorf("wauser: get contact: %w", err)
	}
	ct := contactFromRow(r)
	ct.LastMessageAt = act[r.PersonID]
	return &ct, nil
}

// validRecordID reports whether id can be a record id (conv_…, msg_…,
// person_…): 1 to 64 ASCII letters, digits and underscores.
func validRecordID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// recordError maps a store error about a record to the API's errors.
func recordError(what, id string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %s %q", ErrNotFound, what, id)
	}
	return fmt.Errorf("wauser: get %s: %w", what, err)
}
