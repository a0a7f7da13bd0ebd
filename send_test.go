package wauser_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// png is a small PNG file (its signature is enough for sniffing).
var png = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 48)...)

// TestSendWithFake runs a conversation between two accounts of the fake:
// every outgoing message is stored pending then sent, the other account
// receives it, receipts, edits, reactions and deletions reach both stores.
func TestSendWithFake(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		h.fake.SetClock(h.clock)
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "bot")
		friend, friendConn := pairWith(t, h, "friend", friendPhone)
		seq := lastEventSeq(t, bot)

		m, err := bot.SendText(ctx, "+1 555 765 4321", "hello")
		require.NoError(t, err)
		sent := conn.Sent()
		require.Len(t, sent, 1)
		require.Equal(t, friendPhone.JID, sent[0].To)
		require.Equal(t, "hello", sent[0].Message.GetConversation())
		require.Equal(t, string(sent[0].ID), m.WAMessageID)
		require.Equal(t, "sent", m.Status)
		require.Equal(t, "outgoing", m.Direction)
		require.True(t, m.IsFromMe)
		require.Equal(t, "hello", m.Body)
		require.Equal(t, phone.JID.String(), m.SenderJID)
		require.Equal(t, friendPhone.JID.String(), m.ChatJID)
		require.Equal(t, epoch, m.SentAt, "the server's time")
		require.Equal(t, []string{"conversation.updated", "message.status", "message.sent"}, eventTypes(t, bot, seq),
			"the new chat, the message pending, then sent")
		stored, err := bot.GetMessage(ctx, m.MessageID)
		require.NoError(t, err)
		require.Equal(t, m, stored, "what SendMessage returns is what is stored")

		// The friend received it from the bot's phone number.
		fm := feed(t, friend).msgs[m.WAMessageID]
		require.Equal(t, "hello", fm.Body)
		require.Equal(t, "incoming", fm.Direction)
		require.Equal(t, phone.JID.String(), fm.SenderJID)
		require.Equal(t, 1, feed(t, friend).convs[phone.JID.String()].UnreadCount)

		// Receipts move the bot's message forward.
		require.NoError(t, conn.Receipt(sent[0].ID, types.ReceiptTypeDelivered))
		require.Equal(t, "delivered", feed(t, bot).msgs[m.WAMessageID].Status)
		require.NoError(t, friend.MarkRead(ctx, wauser.MarkReadRequest{MessageIDs: []string{string(fm.MessageID)}}))
		require.Equal(t, []watest.SentRead{{Chat: phone.JID, Sender: phone.JID, IDs: []types.MessageID{sent[0].ID}, Type: types.ReceiptTypeRead}}, friendConn.Reads())
		require.Equal(t, "read", feed(t, bot).msgs[m.WAMessageID].Status, "the read receipt reached the sender")
		ff := feed(t, friend)
		require.Equal(t, "read", ff.msgs[m.WAMessageID].Status)
		require.Zero(t, ff.convs[phone.JID.String()].UnreadCount, "marking read resets the unread count")

		// The friend replies, quoting; the quote names the bot's message.
		reply, err := friend.SendMessage(ctx, wauser.SendMessageRequest{To: phone.JID.String(), Text: "hi!",
			Context: &wauser.MessageContext{MessageID: string(fm.MessageID)}})
		require.NoError(t, err)
		require.Equal(t, m.WAMessageID, reply.ReplyToWAID)
		q := friendConn.Sent()[0].Message.GetExtendedTextMessage().GetContextInfo()
		require.Equal(t, m.WAMessageID, q.GetStanzaID())
		require.Equal(t, phone.JID.String(), q.GetParticipant(), "the quoted message's author")
		require.Equal(t, "hello", q.GetQuotedMessage().GetConversation())
		require.Equal(t, m.WAMessageID, feed(t, bot).msgs[reply.WAMessageID].ReplyToWAID)

		// Edit, react and delete, seen by both.
		edited, err := bot.EditMessage(ctx, "", string(m.MessageID), "hello again")
		require.NoError(t, err)
		require.Equal(t, "hello again", edited.Body)
		require.Equal(t, epoch, edited.EditedAt)
		require.Equal(t, "hello again", feed(t, friend).msgs[m.WAMessageID].Body)
		reacted, err := friend.SendReaction(ctx, "", string(fm.MessageID), "👍")
		require.NoError(t, err)
		require.Equal(t, map[string]string{friendPhone.JID.String(): "👍"}, reacted.Reactions)
		require.Equal(t, map[string]string{friendPhone.JID.String(): "👍"}, feed(t, bot).msgs[m.WAMessageID].Reactions)
		_, err = friend.SendReaction(ctx, phone.JID.String(), m.WAMessageID, "")
		require.NoError(t, err, "by WhatsApp id in the chat")
		require.Empty(t, feed(t, bot).msgs[m.WAMessageID].Reactions, "an empty emoji removes the reaction")
		gone, err := bot.RevokeMessage(ctx, friendPhone.JID.String(), m.WAMessageID)
		require.NoError(t, err)
		require.Equal(t, "deleted", gone.Status)
		require.Empty(t, gone.Body)
		require.Equal(t, "deleted", feed(t, friend).msgs[m.WAMessageID].Status)

		// The bot's phone echoes one of its messages: the same row.
		m2, err := bot.SendText(ctx, friendPhone.JID.String(), "second")
		require.NoError(t, err)
		before := feed(t, bot)
		require.True(t, conn.Emit(watest.FromMe(watest.Text(friendPhone.JID, phone.JID, m2.WAMessageID, epoch, "second"))))
		after := feed(t, bot)
		require.Equal(t, before.page.Cursor, after.page.Cursor, "nothing changed")
		require.Len(t, after.page.Messages, len(before.page.Messages))
	})
}

// TestSendIdempotent: the same id twice makes one message and one
// WhatsApp call; a failed message is sent again under its id.
func TestSendIdempotent(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "bot")
		req := wauser.SendMessageRequest{To: friendPhone.JID.String(), Text: "once", ID: "ORDER42"}
		first, err := bot.SendMessage(ctx, req)
		require.NoError(t, err)
		require.Equal(t, "ORDER42", first.ClientID, "the caller's id is the record's client id")
		require.NotEqual(t, "ORDER42", first.WAMessageID, "WhatsApp never sees the caller's id")
		require.Equal(t, conn.Sent()[0].ID, first.WAMessageID, "sent under the id whatsmeow made")
		again, err := bot.SendMessage(ctx, req)
		require.NoError(t, err)
		require.Equal(t, first, again)
		require.Len(t, conn.Sent(), 1, "one WhatsApp call")
		quota, err := bot.GetMessageQuota(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, quota.Sent, "counted once")
		n := 0
		for _, m := range feed(t, bot).page.Messages {
			if m.ClientID == "ORDER42" {
				n++
			}
		}
		require.Equal(t, 1, n, "one message")

		// The caller's id finds the message where a WhatsApp id of the chat
		// is expected; WhatsApp gets the id it knows.
		reacted, err := bot.SendReaction(ctx, friendPhone.JID.String(), "ORDER42", "👍")
		require.NoError(t, err)
		require.Equal(t, first.MessageID, reacted.MessageID)
		sent := conn.Sent()
		require.Equal(t, first.WAMessageID, sent[len(sent)-1].Message.GetReactionMessage().GetKey().GetID())

		// The same id with another text is still the stored message.
		again, err = bot.SendMessage(ctx, wauser.SendMessageRequest{To: friendPhone.JID.String(), Text: "other text", ID: "ORDER42"})
		require.NoError(t, err)
		require.Equal(t, "once", again.Body, "the stored message, not a new one")
		require.Len(t, conn.Sent(), 2, "the message once, the reaction")
	})
}

// TestSendFailureStored: when WhatsApp refuses a message it is stored as
// failed with the reason, and the error keeps the cause.
func TestSendFailureStored(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	bot, conn := pair(t, h, "bot")
	unknown := types.NewJID("120363099999999999", types.GroupServer)
	_, err := bot.SendText(ctx, unknown.String(), "anyone?")
	require.ErrorIs(t, err, wauser.ErrNotFound)
	require.ErrorIs(t, err, whatsmeow.ErrGroupNotFound, "the cause is kept")
	f := feed(t, bot)
	var failed *wauser.Message
	for _, m := range f.page.Messages {
		if m.Body == "anyone?" {
			failed = &m
		}
	}
	require.NotNil(t, failed)
	require.Equal(t, "failed", failed.Status)
	require.Contains(t, failed.Error, "group")
	require.Len(t, conn.Sent(), 0)
}

// TestSendMediaAndDownloadWithFake sends an image from bytes; the
// recipient downloads it, also after the file expired on the servers (the
// phone uploads it again on a media retry).
func TestSendMediaAndDownloadWithFake(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		h.fake.SetClock(h.clock)
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "bot")
		friend, friendConn := pairWith(t, h, "friend", friendPhone)

		m, err := bot.SendMessage(ctx, wauser.SendMessageRequest{To: friendPhone.JID.String(),
			Image: &wauser.MediaMessage{Data: png, Caption: "a cat"}})
		require.NoError(t, err)
		require.Equal(t, "image", m.ContentType)
		require.Equal(t, "a cat", m.Body)
		require.Equal(t, "image/png", m.Media.MimeType)
		up := conn.Uploads()
		require.Len(t, up, 1, "uploaded first")
		img := conn.Sent()[0].Message.GetImageMessage()
		require.Equal(t, up[0].Response.DirectPath, img.GetDirectPath())
		require.Equal(t, up[0].Response.MediaKey, img.GetMediaKey())

		own, err := bot.DownloadMedia(ctx, m.MessageID)
		require.NoError(t, err)
		require.Equal(t, png, own.Data, "the sender can download what it sent")
		require.Equal(t, "image/png", own.MIMEType)

		fm := feed(t, friend).msgs[m.WAMessageID]
		got, err := friend.DownloadMedia(ctx, fm.MessageID)
		require.NoError(t, err)
		require.Equal(t, png, got.Data)

		h.fake.ExpireMedia(up[0].Response.DirectPath)
		got, err = friend.DownloadMedia(ctx, fm.MessageID)
		require.NoError(t, err, "a media retry brings the file back")
		require.Equal(t, png, got.Data)
		require.Equal(t, 1, countCalls(friendConn.Calls(), "SendMediaRetryReceipt"))
		_, err = friend.DownloadMedia(ctx, fm.MessageID)
		require.NoError(t, err)
		require.Equal(t, 1, countCalls(friendConn.Calls(), "SendMediaRetryReceipt"), "the new location was stored")

		_, err = bot.DownloadMedia(ctx, "msg_nope")
		require.ErrorIs(t, err, wauser.ErrNotFound)
		text, err := bot.SendText(ctx, friendPhone.JID.String(), "no file")
		require.NoError(t, err)
		_, err = bot.DownloadMedia(ctx, text.MessageID)
		require.ErrorIs(t, err, wauser.ErrNotFound)
	})
}

func countCalls(calls []string, name string) int {
	n := 0
	for _, c := range calls {
		if c == name {
			n++
		}
	}
	return n
}

// TestDailyQuotaSurvivesReopen: the daily limit is counted in the store, so
// a new Client on the same database still refuses, until the next UTC day.
func TestDailyQuotaSurvivesReopen(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db, wauser.WithDailyMessageLimit(2))
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "bot")
		for _, text := range []string{"one", "two"} {
			_, err := bot.SendText(ctx, friendPhone.JID.String(), text)
			require.NoError(t, err)
		}
		_, err := bot.SendText(ctx, friendPhone.JID.String(), "three")
		require.ErrorIs(t, err, wauser.ErrRateLimited)
		var rl *wauser.RateLimitError
		require.ErrorAs(t, err, &rl)
		require.Equal(t, 12*time.Hour, rl.RetryAfter(), "epoch is noon UTC; the limit resets at midnight")
		require.Equal(t, epoch.Add(12*time.Hour), rl.ResetAt)
		require.Len(t, conn.Sent(), 2, "nothing was sent")

		// Reactions are not counted.
		_, err = bot.SendReaction(ctx, friendPhone.JID.String(), conn.Sent()[0].ID, "👍")
		require.NoError(t, err)

		// A new Client on the same database (a restart).
		require.NoError(t, h.c.Close())
		c2 := h.open(t).WithAccount("bot")
		require.NoError(t, c2.Refresh(ctx, false))
		_, err = c2.SendText(ctx, friendPhone.JID.String(), "three")
		require.ErrorIs(t, err, wauser.ErrRateLimited, "the count survived the restart")
		q, err := c2.GetMessageQuota(ctx)
		require.NoError(t, err)
		require.Equal(t, &wauser.MessageQuota{Limit: 2, Sent: 2, ResetAt: epoch.Add(12 * time.Hour)}, q)

		h.clock.Advance(12 * time.Hour)
		_, err = c2.SendText(ctx, friendPhone.JID.String(), "three")
		require.NoError(t, err, "a new day")
	})
}

// TestListMessageCounts lists the days' counts behind the quota, newest
// first, and refuses limits out of range before reading anything.
func TestListMessageCounts(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "bot")
		other, _ := pair(t, h, "other")
		counts, err := bot.ListMessageCounts(ctx, 7)
		require.NoError(t, err)
		require.Equal(t, []wauser.DailyMessageCount{}, counts, "nothing sent yet")

		send := func(n int) {
			for i := range n {
				_, err := bot.SendText(ctx, friendPhone.JID.String(), fmt.Sprint("message ", i))
				require.NoError(t, err)
			}
		}
		send(2)
		_, err = bot.SendReaction(ctx, friendPhone.JID.String(), conn.Sent()[0].ID, "👍")
		require.NoError(t, err)
		h.clock.Advance(24 * time.Hour)
		send(1)
		h.clock.Advance(48 * time.Hour)
		send(3)
		_, err = other.SendText(ctx, friendPhone.JID.String(), "another account")
		require.NoError(t, err)

		counts, err = bot.ListMessageCounts(ctx, 7)
		require.NoError(t, err)
		require.Equal(t, []wauser.DailyMessageCount{
			{Day: "2026-11-24", Sent: 3}, {Day: "2026-11-22", Sent: 1}, {Day: "2026-11-21", Sent: 2},
		}, counts, "days with sends, newest first; the reaction is not counted")
		counts, err = bot.ListMessageCounts(ctx, 2)
		require.NoError(t, err)
		require.Len(t, counts, 2)
		require.Equal(t, "2026-11-22", counts[1].Day)
		quota, err := bot.GetMessageQuota(ctx)
		require.NoError(t, err)
		require.Equal(t, counts[0].Sent, quota.Sent, "today's count is the quota's")

		for _, limit := range []int{0, -1, wauser.MaxMessageCountDays + 1} {
			_, err := bot.ListMessageCounts(ctx, limit)
			require.ErrorIs(t, err, wauser.ErrInvalidArgument, "limit %d", limit)
		}
	})
}

// TestRequestHistoryWithFake asks the phone for older messages of a chat:
// the answer is stored and reported by history.sync_complete.
func TestRequestHistoryWithFake(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "bot")
		// The chat's first stored message, then three older ones on the phone.
		require.True(t, conn.Emit(watest.Text(alice, alice, "NOW", epoch, "latest")))
		conn.AddHistory(alice,
			watest.WebMessage(alice, "OLD1", false, types.EmptyJID, epoch.Add(-3*time.Hour), "oldest"),
			watest.WebMessage(alice, "OLD2", true, types.EmptyJID, epoch.Add(-2*time.Hour), "older"),
			watest.WebMessage(alice, "OLD3", false, types.EmptyJID, epoch.Add(-time.Hour), "old"),
		)
		seq := lastEventSeq(t, bot)
		req, err := bot.RequestHistory(ctx, 2, alice.String())
		require.NoError(t, err)
		require.Equal(t, 2, req.Count)
		require.Len(t, req.Chats, 1)
		require.Equal(t, "NOW", req.Chats[0].OldestMessageID)
		require.Equal(t, epoch, req.Chats[0].OldestAt)
		peer := conn.Sent()
		require.Len(t, peer, 1)
		require.True(t, peer[0].Peer)
		require.Equal(t, phone.JID, peer[0].To)

		waitHistory(t, bot) // the answer is a history blob the account downloads
		f := feed(t, bot)
		require.Contains(t, f.msgs, "OLD2")
		require.Contains(t, f.msgs, "OLD3")
		require.NotContains(t, f.msgs, "OLD1", "only the two asked for")
		require.True(t, f.msgs["OLD2"].IsFromMe)
		require.Contains(t, eventTypes(t, bot, seq), "history.sync_complete")

		// Now anchored on the new oldest message; with no chat, every chat.
		req, err = bot.RequestHistory(ctx, 25, "")
		require.NoError(t, err)
		require.Equal(t, "OLD2", req.Chats[0].OldestMessageID)
		waitHistory(t, bot)
		require.Contains(t, feed(t, bot).msgs, "OLD1")

		_, err = bot.RequestHistory(ctx, 25, bob.String())
		require.ErrorIs(t, err, wauser.ErrNotFound, "nothing stored to anchor on")

		// More than 50 is accepted, and the phone is asked for 50.
		req, err = bot.RequestHistory(ctx, wauser.MaxHistoryCount, alice.String())
		require.NoError(t, err)
		require.Equal(t, wauser.HistoryBatch, req.Count)
		sent := conn.Sent()
		require.Equal(t, int32(50), sent[len(sent)-1].Message.GetProtocolMessage().GetPeerDataOperationRequestMessage().GetHistorySyncOnDemandRequest().GetOnDemandMsgCount())
	})
}

// TestTemplatesWithFake registers a template and sends it rendered.
func TestTemplatesWithFake(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "bot")
		tpl, err := bot.CreateTemplate(ctx, wauser.TemplateRequest{Name: "appointment_reminder", Language: "en_US", Components: []wauser.TemplateComponent{
			{Type: "footer", Text: "Reply STOP to opt out"},
			{Type: "body", Text: "Hi {{1}}, see you on {{2}}."},
			{Type: "header", Text: "Reminder"},
		}})
		require.NoError(t, err)
		require.Equal(t, []string{"header", "body", "footer"}, []string{tpl.Components[0].Type, tpl.Components[1].Type, tpl.Components[2].Type})
		list, err := bot.ListTemplates(ctx)
		require.NoError(t, err)
		require.Equal(t, []*wauser.Template{tpl}, list)

		m, err := bot.SendMessage(ctx, wauser.SendMessageRequest{To: "+15557654321", Type: wauser.MessageTemplate, Template: &wauser.TemplateMessage{
			Name: "appointment_reminder", Language: "en_US",
			Components: []wauser.TemplateParams{{Type: "body", Parameters: []wauser.TemplateParameter{
				{Type: "text", Text: "John"},
				{Type: "date_time", DateTime: &wauser.TemplateFallback{FallbackValue: "June 10, 2023"}},
			}}},
		}})
		require.NoError(t, err)
		want := "Reminder\n\nHi John, see you on June 10, 2023.\n\nReply STOP to opt out"
		require.Equal(t, want, m.Body)
		require.Equal(t, want, conn.Sent()[0].Message.GetConversation())

		require.NoError(t, bot.DeleteTemplate(ctx, "appointment_reminder", ""))
		require.ErrorIs(t, bot.DeleteTemplate(ctx, "appointment_reminder", ""), wauser.ErrNotFound)
		_, err = bot.GetTemplate(ctx, "appointment_reminder", "en_US")
		require.ErrorIs(t, err, wauser.ErrNotFound)
	})
}

// TestContactTagsAndNamesWithFake: WhatsApp labels become tags, follow
// renames and deletions; the library renames contacts and sets tags.
func TestContactTagsAndNamesWithFake(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "bot")
		require.True(t, conn.Emit(watest.Text(alice, alice, "A1", epoch, "hi")))
		conn.LabelChat(alice, "7", true) // labeled before the label's name is known
		conn.EditLabel("7", "customer", false)
		conn.EditLabel("8", "premium", false)
		conn.LabelChat(alice, "8", true)
		conn.LabelChat(group, "8", true) // groups have no tags: ignored
		tags := func() []string {
			ct, err := bot.GetContact(ctx, alice.String())
			require.NoError(t, err)
			return ct.Tags
		}
		require.Equal(t, []string{"customer", "premium"}, tags())
		conn.EditLabel("8", "vip", false)
		require.Equal(t, []string{"customer", "vip"}, tags(), "a renamed label renames the tag")
		conn.LabelChat(alice, "7", false)
		require.Equal(t, []string{"vip"}, tags())
		conn.EditLabel("8", "vip", true)
		require.Empty(t, tags(), "a deleted label's tag goes")

		seq := lastEventSeq(t, bot)
		first, last := "Alice", "Smith"
		ct, err := bot.UpdateContact(ctx, "+15550000001", wauser.UpdateContactRequest{FirstName: &first, LastName: &last, Tags: &[]string{"b", " a ", "b"}})
		require.NoError(t, err)
		require.Equal(t, "Alice Smith", ct.DisplayName)
		require.Equal(t, []string{"a", "b"}, ct.Tags)
		require.Equal(t, []string{"contact.updated"}, eventTypes(t, bot, seq))
		_, err = bot.UpdateContact(ctx, "+15559999999", wauser.UpdateContactRequest{FirstName: &first})
		require.ErrorIs(t, err, wauser.ErrNotFound)

		h.fake.SetProfilePicture(alice, "https://pps.whatsapp.net/alice.jpg")
		pic, err := bot.GetProfilePicture(ctx, "+15550000001", false)
		require.NoError(t, err)
		require.Equal(t, &wauser.ProfilePicture{URL: "https://pps.whatsapp.net/alice.jpg", ID: "1", Type: "image"}, pic)
		_, err = bot.GetProfilePicture(ctx, bob.String(), true)
		require.ErrorIs(t, err, wauser.ErrNotFound)
	})
}

// TestGroupMessagesWithFake: a message to a group reaches its other
// members; mentions written as @number are sent as MentionedJID.
func TestGroupMessagesWithFake(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	bot, conn := pair(t, h, "bot")
	friend, _ := pairWith(t, h, "friend", friendPhone)
	g, err := bot.CreateGroup(ctx, wauser.CreateGroupRequest{Name: "Team", Members: []string{friendPhone.JID.String()}})
	require.NoError(t, err)
	m, err := bot.SendMessage(ctx, wauser.SendMessageRequest{To: g.ID.User, RecipientType: wauser.RecipientGroup,
		Text: "hi @15557654321, mail me@1555"})
	require.NoError(t, err)
	ext := conn.Sent()[0].Message.GetExtendedTextMessage()
	require.Equal(t, []string{friendPhone.JID.String()}, ext.GetContextInfo().GetMentionedJID())
	require.Equal(t, []string{friendPhone.JID.String()}, m.Mentions)
	fm := feed(t, friend).msgs[m.WAMessageID]
	require.Equal(t, g.ID.String(), fm.ChatJID)
	require.Equal(t, phone.JID.String(), fm.SenderJID)

	// The friend, a plain member, cannot delete the bot's message; the
	// request reaches WhatsApp, which the fake lets through, so only its
	// own messages are tested here.
	r, err := friend.SendMessage(ctx, wauser.SendMessageRequest{To: g.ID.String(), Text: "ok",
		Context: &wauser.MessageContext{MessageID: m.WAMessageID, Participant: phone.JID.String()}})
	require.NoError(t, err)
	require.Equal(t, m.WAMessageID, r.ReplyToWAID)
	require.Equal(t, "sent", r.Status)

	// The phone's answer to a group message it is not in.
	_, err = friend.SendMessage(ctx, wauser.SendMessageRequest{To: g.ID.String(),
		Reaction: &wauser.Reaction{MessageID: "UNKNOWN1"}})
	require.ErrorIs(t, err, wauser.ErrInvalidArgument, "an unstored group message needs its author")

	poll, err := bot.SendMessage(ctx, wauser.SendMessageRequest{To: g.ID.String(), Poll: &wauser.Poll{Question: "Lunch?", Options: []string{"Pizza", "Sushi"}, SelectableCount: 1}})
	require.NoError(t, err)
	require.Equal(t, "poll", poll.ContentType)
	require.Equal(t, map[string]any{"question": "Lunch?", "options": []any{"Pizza", "Sushi"}, "selectable_count": float64(1),
		"results": []any{result("Pizza"), result("Sushi")}}, poll.Extra["poll"])
	pc := conn.Sent()[1].Message.GetPollCreationMessage()
	require.Equal(t, "Lunch?", pc.GetName())
	require.NotEmpty(t, conn.Sent()[1].Message.GetMessageContextInfo().GetMessageSecret(), "so votes can be decrypted")
}
