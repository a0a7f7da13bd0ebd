package wauser_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// storedByWAID returns the account's stored message with WhatsApp id id.
func storedByWAID(t *testing.T, c *wauser.Client, id types.MessageID) *wauser.Message {
	t.Helper()
	list, err := c.ListMessages(ctxTimeout(t), wauser.ListMessagesOptions{Limit: wauser.MaxListLimit})
	require.NoError(t, err)
	for i := range list.Messages {
		if list.Messages[i].WAMessageID == string(id) {
			return &list.Messages[i]
		}
	}
	t.Fatalf("message %s is not stored", id)
	return nil
}

func TestChatOperationsWithFake(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		h.fake.SetClock(h.clock)
		ctx := ctxTimeout(t)
		bot, botConn := pair(t, h, "bot")
		starred := newCollector()
		bot.OnEvent(func(_ context.Context, e wauser.Event) { starred.add(e) }, wauser.EventMessageStarred)
		ann := h.fake.AddPeer("+15550001111", "Ann")
		chat := ann.Direct(botConn)
		textID, err := chat.Text("see you at 5")
		require.NoError(t, err)
		picID, err := chat.Image(watest.SampleJPEG(16, 16, 1), "image/jpeg", "the venue")
		require.NoError(t, err)
		text, pic := storedByWAID(t, bot, textID), storedByWAID(t, bot, picID)
		annChat := ann.JID().String()

		// Mute for 8 hours, then unmute: WhatsApp's echo sets the record.
		require.NoError(t, bot.MuteChat(ctx, annChat, 8*time.Hour))
		conv, err := bot.GetConversation(ctx, text.ConversationID)
		require.NoError(t, err)
		require.Equal(t, epoch.Add(8*time.Hour), conv.MutedUntil)
		last := botConn.AppStatePatches()[len(botConn.AppStatePatches())-1]
		require.Equal(t, appstate.WAPatchRegularHigh, last.Type)
		require.Equal(t, []string{appstate.IndexMute, annChat}, last.Mutations[0].Index)
		h.clock.Advance(time.Second) // WhatsApp orders changes by time
		require.NoError(t, bot.UnmuteChat(ctx, annChat))
		conv, err = bot.GetConversation(ctx, text.ConversationID)
		require.NoError(t, err)
		require.True(t, conv.MutedUntil.IsZero())
		h.clock.Advance(time.Second) // WhatsApp orders changes by time
		require.NoError(t, bot.MuteChat(ctx, annChat, 0))
		conv, err = bot.GetConversation(ctx, text.ConversationID)
		require.NoError(t, err)
		require.Equal(t, 9999, conv.MutedUntil.Year(), "muted until unmuted")
		require.ErrorIs(t, bot.MuteChat(ctx, annChat, -time.Hour), wauser.ErrInvalidArgument)

		// Read, then marked unread.
		require.NoError(t, bot.MarkRead(ctx, wauser.MarkReadRequest{MessageIDs: []string{string(text.MessageID), string(pic.MessageID)}}))
		conv, err = bot.GetConversation(ctx, text.ConversationID)
		require.NoError(t, err)
		require.Zero(t, conv.UnreadCount)
		h.clock.Advance(time.Second) // WhatsApp orders changes by time
		require.NoError(t, bot.MarkChatUnread(ctx, annChat))
		conv, err = bot.GetConversation(ctx, text.ConversationID)
		require.NoError(t, err)
		require.Equal(t, 1, conv.UnreadCount)

		// Star and unstar: the patch names the message as WhatsApp indexes it.
		m, err := bot.StarMessage(ctx, "", string(text.MessageID))
		require.NoError(t, err)
		require.True(t, m.Starred)
		last = botConn.AppStatePatches()[len(botConn.AppStatePatches())-1]
		require.Equal(t, []string{appstate.IndexStar, annChat, string(textID), "0", "0"}, last.Mutations[0].Index)
		got, err := bot.GetMessage(ctx, text.MessageID)
		require.NoError(t, err)
		require.True(t, got.Starred)
		h.clock.Advance(time.Second) // WhatsApp orders changes by time
		m, err = bot.UnstarMessage(ctx, annChat, string(textID))
		require.NoError(t, err)
		require.False(t, m.Starred)
		evs := starred.wait(t, 2)
		require.Len(t, evs, 2, "one event per change, not one per echo")
		d, err := evs[0].Message()
		require.NoError(t, err)
		require.True(t, d.Starred)

		// Forward: marked forwarded; the picture goes by reference.
		fwd, err := bot.ForwardMessage(ctx, string(pic.MessageID), "+15550002222")
		require.NoError(t, err)
		require.Equal(t, "image", fwd.ContentType)
		require.Equal(t, "outgoing", fwd.Direction)
		sent := botConn.Sent()
		img := sent[len(sent)-1].Message.GetImageMessage()
		require.NotNil(t, img)
		require.True(t, img.GetContextInfo().GetIsForwarded())
		require.EqualValues(t, 1, img.GetContextInfo().GetForwardingScore())
		require.Equal(t, "the venue", img.GetCaption())
		require.Empty(t, botConn.Uploads(), "nothing uploaded again")
		file, err := bot.DownloadMedia(ctx, fwd.MessageID)
		require.NoError(t, err, "the forwarded copy points at the same file")
		require.Equal(t, watest.SampleJPEG(16, 16, 1), file.Data)
		_, err = bot.ForwardMessage(ctx, string(text.MessageID), "+15550002222")
		require.NoError(t, err)
		sent = botConn.Sent()
		require.Equal(t, "see you at 5", sent[len(sent)-1].Message.GetExtendedTextMessage().GetText())
		locID, err := chat.Send(&waE2E.Message{LocationMessage: &waE2E.LocationMessage{
			DegreesLatitude: proto.Float64(52.52), DegreesLongitude: proto.Float64(13.405), Name: proto.String("Venue")}})
		require.NoError(t, err)
		cardID, err := chat.Send(&waE2E.Message{ContactMessage: &waE2E.ContactMessage{
			DisplayName: proto.String("Bob"), Vcard: proto.String("BEGIN:VCARD\nFN:Bob\nEND:VCARD")}})
		require.NoError(t, err)
		_, err = bot.ForwardMessage(ctx, string(storedByWAID(t, bot, locID).MessageID), "+15550002222")
		require.NoError(t, err)
		_, err = bot.ForwardMessage(ctx, string(storedByWAID(t, bot, cardID).MessageID), "+15550002222")
		require.NoError(t, err)
		sent = botConn.Sent()
		loc, card := sent[len(sent)-2].Message.GetLocationMessage(), sent[len(sent)-1].Message.GetContactMessage()
		require.Equal(t, "Venue", loc.GetName())
		require.InDelta(t, 52.52, loc.GetDegreesLatitude(), 1e-9)
		require.True(t, loc.GetContextInfo().GetIsForwarded())
		require.Equal(t, "Bob", card.GetDisplayName())
		require.True(t, card.GetContextInfo().GetIsForwarded())
		_, err = bot.ForwardMessage(ctx, string(text.MessageID), "status@broadcast")
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, "not to status updates")
		_, err = bot.ForwardMessage(ctx, "msg_nope", "+15550002222")
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, "no such message")

		// Disappearing messages: a message to the person, and the record.
		h.clock.Advance(time.Second) // WhatsApp orders changes by time
		require.NoError(t, bot.SetDisappearingTimer(ctx, annChat, wauser.Disappearing7d))
		sent = botConn.Sent()
		pm := sent[len(sent)-1].Message.GetProtocolMessage()
		require.Equal(t, waE2E.ProtocolMessage_EPHEMERAL_SETTING, pm.GetType())
		require.EqualValues(t, 7*24*3600, pm.GetEphemeralExpiration())
		conv, err = bot.GetConversation(ctx, text.ConversationID)
		require.NoError(t, err)
		require.Equal(t, 7*24*3600, conv.EphemeralSeconds)
		_, err = bot.SendText(ctx, annChat, "this one disappears")
		require.NoError(t, err)
		sent = botConn.Sent()
		require.EqualValues(t, 7*24*3600, sent[len(sent)-1].Message.GetExtendedTextMessage().GetContextInfo().GetExpiration(),
			"the account's next messages disappear")
		require.ErrorIs(t, bot.SetDisappearingTimer(ctx, annChat, time.Hour), wauser.ErrInvalidArgument)

		// In a group it is a group change that the members see.
		g, err := bot.CreateGroup(ctx, wauser.CreateGroupRequest{Name: "Crew", Members: []string{annChat}})
		require.NoError(t, err)
		require.NoError(t, bot.SetDisappearingTimer(ctx, g.ID.String(), wauser.Disappearing24h))
		info, _ := h.fake.Group(g.ID)
		require.EqualValues(t, 24*3600, info.DisappearingTimer)
		convs, err := bot.ListConversations(ctx, wauser.ListConversationsOptions{})
		require.NoError(t, err)
		i := slices.IndexFunc(convs.Conversations, func(c wauser.Conversation) bool { return c.ChatJID == g.ID.String() })
		require.GreaterOrEqual(t, i, 0)
		require.Equal(t, 24*3600, convs.Conversations[i].EphemeralSeconds)

		require.NoError(t, bot.SetDefaultDisappearingTimer(ctx, wauser.Disappearing90d))
		require.Equal(t, wauser.Disappearing90d, botConn.DefaultDisappearingTimer())

		// Delete the chat: its messages become tombstones.
		h.clock.Advance(time.Second) // WhatsApp orders changes by time
		require.NoError(t, bot.DeleteChat(ctx, annChat, true))
		last = botConn.AppStatePatches()[len(botConn.AppStatePatches())-1]
		require.Equal(t, []string{appstate.IndexDeleteChat, annChat, "1"}, last.Mutations[0].Index)
		got, err = bot.GetMessage(ctx, text.MessageID)
		require.NoError(t, err)
		require.False(t, got.DeletedAt.IsZero())
		conv, err = bot.GetConversation(ctx, text.ConversationID)
		require.NoError(t, err)
		require.False(t, conv.DeletedAt.IsZero())
		_, err = bot.StarMessage(ctx, "", string(text.MessageID))
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, "a deleted message cannot be starred")
	})
}
