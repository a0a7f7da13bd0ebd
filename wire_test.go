package wauser_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// byLID is a message of sender in chat as WhatsApp addresses it in a
// LID-addressed chat: from the sender's LID, with the phone number as
// SenderAlt.
func byLID(chat, senderLID, senderPN types.JID, id string, sec int, text string) *events.Message {
	evt := watest.Text(chat, senderLID, id, at(sec), text)
	evt.Info.SenderAlt = senderPN
	if chat.Server == types.GroupServer {
		evt.Info.AddressingMode = types.AddressingModeLID
	}
	return evt
}

// lastSent returns the latest message the account sent.
func lastSent(t *testing.T, conn *watest.Conn) watest.SentMessage {
	t.Helper()
	sent := conn.Sent()
	require.NotEmpty(t, sent)
	return sent[len(sent)-1]
}

// TestLIDAddressedGroup: in a group WhatsApp addresses by LID, the records
// show people by phone number, but replies, reactions, deletions and read
// receipts name the messages' authors by the LID WhatsApp used, as
// official clients (and mautrix-whatsapp) do.
func TestLIDAddressedGroup(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h, bot, conn := paired(t, db)
		ctx := ctxTimeout(t)
		h.fake.SetLID(bob, bobLID)
		gid := h.fake.AddGroup(watest.GroupSpec{Name: "LID", Owner: bob, Members: []types.JID{phone.JID}, LIDAddressed: true})
		info, _ := h.fake.Group(gid)
		require.Equal(t, types.AddressingModeLID, info.AddressingMode)
		require.Equal(t, bobLID, info.Participants[0].JID, "the fake lists members by LID")

		require.True(t, conn.Emit(byLID(gid, bobLID, bob, "G1", 1, "lunch?")))
		q := feed(t, bot).msgs["G1"]
		require.Equal(t, bob.String(), q.SenderJID, "the record shows the phone number")

		// A reply quotes the author by LID.
		_, err := bot.SendMessage(ctx, wauser.SendMessageRequest{To: gid.String(), Text: "yes", Context: &wauser.MessageContext{MessageID: string(q.MessageID)}})
		require.NoError(t, err)
		ci := lastSent(t, conn).Message.GetExtendedTextMessage().GetContextInfo()
		require.Equal(t, "G1", ci.GetStanzaID())
		require.Equal(t, bobLID.String(), ci.GetParticipant())

		// A reaction's key names the author by LID.
		_, err = bot.SendReaction(ctx, "", string(q.MessageID), "👍")
		require.NoError(t, err)
		key := lastSent(t, conn).Message.GetReactionMessage().GetKey()
		require.Equal(t, gid.String(), key.GetRemoteJID())
		require.Equal(t, bobLID.String(), key.GetParticipant())
		require.False(t, key.GetFromMe())

		// The read receipt goes to the author's LID.
		require.NoError(t, bot.MarkRead(ctx, wauser.MarkReadRequest{MessageIDs: []string{string(q.MessageID)}}))
		reads := conn.Reads()
		require.Equal(t, watest.SentRead{Chat: gid, Sender: bobLID, IDs: []types.MessageID{"G1"}, Type: types.ReceiptTypeRead}, reads[len(reads)-1])

		// The account's own message is sent as its LID in such a group;
		// a reply to it names the account by LID too.
		own, err := bot.SendText(ctx, gid.String(), "mine")
		require.NoError(t, err)
		_, err = bot.SendMessage(ctx, wauser.SendMessageRequest{To: gid.String(), Text: "and again", Context: &wauser.MessageContext{MessageID: string(own.MessageID)}})
		require.NoError(t, err)
		require.Equal(t, phone.LID.String(), lastSent(t, conn).Message.GetExtendedTextMessage().GetContextInfo().GetParticipant())

		// An admin's deletion of someone else's message names them by LID.
		_, err = bot.RevokeMessage(ctx, "", string(q.MessageID))
		require.NoError(t, err)
		rk := lastSent(t, conn).Message.GetProtocolMessage().GetKey()
		require.Equal(t, "G1", rk.GetID())
		require.Equal(t, bobLID.String(), rk.GetParticipant())
	})
}

// TestLIDAddressedMediaRetry: asking the phone to upload a file again names
// the message as WhatsApp addressed it (here, its sender's LID).
func TestLIDAddressedMediaRetry(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	bot, _ := pair(t, h, "bot")
	friend, friendConn := pairWith(t, h, "friend", friendPhone)
	gid := h.fake.AddGroup(watest.GroupSpec{Name: "LID", Owner: bob, Members: []types.JID{phone.JID, friendPhone.JID}, LIDAddressed: true})
	m, err := bot.SendMessage(ctx, wauser.SendMessageRequest{To: gid.String(), Image: &wauser.MediaMessage{Data: png}})
	require.NoError(t, err)
	got := feed(t, friend).msgs[m.WAMessageID]
	require.Equal(t, phone.JID.String(), got.SenderJID, "the friend's record shows the bot's phone number")

	h.fake.ExpireMedia(h.fake.Conn("bot").Uploads()[0].Response.DirectPath)
	file, err := friend.DownloadMedia(ctx, got.MessageID)
	require.NoError(t, err)
	require.Equal(t, png, file.Data)
	retries := friendConn.MediaRetries()
	require.Len(t, retries, 1)
	require.Equal(t, gid, retries[0].Chat)
	require.Equal(t, phone.LID, retries[0].Sender, "named as WhatsApp addressed it")
}

// TestLIDAddressedDirectChat: a person who writes from their LID is one
// conversation under their phone number, but receipts, reactions, history
// requests and chat patches address the chat by the LID WhatsApp used.
func TestLIDAddressedDirectChat(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		ctx := ctxTimeout(t)
		require.True(t, conn.Emit(byLID(aliceLID, aliceLID, alice, "D1", 10, "hi")))
		s := feed(t, bot)
		m := s.msgs["D1"]
		require.Equal(t, alice.String(), m.ChatJID, "one conversation, under the phone number")

		// Chat patches index the chat, and key its last message, as
		// WhatsApp addressed that message: by LID.
		require.NoError(t, bot.ArchiveChat(ctx, alice.String()))
		patches := conn.AppStatePatches()
		mut := patches[len(patches)-1].Mutations[0]
		require.Equal(t, []string{appstate.IndexArchive, aliceLID.String()}, mut.Index)
		require.Equal(t, aliceLID.String(), mut.Value.GetArchiveChatAction().GetMessageRange().GetMessages()[0].GetKey().GetRemoteJID())
		require.True(t, feed(t, bot).convs[alice.String()].IsArchived, "WhatsApp's echo of the patch found the conversation")

		_, err := bot.SendMessage(ctx, wauser.SendMessageRequest{To: alice.String(), Text: "hello", Context: &wauser.MessageContext{MessageID: string(m.MessageID)}})
		require.NoError(t, err)
		require.Equal(t, aliceLID.String(), lastSent(t, conn).Message.GetExtendedTextMessage().GetContextInfo().GetParticipant())

		_, err = bot.SendReaction(ctx, "", string(m.MessageID), "❤️")
		require.NoError(t, err)
		require.Equal(t, aliceLID.String(), lastSent(t, conn).Message.GetReactionMessage().GetKey().GetRemoteJID())

		require.NoError(t, bot.MarkRead(ctx, wauser.MarkReadRequest{MessageIDs: []string{string(m.MessageID)}}))
		reads := conn.Reads()
		require.Equal(t, aliceLID, reads[len(reads)-1].Chat)

		// The phone knows the chat by LID: it answers a history request
		// anchored there.
		conn.AddHistory(aliceLID, watest.WebMessage(aliceLID, "OLD1", false, types.EmptyJID, at(1), "older"))
		req, err := bot.RequestHistory(ctx, 10, alice.String())
		require.NoError(t, err)
		require.Equal(t, "D1", req.Chats[0].OldestMessageID)
		hr := lastSent(t, conn).Message.GetProtocolMessage().GetPeerDataOperationRequestMessage().GetHistorySyncOnDemandRequest()
		require.Equal(t, aliceLID.String(), hr.GetChatJID())
		waitHistory(t, bot)
		_, ok := feed(t, bot).msgs["OLD1"]
		require.True(t, ok, "the phone's answer was stored")

	})
}

// TestDisappearingTimerSent: in a chat with disappearing messages on, sent
// messages carry the timer (texts then go as ExtendedTextMessage, which
// has a ContextInfo), or recipients see "this message will not
// disappear"; in other chats they carry none.
func TestDisappearingTimerSent(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		ctx := ctxTimeout(t)
		_, err := bot.SendText(ctx, alice.String(), "before")
		require.NoError(t, err)
		require.Equal(t, "before", lastSent(t, conn).Message.GetConversation(), "no timer: a plain text")

		// Alice turns on a one-day timer.
		require.True(t, conn.Emit(watest.Message(alice, alice, "T0", at(1), &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
			Type: waE2E.ProtocolMessage_EPHEMERAL_SETTING.Enum(), EphemeralExpiration: proto.Uint32(86400),
		}})))
		_, err = bot.SendText(ctx, alice.String(), "after")
		require.NoError(t, err)
		ext := lastSent(t, conn).Message.GetExtendedTextMessage()
		require.Equal(t, "after", ext.GetText())
		require.Equal(t, uint32(86400), ext.GetContextInfo().GetExpiration())

		_, err = bot.SendMessage(ctx, wauser.SendMessageRequest{To: alice.String(), Location: &wauser.Location{Latitude: 1, Longitude: 2}})
		require.NoError(t, err)
		require.Equal(t, uint32(86400), lastSent(t, conn).Message.GetLocationMessage().GetContextInfo().GetExpiration())

		// Turned off again: plain texts again.
		require.True(t, conn.Emit(watest.Message(alice, alice, "T1", at(2), &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
			Type: waE2E.ProtocolMessage_EPHEMERAL_SETTING.Enum(), EphemeralExpiration: proto.Uint32(0),
		}})))
		_, err = bot.SendText(ctx, alice.String(), "later")
		require.NoError(t, err)
		require.Equal(t, "later", lastSent(t, conn).Message.GetConversation())
	})
}
