package rest

import (
	"errors"
	"net/http"
	"time"

	"github.com/wauser/wauser"
)

// chatDialect is document 002: bare JSON bodies and errors as
// {"error": {"code", "message", "status"}}, code being a machine-readable
// name such as invalid_phone_number or rate_limit_exceeded.
//
// Its routes (POST /api/v1/messages, GET /api/v1/contacts,
// GET /api/v1/contacts/{phone}, GET /api/v1/contacts/{phone}/messages) land
// with the Client's send and contact methods (issues 3 and 4). The daily
// message quota those sends enforce will answer 429 in this shape
// ({"error":{"code":"rate_limit_exceeded","message":...,"status":429}}) with
// Retry-After: classify maps wauser.ErrRateLimited next to this package's
// own ErrRateLimited, taking the delay from the error's RetryAfter method
// (retryAfter).
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

// chatError is document 002's error body.
type chatError struct {
	Error chatErrorBody `json:"error"`
}

type chatErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

// chatContact is document 002's contact in lists.
type chatContact struct {
	// ID is the contact's person id.
	ID    wauser.PersonID `json:"id"`
	Phone string          `json:"phone,omitempty"` // E.164; absent when only the LID is known
	Name  string          `json:"name"`
	// LastMessageAt is the time of the latest message with the contact;
	// absent when there is none.
	LastMessageAt time.Time `json:"lastMessageAt,omitzero"`
}

// chatContactDetails is document 002's contact details.
type chatContactDetails struct {
	chatContact
	// ProfileImage is not known to wauser's store and always absent.
	ProfileImage string   `json:"profileImage,omitempty"`
	Tags         []string `json:"tags"`
}

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
		return &chatContactDetails{chatContact: chatContactOf(ct), Tags: tags}, nil
	})
}

// chatMessage is document 002's message.
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
		acc, err := x.c.GetAccount(x.ctx)
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
		me := acc.Phone
		if me == "" && !acc.JID.IsEmpty() {
			me = acc.JID.ToNonAD().String()
		}
		out := &chatMessages{Messages: make([]chatMessage, 0, len(list.Messages)), Pagination: chatPagination{Next: list.NextCursor}}
		for _, m := range list.Messages {
			cm := chatMessage{ID: m.MessageID, From: them, To: me, Type: m.ContentType, Text: m.Body, Timestamp: m.SentAt, Status: m.Status}
			if m.IsFromMe {
				cm.From, cm.To = me, them
			}
			out.Messages = append(out.Messages, cm)
		}
		return out, nil
	})
}
