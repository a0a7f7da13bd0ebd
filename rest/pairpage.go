package rest

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wauser/wauser"
)

// pairPageFiles are the pairing page: plain HTML, CSS and JavaScript, no
// build step and no external assets.
//
//go:embed pairpage
var pairPageFiles embed.FS

const (
	// pairStreamLifetime bounds one event stream of the pairing page; the
	// browser then reconnects by itself (EventSource).
	pairStreamLifetime = 5 * time.Minute
	// pairStreamKeepAlive is the longest silence on an event stream: a
	// comment line then keeps proxies from closing it.
	pairStreamKeepAlive = 25 * time.Second
	// pairPageCSP allows the page's own script and style, the QR code as a
	// data: image, requests to itself only, and no framing.
	pairPageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

// pairPageRoutes are the routes of the pairing page (Options.PairPage), all
// behind the admin credentials. The page uses relative addresses, so it
// works under any prefix the handler is mounted at.
func (h *handler) pairPageRoutes() []*route {
	page := func(method, path, id string, op operation) *route {
		return &route{method: method, path: path, dialect: pageDialect{}, auth: authAdmin, page: true, id: id, op: op}
	}
	events := page("GET", "/pair/accounts/{id}/events", "pairPageEvents", pairPageEvents(h))
	events.stream = true
	create := page("POST", "/pair/accounts", "pairPageCreateAccount", pairPageCreateAccount(h))
	create.status = http.StatusCreated
	routes := []*route{
		page("GET", "/pair", "pairPage", pairPageFile("index.html", "text/html; charset=utf-8", h.opts.Demo != nil)),
		page("GET", "/pair/app.js", "pairPageScript", pairPageFile("app.js", "text/javascript; charset=utf-8", false)),
		page("GET", "/pair/app.css", "pairPageStyle", pairPageFile("app.css", "text/css; charset=utf-8", false)),
		page("GET", "/pair/accounts", "pairPageAccounts", pairPageAccounts(h)),
		create,
		page("POST", "/pair/accounts/{id}/qr", "pairPageQR", pairPageQR(h)),
		page("POST", "/pair/accounts/{id}/phone", "pairPagePhone", pairPagePhone(h)),
		events,
	}
	return append(routes, h.consoleRoutes()...)
}

// pageDialect is the pairing page's: bare JSON, errors as
// {"error": "..."}, and 403 for a refused request (a 401 would make the
// browser ask for the credentials again).
type pageDialect struct{}

func (pageDialect) name() string                            { return "page" }
func (pageDialect) forbiddenStatus() int                    { return http.StatusForbidden }
func (pageDialect) ok(_ *call, out any) any                 { return out }
func (pageDialect) okSchema(_ *route, data *schema) *schema { return data }
func (pageDialect) failSchema(g *docGen) *schema            { return g.ref(typeOf[syncError]()) }

func (pageDialect) fail(_ *call, _ int, e *apiError) any {
	return syncError{Error: e.message}
}

// setPageHeaders sets the security headers of the page's own answers.
func setPageHeaders(hdr http.Header, contentType string) {
	hdr.Set("Content-Type", contentType)
	hdr.Set("Content-Security-Policy", pairPageCSP)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("Cache-Control", "no-store")
}

// pairPageFile answers one embedded file of the page; demo marks the page
// as a demonstration's (Options.Demo), which then shows its banner and the
// simulated phone.
func pairPageFile(name, contentType string, demo bool) operation {
	return doRaw(func(x *call) error {
		body, err := pairPageFiles.ReadFile("pairpage/" + name)
		if err != nil {
			return fmt.Errorf("rest: pairing page file %s: %w", name, err)
		}
		if demo {
			body = bytes.Replace(body, []byte(`<html lang="en">`), []byte(`<html lang="en" data-demo="true">`), 1)
		}
		setPageHeaders(x.w.Header(), contentType)
		x.w.WriteHeader(http.StatusOK)
		_, _ = x.w.Write(body)
		return nil
	})
}

func pairPageAccounts(h *handler) operation {
	return do(func(x *call) ([]consoleAccount, error) {
		list, err := h.c.ListAccounts(x.ctx)
		if err != nil {
			return nil, err
		}
		return consoleAccounts(list), nil
	})
}

// pairPageNewAccount is the body of POST /pair/accounts.
type pairPageNewAccount struct {
	// ID names the account; empty means a generated id.
	ID wauser.AccountID `json:"id"`
}

func pairPageCreateAccount(h *handler) operation {
	return doBody(func(x *call, in *pairPageNewAccount) (*wauser.Account, error) {
		return h.c.CreateAccount(x.ctx, wauser.CreateAccountRequest{ID: in.ID})
	})
}

// pairPageQR starts pairing the account by QR code (or joins the pairing
// under way) and answers once the first code is ready.
func pairPageQR(h *handler) operation {
	return do(func(x *call) (*pairView, error) {
		c := h.c.WithAccount(wauser.AccountID(x.r.PathValue("id")))
		if _, err := c.PairQR(x.ctx); err != nil {
			return nil, pairFailure(x.ctx, c, err)
		}
		return currentPairView(x.ctx, c, &qrImage{})
	})
}

// pairPagePhoneRequest is the body of POST /pair/accounts/{id}/phone.
type pairPagePhoneRequest struct {
	// Phone is the number of the phone to link, in international format.
	Phone string `json:"phone"`
}

// pairPagePhone starts pairing the account by a code typed on the phone.
// A malformed number is refused (400) before anything reaches WhatsApp.
func pairPagePhone(h *handler) operation {
	return doBody(func(x *call, in *pairPagePhoneRequest) (*pairView, error) {
		c := h.c.WithAccount(wauser.AccountID(x.r.PathValue("id")))
		if _, err := c.PairPhone(x.ctx, in.Phone); err != nil {
			return nil, pairFailure(x.ctx, c, err)
		}
		return currentPairView(x.ctx, c, &qrImage{})
	})
}

// pairFailure tells the page why pairing failed in the words the page's
// status line uses for the same failure (see explain), so that the two
// agree. Other errors are answered as they are.
func pairFailure(ctx context.Context, c *wauser.Client, err error) error {
	if !errors.Is(err, wauser.ErrPairingFailed) {
		return err
	}
	why := ""
	if st, serr := c.Status(ctx); serr == nil {
		why = st.LastError
		if st.Pairing != nil && st.Pairing.Error != "" {
			why = st.Pairing.Error
		}
	}
	if why == "" {
		return err
	}
	return &apiError{status: http.StatusBadGateway, code: "pairing_failed", message: explain(why), cause: err}
}

// pairView is what the pairing page shows of an account: its state, the
// pairing under way with its QR code as an image, and, once linked, who it
// is linked to.
type pairView struct {
	Account   wauser.AccountID     `json:"account"`
	State     wauser.AccountState  `json:"state"`
	Pairing   wauser.PairingStatus `json:"pairing,omitempty"`
	QR        string               `json:"qr,omitempty"`    // the QR code's text
	Image     string               `json:"image,omitempty"` // QR as a PNG data URL
	Code      string               `json:"code,omitempty"`  // phone code XXXX-XXXX
	ExpiresAt time.Time            `json:"expires_at,omitzero"`
	Phone     string               `json:"phone,omitempty"`
	PushName  string               `json:"push_name,omitempty"`
	Error     string               `json:"error,omitempty"` // in words (see explain)
}

// qrImage remembers the last QR code rendered, so a stream renders each
// code once.
type qrImage struct{ text, image string }

func (q *qrImage) render(text string) (string, error) {
	if text != q.text {
		image, err := qrPNG(text)
		if err != nil {
			return "", err
		}
		q.text, q.image = text, image
	}
	return q.image, nil
}

// currentPairView reads the account and its status into a pairView.
func currentPairView(ctx context.Context, c *wauser.Client, q *qrImage) (*pairView, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return nil, err
	}
	return newPairView(ctx, c, st, q)
}

func newPairView(ctx context.Context, c *wauser.Client, st *wauser.Status, q *qrImage) (*pairView, error) {
	acc, err := c.GetAccount(ctx)
	if err != nil {
		return nil, err
	}
	v := &pairView{Account: acc.ID, State: st.State, Phone: acc.Phone, PushName: acc.PushName, Error: explain(st.LastError)}
	if p := st.Pairing; p != nil {
		v.Pairing, v.Code, v.ExpiresAt = p.Status, p.Code, p.ExpiresAt
		if p.Error != "" {
			v.Error = explain(p.Error)
		}
		if p.QR != "" && (p.Status == wauser.PairingQR || p.Status == wauser.PairingCode) {
			v.QR = p.QR
			if v.Image, err = q.render(p.QR); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

// pairKey is what, in a status, the page shows: the stream sends a view
// whenever it changes.
func pairKey(st *wauser.Status) string {
	k := fmt.Sprintf("%s\x00%s", st.State, st.LastError)
	if p := st.Pairing; p != nil {
		k += fmt.Sprintf("\x00%s\x00%s\x00%s\x00%s", p.Status, p.QR, p.Code, p.Error)
	}
	return k
}

// pairPageEvents streams the account's pairView as server-sent events
// ("status"), one at once and one whenever it changes: each new QR code,
// the phone code, the state. The stream ends once the account is connected
// (after that view), when the account is removed ("removed"), or after
// pairStreamLifetime, when the browser reconnects.
func pairPageEvents(h *handler) operation {
	return doRaw(func(x *call) error {
		c := h.c.WithAccount(wauser.AccountID(x.r.PathValue("id")))
		st, err := c.Status(x.ctx)
		if err != nil {
			return err // not found: answered as JSON, nothing was written yet
		}
		setPageHeaders(x.w.Header(), "text/event-stream")
		x.w.Header().Set("X-Accel-Buffering", "no") // no proxy buffering
		x.w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(x.w)
		send := func(event string, data any) bool {
			b, err := json.Marshal(data)
			if err != nil {
				h.log.Error("rest: encode pairing page event", "error", err)
				return false
			}
			if _, err := fmt.Fprintf(x.w, "event: %s\ndata: %s\n\n", event, b); err != nil {
				return false
			}
			return rc.Flush() == nil
		}
		if _, err := fmt.Fprint(x.w, "retry: 3000\n\n"); err != nil {
			return nil
		}
		q := &qrImage{}
		for {
			v, err := newPairView(x.ctx, c, st, q)
			if err != nil {
				h.pairStreamEnd(x, send, err)
				return nil
			}
			if !send("status", v) || v.State == wauser.StateConnected {
				return nil
			}
			key := pairKey(st)
			for {
				wait, cancel := context.WithTimeout(x.ctx, h.streamKeepAlive)
				st, err = c.WaitStatus(wait, func(s *wauser.Status) bool { return pairKey(s) != key })
				cancel()
				if err == nil {
					break
				}
				if x.ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
					h.pairStreamEnd(x, send, err)
					return nil
				}
				if _, err := fmt.Fprint(x.w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
					return nil
				}
			}
		}
	})
}

// pairStreamEnd ends an event stream on err: the account was removed, the
// client left or the stream's time is up, or the store failed.
func (h *handler) pairStreamEnd(x *call, send func(string, any) bool, err error) {
	switch {
	case errors.Is(err, wauser.ErrNotFound):
		send("removed", map[string]string{"account": x.r.PathValue("id")})
	case x.ctx.Err() != nil:
	default:
		h.log.Error("rest: pairing page event stream", "account", x.r.PathValue("id"), "error", err)
	}
}
