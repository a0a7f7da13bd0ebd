package rest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
	"github.com/wauser/wauser/watest"
)

// consoleEnv is a demo server for the console's browser tests: the
// account "default" linked, and the demo's script played to its end, so
// that the console shows what a user of examples/server -demo sees.
type consoleEnv struct {
	*env
	demo      *watest.Demo
	demoClock *watest.Clock
	conn      *watest.Conn
}

func newConsoleEnv(t *testing.T) *consoleEnv {
	t.Helper()
	ce := &consoleEnv{demoClock: watest.NewClock(epoch)}
	link := func(_ context.Context, account wauser.AccountID) error { return ce.demo.Link(string(account)) }
	ce.env = newEnv(t, testdb.SQLite(t), rest.Options{PairPage: true, Demo: &rest.Demo{Link: link}})
	playing, stop := context.WithCancel(context.Background())
	ce.demo = watest.NewDemo(playing, ce.fake, ce.demoClock)
	ce.conn = ce.pair("default", ce.demo.Phone("default"))
	played := make(chan struct{})
	go func() {
		defer close(played)
		_ = ce.demo.Play(playing, ce.conn)
	}()
	t.Cleanup(func() { // before the env's cleanup closes the Fake
		stop()
		<-played
	})
	ctx := ce.ctx()
	for _, step := range watest.DemoSteps() {
		require.NoError(t, ce.demoClock.WaitTimers(ctx, 1))
		ce.demoClock.Advance(step.Wait)
	}
	require.NoError(t, ce.demoClock.Wait(ctx, func(p []time.Duration) bool {
		return len(p) == 1 && p[0] == watest.DemoChatter
	}), "the script ran to its end")
	return ce
}

// page drives one console tab.
type page struct {
	t   *testing.T
	ctx context.Context
}

func (p *page) run(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	require.NoError(p.t, chromedp.Do(p.ctx, actions...))
}

func (p *page) text(sel string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
	require.NoError(p.t, err, sel)
	return strings.TrimSpace(v)
}

// until waits for a JavaScript condition.
func (p *page) until(what, expr string) {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(15*time.Second)))
	require.NoError(p.t, err, "waiting for %s (%s)", what, expr)
}

func (p *page) eval(expr string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](expr))
	require.NoError(p.t, err, expr)
	return v
}

// contains is a JavaScript test that the text of the elements matching
// sel includes s.
func contains(sel, s string) string {
	return fmt.Sprintf(`[...document.querySelectorAll(%q)].some((e) => e.textContent.includes(%q))`, sel, s)
}

// openConsole opens the console in headless Chromium the way a user
// following the README does: with the admin credentials in the address
// (http://admin:password@host/pair), which the page must cope with.
func openConsole(t *testing.T, ce *consoleEnv) (*page, func() []chromedp.ConsoleMessage) {
	t.Helper()
	path := chromiumPath(t)
	tab := browser(t, path)
	messages := console(t, tab)
	ctx, cancel := context.WithTimeout(tab, 90*time.Second)
	t.Cleanup(cancel)
	u, err := url.Parse(ce.srv.URL + "/pair")
	require.NoError(t, err)
	u.User = url.UserPassword(adminUser, adminPassword)
	p := &page{t: t, ctx: ctx}
	p.run(
		chromedp.EmulateViewport(1100, 900),
		chromedp.Navigate(u.String()),
		chromedp.WaitVisible(chromedp.CSS(`#account-list button[data-account="default"]`)),
	)
	return p, messages
}

// noPageErrors fails on exceptions, console errors and content security
// policy violations (network entries are left out: the refused requests
// the test makes on purpose are logged as such).
func noPageErrors(t *testing.T, messages []chromedp.ConsoleMessage) {
	t.Helper()
	for _, m := range messages {
		if m.Source == "network" {
			continue
		}
		require.False(t, m.IsException(), "page exception: %s", m.Text)
		require.NotEqual(t, "error", string(m.Type), "console error: %s (%s)", m.Text, m.Source)
		require.NotContains(t, m.Text, "Content Security Policy")
	}
}

// TestConsoleAccountsInBrowser: opened with the credentials in its
// address, the console lists the demo's linked account, labels itself a
// demo, links a new account with the simulated phone, unlinks it after a
// confirmation, links it again in one click, and explains in words why linking fails when
// WhatsApp is unreachable, the same way in the status line and under the
// form. Screenshot: rest/testdata/console-accounts.png.
func TestConsoleAccountsInBrowser(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	ce := newConsoleEnv(t)
	p, messages := openConsole(t, ce)

	require.Equal(t, "Accounts · wauser console", p.eval(`document.title`))
	require.Contains(t, p.text("#demo-banner"), "WhatsApp is simulated on this server")
	require.Contains(t, p.text(`#account-list button[data-account="default"]`), "connected, +"+ce.demo.Phone("default").JID.User)

	// A new account, linked by the simulated phone.
	p.run(
		chromedp.SendKeys(chromedp.CSS("#new-id"), "second\n"),
		chromedp.WaitVisible(chromedp.CSS("#qr")),
		chromedp.WaitVisible(chromedp.CSS("#simulate")),
	)
	require.Contains(t, p.text("#status"), "Scan the QR code")
	p.run(chromedp.Click(chromedp.CSS("#simulate")), chromedp.WaitVisible(chromedp.CSS("#connected-as")))
	require.Equal(t, "+"+ce.demo.Phone("second").JID.User+" (Demo phone (second))", p.text("#connected-as"))
	p.until("the list shows it connected", contains(`#account-list button[data-account="second"]`, "connected, +"))
	st, err := ce.c.WithAccount("second").Status(ce.ctx())
	require.NoError(t, err)
	require.Equal(t, wauser.StateConnected, st.State)
	p.run(chromedp.Click(chromedp.CSS(`#account-list button[data-account="default"]`)),
		chromedp.WaitVisible(chromedp.CSS("#connected-as")))
	screenshot(t, p.ctx, "console-accounts.png")

	// Unlink, after saying so.
	p.run(chromedp.Click(chromedp.CSS(`#account-list button[data-account="second"]`)),
		chromedp.WaitVisible(chromedp.CSS("#unlink")),
		chromedp.Click(chromedp.CSS("#unlink")),
		chromedp.WaitVisible(chromedp.CSS("#unlink-yes")))
	st, err = ce.c.WithAccount("second").Status(ce.ctx())
	require.NoError(t, err)
	require.Equal(t, wauser.StateConnected, st.State, "nothing happens before the confirmation")
	p.run(chromedp.Click(chromedp.CSS("#unlink-yes")))
	p.until("the unlinked state", contains("#status", "unlinked from this server"))
	require.Equal(t, "Not linked. This account was unlinked from this server. Link it again to use it.", p.text("#status"))
	p.until("the list shows it", contains(`#account-list button[data-account="second"]`, "logged out"))

	// Linked again in one click: the simulated phone starts linking itself.
	p.run(chromedp.WaitVisible(chromedp.CSS("#simulate")), chromedp.Click(chromedp.CSS("#simulate")),
		chromedp.WaitVisible(chromedp.CSS("#connected-as")))
	p.until("the list shows it", contains(`#account-list button[data-account="second"]`, "connected, +"))
	p.run(chromedp.Click(chromedp.CSS("#unlink")), chromedp.Click(chromedp.CSS("#unlink-yes")))
	p.until("unlinked again", contains("#status", "unlinked from this server"))

	// WhatsApp unreachable: the reason, in words, in the status line and
	// under the phone form alike.
	ce.fake.SetOffline(true)
	p.run(chromedp.SendKeys(chromedp.CSS("#phone"), "+1 555 987 6543\n"))
	p.until("the error under the form", `document.getElementById("phone-error").textContent !== ""`)
	reason := "WhatsApp is unreachable from this server: it has no network route. Check its internet connection."
	require.Equal(t, reason, p.text("#phone-error"))
	p.until("the status line", contains("#status", reason))
	require.NotContains(t, p.text("#status"), "dial tcp", "no Go error chain")
	require.NotContains(t, p.eval(`document.body.innerText`), "failed to dial")
	noPageErrors(t, messages())
}

// TestConsoleConversationsInBrowser: the demo's conversations with their
// messages (a picture shown, a reaction, an edit, a deletion); a text sent
// from the console appears with its delivery and read receipts and the
// answer, live, without reloading; a picture sent appears; a bad number
// is refused with the reason in words. Screenshot:
// rest/testdata/console-conversations.png.
func TestConsoleConversationsInBrowser(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	ce := newConsoleEnv(t)
	p, messages := openConsole(t, ce)
	p.run(chromedp.Evaluate[chromedp.Void](`window.loadedOnce = "yes"; location.hash = "#conversations"`))
	p.until("the conversations", contains("#conv-list button", "Weekend hike"))
	require.Equal(t, "Conversations · wauser console", p.eval(`document.title`))
	for _, who := range []string{"Alice", "Bob", "Weekend hike"} {
		require.Equal(t, "true", p.eval(fmt.Sprintf(`String(%s)`, contains("#conv-list button", who))), who)
	}
	p.until("the live status", contains("#conv-status", "Live"))

	// Bob's picture is shown: the browser loaded it with the page's
	// credentials.
	p.run(chromedp.Click(`//ul[@id="conv-list"]//button[.//span[text()="Bob"]]`))
	p.until("the picture", `[...document.querySelectorAll("#messages img.picture")].some((i) => i.complete && i.naturalWidth === 320)`)
	require.Contains(t, p.text("#messages"), "The view from the top")

	// The group: a reaction and an edit.
	p.run(chromedp.Click(`//ul[@id="conv-list"]//button[.//span[text()="Weekend hike"]]`))
	p.until("the group's messages", contains("#messages", "Me! Leaving at 9."))
	require.Contains(t, p.text("#messages"), "👍")
	require.Contains(t, p.text("#messages"), "edited")
	require.Contains(t, p.text("#thread-title"), "Weekend hike")

	// Alice: her deleted message, then a conversation with her, live.
	p.run(chromedp.Click(`//ul[@id="conv-list"]//button[.//span[text()="Alice"]]`))
	p.until("Alice's messages", contains("#messages", "I answer everything"))
	require.Contains(t, p.text("#messages"), "This message was deleted.")
	require.Equal(t, "+"+ce.demo.Alice.JID().User, p.eval(`document.getElementById("send-to").value`), "the conversation fills in whom to send to")
	p.run(chromedp.SendKeys(chromedp.CSS("#send-text"), "Hello Alice"), chromedp.Click(`#send-form button[type="submit"]`))
	p.until("the sent message", contains("#messages li.mine", "Hello Alice"))
	p.until("its status", contains("#messages li.mine .delivery", "sent"))
	for _, want := range []string{"delivered", "read"} {
		require.NoError(t, ce.demoClock.Wait(ce.ctx(), func(p []time.Duration) bool { return len(p) == 2 }))
		ce.demoClock.Advance(time.Second)
		p.until("the "+want+" receipt, live", contains("#messages li.mine .delivery", want))
	}
	require.NoError(t, ce.demoClock.Wait(ce.ctx(), func(p []time.Duration) bool { return len(p) == 2 }))
	ce.demoClock.Advance(time.Second)
	p.until("Alice's answer, live", contains("#messages", `You said: "Hello Alice"`))
	screenshot(t, p.ctx, "console-conversations.png")

	// A picture.
	picture := filepath.Join(t.TempDir(), "hello.jpg")
	require.NoError(t, os.WriteFile(picture, watest.SampleJPEG(200, 120, 3), 0o600))
	p.run(chromedp.SetUploadFiles(chromedp.CSS("#send-image"), []string{picture}),
		chromedp.SendKeys(chromedp.CSS("#send-text"), "A picture"),
		chromedp.Click(`#send-form button[type="submit"]`))
	p.until("the sent picture", `[...document.querySelectorAll("#messages li.mine img.picture")].some((i) => i.complete && i.naturalWidth === 200)`)
	sent := ce.conn.Sent()
	require.NotNil(t, sent[len(sent)-1].Message.GetImageMessage(), "an image message went to WhatsApp")
	require.Equal(t, "A picture", sent[len(sent)-1].Message.GetImageMessage().GetCaption())

	// A bad number: the reason, the same in the status line and the form.
	p.run(chromedp.SetValue(chromedp.CSS("#send-to"), "12"),
		chromedp.SendKeys(chromedp.CSS("#send-text"), "to nobody"),
		chromedp.Click(`#send-form button[type="submit"]`))
	p.until("the refusal", `document.getElementById("send-error").textContent !== ""`)
	require.Contains(t, p.text("#send-error"), "Not sent.")
	require.Contains(t, p.text("#send-error"), "7 to 15 digits")
	require.Equal(t, p.text("#send-error"), p.text("#conv-status"), "the status line and the form agree")
	require.Equal(t, "yes", p.eval(`window.loadedOnce`), "all of it without reloading the page")
	noPageErrors(t, messages())
}

// TestConsoleWebhooksInBrowser: the account's webhook with its delivery
// log; a delivery the endpoint refused is replayed with a button and then
// delivered; a webhook is created (its secret shown once), a bad address
// refused in words, and one deleted. Screenshot:
// rest/testdata/console-webhooks.png.
func TestConsoleWebhooksInBrowser(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	var accept atomic.Bool
	var got atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		got.Add(1)
		if accept.Load() {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.WriteHeader(http.StatusGone)
	}))
	t.Cleanup(receiver.Close)
	ce := newConsoleEnv(t)
	ctx := ce.ctx()
	_, err := ce.c.WithAccount("default").CreateWebhook(ctx, wauser.WebhookRequest{URL: receiver.URL + "/hook", EventTypes: []string{"message.received"}})
	require.NoError(t, err)
	_, err = ce.demo.Alice.Direct(ce.conn).Text("for the webhook")
	require.NoError(t, err)
	hooks, err := ce.c.WithAccount("default").ListWebhooks(ctx)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		ds, err := ce.c.WithAccount("default").ListWebhookDeliveries(ctx, hooks[0].ID, wauser.ListWebhookDeliveriesOptions{})
		return err == nil && len(ds) == 1 && ds[0].State == wauser.DeliveryFailed
	}, 10*time.Second, 10*time.Millisecond, "the endpoint refused the delivery for good")

	p, messages := openConsole(t, ce)
	p.run(chromedp.Evaluate[chromedp.Void](`location.hash = "#webhooks"`))
	p.until("the webhook", contains("#hook-list", receiver.URL+"/hook"))
	require.Contains(t, p.text("#hook-list"), "Receives message.received.")
	p.run(chromedp.Click(`//ul[@id="hook-list"]//button[text()="Deliveries"]`))
	p.until("the delivery", contains("#deliveries tbody", "message.received"))
	require.Contains(t, p.text("#deliveries tbody"), "failed")
	require.Contains(t, p.text("#deliveries tbody"), "The endpoint answered 410 Gone.")

	accept.Store(true)
	p.run(chromedp.Click(`//table[@id="deliveries"]//button[text()="Replay"]`))
	p.until("the replay", contains("#hooks-status", "queued to be sent again"))
	require.Eventually(t, func() bool { return got.Load() == 2 }, 10*time.Second, 10*time.Millisecond, "sent again")
	require.Eventually(t, func() bool {
		ds, err := ce.c.WithAccount("default").ListWebhookDeliveries(ctx, hooks[0].ID, wauser.ListWebhookDeliveriesOptions{})
		return err == nil && ds[0].State == wauser.DeliveryDelivered
	}, 10*time.Second, 10*time.Millisecond)
	p.run(chromedp.Click(`//ul[@id="hook-list"]//button[text()="Deliveries"]`))
	p.until("delivered", contains("#deliveries tbody", "delivered"))
	require.Equal(t, "0", p.eval(`String(document.querySelectorAll("#deliveries button").length)`), "nothing left to replay")

	// A bad address, then a good one.
	p.run(chromedp.SendKeys(chromedp.CSS("#hook-url"), "not an address\n"))
	p.until("the refusal", `document.getElementById("hook-error").textContent !== ""`)
	require.Contains(t, p.text("#hook-error"), "Not created.")
	require.Contains(t, p.text("#hook-error"), "not an absolute http or https URL")
	require.Equal(t, p.text("#hook-error"), p.text("#hooks-status"), "the status line and the form agree")
	p.run(chromedp.Evaluate[chromedp.Void](`document.getElementById("hook-url").value = ""`),
		chromedp.SendKeys(chromedp.CSS("#hook-url"), receiver.URL+"/second\n"))
	p.until("the secret", `!document.getElementById("hook-secret-box").hidden`)
	require.True(t, strings.HasPrefix(p.text("#hook-secret"), "whsec_"))
	p.until("the list", contains("#hook-list", receiver.URL+"/second"))
	screenshot(t, p.ctx, "console-webhooks.png")

	p.run(chromedp.Click(fmt.Sprintf(`//ul[@id="hook-list"]//button[@aria-label="Delete the webhook to %s/second"]`, receiver.URL)))
	p.until("the deletion", contains("#hooks-status", "Deleted the webhook to "+receiver.URL+"/second"))
	list, err := ce.c.WithAccount("default").ListWebhooks(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	noPageErrors(t, messages())
}

// TestConsoleKeysInBrowser: a key made in the console is shown once and
// works against the API; revoked, it stops working. Screenshot:
// rest/testdata/console-keys.png.
func TestConsoleKeysInBrowser(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	ce := newConsoleEnv(t)
	first := ce.key(wauser.AllScopes())
	p, messages := openConsole(t, ce)
	p.run(chromedp.Evaluate[chromedp.Void](`location.hash = "#keys"`))
	p.until("the existing key", contains("#keys tbody", first[:8]))

	// No scope: refused with the reason.
	p.run(chromedp.Click(chromedp.CSS("#scope-read")), chromedp.Click(chromedp.CSS("#scope-write")),
		chromedp.SendKeys(chromedp.CSS("#key-name"), "nothing\n"))
	p.until("the refusal", `document.getElementById("key-error").textContent !== ""`)
	require.Contains(t, p.text("#key-error"), "Not created.")
	require.Equal(t, p.text("#key-error"), p.text("#keys-status"))

	p.run(chromedp.Click(chromedp.CSS("#scope-read")), chromedp.Click(chromedp.CSS("#key-one")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("key-name").value = ""`),
		chromedp.SendKeys(chromedp.CSS("#key-name"), "reporting\n"))
	p.until("the new key", `!document.getElementById("new-key-box").hidden`)
	key := p.text("#new-key")
	require.True(t, strings.HasPrefix(key, "wau_"), key)
	p.until("the list", contains("#keys tbody", "reporting"))
	require.Contains(t, p.text("#keys tbody"), "whatsapp:read")
	screenshot(t, p.ctx, "console-keys.png")

	me := ce.do("GET", "/v1/me", nil, bearer(key))
	require.Equal(t, http.StatusOK, me.status, "%s", me.body)
	require.Contains(t, string(me.body), `"default"`, "for the chosen account")
	require.Equal(t, http.StatusOK, ce.do("GET", "/v1/whatsapp/conversations", nil, bearer(key)).status)
	require.Equal(t, http.StatusUnauthorized, ce.do("POST", "/v1/whatsapp/messages/send", `{"to":"+15550100001","text":"x"}`, bearer(key)).status,
		"only the scope it was given")

	p.run(chromedp.Click(`//table[@id="keys"]//button[@aria-label="Revoke the key reporting"]`))
	p.until("the revocation", contains("#keys-status", "Revoked the key reporting"))
	require.Equal(t, http.StatusUnauthorized, ce.do("GET", "/v1/me", nil, bearer(key)).status, "a revoked key no longer works")
	noPageErrors(t, messages())
}
