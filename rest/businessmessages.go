package rest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"

	"github.com/wauser/wauser"
)

// Messages and contact names of the business dialect (document 003).

// businessMessageType is a message type of document 003.
type businessMessageType string

var businessMessageTypes = []businessMessageType{
	"text", "image", "video", "audio", "document", "location", "poll", "reaction", "invite", "interactive", "status",
}

// businessText is document 003's text object, {"body": "..."}; a plain
// string is taken too.
type businessText struct {
	Body string `json:"body"`
}

// UnmarshalJSON takes the object strictly (no unknown fields), or a
// string.
func (t *businessText) UnmarshalJSON(b []byte) error {
	if s := bytes.TrimSpace(b); len(s) > 0 && s[0] == '"' {
		return json.Unmarshal(s, &t.Body)
	}
	type plain businessText
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode((*plain)(t))
}

func (businessText) jsonSchema(*docGen) *schema {
	return &schema{OneOf: []*schema{
		{Type: "object", Properties: map[string]*schema{"body": {Type: "string", Description: "The text."}}},
		{Type: "string", Description: "The text, without the object around it."},
	}}
}

// businessSendRequest is document 003's "Send message to Chat": to and
// one content field, the one type names (type may be left out; status
// messages need no to when they mark a message by its stored id).
type businessSendRequest struct {
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
	Image       *wauser.MediaMessage   `json:"image,omitempty"`
	Video       *wauser.MediaMessage   `json:"video,omitempty"`
	Audio       *wauser.MediaMessage   `json:"audio,omitempty"`
	Document    *wauser.MediaMessage   `json:"document,omitempty"`
	Location    *wauser.Location       `json:"location,omitempty"`
	Poll        *wauser.Poll           `json:"poll,omitempty"`
	Reaction    *wauser.Reaction       `json:"reaction,omitempty"`
	Invite      *wauser.GroupInvite    `json:"invite,omitempty"`
	Interactive *wauser.Interactive    `json:"interactive,omitempty"`
	Status      wauser.ChatStatus      `json:"status,omitempty"`
	Context     *wauser.MessageContext `json:"context,omitempty"`
	// Participants would send a group message to some members only; it
	// is refused (400) when not empty, whatsmeow encrypting group messages
	// for every member.
	Participants []string `json:"participants,omitempty"`
}

// optionalMessage is a message, or null where none is stored (a status
// message).
type optionalMessage struct{ m *wauser.Message }

func (o optionalMessage) MarshalJSON() ([]byte, error) { return json.Marshal(o.m) }

func (optionalMessage) jsonSchema(g *docGen) *schema {
	return &schema{OneOf: []*schema{g.ref(typeOf[wauser.Message]()), {Type: "null"}}}
}

// businessSendMessage sends a message (Client.SendMessage) and answers it
// as stored: the message sent, the message reacted to, or null for a
// status message.
func businessSendMessage() operation {
	return doBody(func(x *call, in *businessSendRequest) (optionalMessage, error) {
		if in.Type != "" && !slices.Contains(businessMessageTypes, in.Type) {
			return optionalMessage{}, badRequest("invalid_argument", "type %q is not one of %v", in.Type, businessMessageTypes)
		}
		req := wauser.SendMessageRequest{
			To: in.To, RecipientType: in.RecipientType, Type: wauser.MessageType(in.Type), ID: in.ID, PreviewURL: in.PreviewURL,
			Image: in.Image, Video: in.Video, Audio: in.Audio, Document: in.Document, Location: in.Location, Poll: in.Poll,
			Reaction: in.Reaction, Invite: in.Invite, Interactive: in.Interactive, Status: in.Status, Context: in.Context,
			Participants: in.Participants,
		}
		if in.Text != nil {
			req.Text = in.Text.Body
			if req.Text == "" && (in.Type == "" || in.Type == "text") {
				return optionalMessage{}, badRequest("invalid_argument", "text.body is empty")
			}
		}
		m, err := x.c.SendMessage(x.ctx, req)
		return optionalMessage{m}, err
	})
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

// businessContactUpdate is the body of PUT /v1/contacts: document 003's
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
