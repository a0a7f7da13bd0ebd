package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/wauser/wauser"
)

// The console is the pairing page grown into a small admin console
// (Options.PairPage): besides linking accounts, it shows each account's
// conversations and messages from the store, live, sends texts and
// pictures, manages webhooks (with their delivery log and replay) and API
// keys. Its routes are under /pair/, behind the admin credentials, in the
// page's dialect, and not part of the API's description.

// consoleRoutes are the console's routes beyond pairing.
func (h *handler) consoleRoutes() []*route {
	page := func(method, path, id string, op operation) *route {
		return &route{method: method, path: path, dialect: pageDialect{}, auth: authAdmin, page: true, id: id, op: op}
	}
	created := func(rt *route) *route {
		rt.status = http.StatusCreated
		return rt
	}
	changes := page("GET", "/pair/accounts/{id}/changes", "consoleChanges", consoleChanges(h))
	changes.stream = true
	image := page("POST", "/pair/accounts/{id}/images", "consoleSendImage", consoleSendImage())
	image.media = true
	routes := []*route{
		page("POST", "/pair/accounts/{id}/unlink", "consoleUnlink", consoleUnlink()),
		page("GET", "/pair/accounts/{id}/conversations", "consoleConversations", consoleConversations()),
		page("GET", "/pair/accounts/{id}/conversations/{conversation}/messages", "consoleMessages", consoleMessages()),
		page("GET", "/pair/accounts/{id}/media/{message}", "consoleMedia", consoleMedia()),
		created(page("POST", "/pair/accounts/{id}/messages", "consoleSendText", consoleSendText())),
		created(image),
		changes,
		page("GET", "/pair/accounts/{id}/webhooks", "consoleWebhooks", consoleWebhooks()),
		created(page("POST", "/pair/accounts/{id}/webhooks", "consoleCreateWebhook", consoleCreateWebhook())),
		page("DELETE", "/pair/accounts/{id}/webhooks/{webhook}", "consoleDeleteWebhook", consoleDeleteWebhook()),
		page("GET", "/pair/accounts/{id}/webhooks/{webhook}/deliveries", "consoleDeliveries", consoleDeliveries()),
		page("POST", "/pair/accounts/{id}/webhooks/{webhook}/deliveries/{delivery}/replay", "consoleReplay", consoleReplay()),
		page("GET", "/pair/keys", "consoleKeys", consoleKeys()),
		created(page("POST", "/pair/keys", "consoleCreateKey", consoleCreateKey())),
		page("POST", "/pair/keys/{key}/revoke", "consoleRevokeKey", consoleRevokeKey()),
	}
	if h.opts.Demo != nil {
		routes = append(routes, page("POST", "/pair/accounts/{id}/simulated-scan", "consoleSimulatedScan", consoleSimulatedScan(h)))
	}
	return routes
}

// bound is the Client bound to the {id} account of the console's path.
func bound(x *call) *wauser.Client {
	return x.c.WithAccount(wauser.AccountID(x.r.PathValue("id")))
}

// consoleAccount is an account as the console lists it: its last error
// explained in words.
type consoleAccount struct {
	ID       wauser.AccountID    `json:"id"`
	State    wauser.AccountState `json:"state"`
	Phone    string              `json:"phone,omitempty"`
	PushName string              `json:"push_name,omitempty"`
	Error    string              `json:"error,omitempty"`
}

func consoleAccounts(list []*wauser.Account) []consoleAccount {
	out := make([]consoleAccount, 0, len(list))
	for _, a := range list {
		out = append(out, consoleAccount{ID: a.ID, State: a.State, Phone: a.Phone, PushName: a.PushName, Error: explain(a.LastError)})
	}
	return out
}

// consoleUnlink unlinks the account's phone; its data stays.
func consoleUnlink() operation {
	return do(func(x *call) (*pairView, error) {
		c := bound(x)
		if err := c.Unlink(x.ctx); err != nil {
			return nil, err
		}
		return currentPairView(x.ctx, c, &qrImage{})
	})
}

// consoleSimulatedScan links the account with the demo's simulated phone
// (Options.Demo), as if a phone scanned its QR code: it starts linking by
// QR code first when the account shows none. A linked account is refused.
func consoleSimulatedScan(h *handler) operation {
	return do(func(x *call) (*pairView, error) {
		c := bound(x)
		st, err := c.Status(x.ctx)
		if err != nil {
			return nil, err
		}
		if st.Pairing == nil || st.Pairing.Status != wauser.PairingQR {
			if _, err := c.PairQR(x.ctx); err != nil {
				return nil, pairFailure(x.ctx, c, err)
			}
		}
		if err := h.opts.Demo.Link(x.ctx, c.Account()); err != nil {
			return nil, err
		}
		// Paired, the device logs in on a new connection: wait for that too.
		st, err = c.WaitStatus(x.ctx, func(s *wauser.Status) bool {
			return s.State != wauser.StatePairing && s.State != wauser.StateConnecting
		})
		if err != nil {
			return nil, err
		}
		return newPairView(x.ctx, c, st, &qrImage{})
	})
}

// consoleConversation is a conversation as the console lists it.
type consoleConversation struct {
	ID            wauser.ConversationID   `json:"id"`
	Kind          wauser.ConversationKind `json:"kind"`
	Title         string                  `json:"title"`
	To            string                  `json:"to"` // what to send to: a phone number or a group JID
	UnreadCount   int                     `json:"unread_count"`
	LastMessageAt time.Time               `json:"last_message_at,omitzero"`
	Members       int                     `json:"members,omitempty"`
}

// names looks up people's names for the console.
type names struct {
	c      *wauser.Client
	people map[wauser.PersonID]*wauser.Contact
}

func newNames(c *wauser.Client) *names {
	return &names{c: c, people: map[wauser.PersonID]*wauser.Contact{}}
}

// contact returns the contact of person id, or nil.
func (n *names) contact(ctx context.Context, id wauser.PersonID) *wauser.Contact {
	if id == "" {
		return nil
	}
	if ct, ok := n.people[id]; ok {
		return ct
	}
	ct, err := n.c.GetContact(ctx, string(id))
	if err != nil {
		ct = nil
	}
	n.people[id] = ct
	return ct
}

// of returns what to call a contact: its name, its push name, or its number.
func (n *names) of(ct *wauser.Contact) string {
	switch {
	case ct == nil:
		return ""
	case ct.DisplayName != "":
		return ct.DisplayName
	case ct.WhatsAppPushName != "":
		return ct.WhatsAppPushName
	case ct.PhoneE164 != "":
		return ct.PhoneE164
	}
	return string(ct.PersonID)
}

func (n *names) conversation(ctx context.Context, conv *wauser.Conversation) consoleConversation {
	v := consoleConversation{ID: conv.ConversationID, Kind: conv.Kind, Title: conv.Subject, To: conv.ChatJID,
		UnreadCount: conv.UnreadCount, LastMessageAt: conv.LastMessageAt}
	if conv.Kind == wauser.KindGroup {
		v.Members = len(conv.Participants)
	}
	if conv.Kind == wauser.KindDirect {
		ct := n.contact(ctx, conv.DirectPersonID)
		if ct != nil && ct.PhoneE164 != "" {
			v.To = ct.PhoneE164
		}
		if v.Title == "" {
			v.Title = n.of(ct)
		}
	}
	if v.Title == "" {
		v.Title = conv.ChatJID
	}
	return v
}

func consoleConversations() operation {
	return do(func(x *call) ([]consoleConversation, error) {
		c := bound(x)
		list, err := c.ListConversations(x.ctx, wauser.ListConversationsOptions{Limit: 100})
		if err != nil {
			return nil, err
		}
		n := newNames(c)
		out := make([]consoleConversation, 0, len(list.Conversations))
		for i := range list.Conversations {
			if conv := &list.Conversations[i]; conv.DeletedAt.IsZero() {
				out = append(out, n.conversation(x.ctx, conv))
			}
		}
		return out, nil
	})
}

// consoleMessage is a message as the console shows it.
type consoleMessage struct {
	ID             wauser.MessageID      `json:"id"`
	ConversationID wauser.ConversationID `json:"conversation_id"`
	FromMe         bool                  `json:"from_me"`
	Sender         string                `json:"sender"`
	Type           string                `json:"type"`
	Body           string                `json:"body"`
	Status         string                `json:"status"`
	Error          string                `json:"error,omitempty"`
	Reactions      []string              `json:"reactions"`
	Image          bool                  `json:"image,omitempty"` // the file is a picture the page can show
	Media          string                `json:"media,omitempty"` // the file's MIME type, for other files
	At             time.Time             `json:"at,omitzero"`
	Edited         bool                  `json:"edited,omitempty"`
	Deleted        bool                  `json:"deleted,omitempty"`
}

func (n *names) message(m *wauser.Message) consoleMessage {
	v := consoleMessage{ID: m.MessageID, ConversationID: m.ConversationID, FromMe: m.IsFromMe, Type: m.ContentType,
		Body: m.Body, Status: m.Status, Error: explain(m.Error), Reactions: []string{},
		At: m.SentAt, Edited: !m.EditedAt.IsZero(), Deleted: !m.DeletedAt.IsZero()}
	if v.At.IsZero() {
		v.At = m.ReceivedAt
	}
	switch {
	case m.IsFromMe:
		v.Sender = "You"
	case m.SenderPushName != "":
		v.Sender = m.SenderPushName
	default:
		user, _, _ := strings.Cut(m.SenderJID, "@")
		v.Sender = "+" + user
	}
	if m.Media != nil && !v.Deleted {
		if (m.ContentType == "image" || m.ContentType == "sticker") && strings.HasPrefix(m.Media.MimeType, "image/") {
			v.Image = true
		} else {
			v.Media = m.Media.MimeType
		}
	}
	for _, emoji := range m.Reactions {
		if emoji != "" {
			v.Reactions = append(v.Reactions, emoji)
		}
	}
	return v
}

// consoleMessages answers the newest 50 messages of a conversation, oldest
// first.
func consoleMessages() operation {
	return do(func(x *call) ([]consoleMessage, error) {
		c := bound(x)
		list, err := c.ListMessages(x.ctx, wauser.ListMessagesOptions{
			ConversationID: wauser.ConversationID(x.r.PathValue("conversation")), Limit: 50})
		if err != nil {
			return nil, err
		}
		n := newNames(c)
		out := make([]consoleMessage, len(list.Messages))
		for i := range list.Messages {
			out[len(out)-1-i] = n.message(&list.Messages[i])
		}
		return out, nil
	})
}

// consoleMedia answers a message's file: pictures to show in the page,
// anything else as a download.
func consoleMedia() operation {
	return doRaw(func(x *call) error {
		f, err := bound(x).DownloadMedia(x.ctx, wauser.MessageID(x.r.PathValue("message")))
		if err != nil {
			return err
		}
		hdr := x.w.Header()
		mt, _, _ := mime.ParseMediaType(f.MIMEType)
		if strings.HasPrefix(mt, "image/") && mt != "image/svg+xml" {
			hdr.Set("Content-Type", mt)
		} else {
			hdr.Set("Content-Type", "application/octet-stream")
			name := f.FileName
			if name == "" {
				name = "file"
			}
			hdr.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		}
		hdr.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Cache-Control", "private, max-age=3600")
		hdr.Set("Content-Length", fmt.Sprint(len(f.Data)))
		x.w.WriteHeader(http.StatusOK)
		_, _ = x.w.Write(f.Data)
		return nil
	})
}

// consoleSendTextRequest is the body of POST /pair/accounts/{id}/messages.
type consoleSendTextRequest struct {
	To   string `json:"to"`
	Text string `json:"text"`
}

func consoleSendText() operation {
	return doBody(func(x *call, in *consoleSendTextRequest) (*consoleMessage, error) {
		m, err := bound(x).SendMessage(x.ctx, wauser.SendMessageRequest{To: in.To, Type: wauser.MessageText, Text: in.Text})
		if err != nil {
			return nil, err
		}
		v := newNames(x.c).message(m)
		return &v, nil
	})
}

// consoleSendImage sends the body, a picture with its Content-Type, to
// ?to= with ?caption=.
func consoleSendImage() operation {
	return do(func(x *call) (*consoleMessage, error) {
		q := x.r.URL.Query()
		mt, _, err := mime.ParseMediaType(x.r.Header.Get("Content-Type"))
		if err != nil || !strings.HasPrefix(mt, "image/") {
			return nil, &apiError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type",
				message: "send a picture (JPEG, PNG or WebP) as the request body, with its Content-Type"}
		}
		data, err := io.ReadAll(x.r.Body)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, err
			}
			return nil, badRequest("invalid_body", "reading the picture failed")
		}
		c := bound(x)
		m, err := c.SendMessage(x.ctx, wauser.SendMessageRequest{To: q.Get("to"), Type: wauser.MessageImage,
			Image: &wauser.MediaMessage{Data: data, MIMEType: mt, Caption: q.Get("caption")}})
		if err != nil {
			return nil, err
		}
		v := newNames(c).message(m)
		return &v, nil
	})
}
