package wauser

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"

	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/compose"
	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/internal/store"
)

// MessageType is the kind of message SendMessage sends: the Business Server API's
// types (text, image, video, audio, document, location, poll, reaction,
// invite, interactive, status), the WhatsSync Chat API's template, and contact cards
// and stickers.
type MessageType string

// Message types.
const (
	MessageText        MessageType = "text"
	MessageImage       MessageType = "image"
	MessageVideo       MessageType = "video"
	MessageAudio       MessageType = "audio" // audio files and voice notes (MediaMessage.Voice)
	MessageDocument    MessageType = "document"
	MessageSticker     MessageType = "sticker"
	MessageLocation    MessageType = "location"
	MessageContacts    MessageType = "contacts"
	MessagePoll        MessageType = "poll"
	MessageReaction    MessageType = "reaction"
	MessageInvite      MessageType = "invite"
	MessageInteractive MessageType = "interactive"
	MessageTemplate    MessageType = "template"
	MessageStatus      MessageType = "status" // read/played receipts and typing/recording indicators
)

// ChatStatus is what a status message (MessageStatus) tells the chat.
type ChatStatus string

// Chat statuses (the Business Server API's status field).
const (
	StatusRead      ChatStatus = "read"      // mark the context message read
	StatusPlayed    ChatStatus = "played"    // mark the context voice note or video played
	StatusTyping    ChatStatus = "typing"    // show "typing…"
	StatusRecording ChatStatus = "recording" // show "recording audio…"
	StatusPaused    ChatStatus = "paused"    // stop showing either
)

// ListMessagesOptions selects messages.
type ListMessagesOptions struct {
	ConversationID ConversationID // only this conversation; "" for all
	// PersonID selects the direct conversation with this person (a page
	// without messages when there is none yet). It cannot be combined
	// with ConversationID.
	PersonID PersonID
	// BeforeMessageID starts the page after this message, with the ones
	// sent before it: the way to page on without a cursor. It cannot be
	// combined with Cursor, and must belong to the selected conversation.
	BeforeMessageID MessageID
	Cursor          string // NextCursor of the previous page
	Limit           int    // 0 means DefaultListLimit; at most MaxListLimit
}

// MessageList is a page of messages.
type MessageList struct {
	Messages   []Message `json:"messages"`
	NextCursor string    `json:"next_cursor,omitempty"` // empty on the last page
}

// ListMessages returns messages, newest first. Deleted messages are listed
// as tombstones (DeletedAt set, no body).
func (c *Client) ListMessages(ctx context.Context, opts ListMessagesOptions) (*MessageList, error) {
	limit, err := listLimit(opts.Limit)
	if err != nil {
		return nil, err
	}
	after, err := parseTimeCursor('m', opts.Cursor)
	if err != nil {
		return nil, err
	}
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	convID := string(opts.ConversationID)
	switch {
	case convID != "" && !validRecordID(convID):
		return nil, invalidArg("conversation_id", "%q is not a conversation id", convID)
	case opts.PersonID != "" && !validRecordID(string(opts.PersonID)):
		return nil, invalidArg("person_id", "%q is not a person id", opts.PersonID)
	case opts.PersonID != "" && convID != "":
		return nil, invalidArg("person_id", "give a person or a conversation, not both")
	case opts.BeforeMessageID != "" && !validRecordID(string(opts.BeforeMessageID)):
		return nil, invalidArg("before_message_id", "%q is not a message id", opts.BeforeMessageID)
	case opts.BeforeMessageID != "" && opts.Cursor != "":
		return nil, invalidArg("before_message_id", "give a cursor or a message to start before, not both")
	}
	if convID != "" {
		conv, err := c.core.st.GetConversation(ctx, string(id), convID)
		if err != nil {
			return nil, recordError("conversation", convID, err)
		}
		convID = conv.ConversationID
	}
	if opts.PersonID != "" {
		rows, err := store.DirectConversations(ctx, c.core.st.DB(), string(id), string(opts.PersonID))
		if err != nil {
			return nil, fmt.Errorf("wauser: list messages: %w", err)
		}
		if len(rows) == 0 {
			return &MessageList{Messages: []Message{}}, nil
		}
		convID = rows[0].ConversationID
	}
	if opts.BeforeMessageID != "" {
		m, err := c.core.st.GetMessage(ctx, string(id), string(opts.BeforeMessageID))
		if err != nil {
			return nil, recordError("message", string(opts.BeforeMessageID), err)
		}
		if (convID != "" && m.ConversationID != convID) || m.SentAt.IsZero() {
			return nil, invalidArg("before_message_id", "%q is not a message of this conversation", opts.BeforeMessageID)
		}
		after = &store.KeysetTime{At: m.SentAt.UTC(), ID: m.MessageID}
	}
	rows, err := c.core.st.ListMessages(ctx, string(id), store.ListMessagesQuery{ConversationID: convID, After: after, Limit: limit + 1})
	if err != nil {
		return nil, fmt.Errorf("wauser: list messages: %w", err)
	}
	out := &MessageList{Messages: make([]Message, 0, min(len(rows), limit))}
	for i, r := range rows {
		if i == limit {
			out.NextCursor = timeCursor('m', rows[i-1].SentAt, rows[i-1].MessageID)
			break
		}
		out.Messages = append(out.Messages, messageFromRow(r))
	}
	return out, nil
}

// GetMessage returns a message by id.
func (c *Client) GetMessage(ctx context.Context, message MessageID) (*Message, error) {
	if !validRecordID(string(message)) {
		return nil, invalidArg("message_id", "%q is not a message id", message)
	}
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	r, err := c.core.st.GetMessage(ctx, string(id), string(message))
	if err != nil {
		return nil, recordError("message", string(message), err)
	}
	m := messageFromRow(r)
	return &m, nil
}

// Messages iterates over the messages ListMessages lists for opts, newest
// first, across every page.
func (c *Client) Messages(ctx context.Context, opts ListMessagesOptions) iter.Seq2[Message, error] {
	return pages(opts.Cursor, func(cursor string) ([]Message, string, error) {
		o := opts
		o.Cursor = cursor
		if cursor != "" {
			o.BeforeMessageID = "" // the cursor carries the position on
		}
		l, err := c.ListMessages(ctx, o)
		if err != nil {
			return nil, "", err
		}
		return l.Messages, l.NextCursor, nil
	})
}

// SendReaction reacts to a message of chat with an emoji; "" removes the
// account's reaction. message is a stored message's id ("msg_…", chat may
// then be "") or a WhatsApp id of chat. It returns the message reacted to,
// with the reaction. See SendMessage.
func (c *Client) SendReaction(ctx context.Context, chat, message, emoji string) (*Message, error) {
	return c.SendMessage(ctx, SendMessageRequest{To: chat, Type: MessageReaction, Reaction: &Reaction{MessageID: message, Emoji: emoji}})
}

// prepareReaction finds the message reacted to.
func (c *Client) prepareReaction(ctx context.Context, p *prepared, req *SendMessageRequest) error {
	var participant string
	if req.Context != nil {
		participant = req.Context.Participant
	}
	target, waID, author, err := c.findTarget(ctx, p.account, p.chat, req.Reaction.MessageID, participant, "reaction.message_id", "context.participant")
	if err != nil {
		return err
	}
	p.target, p.targetWAID, p.targetSender, p.emoji = target, waID, author, req.Reaction.Emoji
	if p.chat.IsEmpty() {
		if p.chat, err = types.ParseJID(target.ChatJID); err != nil {
			return fmt.Errorf("wauser: message %s has a malformed chat %q: %w", target.MessageID, target.ChatJID, err)
		}
		if p.chat.Server == types.NewsletterServer {
			return invalidArg("reaction.message_id", "reactions to channel posts are not supported")
		}
	}
	return nil
}

// sendReaction sends a prepared reaction and stores it on the message.
func (c *Client) sendReaction(ctx context.Context, s *session, p *prepared) (*Message, error) {
	now := c.core.cfg.clock.Now()
	wireChat, wireAuthor := compose.WireTarget(p.target, p.chat, p.targetSender)
	msg := s.conn.Local.BuildReaction(wireChat, wireAuthor, p.targetWAID, p.emoji)
	msg.ReactionMessage.SenderTimestampMS = proto.Int64(now.UnixMilli())
	if err := c.core.paceSend(ctx, s.id); err != nil {
		return nil, err
	}
	if _, err := s.conn.Client.SendMessage(ctx, p.chat, msg); err != nil {
		return nil, waError("send reaction", err)
	}
	m, err := c.onMessage(ctx, s, p.chat, p.target, p.targetSender, p.targetWAID, func(t *ingest.Tx, m *store.Message) error {
		t.React(m, p.emoji, now)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("wauser: send reaction: reacted, but storing it failed: %w", err)
	}
	return m, nil
}

// onMessage changes the stored message target (or, when it is not stored,
// a placeholder of the message waID of chat by author) in one transaction,
// and returns it as stored.
func (c *Client) onMessage(ctx context.Context, s *session, chat types.JID, target *store.Message, author types.JID, waID string,
	change func(t *ingest.Tx, m *store.Message) error,
) (*Message, error) {
	var row *store.Message
	err := c.core.ingest.Apply(context.WithoutCancel(ctx), s.ingestAccount(), func(t *ingest.Tx) error {
		var (
			m   *store.Message
			err error
		)
		if target != nil {
			m, err = t.MessageByID(target.MessageID)
		} else {
			m, err = t.Message(chat, author, waID)
		}
		if err != nil || m == nil {
			return err
		}
		row = m
		return change(t, m)
	})
	if err != nil || row == nil {
		return nil, err
	}
	out := messageFromRow(row)
	return &out, nil
}

// EditMessage replaces the text of one of the account's text messages; it
// returns the message with its new text (EditedAt set). message is a stored
// message's id ("msg_…", chat may then be "") or a WhatsApp id of chat.
// WhatsApp lets the recipients see edits made within about 20 minutes of
// sending; wauser does not enforce that.
func (c *Client) EditMessage(ctx context.Context, chat, message, text string) (*Message, error) {
	if err := validText("text", text, true, maxTextLen); err != nil {
		return nil, err
	}
	p, err := c.messageTarget(ctx, chat, message)
	if err != nil {
		return nil, err
	}
	switch {
	case p.target == nil:
		return nil, fmt.Errorf("%w: message %q is not stored, so it cannot be edited", ErrNotFound, message)
	case !p.target.IsFromMe:
		return nil, invalidArg("message", "%q is someone else's; only the account's own messages can be edited", message)
	case !p.target.DeletedAt.IsZero():
		return nil, invalidArg("message", "%q was deleted", message)
	case p.target.ContentType != ingest.TypeText:
		return nil, invalidArg("message", "%q is a %s message; only text messages can be edited", message, p.target.ContentType)
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	now := c.core.cfg.clock.Now()
	content := &waE2E.Message{Conversation: proto.String(text)}
	wireChat, _ := compose.WireTarget(p.target, p.chat, p.targetSender)
	msg := s.conn.Local.BuildEdit(wireChat, p.targetWAID, content)
	msg.GetEditedMessage().GetMessage().GetProtocolMessage().TimestampMS = proto.Int64(now.UnixMilli())
	if err := c.core.paceSend(ctx, s.id); err != nil {
		return nil, err
	}
	resp, err := s.conn.Client.SendMessage(ctx, p.chat, msg)
	if err != nil {
		return nil, waError("edit message", err)
	}
	at := resp.Timestamp
	if at.IsZero() {
		at = now
	}
	m, err := c.onMessage(ctx, s, p.chat, p.target, p.targetSender, p.targetWAID, func(t *ingest.Tx, m *store.Message) error {
		t.EditOwn(m, content, at)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("wauser: edit message: edited, but storing it failed: %w", err)
	}
	return m, nil
}

// RevokeMessage deletes a message for everyone (the Business Server API's delete
// message) and returns its tombstone. The account's own messages can be
// deleted anywhere; others' only in groups where the account is an admin
// (WhatsApp refuses otherwise). message is a stored message's id ("msg_…",
// chat may then be "") or a WhatsApp id of chat; a WhatsApp id that is not
// stored is taken as the account's own in a direct chat, and needs its
// author in a group: pass a stored id instead.
func (c *Client) RevokeMessage(ctx context.Context, chat, message string) (*Message, error) {
	p, err := c.messageTarget(ctx, chat, message)
	if err != nil {
		return nil, err
	}
	if p.target == nil && p.chat.Server != types.GroupServer {
		p.targetSender = types.EmptyJID // the account's own
	}
	if p.target != nil && !p.target.IsFromMe && p.chat.Server != types.GroupServer {
		return nil, invalidArg("message", "%q is someone else's in a direct chat; only group admins delete others' messages", message)
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	wireChat, wireAuthor := compose.WireTarget(p.target, p.chat, p.targetSender)
	msg := s.conn.Local.BuildRevoke(wireChat, wireAuthor, p.targetWAID)
	if err := c.core.paceSend(ctx, s.id); err != nil {
		return nil, err
	}
	resp, err := s.conn.Client.SendMessage(ctx, p.chat, msg)
	if err != nil {
		return nil, waError("revoke message", err)
	}
	at := resp.Timestamp
	if at.IsZero() {
		at = c.core.cfg.clock.Now()
	}
	m, err := c.onMessage(ctx, s, p.chat, p.target, p.targetSender, p.targetWAID, func(t *ingest.Tx, m *store.Message) error {
		t.Revoke(m, at)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("wauser: revoke message: deleted, but storing it failed: %w", err)
	}
	return m, nil
}

// messageTarget validates chat and message for an operation on one message.
func (c *Client) messageTarget(ctx context.Context, chat, message string) (*prepared, error) {
	p := &prepared{}
	if chat != "" {
		var err error
		if p.chat, err = parseJID("chat", chat, false); err != nil {
			return nil, err
		}
	}
	if message == "" {
		return nil, invalidArg("message", "empty")
	}
	var err error
	if p.account, err = c.accountID(ctx); err != nil {
		return nil, err
	}
	p.target, p.targetWAID, p.targetSender, err = c.findTarget(ctx, p.account, p.chat, message, "", "message", "message")
	if err != nil {
		return nil, err
	}
	if p.chat.IsEmpty() {
		if p.chat, err = types.ParseJID(p.target.ChatJID); err != nil {
			return nil, fmt.Errorf("wauser: message %s has a malformed chat %q: %w", p.target.MessageID, p.target.ChatJID, err)
		}
	}
	return p, nil
}

// prepareStatus resolves a status message: the message to mark read or
// played, or the presence to show.
func (c *Client) prepareStatus(ctx context.Context, p *prepared, req *SendMessageRequest) error {
	p.status = req.Status
	switch req.Status {
	case StatusTyping, StatusRecording, StatusPaused:
		if p.chat.Server != types.DefaultUserServer && p.chat.Server != types.HiddenUserServer && p.chat.Server != types.GroupServer {
			return invalidArg("to", "%q is not a chat with a person or a group", req.To)
		}
		return nil
	}
	targets, err := c.readTargets(ctx, p, []string{req.Context.MessageID}, req.Context.Participant, "context.participant")
	if err != nil {
		var ae *ArgumentError
		if errors.As(err, &ae) && strings.HasPrefix(ae.Field, "message_ids") {
			ae.Field = "context.message_id"
		}
		return err
	}
	p.target, p.targetWAID, p.targetSender = targets[0].row, targets[0].waID, targets[0].author
	return nil
}

// sendStatus sends a prepared status message.
func (c *Client) sendStatus(ctx context.Context, s *session, p *prepared) error {
	switch p.status {
	case StatusTyping:
		return s.sendChatPresence(ctx, p.chat, PresenceTyping)
	case StatusRecording:
		return s.sendChatPresence(ctx, p.chat, PresenceRecording)
	case StatusPaused:
		return s.sendChatPresence(ctx, p.chat, PresencePaused)
	}
	return c.markRead(ctx, s, p, []readTarget{{row: p.target, waID: p.targetWAID, author: p.targetSender}})
}

// StarMessage stars a message on the account's phone and linked devices,
// and returns it with Starred set (nil when the message is not stored).
// message is a stored message's id ("msg_…", chat may then be "") or a
// WhatsApp id of chat.
func (c *Client) StarMessage(ctx context.Context, chat, message string) (*Message, error) {
	return c.starMessage(ctx, chat, message, true)
}

// UnstarMessage removes a message's star.
func (c *Client) UnstarMessage(ctx context.Context, chat, message string) (*Message, error) {
	return c.starMessage(ctx, chat, message, false)
}

func (c *Client) starMessage(ctx context.Context, chat, message string, starred bool) (*Message, error) {
	p, err := c.messageTarget(ctx, chat, message)
	if err != nil {
		return nil, err
	}
	switch p.chat.Server {
	case types.DefaultUserServer, types.HiddenUserServer, types.GroupServer:
	default:
		return nil, invalidArg("chat", "%q is not a chat with a person or a group", p.chat)
	}
	if p.target != nil && !p.target.DeletedAt.IsZero() {
		return nil, invalidArg("message", "%q was deleted", message)
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	fromMe := p.targetSender.IsEmpty()
	if p.target != nil {
		fromMe = p.target.IsFromMe
	}
	wireChat, wireAuthor := compose.WireTarget(p.target, p.chat, p.targetSender)
	if fromMe && wireChat.Server == types.GroupServer {
		// In groups the index names the author, the account too, as the
		// message went out.
		wireAuthor = s.conn.Device.ID.ToNonAD()
		if p.target != nil && p.target.WireSenderJID != "" {
			if j, err := types.ParseJID(p.target.WireSenderJID); err == nil {
				wireAuthor = j.ToNonAD()
			}
		}
	}
	patch := appstate.BuildStar(wireChat, wireAuthor, p.targetWAID, fromMe, starred)
	if wireChat.Server != types.GroupServer {
		patch.Mutations[0].Index[4] = "0" // no author in a chat with a person
	}
	patch.Timestamp = c.core.cfg.clock.Now()
	if err := s.conn.Client.SendAppState(ctx, patch); err != nil {
		return nil, waError("star message", err)
	}
	if p.target == nil {
		return nil, nil
	}
	m, err := c.onMessage(ctx, s, p.chat, p.target, p.targetSender, p.targetWAID, func(t *ingest.Tx, m *store.Message) error {
		t.Star(m, starred)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("wauser: star message: starred, but storing it failed: %w", err)
	}
	return m, nil
}

// ForwardMessage forwards a stored message (by its id, "msg_…") to a chat
// with a person or a group, as WhatsApp's apps do: the same content marked forwarded, media
// sent by reference to the file already on WhatsApp's servers (nothing is
// downloaded or uploaded again). Text, image, video, audio, voice,
// document, sticker, location and contact messages can be forwarded;
// deleted ones cannot, nor media whose keys were not stored. It returns
// the new message, as SendMessage does.
func (c *Client) ForwardMessage(ctx context.Context, message, to string) (*Message, error) {
	jid, err := ParseRecipient(to, "")
	if err != nil {
		return nil, err
	}
	switch jid.Server {
	case types.DefaultUserServer, types.HiddenUserServer, types.GroupServer:
	default:
		return nil, invalidArg("to", "%q is not a chat with a person or a group", to)
	}
	p, err := c.messageTarget(ctx, "", message)
	if err != nil {
		return nil, err
	}
	if p.target == nil {
		return nil, fmt.Errorf("%w: message %q is not stored", ErrNotFound, message)
	}
	if !p.target.DeletedAt.IsZero() {
		return nil, invalidArg("message", "%q was deleted", message)
	}
	eph, err := c.ephemeralTimer(ctx, p.account, jid)
	if err != nil {
		return nil, err
	}
	ci := &waE2E.ContextInfo{IsForwarded: proto.Bool(true), ForwardingScore: proto.Uint32(1)}
	if eph > 0 {
		ci.Expiration = proto.Uint32(eph)
	}
	msg, kind, err := compose.Forward(p.target, ci)
	if err != nil {
		return nil, composeError(err)
	}
	typ := MessageType(kind)
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	fp := &prepared{typ: typ, account: p.account, chat: jid, msg: msg}
	return c.sendContent(ctx, s, fp)
}
