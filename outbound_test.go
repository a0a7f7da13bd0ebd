package wauser_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

func TestNewslettersWithFake(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t))
	h.fake.SetClock(h.clock)
	ctx := ctxTimeout(t)
	bot, conn := pair(t, h, "bot")
	evts := record(conn)
	jid := h.fake.AddNewsletter(watest.Newsletter{Name: "News", Description: "Daily", InviteCode: "0029WaNews", Subscribers: 10, Verified: true})

	n, err := bot.GetNewsletter(ctx, "https://whatsapp.com/channel/0029WaNews")
	require.NoError(t, err)
	require.Equal(t, &wauser.Newsletter{
		ID: jid, Name: "News", Description: "Daily", InviteCode: "0029WaNews", InviteLink: "https://whatsapp.com/channel/0029WaNews",
		SubscriberCount: 10, Verified: true, State: "active", CreatedAt: epoch,
	}, n)
	list, err := bot.ListNewsletters(ctx)
	require.NoError(t, err)
	require.Empty(t, list)

	require.NoError(t, bot.FollowNewsletter(ctx, "0029WaNews"))
	require.Len(t, only[*events.NewsletterJoin](evts.take()), 1)
	list, err = bot.ListNewsletters(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, "subscriber", list[0].Role)
	require.Equal(t, 11, list[0].SubscriberCount)
	n, err = bot.GetNewsletter(ctx, jid.String())
	require.NoError(t, err)
	require.Equal(t, "subscriber", n.Role, "looked up by JID, the account's role is known")

	require.NoError(t, bot.UnfollowNewsletter(ctx, jid.String()))
	require.Len(t, only[*events.NewsletterLeave](evts.take()), 1)
	list, err = bot.ListNewsletters(ctx)
	require.NoError(t, err)
	require.Empty(t, list)

	_, err = bot.GetNewsletter(ctx, "120363000000000000@newsletter")
	require.ErrorIs(t, err, wauser.ErrNotFound)
	var gql types.GraphQLError
	require.ErrorAs(t, err, &gql, "the GraphQL cause is kept")
	err = bot.FollowNewsletter(ctx, "https://whatsapp.com/channel/0029Unknown")
	require.ErrorIs(t, err, wauser.ErrNotFound)
}

func TestCheckContactsWithFake(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	bot, _ := pair(t, h, "bot")
	_, _ = pairWith(t, h, "friend", friendPhone)
	h.fake.Register("+15551230001")
	got, err := bot.CheckContacts(ctx, []string{"+1 555 765 4321", "15551230001", "+15559999999"})
	require.NoError(t, err)
	require.Equal(t, []wauser.ContactCheck{
		{Input: "+1 555 765 4321", Phone: "+15557654321", OnWhatsApp: true, JID: friendPhone.JID},
		{Input: "15551230001", Phone: "+15551230001", OnWhatsApp: true, JID: gAlice},
		{Input: "+15559999999", Phone: "+15559999999"},
	}, got)
}

func TestChatPresenceWithFake(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	bot, conn := pair(t, h, "bot")
	require.NoError(t, bot.SendChatPresence(ctx, "+15551230001", wauser.PresenceRecording))
	require.NoError(t, bot.SendChatPresence(ctx, "+15551230001", wauser.PresencePaused))
	require.Equal(t, []watest.SentPresence{
		{Chat: gAlice, State: types.ChatPresenceComposing, Media: types.ChatPresenceMediaAudio},
		{Chat: gAlice, State: types.ChatPresencePaused},
	}, conn.Presences())

	conn.Drop()
	waitState(t, bot, wauser.StateReconnecting)
	err := bot.SendChatPresence(ctx, "+15551230001", wauser.PresenceTyping)
	require.ErrorIs(t, err, wauser.ErrNotConnected)
}

func TestUploadMediaWithFake(t *testing.T) {
	t.Parallel()
	ogg := append([]byte("OggS\x00\x02"), bytes.Repeat([]byte{3}, 100)...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Disposition", `attachment; filename="voice.ogg"`)
		_, _ = w.Write(ogg)
	}))
	t.Cleanup(srv.Close)
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db, wauser.WithPrivateMediaURLs(), wauser.WithHTTPClient(srv.Client()))
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "bot")

		m, err := bot.UploadMedia(ctx, wauser.UploadMediaRequest{URL: srv.URL + "/v"})
		require.NoError(t, err)
		require.Equal(t, wauser.MediaAudio, m.Type, "sniffed as Ogg, sent as audio")
		require.Equal(t, "audio/ogg", m.MIMEType)
		require.Equal(t, "voice.ogg", m.FileName)
		sticker, err := bot.UploadMedia(ctx, wauser.UploadMediaRequest{Data: []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), Type: wauser.MediaSticker})
		require.NoError(t, err)
		require.Equal(t, "image/webp", sticker.MIMEType)

		ups := conn.Uploads()
		require.Len(t, ups, 2)
		require.Equal(t, ogg, ups[0].Data, "the fake keeps the bytes")
		require.Equal(t, whatsmeow.MediaAudio, ups[0].Type)
		require.Equal(t, whatsmeow.MediaImage, ups[1].Type, "stickers use image keys")
		row, err := store.GetMedia(ctx, h.c.Store().DB(), "bot", string(m.ID))
		require.NoError(t, err)
		require.Equal(t, ups[0].Response.DirectPath, row.DirectPath)
		require.Equal(t, base64.StdEncoding.EncodeToString(ups[0].Response.MediaKey), row.MediaKey)

		// Another account does not see it.
		other, _ := pairWith(t, h, "other", friendPhone)
		_, err = other.GetMedia(ctx, m.ID)
		require.ErrorIs(t, err, wauser.ErrNotFound)
	})
}
