package rest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/types"

	"rsc.io/qr"

	"github.com/wauser/wauser"
)

// businessDialect is the Business Server API: every answer is the envelope
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
	env := &businessEnvelope{Data: out, Message: x.route.message, Success: true, Timestamp: x.now.UTC().Format(time.RFC3339)}
	if c, ok := out.(cloudAnswer); ok {
		c.cloud(env)
	}
	return env
}

// fail is the envelope with data null and success false, and next to its
// fields the WhatsApp Cloud API's error object, which the Cloud API's
// clients read.
func (businessDialect) fail(x *call, status int, e *apiError) any {
	return businessEnvelope{Message: e.message, Timestamp: x.now.UTC().Format(time.RFC3339), Error: cloudErrorOf(status, e)}
}

func (businessDialect) okSchema(rt *route, data *schema) *schema {
	if rt.groupsEnvelope {
		return objectSchema(map[string]*schema{
			"groups":  data,
			"message": {Type: "string"},
			"success": {Type: "boolean", Const: true},
		})
	}
	s := objectSchema(map[string]*schema{
		"data":      data,
		"message":   {Type: "string"},
		"success":   {Type: "boolean", Const: true},
		"timestamp": {Type: "string", Format: "date-time"},
	})
	if rt.op.out != nil && rt.op.out.Implements(typeOf[cloudAnswer]()) {
		for name, p := range reflect.Zero(rt.op.out).Interface().(cloudAnswer).cloudSchema() {
			s.Properties[name] = p
		}
	}
	return s
}

func (businessDialect) failSchema(g *docGen) *schema {
	return g.named("BusinessError", func() *schema {
		s := objectSchema(map[string]*schema{
			"data":      {Type: "null"},
			"message":   {Type: "string"},
			"success":   {Type: "boolean", Const: false},
			"timestamp": {Type: "string", Format: "date-time"},
			"error":     cloudErrorSchema(),
		})
		return s
	})
}

// businessEnvelope is the Business Server API's response envelope, with
// the WhatsApp Cloud API's fields beside it where a route answers them.
type businessEnvelope struct {
	Data      any    `json:"data"`
	Message   string `json:"message"`
	Success   bool   `json:"success"`
	Timestamp string `json:"timestamp"`

	// The Cloud API's send answer (POST /v1/messages).
	MessagingProduct string         `json:"messaging_product,omitempty"`
	Contacts         []cloudContact `json:"contacts,omitempty"`
	Messages         []cloudRef     `json:"messages,omitempty"`
	// The upload answer (POST /v1/media): media [{"id"}], and the Cloud
	// API's id.
	Media []cloudRef `json:"media,omitempty"`
	ID    string     `json:"id,omitempty"`
	// The Cloud API's media object (GET /v1/media/{id}).
	URL      string `json:"url,omitempty"`
	MIMEType string `json:"mime_type,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	FileSize *int64 `json:"file_size,omitempty"`
	// The Cloud API's error object, on errors.
	Error *cloudError `json:"error,omitempty"`
}

// groupsEnvelope is the Business Server API's answer to group create, get and
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

// accountInitRequest is the body of POST /v1/accounts: the account (id,
// only_status_updates, webhooks), and webhook_url, a webhook for the new
// account given by its URL alone (as the Business Server API's clients
// send it).
type accountInitRequest struct {
	wauser.CreateAccountRequest
	WebhookURL string `json:"webhook_url,omitempty"`
}

// businessInitAccount creates the account, starts pairing by QR code and
// creates the account's API key. When pairing cannot start, the account is
// removed again and nothing remains.
func businessInitAccount(h *handler) operation {
	return doBody(func(x *call, in *accountInitRequest) (*accountInit, error) {
		req := in.CreateAccountRequest
		if in.WebhookURL != "" && !slices.ContainsFunc(req.Webhooks, func(w wauser.WebhookRequest) bool { return w.URL == in.WebhookURL }) {
			req.Webhooks = append(slices.Clone(req.Webhooks), wauser.WebhookRequest{URL: in.WebhookURL})
		}
		acc, err := h.c.CreateAccount(x.ctx, req)
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
			now.Webhooks = acc.Webhooks // with their secrets, shown only here
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

// businessGetAccount answers a one-element list, as the Business Server API shows.
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

// statusPrivacy is the answer of GET /v1/profile/privacy: the list of
// settings, or with ?default=true the default one as an object
// {type, list, is_default}.
type statusPrivacy struct {
	list []wauser.StatusPrivacy
	one  *wauser.StatusPrivacy
}

func (p statusPrivacy) MarshalJSON() ([]byte, error) {
	if p.one != nil {
		return json.Marshal(p.one)
	}
	return json.Marshal(p.list)
}

func (statusPrivacy) jsonSchema(g *docGen) *schema {
	one := g.ref(typeOf[wauser.StatusPrivacy]())
	return &schema{OneOf: []*schema{{Type: "array", Items: one}, one}}
}

func businessStatusPrivacy() operation {
	return do(func(x *call) (statusPrivacy, error) {
		one, err := queryBool(x.r, "default")
		if err != nil {
			return statusPrivacy{}, err
		}
		list, err := x.c.StatusPrivacy(x.ctx)
		if err != nil {
			return statusPrivacy{}, err
		}
		if !one {
			return statusPrivacy{list: list}, nil
		}
		for i := range list {
			if list[i].IsDefault {
				return statusPrivacy{one: &list[i]}, nil
			}
		}
		if len(list) > 0 {
			return statusPrivacy{one: &list[0]}, nil
		}
		return statusPrivacy{one: &wauser.StatusPrivacy{Type: "contacts", List: []types.JID{}, IsDefault: true}}, nil
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

// businessStatus is the data of GET /v1/status: the Business Server API's
// id, status, whatsapp_name and whatsapp_id, beside the Client's Status.
type businessStatus struct {
	*wauser.Status
	ID wauser.AccountID `json:"id"`
	// State is init (not paired or not yet connected), connected, or error
	// (logged out, replaced by another session, banned, or too old a
	// client version: the account needs attention).
	State string `json:"status"`
	// WhatsAppName is the account's push name, WhatsAppID its JID
	// (without device); empty before pairing.
	WhatsAppName string `json:"whatsapp_name"`
	WhatsAppID   string `json:"whatsapp_id"`
}

func businessStatusOf(st *wauser.Status, acc *wauser.Account) *businessStatus {
	out := &businessStatus{Status: st, ID: st.Account, State: "init", WhatsAppName: acc.PushName}
	switch st.State {
	case wauser.StateConnected:
		out.State = "connected"
	case wauser.StateLoggedOut, wauser.StateStreamReplaced, wauser.StateBanned, wauser.StateOutdated:
		out.State = "error"
	}
	if !acc.JID.IsEmpty() {
		out.WhatsAppID = acc.JID.ToNonAD().String()
	}
	return out
}

func businessStatusRoute() operation {
	return do(func(x *call) (*businessStatus, error) {
		st, err := x.c.Status(x.ctx)
		if err != nil {
			return nil, err
		}
		acc, err := x.c.GetAccount(x.ctx)
		if err != nil {
			return nil, err
		}
		return businessStatusOf(st, acc), nil
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

// Webhooks (the Business Server API's Get, Create, Delete and Delete All Webhooks).

// businessListWebhooks lists the account's webhooks; those for all
// accounts only to keys that reach every account.
func businessListWebhooks() operation {
	return do(func(x *call) ([]*wauser.Webhook, error) {
		list, err := x.c.ListWebhooks(x.ctx)
		if err != nil {
			return nil, err
		}
		return slices.DeleteFunc(list, func(w *wauser.Webhook) bool { return !x.canManage(w) }), nil
	})
}

// businessCreateWebhook answers the webhook with its signing secret,
// shown only here. A webhook for all accounts needs a key that reaches
// every account.
func businessCreateWebhook() operation {
	return doBody(func(x *call, in *wauser.WebhookRequest) (*wauser.Webhook, error) {
		if in.AllAccounts && !x.key.AllAccounts {
			return nil, forbidden("all_accounts needs an API key that reaches every account")
		}
		return x.c.CreateWebhook(x.ctx, *in)
	})
}

// businessDeleteWebhook deletes the webhook with the body's url; the other
// fields of the body, which the Business Server API shows as a whole webhook, are
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
		if !x.canManage(w) {
			return noData{}, &apiError{status: http.StatusNotFound, code: "not_found", message: "no webhook with url " + strconv.Quote(in.URL)}
		}
		return noData{}, x.c.DeleteWebhook(x.ctx, w.ID)
	})
}

// webhooksDeleted answers DELETE /v1/webhooks/all.
type webhooksDeleted struct {
	Deleted int `json:"deleted"`
}

// businessDeleteAllWebhooks deletes the account's webhooks; those for all
// accounts only with a key that reaches every account.
func businessDeleteAllWebhooks() operation {
	return do(func(x *call) (*webhooksDeleted, error) {
		if x.key.AllAccounts {
			n, err := x.c.DeleteAllWebhooks(x.ctx)
			if err != nil {
				return nil, err
			}
			return &webhooksDeleted{Deleted: n}, nil
		}
		list, err := x.c.ListWebhooks(x.ctx)
		if err != nil {
			return nil, err
		}
		out := &webhooksDeleted{}
		for _, w := range list {
			if !x.canManage(w) {
				continue
			}
			switch err := x.c.DeleteWebhook(x.ctx, w.ID); {
			case errors.Is(err, wauser.ErrNotFound): // deleted meanwhile
			case err != nil:
				return nil, err
			default:
				out.Deleted++
			}
		}
		return out, nil
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

// idRef is an element of the Business Server API's arrays of {"id": ...} (group
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

// businessCheckContacts answers data as an object, as the Business Server
// API shows: each number as given maps to its result.
func businessCheckContacts() operation {
	return doBody(func(x *call, in *[]idRef) (map[string]wauser.ContactCheck, error) {
		got, err := x.c.CheckContacts(x.ctx, ids(*in))
		if err != nil {
			return nil, err
		}
		out := make(map[string]wauser.ContactCheck, len(got))
		for _, c := range got {
			out[c.Input] = c
		}
		return out, nil
	})
}

// businessContact is a contact with the Business Server API's integer id,
// a stable number per account (wauser.Contact.Num), and its info object,
// beside the Client's Contact fields.
type businessContact struct {
	ID   int64       `json:"id"`
	Info contactInfo `json:"info"`
	wauser.Contact
	// LastMessageAt is the time of the latest message of the direct chat.
	LastMessageAt time.Time `json:"last_message_at,omitzero"`
}

// contactInfo is the Business Server API's contact info, with its field
// names: whether the contact is known (Found: always, for a listed
// contact), the address book's first and full name, the WhatsApp push
// name and a business's verified name.
type contactInfo struct {
	Found        bool
	FirstName    string
	FullName     string
	PushName     string
	BusinessName string
}

func businessContactOf(c wauser.Contact) businessContact {
	return businessContact{ID: c.Num, Contact: c, LastMessageAt: c.LastMessageAt, Info: contactInfo{
		Found: true, FirstName: c.FirstName, FullName: strings.TrimSpace(c.FirstName + " " + c.LastName),
		PushName: c.WhatsAppPushName, BusinessName: c.BusinessName,
	}}
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
				out = append(out, businessContactOf(c))
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
	op := do(func(x *call) (mediaUploaded, error) {
		m, err := uploadMedia(x)
		return mediaUploaded{m}, err
	})
	op.inDoc = func(g *docGen) map[string]any {
		return map[string]any{
			"multipart/form-data": map[string]any{"schema": &schema{Type: "object", Required: []string{"file"}, Properties: map[string]*schema{
				"file":              {Type: "string", Format: "binary", Description: "The file; its part's Content-Type and file name are used."},
				"type":              {Type: "string", Description: "Send it as: image, video, audio, document or sticker; or, as the Cloud API sends it, the file's MIME type."},
				"file_name":         {Type: "string"},
				"messaging_product": {Type: "string", Enum: []string{"whatsapp"}},
			}}},
			"application/json": map[string]any{"schema": g.in(typeOf[mediaUploadJSON]())},
			"*/*":              map[string]any{"schema": &schema{Type: "string", Format: "binary", Description: "The file, with its Content-Type."}},
		}
	}
	return op
}

// mediaUploaded answers an upload: the media as data, and beside it
// media [{"id"}] and the Cloud API's id.
type mediaUploaded struct{ m *wauser.Media }

func (u mediaUploaded) cloud(env *businessEnvelope) {
	env.Data = u.m
	env.Media = []cloudRef{{ID: string(u.m.ID)}}
	env.ID = string(u.m.ID)
}

func (mediaUploaded) cloudSchema() map[string]*schema {
	return map[string]*schema{
		"media": {Type: "array", Items: objectSchema(map[string]*schema{"id": {Type: "string"}})},
		"id":    {Type: "string", Description: "The media id (the WhatsApp Cloud API's upload answer)."},
	}
}

func (mediaUploaded) jsonSchema(g *docGen) *schema { return g.ref(typeOf[wauser.Media]()) }

// uploadMedia reads an upload in any of its forms and uploads it.
func uploadMedia(x *call) (*wauser.Media, error) {
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
				// The Cloud API sends the file's MIME type here.
				if strings.Contains(string(v), "/") {
					req.MIMEType = string(v)
				} else {
					req.Type = wauser.MediaType(v)
				}
			case "file_name":
				req.FileName = string(v)
			case "messaging_product":
				if err := messagingProduct(v).check(); err != nil {
					return nil, err
				}
			}
			continue
		}
		if req.FileName == "" {
			req.FileName = part.FileName()
		}
		if ct := part.Header.Get("Content-Type"); ct != "" && ct != "application/octet-stream" && req.MIMEType == "" {
			req.MIMEType = ct
		}
		return part, nil
	}
}

// Newsletters.

// businessNewsletter is a newsletter with the Business Server API's field
// names beside the Client's: creation_time, profile (the picture's URL),
// invite (the link's code), subscribers, and role always present.
type businessNewsletter struct {
	*wauser.Newsletter
	CreationTime string `json:"creation_time"` // RFC 3339; empty when WhatsApp did not tell
	Profile      string `json:"profile"`
	Invite       string `json:"invite"`
	Subscribers  int    `json:"subscribers"`
	Role         string `json:"role"`
}

func businessNewsletterOf(n *wauser.Newsletter) *businessNewsletter {
	out := &businessNewsletter{Newsletter: n, Profile: n.PictureURL, Invite: n.InviteCode, Subscribers: n.SubscriberCount, Role: n.Role}
	if !n.CreatedAt.IsZero() {
		out.CreationTime = n.CreatedAt.UTC().Format(time.RFC3339)
	}
	return out
}

func businessListNewsletters() operation {
	return do(func(x *call) ([]*businessNewsletter, error) {
		list, err := x.c.ListNewsletters(x.ctx)
		if err != nil {
			return nil, err
		}
		out := make([]*businessNewsletter, len(list))
		for i, n := range list {
			out[i] = businessNewsletterOf(n)
		}
		return out, nil
	})
}

// newsletterRef is the body of PUT /v1/newsletters.
type newsletterRef struct {
	// ID is the channel's JID (…@newsletter) or invite link.
	ID string `json:"id"`
}

// businessFollowNewsletter takes {"id"} as JSON, or id as a form
// (application/x-www-form-urlencoded or multipart/form-data), as the
// Business Server API's clients send it.
func businessFollowNewsletter() operation {
	op := doBody(func(x *call, in *newsletterRef) (noData, error) {
		return noData{}, x.c.FollowNewsletter(x.ctx, in.ID)
	})
	op.fn = func(x *call) (any, error) {
		var in newsletterRef
		mt, _, _ := mime.ParseMediaType(x.r.Header.Get("Content-Type"))
		switch mt {
		case "application/x-www-form-urlencoded", "multipart/form-data":
			if err := x.r.ParseMultipartForm(64 << 10); err != nil && !errors.Is(err, http.ErrNotMultipart) {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return nil, err
				}
				return nil, badRequest("invalid_body", "malformed form body")
			}
			in.ID = x.r.PostForm.Get("id")
			if !cleanText(in.ID) || strings.IndexByte(in.ID, 0) >= 0 {
				return nil, badRequest("invalid_argument", "id holds a control character or is not UTF-8")
			}
		default:
			if err := x.decode(&in, false); err != nil {
				return nil, err
			}
		}
		if in.ID == "" {
			return nil, badRequest("invalid_argument", "id is required: the channel's JID or invite link")
		}
		return noData{}, x.c.FollowNewsletter(x.ctx, in.ID)
	}
	op.inDoc = func(g *docGen) map[string]any {
		form := map[string]any{"schema": &schema{Type: "object", Required: []string{"id"}, Properties: map[string]*schema{"id": {Type: "string"}}}}
		return map[string]any{
			"application/json":                  map[string]any{"schema": g.in(typeOf[newsletterRef]())},
			"application/x-www-form-urlencoded": form,
			"multipart/form-data":               form,
		}
	}
	return op
}

func businessGetNewsletter() operation {
	return do(func(x *call) (*businessNewsletter, error) {
		n, err := x.c.GetNewsletter(x.ctx, x.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return businessNewsletterOf(n), nil
	})
}

func businessUnfollowNewsletter() operation {
	return do(func(x *call) (noData, error) {
		return noData{}, x.c.UnfollowNewsletter(x.ctx, x.r.PathValue("id"))
	})
}

// cloudMedia answers GET /v1/media/{id}: the media as data, and beside it
// the Cloud API's media object {messaging_product, url, mime_type, sha256,
// file_size, id}, whose url downloads the file with the same API key.
type cloudMedia struct {
	m   *wauser.Media
	url string
}

func (c cloudMedia) cloud(env *businessEnvelope) {
	env.Data = c.m
	env.MessagingProduct = "whatsapp"
	env.URL, env.MIMEType, env.SHA256, env.ID = c.url, c.m.MIMEType, c.m.SHA256, string(c.m.ID)
	size := c.m.Size
	env.FileSize = &size
}

func (cloudMedia) cloudSchema() map[string]*schema {
	return map[string]*schema{
		"messaging_product": {Type: "string", Const: "whatsapp"},
		"url":               {Type: "string", Format: "uri", Description: "GET it with the same API key for the file."},
		"mime_type":         {Type: "string"},
		"sha256":            {Type: "string", Description: "Hex SHA-256 of the file."},
		"file_size":         {Type: "integer", Format: "int64"},
		"id":                {Type: "string"},
	}
}

func (cloudMedia) jsonSchema(g *docGen) *schema { return g.ref(typeOf[wauser.Media]()) }

func businessGetMedia() operation {
	return do(func(x *call) (cloudMedia, error) {
		m, err := x.c.GetMedia(x.ctx, wauser.MediaID(x.r.PathValue("media_id")))
		if err != nil {
			return cloudMedia{}, err
		}
		return cloudMedia{m: m, url: x.absoluteURL("/v1/media/" + url.PathEscape(string(m.ID)) + "/file")}, nil
	})
}

// absoluteURL is the URL of path on this handler as the client reached it:
// the request's scheme and host, and the prefix the handler is mounted
// under (what http.StripPrefix took away).
func (x *call) absoluteURL(path string) string {
	scheme := "http"
	if x.r.TLS != nil {
		scheme = "https"
	}
	prefix := ""
	if u, err := url.ParseRequestURI(x.r.RequestURI); err == nil {
		prefix, _ = strings.CutSuffix(u.Path, x.r.URL.Path)
	}
	return scheme + "://" + x.r.Host + prefix + path
}

// businessDownloadMedia answers the file of an upload
// (Client.DownloadUploadedMedia), with its MIME type.
func businessDownloadMedia() operation {
	op := doRaw(func(x *call) error {
		f, err := x.c.DownloadUploadedMedia(x.ctx, wauser.MediaID(x.r.PathValue("media_id")))
		if err != nil {
			return err
		}
		writeFile(x, f, "")
		return nil
	})
	op.outDoc = func(*docGen) map[string]any {
		return map[string]any{"*/*": map[string]any{"schema": &schema{Type: "string", Format: "binary", Description: "The file, with its media type."}}}
	}
	return op
}
