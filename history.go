package wauser

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/store"
)

// History request sizes (the multi-session history route).
const (
	DefaultHistoryCount = 25  // what REST callers get when they give no count
	MaxHistoryCount     = 100 // messages per chat and request that RequestHistory accepts
	// HistoryBatch is the most messages one request asks the phone for, as
	// whatsmeow recommends and mautrix-whatsapp does: larger counts are
	// clamped to it.
	HistoryBatch    = 50
	maxHistoryChats = 50 // chats asked at once when no chat is named
)

// HistoryRequest says what RequestHistory asked the phone for.
type HistoryRequest struct {
	Count int             `json:"count"` // messages asked per chat
	Chats []HistoryAnchor `json:"chats"`
}

// HistoryAnchor is one chat whose history was asked for: the messages
// before its oldest stored one.
type HistoryAnchor struct {
	ConversationID ConversationID `json:"conversation_id"`
	ChatJID        string         `json:"chat_jid"`
	// OldestMessageID is the WhatsApp id of the oldest stored message, sent
	// at OldestAt: the phone sends what came before it.
	OldestMessageID string    `json:"oldest_wa_message_id"`
	OldestAt        time.Time `json:"oldest_at"`
}

// RequestHistory asks the account's phone for up to count (1 to 100)
// messages older than the oldest stored message of chat, or, with chat "",
// of each of the 50 most recently active chats with stored messages. One
// request asks for at most HistoryBatch (50) messages per chat, as
// official clients do: a larger count is clamped (HistoryRequest.Count says
// what was asked), and once the answer is stored, asking again continues
// from the new oldest message. Requests cannot be split ahead of time,
// since each is anchored on a message the phone has not sent yet.
// The request goes to the phone as a peer message; the phone answers later,
// and only while it is online, with an on-demand history sync that is
// stored like any other (history.sync, then history.sync_complete with
// the number of messages). It returns ErrNotFound when no chat has a
// stored message to anchor the request on. WhatsApp rate-limits these
// requests. When a request fails, the error is returned together with the
// chats asked before it.
func (c *Client) RequestHistory(ctx context.Context, count int, chat string) (*HistoryRequest, error) {
	if count < 1 || count > MaxHistoryCount {
		return nil, invalidArg("count", "%d; give 1 to %d", count, MaxHistoryCount)
	}
	var jid types.JID
	if chat != "" {
		var err error
		if jid, err = parseChat("chat", chat); err != nil {
			return nil, err
		}
	}
	account, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	anchors, err := c.historyAnchors(ctx, account, jid)
	if err != nil {
		return nil, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	own := s.conn.Device.GetJID().ToNonAD()
	if own.IsEmpty() {
		return nil, fmt.Errorf("%w: account %q has no device JID", ErrNotLoggedIn, account)
	}
	count = min(count, HistoryBatch)
	out := &HistoryRequest{Count: count, Chats: []HistoryAnchor{}}
	for _, a := range anchors {
		chatJID, err := types.ParseJID(a.ChatJID)
		if err != nil {
			return nil, fmt.Errorf("wauser: request history: stored chat %q: %w", a.ChatJID, err)
		}
		if wire, err := types.ParseJID(a.wireChat); a.wireChat != "" && err == nil {
			chatJID = wire // the phone knows the chat as WhatsApp addressed it
		}
		msg := s.conn.Local.BuildHistorySyncRequest(&types.MessageInfo{
			MessageSource: types.MessageSource{Chat: chatJID, IsFromMe: a.fromMe, IsGroup: chatJID.Server == types.GroupServer},
			ID:            a.OldestMessageID,
			Timestamp:     a.OldestAt,
		}, count)
		// whatsmeow fills the field with milliseconds; despite its name, the
		// phone reads seconds (whatsmeow-mapping section 7).
		msg.GetProtocolMessage().GetPeerDataOperationRequestMessage().GetHistorySyncOnDemandRequest().
			OldestMsgTimestampMS = proto.Int64(a.OldestAt.Unix())
		if err := c.core.paceSend(ctx, s.id); err != nil {
			return out, err
		}
		if _, err := s.conn.Client.SendPeerMessage(ctx, own, msg); err != nil {
			return out, waError("request history", err)
		}
		out.Chats = append(out.Chats, a.HistoryAnchor)
	}
	return out, nil
}

type historyAnchor struct {
	HistoryAnchor
	fromMe   bool
	wireChat string // the chat as WhatsApp addressed the anchor message; "" when unknown
}

// historyAnchors finds the oldest stored message of chat, or of the most
// recently active chats when chat is empty.
func (c *Client) historyAnchors(ctx context.Context, account AccountID, chat types.JID) ([]historyAnchor, error) {
	db := c.core.st.DB()
	var convs []*store.Conversation
	if !chat.IsEmpty() {
		conv, err := store.ConversationByJID(ctx, db, string(account), chat.String())
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("%w: no stored message of %s to request history before", ErrNotFound, chat)
		} else if err != nil {
			return nil, fmt.Errorf("wauser: request history: %w", err)
		}
		convs = []*store.Conversation{conv}
	} else {
		rows, err := c.core.st.ListConversations(ctx, string(account), store.ListConversationsQuery{Limit: maxHistoryChats * 4})
		if err != nil {
			return nil, fmt.Errorf("wauser: request history: %w", err)
		}
		for _, r := range rows {
			if r.Kind == string(KindDirect) || r.Kind == string(KindGroup) {
				convs = append(convs, r)
			}
		}
	}
	out := []historyAnchor{}
	for _, conv := range convs {
		m, err := store.OldestMessage(ctx, db, string(account), conv.ConversationID)
		if err != nil {
			return nil, fmt.Errorf("wauser: request history: %w", err)
		}
		if m == nil {
			continue
		}
		out = append(out, historyAnchor{HistoryAnchor: HistoryAnchor{
			ConversationID: ConversationID(conv.ConversationID), ChatJID: conv.ChatJID,
			OldestMessageID: m.WAMessageID, OldestAt: m.SentAt.UTC(),
		}, fromMe: m.IsFromMe, wireChat: m.WireChatJID})
		if len(out) == maxHistoryChats {
			break
		}
	}
	if len(out) == 0 {
		what := "any chat"
		if !chat.IsEmpty() {
			what = chat.String()
		}
		return nil, fmt.Errorf("%w: no stored message of %s to request history before", ErrNotFound, what)
	}
	return out, nil
}
