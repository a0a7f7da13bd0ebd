package wauser

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/wauser/wauser/store"
)

// EventType names an event. In-process handlers and webhooks see the same
// names.
type EventType string

// Event types (DESIGN section 6).
const (
	EventMessageReceived     EventType = "message.received"
	EventMessageSent         EventType = "message.sent"
	EventMessageEdited       EventType = "message.edited"
	EventMessageDeleted      EventType = "message.deleted"
	EventMessageReaction     EventType = "message.reaction"
	EventMessageStatus       EventType = "message.status"
	EventConversationUpdated EventType = "conversation.updated"
	EventContactUpdated      EventType = "contact.updated"
	EventGroupUpdated        EventType = "group.updated"
	EventGroupJoined         EventType = "group.joined"
	EventHistorySync         EventType = "history.sync"
	EventHistorySyncComplete EventType = "history.sync_complete"
	EventAccountQR           EventType = "account.qr"
	EventAccountPaired       EventType = "account.paired"
	EventAccountConnected    EventType = "account.connected"
	EventAccountDisconnected EventType = "account.disconnected"
	EventAccountLoggedOut    EventType = "account.logged_out"
)

// Event is one thing that happened to an account, in the envelope that
// webhooks deliver: {"id","type","account_id","seq","occurred_at","data"}.
// Seq numbers the account's events in commit order.
//
// Data by type:
//   - message.*: the message as the Changes feed shows it (document 000
//     field names: message_id, conversation_id, chat_jid, wa_message_id,
//     sender_jid, direction, content_type, body, status, reactions, media,
//     sent_at, ..., seq), plus "mentions" (JIDs mentioned in it).
//     message.reaction adds "reaction": {"sender_jid", "emoji"} (emoji ""
//     when removed).
//   - conversation.updated, group.updated, group.joined: the conversation.
//   - contact.updated: the contact.
//   - history.sync: {"sync_type", "progress", "conversations", "messages"}
//     for one stored batch; history.sync_complete: {"sync_type",
//     "conversations", "messages"} for the whole sync.
//   - account.qr: {"qr", "expires_at"}; account.paired: {"jid", "lid",
//     "phone", "platform", "business_name"}; account.connected: {"jid",
//     "push_name"}; account.disconnected: {"state", "error"};
//     account.logged_out: {"reason"}.
type Event struct {
	ID         string          `json:"id"`
	Type       EventType       `json:"type"`
	AccountID  AccountID       `json:"account_id"`
	Seq        int64           `json:"seq"`
	OccurredAt time.Time       `json:"occurred_at"`
	Data       json.RawMessage `json:"data"`

	// ConversationID is the conversation the event is about, if any. It
	// orders deliveries (per endpoint and conversation) and is not part of
	// the envelope.
	ConversationID string `json:"-"`
}

// newEvent builds an outbox row for account; data is marshalled to JSON.
func newEvent(account AccountID, typ EventType, conversationID, chatJID string, data any, at time.Time) (*store.Event, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("wauser: encode %s event: %w", typ, err)
	}
	return &store.Event{
		AccountID:      string(account),
		ID:             randomID("evt_"),
		Type:           string(typ),
		ConversationID: conversationID,
		ChatJID:        chatJID,
		Data:           string(raw),
		OccurredAt:     at.UTC(),
	}, nil
}

// emit writes one event in its own transaction. Data changes emit their
// events inside their own transaction instead (store.InsertEvents).
func (co *core) emit(ctx context.Context, account AccountID, typ EventType, data any) error {
	ev, err := newEvent(account, typ, "", "", data, co.cfg.clock.Now())
	if err != nil {
		return err
	}
	return co.st.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		return store.InsertEvents(ctx, tx, []*store.Event{ev})
	})
}
