package ingest

import (
	"strings"
	"time"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser/store"
)

// setPushName records the WhatsApp push name of a contact.
func (t *Tx) setPushName(c *store.Contact, name string) {
	if name == "" || c.WhatsAppPushName == name {
		return
	}
	c.WhatsAppPushName = name
	c.DisplayName = displayName(c)
	t.emit("contact.updated", "contact", c.PersonID, nil)
}

func (t *Tx) pushName(jid, alt types.JID, name string) error {
	if !isUser(jid) || t.isOwn(jid) {
		return nil
	}
	c, err := t.Person(jid, alt)
	if err != nil {
		return err
	}
	t.setPushName(c, name)
	return nil
}

func (t *Tx) businessName(jid types.JID, name string) error {
	if !isUser(jid) || t.isOwn(jid) {
		return nil
	}
	c, err := t.Person(jid, types.EmptyJID)
	if err != nil {
		return err
	}
	if c.BusinessName != name {
		c.BusinessName = name
		c.DisplayName = displayName(c)
		t.emit("contact.updated", "contact", c.PersonID, nil)
	}
	return nil
}

// contactAction applies an address-book entry from app state.
func (t *Tx) contactAction(evt *events.Contact) error {
	if !isUser(evt.JID) || evt.Action == nil {
		return nil
	}
	alt := types.EmptyJID
	for _, s := range []string{evt.Action.GetPnJID(), evt.Action.GetLidJID()} {
		if j, err := types.ParseJID(s); err == nil && isUser(j) && j.Server != evt.JID.Server {
			alt = j
		}
	}
	c, err := t.Person(evt.JID, alt)
	if err != nil {
		return err
	}
	first, full := strings.TrimSpace(evt.Action.GetFirstName()), strings.TrimSpace(evt.Action.GetFullName())
	last := strings.TrimSpace(strings.TrimPrefix(full, first))
	if first == "" {
		first, last = full, ""
	}
	c.FirstName, c.LastName = first, last
	c.DisplayName = displayName(c)
	t.emit("contact.updated", "contact", c.PersonID, nil)
	return nil
}

func role(p types.GroupParticipant) string {
	switch {
	case p.IsSuperAdmin:
		return "superadmin"
	case p.IsAdmin:
		return "admin"
	}
	return "member"
}

// participant returns the participant row for a member JID.
func (t *Tx) participant(conv *store.Conversation, jid, alt types.JID, r string) (*store.Participant, error) {
	p := &store.Participant{AccountID: t.acc.ID, ConversationID: conv.ConversationID, ParticipantJID: userJID(jid).String(), Role: r}
	if isUser(jid) {
		if t.isOwn(jid) {
			p.PersonID = ""
		} else {
			c, err := t.Person(jid, alt)
			if err != nil {
				return nil, err
			}
			p.PersonID = c.PersonID
		}
	}
	return p, nil
}

// setGroupInfo applies a full group description.
func (t *Tx) setGroupInfo(conv *store.Conversation, info *types.GroupInfo) error {
	conv.Subject, conv.Topic = info.Name, info.Topic
	conv.IsAnnounce, conv.IsLocked = info.IsAnnounce, info.IsLocked
	if info.IsEphemeral {
		conv.EphemeralSecs = int(info.DisappearingTimer)
	} else {
		conv.EphemeralSecs = 0
	}
	parts := make([]*store.Participant, 0, len(info.Participants))
	for _, gp := range info.Participants {
		alt := gp.PhoneNumber
		if gp.JID.Server == types.DefaultUserServer {
			alt = gp.LID
		}
		p, err := t.participant(conv, gp.JID, alt, role(gp))
		if err != nil {
			return err
		}
		parts = append(parts, p)
	}
	sortParticipants(parts)
	conv.Participants = parts
	return nil
}

func sortParticipants(parts []*store.Participant) {
	for i := 1; i < len(parts); i++ {
		for j := i; j > 0 && parts[j].ParticipantJID < parts[j-1].ParticipantJID; j-- {
			parts[j], parts[j-1] = parts[j-1], parts[j]
		}
	}
}

func (t *Tx) joinedGroup(evt *events.JoinedGroup) error {
	conv, _, err := t.Chat(evt.JID, types.EmptyJID)
	if err != nil {
		return err
	}
	if err := t.setGroupInfo(conv, &evt.GroupInfo); err != nil {
		return err
	}
	conv.DeletedAt = time.Time{}
	t.emit("group.joined", "conversation", conv.ConversationID, nil)
	return nil
}

// groupInfo applies a group change notification's deltas.
func (t *Tx) groupInfo(evt *events.GroupInfo) error {
	conv, _, err := t.Chat(evt.JID, types.EmptyJID)
	if err != nil {
		return err
	}
	if evt.Name != nil {
		conv.Subject = evt.Name.Name
	}
	if evt.Topic != nil {
		conv.Topic = evt.Topic.Topic
	}
	if evt.Locked != nil {
		conv.IsLocked = evt.Locked.IsLocked
	}
	if evt.Announce != nil {
		conv.IsAnnounce = evt.Announce.IsAnnounce
	}
	if evt.Ephemeral != nil {
		conv.EphemeralSecs = 0
		if evt.Ephemeral.IsEphemeral {
			conv.EphemeralSecs = int(evt.Ephemeral.DisappearingTimer)
		}
	}
	if evt.Delete != nil {
		conv.DeletedAt = evt.Timestamp.UTC()
	}
	index := map[string]*store.Participant{}
	for _, p := range conv.Participants {
		index[p.ParticipantJID] = p
	}
	parts := conv.Participants
	for _, j := range evt.Join {
		if index[userJID(j).String()] != nil {
			continue
		}
		p, err := t.participant(conv, j, types.EmptyJID, "member")
		if err != nil {
			return err
		}
		parts = append(parts, p)
		index[p.ParticipantJID] = p
	}
	for _, j := range evt.Promote {
		if p := index[userJID(j).String()]; p != nil {
			p.Role = "admin"
		}
	}
	for _, j := range evt.Demote {
		if p := index[userJID(j).String()]; p != nil {
			p.Role = "member"
		}
	}
	if len(evt.Leave) > 0 {
		gone := map[string]bool{}
		for _, j := range evt.Leave {
			gone[userJID(j).String()] = true
		}
		kept := parts[:0:0]
		for _, p := range parts {
			if !gone[p.ParticipantJID] {
				kept = append(kept, p)
			}
		}
		parts = kept
	}
	sortParticipants(parts)
	conv.Participants = parts
	t.emit("group.updated", "conversation", conv.ConversationID, nil)
	return nil
}

// chatSetting loads the conversation of an app-state chat action.
func (t *Tx) chatSetting(jid types.JID) (*store.Conversation, error) {
	if ChatKind(jid) == "" {
		return nil, nil
	}
	conv, _, err := t.Chat(jid, types.EmptyJID)
	return conv, err
}

func (t *Tx) archive(evt *events.Archive) error {
	conv, err := t.chatSetting(evt.JID)
	if err != nil || conv == nil || evt.Action == nil {
		return err
	}
	conv.IsArchived = evt.Action.GetArchived()
	if conv.IsArchived {
		conv.IsPinned = false // WhatsApp unpins what it archives
	}
	t.emit("conversation.updated", "conversation", conv.ConversationID, nil)
	return nil
}

func (t *Tx) pin(evt *events.Pin) error {
	conv, err := t.chatSetting(evt.JID)
	if err != nil || conv == nil || evt.Action == nil {
		return err
	}
	conv.IsPinned = evt.Action.GetPinned()
	t.emit("conversation.updated", "conversation", conv.ConversationID, nil)
	return nil
}

// foreverMuted stands for "muted forever" (WhatsApp's -1).
var foreverMuted = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

func (t *Tx) mute(evt *events.Mute) error {
	conv, err := t.chatSetting(evt.JID)
	if err != nil || conv == nil || evt.Action == nil {
		return err
	}
	switch end := evt.Action.GetMuteEndTimestamp(); {
	case !evt.Action.GetMuted():
		conv.MutedUntil = time.Time{}
	case end < 0:
		conv.MutedUntil = foreverMuted
	default:
		conv.MutedUntil = muteTime(end)
	}
	t.emit("conversation.updated", "conversation", conv.ConversationID, nil)
	return nil
}

// muteTime reads a mute end in seconds or milliseconds since the epoch.
func muteTime(v int64) time.Time {
	if v > 1e12 {
		return time.UnixMilli(v).UTC()
	}
	return time.Unix(v, 0).UTC()
}

func (t *Tx) markChatAsRead(evt *events.MarkChatAsRead) error {
	conv, err := t.chatSetting(evt.JID)
	if err != nil || conv == nil || evt.Action == nil {
		return err
	}
	if evt.Action.GetRead() {
		conv.UnreadCount = 0
	} else if conv.UnreadCount == 0 {
		conv.UnreadCount = 1 // marked as unread
	}
	t.emit("conversation.updated", "conversation", conv.ConversationID, nil)
	return nil
}

func (t *Tx) deleteForMe(evt *events.DeleteForMe) error {
	conv, err := t.chatSetting(evt.ChatJID)
	if err != nil || conv == nil {
		return err
	}
	src := &source{conv: conv, fromMe: evt.IsFromMe}
	if !evt.IsFromMe && isUser(evt.SenderJID) {
		if src.sender, err = t.Person(evt.SenderJID, types.EmptyJID); err != nil {
			return err
		}
	} else if !evt.IsFromMe && conv.Kind == KindDirect {
		if src.sender, err = t.contactByID(conv.DirectPersonID); err != nil {
			return err
		}
	}
	m, err := t.messageRow(src, evt.MessageID)
	if err != nil {
		return err
	}
	tombstone(m, evt.Timestamp)
	t.emit("message.deleted", "message", m.MessageID, nil)
	return nil
}

// clearMessages tombstones the conversation's messages sent up to (and
// including) until; a zero until clears them all.
func (t *Tx) clearMessages(conv *store.Conversation, until, at time.Time) error {
	where := "conversation_id = ? AND merged_into = '' AND deleted_at IS NULL"
	args := []any{conv.ConversationID}
	if !until.IsZero() {
		where += " AND sent_at <= ?"
		args = append(args, until.UTC())
	}
	rows, err := store.MessagesWhere(t.ctx, t.db, t.acc.ID, where, args...)
	if err != nil {
		return err
	}
	for _, m := range rows {
		tombstone(t.trackMessage(m, false), at)
	}
	for _, id := range t.msgOrder {
		m := t.msgs[id].cur
		if m.ConversationID == conv.ConversationID && m.DeletedAt.IsZero() && (until.IsZero() || !m.SentAt.After(until)) {
			tombstone(m, at)
		}
	}
	return nil
}

func rangeEnd(ts int64) time.Time {
	if ts == 0 {
		return time.Time{}
	}
	return muteTime(ts)
}

func (t *Tx) clearChat(evt *events.ClearChat) error {
	conv, err := t.chatSetting(evt.JID)
	if err != nil || conv == nil {
		return err
	}
	if err := t.clearMessages(conv, rangeEnd(evt.Action.GetMessageRange().GetLastMessageTimestamp()), evt.Timestamp); err != nil {
		return err
	}
	conv.UnreadCount = 0
	t.emit("conversation.updated", "conversation", conv.ConversationID, nil)
	return nil
}

func (t *Tx) deleteChat(evt *events.DeleteChat) error {
	conv, err := t.chatSetting(evt.JID)
	if err != nil || conv == nil {
		return err
	}
	if err := t.clearMessages(conv, rangeEnd(evt.Action.GetMessageRange().GetLastMessageTimestamp()), evt.Timestamp); err != nil {
		return err
	}
	conv.DeletedAt = evt.Timestamp.UTC()
	if conv.DeletedAt.IsZero() {
		conv.DeletedAt = t.now
	}
	conv.UnreadCount, conv.IsArchived, conv.IsPinned = 0, false, false
	t.emit("conversation.updated", "conversation", conv.ConversationID, nil)
	return nil
}
