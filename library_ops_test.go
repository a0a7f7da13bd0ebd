package wauser_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// TestAPIKeyDeviceQuota: a key with a device quota starts with no account,
// gains the accounts added to it, keeps living when they go, and lists the
// tokens it created; its details change, and bad ones change nothing.
func TestAPIKeyDeviceQuota(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		_, err := h.c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{Scopes: []wauser.Scope{wauser.ScopeAdmin}})
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, "no account and no quota")
		k, err := h.c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{Name: "Acme", Scopes: []wauser.Scope{wauser.ScopeAdmin}, MaxDevices: 2,
			ContactEmail: "ops@acme.example", ContactPhone: "+15550001111"})
		require.NoError(t, err)
		require.Empty(t, k.Accounts)
		require.Equal(t, 2, k.MaxDevices)

		_, err = h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "dev1"})
		require.NoError(t, err)
		got, err := h.c.UpdateAPIKey(ctx, k.ID, wauser.UpdateAPIKeyRequest{AddAccounts: []wauser.AccountID{"dev1"}})
		require.NoError(t, err)
		require.Equal(t, []wauser.AccountID{"dev1"}, got.Accounts)
		tok, err := h.c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{Scopes: wauser.AllScopes(), Accounts: []wauser.AccountID{"dev1"}, CreatedBy: k.ID})
		require.NoError(t, err)
		require.Equal(t, k.ID, tok.CreatedBy)
		_, err = h.c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{Scopes: wauser.AllScopes(), Accounts: []wauser.AccountID{"dev1"}, CreatedBy: "key_nope"})
		require.ErrorIs(t, err, wauser.ErrNotFound)
		made, err := h.c.ListAPIKeysCreatedBy(ctx, k.ID)
		require.NoError(t, err)
		require.Len(t, made, 1)
		require.Equal(t, tok.ID, made[0].ID)

		// Details change; a bad one changes nothing.
		name, quota, bad := "Acme Ltd", 5, "not an address"
		got, err = h.c.UpdateAPIKey(ctx, k.ID, wauser.UpdateAPIKeyRequest{Name: &name, MaxDevices: &quota})
		require.NoError(t, err)
		require.Equal(t, "Acme Ltd", got.Name)
		_, err = h.c.UpdateAPIKey(ctx, k.ID, wauser.UpdateAPIKeyRequest{Name: &bad, ContactEmail: &bad})
		require.ErrorIs(t, err, wauser.ErrInvalidArgument)
		got, err = h.c.GetAPIKey(ctx, k.ID)
		require.NoError(t, err)
		require.Equal(t, "Acme Ltd", got.Name)
		require.Equal(t, 5, got.MaxDevices)
		require.Equal(t, "ops@acme.example", got.ContactEmail)
		_, err = h.c.UpdateAPIKey(ctx, "key_nope", wauser.UpdateAPIKeyRequest{Name: &name})
		require.ErrorIs(t, err, wauser.ErrNotFound)

		// The device goes: its token is revoked, the key lives on.
		require.NoError(t, h.c.WithAccount("dev1").Logout(ctx))
		got, err = h.c.GetAPIKey(ctx, k.ID)
		require.NoError(t, err)
		require.True(t, got.RevokedAt.IsZero(), "a key with a quota outlives its devices")
		require.Empty(t, got.Accounts)
		made, err = h.c.ListAPIKeysCreatedBy(ctx, k.ID)
		require.NoError(t, err)
		require.False(t, made[0].RevokedAt.IsZero(), "the device's token went with it")
	})
}

// TestWebhookStats counts webhooks and their deliveries since a time.
func TestWebhookStats(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db, wauser.WithPrivateWebhookTargets())
		ctx := ctxTimeout(t)
		bot, _ := pair(t, h, "bot")
		st, err := h.c.WebhookStats(ctx, epoch)
		require.NoError(t, err)
		require.Equal(t, wauser.WebhookStats{}, *st)

		rc := newReceiver(t).URL
		wh, err := bot.CreateWebhook(ctx, wauser.WebhookRequest{URL: rc})
		require.NoError(t, err)
		_, err = bot.CreateWebhook(ctx, wauser.WebhookRequest{URL: rc + "/off", Disabled: true})
		require.NoError(t, err)
		d, err := bot.PingWebhook(ctx, wh.ID)
		require.NoError(t, err)
		require.Equal(t, wauser.DeliveryDelivered, d.State)

		st, err = h.c.WebhookStats(ctx, epoch.Add(-time.Hour))
		require.NoError(t, err)
		require.Equal(t, wauser.WebhookStats{Webhooks: 2, ActiveWebhooks: 1, Deliveries: 1, Delivered: 1}, *st)
		st, err = h.c.WebhookStats(ctx, h.clock.Now().Add(time.Hour))
		require.NoError(t, err)
		require.Equal(t, 0, st.Deliveries, "none since then")
	})
}

// TestListBots lists WhatsApp's bots, with their profiles when asked.
func TestListBots(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		bot, _ := pair(t, h, "bot")
		bots, err := bot.ListBots(ctx, true)
		require.NoError(t, err)
		require.Empty(t, bots, "no bots where WhatsApp has none")

		meta := types.NewJID("867051314767696", types.BotServer)
		h.fake.AddBot(watest.Bot{JID: meta, PersonaID: "meta_ai", Name: "Meta AI", Description: "Ask anything",
			Prompts: []string{"✨ Imagine"}, Commands: []types.BotProfileCommand{{Name: "/imagine", Description: "Make a picture"}}})
		bots, err = bot.ListBots(ctx, false)
		require.NoError(t, err)
		require.Equal(t, []wauser.Bot{{JID: meta, PersonaID: "meta_ai"}}, bots)
		bots, err = bot.ListBots(ctx, true)
		require.NoError(t, err)
		require.Equal(t, []wauser.Bot{{JID: meta, PersonaID: "meta_ai", Name: "Meta AI", Description: "Ask anything",
			Prompts: []string{"✨ Imagine"}, Commands: []wauser.BotCommand{{Name: "/imagine", Description: "Make a picture"}}}}, bots)
	})
}

// TestNewsletterUpdates: live updates are granted for WhatsApp's
// duration; updates list the posts whose counts changed since a time;
// the channel terms are accepted, other notices refused.
func TestNewsletterUpdates(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		h.fake.SetClock(h.clock)
		ctx := ctxTimeout(t)
		bot, _ := pair(t, h, "bot")
		friend, _ := pairWith(t, h, "friend", friendPhone)
		ch, err := bot.CreateNewsletter(ctx, wauser.CreateNewsletterRequest{Name: "Deals"})
		require.NoError(t, err)
		id := ch.ID.String()

		_, err = friend.SubscribeNewsletterLiveUpdates(ctx, id)
		require.ErrorIs(t, err, watest.ErrNotEmulated, "the fake does not invent WhatsApp's duration")
		h.fake.SetLiveUpdatesDuration(5 * time.Minute)
		d, err := friend.SubscribeNewsletterLiveUpdates(ctx, id)
		require.NoError(t, err)
		require.Equal(t, 5*time.Minute, d)
		require.Equal(t, h.clock.Now().UTC().Truncate(time.Second).Add(5*time.Minute), h.fake.LiveUpdatesUntil("friend", ch.ID))
		_, err = friend.SubscribeNewsletterLiveUpdates(ctx, "nope")
		require.ErrorIs(t, err, wauser.ErrInvalidArgument)

		first, err := bot.SendNewsletterMessage(ctx, wauser.SendNewsletterMessageRequest{Newsletter: id, Text: "one"})
		require.NoError(t, err)
		_, err = bot.SendNewsletterMessage(ctx, wauser.SendNewsletterMessageRequest{Newsletter: id, Text: "two"})
		require.NoError(t, err)
		h.clock.Advance(time.Hour)
		since := h.clock.Now()
		require.NoError(t, friend.ReactNewsletterMessage(ctx, id, first.ServerID, "👍"))
		ups, err := friend.ListNewsletterUpdates(ctx, id, wauser.NewsletterUpdatesOptions{Since: since})
		require.NoError(t, err)
		require.Len(t, ups, 1, "only the post whose counts changed")
		require.Equal(t, first.ServerID, ups[0].ServerID)
		require.Equal(t, map[string]int{"👍": 1}, ups[0].Reactions)
		ups, err = friend.ListNewsletterUpdates(ctx, id, wauser.NewsletterUpdatesOptions{})
		require.NoError(t, err)
		require.Len(t, ups, 2)
		_, err = friend.ListNewsletterUpdates(ctx, id, wauser.NewsletterUpdatesOptions{Count: 101})
		require.ErrorIs(t, err, wauser.ErrInvalidArgument)

		require.NoError(t, friend.AcceptTOSNotice(ctx, watest.NewsletterTOSNotice, watest.NewsletterTOSStage))
		require.Equal(t, watest.NewsletterTOSStage, h.fake.AcceptedTOS("friend", watest.NewsletterTOSNotice))
		require.ErrorIs(t, friend.AcceptTOSNotice(ctx, "1", "x y"), wauser.ErrInvalidArgument)
		require.ErrorIs(t, friend.AcceptTOSNotice(ctx, "999", "1"), watest.ErrNotEmulated)
	})
}

// TestGetPollResults tallies a stored poll, by stored or WhatsApp id.
func TestGetPollResults(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		h.fake.SetClock(h.clock)
		ctx := ctxTimeout(t)
		bot, _ := pair(t, h, "bot")
		friend, _ := pairWith(t, h, "friend", friendPhone)
		poll, err := bot.SendMessage(ctx, wauser.SendMessageRequest{To: friendPhone.JID.String(),
			Poll: &wauser.Poll{Question: "Lunch?", Options: []string{"Pizza", "Sushi"}, SelectableCount: 1}})
		require.NoError(t, err)
		h.clock.Advance(time.Second)
		_, err = friend.VotePoll(ctx, phone.JID.String(), poll.WAMessageID, []string{"Sushi"})
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			r, err := bot.GetPollResults(ctx, "", string(poll.MessageID))
			return err == nil && r.Voters == 1
		}, 5*time.Second, 5*time.Millisecond, "the vote reaches the poll's author")

		r, err := bot.GetPollResults(ctx, friendPhone.JID.String(), poll.WAMessageID)
		require.NoError(t, err)
		require.Equal(t, &wauser.PollResults{MessageID: poll.MessageID, WAMessageID: poll.WAMessageID, ChatJID: poll.ChatJID,
			Question: "Lunch?", SelectableCount: 1, Voters: 1, Options: []wauser.PollOptionResult{
				{Option: "Pizza", Voters: []string{}}, {Option: "Sushi", Count: 1, Voters: []string{friendPhone.JID.String()}}}}, r)

		text, err := bot.SendText(ctx, friendPhone.JID.String(), "not a poll")
		require.NoError(t, err)
		_, err = bot.GetPollResults(ctx, "", string(text.MessageID))
		require.ErrorIs(t, err, wauser.ErrInvalidArgument)
		_, err = bot.GetPollResults(ctx, "", "msg_nope")
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, "no such stored message")
	})
}
