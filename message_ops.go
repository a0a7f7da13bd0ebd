package wauser

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/store"
)

// maxReadIDs bounds MarkRead; WhatsApp's own clients send far fewer.
const maxReadIDs = 100

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
	wireChat, wireAuthor := wireTarget(p.target, p.chat, p.targetSender)
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
	wireChat, _ := wireTarget(p.target, p.chat, p.targetSender)
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
	wireChat, wireAuthor := wireTarget(p.target, p.chat, p.targetSender)
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

// MarkReadRequest is the body of MarkRead.
type MarkReadRequest struct {
	// Chat is the chat of the messages; it may be empty when every id is a
	// stored message's id ("msg_…") of one chat.
	Chat string `json:"chat,omitempty"`
	// MessageIDs are 1 to 100 messages of the chat, by stored id or
	// WhatsApp id.
	MessageIDs []string `json:"message_ids"`
	// Sender is the author of WhatsApp ids that are not stored, needed in
	// groups.
	Sender string `json:"sender,omitempty"`
	// Played marks voice notes and videos played instead of read.
	Played bool `json:"played,omitempty"`
}

// MarkRead sends read (or played) receipts for messages others sent,
// grouped by author as WhatsApp wants them in groups, then stores them as
// read (or played) and resets the chat's unread count.
func (c *Client) MarkRead(ctx context.Context, req MarkReadRequest) error {
	p := &prepared{status: StatusRead}
	if req.Played {
		p.status = StatusPlayed
	}
	switch n := len(req.MessageIDs); {
	case n == 0:
		return invalidArg("message_ids", "empty")
	case n > maxReadIDs:
		return invalidArg("message_ids", "%d ids; at most %d", n, maxReadIDs)
	}
	if req.Chat != "" {
		var err error
		if p.chat, err = parseChat("chat", req.Chat); err != nil {
			return err
		}
	}
	var err error
	if p.account, err = c.accountID(ctx); err != nil {
		return err
	}
	targets, err := c.readTargets(ctx, p, req.MessageIDs, req.Sender, "sender")
	if err != nil {
		return err
	}
	s, err := c.online(ctx)
	if err != nil {
		return err
	}
	return c.markRead(ctx, s, p, targets)
}

// readTarget is one message to mark read.
type readTarget struct {
	row    *store.Message // nil when not stored
	waID   string
	author types.JID
}

// readTargets resolves the messages to mark read in p.chat (set from the
// first stored message when empty).
func (c *Client) readTargets(ctx context.Context, p *prepared, ids []string, sender, senderField string) ([]readTarget, error) {
	out := make([]readTarget, 0, len(ids))
	for i, id := range ids {
		field := fmt.Sprintf("message_ids[%d]", i)
		row, waID, author, err := c.findTarget(ctx, p.account, p.chat, id, sender, field, senderField)
		if err != nil {
			return nil, err
		}
		if row != nil && row.IsFromMe {
			return nil, invalidArg(field, "%q is the account's own message", id)
		}
		if p.chat.IsEmpty() {
			if p.chat, err = types.ParseJID(row.ChatJID); err != nil {
				return nil, fmt.Errorf("wauser: message %s has a malformed chat %q: %w", row.MessageID, row.ChatJID, err)
			}
		}
		out = append(out, readTarget{row: row, waID: waID, author: author})
	}
	return out, nil
}

// markRead sends the receipts for targets in p.chat, one call per author,
// then stores them.
func (c *Client) markRead(ctx context.Context, s *session, p *prepared, targets []readTarget) error {
	now := c.core.cfg.clock.Now()
	var extra []types.ReceiptType
	if p.status == StatusPlayed {
		extra = append(extra, types.ReceiptTypePlayed)
	}
	// One receipt per author, addressed as WhatsApp addressed the
	// messages (a LID chat or participant where the records show phone
	// numbers).
	type addressed struct{ chat, author types.JID }
	var order []addressed
	ids := map[addressed][]types.MessageID{}
	for _, t := range targets {
		chat, author := wireTarget(t.row, p.chat, t.author)
		a := addressed{chat, author}
		if _, ok := ids[a]; !ok {
			order = append(order, a)
		}
		if !slices.Contains(ids[a], t.waID) {
			ids[a] = append(ids[a], t.waID)
		}
	}
	for _, a := range order {
		if err := s.conn.Client.MarkRead(ctx, ids[a], now, a.chat, a.author, extra...); err != nil {
			return waError("mark read", err)
		}
	}
	err := c.core.ingest.Apply(context.WithoutCancel(ctx), s.ingestAccount(), func(t *ingest.Tx) error {
		conv, _, err := t.Chat(p.chat, types.EmptyJID)
		if err != nil {
			return err
		}
		var msgs []*store.Message
		for _, tg := range targets {
			if tg.row == nil {
				continue
			}
			m, err := t.MessageByID(tg.row.MessageID)
			if err != nil {
				return err
			}
			if m != nil {
				msgs = append(msgs, m)
			}
		}
		t.MarkRead(conv, msgs, p.status == StatusPlayed)
		return nil
	})
	if err != nil {
		return fmt.Errorf("wauser: mark read: sent, but storing it failed: %w", err)
	}
	return nil
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
