package rest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
)

// The WhatsApp Cloud API shapes of the business dialect. The Business
// Server API follows Meta's WhatsApp Cloud API for messages and media, and
// its clients send and parse those shapes: messaging_product, text
// {body, preview_url}, media objects {id | link, caption, filename},
// context {message_id}, read marks {status: "read", message_id},
// interactive objects with header, body and footer objects and an action,
// and the answers {messaging_product, contacts, messages} and
// {messaging_product, url, mime_type, sha256, file_size, id}. They are
// taken next to the shapes the Business Server API documents, and mapped
// onto the Client's requests here.

// messagingProduct is the Cloud API's messaging_product: "whatsapp", or
// left out.
type messagingProduct string

func (p messagingProduct) check() error {
	if p != "" && p != "whatsapp" {
		return badRequest("invalid_argument", "messaging_product %q: only \"whatsapp\"", string(p))
	}
	return nil
}

func (messagingProduct) jsonSchema(*docGen) *schema {
	return &schema{Type: "string", Enum: []string{"whatsapp"}, Description: "The WhatsApp Cloud API's product name; optional."}
}

// mediaObject is the file of an image, video, audio, document or sticker
// message: the id of a file uploaded with POST /v1/media, or a URL to
// fetch (link, as the Cloud API names it, or url), with a caption and,
// for documents, a file name.
type mediaObject struct {
	ID wauser.MediaID `json:"id,omitempty"`
	// Link is the Cloud API's name for URL.
	Link     string `json:"link,omitempty"`
	URL      string `json:"url,omitempty"`
	Caption  string `json:"caption,omitempty"`
	FileName string `json:"filename,omitempty"`
	MIMEType string `json:"mime_type,omitempty"`
	// Voice sends audio as a voice note.
	Voice bool `json:"voice,omitempty"`
}

// media is the Client's form of m (nil for nil).
func (m *mediaObject) media(field string) (*wauser.MediaMessage, error) {
	if m == nil {
		return nil, nil
	}
	u := m.URL
	switch {
	case m.Link != "" && m.URL != "" && m.Link != m.URL:
		return nil, badRequest("invalid_argument", "%s: link and url name different files; give one", field)
	case m.Link != "":
		u = m.Link
	}
	return &wauser.MediaMessage{ID: m.ID, URL: u, Caption: m.Caption, FileName: m.FileName, MIMEType: m.MIMEType, Voice: m.Voice}, nil
}

// textObject is a text given as {"type": "text", "text": "..."} (the Cloud
// API's header, body and footer) or as a plain string.
type textObject struct {
	// Type is "text", or left out; the Cloud API's media headers (image,
	// video, document) are not supported.
	Type string `json:"type,omitempty"`
	Text string `json:"text"`
}

func (t *textObject) UnmarshalJSON(b []byte) error {
	if s := bytes.TrimSpace(b); len(s) > 0 && s[0] == '"' {
		*t = textObject{}
		return json.Unmarshal(s, &t.Text)
	}
	type plain textObject
	return json.Unmarshal(b, (*plain)(t))
}

func (textObject) jsonSchema(*docGen) *schema {
	return &schema{OneOf: []*schema{
		{Type: "string"},
		{Type: "object", Properties: map[string]*schema{"type": {Type: "string", Enum: []string{"text"}}, "text": {Type: "string"}}},
	}}
}

func (t *textObject) text(field string) (string, error) {
	if t == nil {
		return "", nil
	}
	if t.Type != "" && t.Type != "text" {
		return "", badRequest("invalid_argument", "%s.type %q: only text is supported (a linked device cannot send media headers)", field, t.Type)
	}
	return t.Text, nil
}

// interactiveButton is a reply button: {"id", "title"}, or the Cloud API's
// {"type": "reply", "reply": {"id", "title"}}.
type interactiveButton struct {
	Type  string                    `json:"type,omitempty"`
	Reply *wauser.InteractiveButton `json:"reply,omitempty"`
	ID    string                    `json:"id,omitempty"`
	Title string                    `json:"title,omitempty"`
}

// interactiveAction is the Cloud API's action: buttons (button), the list
// button's label and sections (list), or the link (cta_url).
type interactiveAction struct {
	Button   string                      `json:"button,omitempty"`
	Buttons  []interactiveButton         `json:"buttons,omitempty"`
	Sections []wauser.InteractiveSection `json:"sections,omitempty"`
	// Name and Parameters are a cta_url message's: name "cta_url" and
	// {display_text, url}.
	Name       string         `json:"name,omitempty"`
	Parameters *ctaParameters `json:"parameters,omitempty"`
}

type ctaParameters struct {
	DisplayText string `json:"display_text"`
	URL         string `json:"url"`
}

// interactiveObject is an interactive message: the Cloud API's object
// (type button, list or cta_url; header, body and footer as {"text"}
// objects; action with buttons, or button and sections, or the cta_url
// parameters), or the Business Server API's flat form (header, body and
// footer as strings; buttons, button and sections at the top).
type interactiveObject struct {
	Type     string                      `json:"type"`
	Header   *textObject                 `json:"header,omitempty"`
	Body     *textObject                 `json:"body,omitempty"`
	Footer   *textObject                 `json:"footer,omitempty"`
	Action   *interactiveAction          `json:"action,omitempty"`
	Buttons  []interactiveButton         `json:"buttons,omitempty"`
	Button   string                      `json:"button,omitempty"`
	Sections []wauser.InteractiveSection `json:"sections,omitempty"`
}

// interactiveTypes are the interactive types sent.
var interactiveTypes = []string{"button", "list", "cta_url"}

// request maps the object onto the Client's request: a button or list
// message, or, for cta_url, a text message reading header, body, the
// link's label and URL, and footer (a linked device cannot send a link
// button; the text carries the link, with its preview).
func (in *interactiveObject) request(req *wauser.SendMessageRequest) error {
	header, err := in.Header.text("interactive.header")
	if err != nil {
		return err
	}
	body, err := in.Body.text("interactive.body")
	if err != nil {
		return err
	}
	footer, err := in.Footer.text("interactive.footer")
	if err != nil {
		return err
	}
	act := in.Action
	if act == nil {
		act = &interactiveAction{}
	}
	out := &wauser.Interactive{Type: in.Type, Header: header, Body: body, Footer: footer}
	switch in.Type {
	case "button":
		buttons := in.Buttons
		if len(act.Buttons) > 0 {
			buttons = act.Buttons
		}
		for i, b := range buttons {
			switch {
			case b.Type != "" && b.Type != "reply":
				return badRequest("invalid_argument", "interactive.action.buttons[%d].type %q: only reply buttons", i, b.Type)
			case b.Reply != nil:
				out.Buttons = append(out.Buttons, *b.Reply)
			default:
				out.Buttons = append(out.Buttons, wauser.InteractiveButton{ID: b.ID, Title: b.Title})
			}
		}
	case "list":
		out.Button, out.Sections = in.Button, in.Sections
		if act.Button != "" {
			out.Button = act.Button
		}
		if len(act.Sections) > 0 {
			out.Sections = act.Sections
		}
	case "cta_url":
		p := act.Parameters
		switch {
		case act.Name != "" && act.Name != "cta_url":
			return badRequest("invalid_argument", "interactive.action.name %q: a cta_url message's is cta_url", act.Name)
		case p == nil || p.URL == "" || p.DisplayText == "":
			return badRequest("invalid_argument", "interactive.action.parameters: display_text and url are required")
		case body == "":
			return badRequest("invalid_argument", "interactive.body.text is required")
		}
		if u, err := url.Parse(p.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return badRequest("invalid_argument", "interactive.action.parameters.url %q is not an http or https URL", p.URL)
		}
		var parts []string
		for _, s := range []string{header, body, p.DisplayText + ": " + p.URL, footer} {
			if s != "" {
				parts = append(parts, s)
			}
		}
		req.Type, req.Text = "", strings.Join(parts, "\n\n")
		return nil
	default:
		return badRequest("invalid_argument", "interactive.type %q is not one of %v", in.Type, interactiveTypes)
	}
	req.Interactive = out
	return nil
}

// cloudContact is an element of the send answer's contacts: the recipient
// as given (input) and its WhatsApp id.
type cloudContact struct {
	Input string `json:"input"`
	WAID  string `json:"wa_id"`
}

// cloudRef is {"id"}: an element of the send answer's messages and of the
// upload answer's media.
type cloudRef struct {
	ID string `json:"id"`
}

// waID is a chat's WhatsApp id as the Cloud API shows it: a person's phone
// number (digits), or the JID of anything else.
func waID(chat string) string {
	if j, err := types.ParseJID(chat); err == nil && j.Server == types.DefaultUserServer {
		return j.User
	}
	return chat
}

// cloudAnswer is an answer of the business dialect that carries Cloud API
// fields next to the envelope's.
type cloudAnswer interface {
	// cloud fills the envelope: its data and the Cloud API fields.
	cloud(env *businessEnvelope)
	// cloudSchema describes the Cloud API fields (all optional).
	cloudSchema() map[string]*schema
}

// cloudError is the Cloud API's error object, sent next to the envelope's
// fields of every error of the business dialect.
type cloudError struct {
	Message      string         `json:"message"`
	Type         string         `json:"type"`
	Code         int            `json:"code"`
	ErrorSubcode int            `json:"error_subcode,omitempty"`
	ErrorData    cloudErrorData `json:"error_data"`
}

type cloudErrorData struct {
	MessagingProduct string `json:"messaging_product"`
	Details          string `json:"details"`
}

// cloudErrorOf maps an error answer to the Cloud API's codes: 100 invalid
// parameter (400, 404, 413, 415), 190 access token (401), 10 permission
// (403), 133010 account not registered (409), 130429 rate limit (429),
// 131000 something went wrong (500, 502), 2 service unavailable (503).
func cloudErrorOf(status int, e *apiError) *cloudError {
	c := &cloudError{Message: e.message, Type: "OAuthException", ErrorData: cloudErrorData{MessagingProduct: "whatsapp", Details: e.message}}
	switch status {
	case http.StatusUnauthorized:
		c.Code = 190
	case http.StatusForbidden:
		c.Code = 10
	case http.StatusNotFound:
		c.Code, c.ErrorSubcode, c.Type = 100, 33, "GraphMethodException"
	case http.StatusConflict:
		c.Code = 133010
	case http.StatusTooManyRequests:
		c.Code = 130429
	case http.StatusServiceUnavailable:
		c.Code = 2
	default:
		if status >= 500 {
			c.Code = 131000
		} else {
			c.Code = 100
		}
	}
	return c
}

func cloudErrorSchema() *schema {
	return &schema{Type: "object", Description: "The WhatsApp Cloud API's error object.", Required: []string{"code", "error_data", "message", "type"},
		Properties: map[string]*schema{
			"message":       {Type: "string"},
			"type":          {Type: "string"},
			"code":          {Type: "integer"},
			"error_subcode": {Type: "integer"},
			"error_data": objectSchema(map[string]*schema{
				"messaging_product": {Type: "string", Const: "whatsapp"},
				"details":           {Type: "string"},
			}),
		}}
}
