package wauser_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

func TestProfileWithFake(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		bot, botConn := pair(t, h, "bot")
		friend, _ := pairWith(t, h, "friend", friendPhone)
		shop := types.NewJID("15550009999", types.DefaultUserServer)
		h.fake.SetBusinessProfile(shop, "Corner Shop", types.BusinessProfile{
			Address: "1 Main St", Email: "shop@example.com", Categories: []types.Category{{ID: "1", Name: "Grocery"}},
			BusinessHoursTimeZone: "UTC", BusinessHours: []types.BusinessHoursConfig{{DayOfWeek: "mon", Mode: "open_24h"}},
		})

		// About and photo of the friend, as the bot sees them.
		require.NoError(t, friend.SetAbout(ctx, "Out fishing"))
		picID, err := friend.SetProfilePhoto(ctx, jpeg)
		require.NoError(t, err)
		require.NotEqual(t, "remove", picID)
		infos, err := bot.GetUserInfo(ctx, []string{"+15557654321", shop.String(), "+15559990000"})
		require.NoError(t, err)
		require.Len(t, infos, 2, "a number not on WhatsApp is left out")
		require.Equal(t, friendPhone.JID, infos[0].JID)
		require.Equal(t, friendPhone.LID, infos[0].LID)
		require.Equal(t, "Out fishing", infos[0].About)
		require.Equal(t, picID, infos[0].PictureID)
		require.Len(t, infos[0].Devices, 2, "the phone and the linked device")
		require.Equal(t, "Corner Shop", infos[1].BusinessName)
		pic, err := bot.GetProfilePicture(ctx, "+15557654321", false)
		require.NoError(t, err)
		require.NotEmpty(t, pic.URL)
		removed, err := friend.SetProfilePhoto(ctx, nil)
		require.NoError(t, err)
		require.Equal(t, "remove", removed)
		_, err = bot.GetProfilePicture(ctx, "+15557654321", false)
		require.ErrorIs(t, err, wauser.ErrNotFound)

		// Bad input never reaches WhatsApp.
		calls := len(botConn.Calls())
		_, err = bot.SetProfilePhoto(ctx, []byte("GIF89a not a jpeg"))
		require.ErrorIs(t, err, wauser.ErrInvalidArgument)
		require.ErrorIs(t, bot.SetAbout(ctx, string(make([]rune, 140))), wauser.ErrInvalidArgument)
		require.ErrorIs(t, bot.SetPushName(ctx, "  "), wauser.ErrInvalidArgument)
		_, err = bot.GetUserInfo(ctx, nil)
		require.ErrorIs(t, err, wauser.ErrInvalidArgument)
		require.Len(t, botConn.Calls(), calls)

		// The push name is app state: the account record follows, and an
		// account.updated event tells handlers.
		updated := newCollector()
		bot.OnAccountEvent(func(_ context.Context, e wauser.Event, a *wauser.AccountData) {
			if e.Type == wauser.EventAccountUpdated {
				require.Equal(t, "Sales Desk", a.PushName)
				updated.add(e)
			}
		})
		require.NoError(t, bot.SetPushName(ctx, "Sales Desk"))
		acc, err := bot.GetAccount(ctx)
		require.NoError(t, err)
		require.Equal(t, "Sales Desk", acc.PushName)
		require.Equal(t, "Sales Desk", botConn.Device().PushName)
		updated.wait(t, 1)

		// Business profile.
		bp, err := bot.GetBusinessProfile(ctx, shop.String())
		require.NoError(t, err)
		require.Equal(t, &wauser.BusinessProfile{JID: shop, Address: "1 Main St", Email: "shop@example.com",
			Categories: []string{"Grocery"}, TimeZone: "UTC", BusinessHours: []wauser.BusinessHoursOfDay{{Day: "mon", Mode: "open_24h"}}}, bp)
		_, err = bot.GetBusinessProfile(ctx, "+15557654321")
		require.ErrorIs(t, err, watest.ErrNotEmulated)

		// Links.
		link, err := friend.GetContactQRLink(ctx, false)
		require.NoError(t, err)
		require.Regexp(t, `^https://wa\.me/qr/[A-Z0-9]+$`, link)
		target, err := bot.ResolveContactQRLink(ctx, link)
		require.NoError(t, err)
		require.Equal(t, &wauser.ContactLink{JID: friendPhone.JID, PushName: "Friend", Type: "contact"}, target)
		newLink, err := friend.GetContactQRLink(ctx, true)
		require.NoError(t, err)
		require.NotEqual(t, link, newLink)
		_, err = bot.ResolveContactQRLink(ctx, link)
		require.ErrorIs(t, err, wauser.ErrNotFound, "a revoked link leads nowhere")
		require.ErrorIs(t, err, whatsmeow.ErrContactQRLinkNotFound)
		_, err = bot.ResolveContactQRLink(ctx, "https://wa.me/qr/../etc")
		require.ErrorIs(t, err, wauser.ErrInvalidArgument)

		h.fake.AddBusinessLink("SHOP123", types.BusinessMessageLinkTarget{JID: shop, PushName: "Shop", VerifiedName: "Corner Shop", Message: "Hi!"})
		biz, err := bot.ResolveBusinessLink(ctx, "https://wa.me/message/SHOP123")
		require.NoError(t, err)
		require.Equal(t, &wauser.BusinessLink{JID: shop, PushName: "Shop", VerifiedName: "Corner Shop", Message: "Hi!"}, biz)
		_, err = bot.ResolveBusinessLink(ctx, "NOPE")
		require.ErrorIs(t, err, wauser.ErrNotFound)
	})
}

func TestPrivacyAndBlocklistWithFake(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		rc := newReceiver(t)
		h := newHarness(t, db, wauser.WithPrivateWebhookTargets())
		ctx := ctxTimeout(t)
		bot, _ := pair(t, h, "bot")
		_, err := bot.CreateWebhook(ctx, wauser.WebhookRequest{URL: rc.URL, EventTypes: []string{"blocklist.*"}})
		require.NoError(t, err)
		got := newCollector()
		bot.OnEvent(func(_ context.Context, e wauser.Event) { got.add(e) }, wauser.EventBlocklistUpdated)

		p, err := bot.GetPrivacySettings(ctx)
		require.NoError(t, err)
		require.Equal(t, "all", p.LastSeen)
		p, err = bot.SetPrivacySetting(ctx, wauser.PrivacyLastSeen, "contacts")
		require.NoError(t, err)
		require.Equal(t, "contacts", p.LastSeen)
		p, err = bot.GetPrivacySettings(ctx)
		require.NoError(t, err)
		require.Equal(t, "contacts", p.LastSeen, "WhatsApp keeps it")
		_, err = bot.SetPrivacySetting(ctx, wauser.PrivacyReadReceipts, "contacts")
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, "read receipts are all or none")
		_, err = bot.SetPrivacySetting(ctx, "colour", "all")
		require.ErrorIs(t, err, wauser.ErrInvalidArgument)

		blocked, err := bot.BlockContact(ctx, "+15550001111")
		require.NoError(t, err)
		spammer := types.NewJID("15550001111", types.DefaultUserServer)
		require.Equal(t, []types.JID{spammer}, blocked)
		list, err := bot.ListBlocked(ctx)
		require.NoError(t, err)
		require.Equal(t, []types.JID{spammer}, list)
		list, err = bot.UnblockContact(ctx, spammer.String())
		require.NoError(t, err)
		require.Empty(t, list)
		_, err = bot.BlockContact(ctx, phone.JID.String())
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, "not the account itself")

		evs := got.wait(t, 2)
		var first struct {
			Changes []struct{ JID, Action string } `json:"changes"`
		}
		require.NoError(t, json.Unmarshal(evs[0].Data, &first))
		require.Equal(t, []struct{ JID, Action string }{{spammer.String(), "block"}}, first.Changes)
		reqs := rc.waitUntil(t, func(r []received) bool { return len(r) >= 2 })
		require.Equal(t, "blocklist.updated", reqs[0].Env.Type)
		require.Contains(t, string(reqs[1].Env.Data), `"unblock"`)
	})
}
