package rest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
)

// Messages and contact names of the business dialect (the Business Server API).

// businessMessageType is a message type of the Business Server API.
type businessMessageType string

var businessMessageTypes = []businessMessageType{
	"text", "image", "video", "audio", "document", "location", "poll", "reaction", "invite", "interactive", "status",
}

// businessText is the text object, {"body", "preview_url"} (the Business
// Server API's and the WhatsApp Cloud API's); a plain string is taken too.
type businessText struct {
	Body string `json:"body"`
	// PreviewURL previews the first link of the text (the Cloud API puts it
	// here; the top-level preview_url does the same).
	PreviewURL bool `json:"preview_url,omitempty"`
}

// UnmarshalJSON takes the object or a string.
func (t *businessText) UnmarshalJSON(b []byte) error {
	if s := bytes.TrimSpace(b); len(s) > 0 && s[0] == '"' {
		*t = businessText{}
		return json.Unmarshal(s, &t.Body)
	}
	type plain businessText
	return json.Unmarshal(b, (*plain)(t))
}

func (businessText) jsonSchema(*docGen) *schema {
	return &schema{OneOf: []*schema{
		{Type: "object", Properties: map[string]*schema{
			"body":        {Type: "string", Description: "The text."},
			"preview_url": {Type: "boolean", Description: "Preview the first link of the text."},
		}},
		{Type: "string", Description: "The text, without the object around it."},
	}}
}

// businessSendRequest is the Business Server API's "Send message to Chat",
// which also takes the WhatsApp Cloud API's shapes: to and one content
// field, the one type names (type may be left out). Status messages need
// no to when they mark a stored message; a Cloud API read mark is
// {"messaging_product": "whatsapp", "status": "read", "message_id"}.
type businessSendRequest struct {
	MessagingProduct messagingProduct `json:"messaging_product,omitempty"`
	// To is the recipient: a phone number, a JID, or with recipient_type
	// "group" a bare group id.
	To            string               `json:"to"`
	RecipientType wauser.RecipientType `json:"recipient_type,omitempty"`
	Type          businessMessageType  `json:"type,omitempty"`
	// ID is the caller's id of the message (1 to 64 letters and digits),
	// an idempotency key: sending the same id again sends nothing and
	// answers the stored message, whose client_id it is. WhatsApp gets an
	// id whatsmeow makes (wa_message_id).
	ID          string                 `json:"id,omitempty"`
	Text        *businessText          `json:"text,omitempty"`
	PreviewURL  bool                   `json:"preview_url,omitempty"`
	Image       *mediaObject           `json:"image,omitempty"`
	Video       *mediaObject           `json:"video,omitempty"`
	Audio       *mediaObject           `json:"audio,omitempty"`
	Document    *mediaObject           `json:"document,omitempty"`
	Location    *wauser.Location       `json:"location,omitempty"`
	Poll        *wauser.Poll           `json:"poll,omitempty"`
	Reaction    *wauser.Reaction       `json:"reaction,omitempty"`
	Invite      *wauser.GroupInvite    `json:"invite,omitempty"`
	Interactive *interactiveObject     `json:"interactive,omitempty"`
	Status      wauser.ChatStatus      `json:"status,omitempty"`
	Context     *wauser.MessageContext `json:"context,omitempty"`
	// MessageID is the message a Cloud API read mark (status "read")
	// marks; the same as context.message_id.
	MessageID string `json:"message_id,omitempty"`
	// Participants names who receives a group message. WhatsApp (through
	// whatsmeow) sends a group message to every member, so the list must
	// name them all (in any order and form); a list of some members only
	// is refused (400) rather than sent to everyone.
	Participants []string `json:"participants,omitempty"`
}

// businessSent answers a send: the message as stored (the message sent,
// the message reacted to, or null for a status message) as data, and next
// to it the Cloud API's {messaging_product, contacts, messages}.
type businessSent struct {
	m     *wauser.Message
	input string // the recipient as given
}

func (s businessSent) cloud(env *businessEnvelope) {
	env.Data = optionalMessage{s.m}
	env.MessagingProduct = "whatsapp"
	if s.m == nil {
		return // a status: the Cloud API answers {"success": true}
	}
	input := s.input
	if input == "" {
		input = s.m.ChatJID
	}
	env.Contacts = []cloudContact{{Input: input, WAID: waID(s.m.ChatJID)}}
	env.Messages = []cloudRef{{ID: string(s.m.MessageID)}}
}

func (businessSent) cloudSchema() map[string]*schema {
	return map[string]*schema{
		"messaging_product": {Type: "string", Const: "whatsapp"},
		"contacts": {Type: "array", Description: "The recipient as given (input) and its WhatsApp id; absent for status messages.",
			Items: objectSchema(map[string]*schema{"input": {Type: "string"}, "wa_id": {Type: "string"}})},
		"messages": {Type: "array", Description: "The message's id (for a reaction, the message reacted to); absent for status messages.",
			Items: objectSchema(map[string]*schema{"id": {Type: "string"}})},
	}
}

func (businessSent) jsonSchema(g *docGen) *schema { return optionalMessage{}.jsonSchema(g) }

// optionalMessage is a message, or null where none is stored (a status
// message).
type optionalMessage struct{ m *wauser.Message }

func (o optionalMessage) MarshalJSON() ([]byte, error) { return json.Marshal(o.m) }

func (optionalMessage) jsonSchema(g *docGen) *schema {
	return &schema{OneOf: []*schema{g.ref(typeOf[wauser.Message]()), {Type: "null"}}}
}

// businessSendMessage sends a message (Client.SendMessage) and answers it
// as stored, with the Cloud API's send answer beside it.
func businessSendMessage() operation {
	return doBody(func(x *call, in *businessSendRequest) (businessSent, error) {
		req, err := in.request(x)
		if err != nil {
			return businessSent{}, err
		}
		m, err := x.c.SendMessage(x.ctx, *req)
		return businessSent{m: m, input: in.To}, err
	})
}

// request maps the body onto the Client's request.
func (in *businessSendRequest) request(x *call) (*wauser.SendMessageRequest, error) {
	if err := in.MessagingProduct.check(); err != nil {
		return nil, err
	}
	if in.Type != "" && !slices.Contains(businessMessageTypes, in.Type) {
		return nil, badRequest("invalid_argument", "type %q is not one of %v", in.Type, businessMessageTypes)
	}
	req := &wauser.SendMessageRequest{
		To: in.To, RecipientType: in.RecipientType, Type: wauser.MessageType(in.Type), ID: in.ID, PreviewURL: in.PreviewURL,
		Location: in.Location, Poll: in.Poll, Reaction: in.Reaction, Invite: in.Invite, Status: in.Status, Context: in.Context,
	}
	for _, f := range []struct {
		name string
		in   *mediaObject
		out  **wauser.MediaMessage
	}{{"image", in.Image, &req.Image}, {"video", in.Video, &req.Video}, {"audio", in.Audio, &req.Audio}, {"document", in.Document, &req.Document}} {
		m, err := f.in.media(f.name)
		if err != nil {
			return nil, err
		}
		*f.out = m
	}
	if in.Text != nil {
		req.Text = in.Text.Body
		req.PreviewURL = req.PreviewURL || in.Text.PreviewURL
		if req.Text == "" && (in.Type == "" || in.Type == "text") {
			return nil, badRequest("invalid_argument", "text.body is empty")
		}
	}
	if in.Interactive != nil {
		if err := in.Interactive.request(req); err != nil {
			return nil, err
		}
	}
	if in.MessageID != "" {
		switch {
		case req.Context == nil:
			req.Context = &wauser.MessageContext{MessageID: in.MessageID}
		case req.Context.MessageID == "":
			c := *req.Context
			c.MessageID = in.MessageID
			req.Context = &c
		case req.Context.MessageID != in.MessageID:
			return nil, badRequest("invalid_argument", "message_id and context.message_id name different messages")
		}
		if req.Status == "" {
			return nil, badRequest("invalid_argument", "message_id marks a message: give status \"read\" (or \"played\"), or use context.message_id to reply")
		}
	}
	if len(in.Participants) > 0 {
		if err := x.checkParticipants(req, in.Participants); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// checkParticipants accepts a participants list that names every member
// of the group the message goes to (or, for a person, that person only):
// WhatsApp sends a group message to all members, and cannot send it to
// some of them.
func (x *call) checkParticipants(req *wauser.SendMessageRequest, participants []string) error {
	to, err := wauser.ParseRecipient(req.To, req.RecipientType)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	if to.Server == types.GroupServer {
		g, err := x.c.GetGroup(x.ctx, to.String())
		if err != nil {
			return err
		}
		for _, p := range g.Participants {
			for _, j := range []types.JID{p.JID, p.Phone, p.LID} {
				if !j.IsEmpty() {
					want[j.ToNonAD().String()] = true
				}
			}
		}
		acc, err := x.c.GetAccount(x.ctx)
		if err != nil {
			return err
		}
		self := map[types.JID]bool{}
		for _, j := range []types.JID{acc.JID, acc.LID} {
			if !j.IsEmpty() {
				self[j.ToNonAD()] = true
			}
		}
		isSelf := func(p wauser.GroupParticipant) bool {
			return self[p.JID.ToNonAD()] || (!p.Phone.IsEmpty() && self[p.Phone.ToNonAD()]) || (!p.LID.IsEmpty() && self[p.LID.ToNonAD()])
		}
		named := map[types.JID]bool{}
		for i, p := range participants {
			j, err := wauser.ParseRecipient(p, wauser.RecipientIndividual)
			if err != nil {
				return badRequest("invalid_argument", "participants[%d]: %q is not a phone number or JID", i, p)
			}
			if !want[j.ToNonAD().String()] {
				return badRequest("invalid_argument", "participants[%d]: %s is not a member of the group", i, p)
			}
			named[j.ToNonAD()] = true
		}
		for _, p := range g.Participants {
			if isSelf(p) {
				continue
			}
			if !named[p.JID.ToNonAD()] && (p.Phone.IsEmpty() || !named[p.Phone.ToNonAD()]) && (p.LID.IsEmpty() || !named[p.LID.ToNonAD()]) {
				return badRequest("invalid_argument",
					"participants: WhatsApp sends a group message to every member; list them all (%s is missing) or leave participants out", p.JID)
			}
		}
		return nil
	}
	for i, p := range participants {
		j, err := wauser.ParseRecipient(p, wauser.RecipientIndividual)
		if err != nil || j.ToNonAD() != to.ToNonAD() {
			return badRequest("invalid_argument", "participants[%d]: %q is not the recipient; participants name the members of a group message", i, p)
		}
	}
	return nil
}

// businessDeleteMessage deletes a message for everyone
// (Client.RevokeMessage): message_id is a stored message's id (msg_…) or a
// WhatsApp id in the chat.
func businessDeleteMessage() operation {
	return do(func(x *call) (noData, error) {
		_, err := x.c.RevokeMessage(x.ctx, x.r.PathValue("chat_id"), x.r.PathValue("message_id"))
		return noData{}, err
	})
}

// businessContactUpdate is the body of PUT /v1/contacts: the Business Server API's
// integer contact id and the new name (and, beyond the document, tags).
type businessContactUpdate struct {
	ID   int64                        `json:"id"`
	Info *wauser.UpdateContactRequest `json:"info"`
}

// maxContactNum is the largest contact number GetContact reads as one
// (longer digit strings are phone numbers).
const maxContactNum = 999_999

// businessUpdateContact renames a contact (or sets its tags) in the store.
func businessUpdateContact() operation {
	return doBody(func(x *call, in *businessContactUpdate) (noData, error) {
		switch {
		case in.ID < 1:
			return noData{}, badRequest("invalid_argument", "id must be a contact's number (the id of GET /v1/contacts), got %d", in.ID)
		case in.Info == nil:
			return noData{}, badRequest("invalid_argument", "info is required: give first_name, last_name or tags")
		case in.ID > maxContactNum:
			return noData{}, &apiError{status: http.StatusNotFound, code: "not_found", message: "no contact " + strconv.FormatInt(in.ID, 10)}
		}
		_, err := x.c.UpdateContact(x.ctx, strconv.FormatInt(in.ID, 10), *in.Info)
		return noData{}, err
	})
}
