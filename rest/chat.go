package rest

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
)

// chatDialect is the WhatsSync Chat API: bare JSON bodies and errors as
// {"error": {"code", "message", "status"}}, code being a machine-readable
// name such as invalid_phone_number or rate_limit_exceeded. The daily
// message quota of POST /api/v1/messages answers 429 in this shape
// ({"error":{"code":"rate_limit_exceeded","message":...,"status":429}})
// with Retry-After: classify maps wauser.ErrRateLimited next to this
// package's own ErrRateLimited, taking the delay from the error's
// RetryAfter method (retryAfter).
type chatDialect struct{}

func (chatDialect) name() string         { return "chat" }
func (chatDialect) forbiddenStatus() int { return http.StatusForbidden }
func (chatDialect) ok(_ *call, out any) any {
	return out
}

func (chatDialect) fail(_ *call, status int, e *apiError) any {
	return chatError{Error: chatErrorBody{Code: e.code, Message: e.message, Status: status}}
}

func (chatDialect) okSchema(_ *route, data *schema) *schema { return data }
func (chatDialect) failSchema(g *docGen) *schema            { return g.ref(typeOf[chatError]()) }

// chatError is the WhatsSync Chat API's error body.
type chatError struct {
	Error chatErrorBody `json:"error"`
}

type chatErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

// chatContact is the WhatsSync Chat API's contact in lists.
type chatContact struct {
	// ID is the contact's person id.
	ID    wauser.PersonID `json:"id"`
	Phone string          `json:"phone,omitempty"` // E.164; absent when only the LID is known
	Name  string          `json:"name"`
	// LastMessageAt is the time of the latest message with the contact;
	// absent when there is none.
	LastMessageAt time.Time `json:"lastMessageAt,omitzero"`
}

// chatContactDetails is the WhatsSync Chat API's contact details.
type chatContactDetails struct {
	chatContact
	// ProfileImage is the URL of the contact's profile picture, asked from
	// WhatsApp at each request (it expires after a while); absent when the
	// contact has none, hides it, or WhatsApp did not answer in time.
	ProfileImage string `json:"profileImage,omitempty"`
	// Tags are the contact's tags: set with PUT /v1/contacts or
	// Client.UpdateContact, and the names of the WhatsApp labels on the
	// contact's chat.
	Tags []string `json:"tags"`
}

// profileImageTimeout bounds the wait for a contact's profile picture,
// which is best effort.
const profileImageTimeout = 5 * time.Second

func chatContactOf(c *wauser.Contact) chatContact {
	name := c.DisplayName
	if name == "" {
		name = c.WhatsAppPushName
	}
	return chatContact{ID: c.PersonID, Phone: c.PhoneE164, Name: name, LastMessageAt: c.LastMessageAt}
}

// chatPagination carries the cursor of the next page, taken back as
// ?cursor=; absent on the last page.
type chatPagination struct {
	Next string `json:"next,omitempty"`
}

// chatContacts answers GET /api/v1/contacts.
type chatContacts struct {
	Contacts   []chatContact  `json:"contacts"`
	Pagination chatPagination `json:"pagination"`
}

func chatListContacts() operation {
	return do(func(x *call) (*chatContacts, error) {
		q := x.r.URL.Query()
		limit, err := listLimit(q, wauser.DefaultListLimit)
		if err != nil {
			return nil, err
		}
		list, err := x.c.ListContacts(x.ctx, wauser.ListContactsOptions{Cursor: q.Get("cursor"), Limit: limit})
		if err != nil {
			return nil, err
		}
		out := &chatContacts{Contacts: make([]chatContact, 0, len(list.Contacts)), Pagination: chatPagination{Next: list.NextCursor}}
		for i := range list.Contacts {
			out.Contacts = append(out.Contacts, chatContactOf(&list.Contacts[i]))
		}
		return out, nil
	})
}

// contact looks up the contact of the {phone} path parameter: a phone
// number, or any other form wauser.Client.GetContact takes.
func (x *call) contact() (*wauser.Contact, error) {
	ct, err := x.c.GetContact(x.ctx, x.r.PathValue("phone"))
	if errors.Is(err, wauser.ErrInvalidArgument) {
		return nil, badRequest("invalid_phone_number", "%q is not a valid phone number", x.r.PathValue("phone"))
	}
	return ct, err
}

func chatGetContact() operation {
	return do(func(x *call) (*chatContactDetails, error) {
		ct, err := x.contact()
		if err != nil {
			return nil, err
		}
		tags := ct.Tags
		if tags == nil {
			tags = []string{}
		}
		out := &chatContactDetails{chatContact: chatContactOf(ct), Tags: tags}
		who := ct.PhoneJID
		if who == "" {
			who = ct.LIDJID
		}
		if who != "" {
			// Best effort: no picture, a hidden one, an account offline or a
			// slow WhatsApp leave it out rather than fail the details.
			ctx, cancel := context.WithTimeout(x.ctx, profileImageTimeout)
			defer cancel()
			if pic, err := x.c.GetProfilePicture(ctx, who, false); err == nil {
				out.ProfileImage = pic.URL
			}
		}
		return out, nil
	})
}

// chatMessage is the WhatsSync Chat API's message.
type chatMessage struct {
	ID wauser.MessageID `json:"id"`
	// From and To are phone numbers (E.164), or JIDs where the number is
	// not known.
	From string `json:"from"`
	To   string `json:"to"`
	// Type is the content type: text, image, video, audio, voice,
	// document, sticker, location, contact, poll, system or unknown.
	Type string `json:"type"`
	// Text is the text, or a media caption.
	Text      string    `json:"text"`
	Timestamp time.Time `json:"timestamp"`
	// Status is received, pending, sent, delivered, read, played, failed
	// or deleted.
	Status string `json:"status"`
}

// chatMessages answers GET /api/v1/contacts/{phone}/messages.
type chatMessages struct {
	Messages   []chatMessage  `json:"messages"`
	Pagination chatPagination `json:"pagination"`
}

// chatContactMessages pages the messages of the direct chat with a
// contact, newest first.
func chatContactMessages() operation {
	return do(func(x *call) (*chatMessages, error) {
		q := x.r.URL.Query()
		limit, err := listLimit(q, wauser.DefaultListLimit)
		if err != nil {
			return nil, err
		}
		ct, err := x.contact()
		if err != nil {
			return nil, err
		}
		me, err := x.chatMe()
		if err != nil {
			return nil, err
		}
		list, err := x.c.ListMessages(x.ctx, wauser.ListMessagesOptions{PersonID: ct.PersonID, Cursor: q.Get("cursor"), Limit: limit})
		if err != nil {
			return nil, err
		}
		them := ct.PhoneE164
		if them == "" {
			them = ct.LIDJID
		}
		out := &chatMessages{Messages: make([]chatMessage, 0, len(list.Messages)), Pagination: chatPagination{Next: list.NextCursor}}
		for i := range list.Messages {
			out.Messages = append(out.Messages, chatMessageOf(&list.Messages[i], me, them))
		}
		return out, nil
	})
}

// chatMe is the account's address in messages: its phone number, or its
// JID before the number is known.
func (x *call) chatMe() (string, error) {
	acc, err := x.c.GetAccount(x.ctx)
	if err != nil {
		return "", err
	}
	if acc.Phone == "" && !acc.JID.IsEmpty() {
		return acc.JID.ToNonAD().String(), nil
	}
	return acc.Phone, nil
}

// chatMessageOf shows m as the WhatsSync Chat API does, me being the account's
// address and them the other side's.
func chatMessageOf(m *wauser.Message, me, them string) chatMessage {
	cm := chatMessage{ID: m.MessageID, From: them, To: me, Type: m.ContentType, Text: m.Body, Timestamp: m.SentAt, Status: m.Status}
	if m.IsFromMe {
		cm.From, cm.To = me, them
	}
	return cm
}

// chatAddress is a chat's address in messages: a person's phone number
// (E.164), or the JID of anything else (a LID, a group).
func chatAddress(chatJID string) string {
	if user, ok := strings.CutSuffix(chatJID, "@"+types.DefaultUserServer); ok {
		return "+" + user
	}
	return chatJID
}

// chatMessageType is a message type of the WhatsSync Chat API.
type chatMessageType string

var chatMessageTypes = []chatMessageType{"text", "image", "document", "location", "template"}

// chatSendRequest is the WhatsSync Chat API's POST /api/v1/messages: exactly one
// content field, the one type names (type may be left out).
type chatSendRequest struct {
	// To is the recipient: a phone number in international format
	// (+15551234567); a JID (a group, a person's LID) works too.
	To   string          `json:"to"`
	Type chatMessageType `json:"type,omitempty"`
	Text string          `json:"text,omitempty"`
	// Image and Document take the file's url (or link, as the WhatsApp
	// Cloud API names it, or the id of a file uploaded with POST
	// /v1/media), a caption, and for documents a filename.
	Image    *mediaObject     `json:"image,omitempty"`
	Document *mediaObject     `json:"document,omitempty"`
	Location *wauser.Location `json:"location,omitempty"`
	Template *chatTemplate    `json:"template,omitempty"`
}

// chatTemplate is the WhatsSync Chat API's template message: a template registered
// with Client.CreateTemplate, by name and language, with the parameters
// of its components.
type chatTemplate struct {
	Name       string                  `json:"name"`
	Language   chatLanguage            `json:"language"`
	Components []wauser.TemplateParams `json:"components,omitempty"`
}

type chatLanguage struct {
	Code string `json:"code"` // such as en_US
}

// chatSendMessage sends a message and answers it as stored, in document
// 002's message shape (from is the account, to the recipient): sent by the
// time of the answer, or failed with an error answer.
func chatSendMessage() operation {
	return doBody(func(x *call, in *chatSendRequest) (*chatMessage, error) {
		if in.Type != "" && !slices.Contains(chatMessageTypes, in.Type) {
			return nil, badRequest("invalid_message_type", "type %q is not one of %v", in.Type, chatMessageTypes)
		}
		req := wauser.SendMessageRequest{To: in.To, Type: wauser.MessageType(in.Type), Text: in.Text, Location: in.Location}
		var err error
		if req.Image, err = in.Image.media("image"); err != nil {
			return nil, err
		}
		if req.Document, err = in.Document.media("document"); err != nil {
			return nil, err
		}
		if in.Template != nil {
			req.Template = &wauser.TemplateMessage{Name: in.Template.Name, Language: in.Template.Language.Code, Components: in.Template.Components}
		}
		m, err := x.c.SendMessage(x.ctx, req)
		if err != nil {
			return nil, err
		}
		cm := chatMessageOf(m, chatAddress(m.SenderJID), chatAddress(m.ChatJID))
		return &cm, nil
	})
}
