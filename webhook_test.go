package wauser_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

func TestWebhookRegistry(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := ctxTimeout(t)
		clock := watest.NewClock(epoch)
		c := webhookClient(t, db, clock)
		acc, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "sales", Webhooks: []wauser.WebhookRequest{
			{URL: "https://hooks.example.com/initial", ChatTypes: []string{"group"}},
		}})
		require.NoError(t, err)
		clock.Advance(time.Second)
		require.Len(t, acc.Webhooks, 1, "initial webhooks are registered and returned with their secret")
		require.True(t, strings.HasPrefix(acc.Webhooks[0].Secret, "whsec_"))

		created, err := c.CreateWebhook(ctx, wauser.WebhookRequest{
			URL:          "https://hooks.example.com/a#frag",
			Headers:      map[string]string{"Authorization": "Bearer x"},
			EventTypes:   []string{"message.*", "account.connected"},
			ChatIDs:      []string{"120363025246125486@g.us"},
			Mentions:     []string{"me", "15550001111@s.whatsapp.net"},
			MessageTypes: []string{"text", "image"},
		})
		require.NoError(t, err)
		require.Equal(t, "https://hooks.example.com/a", created.URL, "the fragment is dropped")
		require.True(t, strings.HasPrefix(created.Secret, "whsec_"))
		require.Equal(t, wauser.AccountID("sales"), created.AccountID)

		list, err := c.ListWebhooks(ctx)
		require.NoError(t, err)
		require.Len(t, list, 2)
		require.Equal(t, acc.Webhooks[0].ID, list[0].ID, "oldest first")
		for _, w := range list {
			require.Empty(t, w.Secret, "the secret is shown once")
		}
		got, err := c.GetWebhook(ctx, created.ID)
		require.NoError(t, err)
		require.Equal(t, []string{"message.*", "account.connected"}, got.EventTypes)
		require.Equal(t, map[string]string{"Authorization": "Bearer x"}, got.Headers)
		byURL, err := c.GetWebhookByURL(ctx, "https://hooks.example.com/a")
		require.NoError(t, err)
		require.Equal(t, created.ID, byURL.ID)

		_, err = c.CreateWebhook(ctx, wauser.WebhookRequest{URL: "https://hooks.example.com/a"})
		require.ErrorIs(t, err, wauser.ErrWebhookExists)

		upd, err := c.UpdateWebhook(ctx, created.ID, wauser.WebhookRequest{URL: "https://hooks.example.com/b", SettingsTypes: []string{"system"}})
		require.NoError(t, err)
		require.Equal(t, []string{"*"}, upd.EventTypes)
		require.Equal(t, []string{"system"}, upd.SettingsTypes)
		require.Empty(t, upd.ChatIDs)
		_, err = c.UpdateWebhook(ctx, created.ID, wauser.WebhookRequest{URL: "https://hooks.example.com/initial"})
		require.ErrorIs(t, err, wauser.ErrWebhookExists)
		_, err = c.UpdateWebhook(ctx, "wh_missing", wauser.WebhookRequest{URL: "https://hooks.example.com/c"})
		require.ErrorIs(t, err, wauser.ErrNotFound)

		for name, req := range map[string]wauser.WebhookRequest{
			"url":            {URL: "ftp://hooks.example.com"},
			"relative":       {URL: "/hook"},
			"credentials":    {URL: "https://u:p@hooks.example.com"},
			"chat_types":     {URL: "https://x.example.com", ChatTypes: []string{"channels"}},
			"settings_types": {URL: "https://x.example.com", SettingsTypes: []string{"calls"}},
			"event_types":    {URL: "https://x.example.com", EventTypes: []string{"message.nope"}},
			"message_types":  {URL: "https://x.example.com", MessageTypes: []string{"gif"}},
			"chat_ids":       {URL: "https://x.example.com", ChatIDs: []string{"12345"}},
			"mentions":       {URL: "https://x.example.com", Mentions: []string{"you"}},
			"headers":        {URL: "https://x.example.com", Headers: map[string]string{"webhook-signature": "forged"}},
			"header value":   {URL: "https://x.example.com", Headers: map[string]string{"X-A": "a\r\nX-B: b"}},
		} {
			_, err := c.CreateWebhook(ctx, req)
			require.ErrorIs(t, err, wauser.ErrInvalidArgument, name)
		}

		require.NoError(t, c.DeleteWebhook(ctx, created.ID))
		_, err = c.GetWebhook(ctx, created.ID)
		require.ErrorIs(t, err, wauser.ErrNotFound)
		require.ErrorIs(t, c.DeleteWebhook(ctx, created.ID), wauser.ErrNotFound)

		_, err = c.CreateWebhook(ctx, wauser.WebhookRequest{URL: "https://hooks.example.com/z"})
		require.NoError(t, err)
		n, err := c.DeleteAllWebhooks(ctx)
		require.NoError(t, err)
		require.Equal(t, 2, n)
		list, err = c.ListWebhooks(ctx)
		require.NoError(t, err)
		require.Empty(t, list)
		require.NotNil(t, list)
	})
}

func TestWebhookPrivateTargets(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := ctxTimeout(t)
		fake := watest.New()
		strict, err := wauser.New(db.Open(t), fake.Option())
		require.NoError(t, err)
		require.NoError(t, strict.Start(ctx))
		t.Cleanup(func() { _ = strict.Close() })

		_, err = strict.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "a", Webhooks: []wauser.WebhookRequest{{URL: "http://10.0.0.7/hook"}}})
		require.ErrorIs(t, err, wauser.ErrPrivateTarget, "CreateAccount's webhooks take the same path")
		require.ErrorContains(t, err, "webhooks[0].url")
		_, err = strict.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "a"})
		require.NoError(t, err, "the refused create wrote nothing")

		for _, host := range []string{
			"127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]",
			// Other spellings of 127.0.0.1 that resolvers and browsers accept.
			"127.1", "2130706433", "0177.0.0.1", "127.0.0.1.", "0x7f.1", "0x7f000001",
			"10.1.2.3", "172.16.0.1", "192.168.1.1", "[fd00::1]", "100.64.0.1", "012.1",
			"169.254.169.254", "[fe80::1]", "0.0.0.0", "[::]", "0",
		} {
			_, err := strict.CreateWebhook(ctx, wauser.WebhookRequest{URL: "http://" + host + ":8080/hook"})
			require.ErrorIs(t, err, wauser.ErrPrivateTarget, host)
			require.ErrorIs(t, err, wauser.ErrInvalidArgument, host)
			require.ErrorContains(t, err, "is not a public address", host)
			require.ErrorContains(t, err, "WithPrivateWebhookTargets", "the error says how to allow it")
		}
		_, err = strict.CreateWebhook(ctx, wauser.WebhookRequest{URL: "https://93.184.215.14/hook"})
		require.NoError(t, err, "a public address is fine")

		// Allowed with the option.
		rc := newReceiver(t)
		loose := webhookClient(t, db, nil)
		hook, err := loose.WithAccount("a").CreateWebhook(ctx, wauser.WebhookRequest{URL: strings.Replace(rc.URL, "127.0.0.1", "localhost", 1)})
		require.NoError(t, err)
		require.NoError(t, loose.Close())

		// The address is checked again at dial time, after DNS: the strict
		// client refuses to deliver to the webhook that the loose one
		// registered for "localhost" (as after a DNS rebinding).
		insertEvents(t, strict, messageEvent("a", "message.received", "15550001111@s.whatsapp.net", "text", 1, nil))
		var ds []*wauser.WebhookDelivery
		require.Eventually(t, func() bool {
			ds, err = strict.WithAccount("a").ListWebhookDeliveries(ctx, hook.ID, wauser.ListWebhookDeliveriesOptions{})
			return err == nil && len(ds) == 1 && ds[0].State == wauser.DeliveryFailed
		}, 10*time.Second, 5*time.Millisecond)
		require.Contains(t, ds[0].Error, `"localhost" is not a public address`)
		require.Equal(t, 1, ds[0].Attempts)
		require.Empty(t, rc.requests(), "nothing reached the private address")
	})
}

// Acceptance 1: every delivery verifies with the Standard Webhooks
// reference library (and with VerifyWebhook and X-Hub-Signature-256), on
// the real clock so that its timestamp tolerance applies; secret rotation
// keeps both secrets valid during the overlap.
func TestWebhookSignedDeliveries(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	ctx := ctxTimeout(t)
	rc := newReceiver(t)
	c := webhookClient(t, db, nil)
	_, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "sales"})
	require.NoError(t, err)
	hook, err := c.CreateWebhook(ctx, wauser.WebhookRequest{URL: rc.URL + "/hook", Headers: map[string]string{"X-Tenant": "t1"}})
	require.NoError(t, err)

	insertEvents(t, c,
		messageEvent("sales", "message.received", "15550001111@s.whatsapp.net", "text", 1, nil),
		messageEvent("sales", "message.received", "120363025246125486@g.us", "image", 2, nil),
	)
	reqs := rc.waitUntil(t, func(r []received) bool { return len(r) == 2 })

	verify := func(r received, secret string) error {
		wh, err := standardwebhooks.NewWebhook(secret)
		require.NoError(t, err)
		return wh.Verify(r.Body, r.Header) // checks the timestamp too
	}
	hub := func(secret string, body []byte) string {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		return "sha256=" + hex.EncodeToString(m.Sum(nil))
	}
	for _, r := range reqs {
		require.NoError(t, verify(r, hook.Secret), "the reference implementation accepts the delivery")
		require.NoError(t, wauser.VerifyWebhook(r.Header, r.Body, hook.Secret, 0))
		require.Equal(t, hub(hook.Secret, r.Body), r.Header.Get("X-Hub-Signature-256"))
		require.Equal(t, r.Env.ID, r.Header.Get("webhook-id"), "webhook-id is the event id")
		require.Equal(t, "t1", r.Header.Get("X-Tenant"))
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
		require.Equal(t, "sales", r.Env.AccountID)
		require.Equal(t, "message.received", r.Env.Type)
		require.JSONEq(t, `"received"`, string(jsonField(t, r.Env.Data, "status")))
		require.Error(t, verify(r, "whsec_"+strings.Repeat("A", 43)+"="), "another secret does not verify")
	}
	require.ElementsMatch(t, []int64{1, 2}, []int64{reqs[0].Env.Seq, reqs[1].Env.Seq})

	// Rotation with an overlap: deliveries carry both signatures.
	rotated, err := c.RotateWebhookSecret(ctx, hook.ID, time.Hour)
	require.NoError(t, err)
	require.NotEqual(t, hook.Secret, rotated.Secret)
	require.False(t, rotated.PreviousSecretExpiresAt.IsZero())
	insertEvents(t, c, messageEvent("sales", "message.received", "15550001111@s.whatsapp.net", "text", 3, nil))
	r := rc.waitUntil(t, func(r []received) bool { return len(r) == 3 })[2]
	require.NoError(t, verify(r, rotated.Secret), "the new secret verifies")
	require.NoError(t, verify(r, hook.Secret), "the old secret still verifies during the overlap")
	require.Len(t, strings.Fields(r.Header.Get("webhook-signature")), 2)
	require.Equal(t, []string{hub(rotated.Secret, r.Body)}, r.Header.Values("X-Hub-Signature-256"),
		"one X-Hub-Signature-256, by the new secret")

	// Rotation without overlap: only the new secret signs.
	again, err := c.RotateWebhookSecret(ctx, hook.ID, 0)
	require.NoError(t, err)
	insertEvents(t, c, messageEvent("sales", "message.received", "15550001111@s.whatsapp.net", "text", 4, nil))
	r = rc.waitUntil(t, func(r []received) bool { return len(r) == 4 })[3]
	require.NoError(t, verify(r, again.Secret))
	require.Error(t, verify(r, rotated.Secret))
	require.Len(t, strings.Fields(r.Header.Get("webhook-signature")), 1)
}

// A receiver built the GitHub way reads one X-Hub-Signature-256 and checks
// one HMAC, by the secret it knows. During a rotation's overlap it accepts
// every delivery once it has the new secret, while receivers of the
// Standard Webhooks headers accept them with either secret.
func TestWebhookRotationGitHubStyleReceiver(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	ctx := ctxTimeout(t)
	var secret atomic.Value // what the receiver checks with
	rc := newReceiver(t)
	rc.setAnswer(func(_ int, r *http.Request) (int, map[string]string) {
		body, _ := io.ReadAll(r.Body)
		sigs := r.Header.Values("X-Hub-Signature-256")
		if len(sigs) != 1 {
			return http.StatusBadRequest, nil // "one header" receivers refuse several
		}
		m := hmac.New(sha256.New, []byte(secret.Load().(string)))
		m.Write(body)
		if !hmac.Equal([]byte(sigs[0]), []byte("sha256="+hex.EncodeToString(m.Sum(nil)))) {
			return http.StatusUnauthorized, nil
		}
		return http.StatusOK, nil
	})
	c := webhookClient(t, db, nil)
	_, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "a"})
	require.NoError(t, err)
	hook, err := c.CreateWebhook(ctx, wauser.WebhookRequest{URL: rc.URL})
	require.NoError(t, err)
	secret.Store(hook.Secret)
	insertEvents(t, c, messageEvent("a", "message.received", "15550001111@s.whatsapp.net", "text", 1, nil))
	rc.waitUntil(t, func(r []received) bool { return len(r) == 1 })

	rotated, err := c.RotateWebhookSecret(ctx, hook.ID, time.Hour)
	require.NoError(t, err)
	secret.Store(rotated.Secret) // the receiver switches to the new secret at once
	for seq := 2; seq <= 4; seq++ {
		insertEvents(t, c, messageEvent("a", "message.received", "15550001111@s.whatsapp.net", "text", seq, nil))
	}
	reqs := rc.waitUntil(t, func(r []received) bool { return len(r) == 4 })
	for _, r := range reqs {
		require.Equal(t, http.StatusOK, r.Status, "the GitHub-style receiver accepts delivery %d", r.N)
	}
	for _, r := range reqs[1:] {
		for _, s := range []string{hook.Secret, rotated.Secret} {
			wh, err := standardwebhooks.NewWebhook(s)
			require.NoError(t, err)
			require.NoError(t, wh.Verify(r.Body, r.Header), "during the overlap either secret verifies webhook-signature")
		}
	}
	require.Eventually(t, func() bool {
		ds, err := c.ListWebhookDeliveries(ctx, hook.ID, wauser.ListWebhookDeliveriesOptions{State: wauser.DeliveryDelivered})
		return err == nil && len(ds) == 4
	}, 10*time.Second, 5*time.Millisecond, "every delivery is recorded delivered")
}

// The overlap window ends on the Client's clock.
func TestWebhookRotationOverlapExpires(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	ctx := ctxTimeout(t)
	clock := watest.NewClock(epoch)
	rc := newReceiver(t)
	c := webhookClient(t, db, clock)
	_, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "a"})
	require.NoError(t, err)
	hook, err := c.CreateWebhook(ctx, wauser.WebhookRequest{URL: rc.URL})
	require.NoError(t, err)
	rotated, err := c.RotateWebhookSecret(ctx, hook.ID, time.Minute)
	require.NoError(t, err)
	require.Equal(t, epoch.Add(time.Minute), rotated.PreviousSecretExpiresAt)
	clock.Advance(2 * time.Minute)
	got, err := c.GetWebhook(ctx, hook.ID)
	require.NoError(t, err)
	require.True(t, got.PreviousSecretExpiresAt.IsZero())

	insertEvents(t, c, messageEvent("a", "message.received", "15550001111@s.whatsapp.net", "text", 1, nil))
	r := rc.waitUntil(t, func(r []received) bool { return len(r) == 1 })[0]
	require.Equal(t, strconv.FormatInt(epoch.Add(2*time.Minute).Unix(), 10), r.Header.Get("webhook-timestamp"))
	wh, err := standardwebhooks.NewWebhook(rotated.Secret)
	require.NoError(t, err)
	require.NoError(t, wh.VerifyIgnoringTimestamp(r.Body, r.Header))
	old, err := standardwebhooks.NewWebhook(hook.Secret)
	require.NoError(t, err)
	require.Error(t, old.VerifyIgnoringTimestamp(r.Body, r.Header), "the old secret expired with the overlap")
	require.NoError(t, wauser.VerifyWebhook(r.Header, r.Body, rotated.Secret, -1))
	require.ErrorIs(t, wauser.VerifyWebhook(r.Header, r.Body, rotated.Secret, time.Minute), wauser.ErrSignatureExpired,
		"the clock of this test is not the real one")
}

// Acceptance 2: a receiver that fails its first attempts, then is healthy;
// the Client is closed mid-backlog and a new one on the same database
// finishes. Every event arrives, in order per conversation.
func TestWebhookRetriesOrderAndRestart(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := ctxTimeout(t)
		clock := watest.NewClock(epoch)
		rc := newReceiver(t)
		opts := wauser.WithWebhookDelivery(wauser.WebhookDeliveryOptions{Workers: 4, MinBackoff: time.Second, MaxBackoff: 4 * time.Second})
		c1 := webhookClient(t, db, clock, opts)
		_, err := c1.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "acc"})
		require.NoError(t, err)
		hook, err := c1.CreateWebhook(ctx, wauser.WebhookRequest{URL: rc.URL})
		require.NoError(t, err)

		// The first 3 attempts fail (one asks for 7 s with Retry-After);
		// then attempts succeed until 12 events are in, and the next one
		// hangs until the client gives up on it.
		const failures, beforeClose = 3, 12
		hang := make(chan struct{})
		rc.setAnswer(func(n int, r *http.Request) (int, map[string]string) {
			switch {
			case n == 1:
				return http.StatusTooManyRequests, map[string]string{"Retry-After": "7"}
			case n < failures:
				return http.StatusServiceUnavailable, nil
			case n == failures+beforeClose:
				close(hang)
				<-r.Context().Done()
				return http.StatusOK, nil
			}
			return http.StatusOK, nil
		})

		chats := []string{"15550001111@s.whatsapp.net", "120363025246125486@g.us", "15550002222@s.whatsapp.net"}
		var all []*store.Event
		for i := range 30 {
			all = append(all, messageEvent("acc", "message.received", chats[i%3], "text", i, nil))
		}
		insertEvents(t, c1, all[:20]...)
		insertEvents(t, c1, all[20:]...)

		driveUntil(t, rc, clock, 4*time.Second, func() bool {
			select {
			case <-hang:
				return true
			default:
				return false
			}
		})
		require.NoError(t, c1.Close(), "close mid-backlog, with a request in flight")
		require.GreaterOrEqual(t, len(rc.delivered()), beforeClose)
		require.Less(t, len(uniqueIDs(rc.delivered())), len(all), "the backlog is not done")

		rc.setAnswer(nil)
		c2 := webhookClient(t, db, clock, opts)
		driveUntil(t, rc, clock, 4*time.Second, func() bool { return len(uniqueIDs(rc.delivered())) == len(all) })

		want := map[string]bool{}
		for _, e := range all {
			want[e.ID] = true
		}
		got := rc.delivered()
		require.Equal(t, want, uniqueIDs(got), "every event arrived")
		// Order per conversation: ignoring repeats (at-least-once), each
		// conversation's events arrive in seq order.
		seen := map[string]bool{}
		last := map[string]int64{}
		for _, e := range got {
			if seen[e.ID] {
				continue
			}
			seen[e.ID] = true
			conv := string(jsonField(t, e.Data, "conversation_id"))
			require.Greater(t, e.Seq, last[conv], "event %s out of order in %s", e.ID, conv)
			last[conv] = e.Seq
		}

		// The log has every delivery delivered, and the failed attempts.
		var ds []*wauser.WebhookDelivery
		require.Eventually(t, func() bool {
			ds, err = c2.WithAccount("acc").ListWebhookDeliveries(ctx, hook.ID, wauser.ListWebhookDeliveriesOptions{State: wauser.DeliveryDelivered})
			return err == nil && len(ds) == len(all)
		}, 10*time.Second, 5*time.Millisecond, "results are recorded")
		var retried int
		for _, d := range ds {
			require.Equal(t, wauser.DeliveryDelivered, d.State, d.ID)
			require.Equal(t, http.StatusOK, d.StatusCode)
			require.False(t, d.DeliveredAt.IsZero())
			if d.Attempts > 1 {
				retried++
			}
		}
		require.Positive(t, retried, "the failed attempts are counted")
		// Counting failed attempts too, no conversation ever went back to an
		// earlier event: a failing event blocks its conversation until it is
		// delivered.
		// Arrival 1 was answered 429 (concurrent requests may finish in
		// another order than they arrived).
		i := slices.IndexFunc(rc.requests(), func(r received) bool { return r.N == 1 })
		require.GreaterOrEqual(t, i, 0)
		require.Equal(t, http.StatusTooManyRequests, rc.requests()[i].Status)
		high := map[string]int64{}
		for _, r := range rc.requests() {
			conv := jsonString(t, r.Env.Data, "conversation_id")
			require.GreaterOrEqual(t, r.Env.Seq, high[conv], "conversation %s went back", conv)
			high[conv] = r.Env.Seq
		}
	})
}

func uniqueIDs(evs []envelope) map[string]bool {
	out := map[string]bool{}
	for _, e := range evs {
		out[e.ID] = true
	}
	return out
}

// Retry-After is honoured, 4xx is final, and after the horizon a delivery
// is dead; replay sends failed and dead deliveries again.
func TestWebhookRetryAfterDeadLetterAndReplay(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := ctxTimeout(t)
		clock := watest.NewClock(epoch)
		rc := newReceiver(t)
		c := webhookClient(t, db, clock, wauser.WithWebhookDelivery(wauser.WebhookDeliveryOptions{
			MinBackoff: 10 * time.Second, MaxBackoff: time.Minute, Horizon: 5 * time.Minute,
		}))
		_, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "a"})
		require.NoError(t, err)
		hook, err := c.CreateWebhook(ctx, wauser.WebhookRequest{URL: rc.URL})
		require.NoError(t, err)
		list := func(state wauser.DeliveryState) []*wauser.WebhookDelivery {
			ds, err := c.ListWebhookDeliveries(ctx, hook.ID, wauser.ListWebhookDeliveriesOptions{State: state})
			require.NoError(t, err)
			return ds
		}

		// 429 with Retry-After: the next attempt is scheduled when asked.
		rc.setAnswer(func(int, *http.Request) (int, map[string]string) {
			return http.StatusTooManyRequests, map[string]string{"Retry-After": "90"}
		})
		insertEvents(t, c, messageEvent("a", "message.received", "15550001111@s.whatsapp.net", "text", 1, nil))
		require.NoError(t, clock.WaitTimers(ctx, 1))
		ds := list(wauser.DeliveryPending)
		require.Len(t, ds, 1)
		require.Equal(t, epoch.Add(90*time.Second), ds[0].NextAttemptAt)
		require.Equal(t, http.StatusTooManyRequests, ds[0].StatusCode)
		require.Equal(t, []time.Duration{90 * time.Second}, clock.Pending())

		// 500s until the horizon: dead.
		rc.setAnswer(func(int, *http.Request) (int, map[string]string) { return http.StatusInternalServerError, nil })
		driveUntil(t, rc, clock, time.Minute, func() bool { return len(list(wauser.DeliveryDead)) == 1 })
		dead := list(wauser.DeliveryDead)[0]
		require.Equal(t, http.StatusInternalServerError, dead.StatusCode)
		require.Contains(t, dead.Error, "giving up")
		require.Greater(t, dead.Attempts, 3)
		attempts := len(rc.requests())

		// A 4xx is final at once.
		rc.setAnswer(func(int, *http.Request) (int, map[string]string) { return http.StatusGone, nil })
		insertEvents(t, c, messageEvent("a", "message.received", "120363025246125486@g.us", "text", 2, nil))
		rc.waitUntil(t, func(r []received) bool { return len(r) == attempts+1 })
		require.Eventually(t, func() bool { return len(list(wauser.DeliveryFailed)) == 1 }, 10*time.Second, 5*time.Millisecond)
		require.Equal(t, "HTTP 410 Gone", list(wauser.DeliveryFailed)[0].Error)

		// Replay both once the endpoint is healthy.
		rc.setAnswer(nil)
		n, err := c.ReplayWebhookDeliveries(ctx, hook.ID)
		require.NoError(t, err)
		require.Equal(t, 2, n)
		rc.waitUntil(t, func(r []received) bool { return len(r) == attempts+3 })
		require.Eventually(t, func() bool { return len(list(wauser.DeliveryDelivered)) == 2 }, 10*time.Second, 5*time.Millisecond)
		n, err = c.ReplayWebhookDeliveries(ctx, hook.ID)
		require.NoError(t, err)
		require.Zero(t, n, "delivered deliveries are not replayed")
		got, err := c.GetWebhookDelivery(ctx, dead.ID)
		require.NoError(t, err)
		require.Equal(t, wauser.DeliveryDelivered, got.State)
		require.Equal(t, dead.Attempts+1, got.Attempts)
	})
}

func TestPingWebhookOnlyNamedEndpoint(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := ctxTimeout(t)
		one, two := newReceiver(t), newReceiver(t)
		two.setAnswer(func(int, *http.Request) (int, map[string]string) { return http.StatusForbidden, nil })
		c := webhookClient(t, db, watest.NewClock(epoch))
		_, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "a"})
		require.NoError(t, err)
		h1, err := c.CreateWebhook(ctx, wauser.WebhookRequest{URL: one.URL})
		require.NoError(t, err)
		h2, err := c.CreateWebhook(ctx, wauser.WebhookRequest{URL: two.URL})
		require.NoError(t, err)

		d, err := c.PingWebhook(ctx, h1.ID)
		require.NoError(t, err)
		require.Equal(t, wauser.DeliveryDelivered, d.State)
		require.Equal(t, wauser.EventWebhookPing, d.EventType)
		require.Len(t, one.requests(), 1)
		require.Empty(t, two.requests(), "the ping went to the named endpoint only")
		r := one.requests()[0]
		require.Equal(t, "webhook.ping", r.Env.Type)
		require.JSONEq(t, `"`+string(h1.ID)+`"`, string(jsonField(t, r.Env.Data, "webhook_id")))
		require.NoError(t, wauser.VerifyWebhook(r.Header, r.Body, h1.Secret, -1))

		d2, err := c.PingWebhook(ctx, h2.ID)
		require.NoError(t, err)
		require.Equal(t, wauser.DeliveryFailed, d2.State)
		require.Equal(t, http.StatusForbidden, d2.StatusCode)
		log, err := c.ListWebhookDeliveries(ctx, h2.ID, wauser.ListWebhookDeliveriesOptions{})
		require.NoError(t, err)
		require.Len(t, log, 1, "the ping is in the endpoint's delivery log")
		require.Equal(t, d2.ID, log[0].ID)
		_, err = c.PingWebhook(ctx, "wh_missing")
		require.ErrorIs(t, err, wauser.ErrNotFound)
	})
}

// Filters and only_status_updates are applied when events fan out (the
// full table is in internal/deliver).
func TestWebhookFanoutFilters(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := ctxTimeout(t)
		groups, texts, all, status := newReceiver(t), newReceiver(t), newReceiver(t), newReceiver(t)
		c := webhookClient(t, db, watest.NewClock(epoch))
		_, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "a", Webhooks: []wauser.WebhookRequest{
			{URL: groups.URL, ChatTypes: []string{"group"}},
			{URL: texts.URL, MessageTypes: []string{"text"}, EventTypes: []string{"message.received"}},
			{URL: all.URL},
		}})
		require.NoError(t, err)
		_, err = c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "b", OnlyStatusUpdates: true, Webhooks: []wauser.WebhookRequest{{URL: status.URL}}})
		require.NoError(t, err)

		insertEvents(t, c,
			messageEvent("a", "message.received", "120363025246125486@g.us", "image", 1, nil),
			messageEvent("a", "message.received", "15550001111@s.whatsapp.net", "text", 2, nil),
			messageEvent("a", "message.status", "15550001111@s.whatsapp.net", "text", 3, nil),
		)
		outgoing := func(m map[string]any) { m["direction"], m["is_from_me"], m["status"] = "outgoing", true, "delivered" }
		insertEvents(t, c,
			messageEvent("b", "message.received", "15550001111@s.whatsapp.net", "text", 1, nil),
			messageEvent("b", "message.status", "15550001111@s.whatsapp.net", "text", 2, outgoing),
		)
		all.waitUntil(t, func(r []received) bool { return len(r) == 3 })
		status.waitUntil(t, func(r []received) bool { return len(r) == 1 })
		groups.waitUntil(t, func(r []received) bool { return len(r) == 1 })
		texts.waitUntil(t, func(r []received) bool { return len(r) == 1 })

		// The catch-all endpoint got every event, so the fan-out of the batch
		// (one transaction) is done: the filtered endpoints have exactly the
		// deliveries the filters let through.
		for _, url := range []string{groups.URL, texts.URL} {
			a := c.WithAccount("a")
			ds, err := a.ListWebhookDeliveries(ctx, mustHook(t, a, url), wauser.ListWebhookDeliveriesOptions{})
			require.NoError(t, err)
			require.Len(t, ds, 1, url)
		}
		b := c.WithAccount("b")
		ds, err := b.ListWebhookDeliveries(ctx, mustHook(t, b, status.URL), wauser.ListWebhookDeliveriesOptions{})
		require.NoError(t, err)
		require.Len(t, ds, 1)
		require.Len(t, groups.requests(), 1)
		require.Equal(t, "120363025246125486@g.us", jsonString(t, groups.requests()[0].Env.Data, "chat_jid"))
		require.Len(t, texts.requests(), 1)
		require.Equal(t, "message.received", texts.requests()[0].Env.Type)
		require.Equal(t, "message.status", status.requests()[0].Env.Type, "only_status_updates keeps status updates only")
		require.Equal(t, "b", status.requests()[0].Env.AccountID)
	})
}

func mustHook(t *testing.T, c *wauser.Client, url string) wauser.WebhookID {
	t.Helper()
	h, err := c.GetWebhookByURL(ctxTimeout(t), url)
	require.NoError(t, err)
	return h.ID
}

func jsonField(t *testing.T, data []byte, key string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &m))
	return m[key]
}

func jsonString(t *testing.T, data []byte, key string) string {
	t.Helper()
	var s string
	require.NoError(t, json.Unmarshal(jsonField(t, data, key), &s))
	return s
}

func TestVerifyWebhookRejects(t *testing.T) {
	t.Parallel()
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	wh, err := standardwebhooks.NewWebhook(secret)
	require.NoError(t, err)
	body := []byte(`{"id":"evt_1"}`)
	now := time.Now()
	sig, err := wh.Sign("evt_1", now, body)
	require.NoError(t, err)
	good := http.Header{}
	good.Set("webhook-id", "evt_1")
	good.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	good.Set("webhook-signature", "v1,bogus "+sig)
	require.NoError(t, wauser.VerifyWebhook(good, body, secret, 0), "signed by the reference library, one of two signatures")

	for name, mut := range map[string]func(h http.Header) []byte{
		"body changed": func(http.Header) []byte { return []byte(`{"id":"evt_2"}`) },
		"id changed":   func(h http.Header) []byte { h.Set("webhook-id", "evt_2"); return body },
		"no signature": func(h http.Header) []byte { h.Del("webhook-signature"); return body },
		"v2 only": func(h http.Header) []byte {
			h.Set("webhook-signature", strings.Replace(sig, "v1,", "v2,", 1))
			return body
		},
		"bad timestamp": func(h http.Header) []byte { h.Set("webhook-timestamp", "soon"); return body },
		"timestamp edited": func(h http.Header) []byte {
			h.Set("webhook-timestamp", strconv.FormatInt(now.Unix()+1, 10))
			return body
		},
	} {
		h := good.Clone()
		b := mut(h)
		require.ErrorIs(t, wauser.VerifyWebhook(h, b, secret, 0), wauser.ErrInvalidSignature, name)
	}
	old := now.Add(-10 * time.Minute)
	sig, err = wh.Sign("evt_1", old, body)
	require.NoError(t, err)
	h := good.Clone()
	h.Set("webhook-timestamp", strconv.FormatInt(old.Unix(), 10))
	h.Set("webhook-signature", sig)
	require.ErrorIs(t, wauser.VerifyWebhook(h, body, secret, 0), wauser.ErrSignatureExpired)
	require.NoError(t, wauser.VerifyWebhook(h, body, secret, time.Hour))
	require.ErrorIs(t, wauser.VerifyWebhook(h, body, "not base64!", -1), wauser.ErrInvalidSignature)
}

func FuzzVerifyWebhook(f *testing.F) {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	for _, seed := range [][4]string{
		{"evt_1", "1700000000", "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=", `{"a":1}`},
		{"", "", "", ""},
		{"x", "-1", "v1, v1,,, v2,abc", "body"},
		{"x", "99999999999999999999", "v1,====", "{}"},
	} {
		f.Add(seed[0], seed[1], seed[2], []byte(seed[3]))
	}
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", sig)
		err := wauser.VerifyWebhook(h, body, secret, -1)
		if err == nil {
			// Only a real signature verifies: the reference library agrees.
			wh, _ := standardwebhooks.NewWebhook(secret)
			require.NoError(t, wh.VerifyIgnoringTimestamp(body, h))
			return
		}
		require.True(t, slices.ContainsFunc([]error{wauser.ErrInvalidSignature, wauser.ErrSignatureExpired}, func(e error) bool {
			return errors.Is(err, e)
		}), "unexpected error %v", err)
	})
}

// TestWebhookDisabled: a disabled endpoint is sent nothing written while it
// is disabled; enabling it again delivers what comes after.
func TestWebhookDisabled(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	ctx := ctxTimeout(t)
	rc := newReceiver(t)
	c := webhookClient(t, db, nil)
	_, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "sales"})
	require.NoError(t, err)
	off, err := c.CreateWebhook(ctx, wauser.WebhookRequest{URL: rc.URL + "/off", Disabled: true})
	require.NoError(t, err)
	require.False(t, off.Enabled)
	on, err := c.CreateWebhook(ctx, wauser.WebhookRequest{URL: rc.URL + "/on"})
	require.NoError(t, err)
	require.True(t, on.Enabled)

	insertEvents(t, c, messageEvent("sales", "message.received", "15550001111@s.whatsapp.net", "text", 1, nil))
	rc.waitUntil(t, func(r []received) bool { return len(r) == 1 })
	ds, err := c.ListWebhookDeliveries(ctx, off.ID, wauser.ListWebhookDeliveriesOptions{})
	require.NoError(t, err)
	require.Empty(t, ds, "nothing was queued for the disabled endpoint")

	got, err := c.UpdateWebhook(ctx, off.ID, wauser.WebhookRequest{URL: rc.URL + "/off"})
	require.NoError(t, err)
	require.True(t, got.Enabled, "an update without Disabled enables it")
	listed, err := c.GetWebhook(ctx, off.ID)
	require.NoError(t, err)
	require.True(t, listed.Enabled)
	insertEvents(t, c, messageEvent("sales", "message.received", "15550001111@s.whatsapp.net", "text", 2, nil))
	reqs := rc.waitUntil(t, func(r []received) bool { return len(r) == 3 })
	var paths []string
	for _, r := range reqs[1:] {
		require.Equal(t, int64(2), r.Env.Seq)
		paths = append(paths, r.Header.Get("webhook-id"))
	}
	require.Len(t, paths, 2, "both endpoints got the second event")
}
