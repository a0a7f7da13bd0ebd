package rest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
	"rsc.io/qr"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
)

// pageView is the pairing page's view of an account, as its routes and
// event stream send it.
type pageView struct {
	Account  string `json:"account"`
	State    string `json:"state"`
	Pairing  string `json:"pairing"`
	QR       string `json:"qr"`
	Image    string `json:"image"`
	Code     string `json:"code"`
	Phone    string `json:"phone"`
	PushName string `json:"push_name"`
	Error    string `json:"error"`
}

// pageRoutes are the pairing page's routes with a request each that
// succeeds for the admin on a store with the unpaired account "shop".
var pageRoutes = []struct {
	method, path, body string
	status             int
}{
	{"GET", "/pair", "", http.StatusOK},
	{"GET", "/pair/app.js", "", http.StatusOK},
	{"GET", "/pair/app.css", "", http.StatusOK},
	{"GET", "/pair/accounts", "", http.StatusOK},
	{"POST", "/pair/accounts", `{"id":"new"}`, http.StatusCreated},
	{"POST", "/pair/accounts/shop/qr", "", http.StatusOK},
	{"POST", "/pair/accounts/shop/phone", `{"phone":"+15559876543"}`, http.StatusOK},
	// The console's routes.
	{"GET", "/pair/accounts/shop/conversations", "", http.StatusOK},
	{"GET", "/pair/accounts/shop/webhooks", "", http.StatusOK},
	{"POST", "/pair/accounts/shop/webhooks", `{"url":"http://127.0.0.1:9/hook"}`, http.StatusCreated},
	{"GET", "/pair/keys", "", http.StatusOK},
	{"POST", "/pair/keys", `{"name":"k","scopes":["whatsapp:read"],"all_accounts":true}`, http.StatusCreated},
}

func pageEnv(t *testing.T, db *testdb.DB) *env {
	t.Helper()
	return newEnv(t, db, rest.Options{PairPage: true})
}

func TestPairPageIsOffByDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{})
	e.createAccount("shop")
	for _, rt := range pageRoutes {
		r := e.do(rt.method, rt.path, rt.body, basic(adminUser, adminPassword))
		require.Equal(t, http.StatusNotFound, r.status, "%s %s without Options.PairPage", rt.method, rt.path)
	}
	r := e.do("GET", "/pair/accounts/shop/events", nil, basic(adminUser, adminPassword))
	require.Equal(t, http.StatusNotFound, r.status)
}

// TestPairPageNeedsAdmin: every route of the page, the event stream
// included, answers 401 with a Basic challenge (so that a browser asks for
// the credentials) to no credentials, a wrong password and an API key, even
// one with the admin scope, and nothing changes.
func TestPairPageNeedsAdmin(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := pageEnv(t, db)
		e.createAccount("shop")
		key := e.key(wauser.AllScopes())
		all := append(pageRoutes[:len(pageRoutes):len(pageRoutes)],
			struct {
				method, path, body string
				status             int
			}{"GET", "/pair/accounts/shop/events", "", http.StatusOK})
		for _, rt := range all {
			for name, hdr := range map[string]map[string]string{
				"no credentials": nil,
				"wrong password": basic(adminUser, "wrong"),
				"wrong user":     basic("root", adminPassword),
				"admin API key":  bearer(key),
			} {
				r := e.do(rt.method, rt.path, rt.body, hdr)
				require.Equal(t, http.StatusUnauthorized, r.status, "%s %s with %s: %s", rt.method, rt.path, name, r.body)
				require.Contains(t, r.header.Get("WWW-Authenticate"), "Basic", "%s %s", rt.method, rt.path)
				require.NotContains(t, string(r.body), "<html", "no page without credentials")
			}
		}
		list, err := e.c.ListAccounts(e.ctx())
		require.NoError(t, err)
		require.Len(t, list, 1, "no account was created")
		st, err := e.c.WithAccount("shop").Status(e.ctx())
		require.NoError(t, err)
		require.Equal(t, wauser.StateUnpaired, st.State, "no pairing was started")
		require.Nil(t, e.fake.Conn("shop"), "nothing reached WhatsApp")

		for _, rt := range pageRoutes {
			r := e.do(rt.method, rt.path, rt.body, basic(adminUser, adminPassword))
			require.Equal(t, rt.status, r.status, "%s %s as admin: %s", rt.method, rt.path, r.body)
		}
	})
}

// TestPairPageServesItsFiles: the page, its script and its style, with
// their types and headers that keep the page from being framed or loading
// anything from elsewhere.
func TestPairPageServesItsFiles(t *testing.T) {
	t.Parallel()
	e := pageEnv(t, testdb.SQLite(t))
	admin := basic(adminUser, adminPassword)
	for path, typ := range map[string]string{
		"/pair":         "text/html; charset=utf-8",
		"/pair/app.js":  "text/javascript; charset=utf-8",
		"/pair/app.css": "text/css; charset=utf-8",
	} {
		r := e.do("GET", path, nil, admin)
		require.Equal(t, http.StatusOK, r.status, path)
		require.Equal(t, typ, r.header.Get("Content-Type"), path)
		require.NotEmpty(t, r.body, path)
		csp := r.header.Get("Content-Security-Policy")
		require.Contains(t, csp, "default-src 'none'", path)
		require.Contains(t, csp, "frame-ancestors 'none'", path)
		require.Contains(t, csp, "img-src 'self' data:", path)
		require.Equal(t, "DENY", r.header.Get("X-Frame-Options"), path)
		require.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"), path)
		require.Equal(t, "no-store", r.header.Get("Cache-Control"), path)
		requireRateHeaders(t, r)
		// No external assets: the machine serving the page may have no
		// internet.
		require.NotContains(t, string(r.body), "http://", path)
		require.NotContains(t, string(r.body), "https://", path)
		require.NotContains(t, string(r.body), "//cdn", path)
	}
}

// TestPairPageMarkup checks the page's accessibility basics: a language,
// a viewport for phones, a label for every input, alt text on every image,
// text on every button, and relative addresses (so the page works under a
// prefix).
func TestPairPageMarkup(t *testing.T) {
	t.Parallel()
	e := pageEnv(t, testdb.SQLite(t))
	r := e.do("GET", "/pair", nil, basic(adminUser, adminPassword))
	require.Equal(t, http.StatusOK, r.status)
	doc, err := html.Parse(bytes.NewReader(r.body))
	require.NoError(t, err)

	attr := func(n *html.Node, name string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == name {
				return a.Val, true
			}
		}
		return "", false
	}
	var text func(n *html.Node) string
	text = func(n *html.Node) string {
		if n.Type == html.TextNode {
			return n.Data
		}
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.WriteString(text(c))
		}
		return b.String()
	}
	labels := map[string]bool{}
	var inputs, images, buttons []*html.Node
	var viewport, lang bool
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "html":
				v, _ := attr(n, "lang")
				lang = v != ""
			case "meta":
				if v, _ := attr(n, "name"); v == "viewport" {
					c, _ := attr(n, "content")
					viewport = strings.Contains(c, "width=device-width")
				}
			case "label":
				if v, ok := attr(n, "for"); ok {
					labels[v] = true
				}
			case "input", "select", "textarea":
				inputs = append(inputs, n)
			case "img":
				images = append(images, n)
			case "button":
				buttons = append(buttons, n)
			case "script", "link":
				for _, name := range []string{"src", "href"} {
					if v, ok := attr(n, name); ok {
						ok := strings.HasPrefix(v, "pair/") || v == "data:," // the empty icon: no request
						require.True(t, ok, "%s %s=%q is relative to the page", n.Data, name, v)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	require.True(t, lang, "<html lang>")
	require.True(t, viewport, "a viewport for phone screens")
	require.NotEmpty(t, inputs)
	for _, in := range inputs {
		id, _ := attr(in, "id")
		require.True(t, labels[id], "input %q has a <label for>", id)
	}
	require.NotEmpty(t, images)
	for _, img := range images {
		_, ok := attr(img, "alt")
		require.True(t, ok, "every <img> has alt (the QR code's is set with its account)")
	}
	for _, b := range buttons {
		require.NotEmpty(t, strings.TrimSpace(text(b)), "every button says what it does")
	}
	script := e.do("GET", "/pair/app.js", nil, basic(adminUser, adminPassword))
	require.Contains(t, string(script.body), "img.alt =", "the QR image gets its alt text with the code")
}

// TestPairPageAccounts: the page lists the accounts with their state and
// creates one; bad ids and taken ids are refused with the reason, and a
// cross-site request with the browser's cached credentials changes
// nothing.
func TestPairPageAccounts(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := pageEnv(t, db)
		admin := basic(adminUser, adminPassword)
		e.pair("linked", phone)

		r := e.do("POST", "/pair/accounts", `{"id":"shop"}`, admin)
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		var created wauser.Account
		require.NoError(t, json.Unmarshal(r.body, &created))
		require.Equal(t, wauser.AccountID("shop"), created.ID)
		require.Equal(t, wauser.StateUnpaired, created.State)

		r = e.do("POST", "/pair/accounts", `{}`, admin)
		require.Equal(t, http.StatusCreated, r.status, "an empty id makes a generated one: %s", r.body)

		r = e.do("GET", "/pair/accounts", nil, admin)
		require.Equal(t, http.StatusOK, r.status)
		var list []wauser.Account
		require.NoError(t, json.Unmarshal(r.body, &list))
		require.Len(t, list, 3)
		states := map[wauser.AccountID]wauser.AccountState{}
		for _, a := range list {
			states[a.ID] = a.State
		}
		require.Equal(t, wauser.StateConnected, states["linked"])
		require.Equal(t, wauser.StateUnpaired, states["shop"])
		for _, a := range list {
			if a.ID == "linked" {
				require.Equal(t, "+15551234567", a.Phone)
				require.Equal(t, "Sales", a.PushName)
			}
		}

		for _, tc := range []struct {
			body   string
			status int
			msg    string
		}{
			{`{"id":"shop"}`, http.StatusConflict, "shop"},
			{`{"id":"no spaces"}`, http.StatusBadRequest, "invalid id"},
			{`{"id":7}`, http.StatusBadRequest, "invalid JSON"},
			{`not json`, http.StatusBadRequest, "invalid JSON"},
		} {
			r := e.do("POST", "/pair/accounts", tc.body, admin)
			require.Equal(t, tc.status, r.status, "%s: %s", tc.body, r.body)
			require.Contains(t, r.json(t)["error"], tc.msg, tc.body)
		}

		for name, hdr := range map[string]map[string]string{
			"Sec-Fetch-Site cross-site": with(admin, "Sec-Fetch-Site", "cross-site"),
			"foreign Origin":            with(admin, "Origin", "https://evil.example"),
		} {
			r := e.do("POST", "/pair/accounts", `{"id":"csrf"}`, hdr)
			require.Equal(t, http.StatusForbidden, r.status, "%s: %s", name, r.body)
			r = e.do("POST", "/pair/accounts/shop/qr", nil, hdr)
			require.Equal(t, http.StatusForbidden, r.status, "%s: %s", name, r.body)
			// POST /v1/accounts takes the same credentials: a browser that
			// signed in to the page sends them there too.
			r = e.do("POST", "/v1/accounts", `{"id":"csrf"}`, hdr)
			require.Equal(t, http.StatusForbidden, r.status, "%s: %s", name, r.body)
			e.checked(r)
		}
		r = e.do("POST", "/pair/accounts/shop/qr", nil, with(admin, "Sec-Fetch-Site", "same-origin"))
		require.Equal(t, http.StatusOK, r.status, "the page's own requests pass: %s", r.body)
		_, err := e.c.WithAccount("csrf").GetAccount(e.ctx())
		require.ErrorIs(t, err, wauser.ErrNotFound, "no cross-site request created an account")

		r = e.do("POST", "/pair/accounts/linked/qr", nil, admin)
		require.Equal(t, http.StatusConflict, r.status, "a linked account is not paired again: %s", r.body)
		r = e.do("POST", "/pair/accounts/nobody/qr", nil, admin)
		require.Equal(t, http.StatusNotFound, r.status, "%s", r.body)
	})
}

// TestPairPageLeavesOpenAPIAlone: the page is not part of the API, so
// enabling it documents nothing new.
func TestPairPageLeavesOpenAPIAlone(t *testing.T) {
	t.Parallel()
	off := newEnv(t, testdb.SQLite(t), rest.Options{})
	on := pageEnv(t, testdb.SQLite(t))
	a := documentedRoutes(t, off.do("GET", "/openapi.json", nil, nil).body)
	b := documentedRoutes(t, on.do("GET", "/openapi.json", nil, nil).body)
	require.Equal(t, a, b)
	for _, rt := range b {
		require.False(t, strings.HasPrefix(rt.path, "/pair"), rt.path)
	}
}

// sse is an open event stream of the pairing page.
type sse struct {
	t      *testing.T
	events chan sseEvent
	cancel context.CancelFunc
}

type sseEvent struct {
	name string
	data string
}

// openEvents opens the account's event stream as the admin.
func (e *env) openEvents(t *testing.T, id string) (*sse, *http.Response) {
	t.Helper()
	return e.openStream(t, "/pair/accounts/"+id+"/events")
}

// openStream opens an event stream of the page at path as the admin.
func (e *env) openStream(t *testing.T, path string) (*sse, *http.Response) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	req, err := http.NewRequestWithContext(ctx, "GET", e.srv.URL+path, nil)
	require.NoError(t, err)
	for k, v := range basic(adminUser, adminPassword) {
		req.Header.Set(k, v)
	}
	resp, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	s := &sse{t: t, events: make(chan sseEvent, 64), cancel: cancel}
	t.Cleanup(func() {
		cancel()
		_ = resp.Body.Close()
	})
	if resp.StatusCode != http.StatusOK {
		return s, resp
	}
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" || ev.data != "" {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data += strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return s, resp
}

// next returns the next event; ok is false once the stream ended.
func (s *sse) next() (ev sseEvent, ok bool) {
	s.t.Helper()
	select {
	case ev, ok = <-s.events:
		return ev, ok
	case <-time.After(10 * time.Second):
		s.t.Fatal("no event from the pairing page's stream within 10 s")
		return sseEvent{}, false
	}
}

// until returns the first status view that satisfies cond.
func (s *sse) until(what string, cond func(v pageView) bool) pageView {
	s.t.Helper()
	for {
		ev, ok := s.next()
		require.True(s.t, ok, "the stream ended before %s", what)
		require.Equal(s.t, "status", ev.name, "while waiting for %s", what)
		var v pageView
		require.NoError(s.t, json.Unmarshal([]byte(ev.data), &v))
		if cond(v) {
			return v
		}
	}
}

// qrDataURL is text as the PNG data URL the page shows.
func qrDataURL(t *testing.T, text string) string {
	t.Helper()
	code, err := qr.Encode(text, qr.M)
	require.NoError(t, err)
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(code.PNG())
}

// TestPairPageQRStream follows a pairing on the event stream: the current
// state at once, the first QR code, a new code when WhatsApp rotates it
// (the clock) and when it sends new ones (the fake), each as the PNG of
// its text, then "connected" with the phone and name, and the end of the
// stream.
func TestPairPageQRStream(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := pageEnv(t, db)
		ctx := e.ctx()
		admin := basic(adminUser, adminPassword)
		e.createAccount("shop")

		s, resp := e.openEvents(t, "shop")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
		require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
		first := s.until("the current state", func(pageView) bool { return true })
		require.Equal(t, pageView{Account: "shop", State: "unpaired"}, first)

		r := e.do("POST", "/pair/accounts/shop/qr", nil, admin)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var started pageView
		require.NoError(t, json.Unmarshal(r.body, &started))
		require.Equal(t, "pairing", started.State)
		require.Equal(t, "qr", started.Pairing)
		require.NotEmpty(t, started.QR)
		require.Equal(t, qrDataURL(t, started.QR), started.Image, "the image is the PNG of the code's text")

		v := s.until("the first QR code", func(v pageView) bool { return v.QR != "" })
		require.Equal(t, started.QR, v.QR)
		require.Equal(t, started.Image, v.Image)

		// WhatsApp's rotation: the first code lives 60 s.
		require.NoError(t, e.clock.WaitTimers(ctx, 1))
		e.clock.Advance(60 * time.Second)
		rotated := s.until("the rotated code", func(v pageView) bool { return v.QR != started.QR })
		require.Equal(t, "qr", rotated.Pairing)
		require.Equal(t, qrDataURL(t, rotated.QR), rotated.Image)
		st, err := e.c.WithAccount("shop").Status(ctx)
		require.NoError(t, err)
		require.Equal(t, st.Pairing.QR, rotated.QR, "the stream shows the Client's current code")

		// New codes from WhatsApp.
		conn := e.fake.Conn("shop")
		require.NotNil(t, conn)
		conn.ShowQR("2@fresh-from-the-fake,a,b,c", "2@second,a,b,c")
		shown := s.until("the code the fake sent", func(v pageView) bool { return v.QR != rotated.QR })
		require.Equal(t, "2@fresh-from-the-fake,a,b,c", shown.QR)
		require.Equal(t, qrDataURL(t, shown.QR), shown.Image)

		require.NoError(t, conn.Scan(phone))
		done := s.until("connected", func(v pageView) bool { return v.State == "connected" })
		require.Equal(t, "+15551234567", done.Phone)
		require.Equal(t, "Sales", done.PushName)
		require.Empty(t, done.Image, "no QR code once linked")
		_, open := s.next()
		require.False(t, open, "the stream ends once the account is connected")
	})
}

// TestPairPagePhone: the phone form's number is validated by the server
// before anything reaches WhatsApp, with a message the page shows; a good
// number answers the code, which the stream shows too.
func TestPairPagePhone(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := pageEnv(t, db)
		admin := basic(adminUser, adminPassword)
		e.createAccount("shop")

		for _, tc := range []struct{ phone, msg string }{
			{"", "must have 7 to 15 digits"},
			{"12345", "must have 7 to 15 digits"},
			{"+1 555 CALL NOW", "is not an E.164 number"},
			{"0555123456", "starts with 0"},
			{"+1234567890123456", "must have 7 to 15 digits"},
		} {
			body, err := json.Marshal(map[string]string{"phone": tc.phone})
			require.NoError(t, err)
			r := e.do("POST", "/pair/accounts/shop/phone", body, admin)
			require.Equal(t, http.StatusBadRequest, r.status, "%q: %s", tc.phone, r.body)
			msg, _ := r.json(t)["error"].(string)
			require.Contains(t, msg, "invalid phone", tc.phone)
			require.Contains(t, msg, tc.msg, tc.phone)
		}
		r := e.do("POST", "/pair/accounts/shop/phone", `{"number":"+15559876543"}`, admin)
		require.Equal(t, http.StatusBadRequest, r.status, "unknown fields are refused: %s", r.body)
		require.Nil(t, e.fake.Conn("shop"), "a refused number never reaches WhatsApp")

		s, _ := e.openEvents(t, "shop")
		r = e.do("POST", "/pair/accounts/shop/phone", `{"phone":"+1 (555) 987-6543"}`, admin)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var v pageView
		require.NoError(t, json.Unmarshal(r.body, &v))
		require.Equal(t, "code", v.Pairing)
		require.Equal(t, "WAUS-ER01", v.Code)
		streamed := s.until("the phone code", func(v pageView) bool { return v.Code != "" })
		require.Equal(t, "WAUS-ER01", streamed.Code)
		require.Equal(t, []string{"ConnectContext", "PairPhone"}, e.fake.Conn("shop").Calls())
	})
}

// TestPairPageStreamEnds: an unknown account is a 404 before any event; a
// removed account ends its stream with "removed"; a linked account's
// stream sends its state once and ends.
func TestPairPageStreamEnds(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := pageEnv(t, db)
		_, resp := e.openEvents(t, "nobody")
		require.Equal(t, http.StatusNotFound, resp.StatusCode)
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))

		e.createAccount("gone")
		s, _ := e.openEvents(t, "gone")
		require.Equal(t, "unpaired", s.until("the first view", func(pageView) bool { return true }).State)
		require.NoError(t, e.c.WithAccount("gone").Logout(e.ctx()))
		ev, ok := s.next()
		require.True(t, ok)
		require.Equal(t, "removed", ev.name)
		_, ok = s.next()
		require.False(t, ok, "the stream of a removed account ends")

		e.pair("linked", phone)
		s, _ = e.openEvents(t, "linked")
		v := s.until("the linked state", func(pageView) bool { return true })
		require.Equal(t, pageView{Account: "linked", State: "connected", Pairing: "paired", Phone: "+15551234567", PushName: "Sales"}, v)
		_, ok = s.next()
		require.False(t, ok)
	})
}

// TestPairPageStreamShowsExpiry: when every QR code expired unscanned, the
// stream shows the account unpaired with the reason, and the page can start
// again (a new pairing shows new codes on the same stream).
func TestPairPageStreamShowsExpiry(t *testing.T) {
	t.Parallel()
	e := pageEnv(t, testdb.SQLite(t))
	ctx := e.ctx()
	admin := basic(adminUser, adminPassword)
	e.createAccount("shop")
	s, _ := e.openEvents(t, "shop")
	r := e.do("POST", "/pair/accounts/shop/qr", nil, admin)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var first pageView
	require.NoError(t, json.Unmarshal(r.body, &first))

	// Six codes: 60 s, then 20 s each.
	for range 6 {
		require.NoError(t, e.clock.WaitTimers(ctx, 1))
		e.clock.Advance(e.clock.Pending()[0])
	}
	failed := s.until("the expiry", func(v pageView) bool { return v.Pairing == "failed" })
	require.Equal(t, "unpaired", failed.State)
	require.Contains(t, failed.Error, "expired")
	require.Empty(t, failed.Image, "no stale code on show")

	r = e.do("POST", "/pair/accounts/shop/qr", nil, admin)
	require.Equal(t, http.StatusOK, r.status, "pairing starts again: %s", r.body)
	again := s.until("a new code", func(v pageView) bool { return v.QR != "" })
	require.NotEqual(t, first.QR, again.QR)
	require.Equal(t, "pairing", again.State)
}
