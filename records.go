package wauser

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"strings"
	"time"

	"github.com/wauser/wauser/internal/store"
)

// ConversationID identifies a conversation: deterministic, opaque, "conv_…".
type ConversationID string

// PersonID identifies a contact (one person, whatever JID form WhatsApp
// used): deterministic, opaque, "person_…".
type PersonID string

// MessageID identifies a message: deterministic, opaque, "msg_…". The
// WhatsApp id of a message is Message.WAMessageID.
type MessageID string

// ConversationKind is the kind of a conversation.
type ConversationKind string

// Conversation kinds.
const (
	KindDirect     ConversationKind = "direct"
	KindGroup      ConversationKind = "group"
	KindNewsletter ConversationKind = "newsletter"
	KindBroadcast  ConversationKind = "broadcast"
	KindStatus     ConversationKind = "status"
)

// Participant is a member of a group conversation.
type Participant struct {
	ParticipantJID string   `json:"participant_jid"`
	PersonID       PersonID `json:"person_id"` // "" for the account itself
	Role           string   `json:"role"`      // member, admin or superadmin
}

// Conversation is a chat (the WhatsApp Use sync API). A direct chat is one conversation
// per person, whether WhatsApp addressed it by phone number or LID; ChatJID
// is the phone-number form when known.
type Conversation struct {
	ConversationID ConversationID   `json:"conversation_id"`
	ChatJID        string           `json:"chat_jid"`
	Kind           ConversationKind `json:"kind"`
	Subject        string           `json:"subject"`
	Topic          string           `json:"topic,omitempty"`
	DirectPersonID PersonID         `json:"direct_person_id,omitempty"`
	IsArchived     bool             `json:"is_archived"`
	IsPinned       bool             `json:"is_pinned"`
	IsAnnounce     bool             `json:"is_announce,omitempty"`
	IsLocked       bool             `json:"is_locked,omitempty"`
	MutedUntil     time.Time        `json:"muted_until,omitzero"`
	UnreadCount    int              `json:"unread_count"`
	LastMessageAt  time.Time        `json:"last_message_at,omitzero"`
	DeletedAt      time.Time        `json:"deleted_at,omitzero"` // the chat was deleted; it comes back with a new message
	Participants   []Participant    `json:"participants"`
	// MergedInto names the conversation this one was merged into when a
	// phone number and a LID turned out to be one person.
	MergedInto ConversationID `json:"merged_into,omitempty"`
	Seq        int64          `json:"seq"`

	// EphemeralSeconds is the chat's disappearing-messages timer in
	// seconds (0: off; see SetDisappearingTimer).
	EphemeralSeconds int `json:"ephemeral_seconds,omitempty"`
}

// Contact is a person (the WhatsApp Use sync API).
type Contact struct {
	PersonID         PersonID `json:"person_id"`
	DisplayName      string   `json:"display_name"`
	FirstName        string   `json:"first_name"`
	LastName         string   `json:"last_name"`
	Company          string   `json:"company"`
	WhatsAppPushName string   `json:"whatsapp_push_name"`
	PhoneE164        string   `json:"phone_e164"`
	PhoneJID         string   `json:"phone_jid"`
	LIDJID           string   `json:"lid_jid"`
	Tags             []string `json:"tags,omitempty"`
	// MergedInto names the contact this one was merged into.
	MergedInto PersonID `json:"merged_into,omitempty"`
	Seq        int64    `json:"seq"`

	// Num is the contact's stable integer id in this account (document
	// 003's contact id).
	Num int64 `json:"-"`
	// BusinessName is the verified name of a business account, as
	// WhatsApp told it (DisplayName shows it when the address book has no
	// name). Not part of the change feed's record.
	BusinessName string `json:"-"`
	// LastMessageAt is the time of the latest message of the direct
	// conversation with this person, filled by ListContacts and GetContact.
	LastMessageAt time.Time `json:"-"`
}

// MessageMedia is the public metadata of a message's media. Keys for
// downloading it are stored but never part of it.
type MessageMedia = store.MediaInfo

// Message is one message (the WhatsApp Use sync API).
type Message struct {
	MessageID      MessageID      `json:"message_id"`
	ConversationID ConversationID `json:"conversation_id"`
	ChatJID        string         `json:"chat_jid"`
	WAMessageID    string         `json:"wa_message_id"`
	// ClientID is the id the caller chose when sending the message
	// (SendMessageRequest.ID): it finds the message where a WhatsApp id
	// is expected, while WAMessageID is the id WhatsApp knows it by.
	ClientID       string            `json:"client_id,omitempty"`
	SenderJID      string            `json:"sender_jid"`
	SenderPushName string            `json:"sender_push_name"`
	Direction      string            `json:"direction"`    // incoming or outgoing
	IsFromMe       bool              `json:"is_from_me"`   // sent by this account (from any of its devices)
	ContentType    string            `json:"content_type"` // text, image, video, audio, voice, document, sticker, location, contact, poll, system, unknown
	Body           string            `json:"body"`         // text, caption, poll question, location name or contact name
	Status         string            `json:"status"`       // received, pending, sent, delivered, read, played, failed, deleted
	Error          string            `json:"error,omitempty"`
	ReplyToWAID    string            `json:"reply_to_wa_id"`
	Mentions       []string          `json:"mentions,omitempty"`
	Reactions      map[string]string `json:"reactions"` // sender JID -> emoji
	Media          *MessageMedia     `json:"media,omitempty"`
	// Extra holds type-specific details: "poll" (question, options,
	// selectable_count, votes: voter JID -> chosen options, results: one
	// {option, count, voters} per option in the poll's order, the
	// account's own vote included), location fields, "contacts" (cards).
	Extra      map[string]any `json:"extra,omitempty"`
	SentAt     time.Time      `json:"sent_at,omitzero"`
	ReceivedAt time.Time      `json:"received_at,omitzero"`
	EditedAt   time.Time      `json:"edited_at,omitzero"`
	DeletedAt  time.Time      `json:"deleted_at,omitzero"`
	// Starred is set while the account has the message starred
	// (StarMessage, or on its phone).
	Starred bool `json:"starred,omitempty"`
	// MergedInto names the message this one was merged into.
	MergedInto MessageID `json:"merged_into,omitempty"`
	Seq        int64     `json:"seq"`
}

func conversationFromRow(r *store.Conversation) Conversation {
	c := Conversation{
		ConversationID: ConversationID(r.ConversationID),
		ChatJID:        r.ChatJID,
		Kind:           ConversationKind(r.Kind),
		Subject:        r.Subject,
		Topic:          r.Topic,
		DirectPersonID: PersonID(r.DirectPersonID),
		IsArchived:     r.IsArchived,
		IsPinned:       r.IsPinned,
		IsAnnounce:     r.IsAnnounce,
		IsLocked:       r.IsLocked,
		MutedUntil:     utc(r.MutedUntil),
		UnreadCount:    r.UnreadCount,
		LastMessageAt:  utc(r.LastMessageAt),
		DeletedAt:      utc(r.DeletedAt),
		Participants:   make([]Participant, 0, len(r.Participants)),
		MergedInto:     ConversationID(r.MergedInto),
		Seq:            r.Seq,
	}
	c.EphemeralSeconds = r.EphemeralSecs
	for _, p := range r.Participants {
		c.Participants = append(c.Participants, Participant{ParticipantJID: p.ParticipantJID, PersonID: PersonID(p.PersonID), Role: p.Role})
	}
	return c
}

func contactFromRow(r *store.Contact) Contact {
	return Contact{
		PersonID:         PersonID(r.PersonID),
		DisplayName:      r.DisplayName,
		FirstName:        r.FirstName,
		LastName:         r.LastName,
		Company:          r.Company,
		WhatsAppPushName: r.WhatsAppPushName,
		PhoneE164:        r.PhoneE164,
		PhoneJID:         r.PhoneJID,
		LIDJID:           r.LIDJID,
		Tags:             r.Tags,
		MergedInto:       PersonID(r.MergedInto),
		Seq:              r.Seq,
		Num:              r.Num,
		BusinessName:     r.BusinessName,
	}
}

func messageFromRow(r *store.Message) Message {
	m := Message{
		MessageID:      MessageID(r.MessageID),
		ConversationID: ConversationID(r.ConversationID),
		ChatJID:        r.ChatJID,
		WAMessageID:    r.WAMessageID,
		ClientID:       r.ClientID,
		SenderJID:      r.SenderJID,
		SenderPushName: r.SenderPushName,
		Direction:      r.Direction,
		IsFromMe:       r.IsFromMe,
		ContentType:    r.ContentType,
		Body:           r.Body,
		Status:         r.Status,
		Error:          r.Error,
		ReplyToWAID:    r.ReplyToWAID,
		Mentions:       r.Mentions,
		Reactions:      r.Reactions,
		SentAt:         utc(r.SentAt),
		ReceivedAt:     utc(r.ReceivedAt),
		EditedAt:       utc(r.EditedAt),
		DeletedAt:      utc(r.DeletedAt),
		MergedInto:     MessageID(r.MergedInto),
		Starred:        r.Starred,
		Seq:            r.Seq,
	}
	if m.Reactions == nil {
		m.Reactions = map[string]string{}
	}
	if r.Media != "" {
		var media MessageMedia
		if json.Unmarshal([]byte(r.Media), &media) == nil {
			m.Media = &media
		}
	}
	if r.Extra != "" {
		_ = json.Unmarshal([]byte(r.Extra), &m.Extra)
		if p, ok := m.Extra["poll"].(map[string]any); ok {
			delete(p, "vote_times") // bookkeeping of the store
		}
	}
	return m
}

// encodeRecord is the public form of a stored record, for event data.
func encodeRecord(row any) (any, error) {
	switch r := row.(type) {
	case *store.Conversation:
		return conversationFromRow(r), nil
	case *store.Contact:
		return contactFromRow(r), nil
	case *store.Message:
		return messageFromRow(r), nil
	}
	return row, nil
}

// utc returns t in UTC (the database may hand times back in local time).
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// AccountID names an account (a linked WhatsApp device) in the store.
type AccountID string

// validAccountID reports whether id is usable in URLs and headers as is:
// 1 to 64 of A-Z a-z 0-9 _ . -
func validAccountID(id AccountID) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
		default:
			return false
		}
	}
	return true
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// randomID returns prefix followed by 20 random base32 characters.
func randomID(prefix string) string {
	var b [13]byte
	_, _ = rand.Read(b[:])
	return prefix + strings.ToLower(idEncoding.EncodeToString(b[:])[:20])
}
