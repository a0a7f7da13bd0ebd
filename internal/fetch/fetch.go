// Package fetch downloads media from URLs for wauser: the size is bounded,
// the content type is sniffed when the server does not say, and addresses
// on loopback, private, link-local and other non-public networks are
// refused before anything is connected to (see internal/netguard), for the
// URL and for every redirect, however the host is spelled or resolves.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/wauser/wauser/internal/netguard"
)

// Errors returned by Get. Callers match them with errors.Is.
var (
	// ErrBlocked: the URL led to an address that is not public (the
	// same error whatever the reason; see netguard.AddressError).
	ErrBlocked = netguard.ErrForbidden
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
// documentation). Without AllowPrivate the copy dials through the guard,
// ignoring the transport's proxy and dial functions: through them, the
// address dialed could not be checked before connecting.
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
	switch t := hc.Transport.(type) {
	case nil:
		dt, ok := http.DefaultTransport.(*http.Transport)
		if !ok {
			return nil, fmt.Errorf("%w: http.DefaultTransport is a %T", ErrUnguardable, http.DefaultTransport)
		}
		c.Transport = netguard.Transport(dt)
	case *http.Transport:
		c.Transport = netguard.Transport(t)
	default:
		return nil, fmt.Errorf("%w: the client's Transport is a %T", ErrUnguardable, hc.Transport)
	}
	return &c, nil
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
