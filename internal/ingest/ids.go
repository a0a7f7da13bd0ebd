package ingest

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"

	"go.mau.fi/whatsmeow/types"
)

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// hashID derives a deterministic opaque id: prefix and 24 base32
// characters of SHA-256 over the parts. Re-ingesting the same WhatsApp data
// therefore yields the same ids.
func hashID(prefix string, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	sum := h.Sum(nil)
	return prefix + strings.ToLower(idEncoding.EncodeToString(sum[:15]))
}

func conversationID(account, key string) string { return hashID("conv_", account, key) }
func personID(account, firstJID string) string  { return hashID("person_", account, firstJID) }

// directConversationID is the canonical id of a person's direct
// conversation: derived from the person, not from a chat JID, so that a
// person's phone and LID chats are one conversation.
func directConversationID(account, person string) string {
	return conversationID(account, "direct:"+person)
}

// messageID identifies a message by chat, sender and WhatsApp id; sender is
// "me" for the account's own messages, else the sender's person id. The id
// starts with a part derived from the conversation alone, so that one
// conversation's messages sit together in the primary-key index: storing a
// history (which comes conversation by conversation) then touches few index
// pages instead of one random page per message.
func messageID(account, conversationID, sender, waID string) string {
	conv := hashID("", account, conversationID)[:8]
	return "msg_" + conv + hashID("", account, conversationID, sender, waID)[:16]
}

// Conversation kinds.
const (
	KindDirect     = "direct"
	KindGroup      = "group"
	KindNewsletter = "newsletter"
	KindBroadcast  = "broadcast"
	KindStatus     = "status"
)

// ChatKind returns the conversation kind of a chat JID, or "" for a JID that
// is no chat.
func ChatKind(chat types.JID) string {
	switch chat.Server {
	case types.DefaultUserServer, types.HiddenUserServer, types.LegacyUserServer:
		return KindDirect
	case types.GroupServer:
		return KindGroup
	case types.NewsletterServer:
		return KindNewsletter
	case types.BroadcastServer:
		if chat.User == types.StatusBroadcastJID.User {
			return KindStatus
		}
		return KindBroadcast
	}
	return ""
}

// isUser reports whether j addresses a person (phone number or LID).
func isUser(j types.JID) bool {
	return j.Server == types.DefaultUserServer || j.Server == types.HiddenUserServer || j.Server == types.LegacyUserServer
}

// userJID normalises a person's JID: no device part, and the legacy
// c.us server as s.whatsapp.net.
func userJID(j types.JID) types.JID {
	j = j.ToNonAD()
	if j.Server == types.LegacyUserServer {
		j.Server = types.DefaultUserServer
	}
	return j
}

// e164 returns "+<digits>" for a phone-number JID, "" otherwise.
func e164(pn types.JID) string {
	if pn.Server != types.DefaultUserServer || pn.User == "" {
		return ""
	}
	return "+" + pn.User
}
