package ingest

import (
	"context"
	"encoding/json"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser/internal/event"
	"github.com/wauser/wauser/internal/store"
)

// Message directions and statuses (the WhatsApp Use sync API).
const (
	DirIncoming = "incoming"
	DirOutgoing = "outgoing"

	StatusPending   = "pending"
	StatusSent      = "sent"
	StatusReceived  = "received"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusPlayed    = "played"
	StatusFailed    = "failed"
	StatusDeleted   = "deleted"
)

// statusRank orders statuses: a receipt only ever moves a message forward.
func statusRank(s string) int {
	switch s {
	case StatusPending:
		return 0
	case StatusFailed:
		return 1
	case StatusSent, StatusReceived:
		return 2
	case StatusDelivered:
		return 3
	case StatusRead:
		return 4
	case StatusPlayed:
		return 5
	case StatusDeleted:
		return 9
	}
	return 0
}

// validWAID reports whether id can be a WhatsApp message id (they are
// short, printable ASCII).
func validWAID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := range len(id) {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

// advance moves m's status to s if that is forward.
func advance(m *store.Message, s string) {
	if statusRank(s) > statusRank(m.Status) {
		m.Status = s
	}
}

// tombstone marks m deleted: body, media and keys cleared, status deleted.
func tombstone(m *store.Message, at time.Time) {
	if at.IsZero() {
		at = time.Unix(0, 0).UTC()
	}
	if m.DeletedAt.IsZero() {
		m.DeletedAt = at.UTC()
	}
	m.Body, m.Media, m.MediaKeys, m.Extra, m.ReplyToWAID = "", "", "", "", ""
	m.Mentions = []string{}
	m.Status = StatusDeleted
}

// source is who sent a message where.
type source struct {
	conv   *store.Conversation
	sender *store.Contact // nil for the account's own messages
	fromMe bool
}

// resolveSource finds the conversation and sender of a message.
func (t *Tx) resolveSource(info *types.MessageInfo) (*source, error) {
	alt := types.EmptyJID
	if ChatKind(info.Chat) == KindDirect {
		// In a direct chat the peer is the sender, or the recipient of our own message.
		if info.IsFromMe {
			alt = info.RecipientAlt
		} else {
			alt = info.SenderAlt
		}
	}
	conv, _, err := t.Chat(info.Chat, alt)
	if err != nil {
		return nil, err
	}
	src := &source{conv: conv, fromMe: info.IsFromMe || t.isOwn(info.Sender)}
	if !src.fromMe && isUser(info.Sender) {
		if src.sender, err = t.Person(info.Sender, info.SenderAlt); err != nil {
			return nil, err
		}
	}
	return src, nil
}

func (s *source) senderKey() string {
	if s.fromMe {
		return "me"
	}
	if s.sender == nil {
		return ""
	}
	return s.sender.PersonID
}

// findMessage returns the stored message wa id of conversation conv. With
// fromMe set, only a message of that sender (fromMe, or the person id when
// not empty) matches; with fromMe nil, any message with that id does (ids
// are unique per chat and sender, so that is the message targeted by an
// edit or reaction key whose author form may differ).
func (t *Tx) findMessage(conv *store.Conversation, waID string, fromMe *bool, person string) (*store.Message, error) {
	if waID == "" {
		return nil, nil
	}
	if !t.fetchedWA[waKey{conv.ConversationID, waID}] {
		rows, err := store.MessageRowsByWAID(t.ctx, t.db, t.acc.ID, conv.ConversationID, waID)
		if err != nil {
			return nil, err
		}
		for _, m := range rows {
			t.trackMessage(m, false)
		}
	}
	var best *store.Message
	for _, id := range t.byWAID[waKey{conv.ConversationID, waID}] {
		m := t.msgs[id].cur
		if m.MergedInto != "" {
			continue
		}
		switch {
		case fromMe != nil && *fromMe == m.IsFromMe && (m.IsFromMe || person == "" || m.SenderPersonID == person):
			return m, nil
		case fromMe == nil && best == nil:
			best = m
		}
	}
	return best, nil
}

// messageRow returns the row of a message identified by source and wa id,
// creating an "unknown" stub when it is not stored yet (so an edit,
// reaction or revoke that arrives first is kept and applied).
func (t *Tx) messageRow(src *source, waID string) (*store.Message, error) {
	fromMe := src.fromMe
	m, err := t.findMessage(src.conv, waID, &fromMe, src.senderKey())
	if err != nil || m != nil {
		return m, err
	}
	m = &store.Message{
		AccountID:      t.acc.ID,
		MessageID:      messageID(t.acc.ID, src.conv.ConversationID, src.senderKey(), waID),
		ConversationID: src.conv.ConversationID,
		ChatJID:        src.conv.ChatJID,
		WAMessageID:    waID,
		ContentType:    TypeUnknown,
		Mentions:       []string{},
		Reactions:      map[string]string{},
		ReactionTimes:  map[string]int64{},
		IsFromMe:       src.fromMe,
		Direction:      DirIncoming,
		Status:         StatusReceived,
	}
	if src.fromMe {
		m.Direction, m.Status, m.SenderJID = DirOutgoing, StatusSent, t.acc.Own.String()
	} else if src.sender != nil {
		m.SenderJID, m.SenderPersonID = preferredJID(src.sender), src.sender.PersonID
	}
	// A row under the same id may exist in another conversation (merged
	// away, or moved): follow it rather than insert a duplicate key.
	if r := t.msgs[m.MessageID]; r != nil {
		return r.cur, nil
	}
	if !t.fetchedWA[waKey{src.conv.ConversationID, waID}] {
		rows, err := store.MessageRow(t.ctx, t.db, t.acc.ID, m.MessageID)
		if err != nil {
			return nil, err
		}
		if len(rows) > 0 {
			return t.trackMessage(rows[0], false), nil
		}
	}
	return t.trackMessage(m, true), nil
}

// message applies an *events.Message: new content, an edit, a revoke, a
// reaction or a poll vote. live is false for history.
func (t *Tx) message(evt *events.Message, live bool) error {
	unwrap(evt)
	msg := evt.Message
	if ChatKind(evt.Info.Chat) == "" {
		return nil
	}
	if pm := msg.GetProtocolMessage(); pm != nil {
		switch pm.GetType() {
		case waE2E.ProtocolMessage_MESSAGE_EDIT:
			return t.edit(evt, pm.GetKey().GetID(), pm.GetEditedMessage(), live)
		case waE2E.ProtocolMessage_REVOKE:
			return t.revoke(evt, pm.GetKey())
		case waE2E.ProtocolMessage_EPHEMERAL_SETTING:
			return t.ephemeral(evt, pm.GetEphemeralExpiration())
		}
		return nil
	}
	if r := msg.GetReactionMessage(); r != nil {
		return t.reaction(evt, r.GetKey().GetID(), r.GetKey().GetParticipant(), r.GetText(), r.GetSenderTimestampMS(), live)
	}
	if msg.GetEncReactionMessage() != nil {
		r := t.decrypted.reaction
		if r == nil {
			return nil // could not be decrypted (see decrypt)
		}
		return t.reaction(evt, r.GetKey().GetID(), r.GetKey().GetParticipant(), r.GetText(), r.GetSenderTimestampMS(), live)
	}
	if msg.GetPollUpdateMessage() != nil {
		return t.pollVote(evt)
	}
	if folded, err := t.fold(evt); folded || err != nil {
		return err
	}
	content := ParseContent(msg)
	if content == nil {
		return nil
	}
	_, err := t.storeMessage(evt, content, live)
	return err
}

// unwrap removes whatsmeow's wrappers (ephemeral, view-once, ...) from a
// message event, as whatsmeow does before dispatching; hand-built events
// may come wrapped.
func unwrap(evt *events.Message) {
	if evt.Message == nil && evt.RawMessage != nil {
		evt.UnwrapRaw()
	} else if evt.RawMessage == nil && evt.Message != nil {
		evt.RawMessage = evt.Message
		evt.UnwrapRaw()
	}
}

// decrypted holds what decrypt obtained for a message event.
type decrypted struct {
	reaction *waE2E.ReactionMessage
	vote     *waE2E.PollVoteMessage
	secret   *waE2E.Message // the new content of a secret-encrypted edit
}

// fold applies a message that belongs to another one instead of storing
// it as a record of its own (one message, one record), and reports whether
// it did:
//
//   - an album announcement (AlbumMessage): the album's images and videos
//     arrive as messages of their own, which are the records;
//   - an HD version of an image or video sent after it (an
//     AssociatedChildMessage whose association is an HD dual upload): it
//     replaces the media of the message it belongs to, caption kept; if
//     that message is not stored yet, it is stored under its id with the
//     HD media, and the original replaces it when it comes;
//   - other associated children (motion photos, status extras): nothing
//     of them is shown, so nothing is stored;
//   - a secret-encrypted edit (SecretEncryptedMessage, for event
//     messages): the edit of its target, when it could be decrypted.
func (t *Tx) fold(evt *events.Message) (bool, error) {
	msg := evt.Message
	switch {
	case msg.GetAlbumMessage() != nil:
		return true, nil
	case msg.GetSecretEncryptedMessage() != nil:
		target := msg.GetSecretEncryptedMessage().GetTargetMessageKey()
		if t.decrypted.secret == nil || target.GetID() == "" {
			return true, nil // could not be decrypted (see decrypt)
		}
		return true, t.edit(evt, target.GetID(), t.decrypted.secret, true)
	case msg.GetAssociatedChildMessage() != nil:
	default:
		return false, nil
	}
	assoc := msg.GetMessageContextInfo().GetMessageAssociation()
	switch assoc.GetAssociationType() {
	case waE2E.MessageAssociation_HD_IMAGE_DUAL_UPLOAD, waE2E.MessageAssociation_HD_VIDEO_DUAL_UPLOAD,
		waE2E.MessageAssociation_HEVC_VIDEO_DUAL_UPLOAD:
	default:
		return true, nil
	}
	parentID := assoc.GetParentMessageKey().GetID()
	c := ParseContent(msg.GetAssociatedChildMessage().GetMessage())
	if parentID == "" || c == nil || c.Media == nil {
		return true, nil
	}
	src, err := t.resolveSource(&evt.Info)
	if err != nil {
		return true, err
	}
	m, err := t.messageRow(src, parentID)
	if err != nil || !m.DeletedAt.IsZero() {
		return true, err
	}
	if m.ContentType == TypeUnknown {
		setContent(m, c)
		if m.SentAt.IsZero() {
			m.SentAt = evt.Info.Timestamp.UTC()
		}
		setWire(m, &evt.Info)
		return true, nil
	}
	// The HD file replaces the media; the caption and the rest stay.
	if c.Media.Caption == "" {
		var old store.MediaInfo
		if json.Unmarshal([]byte(m.Media), &old) == nil {
			c.Media.Caption = old.Caption
		}
	}
	m.Media, m.MediaKeys = jsonString(c.Media), jsonString(c.Keys)
	return true, nil
}

// decrypt decrypts an encrypted reaction or poll vote with the secrets in
// whatsmeow's store. It runs before the transaction opens: whatsmeow reads
// its store through its own connection.
func (in *Ingester) decrypt(ctx context.Context, acc *Account, evt *events.Message) decrypted {
	var d decrypted
	if acc.Local == nil {
		return d
	}
	unwrap(evt)
	var err error
	switch {
	case evt.Message.GetEncReactionMessage() != nil:
		d.reaction, err = acc.Local.DecryptReaction(ctx, evt)
	case evt.Message.GetPollUpdateMessage() != nil:
		d.vote, err = acc.Local.DecryptPollVote(ctx, evt)
	case evt.Message.GetSecretEncryptedMessage() != nil:
		d.secret, err = acc.Local.DecryptSecretEncryptedMessage(ctx, evt)
	}
	if err != nil {
		in.opts.Logger.Debug("ingest: cannot decrypt", "account", acc.ID, "id", evt.Info.ID, "error", err)
	}
	return d
}

// storeMessage writes a content message (a new one, or again).
func (t *Tx) storeMessage(evt *events.Message, c *Content, live bool) (*store.Message, error) {
	info := &evt.Info
	src, err := t.resolveSource(info)
	if err != nil {
		return nil, err
	}
	m, err := t.messageRow(src, info.ID)
	if err != nil {
		return nil, err
	}
	wasUnknown := m.ContentType == TypeUnknown
	first := wasUnknown
	switch {
	case !m.DeletedAt.IsZero():
		// A tombstone stays a tombstone; it learns what it was.
		if m.ContentType == TypeUnknown {
			m.ContentType = c.Type
		}
	case !m.EditedAt.IsZero() && !wasUnknown:
		// Keep the edited text; the original adds nothing newer.
	default:
		if !m.EditedAt.IsZero() && wasUnknown {
			// The edit arrived first: keep its body, take the rest.
			body := m.Body
			setContent(m, c)
			m.Body = body
		} else {
			setContent(m, c)
		}
	}
	if !info.Timestamp.IsZero() && m.SentAt.IsZero() {
		m.SentAt = info.Timestamp.UTC()
	}
	setWire(m, info)
	if m.ReceivedAt.IsZero() {
		if live {
			m.ReceivedAt = t.now
		} else {
			m.ReceivedAt = m.SentAt
		}
	}
	if !src.fromMe && info.PushName != "" {
		m.SenderPushName = info.PushName
	}
	if !src.fromMe && src.sender != nil && info.PushName != "" && live {
		t.setPushName(src.sender, info.PushName, ms(info.Timestamp))
	}
	// The conversation: latest activity, unread badge, and a deleted chat
	// comes back with a new message.
	conv := src.conv
	if m.SentAt.After(conv.LastMessageAt) {
		conv.LastMessageAt = m.SentAt
	}
	if !conv.DeletedAt.IsZero() && m.SentAt.After(conv.DeletedAt) {
		conv.DeletedAt = time.Time{}
	}
	if first && live && !src.fromMe && c.Type != TypeSystem {
		// Unless the chat was read (or marked) after this message was sent.
		setInt(&conv.FieldTimes, fieldUnread, ms(m.SentAt), &conv.UnreadCount, conv.UnreadCount+1)
	}
	if first && live {
		typ := event.MessageReceived
		if src.fromMe {
			typ = event.MessageSent
		}
		t.emit(typ, event.KindMessage, m.MessageID, nil)
	}
	return m, nil
}

// setWire records the JID forms WhatsApp addressed the message by (a LID
// chat or participant where the record shows the phone number): outgoing
// references to the message use them. The latest seen wins.
func setWire(m *store.Message, info *types.MessageInfo) {
	if chat := info.Chat; !chat.IsEmpty() {
		m.WireChatJID = chat.ToNonAD().String()
	}
	if sender := info.Sender; isUser(sender) {
		m.WireSenderJID = userJID(sender).String()
	}
}

// setContent copies parsed content into a row.
func setContent(m *store.Message, c *Content) {
	m.ContentType, m.Body, m.ReplyToWAID = c.Type, c.Body, c.ReplyTo
	m.Mentions = c.Mentions
	if m.Mentions == nil {
		m.Mentions = []string{}
	}
	m.Media, m.MediaKeys, m.Extra = "", "", ""
	if c.Media != nil {
		m.Media = jsonString(c.Media)
	}
	if c.Keys != nil {
		m.MediaKeys = jsonString(c.Keys)
	}
	if len(c.Extra) > 0 {
		m.Extra = jsonString(c.Extra)
	}
}

// jsonString marshals v, which is always marshallable here.
func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// edit applies a MESSAGE_EDIT: the sender's message waID gets the new body.
func (t *Tx) edit(evt *events.Message, waID string, newContent *waE2E.Message, live bool) error {
	src, err := t.resolveSource(&evt.Info)
	if err != nil {
		return err
	}
	m, err := t.messageRow(src, waID)
	if err != nil {
		return err
	}
	if !m.DeletedAt.IsZero() {
		return nil
	}
	ts := evt.Info.Timestamp.UTC()
	c := ParseContent(newContent)
	if c == nil {
		return nil
	}
	if !m.EditedAt.IsZero() && ts.Before(m.EditedAt) {
		return nil // an older edit (of two as old, the later to arrive wins, as for reactions)
	}
	m.Body, m.EditedAt = c.Body, ts
	if c.Mentions != nil {
		m.Mentions = c.Mentions
	}
	_ = live
	t.emit(event.MessageEdited, event.KindMessage, m.MessageID, nil)
	return nil
}

// revoke applies a REVOKE: by the sender (key without participant in a
// direct chat, or the sender's own), or by a group admin (key participant
// names the author).
func (t *Tx) revoke(evt *events.Message, key interface {
	GetID() string
	GetParticipant() string
	GetFromMe() bool
}) error {
	src, err := t.resolveSource(&evt.Info)
	if err != nil {
		return err
	}
	if p := key.GetParticipant(); p != "" && evt.Info.IsGroup {
		if author, err := types.ParseJID(p); err == nil && isUser(author) {
			if t.isOwn(author) {
				src = &source{conv: src.conv, fromMe: true}
			} else if sender, err := t.Person(author, types.EmptyJID); err == nil {
				src = &source{conv: src.conv, sender: sender}
			} else {
				return err
			}
		}
	}
	m, err := t.messageRow(src, key.GetID())
	if err != nil {
		return err
	}
	tombstone(m, evt.Info.Timestamp)
	t.emit(event.MessageDeleted, event.KindMessage, m.MessageID, nil)
	return nil
}

// reactionKey is the reactions-map key of who reacted.
func (t *Tx) reactionKey(src *source) string {
	if src.fromMe {
		return t.acc.Own.String()
	}
	if src.sender != nil {
		return preferredJID(src.sender)
	}
	return ""
}

// reaction applies one sender's reaction to the message waID of the chat;
// an empty emoji removes it. A reaction older than the sender's latest one
// (a late redelivery) is ignored.
func (t *Tx) reaction(evt *events.Message, waID, participant, emoji string, sentMS int64, live bool) error {
	src, err := t.resolveSource(&evt.Info)
	if err != nil {
		return err
	}
	who := t.reactionKey(src)
	if who == "" {
		return nil
	}
	m, err := t.findMessage(src.conv, waID, nil, "")
	if err != nil {
		return err
	}
	if m == nil {
		// The target is not stored yet: keep the reaction on a stub of it,
		// authored by the participant the key names (or the chat peer).
		author := &source{conv: src.conv}
		if p, err := types.ParseJID(participant); err == nil && isUser(p) {
			if t.isOwn(p) {
				author.fromMe = true
			} else if author.sender, err = t.Person(p, types.EmptyJID); err != nil {
				return err
			}
		} else if src.conv.Kind == KindDirect {
			if src.fromMe {
				author.sender, err = t.contactByID(src.conv.DirectPersonID)
				if err != nil {
					return err
				}
			} else {
				author.fromMe = true
			}
		}
		if m, err = t.messageRow(author, waID); err != nil {
			return err
		}
	}
	if sentMS == 0 {
		sentMS = evt.Info.Timestamp.UnixMilli()
	}
	setReaction(m, who, emoji, sentMS)
	if live {
		t.emit(event.MessageReaction, event.KindMessage, m.MessageID, map[string]any{"reaction": map[string]string{"sender_jid": who, "emoji": emoji}})
	}
	return nil
}

// setReaction sets who's reaction on m unless m has a newer one from them.
func setReaction(m *store.Message, who, emoji string, sentMS int64) {
	if m.ReactionTimes == nil {
		m.ReactionTimes = map[string]int64{}
	}
	if last, ok := m.ReactionTimes[who]; ok && sentMS < last {
		// Older than their latest. (Of two as old, the later to arrive wins:
		// one sender's messages arrive in the order they were sent.)
		return
	}
	m.ReactionTimes[who] = sentMS
	if emoji == "" {
		delete(m.Reactions, who)
	} else {
		m.Reactions[who] = emoji
	}
}

// pollVote records a decrypted poll vote on the poll's extra data.
func (t *Tx) pollVote(evt *events.Message) error {
	vote := t.decrypted.vote
	if vote == nil {
		return nil // could not be decrypted (see decrypt)
	}
	src, err := t.resolveSource(&evt.Info)
	if err != nil {
		return err
	}
	who := t.reactionKey(src)
	key := evt.Message.GetPollUpdateMessage().GetPollCreationMessageKey()
	poll, err := t.findMessage(src.conv, key.GetID(), nil, "")
	if err != nil || poll == nil || poll.Extra == "" || who == "" {
		return err
	}
	var extra map[string]any
	if err := json.Unmarshal([]byte(poll.Extra), &extra); err != nil {
		return nil
	}
	p, _ := extra["poll"].(map[string]any)
	if p == nil {
		return nil
	}
	var options []string
	if raw, ok := p["options"].([]any); ok {
		for _, o := range raw {
			s, _ := o.(string)
			options = append(options, s)
		}
	}
	hashes := whatsmeow.HashPollOptions(options)
	selected := []string{}
	for _, h := range vote.GetSelectedOptions() {
		for i, oh := range hashes {
			if string(oh) == string(h) {
				selected = append(selected, options[i])
			}
		}
	}
	ms := evt.Message.GetPollUpdateMessage().GetSenderTimestampMS()
	if ms == 0 {
		ms = evt.Info.Timestamp.UnixMilli()
	}
	if setVote(p, who, selected, ms) {
		savePoll(poll, extra)
	}
	return nil
}

// ephemeral records a chat's disappearing-messages timer.
func (t *Tx) ephemeral(evt *events.Message, seconds uint32) error {
	conv, _, err := t.Chat(evt.Info.Chat, types.EmptyJID)
	if err != nil {
		return err
	}
	setInt(&conv.FieldTimes, fieldEphemeral, ms(evt.Info.Timestamp), &conv.EphemeralSecs, int(seconds))
	t.emit(event.ConversationUpdated, event.KindConversation, conv.ConversationID, nil)
	return nil
}

// undecryptable stores a placeholder that the real message replaces when
// it arrives.
func (t *Tx) undecryptable(evt *events.UndecryptableMessage) error {
	if evt.DecryptFailMode == events.DecryptFailHide || ChatKind(evt.Info.Chat) == "" {
		return nil
	}
	src, err := t.resolveSource(&evt.Info)
	if err != nil {
		return err
	}
	m, err := t.messageRow(src, evt.Info.ID)
	if err != nil {
		return err
	}
	if m.ContentType == TypeUnknown && m.SentAt.IsZero() {
		m.SentAt = evt.Info.Timestamp.UTC()
		m.ReceivedAt = t.now
		if evt.IsUnavailable {
			m.Extra = jsonString(map[string]any{"unavailable": string(evt.UnavailableType)})
		}
	}
	return nil
}

// receipt moves the status of the messages it names forward.
func (t *Tx) receipt(evt *events.Receipt) error {
	if ChatKind(evt.Chat) == "" || len(evt.MessageIDs) == 0 {
		return nil
	}
	var status string
	own := evt.IsFromMe
	switch evt.Type {
	case types.ReceiptTypeDelivered:
		status = StatusDelivered
	case types.ReceiptTypeRead, types.ReceiptTypeReadSelf:
		status = StatusRead
	case types.ReceiptTypePlayed, types.ReceiptTypePlayedSelf:
		status = StatusPlayed
	case types.ReceiptTypeServerError:
		status = StatusFailed
	default:
		return nil
	}
	alt := types.EmptyJID
	if ChatKind(evt.Chat) == KindDirect {
		alt = evt.RecipientAlt
		if alt.IsEmpty() {
			alt = evt.SenderAlt
		}
	}
	conv, _, err := t.Chat(evt.Chat, alt)
	if err != nil {
		return err
	}
	// Not from me: a receipt for my message. From me (another device of
	// mine): I read the peer's messages.
	wantFromMe := !own
	// A receipt for a message not stored yet (its history comes later, or
	// its chat is known under the other form until a mapping is learned)
	// is kept on a placeholder of it, as reactions and edits are, when its
	// author is known: the account for a peer's receipt, the peer of a
	// direct chat for the account's own.
	author := &source{conv: conv, fromMe: true}
	if own {
		author = nil
		if conv.Kind == KindDirect {
			peer, err := t.contactByID(conv.DirectPersonID)
			if err != nil {
				return err
			}
			if peer != nil {
				author = &source{conv: conv, sender: peer}
			}
		}
	}
	for _, id := range evt.MessageIDs {
		m, err := t.findMessage(conv, id, &wantFromMe, "")
		if err != nil {
			return err
		}
		if m == nil && author != nil && validWAID(id) {
			// Not when the chat holds the id from the other side: a receipt
			// naming it is not about it.
			if other, err := t.findMessage(conv, id, nil, ""); err != nil {
				return err
			} else if other == nil {
				if m, err = t.messageRow(author, id); err != nil {
					return err
				}
			}
		}
		if m == nil || m.IsFromMe != wantFromMe || !m.DeletedAt.IsZero() {
			continue
		}
		if status == StatusFailed {
			if m.Status == StatusPending || m.Status == StatusSent {
				m.Status = StatusFailed
			}
		} else {
			advance(m, status)
		}
		t.emit(event.MessageStatus, event.KindMessage, m.MessageID, nil)
	}
	if own && status == StatusRead && setInt(&conv.FieldTimes, fieldUnread, ms(evt.Timestamp), &conv.UnreadCount, 0) {
		t.emit(event.ConversationUpdated, event.KindConversation, conv.ConversationID, nil)
	}
	return nil
}
