// Package event names the events wauser writes to its outbox: the types
// that webhooks and in-process handlers see, and the kinds of row an event
// is about. The root package re-exports the types (wauser.EventType and
// its constants); internal/ingest, which cannot import the root package,
// emits them from here, so there is one typed set.
package event

// Type names an event (wauser.EventType).
type Type string

// Event types, as handlers and webhooks see them.
const (
	MessageReceived     Type = "message.received"
	MessageSent         Type = "message.sent"
	MessageEdited       Type = "message.edited"
	MessageDeleted      Type = "message.deleted"
	MessageReaction     Type = "message.reaction"
	MessageStatus       Type = "message.status"
	ConversationUpdated Type = "conversation.updated"
	ContactUpdated      Type = "contact.updated"
	GroupUpdated        Type = "group.updated"
	GroupJoined         Type = "group.joined"
	HistorySync         Type = "history.sync"
	HistorySyncComplete Type = "history.sync_complete"
	AccountQR           Type = "account.qr"
	AccountPaired       Type = "account.paired"
	AccountConnected    Type = "account.connected"
	AccountDisconnected Type = "account.disconnected"
	AccountLoggedOut    Type = "account.logged_out"
	AccountUpdated      Type = "account.updated"

	// Profile, presence and calls.
	MessageStarred   Type = "message.starred"
	PresenceUpdated  Type = "presence.updated"
	BlocklistUpdated Type = "blocklist.updated"
	CallOffer        Type = "call.offer"
	CallAccepted     Type = "call.accepted"
	CallEnded        Type = "call.ended"
	CallMissed       Type = "call.missed"
)

// WebhookPing is the test event a webhook is sent on request (the root
// package's PingWebhook). It is never written to the outbox, so Types
// does not list it and handlers never see it.
const WebhookPing Type = "webhook.ping"

// Types returns every event type, in the order of the list above.
func Types() []Type {
	return []Type{
		MessageReceived, MessageSent, MessageEdited, MessageDeleted, MessageReaction,
		MessageStatus, ConversationUpdated, ContactUpdated, GroupUpdated, GroupJoined,
		HistorySync, HistorySyncComplete, AccountQR, AccountPaired, AccountConnected,
		AccountDisconnected, AccountLoggedOut, AccountUpdated,
		MessageStarred, PresenceUpdated, BlocklistUpdated,
		CallOffer, CallAccepted, CallEnded, CallMissed,
	}
}

// Kind is the kind of row an event is about; the event carries the row as
// it was when the transaction that changed it committed.
type Kind string

// Row kinds.
const (
	KindMessage      Kind = "message"
	KindConversation Kind = "conversation"
	KindContact      Kind = "contact"
)
