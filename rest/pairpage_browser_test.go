package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
)

// chromiumPath finds Chromium, or skips the test saying how to get it. In
// CI (CI set) a missing Chromium fails instead: .ci/run installs it, so the
// browser test always runs there.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("WAUSER_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "Chromium is not installed, so the pairing page's browser test cannot run: " +
		"install Debian's chromium package (apt-get install chromium) or set WAUSER_CHROMIUM to a Chrome binary"
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI must run it: .ci/run installs chromium)")
	}
	t.Skip(msg)
	return ""
}

// browser starts a headless Chromium for the test, with a fresh profile,
// a phone-sized window and no network of its own (no background requests,
// updates or sync), and returns its tab.
func browser(t *testing.T, path string) context.Context {
	t.Helper()
	var output syncBuffer
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844),
		chromedp.CombinedOutput(&output),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.WithoutCancel(t.Context()), opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		// Stop the browser before t.TempDir removes its profile.
		cancelTab()
		cancelAlloc()
		if t.Failed() {
			t.Logf("Chromium's output:\n%s", output.String())
		}
	})
	// The first call starts the browser; it lives as long as tab.
	require.NoError(t, chromedp.Do(tab), "start Chromium (%s): %s", path, output.String())
	return tab
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// console collects the page's console messages until the test ends.
func console(t *testing.T, tab context.Context) func() []chromedp.ConsoleMessage {
	t.Helper()
	ctx, cancel := context.WithCancel(tab)
	var (
		mu   sync.Mutex
		msgs []chromedp.ConsoleMessage
		done = make(chan struct{})
	)
	messages := chromedp.Console(ctx) // subscribes now, before the page loads
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			msgs = append(msgs, m)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return func() []chromedp.ConsoleMessage {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(msgs)
	}
}

// screenshot saves the whole page under testdata (not committed).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	path := filepath.Join("testdata", name)
	require.NoError(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot: rest/%s", path)
}

// TestPairPageInBrowser drives the pairing page in headless Chromium on a
// phone-sized screen, against a server backed by watest, with the keyboard
// only: it creates an account, sees its QR code as an image, sees the image
// change when WhatsApp rotates the code, is refused a bad phone number with
// the reason, gets a phone code for a good one, and sees "connected as"
// once the phone links the account. Screenshots go to rest/testdata.
func TestPairPageInBrowser(t *testing.T) {
	t.Parallel()
	path := chromiumPath(t) // skips at once without Chromium
	start := time.Now()
	// The server first, so that its cleanup runs after the browser's: the
	// open event stream would keep httptest.Server.Close waiting.
	e := pageEnv(t, testdb.SQLite(t))
	e.pair("main", alphaPhone) // an account linked already, listed as such
	tab := browser(t, path)
	messages := console(t, tab)
	ctx, cancel := context.WithTimeout(tab, 45*time.Second)
	defer cancel()

	// The admin credentials, as a browser sends them after its prompt.
	auth := basic(adminUser, adminPassword)["Authorization"]
	_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
	require.NoError(t, err)
	_, err = chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": auth}})
	require.NoError(t, err)

	eval := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		require.NoError(t, err, expr)
		return v
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		require.NoError(t, err, sel)
		return strings.TrimSpace(v)
	}
	currentQR := func() string {
		t.Helper()
		st, err := e.c.WithAccount("shop").Status(e.ctx())
		require.NoError(t, err)
		require.NotNil(t, st.Pairing)
		return st.Pairing.QR
	}

	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait), // a phone screen
		chromedp.Navigate(e.srv.URL+"/pair"),
		chromedp.WaitVisible(chromedp.CSS(`#account-list button[data-account="main"]`)),
	))
	require.Equal(t, "Accounts · wauser console", eval(`document.title`))
	_, err = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`window.loadedOnce = "yes"`)) // gone if the page reloads
	require.NoError(t, err)
	require.Contains(t, text(`#account-list button[data-account="main"]`), "connected, +15551110001")

	// Create "shop" with the keyboard: type its name, press Enter.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Focus(chromedp.CSS("#new-id")),
		chromedp.SendKeys(chromedp.CSS("#new-id"), "shop\n"),
		chromedp.WaitVisible(chromedp.CSS("#qr")),
	))
	first := eval(`document.getElementById("qr").getAttribute("src")`)
	require.Equal(t, qrDataURL(t, currentQR()), first, "the page shows the Client's current QR code as a PNG")
	require.Contains(t, eval(`document.getElementById("qr").alt`), "QR code to link account shop")
	require.Contains(t, text("#status"), "Scan the QR code")
	require.Contains(t, text(`#account-list button[data-account="shop"]`), "linking")
	fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
	require.NoError(t, err)
	require.True(t, fits, "no sideways scrolling on a 390 px wide phone screen")
	screenshot(t, ctx, "pairpage-qr.png")

	// WhatsApp rotates the code after 60 s: the image changes by itself.
	require.NoError(t, e.clock.Wait(e.ctx(), func(p []time.Duration) bool { return slices.Contains(p, 60*time.Second) }))
	e.clock.Advance(60 * time.Second)
	prev, err := json.Marshal(first)
	require.NoError(t, err)
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`document.getElementById("qr").getAttribute("src") !== %s`, prev),
		chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err, "the QR image changes when the code rotates")
	second := eval(`document.getElementById("qr").getAttribute("src")`)
	require.Equal(t, qrDataURL(t, currentQR()), second)
	require.NotEqual(t, first, second)

	// A bad number is refused with the reason, and reaches nobody.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#phone"), "12345\n"),
		chromedp.WaitVisible(chromedp.CSS("#phone-error")),
	))
	require.Contains(t, text("#phone-error"), "must have 7 to 15 digits")
	require.Equal(t, "true", eval(`document.getElementById("phone").getAttribute("aria-invalid")`))
	require.Equal(t, "phone", eval(`document.activeElement.id`), "the focus goes back to the number")
	require.NotContains(t, e.fake.Conn("shop").Calls(), "PairPhone")

	// A good one shows the code to type on the phone.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.getElementById("phone").select()`), // typing replaces it
		chromedp.SendKeys(chromedp.CSS("#phone"), "+1 555 987 6543\n"),
		chromedp.WaitVisible(chromedp.CSS("#code")),
	))
	require.Equal(t, "WAUS-ER01", text("#code"))
	require.Equal(t, "", text("#phone-error"))
	screenshot(t, ctx, "pairpage-code.png")

	// The phone links the account.
	require.NoError(t, e.fake.Conn("shop").Scan(phone))
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#connected-as"))))
	require.Equal(t, "+15551234567 (Sales)", text("#connected-as"))
	require.Contains(t, text("#connected"), "Connected as +15551234567 (Sales)")
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](
		`document.querySelector('#account-list button[data-account="shop"]').textContent.includes("connected, +15551234567")`,
		chromedp.WithPollingTimeout(10*time.Second)))
	require.NoError(t, err, "the list shows the new state")
	screenshot(t, ctx, "pairpage-connected.png")

	st, err := e.c.WithAccount("shop").Status(e.ctx())
	require.NoError(t, err)
	require.Equal(t, wauser.StateConnected, st.State)
	require.Equal(t, "yes", eval(`window.loadedOnce`), "all of it without reloading the page")

	// Nothing went wrong in the page: no exception, no console error, no
	// content security policy violation. (The browser logs the refused
	// number's 400 as a network entry: expected.)
	for _, m := range messages() {
		if m.Source == "network" {
			continue
		}
		require.False(t, m.IsException(), "page exception: %s", m.Text)
		require.NotEqual(t, "error", string(m.Type), "console error: %s (%s)", m.Text, m.Source)
		require.NotContains(t, m.Text, "Content Security Policy")
	}
	t.Logf("browser test took %s", time.Since(start).Round(time.Millisecond))
}
