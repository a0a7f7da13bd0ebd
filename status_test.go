package wauser_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// TestStatusUpdates: an account posts text, image and voice statuses to
// the audience of its status privacy; a contact in the audience stores
// them in its status conversation (feed and events), one outside it gets
// nothing, and a deleted status is a tombstone on both sides.
func TestStatusUpdates(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		h.fake.SetClock(h.clock)
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "bot")
		friend, friendConn := pairWith(t, h, "friend", friendPhone)
		// The friend has the bot in its address book; status privacy is
		// "my contacts".
		require.NoError(t, friendConn.Device().Contacts.PutContactName(ctx, phone.JID, "Bot", "Bot"))
		seq := lastEventSeq(t, bot)

		text, err := friend.PostStatus(ctx, wauser.PostStatusRequest{Text: "Gone fishing", BackgroundColor: "#336699", TextColor: "#80FFFFFF", Font: wauser.FontCalistoga})
		require.NoError(t, err)
		sent := friendConn.Sent()
		st := sent[len(sent)-1]
		require.Equal(t, types.StatusBroadcastJID, st.To)
		ext := st.Message.GetExtendedTextMessage()
		require.Equal(t, "Gone fishing", ext.GetText())
		require.Equal(t, uint32(0xFF336699), ext.GetBackgroundArgb())
		require.Equal(t, uint32(0x80FFFFFF), ext.GetTextArgb())
		require.Equal(t, waE2E.ExtendedTextMessage_CALISTOGA_REGULAR, ext.GetFont())
		h.clock.Advance(time.Second)
		img, err := friend.PostStatus(ctx, wauser.PostStatusRequest{Image: &wauser.MediaMessage{Data: jpegOf(t, 20, 20), Caption: "Catch"}})
		require.NoError(t, err)
		h.clock.Advance(time.Second)
		voice, err := friend.PostStatus(ctx, wauser.PostStatusRequest{Voice: &wauser.MediaMessage{Data: watest.VoiceNote(3 * time.Second)}})
		require.NoError(t, err)
		require.Equal(t, "voice", voice.ContentType)

		// The poster keeps its own statuses in its status conversation.
		s := feed(t, friend)
		require.Equal(t, "status", string(s.convs[types.StatusBroadcastJID.String()].Kind))
		require.Equal(t, "Gone fishing", s.msgs[text.WAMessageID].Body)

		// The bot, a contact, stores them from the friend.
		s = feed(t, bot)
		conv := s.convs[types.StatusBroadcastJID.String()]
		require.Equal(t, "status", string(conv.Kind))
		got := s.msgs[text.WAMessageID]
		require.Equal(t, "Gone fishing", got.Body)
		require.Equal(t, friendPhone.JID.String(), got.SenderJID)
		require.Equal(t, conv.ConversationID, got.ConversationID)
		require.Equal(t, "image", s.msgs[img.WAMessageID].ContentType)
		require.Equal(t, "Catch", s.msgs[img.WAMessageID].Body)
		require.Equal(t, "voice", s.msgs[voice.WAMessageID].ContentType)
		require.Contains(t, eventTypes(t, bot, seq), "message.received")

		// Deleted for everyone.
		h.clock.Advance(time.Second)
		gone, err := friend.DeleteStatus(ctx, string(text.MessageID))
		require.NoError(t, err)
		require.Equal(t, "deleted", gone.Status)
		require.Equal(t, "deleted", feed(t, bot).msgs[text.WAMessageID].Status)
		_, err = bot.DeleteStatus(ctx, img.WAMessageID)
		require.Error(t, err, "someone else's status")

		// Out of the audience: a deny list with the bot on it.
		h.fake.SetStatusPrivacy([]types.StatusPrivacy{{Type: types.StatusPrivacyTypeBlacklist, List: []types.JID{phone.JID}, IsDefault: true}})
		hidden, err := friend.PostStatus(ctx, wauser.PostStatusRequest{Text: "secret"})
		require.NoError(t, err)
		require.NotContains(t, feed(t, bot).msgs, hidden.WAMessageID)
		// An allow list with the bot on it.
		h.fake.SetStatusPrivacy([]types.StatusPrivacy{{Type: types.StatusPrivacyTypeWhitelist, List: []types.JID{phone.JID}, IsDefault: true}})
		shown, err := friend.PostStatus(ctx, wauser.PostStatusRequest{Text: "for you"})
		require.NoError(t, err)
		require.Equal(t, "for you", feed(t, bot).msgs[shown.WAMessageID].Body)
		require.Len(t, conn.Sent(), 0, "the bot sent nothing")
	})
}

func TestPostStatusArgumentsAreChecked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	bot, conn := pair(t, h, "bot")
	for name, req := range map[string]wauser.PostStatusRequest{
		"nothing":      {},
		"two":          {Text: "a", Image: &wauser.MediaMessage{Data: jpeg}},
		"colour":       {Text: "a", BackgroundColor: "blue"},
		"colour short": {Text: "a", TextColor: "#FFF"},
		"font":         {Text: "a", Font: "comic sans"},
		"font case":    {Text: "a", Font: "SYSTEM"},
		"media font":   {Image: &wauser.MediaMessage{Data: jpeg}, Font: wauser.FontSystem},
		"voice":        {Voice: &wauser.MediaMessage{Data: jpeg}},
	} {
		_, err := bot.PostStatus(ctx, req)
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, name)
	}
	require.Empty(t, conn.Sent())
}
