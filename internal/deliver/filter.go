package deliver

import (
	"encoding/json"
	"slices"
	"strings"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser/internal/event"
	"github.com/wauser/wauser/internal/store"
)

// Account is what filters need to know about the account of an event.
type Account struct {
	JID               string // the account's own JID without device ("" before pairing)
	LID               string
	OnlyStatusUpdates bool
}

// AccountOf returns the filter view of a stored account.
func AccountOf(a *store.Account) Account {
	out := Account{OnlyStatusUpdates: a.OnlyStatusUpdates}
	if j, err := types.ParseJID(a.JID); err == nil && a.JID != "" {
		out.JID = j.ToNonAD().String()
	}
	if j, err := types.ParseJID(a.LID); err == nil && a.LID != "" {
		out.LID = j.ToNonAD().String()
	}
	return out
}

// settingsFamily maps each settings_types value to the events it selects.
var settingsFamily = map[string]func(typ string) bool{
	"chats": func(t string) bool {
		return t == string(event.ConversationUpdated) || t == string(event.ContactUpdated) || strings.HasPrefix(t, "history.")
	},
	"messages": func(t string) bool { return strings.HasPrefix(t, "message.") },
	"groups":   func(t string) bool { return t == string(event.GroupUpdated) || t == string(event.GroupJoined) },
	"system":   func(t string) bool { return strings.HasPrefix(t, "account.") || t == string(event.GroupJoined) },
}

// SettingsTypes are the valid settings_types values.
var SettingsTypes = []string{"chats", "messages", "groups", "system"}

// eventData is what the filters read from an event's data.
type eventData struct {
	ChatJID     string   `json:"chat_jid"`
	ContentType string   `json:"content_type"`
	Mentions    []string `json:"mentions"`
	Direction   string   `json:"direction"`
	IsFromMe    bool     `json:"is_from_me"`
}

// Match reports whether webhook h wants event ev of account acct:
//
//   - only_status_updates (account): only message.status events of
//     outgoing messages pass.
//   - event_types: "*" (or empty) passes all; otherwise the exact type, or a
//     family "message.*" (for a multisession webhook, of the names
//     MultiSessionType gives).
//   - settings_types, when set, keeps the events of the named families
//     (chats: conversation.updated, contact.updated, history.*; messages:
//     message.*; groups: group.updated, group.joined; system: account.*,
//     group.joined), and the chat and message filters below are ignored.
//   - chat_ids, chat_types: keep events about those chats (by chat JID;
//     types contact, group, channel, broadcast). Events about no chat
//     (account.*, history.*) do not match a chat filter.
//   - message_types, mentions: keep message.* events of those content types
//     / mentioning one of those JIDs ("me" is the account's JID or LID).
//     Other events do not match a message filter.
//
// Every filter that is set must match.
func Match(h *store.Webhook, ev *store.Event, acct Account) bool {
	isMessage := strings.HasPrefix(ev.Type, "message.")
	var data *eventData
	load := func() *eventData {
		if data == nil {
			data = new(eventData)
			_ = json.Unmarshal([]byte(ev.Data), data)
		}
		return data
	}
	if acct.OnlyStatusUpdates {
		if event.Type(ev.Type) != event.MessageStatus {
			return false
		}
		if d := load(); d.Direction != "outgoing" && !d.IsFromMe {
			return false
		}
	}
	if h.Format == FormatMultiSession {
		// Its event types are the multi-session server's names.
		if name := MultiSessionType(ev); name == "" || !matchType(h.EventTypes, name) {
			return false
		}
	} else if !matchType(h.EventTypes, ev.Type) {
		return false
	}
	if len(h.SettingsTypes) > 0 {
		return slices.ContainsFunc(h.SettingsTypes, func(s string) bool {
			f := settingsFamily[s]
			return f != nil && f(ev.Type)
		})
	}
	if len(h.ChatIDs) > 0 || len(h.ChatTypes) > 0 {
		chat := ev.ChatJID
		if chat == "" {
			chat = load().ChatJID
		}
		if chat == "" {
			return false
		}
		if len(h.ChatIDs) > 0 && !slices.ContainsFunc(h.ChatIDs, func(id string) bool { return sameJID(id, chat) }) {
			return false
		}
		if len(h.ChatTypes) > 0 && !slices.Contains(h.ChatTypes, ChatType(chat)) {
			return false
		}
	}
	if len(h.MessageTypes) > 0 && (!isMessage || !slices.Contains(h.MessageTypes, load().ContentType)) {
		return false
	}
	if len(h.Mentions) > 0 {
		if !isMessage {
			return false
		}
		mentioned := load().Mentions
		hit := slices.ContainsFunc(h.Mentions, func(want string) bool {
			return slices.ContainsFunc(mentioned, func(m string) bool {
				if want == "me" {
					return (acct.JID != "" && sameJID(acct.JID, m)) || (acct.LID != "" && sameJID(acct.LID, m))
				}
				return sameJID(want, m)
			})
		})
		if !hit {
			return false
		}
	}
	return true
}

func matchType(patterns []string, typ string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if p == "*" || p == typ {
			return true
		}
		if fam, ok := strings.CutSuffix(p, ".*"); ok && strings.HasPrefix(typ, fam+".") {
			return true
		}
	}
	return false
}

// sameJID compares two JIDs ignoring device and agent parts.
func sameJID(a, b string) bool {
	if a == b {
		return true
	}
	ja, err1 := types.ParseJID(a)
	jb, err2 := types.ParseJID(b)
	if err1 != nil || err2 != nil {
		return false
	}
	return ja.User == jb.User && ja.Server == jb.Server
}

// ChatType classifies a chat JID as the Business Server API's chat_types do: contact,
// group, channel or broadcast ("" when unknown).
func ChatType(chat string) string {
	_, server, ok := strings.Cut(chat, "@")
	if !ok {
		return ""
	}
	switch server {
	case types.DefaultUserServer, types.HiddenUserServer, types.LegacyUserServer:
		return "contact"
	case types.GroupServer:
		return "group"
	case types.NewsletterServer:
		return "channel"
	case types.BroadcastServer:
		return "broadcast"
	}
	return ""
}
