// Package fetch downloads media from URLs for wauser: the size is bounded,
// the content type is sniffed when the server does not say, and addresses
// on loopback, private, link-local and other non-public networks are
// refused when the connection is dialed, so a name that resolves (or
// re-resolves, or redirects) to one is caught too.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strings"
	"syscall"
	"time"
)

// Errors returned by Get. Callers match them with errors.Is.
var (
	// ErrBlocked: the URL led to an address that is not public.
	ErrBlocked = errors.New("fetch: address is not public")
	// ErrTooLarge: the response body is larger than Options.MaxBytes.
	ErrTooLarge = errors.New("fetch: response too large")
	// ErrStatus: the server answered with a status other than 2xx.
	ErrStatus = errors.New("fetch: unexpected HTTP status")
	// ErrURL: the URL is not an absolute http or https URL.
	ErrURL = errors.New("fetch: not an http or https URL")
	// ErrUnguardable: private addresses cannot be refused because the HTTP
	// client's Transport is not an *http.Transport.
	ErrUnguardable = errors.New("fetch: cannot check addresses on this HTTP transport")
)

// Options bound a fetch.
type Options struct {
	// MaxBytes is the largest body accepted; it must be positive.
	MaxBytes int64
	// AllowPrivate turns the address check off (tests on localhost, or a
	// host that routes through its own proxy and policy).
	AllowPrivate bool
	// MaxRedirects is how many redirects are followed; 0 means 5.
	MaxRedirects int
}

// Result is a fetched body.
type Result struct {
	Data []byte
	// ContentType is the response's Content-Type, or the sniffed type when
	// the server sent none or a generic one (application/octet-stream).
	ContentType string
	// FileName comes from Content-Disposition, or else the last element of
	// the final URL's path when it has an extension; it may be empty.
	FileName string
	// URL is the final URL, after redirects.
	URL string
}

// Get fetches rawURL with a copy of hc made safe by opts (see the package
// documentation). Without AllowPrivate the copy dials directly, ignoring the
// transport's proxy: through a proxy, the address dialed would be the
// proxy's and nothing could be checked.
func Get(ctx context.Context, hc *http.Client, rawURL string, opts Options) (*Result, error) {
	if opts.MaxBytes <= 0 {
		return nil, fmt.Errorf("fetch: MaxBytes must be positive, got %d", opts.MaxBytes)
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: %q", ErrURL, rawURL)
	}
	client, err := guard(hc, opts)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrURL, err)
	}
	req.Header.Set("Accept", "*/*")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("%w: %s", ErrStatus, resp.Status)
	}
	if resp.ContentLength > opts.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes announced, at most %d", ErrTooLarge, resp.ContentLength, opts.MaxBytes)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, opts.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch: read body: %w", err)
	}
	if int64(len(data)) > opts.MaxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, opts.MaxBytes)
	}
	return &Result{
		Data:        data,
		ContentType: contentType(resp.Header.Get("Content-Type"), data),
		FileName:    fileName(resp.Header.Get("Content-Disposition"), resp.Request.URL),
		URL:         resp.Request.URL.String(),
	}, nil
}

// guard returns a copy of hc that follows at most opts.MaxRedirects
// redirects to http(s) URLs and, unless opts.AllowPrivate, refuses to
// connect to non-public addresses.
func guard(hc *http.Client, opts Options) (*http.Client, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	maxRedirects := opts.MaxRedirects
	if maxRedirects <= 0 {
		maxRedirects = 5
	}
	c := *hc
	next := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return fmt.Errorf("fetch: more than %d redirects", maxRedirects)
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("%w: redirect to %q", ErrURL, req.URL.Redacted())
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	if opts.AllowPrivate {
		return &c, nil
	}
	var base *http.Transport
	switch t := hc.Transport.(type) {
	case nil:
		dt, ok := http.DefaultTransport.(*http.Transport)
		if !ok {
			return nil, fmt.Errorf("%w: http.DefaultTransport is a %T", ErrUnguardable, http.DefaultTransport)
		}
		base = dt
	case *http.Transport:
		base = t
	default:
		return nil, fmt.Errorf("%w: the client's Transport is a %T", ErrUnguardable, hc.Transport)
	}
	tr := base.Clone()
	tr.Proxy = nil
	if tr.DialContext == nil {
		d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: control}
		tr.DialContext = d.DialContext
	} else {
		tr.DialContext = checkConn(tr.DialContext)
	}
	if tr.DialTLSContext != nil {
		tr.DialTLSContext = checkConn(tr.DialTLSContext)
	}
	c.Transport = tr
	return &c, nil
}

type dialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// checkConn wraps a dial function the host supplied: the connection is
// checked once made, and closed before a byte is sent when the peer is not
// public.
func checkConn(dial dialFunc) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if ap, err := netip.ParseAddrPort(conn.RemoteAddr().String()); err != nil || Blocked(ap.Addr()) {
			_ = conn.Close()
			return nil, &BlockedError{Addr: conn.RemoteAddr().String()}
		}
		return conn, nil
	}
}

// control runs before each connection attempt with the resolved address.
func control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || Blocked(ap.Addr()) {
		return &BlockedError{Addr: address}
	}
	return nil
}

// BlockedError is a refused connection; it matches ErrBlocked.
type BlockedError struct {
	Addr string // the address that was refused, host:port
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("fetch: %s is not a public address", e.Addr)
}

// Is reports whether target is ErrBlocked.
func (e *BlockedError) Is(target error) bool { return target == ErrBlocked }

// Blocked reports whether a is not a public unicast address: loopback,
// private (RFC 1918, fc00::/7), link-local, multicast, unspecified, shared
// (100.64.0.0/10), benchmarking or reserved, or an IPv6 address that embeds
// such an IPv4 address (IPv4-mapped, NAT64, 6to4).
func Blocked(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return true
	}
	if v4, ok := embeddedIPv4(a); ok {
		return Blocked(v4)
	}
	for _, p := range [...]string{
		"0.0.0.0/8",      // "this network"
		"100.64.0.0/10",  // shared address space (carrier-grade NAT)
		"192.0.0.0/24",   // IETF protocol assignments
		"198.18.0.0/15",  // benchmarking
		"240.0.0.0/4",    // reserved, and the broadcast address
		"64:ff9b:1::/48", // local-use NAT64
		"fec0::/10",      // deprecated site-local
		"100::/64",       // discard-only
	} {
		if netip.MustParsePrefix(p).Contains(a) {
			return true
		}
	}
	return false
}

// embeddedIPv4 returns the IPv4 address that a NAT64 (64:ff9b::/96) or 6to4
// (2002::/16) IPv6 address routes to.
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	if !a.Is6() {
		return netip.Addr{}, false
	}
	b := a.As16()
	switch {
	case netip.MustParsePrefix("64:ff9b::/96").Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case netip.MustParsePrefix("2002::/16").Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

// contentType returns the header's media type, or the sniffed one when the
// header is missing, malformed or generic.
func contentType(header string, data []byte) string {
	if mt, params, err := mime.ParseMediaType(header); err == nil {
		switch mt {
		case "application/octet-stream", "binary/octet-stream", "application/binary":
		default:
			if s := mime.FormatMediaType(mt, params); s != "" {
				return s
			}
		}
	}
	return http.DetectContentType(data)
}

// fileName returns the file name from a Content-Disposition header, or the
// last element of u's path when it has an extension.
func fileName(disposition string, u *url.URL) string {
	if _, params, err := mime.ParseMediaType(disposition); err == nil {
		if name := baseName(strings.ReplaceAll(params["filename"], `\`, "/")); name != "" {
			return name
		}
	}
	if u == nil {
		return ""
	}
	if name := baseName(u.Path); path.Ext(name) != "" {
		return name
	}
	return ""
}

// baseName returns the last element of the slash-separated path p, or ""
// when there is none.
func baseName(p string) string {
	name := path.Base(p)
	if name == "." || name == ".." || name == "/" {
		return ""
	}
	return name
}
