package rest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
)

// TestDocsServesTheVendoredSwaggerUI: GET /docs and its files are public,
// carry a content security policy that allows nothing from elsewhere,
// are revalidated by ETag, and the licence of the vendored files is
// served with them.
func TestDocsServesTheVendoredSwaggerUI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{Docs: true})
	page := e.do("GET", "/docs", nil, nil)
	require.Equal(t, http.StatusOK, page.status)
	require.Equal(t, "text/html; charset=utf-8", page.header.Get("Content-Type"))
	csp := page.header.Get("Content-Security-Policy")
	require.Contains(t, csp, "script-src 'self';")
	require.Contains(t, csp, "connect-src 'self';")
	require.NotContains(t, string(page.body), "http", "no address elsewhere: everything is relative")
	require.NotContains(t, string(page.body), `data-demo="true"`)

	for path, want := range map[string]string{
		"/docs/swagger-ui-bundle.js":             "SwaggerUIBundle",
		"/docs/swagger-ui.css":                   ".swagger-ui",
		"/docs/init.js":                          "openapi.json",
		"/docs/LICENSE":                          "Apache License",
		"/docs/NOTICE":                           "SmartBear",
		"/docs/swagger-ui-bundle.js.LICENSE.txt": "MIT",
	} {
		r := e.do("GET", path, nil, nil)
		require.Equal(t, http.StatusOK, r.status, path)
		require.Contains(t, string(r.body), want, path)
		etag := r.header.Get("ETag")
		require.NotEmpty(t, etag, path)
		again := e.do("GET", path, nil, map[string]string{"If-None-Match": etag})
		require.Equal(t, http.StatusNotModified, again.status, "%s is revalidated, not sent again", path)
	}
	require.Equal(t, http.StatusOK, e.do("GET", "/openapi.json", nil, nil).status, "what the page renders is public")

	demo := newEnv(t, testdb.SQLite(t), rest.Options{Docs: true, Demo: &rest.Demo{Link: func(context.Context, wauser.AccountID) error { return nil }}})
	require.Contains(t, string(demo.do("GET", "/docs", nil, nil).body), `data-demo="true"`, "a demo server's reference says so")
}

// TestDocsInBrowser renders GET /docs in headless Chromium, mounted under
// a prefix: Swagger UI shows this server's API, every route's group, and
// loads nothing from elsewhere. Screenshot: rest/testdata/docs.png.
func TestDocsInBrowser(t *testing.T) {
	t.Parallel()
	path := chromiumPath(t)
	// Every dialect is on: the page renders one dialect's document at a
	// time (the whole one, hundreds of operations, takes Swagger UI over a
	// minute on a busy machine; /openapi.json is checked whole by
	// TestOpenAPIDocument).
	e := newEnv(t, testdb.SQLite(t), rest.Options{Docs: true})
	mux := http.NewServeMux()
	mux.Handle("/wa/", http.StripPrefix("/wa", e.h))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	tab := browser(t, path)
	messages := console(t, tab)
	ctx, cancel := context.WithTimeout(tab, 60*time.Second)
	defer cancel()

	var (
		mu       sync.Mutex
		requests []string
	)
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		if req, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, req.Request.URL)
			mu.Unlock()
		}
	}))
	_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/wa/docs"),
		chromedp.WaitVisible(chromedp.CSS(".swagger-ui .info .title")),
		chromedp.WaitVisible(chromedp.CSS(`.opblock-tag[data-tag="sync"]`)),
	))
	title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".swagger-ui .info .title")))
	require.NoError(t, err)
	require.Contains(t, title, "wauser REST API")
	ops, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".opblock").length`))
	require.NoError(t, err)
	require.Greater(t, ops, 20, "every route of the dialect is listed")
	tags := func() map[string]int {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]int](
			`Object.fromEntries(["sync","business","chat","history","multisession"].map(d => [d, document.querySelectorAll('.opblock-tag[data-tag="' + d + '"]').length]))`))
		require.NoError(t, err)
		return got
	}
	require.Equal(t, map[string]int{"sync": 1, "business": 0, "chat": 0, "history": 0, "multisession": 0}, tags(), "the first dialect alone")
	choices, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#dialect option")].map(o => o.textContent)`))
	require.NoError(t, err)
	require.Equal(t, []string{"sync: the WhatsApp Use sync API", "business: the Business Server API", "chat: the WhatsSync Chat API",
		"multisession: the multi-session server", "every dialect (slow)"}, choices)
	screenshot(t, ctx, "docs.png")

	// Another dialect's document replaces the first.
	require.NoError(t, chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#dialect"), srv.URL+"/wa/openapi.json?dialect=chat")))
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("dialect").dispatchEvent(new Event("change"))`))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`.opblock-tag[data-tag="chat"]`))))
	require.Equal(t, map[string]int{"sync": 0, "business": 0, "chat": 1, "history": 0, "multisession": 0}, tags())

	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, requests)
	for _, u := range requests {
		if strings.HasPrefix(u, "data:") {
			continue
		}
		require.True(t, strings.HasPrefix(u, srv.URL+"/wa/"), "the page only asks its own server, under the prefix: %s", u)
	}
	for _, m := range messages() {
		require.False(t, m.IsException(), "page exception: %s", m.Text)
		require.NotEqual(t, "error", string(m.Type), "console error: %s", m.Text)
		require.NotContains(t, m.Text, "Content Security Policy")
	}
}

// TestOpenAPIPerDialect: /openapi.json?dialect= is the document of one
// dialect that is on; together they describe every route of the whole
// document; a dialect that is off or unknown is refused.
func TestOpenAPIPerDialect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{DialectsOff: []rest.Dialect{rest.DialectChat}})
	whole := documentedRoutes(t, e.do("GET", "/openapi.json", nil, nil).body)
	var union []string
	for _, d := range []string{"sync", "business", "multisession"} {
		r := e.checked(e.do("GET", "/openapi.json?dialect="+d, nil, nil))
		require.Equal(t, http.StatusOK, r.status)
		for _, rt := range documentedRoutes(t, r.body) {
			want := []string{d}
			if d == "multisession" {
				want = append(want, "history")
			}
			require.Contains(t, want, rt.dialect, "%s %s in the %s document", rt.method, rt.path, d)
			union = append(union, rt.method+" "+rt.path)
		}
	}
	var all []string
	for _, rt := range whole {
		all = append(all, rt.method+" "+rt.path)
	}
	require.ElementsMatch(t, all, union)
	for _, d := range []string{"chat", "history", "nope"} {
		r := e.checked(e.do("GET", "/openapi.json?dialect="+d, nil, nil))
		require.Equal(t, http.StatusBadRequest, r.status, d)
	}
}
