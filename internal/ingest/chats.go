package ingest

import (
	"slices"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser/internal/event"
	"github.com/wauser/wauser/internal/store"
)

// setPushName records the WhatsApp push name of a contact, stated at ts
// (unix ms; 0 when the source has no time).
func (t *Tx) setPushName(c *store.Contact, name string, ts int64) {
	if name == "" || !setString(&c.FieldTimes, fieldPushName, ts, &c.WhatsAppPushName, name) {
		return
	}
	c.DisplayName = displayName(c)
	t.emit(event.ContactUpdated, event.KindContact, c.PersonID, nil)
}

// msgTime is the time of the message an event came with, in unix ms.
func msgTime(info *types.MessageInfo) int64 {
	if info == nil {
		return 0
	}
	return ms(info.Timestamp)
}

func (t *Tx) pushName(jid, alt types.JID, name string, ts int64) error {
	if !isUser(jid) || t.isOwn(jid) {
		return nil
	}
	c, err := t.Person(jid, alt)
	if err != nil {
		return err
	}
	t.setPushName(c, name, ts)
	return nil
}

func (t *Tx) businessName(jid types.JID, name string, ts int64) error {
	if !isUser(jid) || t.isOwn(jid) {
		return nil
	}
	c, err := t.Person(jid, types.EmptyJID)
	if err != nil {
		return err
	}
	if setString(&c.FieldTimes, fieldBusinessName, ts, &c.BusinessName, name) {
		c.DisplayName = displayName(c)
		t.emit(event.ContactUpdated, event.KindContact, c.PersonID, nil)
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
	if t.setName(c, first, last, ms(evt.Timestamp)) {
		t.emit(event.ContactUpdated, event.KindContact, c.PersonID, nil)
	}
	return nil
}

// setName sets the address-book name of a contact, stated at ts.
func (t *Tx) setName(c *store.Contact, first, last string, ts int64) bool {
	if !stated(&c.FieldTimes, fieldName, ts, c.FirstName+"\x00"+c.LastName, first+"\x00"+last) {
		return false
	}
	c.FirstName, c.LastName = first, last
	c.DisplayName = displayName(c)
	return true
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
	switch {
	case !isUser(jid):
	case t.isOwn(jid):
		// The account, by whichever form: one participant, its phone number.
		if !t.acc.Own.IsEmpty() {
			p.ParticipantJID = userJID(t.acc.Own).String()
		}
	default:
		c, err := t.Person(jid, alt)
		if err != nil {
			return nil, err
		}
		// One participant per person, shown by their preferred JID.
		p.PersonID, p.ParticipantJID = c.PersonID, preferredJID(c)
	}
	return p, nil
}

// setGroupInfo applies a full group description, as the server gave it at
// ts.
func (t *Tx) setGroupInfo(conv *store.Conversation, info *types.GroupInfo, ts int64) error {
	ft := &conv.FieldTimes
	setString(ft, fieldSubject, ts, &conv.Subject, info.Name)
	setString(ft, fieldTopic, ts, &conv.Topic, info.Topic)
	setBool(ft, fieldAnnounce, ts, &conv.IsAnnounce, info.IsAnnounce)
	setBool(ft, fieldLocked, ts, &conv.IsLocked, info.IsLocked)
	eph := 0
	if info.IsEphemeral {
		eph = int(info.DisappearingTimer)
	}
	setInt(ft, fieldEphemeral, ts, &conv.EphemeralSecs, eph)
	if !stated(ft, fieldParticipants, ts, 0, 0) {
		return nil
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
	conv.Participants = dedupParticipants(parts)
	return nil
}

// roleRank orders participant roles.
func roleRank(r string) int {
	switch r {
	case "superadmin":
		return 2
	case "admin":
		return 1
	}
	return 0
}

// dedupParticipants keeps one participant per person (WhatsApp may list one
// by both their phone number and their LID, or twice), with the highest
// role listed, sorted.
func dedupParticipants(parts []*store.Participant) []*store.Participant {
	out := make([]*store.Participant, 0, len(parts))
	// A participant is the same as another by person id, or by JID when
	// it has none.
	type participantKey struct{ person, jid string }
	seen := map[participantKey]*store.Participant{}
	for _, p := range parts {
		key := participantKey{jid: p.ParticipantJID}
		if p.PersonID != "" {
			key = participantKey{person: p.PersonID}
		}
		if q := seen[key]; q != nil {
			if roleRank(p.Role) > roleRank(q.Role) {
				q.Role = p.Role
			}
			continue
		}
		seen[key] = p
		out = append(out, p)
	}
	sortParticipants(out)
	return out
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
	// The server's description as of now: newer than any other source.
	if err := t.setGroupInfo(conv, &evt.GroupInfo, ms(t.now)); err != nil {
		return err
	}
	conv.DeletedAt = time.Time{}
	t.emit(event.GroupJoined, event.KindConversation, conv.ConversationID, nil)
	return nil
}

// groupInfo applies a group change notification's deltas, made at the
// notification's time.
func (t *Tx) groupInfo(evt *events.GroupInfo) error {
	conv, _, err := t.Chat(evt.JID, types.EmptyJID)
	if err != nil {
		return err
	}
	ts := ms(evt.Timestamp)
	ft := &conv.FieldTimes
	if evt.Name != nil {
		setString(ft, fieldSubject, ts, &conv.Subject, evt.Name.Name)
	}
	if evt.Topic != nil {
		setString(ft, fieldTopic, ts, &conv.Topic, evt.Topic.Topic)
	}
	if evt.Locked != nil {
		setBool(ft, fieldLocked, ts, &conv.IsLocked, evt.Locked.IsLocked)
	}
	if evt.Announce != nil {
		setBool(ft, fieldAnnounce, ts, &conv.IsAnnounce, evt.Announce.IsAnnounce)
	}
	if evt.Ephemeral != nil {
		eph := 0
		if evt.Ephemeral.IsEphemeral {
			eph = int(evt.Ephemeral.DisappearingTimer)
		}
		setInt(ft, fieldEphemeral, ts, &conv.EphemeralSecs, eph)
	}
	if evt.Delete != nil {
		conv.DeletedAt = evt.Timestamp.UTC()
	}
	if len(evt.Join)+len(evt.Promote)+len(evt.Demote)+len(evt.Leave) > 0 && stated(ft, fieldParticipants, ts, 0, 0) {
		if err := t.changeParticipants(conv, evt); err != nil {
			return err
		}
	}
	t.emit(event.GroupUpdated, event.KindConversation, conv.ConversationID, nil)
	return nil
}

// changeParticipants applies the joins, promotions, demotions and leaves of
// a group notification. Members are matched by person, whichever form
// names them.
func (t *Tx) changeParticipants(conv *store.Conversation, evt *events.GroupInfo) error {
	parts := conv.Participants
	find := func(j types.JID) (*store.Participant, *store.Participant, error) {
		p, err := t.participant(conv, j, types.EmptyJID, "member")
		if err != nil {
			return nil, nil, err
		}
		for _, q := range parts {
			if q.ParticipantJID == p.ParticipantJID || (p.PersonID != "" && q.PersonID == p.PersonID) {
				return p, q, nil
			}
		}
		return p, nil, nil
	}
	for _, j := range evt.Join {
		p, q, err := find(j)
		if err != nil {
			return err
		}
		if q == nil {
			parts = append(parts, p)
		}
	}
	for _, change := range []struct {
		jids []types.JID
		role string
	}{{evt.Promote, "admin"}, {evt.Demote, "member"}} {
		for _, j := range change.jids {
			_, q, err := find(j)
			if err != nil {
				return err
			}
			if q != nil {
				q.Role = change.role
			}
		}
	}
	for _, j := range evt.Leave {
		_, q, err := find(j)
		if err != nil {
			return err
		}
		parts = slices.DeleteFunc(parts, func(x *store.Participant) bool { return x == q })
	}
	conv.Participants = dedupParticipants(parts)
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
	ts := ms(evt.Timestamp)
	setBool(&conv.FieldTimes, fieldArchived, ts, &conv.IsArchived, evt.Action.GetArchived())
	if evt.Action.GetArchived() {
		setBool(&conv.FieldTimes, fieldPinned, ts, &conv.IsPinned, false) // WhatsApp unpins what it archives
	}
	t.emit(event.ConversationUpdated, event.KindConversation, conv.ConversationID, nil)
	return nil
}

func (t *Tx) pin(evt *events.Pin) error {
	conv, err := t.chatSetting(evt.JID)
	if err != nil || conv == nil || evt.Action == nil {
		return err
	}
	setBool(&conv.FieldTimes, fieldPinned, ms(evt.Timestamp), &conv.IsPinned, evt.Action.GetPinned())
	t.emit(event.ConversationUpdated, event.KindConversation, conv.ConversationID, nil)
	return nil
}

// foreverMuted stands for "muted forever" (WhatsApp's -1).
var foreverMuted = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

func (t *Tx) mute(evt *events.Mute) error {
	conv, err := t.chatSetting(evt.JID)
	if err != nil || conv == nil || evt.Action == nil {
		return err
	}
	var until time.Time
	switch end := evt.Action.GetMuteEndTimestamp(); {
	case !evt.Action.GetMuted():
	case end < 0:
		until = foreverMuted
	default:
		until = muteTime(end)
	}
	setTime(&conv.FieldTimes, fieldMuted, ms(evt.Timestamp), &conv.MutedUntil, until)
	t.emit(event.ConversationUpdated, event.KindConversation, conv.ConversationID, nil)
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
	unread := 0
	if !evt.Action.GetRead() {
		unread = max(conv.UnreadCount, 1) // marked as unread
	}
	setInt(&conv.FieldTimes, fieldUnread, ms(evt.Timestamp), &conv.UnreadCount, unread)
	t.emit(event.ConversationUpdated, event.KindConversation, conv.ConversationID, nil)
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
	t.emit(event.MessageDeleted, event.KindMessage, m.MessageID, nil)
	return nil
}

// clearMessages tombstones the conversation's messages sent up to (and
// including) until; a zero until clears them all.
func (t *Tx) clearMessages(conv *store.Conversation, until, at time.Time) error {
	rows, err := store.MessagesToClear(t.ctx, t.db, t.acc.ID, conv.ConversationID, until)
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
	setInt(&conv.FieldTimes, fieldUnread, ms(evt.Timestamp), &conv.UnreadCount, 0)
	t.emit(event.ConversationUpdated, event.KindConversation, conv.ConversationID, nil)
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
	at := evt.Timestamp.UTC()
	if at.IsZero() {
		at = t.now
	}
	if at.After(conv.DeletedAt) && !conv.LastMessageAt.After(at) {
		conv.DeletedAt = at // it comes back with a message sent after at
	}
	ts, ft := ms(at), &conv.FieldTimes
	setInt(ft, fieldUnread, ts, &conv.UnreadCount, 0)
	setBool(ft, fieldArchived, ts, &conv.IsArchived, false)
	setBool(ft, fieldPinned, ts, &conv.IsPinned, false)
	t.emit(event.ConversationUpdated, event.KindConversation, conv.ConversationID, nil)
	return nil
}
