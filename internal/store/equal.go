package store

import (
	"maps"
	"slices"
)

// The ingestion path loads rows, changes them in Go, and writes back only
// the rows that really changed (so delivering an event twice changes
// nothing). Equal compares every column but the bookkeeping ones (Seq,
// CreatedAt, UpdatedAt); Clone copies deeply. A test checks that no column
// is forgotten.

// Equal reports whether c and o hold the same data.
func (c *Conversation) Equal(o *Conversation) bool {
	return c.AccountID == o.AccountID && c.ConversationID == o.ConversationID && c.ChatJID == o.ChatJID &&
		c.AltJID == o.AltJID && c.Kind == o.Kind && c.Subject == o.Subject && c.Topic == o.Topic &&
		c.DirectPersonID == o.DirectPersonID && c.IsArchived == o.IsArchived && c.IsPinned == o.IsPinned &&
		c.IsAnnounce == o.IsAnnounce && c.IsLocked == o.IsLocked && c.MutedUntil.Equal(o.MutedUntil) &&
		c.UnreadCount == o.UnreadCount && c.LastMessageAt.Equal(o.LastMessageAt) && c.MergedInto == o.MergedInto &&
		c.DeletedAt.Equal(o.DeletedAt) && c.EphemeralSecs == o.EphemeralSecs && maps.Equal(c.FieldTimes, o.FieldTimes) &&
		slices.EqualFunc(c.Participants, o.Participants, func(a, b *Participant) bool { return *a == *b })
}

// Clone returns a deep copy of c.
func (c *Conversation) Clone() *Conversation {
	n := *c
	n.FieldTimes = maps.Clone(c.FieldTimes)
	n.Participants = make([]*Participant, len(c.Participants))
	for i, p := range c.Participants {
		cp := *p
		n.Participants[i] = &cp
	}
	return &n
}

// Equal reports whether c and o hold the same data.
func (c *Contact) Equal(o *Contact) bool {
	return c.AccountID == o.AccountID && c.PersonID == o.PersonID && c.Num == o.Num &&
		c.DisplayName == o.DisplayName && c.FirstName == o.FirstName && c.LastName == o.LastName &&
		c.Company == o.Company && c.WhatsAppPushName == o.WhatsAppPushName && c.BusinessName == o.BusinessName &&
		c.PhoneE164 == o.PhoneE164 && c.PhoneJID == o.PhoneJID && c.LIDJID == o.LIDJID &&
		slices.Equal(c.Tags, o.Tags) && c.MergedInto == o.MergedInto && maps.Equal(c.FieldTimes, o.FieldTimes)
}

// Clone returns a deep copy of c.
func (c *Contact) Clone() *Contact {
	n := *c
	n.Tags = slices.Clone(c.Tags)
	n.FieldTimes = maps.Clone(c.FieldTimes)
	return &n
}

// Equal reports whether m and o hold the same data.
func (m *Message) Equal(o *Message) bool {
	return m.AccountID == o.AccountID && m.MessageID == o.MessageID && m.ConversationID == o.ConversationID &&
		m.ChatJID == o.ChatJID && m.WAMessageID == o.WAMessageID && m.SenderJID == o.SenderJID &&
		m.SenderPersonID == o.SenderPersonID && m.SenderPushName == o.SenderPushName && m.Direction == o.Direction &&
		m.IsFromMe == o.IsFromMe && m.ContentType == o.ContentType && m.Body == o.Body && m.Status == o.Status &&
		m.Error == o.Error && m.ReplyToWAID == o.ReplyToWAID && slices.Equal(m.Mentions, o.Mentions) &&
		maps.Equal(m.Reactions, o.Reactions) && maps.Equal(m.ReactionTimes, o.ReactionTimes) && m.Media == o.Media && m.MediaKeys == o.MediaKeys &&
		m.Extra == o.Extra && m.MergedInto == o.MergedInto && m.WireChatJID == o.WireChatJID &&
		m.WireSenderJID == o.WireSenderJID && m.ClientID == o.ClientID && m.Starred == o.Starred && m.SentAt.Equal(o.SentAt) &&
		m.ReceivedAt.Equal(o.ReceivedAt) && m.EditedAt.Equal(o.EditedAt) && m.DeletedAt.Equal(o.DeletedAt)
}

// Clone returns a deep copy of m.
func (m *Message) Clone() *Message {
	n := *m
	n.Mentions = slices.Clone(m.Mentions)
	n.Reactions = maps.Clone(m.Reactions)
	n.ReactionTimes = maps.Clone(m.ReactionTimes)
	return &n
}
