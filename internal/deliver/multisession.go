package deliver

import (
	"encoding/json"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser/internal/event"
	"github.com/wauser/wauser/internal/store"
)

// FormatMultiSession is the multi-session server's webhook event:
// {"event_type", "device_id", "timestamp", "data"}, with that server's
// event names (MultiSessionType).
const FormatMultiSession = "multisession"

// The multi-session server's event names that wauser's events map onto.
const (
	MSMessageReceived        = "message.received"
	MSMessageDelivered       = "message.delivered"
	MSMessageRead            = "message.read"
	MSMessagePlayed          = "message.played"
	MSMessageDeleted         = "message.deleted"
	MSConnectionConnected    = "connection.connected"
	MSConnectionDisconnected = "connection.disconnected"
	MSConnectionReconnecting = "connection.reconnecting"
	MSConnectionLoggedOut    = "connection.logged_out"
	MSCallOffer              = "call.offer"
	MSCallAccept             = "call.accept"
	MSCallTerminate          = "call.terminate"
	MSGroupJoin              = "group.join"
	MSGroupInfoUpdate        = "group.info_update"
	MSNewsletterMessage      = "newsletter.message_received"
	MSStatusPosted           = "status.posted"
	MSStatusViewed           = "status.viewed"
	MSStatusDeleted          = "status.deleted"
	MSContactUpdate          = "contact.update"
	MSBlocklistChange        = "blocklist.change"
	MSHistorySync            = "history.sync"
	MSWebhookPing            = string(event.WebhookPing) // the test event of POST /webhooks/{id}/test
)

// MultiSessionEvents are the names a multisession webhook may subscribe
// to, and may receive.
var MultiSessionEvents = []string{
	MSMessageReceived, MSMessageDelivered, MSMessageRead, MSMessagePlayed, MSMessageDeleted,
	MSConnectionConnected, MSConnectionDisconnected, MSConnectionReconnecting, MSConnectionLoggedOut,
	MSCallOffer, MSCallAccept, MSCallTerminate, MSGroupJoin, MSGroupInfoUpdate, MSNewsletterMessage,
	MSStatusPosted, MSStatusViewed, MSStatusDeleted, MSContactUpdate, MSBlocklistChange, MSHistorySync,
}

// ValidMultiSessionEvent reports whether t names a multi-session event, a
// family of them ("message.*") or everything ("*").
func ValidMultiSessionEvent(t string) bool {
	if t == "*" {
		return true
	}
	for _, n := range MultiSessionEvents {
		if n == t {
			return true
		}
		if fam, ok := strings.CutSuffix(t, ".*"); ok && strings.HasPrefix(n, fam+".") {
			return true
		}
	}
	return false
}

// msData is what the names and payloads read from an event's data.
type msData struct {
	ChatJID     string `json:"chat_jid"`
	WAMessageID string `json:"wa_message_id"`
	MessageID   string `json:"message_id"`
	SenderJID   string `json:"sender_jid"`
	IsFromMe    bool   `json:"is_from_me"`
	Status      string `json:"status"`
	ContentType string `json:"content_type"`
	Body        string `json:"body"`
	SentAt      string `json:"sent_at"`
	State       string `json:"state"`
}

// MultiSessionType returns the multi-session server's name of event ev, or
// "" when that server has none (message edits, reactions, stars, QR codes,
// presences, missed calls, ...: not delivered to multisession webhooks).
// Messages of the status chat are status.*, channel posts
// newsletter.message_received, and receipts message.delivered, .read or
// .played (status.viewed for the account's own status updates).
func MultiSessionType(ev *store.Event) string {
	var d msData
	if strings.HasPrefix(ev.Type, "message.") || ev.Type == string(event.AccountDisconnected) {
		_ = json.Unmarshal([]byte(ev.Data), &d)
	}
	chat := ev.ChatJID
	if chat == "" {
		chat = d.ChatJID
	}
	status := chat == types.StatusBroadcastJID.String()
	switch event.Type(ev.Type) {
	case event.MessageReceived, event.MessageSent:
		switch {
		case status:
			return MSStatusPosted
		case strings.HasSuffix(chat, "@"+types.NewsletterServer):
			return MSNewsletterMessage
		}
		return MSMessageReceived
	case event.MessageDeleted:
		if status {
			return MSStatusDeleted
		}
		return MSMessageDeleted
	case event.MessageStatus:
		switch d.Status {
		case "delivered":
			if !status {
				return MSMessageDelivered
			}
		case "read", "played":
			if status {
				return MSStatusViewed
			}
			if d.Status == "read" {
				return MSMessageRead
			}
			return MSMessagePlayed
		}
		return ""
	case event.AccountConnected:
		return MSConnectionConnected
	case event.AccountDisconnected:
		if d.State == "reconnecting" || d.State == "connecting" {
			return MSConnectionReconnecting
		}
		return MSConnectionDisconnected
	case event.AccountLoggedOut:
		return MSConnectionLoggedOut
	case event.CallOffer:
		return MSCallOffer
	case event.CallAccepted:
		return MSCallAccept
	case event.CallEnded:
		return MSCallTerminate
	case event.GroupJoined:
		return MSGroupJoin
	case event.GroupUpdated:
		return MSGroupInfoUpdate
	case event.ContactUpdated:
		return MSContactUpdate
	case event.BlocklistUpdated:
		return MSBlocklistChange
	case event.HistorySync:
		return MSHistorySync
	case event.WebhookPing:
		return MSWebhookPing
	}
	return ""
}

// msEvent is the multi-session server's webhook event.
type msEvent struct {
	EventType string    `json:"event_type"`
	DeviceID  string    `json:"device_id"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// renderMultiSession is Render for FormatMultiSession. Message events
// carry the server's {message_id (the WhatsApp id), from, chat, timestamp,
// is_from_me} (receipts {message_id, chat, sender, timestamp}), beside
// wauser's message fields; connection events {jid (the phone number),
// phone_number, is_connected, is_logged_in}, beside wauser's data; others
// wauser's data.
func renderMultiSession(ev *store.Event, acct Account) ([]byte, bool) {
	name := MultiSessionType(ev)
	if name == "" {
		return nil, false
	}
	var data map[string]any
	if err := json.Unmarshal([]byte(ev.Data), &data); err != nil || data == nil {
		data = map[string]any{}
	}
	var d msData
	_ = json.Unmarshal([]byte(ev.Data), &d)
	switch {
	case strings.HasPrefix(ev.Type, "message."):
		if d.WAMessageID != "" {
			data["message_id"] = d.WAMessageID
			data["id"] = d.MessageID // the stored id
		}
		data["chat"] = d.ChatJID
		if t, err := time.Parse(time.RFC3339Nano, d.SentAt); err == nil {
			data["timestamp"] = t.Unix()
		}
		if ev.Type == string(event.MessageStatus) {
			data["sender"] = d.ChatJID // who the receipt came from: the chat's other party
		} else {
			data["from"] = d.SenderJID
		}
		if ev.Type == string(event.MessageDeleted) {
			data["deleted_by"] = d.SenderJID
		}
	case strings.HasPrefix(ev.Type, "account."):
		phone := ""
		if j, err := types.ParseJID(acct.JID); err == nil && acct.JID != "" {
			phone = j.User
		}
		if jid, _ := data["jid"].(string); jid != "" {
			if j, err := types.ParseJID(jid); err == nil {
				phone = j.User
			}
		}
		data["jid"], data["phone_number"] = phone, phone
		data["is_connected"] = ev.Type == string(event.AccountConnected)
		data["is_logged_in"] = ev.Type != string(event.AccountLoggedOut)
	}
	b, err := json.Marshal(msEvent{EventType: name, DeviceID: ev.AccountID, Timestamp: ev.OccurredAt.UTC(), Data: data})
	if err != nil {
		return nil, false
	}
	return b, true
}
