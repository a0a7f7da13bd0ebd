package wauser

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/compose"
	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/internal/store"
)

// ArchiveChat archives a chat (with a person or a group) on the account's
// phone and linked devices; archiving also unpins it.
func (c *Client) ArchiveChat(ctx context.Context, chat string) error {
	return c.archiveChat(ctx, chat, true)
}

// UnarchiveChat moves an archived chat back to the chat list.
func (c *Client) UnarchiveChat(ctx context.Context, chat string) error {
	return c.archiveChat(ctx, chat, false)
}

func (c *Client) archiveChat(ctx context.Context, chat string, archive bool) error {
	return c.sendChatPatch(ctx, chat, "archive chat", func(jid types.JID, last lastMessage) appstate.PatchInfo {
		return appstate.BuildArchive(jid, archive, last.at, last.key)
	})
}

// PinChat pins a chat (with a person or a group) to the top of the chat
// list.
func (c *Client) PinChat(ctx context.Context, chat string) error {
	return c.sendChatPatch(ctx, chat, "pin chat", func(jid types.JID, _ lastMessage) appstate.PatchInfo {
		return appstate.BuildPin(jid, true)
	})
}

// UnpinChat unpins a chat.
func (c *Client) UnpinChat(ctx context.Context, chat string) error {
	return c.sendChatPatch(ctx, chat, "unpin chat", func(jid types.JID, _ lastMessage) appstate.PatchInfo {
		return appstate.BuildPin(jid, false)
	})
}

// ClearChat deletes every message of a chat (with a person or a group) up
// to its latest one, on the account's phone and linked devices; the chat
// itself stays. Starred messages are kept unless deleteStarred is set.
func (c *Client) ClearChat(ctx context.Context, chat string, deleteStarred bool) error {
	return c.sendChatPatch(ctx, chat, "clear chat", func(jid types.JID, last lastMessage) appstate.PatchInfo {
		return buildClearChat(jid, last.at, deleteStarred)
	})
}

// buildClearChat builds the app state patch that clears a chat, which
// whatsmeow has no builder for: the index and version WhatsApp Web uses
// (whatsmeow-mapping section 4). The third index element is "1" when
// starred messages go too.
func buildClearChat(jid types.JID, until time.Time, deleteStarred bool) appstate.PatchInfo {
	starred := "0"
	if deleteStarred {
		starred = "1"
	}
	return appstate.PatchInfo{
		Type: appstate.WAPatchRegularHigh,
		Mutations: []appstate.MutationInfo{{
			Index:   []string{appstate.IndexClearChat, jid.String(), starred, "0"},
			Version: 6,
			Value: &waSyncAction.SyncActionValue{
				ClearChatAction: &waSyncAction.ClearChatAction{
					MessageRange: &waSyncAction.SyncActionMessageRange{LastMessageTimestamp: proto.Int64(until.Unix())},
				},
			},
		}},
	}
}

// buildDeleteChat builds the app state patch that deletes a chat from the
// chat list. The pinned whatsmeow's appstate.BuildDeleteChat puts it in
// the regular collection with a two-element index, which WhatsApp's
// current protocol (and later whatsmeow versions) no longer uses: it is
// regular_high, indexed [deleteChat, jid, "1" to delete the chat's media
// too, or "0"].
func buildDeleteChat(jid types.JID, lastAt time.Time, lastKey *waCommon.MessageKey, deleteMedia bool) appstate.PatchInfo {
	media := "0"
	if deleteMedia {
		media = "1"
	}
	rng := &waSyncAction.SyncActionMessageRange{LastMessageTimestamp: proto.Int64(lastAt.Unix())}
	if lastKey != nil {
		rng.Messages = []*waSyncAction.SyncActionMessage{{Key: lastKey, Timestamp: proto.Int64(lastAt.Unix())}}
	}
	return appstate.PatchInfo{
		Type: appstate.WAPatchRegularHigh,
		Mutations: []appstate.MutationInfo{{
			Index:   []string{appstate.IndexDeleteChat, jid.String(), media},
			Version: 6,
			Value:   &waSyncAction.SyncActionValue{DeleteChatAction: &waSyncAction.DeleteChatAction{MessageRange: rng}},
		}},
	}
}

// sendChatPatch validates chat, builds an app state patch for it with its
// last stored message, stamps it with the Client's time, and sends it.
func (c *Client) sendChatPatch(ctx context.Context, chat, op string, build func(types.JID, lastMessage) appstate.PatchInfo) error {
	jid, err := parseChat("chat", chat)
	if err != nil {
		return err
	}
	s, err := c.online(ctx)
	if err != nil {
		return err
	}
	last, err := s.lastMessage(ctx, jid)
	if err != nil {
		return fmt.Errorf("wauser: %s: %w", op, err)
	}
	patch := build(last.chat, last)
	patch.Timestamp = c.core.cfg.clock.Now()
	if err := s.conn.Client.SendAppState(ctx, patch); err != nil {
		return waError(op, err)
	}
	return nil
}

// lastMessage is the range of a chat's messages an app state patch covers:
// up to the last message WhatsApp knows.
type lastMessage struct {
	chat types.JID // the chat as WhatsApp addresses it in the patch's index
	at   time.Time
	key  *waCommon.MessageKey // nil when the store has no message of the chat
}

// lastMessage returns the chat's last stored message that WhatsApp knows
// (not pending or failed), as app state patches name it; without one, the
// range ends now.
func (s *session) lastMessage(ctx context.Context, chat types.JID) (lastMessage, error) {
	out := lastMessage{chat: chat, at: s.co.cfg.clock.Now()}
	db := s.co.st.DB()
	conv, err := store.ConversationByJID(ctx, db, string(s.id), chat.String())
	if errors.Is(err, store.ErrNotFound) {
		return out, nil
	} else if err != nil {
		return out, err
	}
	m, err := store.LastMessage(ctx, db, string(s.id), conv.ConversationID)
	if err != nil || m == nil {
		return out, err
	}
	// Indexed and keyed as WhatsApp addressed the chat's last message.
	wireChat, author := compose.WireTarget(m, chat, compose.RowAuthor(m))
	out.chat, out.at = wireChat, m.SentAt
	out.key = s.conn.Local.BuildMessageKey(wireChat, author, m.WAMessageID)
	return out, nil
}

// ListConversationsOptions selects conversations.
type ListConversationsOptions struct {
	Kind     ConversationKind // only this kind; "" for all
	Archived *bool            // only archived (true) or not archived (false); nil for all
	Cursor   string           // NextCursor of the previous page
	Limit    int              // 0 means DefaultListLimit; at most MaxListLimit
}

// ConversationList is a page of conversations.
type ConversationList struct {
	Conversations []Conversation `json:"conversations"`
	NextCursor    string         `json:"next_cursor,omitempty"` // empty on the last page
}

// ListConversations returns the account's conversations, the most recently
// active first. Merged-away conversations are not listed.
func (c *Client) ListConversations(ctx context.Context, opts ListConversationsOptions) (*ConversationList, error) {
	limit, err := listLimit(opts.Limit)
	if err != nil {
		return nil, err
	}
	after, err := parseTimeCursor('c', opts.Cursor)
	if err != nil {
		return nil, err
	}
	switch opts.Kind {
	case "", KindDirect, KindGroup, KindNewsletter, KindBroadcast, KindStatus:
	default:
		return nil, invalidArg("kind", "%q is not one of direct, group, newsletter, broadcast, status", opts.Kind)
	}
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := c.core.st.ListConversations(ctx, string(id), store.ListConversationsQuery{
		Kind: string(opts.Kind), Archived: opts.Archived, After: after, Limit: limit + 1,
	})
	if err != nil {
		return nil, fmt.Errorf("wauser: list conversations: %w", err)
	}
	out := &ConversationList{Conversations: make([]Conversation, 0, min(len(rows), limit))}
	for i, r := range rows {
		if i == limit {
			last := rows[i-1]
			at := last.LastMessageAt
			if at.IsZero() {
				at = time.Unix(0, 0)
			}
			out.NextCursor = timeCursor('c', at, last.ConversationID)
			break
		}
		out.Conversations = append(out.Conversations, conversationFromRow(r))
	}
	return out, nil
}

// GetConversation returns a conversation by id; the id of a merged-away
// conversation returns the one it was merged into.
func (c *Client) GetConversation(ctx context.Context, conversation ConversationID) (*Conversation, error) {
	if !validRecordID(string(conversation)) {
		return nil, invalidArg("conversation_id", "%q is not a conversation id", conversation)
	}
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	r, err := c.core.st.GetConversation(ctx, string(id), string(conversation))
	if err != nil {
		return nil, recordError("conversation", string(conversation), err)
	}
	conv := conversationFromRow(r)
	return &conv, nil
}

// Conversations iterates over the conversations ListConversations lists
// for opts, the most recently active first, across every page.
func (c *Client) Conversations(ctx context.Context, opts ListConversationsOptions) iter.Seq2[Conversation, error] {
	return pages(opts.Cursor, func(cursor string) ([]Conversation, string, error) {
		o := opts
		o.Cursor = cursor
		l, err := c.ListConversations(ctx, o)
		if err != nil {
			return nil, "", err
		}
		return l.Conversations, l.NextCursor, nil
	})
}

// maxReadIDs bounds MarkRead; WhatsApp's own clients send far fewer.
const maxReadIDs = 100

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
		chat, author := compose.WireTarget(t.row, p.chat, t.author)
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

// MuteChat mutes a chat (with a person or a group) for d, or until it is
// unmuted when d is 0, on the account's phone and linked devices.
// WhatsApp's apps offer 8 hours, a week and always; other durations work
// too. The conversation's muted_until follows once WhatsApp echoes the
// change.
func (c *Client) MuteChat(ctx context.Context, chat string, d time.Duration) error {
	if d < 0 {
		return invalidArg("duration", "%s is negative; give 0 to mute until unmuted", d)
	}
	end := c.core.cfg.clock.Now().Add(d).UnixMilli()
	return c.sendChatPatch(ctx, chat, "mute chat", func(jid types.JID, _ lastMessage) appstate.PatchInfo {
		if d == 0 {
			return appstate.BuildMuteAbs(jid, true, nil) // -1: always
		}
		return appstate.BuildMuteAbs(jid, true, &end)
	})
}

// UnmuteChat unmutes a chat.
func (c *Client) UnmuteChat(ctx context.Context, chat string) error {
	return c.sendChatPatch(ctx, chat, "unmute chat", func(jid types.JID, _ lastMessage) appstate.PatchInfo {
		return appstate.BuildMuteAbs(jid, false, nil)
	})
}

// DeleteChat deletes a chat (with a person or a group) from the chat list
// of the account's phone and linked devices, with its messages up to the
// latest one and, with deleteMedia, their media files on the phone. The
// stored messages become tombstones and the conversation is marked
// deleted; it comes back with the next message. Leaving a group is
// LeaveGroup; DeleteChat does not leave.
func (c *Client) DeleteChat(ctx context.Context, chat string, deleteMedia bool) error {
	return c.sendChatPatch(ctx, chat, "delete chat", func(jid types.JID, last lastMessage) appstate.PatchInfo {
		return buildDeleteChat(jid, last.at, last.key, deleteMedia)
	})
}

// MarkChatUnread marks a chat unread on the account's phone and linked
// devices (the dot WhatsApp shows); reading it, or MarkRead, clears it.
// The conversation's unread_count becomes at least 1.
func (c *Client) MarkChatUnread(ctx context.Context, chat string) error {
	return c.sendChatPatch(ctx, chat, "mark chat unread", func(jid types.JID, last lastMessage) appstate.PatchInfo {
		return appstate.BuildMarkChatAsRead(jid, false, last.at, last.key)
	})
}

// Disappearing-message timers WhatsApp's apps offer. Groups accept only
// these; in chats with people other values are sent but the apps ignore
// them.
const (
	DisappearingOff = time.Duration(0)
	Disappearing24h = 24 * time.Hour
	Disappearing7d  = 7 * 24 * time.Hour
	Disappearing90d = 90 * 24 * time.Hour
)

func validDisappearing(d time.Duration) bool {
	return d == DisappearingOff || d == Disappearing24h || d == Disappearing7d || d == Disappearing90d
}

// SetDisappearingTimer turns disappearing messages on (24 hours, 7 days or
// 90 days) or off (0) in a chat with a person or a group. In a chat with a
// person it is a message to them; in a group, a change of the group that
// WhatsApp announces to its members (admins only when the group is
// locked). The conversation's ephemeral timer follows, and the account's
// next messages in the chat disappear after it.
func (c *Client) SetDisappearingTimer(ctx context.Context, chat string, d time.Duration) error {
	jid, err := parseChat("chat", chat)
	if err != nil {
		return err
	}
	if !validDisappearing(d) {
		return invalidArg("timer", "%s is not 0, 24h, 168h (7 days) or 2160h (90 days)", d)
	}
	s, err := c.online(ctx)
	if err != nil {
		return err
	}
	now := c.core.cfg.clock.Now()
	if err := c.core.paceSend(ctx, s.id); err != nil {
		return err
	}
	if err := s.conn.Client.SetDisappearingTimer(ctx, jid, d, now); err != nil {
		return waError("set disappearing timer", err)
	}
	if jid.Server == types.GroupServer {
		return nil // WhatsApp announces it as a group change, which is stored
	}
	err = c.core.ingest.Apply(context.WithoutCancel(ctx), s.ingestAccount(), func(t *ingest.Tx) error {
		conv, _, err := t.Chat(jid, types.EmptyJID)
		if err != nil {
			return err
		}
		t.SetEphemeral(conv, int(d.Seconds()), now)
		return nil
	})
	if err != nil {
		return fmt.Errorf("wauser: set disappearing timer: set, but storing it failed: %w", err)
	}
	return nil
}

// SetDefaultDisappearingTimer sets the timer that new chats of the account
// start with (0, 24 hours, 7 days or 90 days); existing chats keep theirs.
func (c *Client) SetDefaultDisappearingTimer(ctx context.Context, d time.Duration) error {
	if !validDisappearing(d) {
		return invalidArg("timer", "%s is not 0, 24h, 168h (7 days) or 2160h (90 days)", d)
	}
	s, err := c.online(ctx)
	if err != nil {
		return err
	}
	if err := s.conn.Client.SetDefaultDisappearingTimer(ctx, d); err != nil {
		return waError("set default disappearing timer", err)
	}
	return nil
}
