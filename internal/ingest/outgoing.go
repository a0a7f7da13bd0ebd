package ingest

import (
	"slices"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser/internal/event"
	"github.com/wauser/wauser/internal/store"
)

// Writers of the account's own actions (messages it sends, edits,
// reactions, read marks, contact edits) change records through these
// methods inside Ingester.Apply, exactly like events from WhatsApp do: the
// change feed, identity and events stay consistent, and whatsmeow echoing
// the same message back later finds the same row (own messages are keyed by
// conversation, WhatsApp id and fromMe).

// StalePending is how long a message may stay pending before Outgoing
// treats it as abandoned (the process sending it died) and lets it be sent
// again. whatsmeow gives up waiting for the server after 75 s.
const StalePending = 2 * time.Minute

// OutgoingState says what Outgoing found.
type OutgoingState int

// Outgoing states.
const (
	OutgoingNew    OutgoingState = iota // a new message, now pending: send it
	OutgoingRetry                       // it failed before, or was abandoned while pending; pending again: send it
	OutgoingExists                      // sent already, or being sent: do not send it again
)

// Outgoing returns the account's own message waID in chat, storing it as
// pending with the content of msg when it is new. The state says whether
// the caller should send it: a new message, and one that failed before or
// stayed pending for longer than StalePending (pending again, with msg's
// content), are to be sent; one sent already or being sent is not, which
// makes sending with a caller-chosen id idempotent. With clientID (the
// caller's id) set, the message is the one stored under that id, whatever
// WhatsApp id it was given: the returned row's WAMessageID is the id to
// send it under, waID for a new one. msg must carry content (ParseContent
// is not nil).
func (t *Tx) Outgoing(chat types.JID, waID, clientID string, msg *waE2E.Message) (*store.Message, OutgoingState, error) {
	c := ParseContent(msg)
	if c == nil {
		return nil, OutgoingExists, errNoContent
	}
	conv, _, err := t.Chat(chat, types.EmptyJID)
	if err != nil {
		return nil, OutgoingExists, err
	}
	var m *store.Message
	if clientID != "" {
		if m, err = t.byClientID(conv, clientID); err != nil {
			return nil, OutgoingExists, err
		}
	}
	if m == nil {
		if m, err = t.messageRow(&source{conv: conv, fromMe: true}, waID); err != nil {
			return nil, OutgoingExists, err
		}
	}
	state := OutgoingRetry
	switch {
	case m.ContentType == TypeUnknown && m.SentAt.IsZero():
		state = OutgoingNew // a new row, or a placeholder made by an early receipt or reaction
	case m.Status == StatusFailed:
	case m.Status == StatusPending && t.now.Sub(m.UpdatedAt) > StalePending:
	default:
		return m, OutgoingExists, nil
	}
	if m.DeletedAt.IsZero() {
		setContent(m, c)
	}
	m.Direction, m.IsFromMe, m.SenderJID = DirOutgoing, true, t.acc.Own.String()
	m.Status, m.Error = StatusPending, ""
	m.SentAt, m.ReceivedAt = t.now, t.now
	if clientID != "" {
		m.ClientID = clientID
	}
	// Until WhatsApp says otherwise (MarkSent), it goes where it is sent.
	m.WireChatJID, m.WireSenderJID = chat.ToNonAD().String(), t.acc.Own.String()
	t.touch(conv, t.now)
	t.emit(event.MessageStatus, event.KindMessage, m.MessageID, nil)
	return m, state, nil
}

// byClientID returns the account's message of conv sent with the caller's
// id clientID, or nil. Messages stored before caller ids were kept apart
// went under the caller's id itself.
func (t *Tx) byClientID(conv *store.Conversation, clientID string) (*store.Message, error) {
	rows, err := store.SentByClientID(t.ctx, t.db, t.acc.ID, conv.ConversationID, clientID)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return t.trackMessage(rows[0], false), nil
}

type ingestError string

func (e ingestError) Error() string { return string(e) }

const errNoContent = ingestError("ingest: outgoing message without content")

// touch records activity in conv at: its latest message time moves
// forward, and a deleted chat comes back.
func (t *Tx) touch(conv *store.Conversation, at time.Time) {
	if at.After(conv.LastMessageAt) {
		conv.LastMessageAt = at
	}
	if !conv.DeletedAt.IsZero() && at.After(conv.DeletedAt) {
		conv.DeletedAt = time.Time{}
	}
}

// MessageByID loads the account's message id, following merges to the
// surviving row; nil when it does not exist.
func (t *Tx) MessageByID(id string) (*store.Message, error) {
	for range 8 {
		var m *store.Message
		if r := t.msgs[id]; r != nil {
			m = r.cur
		} else {
			rows, err := store.MessageRow(t.ctx, t.db, t.acc.ID, id)
			if err != nil || len(rows) == 0 {
				return nil, err
			}
			m = t.trackMessage(rows[0], false)
		}
		if m.MergedInto == "" {
			return m, nil
		}
		id = m.MergedInto
	}
	return nil, nil
}

// Message returns the message waID of chat sent by sender (EmptyJID or the
// account's own JID for its own messages), creating a placeholder when it
// is not stored, as events about unknown messages do.
func (t *Tx) Message(chat, sender types.JID, waID string) (*store.Message, error) {
	conv, peer, err := t.Chat(chat, types.EmptyJID)
	if err != nil {
		return nil, err
	}
	src := &source{conv: conv}
	switch {
	case sender.IsEmpty() || t.isOwn(sender):
		src.fromMe = true
	case isUser(sender):
		if src.sender, err = t.Person(sender, types.EmptyJID); err != nil {
			return nil, err
		}
	default:
		src.sender = peer
	}
	return t.messageRow(src, waID)
}

// Conversation loads the account's conversation id, following merges; nil
// when it does not exist.
func (t *Tx) Conversation(id string) (*store.Conversation, error) {
	for range 8 {
		c, err := t.conversationByID(id)
		if err != nil || c == nil || c.MergedInto == "" {
			return c, err
		}
		id = c.MergedInto
	}
	return nil, nil
}

// Contact loads the account's contact id, following merges; nil when it
// does not exist.
func (t *Tx) Contact(id string) (*store.Contact, error) { return t.liveContact(id) }

// MarkSent records that WhatsApp accepted the account's message m under
// waID at the server's time ts, sent by the account as sender (its LID
// where whatsmeow addressed the message by LID; empty if not known). A
// receipt that already moved it further is kept.
func (t *Tx) MarkSent(m *store.Message, waID string, ts time.Time, sender types.JID) error {
	if waID != "" {
		m.WAMessageID = waID
	}
	if !ts.IsZero() {
		m.SentAt = ts.UTC()
	}
	m.Error = ""
	if m.Status == StatusFailed {
		m.Status = StatusPending
	}
	advance(m, StatusSent)
	conv, err := t.conversationByID(m.ConversationID)
	if err != nil {
		return err
	}
	if conv != nil {
		t.touch(conv, m.SentAt)
	}
	if isUser(sender) {
		m.WireSenderJID = userJID(sender).String()
		// whatsmeow sends a direct message to the peer's LID once the
		// account uses LIDs (it then sends as the account's LID).
		if sender.Server == types.HiddenUserServer && conv != nil && conv.Kind == KindDirect &&
			strings.HasSuffix(m.WireChatJID, "@"+types.DefaultUserServer) && strings.HasSuffix(conv.AltJID, "@"+types.HiddenUserServer) {
			m.WireChatJID = conv.AltJID
		}
	}
	t.emit(event.MessageSent, event.KindMessage, m.MessageID, nil)
	return nil
}

// MarkFailed records that sending m failed with reason. Only a pending
// message fails: one WhatsApp acknowledged meanwhile stays as it is.
func (t *Tx) MarkFailed(m *store.Message, reason string) {
	if m.Status != StatusPending {
		return
	}
	m.Status, m.Error = StatusFailed, reason
	t.emit(event.MessageStatus, event.KindMessage, m.MessageID, nil)
}

// EditOwn replaces the text (or caption) of the account's message m with
// that of newContent, edited at at.
func (t *Tx) EditOwn(m *store.Message, newContent *waE2E.Message, at time.Time) {
	c := ParseContent(newContent)
	if c == nil || !m.DeletedAt.IsZero() {
		return
	}
	m.Body, m.EditedAt = c.Body, at.UTC()
	if c.Mentions != nil {
		m.Mentions = c.Mentions
	}
	t.emit(event.MessageEdited, event.KindMessage, m.MessageID, nil)
}

// Revoke tombstones m, deleted for everyone at at.
func (t *Tx) Revoke(m *store.Message, at time.Time) {
	tombstone(m, at)
	t.emit(event.MessageDeleted, event.KindMessage, m.MessageID, nil)
}

// React sets (or with emoji "" removes) the account's reaction on m, made
// at at.
func (t *Tx) React(m *store.Message, emoji string, at time.Time) {
	who := t.acc.Own.String()
	setReaction(m, who, emoji, at.UnixMilli())
	t.emit(event.MessageReaction, event.KindMessage, m.MessageID, map[string]any{"reaction": map[string]string{"sender_jid": who, "emoji": emoji}})
}

// MarkRead records that the account read (or, with played, played) the
// messages msgs of conv: they move to read or played, and the
// conversation's unread count is reset.
func (t *Tx) MarkRead(conv *store.Conversation, msgs []*store.Message, played bool) {
	status := StatusRead
	if played {
		status = StatusPlayed
	}
	for _, m := range msgs {
		if m.IsFromMe || !m.DeletedAt.IsZero() {
			continue
		}
		advance(m, status)
		t.emit(event.MessageStatus, event.KindMessage, m.MessageID, nil)
	}
	// The account read the chat now: later than whatever counted it unread,
	// even a message stamped ahead of this clock.
	ts := ms(t.now)
	if last, ok := conv.FieldTimes[fieldUnread]; ok && ts <= last {
		ts = last + 1
	}
	if setInt(&conv.FieldTimes, fieldUnread, ts, &conv.UnreadCount, 0) {
		t.emit(event.ConversationUpdated, event.KindConversation, conv.ConversationID, nil)
	}
}

// SetMediaKeys replaces what downloading m's media needs (after WhatsApp
// moved the file, answering a media retry request).
func (t *Tx) SetMediaKeys(m *store.Message, keys *store.MediaKeys) {
	m.MediaKeys = jsonString(keys)
}

// SetContactName sets the address-book name of contact c, as the account
// edits it; the display name follows.
func (t *Tx) SetContactName(c *store.Contact, first, last string) {
	if t.setName(c, strings.TrimSpace(first), strings.TrimSpace(last), ms(t.now)) {
		t.emitOnce(event.ContactUpdated, event.KindContact, c.PersonID)
	}
}

// SetContactTags replaces the tags of contact c.
func (t *Tx) SetContactTags(c *store.Contact, tags []string) {
	c.Tags = normalizeTags(tags)
	t.emitOnce(event.ContactUpdated, event.KindContact, c.PersonID)
}

// emitOnce queues an event about a row unless the transaction already
// queued the same one.
func (t *Tx) emitOnce(typ event.Type, kind event.Kind, id string) {
	for _, e := range t.events {
		if e.typ == typ && e.kind == kind && e.id == id && e.extra == nil {
			return
		}
	}
	t.emit(typ, kind, id, nil)
}

// normalizeTags trims, drops empty and repeated tags, and sorts them.
func normalizeTags(tags []string) []string {
	out := []string{}
	for _, tag := range tags {
		if tag = strings.TrimSpace(tag); tag != "" && !slices.Contains(out, tag) {
			out = append(out, tag)
		}
	}
	slices.Sort(out)
	return out
}
