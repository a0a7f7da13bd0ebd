package rest

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"time"

	"rsc.io/qr"

	"github.com/wauser/wauser"
)

// businessDialect is document 003: every answer is the envelope
// {data, message, success, timestamp}, errors included (data null, success
// false).
type businessDialect struct{}

func (businessDialect) name() string         { return "business" }
func (businessDialect) forbiddenStatus() int { return http.StatusForbidden }

func (businessDialect) ok(x *call, out any) any {
	if _, ok := out.(noData); ok {
		out = nil
	}
	return businessEnvelope{Data: out, Message: x.route.message, Success: true, Timestamp: x.now.UTC().Format(time.RFC3339)}
}

func (businessDialect) fail(x *call, _ int, e *apiError) any {
	return businessEnvelope{Message: e.message, Timestamp: x.now.UTC().Format(time.RFC3339)}
}

func (businessDialect) okSchema(data *schema) *schema {
	return objectSchema(map[string]*schema{
		"data":      data,
		"message":   {Type: "string"},
		"success":   {Type: "boolean", Const: true},
		"timestamp": {Type: "string", Format: "date-time"},
	})
}

func (businessDialect) failSchema(g *docGen) *schema {
	return g.named("BusinessError", func() *schema {
		return objectSchema(map[string]*schema{
			"data":      {Type: "null"},
			"message":   {Type: "string"},
			"success":   {Type: "boolean", Const: false},
			"timestamp": {Type: "string", Format: "date-time"},
		})
	})
}

// businessEnvelope is document 003's response envelope.
type businessEnvelope struct {
	Data      any    `json:"data"`
	Message   string `json:"message"`
	Success   bool   `json:"success"`
	Timestamp string `json:"timestamp"`
}

// accountInit is the data of POST /v1/accounts: the new account, an API key
// for it (shown once), and the first QR code to scan, as text and as a PNG.
type accountInit struct {
	wauser.Account
	// Token is an API key for this account only, with every scope. It is
	// shown once.
	Token string `json:"token"`
	// Code is the QR code's text (render it, or use Image); it rotates: read
	// the current one with GET /v1/whatsapp/pair/status.
	Code string `json:"code"`
	// Image is Code as a PNG data URL (data:image/png;base64,...).
	Image string `json:"image"`
}

// businessInitAccount creates the account, starts pairing by QR code and
// creates the account's API key. When pairing cannot start, the account is
// removed again and nothing remains.
func businessInitAccount(h *handler) operation {
	return doBody(func(x *call, in *wauser.CreateAccountRequest) (*accountInit, error) {
		acc, err := h.c.CreateAccount(x.ctx, *in)
		if err != nil {
			return nil, err
		}
		bound := h.c.WithAccount(acc.ID)
		undo := func(err error) (*accountInit, error) {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(x.ctx), 10*time.Second)
			defer cancel()
			if lerr := bound.Logout(ctx); lerr != nil {
				h.log.Error("rest: remove the account of a failed init", "account", string(acc.ID), "error", lerr)
			}
			return nil, err
		}
		p, err := bound.PairQR(x.ctx)
		if err != nil {
			return undo(err)
		}
		png, err := qrPNG(p.QR)
		if err != nil {
			return undo(err)
		}
		key, err := h.c.CreateAPIKey(x.ctx, wauser.CreateAPIKeyRequest{
			Name:     "account " + string(acc.ID),
			Scopes:   wauser.AllScopes(),
			Accounts: []wauser.AccountID{acc.ID},
		})
		if err != nil {
			return undo(err)
		}
		if now, err := bound.GetAccount(x.ctx); err == nil {
			acc = now
		}
		return &accountInit{Account: *acc, Token: key.Key, Code: p.QR, Image: png}, nil
	})
}

// qrPNG renders text as a QR code PNG data URL.
func qrPNG(text string) (string, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(code.PNG()), nil
}

func businessListAccounts() operation {
	return do(func(x *call) ([]*wauser.Account, error) {
		all, err := x.c.ListAccounts(x.ctx)
		if err != nil {
			return nil, err
		}
		out := []*wauser.Account{}
		for _, a := range all {
			if x.key.CanAccess(a.ID) {
				out = append(out, a)
			}
		}
		return out, nil
	})
}

// businessGetAccount answers a one-element list, as document 003 shows.
func businessGetAccount() operation {
	return do(func(x *call) ([]*wauser.Account, error) {
		a, err := x.c.GetAccount(x.ctx)
		if err != nil {
			return nil, err
		}
		return []*wauser.Account{a}, nil
	})
}

func businessLogout() operation {
	return do(func(x *call) (noData, error) {
		return noData{}, x.c.Logout(x.ctx)
	})
}

func businessPairCode() operation {
	return do(func(x *call) (string, error) {
		p, err := x.c.PairPhone(x.ctx, x.r.URL.Query().Get("phone"))
		if err != nil {
			return "", err
		}
		return p.Code, nil
	})
}

func businessStatusPrivacy() operation {
	return do(func(x *call) ([]wauser.StatusPrivacy, error) {
		return x.c.StatusPrivacy(x.ctx)
	})
}

func businessRefresh() operation {
	return do(func(x *call) (noData, error) {
		force, err := queryBool(x.r, "force")
		if err != nil {
			return noData{}, err
		}
		return noData{}, x.c.Refresh(x.ctx, force)
	})
}

func businessStatus() operation {
	return do(func(x *call) (*wauser.Status, error) {
		return x.c.Status(x.ctx)
	})
}

func businessStatusAudience() operation {
	return do(func(x *call) ([]wauser.StatusViewer, error) {
		return x.c.StatusAudience(x.ctx)
	})
}

// queryBool reads an optional boolean query parameter.
func queryBool(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest("invalid_argument", "query parameter %s: %q is not true or false", name, v)
	}
	return b, nil
}
