package wauser

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser/internal/event"
	"github.com/wauser/wauser/internal/ids"
	"github.com/wauser/wauser/internal/store"
)

// EventType names an event. In-process handlers and webhooks see the same
// names.
type EventType = event.Type

// Event types, as handlers and webhooks see them.
const (
	EventMessageReceived     = event.MessageReceived
	EventMessageSent         = event.MessageSent
	EventMessageEdited       = event.MessageEdited
	EventMessageDeleted      = event.MessageDeleted
	EventMessageReaction     = event.MessageReaction
	EventMessageStatus       = event.MessageStatus
	EventConversationUpdated = event.ConversationUpdated
	EventContactUpdated      = event.ContactUpdated
	EventGroupUpdated        = event.GroupUpdated
	EventGroupJoined         = event.GroupJoined
	EventHistorySync         = event.HistorySync
	EventHistorySyncComplete = event.HistorySyncComplete
	EventAccountQR           = event.AccountQR
	EventAccountPaired       = event.AccountPaired
	EventAccountConnected    = event.AccountConnected
	EventAccountDisconnected = event.AccountDisconnected
	EventAccountLoggedOut    = event.AccountLoggedOut
	EventAccountUpdated      = event.AccountUpdated

	// Profile, presence and calls (see Event for their data).
	EventMessageStarred   = event.MessageStarred
	EventPresenceUpdated  = event.PresenceUpdated
	EventBlocklistUpdated = event.BlocklistUpdated
	EventCallOffer        = event.CallOffer
	EventCallAccepted     = event.CallAccepted
	EventCallEnded        = event.CallEnded
	EventCallMissed       = event.CallMissed
)

// Event is one thing that happened to an account, in the envelope that
// webhooks deliver: {"id","type","account_id","seq","occurred_at","data"}.
// Seq numbers the account's events in commit order.
//
// Data by type:
//   - message.*: the message as the Changes feed shows it (the WhatsApp Use sync API
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
//     account.logged_out: {"reason"}; account.updated: {"jid",
//     "push_name"} when the account's profile name changed (SetPushName,
//     or on its phone).
//   - message.starred: the message (with "starred"), when the account
//     starred or unstarred it.
//   - presence.updated: {"jid", "online", "last_seen"} of a person whose
//     presence the account subscribed to (SubscribePresence); last_seen
//     is absent when their privacy hides it. Presence is not stored: the
//     event is its only trace.
//   - blocklist.updated: {"action", "changes": [{"jid", "action"}]},
//     action "block" or "unblock"; a change without a list of changes
//     (action "modify") means: read the list again (ListBlocked).
//   - call.offer, call.accepted, call.ended, call.missed: {"call_id",
//     "from", "creator", "group", "group_jid", "media" (audio or video, on
//     offers), "at", "reason"}. A call that ends without being answered
//     on any of the account's devices is call.missed; see
//     WithCallRejection to decline calls by themselves.
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
		ID:             ids.Sortable("evt_", at), // sorted: a burst of events appends to the id index
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

// Payloads of events, for in-process handlers. Event.Data holds the same
// JSON; these types decode it. Unknown fields are ignored, so handlers keep
// working when fields are added.

// MessageData is the data of message.* events: the message as the Changes
// feed shows it, and for message.reaction the reaction that changed it.
type MessageData struct {
	Message
	// Reaction is set on message.reaction events.
	Reaction *ReactionData `json:"reaction,omitempty"`
}

// ReactionData is the reaction of a message.reaction event; Emoji is ""
// when the sender removed their reaction.
type ReactionData struct {
	SenderJID string `json:"sender_jid"`
	Emoji     string `json:"emoji"`
}

// HistorySyncData is the data of history.sync (one stored batch) and
// history.sync_complete (the whole sync; Progress is 0) events.
type HistorySyncData struct {
	SyncType      string `json:"sync_type"`
	Progress      int    `json:"progress"`
	Conversations int    `json:"conversations"`
	Messages      int    `json:"messages"`
}

// AccountData is the data of account.* events; each type fills its own
// fields (see Event).
type AccountData struct {
	QR           string       `json:"qr,omitempty"`        // account.qr
	ExpiresAt    time.Time    `json:"expires_at,omitzero"` // account.qr
	JID          types.JID    `json:"jid,omitzero"`        // account.paired, account.connected
	LID          types.JID    `json:"lid,omitzero"`        // account.paired
	Phone        string       `json:"phone,omitempty"`     // account.paired
	Platform     string       `json:"platform,omitempty"`  // account.paired
	BusinessName string       `json:"business_name,omitempty"`
	PushName     string       `json:"push_name,omitempty"` // account.connected, account.updated
	State        AccountState `json:"state,omitempty"`     // account.disconnected
	Error        string       `json:"error,omitempty"`     // account.disconnected
	Reason       string       `json:"reason,omitempty"`    // account.logged_out
}

// decodeData decodes e.Data into a new T when e's type is one of typs.
func decodeData[T any](e Event, what string, ok func(EventType) bool) (*T, error) {
	if !ok(e.Type) {
		return nil, fmt.Errorf("%w: a %s event has no %s data", ErrInvalidArgument, e.Type, what)
	}
	v := new(T)
	if err := json.Unmarshal(e.Data, v); err != nil {
		return nil, fmt.Errorf("wauser: decode %s event: %w", e.Type, err)
	}
	return v, nil
}

func isMessageEvent(t EventType) bool { return strings.HasPrefix(string(t), "message.") }
func isAccountEvent(t EventType) bool { return strings.HasPrefix(string(t), "account.") }
func isConversationEvent(t EventType) bool {
	return t == EventConversationUpdated || t == EventGroupUpdated || t == EventGroupJoined
}

// Message decodes the data of a message.* event. Other types return an
// error matching ErrInvalidArgument.
func (e Event) Message() (*MessageData, error) {
	return decodeData[MessageData](e, "message", isMessageEvent)
}

// Conversation decodes the data of a conversation.updated, group.updated or
// group.joined event.
func (e Event) Conversation() (*Conversation, error) {
	return decodeData[Conversation](e, "conversation", isConversationEvent)
}

// Contact decodes the data of a contact.updated event.
func (e Event) Contact() (*Contact, error) {
	return decodeData[Contact](e, "contact", func(t EventType) bool { return t == EventContactUpdated })
}

// HistorySync decodes the data of a history.sync or history.sync_complete
// event.
func (e Event) HistorySync() (*HistorySyncData, error) {
	return decodeData[HistorySyncData](e, "history sync", func(t EventType) bool {
		return t == EventHistorySync || t == EventHistorySyncComplete
	})
}

// Account decodes the data of an account.* event.
func (e Event) Account() (*AccountData, error) {
	return decodeData[AccountData](e, "account", isAccountEvent)
}

// handlers are the in-process event handlers of a Client.
type handlers struct {
	mu   sync.Mutex
	next int
	list []*handler
}

// wants reports whether a handler is registered for account's events.
func (hs *handlers) wants(account AccountID) bool {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	for _, h := range hs.list {
		if h.account == "" || h.account == account {
			return true
		}
	}
	return false
}

type handler struct {
	id      int
	account AccountID   // "" for every account
	types   []EventType // empty for every type
	fn      func(ctx context.Context, e Event)
}

// OnEvent registers fn for the events of c's account (of every account
// when c is unbound), or only those of the given types, and returns a
// function that removes it.
//
// Handlers run on the Client's own goroutine, after the event committed,
// one event at a time in each account's event order (Event.Seq), and never
// on the goroutine that received it from WhatsApp: a slow handler delays
// later handlers, never ingestion or webhooks. A panic in fn is recovered and
// logged. Delivery is at least once: the position is stored, so events
// written while no Client ran are handled after the next Start, and an event
// whose handlers were interrupted by Close is handled again. Register
// handlers before Start to see every event; fn should return promptly once
// ctx is done (Close waits for it).
func (c *Client) OnEvent(fn func(ctx context.Context, e Event), only ...EventType) (remove func()) {
	hs := &c.core.handlers
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.next++
	h := &handler{id: hs.next, account: c.account, types: slices.Clone(only), fn: fn}
	hs.list = append(hs.list, h)
	return func() {
		hs.mu.Lock()
		defer hs.mu.Unlock()
		hs.list = slices.DeleteFunc(hs.list, func(o *handler) bool { return o.id == h.id })
	}
}

// OnMessage registers fn for message.* events (received, sent, edited,
// deleted, reaction, status: see e.Type) with their decoded data, as
// OnEvent does.
func (c *Client) OnMessage(fn func(ctx context.Context, e Event, m *MessageData)) (remove func()) {
	return onTyped(c, Event.Message, fn, EventMessageReceived, EventMessageSent, EventMessageEdited,
		EventMessageDeleted, EventMessageReaction, EventMessageStatus, EventMessageStarred)
}

// OnConversation registers fn for conversation.updated, group.updated and
// group.joined events with their decoded data, as OnEvent does.
func (c *Client) OnConversation(fn func(ctx context.Context, e Event, conv *Conversation)) (remove func()) {
	return onTyped(c, Event.Conversation, fn, EventConversationUpdated, EventGroupUpdated, EventGroupJoined)
}

// OnContact registers fn for contact.updated events with their decoded
// data, as OnEvent does.
func (c *Client) OnContact(fn func(ctx context.Context, e Event, ct *Contact)) (remove func()) {
	return onTyped(c, Event.Contact, fn, EventContactUpdated)
}

// OnAccountEvent registers fn for account.* events (QR codes, pairing,
// connection changes, logout) with their decoded data, as OnEvent does.
func (c *Client) OnAccountEvent(fn func(ctx context.Context, e Event, a *AccountData)) (remove func()) {
	return onTyped(c, Event.Account, fn, EventAccountQR, EventAccountPaired, EventAccountConnected,
		EventAccountDisconnected, EventAccountLoggedOut, EventAccountUpdated)
}

func onTyped[T any](c *Client, decode func(Event) (*T, error), fn func(context.Context, Event, *T), only ...EventType) func() {
	log := c.core.cfg.logger
	return c.OnEvent(func(ctx context.Context, e Event) {
		v, err := decode(e)
		if err != nil {
			log.Warn("wauser: event handler: undecodable event", slog.String("event", e.ID),
				slog.String("type", string(e.Type)), slog.Any("error", err))
			return
		}
		fn(ctx, e, v)
	}, only...)
}

// handleEvents runs the registered handlers over events of one account in
// order and returns how many events it finished.
func (co *core) handleEvents(ctx context.Context, evs []*store.Event) int {
	for i, se := range evs {
		if ctx.Err() != nil {
			return i
		}
		co.handlers.mu.Lock()
		list := slices.Clone(co.handlers.list)
		co.handlers.mu.Unlock()
		e := Event{
			ID: se.ID, Type: EventType(se.Type), AccountID: AccountID(se.AccountID), Seq: se.Seq,
			OccurredAt: se.OccurredAt.UTC(), Data: json.RawMessage(se.Data), ConversationID: se.ConversationID,
		}
		for _, h := range list {
			if (h.account == "" || h.account == e.AccountID) && (len(h.types) == 0 || slices.Contains(h.types, e.Type)) {
				co.runHandler(ctx, h, e)
			}
		}
	}
	return len(evs)
}

func (co *core) runHandler(ctx context.Context, h *handler, e Event) {
	defer func() {
		if r := recover(); r != nil {
			co.cfg.logger.Error("wauser: event handler panicked", slog.String("event", e.ID),
				slog.String("type", string(e.Type)), slog.Any("panic", r))
		}
	}()
	h.fn(ctx, e)
}
