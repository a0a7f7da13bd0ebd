package fetch

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser/internal/netguard/netguardtest"
)

// pngHeader is enough of a PNG file for content sniffing.
var pngHeader = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

func server(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestGetSniffsAndNamesFile(t *testing.T) {
	t.Parallel()
	body := append(append([]byte{}, pngHeader...), bytes.Repeat([]byte{7}, 100)...)
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/generic":
			w.Header().Set("Content-Type", "application/octet-stream")
		case "/typed.ogg":
			w.Header().Set("Content-Type", "audio/ogg; codecs=opus")
		case "/attachment":
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Disposition", `attachment; filename="..\..\report.png"`)
		case "/redirect":
			http.Redirect(w, r, "/typed.ogg", http.StatusFound)
			return
		}
		_, _ = w.Write(body)
	})
	ctx := t.Context()
	opts := Options{MaxBytes: 1 << 20, AllowPrivate: true}

	res, err := Get(ctx, srv.Client(), srv.URL+"/generic", opts)
	require.NoError(t, err)
	require.Equal(t, body, res.Data)
	require.Equal(t, "image/png", res.ContentType, "a generic type is replaced by the sniffed one")
	require.Empty(t, res.FileName, "no extension, no disposition")

	res, err = Get(ctx, srv.Client(), srv.URL+"/typed.ogg", opts)
	require.NoError(t, err)
	require.Equal(t, "audio/ogg; codecs=opus", res.ContentType, "the server's type wins, parameters kept")
	require.Equal(t, "typed.ogg", res.FileName)

	res, err = Get(ctx, srv.Client(), srv.URL+"/attachment", opts)
	require.NoError(t, err)
	require.Equal(t, "report.png", res.FileName, "only the base name of Content-Disposition")

	res, err = Get(ctx, srv.Client(), srv.URL+"/redirect", opts)
	require.NoError(t, err)
	require.Equal(t, srv.URL+"/typed.ogg", res.URL)
	require.Equal(t, "typed.ogg", res.FileName, "named after the final URL")
}

// TestGetConnectsToNothingPrivate: the URL's host, in any spelling, a
// and a name resolving to loopback are all refused before anything connects to the listener, with the same error whether
// its port is open or closed; a transport with its own dialer is guarded
// too (its dialer is not used).
func TestGetConnectsToNothingPrivate(t *testing.T) {
	t.Parallel()
	l := netguardtest.Listen(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	require.NoError(t, ln.Close())
	for _, port := range []string{l.Port(), closed} {
		var texts []string
		for _, host := range []string{"127.0.0.1", "localhost", "127.1", "2130706433", "0177.0.0.1", "0x7f.1", "127.0.0.1.", "[::ffff:127.0.0.1]"} {
			u := "http://" + host + ":" + port + "/x.png"
			_, err := Get(t.Context(), &http.Client{}, u, Options{MaxBytes: 1 << 20})
			require.ErrorIs(t, err, ErrBlocked, u)
			texts = append(texts, strings.ReplaceAll(strings.ReplaceAll(err.Error(), host, "HOST"), strings.Trim(host, "[]"), "HOST"))
		}
		for _, text := range texts {
			require.Equal(t, texts[0], text, "one error for every refused target")
		}
	}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, "127.0.0.1:"+l.Port())
	}}
	_, err = Get(t.Context(), &http.Client{Transport: tr}, "http://127.0.0.1:"+l.Port()+"/x.png", Options{MaxBytes: 1 << 20})
	require.ErrorIs(t, err, ErrBlocked)
	require.Zero(t, l.Accepted(t), "no connection reached the listener")
}

func TestGetIgnoresProxyWhenGuarding(t *testing.T) {
	t.Parallel()
	proxy, proxied := server(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(pngHeader) })
	proxyURL, err := url.Parse(proxy.URL)
	require.NoError(t, err)
	hc := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}}
	// Through the proxy, the loopback target could not be checked: it is
	// dialed directly instead, and refused.
	_, err = Get(t.Context(), hc, "http://127.0.0.1:1/x.png", Options{MaxBytes: 1 << 20})
	require.ErrorIs(t, err, ErrBlocked)
	require.Zero(t, proxied.Load())
}

func TestGetLimitsSize(t *testing.T) {
	t.Parallel()
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		n := 2048
		if r.URL.Path == "/exact" {
			n = 1024
		}
		if r.URL.Path == "/stream" {
			// No Content-Length: the limit is found while reading.
			for range 4 {
				_, _ = w.Write(bytes.Repeat([]byte("a"), 512))
				w.(http.Flusher).Flush()
			}
			return
		}
		_, _ = w.Write(bytes.Repeat([]byte("a"), n))
	})
	opts := Options{MaxBytes: 1024, AllowPrivate: true}
	_, err := Get(t.Context(), srv.Client(), srv.URL+"/announced", opts)
	require.ErrorIs(t, err, ErrTooLarge)
	require.ErrorContains(t, err, "2048 bytes announced")
	_, err = Get(t.Context(), srv.Client(), srv.URL+"/stream", opts)
	require.ErrorIs(t, err, ErrTooLarge)
	res, err := Get(t.Context(), srv.Client(), srv.URL+"/exact", opts)
	require.NoError(t, err)
	require.Len(t, res.Data, 1024, "exactly the limit is accepted")
	require.Equal(t, "text/plain; charset=utf-8", res.ContentType)
}

func TestGetErrors(t *testing.T) {
	t.Parallel()
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/loop" {
			http.Redirect(w, r, "/loop", http.StatusFound)
			return
		}
		if r.URL.Path == "/ftp" {
			http.Redirect(w, r, "ftp://example.com/x", http.StatusFound)
			return
		}
		http.NotFound(w, r)
	})
	opts := Options{MaxBytes: 1024, AllowPrivate: true}
	_, err := Get(t.Context(), srv.Client(), srv.URL+"/missing", opts)
	require.ErrorIs(t, err, ErrStatus)
	require.ErrorContains(t, err, "404")
	_, err = Get(t.Context(), srv.Client(), srv.URL+"/loop", opts)
	require.ErrorContains(t, err, "more than 5 redirects")
	_, err = Get(t.Context(), srv.Client(), srv.URL+"/ftp", opts)
	require.ErrorIs(t, err, ErrURL)
	for _, bad := range []string{"", "ftp://example.com/a", "/relative", "http://", "https//x", "file:///etc/passwd", ":"} {
		_, err := Get(t.Context(), srv.Client(), bad, opts)
		require.ErrorIs(t, err, ErrURL, "%q", bad)
	}
	_, err = Get(t.Context(), srv.Client(), srv.URL, Options{})
	require.ErrorContains(t, err, "MaxBytes")
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestGetUnguardableTransport(t *testing.T) {
	t.Parallel()
	rt := roundTripper(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Status: "200 OK", Body: http.NoBody, Request: r, Header: http.Header{}}, nil
	})
	hc := &http.Client{Transport: rt}
	_, err := Get(t.Context(), hc, "https://example.com/a.png", Options{MaxBytes: 10})
	require.ErrorIs(t, err, ErrUnguardable)
	res, err := Get(t.Context(), hc, "https://example.com/a.png", Options{MaxBytes: 10, AllowPrivate: true})
	require.NoError(t, err)
	require.Empty(t, res.Data)
}

func FuzzResponseHeaders(f *testing.F) {
	for _, s := range []string{
		`attachment; filename="a.pdf"`, `inline; filename*=UTF-8''%e2%82%ac.txt`, `attachment; filename="../../x"`,
		"image/png", "text/plain; charset=utf-8", "", ";;", `attachment; filename="\\"`,
	} {
		f.Add(s, "/files/a.jpg")
	}
	f.Fuzz(func(t *testing.T, header, p string) {
		ct := contentType(header, []byte(header))
		if ct == "" {
			t.Fatalf("contentType(%q) is empty", header)
		}
		name := fileName(header, &url.URL{Path: p})
		if strings.Contains(name, "/") || name == "." || name == ".." {
			t.Fatalf("fileName(%q, %q) = %q", header, p, name)
		}
	})
}
