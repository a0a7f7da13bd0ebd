package wauser_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// TestChannelsOwnedAndFollowed: the bot creates a channel, changes it,
// posts text and an image (uploaded unencrypted), and a follower sees the
// posts, reacts, marks them viewed and mutes the channel.
func TestChannelsOwnedAndFollowed(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		h.fake.SetClock(h.clock)
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "bot")
		friend, _ := pairWith(t, h, "friend", friendPhone)

		ch, err := bot.CreateNewsletter(ctx, wauser.CreateNewsletterRequest{Name: "Deals", Description: "Weekly", Picture: jpeg})
		require.NoError(t, err)
		require.Equal(t, "owner", ch.Role)
		require.Equal(t, "Deals", ch.Name)
		require.NotEmpty(t, ch.PictureURL)
		name, desc := "Hot deals", ""
		ch, err = bot.UpdateNewsletter(ctx, ch.ID.String(), wauser.UpdateNewsletterRequest{Name: &name, Description: &desc, RemovePicture: true})
		require.NoError(t, err)
		require.Equal(t, "Hot deals", ch.Name)
		require.Empty(t, ch.Description)
		require.Empty(t, ch.PictureURL)

		// The friend finds it by invite and follows it.
		found, err := friend.GetNewsletterByInvite(ctx, ch.InviteLink)
		require.NoError(t, err)
		require.Equal(t, ch.ID, found.ID)
		require.NoError(t, friend.FollowNewsletter(ctx, ch.ID.String()))
		_, err = friend.UpdateNewsletter(ctx, ch.ID.String(), wauser.UpdateNewsletterRequest{Name: &name})
		require.ErrorIs(t, err, wauser.ErrForbidden, "only the owner changes it")

		// Posts: a text, then an image uploaded as channels take it.
		first, err := bot.SendNewsletterMessage(ctx, wauser.SendNewsletterMessageRequest{Newsletter: ch.ID.String(), Text: "Half price"})
		require.NoError(t, err)
		require.Equal(t, 100, first.ServerID)
		require.Equal(t, "sent", first.Message.Status)
		h.clock.Advance(time.Minute)
		img := jpegOf(t, 40, 30)
		second, err := bot.SendNewsletterMessage(ctx, wauser.SendNewsletterMessageRequest{Newsletter: ch.ID.String(),
			Image: &wauser.MediaMessage{Data: img, Caption: "Look"}})
		require.NoError(t, err)
		require.Equal(t, 101, second.ServerID)
		require.Equal(t, "image", second.Type)
		require.Equal(t, "Look", second.Body)
		ups := conn.Uploads()
		require.Equal(t, img, ups[len(ups)-1].Data)
		require.Empty(t, ups[len(ups)-1].Response.MediaKey, "channel media is not encrypted")
		sent := conn.Sent()
		im := sent[len(sent)-1].Message.GetImageMessage()
		require.NotNil(t, im)
		require.Nil(t, im.MediaKey)
		require.Nil(t, im.FileEncSHA256)
		require.Equal(t, uint32(40), im.GetWidth(), "measured as for chats")
		s := feed(t, bot)
		require.Equal(t, string(wauser.KindNewsletter), string(s.convs[ch.ID.String()].Kind))
		require.Equal(t, "Half price", s.msgs[first.ID].Body, "the account's posts are stored")
		require.Equal(t, "image", s.msgs[second.ID].ContentType)
		require.Equal(t, "Look", feed(t, friend).msgs[second.ID].Body, "followers receive the posts")

		// The follower reacts, views and mutes; the owner sees the counts.
		require.NoError(t, friend.ReactNewsletterMessage(ctx, ch.ID.String(), 100, "🔥"))
		require.NoError(t, friend.MarkNewsletterViewed(ctx, ch.ID.String(), []int{100, 101}))
		require.NoError(t, bot.MarkNewsletterViewed(ctx, ch.ID.String(), []int{101}))
		posts, err := bot.ListNewsletterMessages(ctx, ch.ID.String(), 10, 0)
		require.NoError(t, err)
		require.Len(t, posts, 2)
		require.Equal(t, wauser.NewsletterPost{ServerID: 101, ID: second.ID, Type: "image", Body: "Look", SentAt: epoch.Add(time.Minute),
			Views: 2, Reactions: map[string]int{}}, posts[0], "newest first")
		require.Equal(t, map[string]int{"🔥": 1}, posts[1].Reactions)
		require.Equal(t, 1, posts[1].Views)
		older, err := bot.ListNewsletterMessages(ctx, ch.ID.String(), 10, 101)
		require.NoError(t, err)
		require.Len(t, older, 1)
		require.Equal(t, 100, older[0].ServerID)
		require.NoError(t, friend.ReactNewsletterMessage(ctx, ch.ID.String(), 100, ""))
		posts, err = friend.ListNewsletterMessages(ctx, ch.ID.String(), 1, 0)
		require.NoError(t, err)
		require.Len(t, posts, 1, "count bounds the page")
		require.Empty(t, h.fake.NewsletterPosts(ch.ID)[0].ReactionCounts, "reaction removed")

		require.NoError(t, friend.MuteNewsletter(ctx, ch.ID.String(), true))
		got, err := friend.GetNewsletter(ctx, ch.ID.String())
		require.NoError(t, err)
		require.True(t, got.Muted)
		require.NoError(t, friend.MuteNewsletter(ctx, ch.ID.String(), false))
		got, err = friend.GetNewsletter(ctx, ch.ID.String())
		require.NoError(t, err)
		require.False(t, got.Muted)

		// A follower may not post.
		_, err = friend.SendNewsletterMessage(ctx, wauser.SendNewsletterMessageRequest{Newsletter: ch.ID.String(), Text: "me too"})
		require.ErrorIs(t, err, wauser.ErrForbidden)
	})
}

// TestChannelArgumentsAreChecked: bad arguments never reach WhatsApp.
func TestChannelArgumentsAreChecked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	bot, conn := pair(t, h, "bot")
	before := len(conn.Calls())
	ch := "120363000000000001@newsletter"
	empty := " "
	for name, err := range map[string]error{
		"create name": func() error { _, err := bot.CreateNewsletter(ctx, wauser.CreateNewsletterRequest{}); return err }(),
		"create photo": func() error {
			_, err := bot.CreateNewsletter(ctx, wauser.CreateNewsletterRequest{Name: "x", Picture: []byte("GIF89a")})
			return err
		}(),
		"update none": func() error { _, err := bot.UpdateNewsletter(ctx, ch, wauser.UpdateNewsletterRequest{}); return err }(),
		"update name": func() error {
			_, err := bot.UpdateNewsletter(ctx, ch, wauser.UpdateNewsletterRequest{Name: &empty})
			return err
		}(),
		"update link": func() error {
			_, err := bot.UpdateNewsletter(ctx, "https://whatsapp.com/channel/0029Abc", wauser.UpdateNewsletterRequest{Name: &empty})
			return err
		}(),
		"send none": func() error {
			_, err := bot.SendNewsletterMessage(ctx, wauser.SendNewsletterMessageRequest{Newsletter: ch})
			return err
		}(),
		"send two": func() error {
			_, err := bot.SendNewsletterMessage(ctx, wauser.SendNewsletterMessageRequest{Newsletter: ch, Text: "a", Image: &wauser.MediaMessage{Data: jpeg}})
			return err
		}(),
		"send uploaded": func() error {
			_, err := bot.SendNewsletterMessage(ctx, wauser.SendNewsletterMessageRequest{Newsletter: ch, Image: &wauser.MediaMessage{ID: "media_0123456789abcdef"}})
			return err
		}(),
		"send to group": func() error {
			_, err := bot.SendNewsletterMessage(ctx, wauser.SendNewsletterMessageRequest{Newsletter: "120363000000000001@g.us", Text: "a"})
			return err
		}(),
		"react id":     bot.ReactNewsletterMessage(ctx, ch, 0, "👍"),
		"react emoji":  bot.ReactNewsletterMessage(ctx, ch, 5, "a b"),
		"viewed none":  bot.MarkNewsletterViewed(ctx, ch, nil),
		"viewed bad":   bot.MarkNewsletterViewed(ctx, ch, []int{1, -1}),
		"mute":         bot.MuteNewsletter(ctx, "nope", true),
		"list count":   func() error { _, err := bot.ListNewsletterMessages(ctx, ch, 0, 0); return err }(),
		"list before":  func() error { _, err := bot.ListNewsletterMessages(ctx, ch, 5, -1); return err }(),
		"invite a jid": func() error { _, err := bot.GetNewsletterByInvite(ctx, ch); return err }(),
	} {
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, name)
	}
	require.Len(t, conn.Calls(), before, "nothing reached WhatsApp")
	_, err := bot.GetNewsletterByInvite(ctx, "0029NoSuchChannel")
	require.ErrorIs(t, err, wauser.ErrNotFound)
	_ = watest.ErrNotEmulated
}
