package deliver

import (
	"encoding/json"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser/internal/event"
	"github.com/wauser/wauser/internal/store"
)

// Webhook formats: the shape of a webhook's deliveries, stored with it and
// applied when its deliveries are made (Fanout, Ping), from the one
// outbox.
const (
	// FormatWauser is wauser's envelope (Envelope), with its event names.
	FormatWauser = "wauser"
	// FormatWhatsAppUse is the WhatsApp Use API's webhook event:
	// {"id", "type", "connection_id", "payload", "occurred_at"}, with that
	// API's event names (whatsapp.message.received, ...).
	FormatWhatsAppUse = "whatsapp-use"
)

// Formats are the valid formats.
var Formats = []string{FormatWauser, FormatWhatsAppUse, FormatMultiSession}

// WhatsApp Use event types.
const (
	UseMessageReceived  = "whatsapp.message.received"
	UseMessageSent      = "whatsapp.message.sent"
	UseReactionReceived = "whatsapp.message.reaction_received"
	UseMessageEdited    = "whatsapp.message.edited"
	UseMessageDeleted   = "whatsapp.message.deleted"
	UseReceiptUpdated   = "whatsapp.message.receipt_updated"
	UseConnectionStatus = "whatsapp.connection.status_changed"
)

// useTypes maps wauser's event types to the WhatsApp Use API's.
var useTypes = map[event.Type]string{
	event.MessageReceived:     UseMessageReceived,
	event.MessageSent:         UseMessageSent,
	event.MessageReaction:     UseReactionReceived,
	event.MessageEdited:       UseMessageEdited,
	event.MessageDeleted:      UseMessageDeleted,
	event.MessageStatus:       UseReceiptUpdated,
	event.AccountPaired:       UseConnectionStatus,
	event.AccountConnected:    UseConnectionStatus,
	event.AccountDisconnected: UseConnectionStatus,
	event.AccountLoggedOut:    UseConnectionStatus,
	// The test event is a sample message, as the WhatsApp Use API's test
	// endpoint sends.
	event.WebhookPing: UseMessageReceived,
}

// UseType returns the WhatsApp Use API's name of wauser's event type typ,
// or "" when that API has none (conversation, contact, group and history
// events, account.qr).
func UseType(typ string) string { return useTypes[event.Type(typ)] }

// Render returns the body of ev's delivery in format, or false when the
// format has no such event (the webhook then gets no delivery of it).
// acct is the event's account, whose own reactions are not "received".
func Render(format string, ev *store.Event, acct Account) ([]byte, bool) {
	if format == FormatMultiSession {
		return renderMultiSession(ev, acct)
	}
	if format != FormatWhatsAppUse {
		return Envelope(ev), true
	}
	typ := UseType(ev.Type)
	if typ == "" {
		return nil, false
	}
	var payload any
	switch {
	case event.Type(ev.Type) == event.WebhookPing:
		payload = map[string]any{"message": sampleMessage(ev)}
	case typ == UseConnectionStatus:
		payload = map[string]any{"status": connectionStatus(ev)}
	default:
		var msg map[string]json.RawMessage
		if err := json.Unmarshal([]byte(ev.Data), &msg); err != nil || msg == nil {
			return nil, false
		}
		p := map[string]any{}
		if r, ok := msg["reaction"]; ok {
			delete(msg, "reaction")
			var reaction struct {
				SenderJID string `json:"sender_jid"`
			}
			_ = json.Unmarshal(r, &reaction)
			if event.Type(ev.Type) == event.MessageReaction && acct.isSelf(reaction.SenderJID) {
				return nil, false // the account's own reaction: not received
			}
			p["reaction"] = r
		}
		p["message"] = msg
		payload = p
	}
	b, err := json.Marshal(useEvent{ID: ev.ID, Type: typ, ConnectionID: ev.AccountID, Payload: payload, OccurredAt: ev.OccurredAt.UTC()})
	if err != nil {
		return nil, false
	}
	return b, true
}

// useEvent is the WhatsApp Use API's webhook event.
type useEvent struct {
	ID           string    `json:"id"`
	Type         string    `json:"type"`
	ConnectionID string    `json:"connection_id"`
	Payload      any       `json:"payload"`
	OccurredAt   time.Time `json:"occurred_at"`
}

// isSelf reports whether jid is the account itself.
func (a Account) isSelf(jid string) bool {
	return jid != "" && ((a.JID != "" && sameJID(a.JID, jid)) || (a.LID != "" && sameJID(a.LID, jid)))
}

// connectionStatus is the WhatsApp Use API's WhatsAppStatus after an
// account.* event: paired, connected, jid, last_connected_at,
// connector_ready, connector_error, and the state.
func connectionStatus(ev *store.Event) map[string]any {
	var d struct {
		JID    string `json:"jid"`
		State  string `json:"state"`
		Error  string `json:"error"`
		Reason string `json:"reason"`
	}
	_ = json.Unmarshal([]byte(ev.Data), &d)
	st := map[string]any{"connection_id": ev.AccountID}
	switch event.Type(ev.Type) {
	case event.AccountPaired:
		st["state"], st["paired"], st["connected"], st["connector_ready"] = "connecting", true, false, true
	case event.AccountConnected:
		st["state"], st["paired"], st["connected"], st["connector_ready"] = "connected", true, true, true
		st["last_connected_at"] = ev.OccurredAt.UTC().Format(time.RFC3339)
	case event.AccountDisconnected:
		ready := d.State == "reconnecting" || d.State == "connecting"
		st["state"], st["paired"], st["connected"], st["connector_ready"] = d.State, true, false, ready
		if d.Error != "" {
			st["connector_error"] = d.Error
		}
	case event.AccountLoggedOut:
		st["state"], st["paired"], st["connected"], st["connector_ready"] = "logged_out", false, false, false
		if d.Reason != "" {
			st["connector_error"] = d.Reason
		}
	}
	if d.JID != "" {
		if j, err := types.ParseJID(d.JID); err == nil {
			st["jid"] = j.String()
		}
	}
	return st
}

// sampleMessage is the message of a test event: an incoming text, marked
// as a sample in its ids and body.
func sampleMessage(ev *store.Event) map[string]any {
	at := ev.OccurredAt.UTC().Format(time.RFC3339)
	return map[string]any{
		"message_id":       "msg_sample",
		"conversation_id":  "conv_sample",
		"chat_jid":         "15555550123@s.whatsapp.net",
		"wa_message_id":    "SAMPLE",
		"sender_jid":       "15555550123@s.whatsapp.net",
		"sender_push_name": "Sample",
		"direction":        "incoming",
		"is_from_me":       false,
		"content_type":     "text",
		"body":             "This is a sample message from the webhook endpoint test.",
		"status":           "received",
		"reply_to_wa_id":   "",
		"reactions":        map[string]string{},
		"sent_at":          at,
		"received_at":      at,
		"seq":              0,
	}
}
