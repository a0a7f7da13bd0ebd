package watest

import (
	"fmt"
	"time"

	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"
)

// Builders of the whatsmeow events WhatsApp sends, for Conn.Emit. They
// build real whatsmeow types (waE2E, waHistorySync protos) the way
// whatsmeow dispatches them.

// Message returns the *events.Message whatsmeow dispatches for msg, as
// received in chat from sender (unwrapped like whatsmeow does: ephemeral,
// view-once and document-with-caption wrappers are removed).
func Message(chat, sender types.JID, id string, at time.Time, msg *waE2E.Message) *events.Message {
	evt := &events.Message{
		Info: types.MessageInfo{
			MessageSource: types.MessageSource{Chat: chat, Sender: sender, IsGroup: chat.Server == types.GroupServer},
			ID:            id,
			Timestamp:     at,
			Type:          "text",
		},
		RawMessage: msg,
	}
	return evt.UnwrapRaw()
}

// Text returns a plain text message.
func Text(chat, sender types.JID, id string, at time.Time, text string) *events.Message {
	return Message(chat, sender, id, at, &waE2E.Message{Conversation: proto.String(text)})
}

// FromMe marks a message as sent by the account (from another of its
// devices) and returns it.
func FromMe(evt *events.Message) *events.Message {
	evt.Info.IsFromMe = true
	return evt
}

// Key returns the key of a message in chat; sender is needed in groups.
func Key(chat types.JID, id string, fromMe bool, sender types.JID) *waCommon.MessageKey {
	k := &waCommon.MessageKey{RemoteJID: proto.String(chat.String()), FromMe: proto.Bool(fromMe), ID: proto.String(id)}
	if !sender.IsEmpty() {
		k.Participant = proto.String(sender.String())
	}
	return k
}

// Edit returns sender's edit of their message target.
func Edit(chat, sender types.JID, id string, at time.Time, target *waCommon.MessageKey, text string) *events.Message {
	return Message(chat, sender, id, at, &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
		Type: waE2E.ProtocolMessage_MESSAGE_EDIT.Enum(), Key: target,
		EditedMessage: &waE2E.Message{Conversation: proto.String(text)},
		TimestampMS:   proto.Int64(at.UnixMilli()),
	}})
}

// Revoke returns sender's deletion for everyone of the message target.
func Revoke(chat, sender types.JID, id string, at time.Time, target *waCommon.MessageKey) *events.Message {
	return Message(chat, sender, id, at, &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
		Type: waE2E.ProtocolMessage_REVOKE.Enum(), Key: target,
	}})
}

// Reaction returns sender's reaction to target; an empty emoji removes it.
func Reaction(chat, sender types.JID, id string, at time.Time, target *waCommon.MessageKey, emoji string) *events.Message {
	return Message(chat, sender, id, at, &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{
		Key: target, Text: proto.String(emoji), SenderTimestampMS: proto.Int64(at.UnixMilli()),
	}})
}

// Receipt returns a receipt for messages ids in chat. A receipt with fromMe
// false reports the peer's delivery/read of the account's messages; with
// fromMe true, the account read the peer's messages on another device.
func Receipt(chat, sender types.JID, typ types.ReceiptType, at time.Time, fromMe bool, ids ...string) *events.Receipt {
	return &events.Receipt{
		MessageSource: types.MessageSource{Chat: chat, Sender: sender, IsFromMe: fromMe, IsGroup: chat.Server == types.GroupServer},
		MessageIDs:    ids,
		Timestamp:     at,
		Type:          typ,
	}
}

// WebMessage returns a history message (waWeb.WebMessageInfo) with text.
// sender is needed for others' messages in groups.
func WebMessage(chat types.JID, id string, fromMe bool, sender types.JID, at time.Time, text string) *waWeb.WebMessageInfo {
	wm := &waWeb.WebMessageInfo{
		Key:              Key(chat, id, fromMe, types.EmptyJID),
		Message:          &waE2E.Message{Conversation: proto.String(text)},
		MessageTimestamp: proto.Uint64(uint64(at.Unix())),
	}
	if !sender.IsEmpty() {
		wm.Participant = proto.String(sender.String())
	}
	return wm
}

// HistoryConversation returns a history conversation with its messages.
func HistoryConversation(chat types.JID, msgs ...*waWeb.WebMessageInfo) *waHistorySync.Conversation {
	hc := &waHistorySync.Conversation{ID: proto.String(chat.String())}
	for i, m := range msgs {
		hc.Messages = append(hc.Messages, &waHistorySync.HistorySyncMsg{Message: m, MsgOrderID: proto.Uint64(uint64(i + 1))})
	}
	return hc
}

// History returns a history sync blob as whatsmeow dispatches it.
func History(syncType waHistorySync.HistorySync_HistorySyncType, progress uint32, convs ...*waHistorySync.Conversation) *events.HistorySync {
	return &events.HistorySync{Data: &waHistorySync.HistorySync{
		SyncType:      syncType.Enum(),
		Conversations: convs,
		Progress:      proto.Uint32(progress),
		ChunkOrder:    proto.Uint32(1),
	}}
}

// HistoryData wraps an already built history sync blob.
func HistoryData(data *waHistorySync.HistorySync) *events.HistorySync {
	return &events.HistorySync{Data: data}
}

// SyntheticHistory returns one chunk of a made-up initial history sync, for
// load, benchmark and crash tests (wrap it with HistoryData to emit it):
// convs direct conversations numbered from first, made by
// SyntheticConversation with perConv messages each. chunk is the blob's
// chunk order and progress its progress (100 on the last chunk).
func SyntheticHistory(chunk uint32, first, convs, perConv int, progress uint32, start time.Time) *waHistorySync.HistorySync {
	data := History(waHistorySync.HistorySync_INITIAL_BOOTSTRAP, progress).Data
	data.ChunkOrder = proto.Uint32(chunk)
	data.Conversations = make([]*waHistorySync.Conversation, 0, convs)
	for c := first; c < first+convs; c++ {
		data.Conversations = append(data.Conversations, SyntheticConversation(c, perConv, start))
	}
	return data
}

// SyntheticConversation returns made-up direct conversation n with perConv
// text messages: it is with +1555 followed by n in 7 digits; message i has
// the WhatsApp id "3EB0" + n in 6 digits + i in 6 digits, is sent by the
// account when i is a multiple of 3, and is dated start + (n*perConv + i)
// seconds. Add conversations one at a time to a HistoryBlob to build a
// large history without holding it decoded.
func SyntheticConversation(n, perConv int, start time.Time) *waHistorySync.Conversation {
	peer := types.NewJID(fmt.Sprintf("1555%07d", n), types.DefaultUserServer)
	msgs := make([]*waWeb.WebMessageInfo, perConv)
	for i := range msgs {
		msgs[i] = WebMessage(peer, fmt.Sprintf("3EB0%06d%06d", n, i), i%3 == 0, types.EmptyJID,
			start.Add(time.Duration(n*perConv+i)*time.Second), fmt.Sprintf("message %d of conversation %d, with some text", i, n))
	}
	return HistoryConversation(peer, msgs...)
}
