package wauser_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
)

func TestPresenceWithFake(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		rc := newReceiver(t)
		h := newHarness(t, db, wauser.WithPrivateWebhookTargets())
		ctx := ctxTimeout(t)
		bot, botConn := pair(t, h, "bot")
		_, err := bot.CreateWebhook(ctx, wauser.WebhookRequest{URL: rc.URL, EventTypes: []string{"presence.updated"}})
		require.NoError(t, err)
		got := newCollector()
		var decoded []*wauser.PresenceData
		bot.OnPresence(func(_ context.Context, e wauser.Event, p *wauser.PresenceData) {
			decoded = append(decoded, p)
			got.add(e)
		})
		ann := h.fake.AddPeer("+15550001111", "Ann")
		h.fake.SetPresence(ann.JID(), true, time.Time{})

		require.ErrorIs(t, bot.SetPresence(ctx, "busy"), wauser.ErrInvalidArgument)
		require.NoError(t, bot.SetPresence(ctx, wauser.PresenceAvailable))
		updates := botConn.PresenceUpdates()
		require.Equal(t, types.PresenceAvailable, updates[len(updates)-1])

		// Subscribing answers with the presence now, then every change.
		require.NoError(t, bot.SubscribePresence(ctx, "+15550001111"))
		seen := epoch.Add(-time.Minute)
		h.fake.SetPresence(ann.JID(), false, seen)
		got.wait(t, 2)
		require.Equal(t, []*wauser.PresenceData{
			{JID: ann.JID().String(), Online: true},
			{JID: ann.JID().String(), Online: false, LastSeen: seen},
		}, decoded)
		reqs := rc.waitUntil(t, func(r []received) bool { return len(r) >= 2 })
		require.Equal(t, "presence.updated", reqs[0].Env.Type)
		require.JSONEq(t, `{"jid":"15550001111@s.whatsapp.net","online":false,"last_seen":"2026-11-21T11:59:00Z"}`, string(reqs[1].Env.Data))

		// Unavailable: WhatsApp stops sending presences.
		require.NoError(t, bot.SetPresence(ctx, wauser.PresenceUnavailable))
		h.fake.SetPresence(ann.JID(), true, time.Time{})
		require.Len(t, decoded, 2)
		require.ErrorIs(t, bot.SubscribePresence(ctx, "120363000000000001@g.us"), wauser.ErrInvalidArgument)
	})
}

func TestCallEventsWithFake(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		rc := newReceiver(t)
		h := newHarness(t, db, wauser.WithPrivateWebhookTargets())
		h.fake.SetClock(h.clock)
		ctx := ctxTimeout(t)
		bot, botConn := pair(t, h, "bot")
		_, err := bot.CreateWebhook(ctx, wauser.WebhookRequest{URL: rc.URL, EventTypes: []string{"call.*"}})
		require.NoError(t, err)
		got := newCollector()
		var calls []*wauser.CallData
		bot.OnCall(func(_ context.Context, e wauser.Event, c *wauser.CallData) {
			calls = append(calls, c)
			got.add(e)
		})
		ann := types.NewJID("15550001111", types.DefaultUserServer)

		// Rang out unanswered: missed.
		first := botConn.OfferCall(ann, true)
		botConn.EndCall(first, "timeout")
		// Answered on the phone, then hung up: ended.
		second := botConn.OfferCall(ann, false)
		botConn.AcceptCall(second)
		botConn.EndCall(second, "")
		// The caller gave up before anyone answered: missed too.
		third := botConn.OfferCall(ann, false)
		botConn.EndCall(third, "")

		evs := got.wait(t, 7)
		var typs []wauser.EventType
		for _, e := range evs {
			typs = append(typs, e.Type)
		}
		require.Equal(t, []wauser.EventType{
			wauser.EventCallOffer, wauser.EventCallMissed,
			wauser.EventCallOffer, wauser.EventCallAccepted, wauser.EventCallEnded,
			wauser.EventCallOffer, wauser.EventCallMissed,
		}, typs)
		require.Equal(t, &wauser.CallData{CallID: first, From: ann.String(), Creator: ann.String(), Media: "video", At: epoch}, calls[0])
		require.Equal(t, "timeout", calls[1].Reason)
		require.Equal(t, "audio", calls[2].Media)
		reqs := rc.waitUntil(t, func(r []received) bool { return len(r) >= 7 })
		require.Equal(t, "call.offer", reqs[0].Env.Type)

		// whatsmeow's CallAccept (a call the account's devices took part
		// in) counts as answered too.
		fifth := botConn.OfferCall(ann, false)
		require.True(t, botConn.Emit(&events.CallAccept{BasicCallMeta: types.BasicCallMeta{From: ann, CallCreator: ann, CallID: fifth, Timestamp: epoch}}))
		botConn.EndCall(fifth, "")
		evs = got.wait(t, 10)
		require.Equal(t, []wauser.EventType{wauser.EventCallOffer, wauser.EventCallAccepted, wauser.EventCallEnded},
			[]wauser.EventType{evs[7].Type, evs[8].Type, evs[9].Type})

		// Declining a call.
		fourth := botConn.OfferCall(ann, false)
		require.NoError(t, bot.RejectCall(ctx, ann.String(), fourth))
		require.Len(t, botConn.RejectedCalls(), 1)
		require.Equal(t, fourth, botConn.RejectedCalls()[0].CallID)
		require.ErrorIs(t, bot.RejectCall(ctx, ann.String(), ""), wauser.ErrInvalidArgument)
	})
}

func TestWithCallRejection(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db, wauser.WithCallRejection(wauser.CallRejection{Reply: "I can't take calls; please write."}))
		h.fake.SetClock(h.clock)
		ctx := ctxTimeout(t)
		_, botConn := pair(t, h, "bot")
		ann := h.fake.AddPeer("+15550001111", "Ann")
		id := botConn.OfferCall(ann.JID(), false)
		require.NoError(t, botConn.WaitCalls(ctx, "RejectCall", 1))
		require.Equal(t, id, botConn.RejectedCalls()[0].CallID)
		sent, err := botConn.WaitSent(ctx, 1)
		require.NoError(t, err)
		require.Equal(t, ann.JID(), sent[0].To)
		require.Contains(t, sent[0].Message.String(), "I can't take calls")

		_, err = wauser.New(db.Open(t), wauser.WithCallRejection(wauser.CallRejection{MaxAge: -time.Second}))
		require.ErrorIs(t, err, wauser.ErrInvalidArgument)
	})
}
