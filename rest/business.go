package rest

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
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
	if x.route.groupsEnvelope {
		return groupsEnvelope{Groups: out, Message: x.route.message, Success: true}
	}
	return businessEnvelope{Data: out, Message: x.route.message, Success: true, Timestamp: x.now.UTC().Format(time.RFC3339)}
}

func (businessDialect) fail(x *call, _ int, e *apiError) any {
	return businessEnvelope{Message: e.message, Timestamp: x.now.UTC().Format(time.RFC3339)}
}

func (businessDialect) okSchema(rt *route, data *schema) *schema {
	if rt.groupsEnvelope {
		return objectSchema(map[string]*schema{
			"groups":  data,
			"message": {Type: "string"},
			"success": {Type: "boolean", Const: true},
		})
	}
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

// groupsEnvelope is document 003's answer to group create, get and
// update: the group under "groups", and no timestamp.
type groupsEnvelope struct {
	Groups  any    `json:"groups"`
	Message string `json:"message"`
	Success bool   `json:"success"`
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

// Webhooks (document 003's Get, Create, Delete and Delete All Webhooks).

func businessListWebhooks() operation {
	return do(func(x *call) ([]*wauser.Webhook, error) {
		return x.c.ListWebhooks(x.ctx)
	})
}

// businessCreateWebhook answers the webhook with its signing secret,
// shown only here.
func businessCreateWebhook() operation {
	return doBody(func(x *call, in *wauser.WebhookRequest) (*wauser.Webhook, error) {
		return x.c.CreateWebhook(x.ctx, *in)
	})
}

// businessDeleteWebhook deletes the webhook with the body's url; the other
// fields of the body, which document 003 shows as a whole webhook, are
// ignored.
func businessDeleteWebhook() operation {
	return doBody(func(x *call, in *wauser.WebhookRequest) (noData, error) {
		if in.URL == "" {
			return noData{}, badRequest("invalid_argument", "url is required")
		}
		w, err := x.c.GetWebhookByURL(x.ctx, in.URL)
		if err != nil {
			return noData{}, err
		}
		return noData{}, x.c.DeleteWebhook(x.ctx, w.ID)
	})
}

// webhooksDeleted answers DELETE /v1/webhooks/all.
type webhooksDeleted struct {
	Deleted int `json:"deleted"`
}

func businessDeleteAllWebhooks() operation {
	return do(func(x *call) (*webhooksDeleted, error) {
		n, err := x.c.DeleteAllWebhooks(x.ctx)
		if err != nil {
			return nil, err
		}
		return &webhooksDeleted{Deleted: n}, nil
	})
}

// Chats.

func businessArchiveChat(archive bool) operation {
	return do(func(x *call) (noData, error) {
		chat := x.r.PathValue("chatId")
		if archive {
			return noData{}, x.c.ArchiveChat(x.ctx, chat)
		}
		return noData{}, x.c.UnarchiveChat(x.ctx, chat)
	})
}

// Contacts.

// idRef is an element of document 003's arrays of {"id": ...} (group
// members, phone numbers to check).
type idRef struct {
	ID string `json:"id"`
}

func ids(in []idRef) []string {
	out := make([]string, len(in))
	for i, r := range in {
		out[i] = r.ID
	}
	return out
}

func businessCheckContacts() operation {
	return doBody(func(x *call, in *[]idRef) ([]wauser.ContactCheck, error) {
		return x.c.CheckContacts(x.ctx, ids(*in))
	})
}

// businessContact is a contact with document 003's integer id, a stable
// number per account (wauser.Contact.Num).
type businessContact struct {
	ID int64 `json:"id"`
	wauser.Contact
	// LastMessageAt is the time of the latest message of the direct chat.
	LastMessageAt time.Time `json:"last_message_at,omitzero"`
}

// businessContacts lists every contact, in the order they became known.
func businessContacts() operation {
	return do(func(x *call) ([]businessContact, error) {
		out := []businessContact{}
		for cursor := ""; ; {
			page, err := x.c.ListContacts(x.ctx, wauser.ListContactsOptions{Cursor: cursor, Limit: wauser.MaxListLimit})
			if err != nil {
				return nil, err
			}
			for _, c := range page.Contacts {
				out = append(out, businessContact{ID: c.Num, Contact: c, LastMessageAt: c.LastMessageAt})
			}
			if page.NextCursor == "" {
				return out, nil
			}
			cursor = page.NextCursor
		}
	})
}

// Media.

// mediaUploadJSON is the JSON form of an upload: a file to fetch.
type mediaUploadJSON struct {
	URL      string           `json:"url"`
	MIMEType string           `json:"mime_type,omitempty"`
	Type     wauser.MediaType `json:"type,omitempty"`
	FileName string           `json:"file_name,omitempty"`
}

// businessUploadMedia uploads a file, given as multipart/form-data (the
// first file part; the form fields type and file_name may come before
// it), as the raw body with its Content-Type, or as JSON naming a url to
// fetch. The query parameters type and file_name apply to the raw and
// multipart forms.
func businessUploadMedia() operation {
	op := do(func(x *call) (*wauser.Media, error) {
		q := x.r.URL.Query()
		req := wauser.UploadMediaRequest{Type: wauser.MediaType(q.Get("type")), FileName: q.Get("file_name")}
		ct := x.r.Header.Get("Content-Type")
		mt, params, err := mime.ParseMediaType(ct)
		switch {
		case ct == "":
			return nil, &apiError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type",
				message: "send the file as multipart/form-data, or as the body with its Content-Type"}
		case err != nil:
			return nil, badRequest("invalid_body", "Content-Type %q is not a media type", ct)
		case mt == "application/json":
			var in mediaUploadJSON
			if err := x.decode(&in, false); err != nil {
				return nil, err
			}
			req = wauser.UploadMediaRequest{URL: in.URL, MIMEType: in.MIMEType, Type: in.Type, FileName: in.FileName}
			if in.URL == "" {
				return nil, badRequest("invalid_argument", "url is required in a JSON upload; send files as multipart/form-data or as the body")
			}
		case mt == "multipart/form-data":
			part, err := filePart(x, params["boundary"], &req)
			if err != nil {
				return nil, err
			}
			defer part.Close()
			req.Reader = part
		case mt == "application/octet-stream":
			req.Reader = x.r.Body // the type is sniffed from the first bytes
		default:
			req.Reader, req.MIMEType = x.r.Body, ct
		}
		return x.c.UploadMedia(x.ctx, req)
	})
	op.inDoc = func(g *docGen) map[string]any {
		return map[string]any{
			"multipart/form-data": map[string]any{"schema": &schema{Type: "object", Required: []string{"file"}, Properties: map[string]*schema{
				"file":      {Type: "string", Format: "binary", Description: "The file; its part's Content-Type and file name are used."},
				"type":      g.ref(typeOf[wauser.MediaType]()),
				"file_name": {Type: "string"},
			}}},
			"application/json": map[string]any{"schema": g.in(typeOf[mediaUploadJSON]())},
			"*/*":              map[string]any{"schema": &schema{Type: "string", Format: "binary", Description: "The file, with its Content-Type."}},
		}
	}
	return op
}

// filePart returns the first file part of a multipart body, taking the
// form fields type and file_name that come before it into req.
func filePart(x *call, boundary string, req *wauser.UploadMediaRequest) (*multipart.Part, error) {
	if boundary == "" {
		return nil, badRequest("invalid_body", "multipart/form-data without a boundary")
	}
	mr := multipart.NewReader(x.r.Body, boundary)
	for {
		part, err := mr.NextPart()
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return nil, err
		case errors.Is(err, io.EOF):
			return nil, badRequest("invalid_body", "the multipart body has no file part")
		case err != nil:
			return nil, badRequest("invalid_body", "malformed multipart body")
		}
		if part.FileName() == "" {
			name := part.FormName()
			v, err := io.ReadAll(io.LimitReader(part, 1024))
			_ = part.Close()
			if err != nil {
				return nil, badRequest("invalid_body", "malformed multipart body")
			}
			switch name {
			case "type":
				req.Type = wauser.MediaType(v)
			case "file_name":
				req.FileName = string(v)
			}
			continue
		}
		if req.FileName == "" {
			req.FileName = part.FileName()
		}
		if ct := part.Header.Get("Content-Type"); ct != "" && ct != "application/octet-stream" {
			req.MIMEType = ct
		}
		return part, nil
	}
}

// Newsletters.

func businessListNewsletters() operation {
	return do(func(x *call) ([]*wauser.Newsletter, error) {
		return x.c.ListNewsletters(x.ctx)
	})
}

// newsletterRef is the body of PUT /v1/newsletters.
type newsletterRef struct {
	// ID is the channel's JID (…@newsletter) or invite link.
	ID string `json:"id"`
}

func businessFollowNewsletter() operation {
	return doBody(func(x *call, in *newsletterRef) (noData, error) {
		return noData{}, x.c.FollowNewsletter(x.ctx, in.ID)
	})
}

func businessGetNewsletter() operation {
	return do(func(x *call) (*wauser.Newsletter, error) {
		return x.c.GetNewsletter(x.ctx, x.r.PathValue("id"))
	})
}

func businessUnfollowNewsletter() operation {
	return do(func(x *call) (noData, error) {
		return noData{}, x.c.UnfollowNewsletter(x.ctx, x.r.PathValue("id"))
	})
}
