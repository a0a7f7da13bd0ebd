package wauser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // thumbnails given by callers are checked to be JPEG
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/compose"
	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/internal/preview"
	"github.com/wauser/wauser/internal/store"
)

// SendMessageRequest is the body of SendMessage. To and one content field
// are required: Text, Image, Video, Audio, Document, Sticker, Location,
// Contacts, Poll, Reaction, Invite, Interactive, Template, or Status. Type
// may be left empty; it then follows from the content field that is set,
// and when it is given that field must be the one set.
type SendMessageRequest struct {
	// To is the recipient: a phone number, a person's JID (…@s.whatsapp.net
	// or …@lid), a group (…@g.us), a channel (…@newsletter) or
	// status@broadcast (see ParseRecipient).
	To string `json:"to"`
	// RecipientType says how a bare To is read: "individual" (a phone
	// number, the default) or "group" (a group id).
	RecipientType RecipientType `json:"recipient_type,omitempty"`
	Type          MessageType   `json:"type,omitempty"`
	// ID is the caller's id of the message, an idempotency key: 1 to 64
	// ASCII letters and digits. Sending again with the same ID (to the same
	// chat) sends nothing and returns the stored message, unless the first
	// attempt failed: then it is sent again, under the same WhatsApp id.
	// The message goes to WhatsApp under an id whatsmeow makes (official
	// clients never send ids of their own making); the record keeps both,
	// as ClientID and WAMessageID, and ID finds the message wherever a
	// WhatsApp id of the chat is accepted (replies, reactions, edits,
	// deletions). Empty means no key.
	ID string `json:"id,omitempty"`

	// Text is the text of a text message. With PreviewURL, the first link
	// in it gets a preview (title and description fetched from the page).
	Text       string `json:"text,omitempty"`
	PreviewURL bool   `json:"preview_url,omitempty"`

	Image       *MediaMessage    `json:"image,omitempty"`
	Video       *MediaMessage    `json:"video,omitempty"`
	Audio       *MediaMessage    `json:"audio,omitempty"`
	Document    *MediaMessage    `json:"document,omitempty"`
	Sticker     *MediaMessage    `json:"sticker,omitempty"`
	Location    *Location        `json:"location,omitempty"`
	Contacts    []ContactCard    `json:"contacts,omitempty"`
	Poll        *Poll            `json:"poll,omitempty"`
	Reaction    *Reaction        `json:"reaction,omitempty"`
	Invite      *GroupInvite     `json:"invite,omitempty"`
	Interactive *Interactive     `json:"interactive,omitempty"`
	Template    *TemplateMessage `json:"template,omitempty"`
	// Status marks the Context message read or played, or shows typing or
	// recording in the chat.
	Status ChatStatus `json:"status,omitempty"`

	// Context makes the message a reply, and mentions people.
	Context *MessageContext `json:"context,omitempty"`
	// Participants would limit a group message to some of its members
	// (the Business Server API). whatsmeow (in the version wauser is built on) always
	// encrypts a group message for every member, so a non-empty list is
	// refused with ErrInvalidArgument rather than silently ignored.
	Participants []string `json:"participants,omitempty"`
}

// MessageContext is what a message refers to (the Business Server API's context).
type MessageContext struct {
	// MessageID is the message replied to, reacted to or marked read: a
	// stored message's id ("msg_…") or a WhatsApp message id in the chat.
	MessageID string `json:"message_id,omitempty"`
	// Participant is the author of MessageID, needed in groups when the
	// message is not stored (for a stored one the store knows).
	Participant string `json:"participant,omitempty"`
	// Mentions are people mentioned (phone numbers or JIDs). Write
	// "@<number>" in the text for each, as WhatsApp shows the mention there.
	// In groups, "@<number>" tokens of the text are mentioned even when not
	// listed here.
	Mentions []string `json:"mentions,omitempty"`
}

// MediaMessage is the file of an image, video, audio, document or sticker
// message: exactly one of ID (uploaded before with UploadMedia), Data and
// URL. Data and URL are uploaded first, as by UploadMedia, and kept under
// a new media id.
type MediaMessage struct {
	ID   MediaID `json:"id,omitempty"`
	URL  string  `json:"url,omitempty"`
	Data []byte  `json:"-"`
	// MIMEType, for Data and URL: empty means sniffed (or the URL server's).
	MIMEType string `json:"mime_type,omitempty"`
	// FileName is shown for documents; empty means the uploaded file's name.
	FileName string `json:"filename,omitempty"`
	Caption  string `json:"caption,omitempty"`
	// Voice sends audio as a voice note (push-to-talk). WhatsApp plays
	// only Ogg Opus as voice notes: the file must be audio/ogg, and is
	// sent as "audio/ogg; codecs=opus".
	Voice bool `json:"voice,omitempty"`

	// What official clients show before a file is downloaded. wauser
	// measures images itself (dimensions and a thumbnail) and reads the
	// playing time of Ogg Opus audio; what it cannot read from the file is
	// taken from these fields, and left out of the message when they are
	// not given, never made up.

	// Seconds is the playing time of a video, or of audio other than Ogg
	// Opus: 0 to 86400.
	Seconds int `json:"seconds,omitempty"`
	// Width and Height are a video's dimensions in pixels, 0 to 16384.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// Thumbnail is a small JPEG (at most 64 KiB) shown for a video or
	// document until it is downloaded; base64 in JSON.
	Thumbnail []byte `json:"thumbnail,omitempty"`
	// Waveform is a voice note's waveform: up to 64 samples, 0 to 100;
	// base64 in JSON.
	Waveform []byte `json:"waveform,omitempty"`
}

// Location is a location message.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
	URL       string  `json:"url,omitempty"`
}

// ContactCard is a contact shared in a message: a vCard, given whole or
// made from Name and Phones.
type ContactCard struct {
	Name   string   `json:"name"`
	Phones []string `json:"phones,omitempty"`
	VCard  string   `json:"vcard,omitempty"`
}

// Poll is a poll message.
type Poll struct {
	Question string   `json:"question"`
	Options  []string `json:"options"` // 2 to 12 distinct options
	// SelectableCount is how many options one may choose; 0 means any
	// number.
	SelectableCount int `json:"selectable_count,omitempty"`
}

// Reaction reacts to a message of the chat with an emoji; an empty Emoji
// removes the account's reaction.
type Reaction struct {
	// MessageID is a stored message's id ("msg_…") or a WhatsApp id in the
	// chat (then Context.Participant names its author in groups).
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}

// GroupInvite is an invitation to a group, sent to a person whose privacy
// settings did not let the account add them (the code comes from
// GroupParticipant.InviteCode).
type GroupInvite struct {
	Group      string    `json:"group"`
	Code       string    `json:"code"`
	Expiration time.Time `json:"expiration,omitzero"` // default: 3 days from now
	GroupName  string    `json:"group_name,omitempty"`
	Caption    string    `json:"caption,omitempty"`
}

// Interactive is a message with reply buttons ("button") or a list of
// choices ("list"), the Business Server API's interactive message. WhatsApp renders
// these only for messages from the official Business (Cloud) API; sent
// from a linked device they show on few phones or none. wauser therefore
// writes the choices into the text too (numbered lines), so that it reads
// as a plain message where the buttons do not show; prefer polls for
// choices people must be able to make.
type Interactive struct {
	Type    string              `json:"type"` // "button" or "list"
	Header  string              `json:"header,omitempty"`
	Body    string              `json:"body"`
	Footer  string              `json:"footer,omitempty"`
	Buttons []InteractiveButton `json:"buttons,omitempty"` // "button": 1 to 3
	// Button is the label of the button that opens a list.
	Button   string               `json:"button,omitempty"`
	Sections []InteractiveSection `json:"sections,omitempty"` // "list": 1 to 10
}

// InteractiveButton is a reply button.
type InteractiveButton struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// InteractiveSection is a section of a list.
type InteractiveSection struct {
	Title string           `json:"title,omitempty"`
	Rows  []InteractiveRow `json:"rows"`
}

// InteractiveRow is one choice of a list.
type InteractiveRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// SendMessage sends a message and returns it as stored.
//
// The message is stored as pending (Status "pending", message.status
// event) before anything is sent, then as sent with WhatsApp's timestamp
// (message.sent), and receipts move it on to delivered, read and played
// (message.status). When WhatsApp refuses it, it is stored as failed with
// the reason in Message.Error, and the error is returned.
//
// Invalid input returns ErrInvalidArgument before anything is sent or
// stored: a bad recipient, empty text, no or several contents, an unknown
// media id or template, a template parameter missing, a file larger than
// WithMediaLimit. Past the daily message limit it returns a
// *RateLimitError. whatsmeow errors come back as sentinels (see waSentinel)
// that keep the cause.
//
// A reaction returns the message reacted to; a status (read, typing...)
// stores no message and returns nil.
func (c *Client) SendMessage(ctx context.Context, req SendMessageRequest) (_ *Message, err error) {
	var typ MessageType // known once the request is valid: a label of bounded values
	defer func() { c.core.countSendOutcome(typ, err) }()
	p, err := c.prepare(ctx, &req)
	if err != nil {
		return nil, err
	}
	typ = p.typ
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	switch p.typ {
	case MessageStatus:
		return nil, c.sendStatus(ctx, s, p)
	case MessageReaction:
		return c.sendReaction(ctx, s, p)
	}
	return c.sendContent(ctx, s, p)
}

// SendText sends a text message to to (see SendMessage).
func (c *Client) SendText(ctx context.Context, to, text string) (*Message, error) {
	return c.SendMessage(ctx, SendMessageRequest{To: to, Type: MessageText, Text: text})
}

// sendContent sends a prepared message with content: the media is
// uploaded, the message stored as pending (counted against the daily
// limit), sent, and stored as sent or failed.
func (c *Client) sendContent(ctx context.Context, s *session, p *prepared) (*Message, error) {
	if p.id != "" {
		if m, err := c.sentBefore(ctx, s.id, p.chat, p.id); err != nil || m != nil {
			return m, err
		}
	}
	if err := c.checkQuota(ctx, s.id); err != nil {
		return nil, err
	}
	if err := c.buildOnline(ctx, s, p); err != nil {
		return nil, err
	}
	if p.previewURL != "" {
		cfg := c.core.cfg
		preview.Add(ctx, cfg.httpClient, cfg.privateURL, cfg.logger, p.msg, p.previewURL)
	}
	// Wait for the account's turn (WithSendPacing) before the message is
	// stored as pending: a send that never went leaves no record.
	if err := c.core.paceSend(ctx, s.id); err != nil {
		return nil, err
	}
	// The message goes under an id whatsmeow makes, as official clients'
	// ids look; a caller's id is kept as the record's client id.
	id := s.conn.Local.GenerateMessageID()
	var (
		row  *store.Message
		send bool
	)
	err := c.core.ingest.Apply(ctx, s.ingestAccount(), func(t *ingest.Tx) error {
		m, state, err := t.Outgoing(p.chat, id, p.id, p.msg)
		if err != nil {
			return err
		}
		if state == ingest.OutgoingNew {
			if err := c.countSend(t, s.id); err != nil {
				return err
			}
		}
		row, send = m, state != ingest.OutgoingExists
		return nil
	})
	if err != nil {
		return nil, c.storeError("send message", err)
	}
	if !send {
		m := messageFromRow(row)
		return &m, nil
	}
	// A retry goes under the id of the first attempt.
	resp, sendErr := s.conn.Client.SendMessage(ctx, p.chat, p.msg, whatsmeow.SendRequestExtra{ID: row.WAMessageID})
	// The outcome is stored even when ctx ended meanwhile.
	wctx := context.WithoutCancel(ctx)
	err = c.core.ingest.Apply(wctx, s.ingestAccount(), func(t *ingest.Tx) error {
		m, err := t.MessageByID(row.MessageID)
		if err != nil || m == nil {
			return err
		}
		if sendErr != nil {
			t.MarkFailed(m, sendErr.Error())
		} else if err := t.MarkSent(m, resp.ID, resp.Timestamp, resp.Sender); err != nil {
			return err
		}
		row = m
		return nil
	})
	if sendErr != nil {
		return nil, waError("send message", sendErr)
	}
	if err != nil {
		return nil, c.storeError("send message: sent, but storing it failed", err)
	}
	m := messageFromRow(row)
	return &m, nil
}

// storeError wraps an error of the store (or of a quota check made in the
// same transaction) for operation op.
func (c *Client) storeError(op string, err error) error {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return rl
	}
	return fmt.Errorf("wauser: %s: %w", op, err)
}

// sentBefore returns the account's own message sent with the caller's id
// in chat when it is stored and was sent (or is being sent): sending it
// again is then a no-op. A failed message, or one pending for too long, is
// sent again. Messages stored before caller ids were kept apart were sent
// under the caller's id itself, and are found by it too.
func (c *Client) sentBefore(ctx context.Context, account AccountID, chat types.JID, id string) (*Message, error) {
	conv, err := store.ConversationByJID(ctx, c.core.st.DB(), string(account), chat.String())
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("wauser: send message: %w", err)
	}
	rows, err := store.SentByClientID(ctx, c.core.st.DB(), string(account), conv.ConversationID, id)
	if err != nil {
		return nil, fmt.Errorf("wauser: send message: %w", err)
	}
	for _, r := range rows {
		stale := r.Status == ingest.StatusPending && c.core.cfg.clock.Now().Sub(r.UpdatedAt) > ingest.StalePending
		if r.ContentType == ingest.TypeUnknown || r.Status == ingest.StatusFailed || stale {
			continue
		}
		m := messageFromRow(r)
		return &m, nil
	}
	return nil, nil
}

// checkQuota refuses a send when the account already reached its daily
// limit. It is a cheap check before uploads; the count that holds is made
// with the pending message (countSend).
func (c *Client) checkQuota(ctx context.Context, account AccountID) error {
	limit := c.core.cfg.dailyLimit
	if limit == 0 {
		return nil
	}
	now := c.core.cfg.clock.Now()
	n, err := store.SentOn(ctx, c.core.st.DB(), string(account), store.QuotaDay(now))
	if err != nil {
		return fmt.Errorf("wauser: send message: %w", err)
	}
	if n >= int64(limit) {
		return c.quotaError(now)
	}
	return nil
}

// countSend counts one message against the account's daily limit inside
// the transaction storing it, failing when the limit is passed.
func (c *Client) countSend(t *ingest.Tx, account AccountID) error {
	limit := c.core.cfg.dailyLimit
	now := c.core.cfg.clock.Now()
	n, err := store.CountSend(t.Context(), t.DB(), string(account), store.QuotaDay(now))
	if err != nil {
		return err
	}
	if limit > 0 && n > int64(limit) {
		return c.quotaError(now)
	}
	return nil
}

func (c *Client) quotaError(now time.Time) *RateLimitError {
	y, m, d := now.UTC().Date()
	reset := time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
	return &RateLimitError{Limit: c.core.cfg.dailyLimit, ResetAt: reset, wait: reset.Sub(now)}
}

// MessageQuota is an account's use of its daily message limit.
type MessageQuota struct {
	Limit   int       `json:"limit"` // 0: no limit
	Sent    int       `json:"sent"`  // messages sent today (UTC)
	ResetAt time.Time `json:"reset_at"`
}

// GetMessageQuota returns how much of its daily message limit the account
// used (see WithDailyMessageLimit).
func (c *Client) GetMessageQuota(ctx context.Context) (*MessageQuota, error) {
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	now := c.core.cfg.clock.Now()
	n, err := store.SentOn(ctx, c.core.st.DB(), string(id), store.QuotaDay(now))
	if err != nil {
		return nil, fmt.Errorf("wauser: message quota: %w", err)
	}
	return &MessageQuota{Limit: c.core.cfg.dailyLimit, Sent: int(n), ResetAt: c.quotaError(now).ResetAt}, nil
}

// MaxMessageCountDays bounds ListMessageCounts: a year and a day.
const MaxMessageCountDays = 366

// DailyMessageCount is how many messages an account sent on one UTC day,
// as counted against its daily limit (every message stored to be sent,
// including those WhatsApp then refused; reactions, edits, deletions and
// read marks are not counted).
type DailyMessageCount struct {
	Day  string `json:"day"` // YYYY-MM-DD, UTC
	Sent int    `json:"sent"`
}

// ListMessageCounts returns the account's message counts of the last limit
// (1 to MaxMessageCountDays) UTC days on which it sent any, newest first:
// the history behind GetMessageQuota, kept in the store.
func (c *Client) ListMessageCounts(ctx context.Context, limit int) ([]DailyMessageCount, error) {
	if limit < 1 || limit > MaxMessageCountDays {
		return nil, invalidArg("limit", "%d; give 1 to %d", limit, MaxMessageCountDays)
	}
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := store.SentDays(ctx, c.core.st.DB(), string(id), limit)
	if err != nil {
		return nil, fmt.Errorf("wauser: message counts: %w", err)
	}
	out := make([]DailyMessageCount, 0, len(rows))
	for _, r := range rows {
		out = append(out, DailyMessageCount{Day: r.Day, Sent: int(r.Sent)})
	}
	return out, nil
}

// Limits checked before a message reaches WhatsApp.
const (
	maxTextLen      = 65536 // characters of a text, caption or other text field
	maxShortText    = 1024  // characters of a name, title, question or option
	maxPollOptions  = 12
	maxButtons      = 3
	maxListSections = 10
	maxListRows     = 10
	maxContactCards = 20
	maxMentions     = 1024
	inviteLifetime  = 3 * 24 * time.Hour
)

// prepared is a validated SendMessageRequest: the chat, the proto to send
// (media fields filled once the file is uploaded), and what else the send
// needs.
type prepared struct {
	typ     MessageType
	account AccountID
	chat    types.JID
	id      string // caller-chosen WhatsApp id, or ""

	msg        *waE2E.Message
	ctxInfo    *waE2E.ContextInfo // reply and mentions, for the content message
	media      *pendingMedia
	poll       *Poll
	previewURL string

	// reactions and status
	target       *store.Message // the stored message reacted to or marked; nil when not stored
	targetWAID   string
	targetSender types.JID // author of the target (EmptyJID: the account)
	emoji        string
	status       ChatStatus
}

// pendingMedia is the file of a media message: stored (by media id) or
// still to upload.
type pendingMedia struct {
	typ      MediaType
	row      *store.Media
	upload   *UploadMediaRequest
	caption  string
	voice    bool
	fileName string

	// given by the caller (see MediaMessage)
	seconds, width, height int
	thumbnail, waveform    []byte
}

// contentType returns the message type of r, checking that exactly one
// content field is set and that it fits r.Type.
func (r *SendMessageRequest) contentType() (MessageType, error) {
	var set []MessageType
	add := func(ok bool, t MessageType) {
		if ok {
			set = append(set, t)
		}
	}
	add(r.Text != "", MessageText)
	add(r.Image != nil, MessageImage)
	add(r.Video != nil, MessageVideo)
	add(r.Audio != nil, MessageAudio)
	add(r.Document != nil, MessageDocument)
	add(r.Sticker != nil, MessageSticker)
	add(r.Location != nil, MessageLocation)
	add(r.Contacts != nil, MessageContacts)
	add(r.Poll != nil, MessagePoll)
	add(r.Reaction != nil, MessageReaction)
	add(r.Invite != nil, MessageInvite)
	add(r.Interactive != nil, MessageInteractive)
	add(r.Template != nil, MessageTemplate)
	add(r.Status != "", MessageStatus)
	switch r.Type {
	case "", MessageText, MessageImage, MessageVideo, MessageAudio, MessageDocument, MessageSticker, MessageLocation,
		MessageContacts, MessagePoll, MessageReaction, MessageInvite, MessageInteractive, MessageTemplate, MessageStatus:
	default:
		return "", invalidArg("type", "%q is not a message type (text, image, video, audio, document, sticker, location, contacts, poll, reaction, invite, interactive, template, status)", r.Type)
	}
	switch {
	case len(set) == 0 && r.Type == MessageText:
		return "", invalidArg("text", "empty")
	case len(set) == 0 && r.Type != "":
		return "", invalidArg(string(r.Type), "missing for a %s message", r.Type)
	case len(set) == 0:
		return "", invalidArg("type", "no content: set text, image, video, audio, document, sticker, location, contacts, poll, reaction, invite, interactive, template or status")
	case len(set) > 1:
		return "", invalidArg(string(set[1]), "set together with %s; a message has one content", set[0])
	case r.Type != "" && r.Type != set[0]:
		return "", invalidArg("type", "%q, but the request carries %s", r.Type, set[0])
	}
	return set[0], nil
}

// prepare validates req and resolves what it refers to in the store (media
// ids, templates, replied-to messages). Nothing is sent.
func (c *Client) prepare(ctx context.Context, req *SendMessageRequest) (*prepared, error) {
	typ, err := req.contentType()
	if err != nil {
		return nil, err
	}
	p := &prepared{typ: typ, id: req.ID}
	if len(req.Participants) > 0 {
		return nil, invalidArg("participants", "sending to some members of a group is not supported: whatsmeow encrypts a group message for every member")
	}
	if req.ID != "" && !validSendID(req.ID) {
		return nil, invalidArg("id", "%q: use 1 to 64 ASCII letters and digits", req.ID)
	}
	// Read marks and reactions may name a stored message ("msg_…") alone.
	if (typ != MessageStatus && typ != MessageReaction) || req.To != "" {
		if p.chat, err = ParseRecipient(req.To, req.RecipientType); err != nil {
			return nil, err
		}
	}
	if err := req.validateContent(typ, c.core.cfg.mediaLimit); err != nil {
		return nil, err
	}
	if p.chat.Server == types.NewsletterServer {
		switch typ {
		case MessageImage, MessageVideo, MessageAudio, MessageDocument, MessageSticker:
			return nil, invalidArg("to", "media messages to channels are not supported (channels take unencrypted uploads)")
		case MessageReaction:
			return nil, invalidArg("to", "reactions to channel posts are not supported")
		}
	}
	if p.account, err = c.accountID(ctx); err != nil {
		return nil, err
	}
	switch typ {
	case MessageStatus:
		return p, c.prepareStatus(ctx, p, req)
	case MessageReaction:
		return p, c.prepareReaction(ctx, p, req)
	}
	if p.ctxInfo, err = c.contextInfo(ctx, p, req); err != nil {
		return nil, err
	}
	switch typ {
	case MessageText:
		p.msg = compose.TextMessage(req.Text, p.ctxInfo, req.PreviewURL)
		if req.PreviewURL {
			p.previewURL = preview.FirstURL(req.Text)
		}
	case MessageImage, MessageVideo, MessageAudio, MessageDocument, MessageSticker:
		if err := c.prepareMedia(ctx, p, req); err != nil {
			return nil, err
		}
	case MessageLocation:
		l := req.Location
		p.msg = compose.LocationMessage(compose.Location{
			Latitude: l.Latitude, Longitude: l.Longitude, Name: l.Name, Address: l.Address, URL: l.URL,
		}, p.ctxInfo)
	case MessageContacts:
		p.msg = compose.ContactsMessage(composeCards(req.Contacts), p.ctxInfo)
	case MessagePoll:
		p.poll = req.Poll
	case MessageInvite:
		if err := c.prepareInvite(ctx, p, req.Invite); err != nil {
			return nil, err
		}
	case MessageInteractive:
		p.msg = compose.InteractiveMessage(composeInteractive(req.Interactive), p.ctxInfo)
	case MessageTemplate:
		text, err := c.renderTemplate(ctx, p.account, req.Template)
		if err != nil {
			return nil, err
		}
		p.msg = compose.TextMessage(text, p.ctxInfo, false)
	}
	return p, nil
}

// validSendID reports whether id can be a caller-chosen WhatsApp message id.
func validSendID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// validWAID reports whether id can be a WhatsApp message id of a message
// someone else sent (other clients use other alphabets than wauser's).
func validWAID(id string) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:", r)) {
			return false
		}
	}
	return true
}

// validText checks a text field: valid UTF-8, not blank when required, at
// most maxLen characters.
func validText(field, s string, required bool, maxLen int) error {
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		return invalidArg(field, "not valid UTF-8")
	case required && strings.TrimSpace(s) == "":
		return invalidArg(field, "empty")
	case n > maxLen:
		return invalidArg(field, "%d characters; at most %d", n, maxLen)
	}
	return nil
}

// validateContent checks the content of a message of type typ, without the
// store.
func (r *SendMessageRequest) validateContent(typ MessageType, mediaLimit int64) error {
	switch typ {
	case MessageText:
		return validText("text", r.Text, true, maxTextLen)
	case MessageImage:
		return r.Image.validate("image", MediaImage, mediaLimit)
	case MessageVideo:
		return r.Video.validate("video", MediaVideo, mediaLimit)
	case MessageAudio:
		return r.Audio.validate("audio", MediaAudio, mediaLimit)
	case MessageDocument:
		return r.Document.validate("document", MediaDocument, mediaLimit)
	case MessageSticker:
		return r.Sticker.validate("sticker", MediaSticker, mediaLimit)
	case MessageLocation:
		return r.Location.validate()
	case MessageContacts:
		return validateCards(r.Contacts)
	case MessagePoll:
		return r.Poll.validate()
	case MessageReaction:
		return r.Reaction.validate()
	case MessageInvite:
		return r.Invite.validate()
	case MessageInteractive:
		return r.Interactive.validate()
	case MessageTemplate:
		return r.Template.validate()
	case MessageStatus:
		switch r.Status {
		case StatusRead, StatusPlayed:
			if r.Context == nil || r.Context.MessageID == "" {
				return invalidArg("context.message_id", "required to mark a message %s", r.Status)
			}
		case StatusTyping, StatusRecording, StatusPaused:
			if r.To == "" {
				return invalidArg("to", "empty; give the chat to show %s in", r.Status)
			}
		default:
			return invalidArg("status", "%q is not read, played, typing, recording or paused", r.Status)
		}
	}
	return nil
}

func (m *MediaMessage) validate(field string, typ MediaType, limit int64) error {
	sources := 0
	for _, set := range []bool{m.ID != "", m.URL != "", m.Data != nil} {
		if set {
			sources++
		}
	}
	if sources != 1 {
		return invalidArg(field, "give exactly one of id, url and data (got %d)", sources)
	}
	if m.Voice && typ != MediaAudio {
		return invalidArg(field+".voice", "only audio can be a voice note")
	}
	if err := m.validateDetails(field, typ); err != nil {
		return err
	}
	if typ == MediaSticker && m.Caption != "" {
		return invalidArg(field+".caption", "stickers have no caption")
	}
	if err := validText(field+".caption", m.Caption, false, maxTextLen); err != nil {
		return err
	}
	if m.ID != "" {
		if !validRecordID(string(m.ID)) {
			return invalidArg(field+".id", "%q is not a media id", m.ID)
		}
		if m.MIMEType != "" {
			return invalidArg(field+".mime_type", "set by the upload of media %q", m.ID)
		}
		return validFileName(field+".filename", m.FileName)
	}
	up := UploadMediaRequest{Data: m.Data, URL: m.URL, MIMEType: m.MIMEType, Type: typ, FileName: m.FileName}
	if err := up.validate(limit); err != nil {
		var ae *ArgumentError
		if errors.As(err, &ae) {
			ae.Field = field + "." + ae.Field
		}
		return err
	}
	return nil
}

// Limits of the details a caller gives for a media message.
const (
	maxMediaSeconds   = 24 * 60 * 60
	maxMediaPixels    = 16384
	maxThumbnailBytes = 64 << 10
	maxWaveform       = 64
	maxWaveformValue  = 100
)

// validateDetails checks the caller's seconds, dimensions, thumbnail and
// waveform, each allowed only where WhatsApp has the field and wauser
// cannot read it from the file.
func (m *MediaMessage) validateDetails(field string, typ MediaType) error {
	switch {
	case m.Seconds != 0 && typ != MediaVideo && typ != MediaAudio:
		return invalidArg(field+".seconds", "only videos and audio have a playing time")
	case m.Seconds < 0 || m.Seconds > maxMediaSeconds:
		return invalidArg(field+".seconds", "%d; give 0 to %d", m.Seconds, maxMediaSeconds)
	case (m.Width != 0 || m.Height != 0) && typ != MediaVideo:
		return invalidArg(field+".width", "only videos take dimensions (images are measured from the file)")
	case m.Width < 0 || m.Width > maxMediaPixels || m.Height < 0 || m.Height > maxMediaPixels:
		return invalidArg(field+".width", "%dx%d; give 0 to %d pixels", m.Width, m.Height, maxMediaPixels)
	case m.Thumbnail != nil && typ != MediaVideo && typ != MediaDocument:
		return invalidArg(field+".thumbnail", "only videos and documents take a thumbnail (images get one made from the file)")
	case len(m.Thumbnail) > maxThumbnailBytes:
		return invalidArg(field+".thumbnail", "%d bytes; at most %d", len(m.Thumbnail), maxThumbnailBytes)
	case m.Waveform != nil && !m.Voice:
		return invalidArg(field+".waveform", "only voice notes have a waveform")
	case len(m.Waveform) > maxWaveform:
		return invalidArg(field+".waveform", "%d samples; at most %d", len(m.Waveform), maxWaveform)
	}
	if m.Thumbnail != nil {
		if cfg, format, err := image.DecodeConfig(bytes.NewReader(m.Thumbnail)); err != nil || format != "jpeg" || cfg.Width <= 0 {
			return invalidArg(field+".thumbnail", "not a JPEG image")
		}
	}
	for i, v := range m.Waveform {
		if v > maxWaveformValue {
			return invalidArg(fmt.Sprintf("%s.waveform[%d]", field, i), "%d; samples are 0 to %d", v, maxWaveformValue)
		}
	}
	return nil
}

func validFileName(field, name string) error {
	switch {
	case len(name) > 255:
		return invalidArg(field, "longer than 255 bytes")
	case !utf8.ValidString(name), strings.ContainsAny(name, "/\\\x00"):
		return invalidArg(field, "%q must be a plain file name without slashes", name)
	}
	return nil
}

func (l *Location) validate() error {
	switch {
	case math.IsNaN(l.Latitude) || l.Latitude < -90 || l.Latitude > 90:
		return invalidArg("location.latitude", "%v is not between -90 and 90", l.Latitude)
	case math.IsNaN(l.Longitude) || l.Longitude < -180 || l.Longitude > 180:
		return invalidArg("location.longitude", "%v is not between -180 and 180", l.Longitude)
	}
	for _, f := range []struct{ name, v string }{{"location.name", l.Name}, {"location.address", l.Address}, {"location.url", l.URL}} {
		if err := validText(f.name, f.v, false, maxShortText); err != nil {
			return err
		}
	}
	return nil
}

func validateCards(cards []ContactCard) error {
	switch {
	case len(cards) == 0:
		return invalidArg("contacts", "empty; give at least one contact")
	case len(cards) > maxContactCards:
		return invalidArg("contacts", "%d contacts; at most %d", len(cards), maxContactCards)
	}
	for i, cc := range cards {
		field := fmt.Sprintf("contacts[%d]", i)
		if err := validText(field+".name", cc.Name, true, maxShortText); err != nil {
			return err
		}
		if cc.VCard != "" {
			if err := validText(field+".vcard", cc.VCard, true, maxTextLen); err != nil {
				return err
			}
			if !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(cc.VCard)), "BEGIN:VCARD") {
				return invalidArg(field+".vcard", "not a vCard (BEGIN:VCARD ... END:VCARD)")
			}
			if len(cc.Phones) > 0 {
				return invalidArg(field+".phones", "give phones or a vcard, not both")
			}
			continue
		}
		if len(cc.Phones) == 0 {
			return invalidArg(field+".phones", "empty; give at least one phone number, or a vcard")
		}
		for j, ph := range cc.Phones {
			if _, err := parsePhoneField(fmt.Sprintf("%s.phones[%d]", field, j), ph); err != nil {
				return err
			}
		}
		if strings.ContainsAny(cc.Name, "\r\n") {
			return invalidArg(field+".name", "contains a line break")
		}
	}
	return nil
}

func (p *Poll) validate() error {
	if err := validText("poll.question", p.Question, true, maxShortText); err != nil {
		return err
	}
	switch n := len(p.Options); {
	case n < 2 || n > maxPollOptions:
		return invalidArg("poll.options", "%d options; give 2 to %d", n, maxPollOptions)
	case p.SelectableCount < 0 || p.SelectableCount > n:
		return invalidArg("poll.selectable_count", "%d; give 0 (any number) to %d", p.SelectableCount, n)
	}
	for i, o := range p.Options {
		field := fmt.Sprintf("poll.options[%d]", i)
		if err := validText(field, o, true, maxShortText); err != nil {
			return err
		}
		if j := slices.Index(p.Options, o); j < i {
			return invalidArg(field, "%q is options[%d] again", o, j)
		}
	}
	return nil
}

func (r *Reaction) validate() error {
	if r.MessageID == "" {
		return invalidArg("reaction.message_id", "empty")
	}
	if !utf8.ValidString(r.Emoji) || len(r.Emoji) > 64 || strings.ContainsAny(r.Emoji, " \t\r\n") {
		return invalidArg("reaction.emoji", "%q is not one emoji", r.Emoji)
	}
	return nil
}

func (g *GroupInvite) validate() error {
	if _, err := parseGroup("invite.group", g.Group); err != nil {
		return err
	}
	if !digitsOrLetters(g.Code, 1, 64) {
		return invalidArg("invite.code", "%q is not an invite code", g.Code)
	}
	if err := validText("invite.group_name", g.GroupName, false, maxShortText); err != nil {
		return err
	}
	return validText("invite.caption", g.Caption, false, maxTextLen)
}

func digitsOrLetters(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func (in *Interactive) validate() error {
	if err := validText("interactive.body", in.Body, true, maxTextLen); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"interactive.header", in.Header}, {"interactive.footer", in.Footer}, {"interactive.button", in.Button}} {
		if err := validText(f.name, f.v, false, maxShortText); err != nil {
			return err
		}
	}
	switch in.Type {
	case "button":
		if n := len(in.Buttons); n == 0 || n > maxButtons {
			return invalidArg("interactive.buttons", "%d buttons; give 1 to %d", n, maxButtons)
		}
		if len(in.Sections) > 0 {
			return invalidArg("interactive.sections", "set on a button message; sections are for lists")
		}
		for i, b := range in.Buttons {
			if err := validText(fmt.Sprintf("interactive.buttons[%d].title", i), b.Title, true, maxShortText); err != nil {
				return err
			}
			if err := validText(fmt.Sprintf("interactive.buttons[%d].id", i), b.ID, true, 256); err != nil {
				return err
			}
		}
	case "list":
		if n := len(in.Sections); n == 0 || n > maxListSections {
			return invalidArg("interactive.sections", "%d sections; give 1 to %d", n, maxListSections)
		}
		if len(in.Buttons) > 0 {
			return invalidArg("interactive.buttons", "set on a list message; buttons are for button messages")
		}
		if err := validText("interactive.button", in.Button, true, maxShortText); err != nil {
			return err
		}
		for i, sec := range in.Sections {
			if n := len(sec.Rows); n == 0 || n > maxListRows {
				return invalidArg(fmt.Sprintf("interactive.sections[%d].rows", i), "%d rows; give 1 to %d", n, maxListRows)
			}
			for j, row := range sec.Rows {
				field := fmt.Sprintf("interactive.sections[%d].rows[%d]", i, j)
				if err := validText(field+".title", row.Title, true, maxShortText); err != nil {
					return err
				}
				if err := validText(field+".id", row.ID, true, 256); err != nil {
					return err
				}
			}
		}
	default:
		return invalidArg("interactive.type", "%q is not button or list", in.Type)
	}
	return nil
}

// contextInfo builds the reply, mention and disappearing-timer part of a
// content message; nil when there is none.
func (c *Client) contextInfo(ctx context.Context, p *prepared, req *SendMessageRequest) (*waE2E.ContextInfo, error) {
	var ci waE2E.ContextInfo
	set := false
	mctx := req.Context
	if mctx == nil {
		mctx = &MessageContext{}
	}
	if mctx.MessageID != "" {
		target, waID, author, err := c.findTarget(ctx, p.account, p.chat, mctx.MessageID, mctx.Participant, "context.message_id", "context.participant")
		if err != nil {
			return nil, err
		}
		ci.StanzaID = proto.String(waID)
		_, wireAuthor := compose.WireTarget(target, p.chat, author)
		switch {
		case target != nil && target.IsFromMe && target.WireSenderJID != "":
			ci.Participant = proto.String(target.WireSenderJID) // the account, as WhatsApp addressed it
		case target != nil && target.IsFromMe && target.SenderJID != "":
			ci.Participant = proto.String(target.SenderJID)
		case !wireAuthor.IsEmpty():
			ci.Participant = proto.String(wireAuthor.ToNonAD().String())
		}
		ci.QuotedMessage = compose.Quoted(target)
		set = true
	} else if mctx.Participant != "" {
		return nil, invalidArg("context.participant", "set without context.message_id")
	}
	mentions, err := mentionJIDs(mctx.Mentions, mentionText(req), p.chat.Server == types.GroupServer)
	if err != nil {
		return nil, err
	}
	if len(mentions) > 0 {
		ci.MentionedJID = mentions
		set = true
	}
	// In a chat with disappearing messages on, every message carries the
	// timer, as official clients send it; without it recipients see "this
	// message will not disappear".
	if secs, err := c.ephemeralTimer(ctx, p.account, p.chat); err != nil {
		return nil, err
	} else if secs > 0 {
		ci.Expiration = proto.Uint32(secs)
		set = true
	}
	if !set {
		return nil, nil
	}
	return &ci, nil
}

// ephemeralTimer returns the disappearing-messages timer of chat, in
// seconds; 0 when it is off or the chat is not stored.
func (c *Client) ephemeralTimer(ctx context.Context, account AccountID, chat types.JID) (uint32, error) {
	switch chat.Server {
	case types.DefaultUserServer, types.HiddenUserServer, types.GroupServer:
	default:
		return 0, nil
	}
	conv, err := store.ConversationByJID(ctx, c.core.st.DB(), string(account), chat.String())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("wauser: send message: %w", err)
	case conv.EphemeralSecs <= 0:
		return 0, nil
	}
	return uint32(conv.EphemeralSecs), nil
}

// mentionText is the text of a request in which "@" mentions are written.
func mentionText(req *SendMessageRequest) string {
	switch {
	case req.Text != "":
		return req.Text
	case req.Image != nil:
		return req.Image.Caption
	case req.Video != nil:
		return req.Video.Caption
	case req.Document != nil:
		return req.Document.Caption
	case req.Interactive != nil:
		return req.Interactive.Body
	}
	return ""
}

// mentionJIDs returns the JIDs mentioned: the explicit ones and, when
// fromText is set, every "@<7 to 15 digits>" token of text (as a phone
// number), in order and without repeats.
func mentionJIDs(explicit []string, text string, fromText bool) ([]string, error) {
	if len(explicit) > maxMentions {
		return nil, invalidArg("context.mentions", "%d mentions; at most %d", len(explicit), maxMentions)
	}
	var out []string
	for i, m := range explicit {
		j, err := parseUser(fmt.Sprintf("context.mentions[%d]", i), m)
		if err != nil {
			return nil, err
		}
		if s := j.String(); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if fromText {
		for _, digits := range atMentions(text) {
			if s := digits + "@" + types.DefaultUserServer; !slices.Contains(out, s) && !slices.Contains(out, digits+"@"+types.HiddenUserServer) {
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// atMentions returns the digits of every "@<digits>" token of text that
// starts the text or follows a space or punctuation and is a plausible
// phone number (7 to 15 digits, no leading 0).
func atMentions(text string) []string {
	var out []string
	for i := 0; i < len(text); i++ {
		if text[i] != '@' {
			continue
		}
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(text[:i])
			if prev == '_' || prev >= '0' && prev <= '9' || prev >= 'a' && prev <= 'z' || prev >= 'A' && prev <= 'Z' {
				continue // an e-mail address or such
			}
		}
		j := i + 1
		for j < len(text) && text[j] >= '0' && text[j] <= '9' {
			j++
		}
		if j < len(text) && (text[j] >= 'a' && text[j] <= 'z' || text[j] >= 'A' && text[j] <= 'Z' || text[j] == '_') {
			continue
		}
		if digits := text[i+1 : j]; phoneDigitsProblem(digits) == "" && !slices.Contains(out, digits) {
			out = append(out, digits)
		}
		i = j - 1
	}
	return out
}

// findTarget finds the message a reply, reaction or read mark refers to:
// id is a stored message's id ("msg_…", which must be in chat unless chat
// is empty) or a WhatsApp id in chat. It returns the stored row (nil when
// the WhatsApp id is not stored), the WhatsApp id, and its author
// (EmptyJID for the account's own messages; for an unstored message in a
// group, participant, which is then required; in a direct chat, the
// peer).
func (c *Client) findTarget(ctx context.Context, account AccountID, chat types.JID, id, participant, field, participantField string) (*store.Message, string, types.JID, error) {
	var author types.JID
	if participant != "" {
		var err error
		if author, err = parseUser(participantField, participant); err != nil {
			return nil, "", types.EmptyJID, err
		}
	}
	db := c.core.st.DB()
	if strings.HasPrefix(id, "msg_") && validRecordID(id) {
		r, err := c.core.st.GetMessage(ctx, string(account), id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, "", types.EmptyJID, invalidArg(field, "no message %q", id)
		} else if err != nil {
			return nil, "", types.EmptyJID, fmt.Errorf("wauser: find message: %w", err)
		}
		if !chat.IsEmpty() {
			conv, err := store.ConversationByJID(ctx, db, string(account), chat.String())
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, "", types.EmptyJID, fmt.Errorf("wauser: find message: %w", err)
			}
			if conv == nil || conv.ConversationID != r.ConversationID {
				return nil, "", types.EmptyJID, invalidArg(field, "message %q is not in chat %s", id, chat)
			}
		}
		return r, r.WAMessageID, compose.RowAuthor(r), nil
	}
	if !validWAID(id) {
		return nil, "", types.EmptyJID, invalidArg(field, "%q is neither a message id (msg_…) nor a WhatsApp message id", id)
	}
	if chat.IsEmpty() {
		chatField := "to"
		if field == "message" || strings.HasPrefix(field, "message_ids") {
			chatField = "chat"
		}
		return nil, "", types.EmptyJID, invalidArg(chatField, "empty; give the chat of WhatsApp message %q", id)
	}
	conv, err := store.ConversationByJID(ctx, db, string(account), chat.String())
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, "", types.EmptyJID, fmt.Errorf("wauser: find message: %w", err)
	}
	if conv != nil {
		// The account's own messages are also found by the id the caller
		// sent them with.
		rows, err := store.MessageByWAIDOrClientID(ctx, db, string(account), conv.ConversationID, id)
		if err != nil {
			return nil, "", types.EmptyJID, fmt.Errorf("wauser: find message: %w", err)
		}
		rows = slices.DeleteFunc(rows, func(r *store.Message) bool { return r.ContentType == "unknown" && r.SentAt.IsZero() })
		var match *store.Message
		for _, r := range rows {
			if author.IsEmpty() || r.SenderJID == author.ToNonAD().String() {
				match = r
				break
			}
		}
		if match != nil {
			return match, match.WAMessageID, compose.RowAuthor(match), nil
		}
	}
	switch {
	case !author.IsEmpty():
		return nil, id, author, nil
	case chat.Server == types.GroupServer:
		return nil, "", types.EmptyJID, invalidArg(participantField,
			"required: WhatsApp message %q of group %s is not stored, so its author is unknown", id, chat)
	case chat.Server == types.DefaultUserServer || chat.Server == types.HiddenUserServer:
		return nil, id, chat, nil // a message of the peer
	}
	return nil, id, types.EmptyJID, nil
}

// prepareMedia looks up a media id, or keeps the file to upload.
func (c *Client) prepareMedia(ctx context.Context, p *prepared, req *SendMessageRequest) error {
	var (
		m     *MediaMessage
		typ   MediaType
		field string
	)
	switch p.typ {
	case MessageImage:
		m, typ, field = req.Image, MediaImage, "image"
	case MessageVideo:
		m, typ, field = req.Video, MediaVideo, "video"
	case MessageAudio:
		m, typ, field = req.Audio, MediaAudio, "audio"
	case MessageDocument:
		m, typ, field = req.Document, MediaDocument, "document"
	default:
		m, typ, field = req.Sticker, MediaSticker, "sticker"
	}
	pm := &pendingMedia{typ: typ, caption: m.Caption, voice: m.Voice, fileName: m.FileName,
		seconds: m.Seconds, width: m.Width, height: m.Height, thumbnail: m.Thumbnail, waveform: m.Waveform}
	if m.ID == "" {
		pm.upload = &UploadMediaRequest{Data: m.Data, URL: m.URL, MIMEType: m.MIMEType, Type: typ, FileName: m.FileName}
		p.media = pm
		return nil
	}
	row, err := store.GetMedia(ctx, c.core.st.DB(), string(p.account), string(m.ID))
	if errors.Is(err, store.ErrNotFound) {
		return invalidArg(field+".id", "no uploaded media %q", m.ID)
	} else if err != nil {
		return fmt.Errorf("wauser: send message: %w", err)
	}
	stored := MediaType(row.MediaType)
	if stored.whatsmeow() != typ.whatsmeow() || !typ.accepts(baseMIME(row.MIMEType)) {
		return invalidArg(field+".id", "media %q was uploaded as %s (%s) and cannot be sent as %s; upload it with type %s", m.ID, stored, row.MIMEType, typ, typ)
	}
	pm.row = row
	p.media = pm
	return nil
}

// buildOnline builds the parts of a message's proto that need the
// connection: a poll (which carries a fresh secret from the device), or
// a media message, whose file is uploaded first if needed.
func (c *Client) buildOnline(ctx context.Context, s *session, p *prepared) error {
	if p.poll != nil {
		buildPoll(s, p)
		return nil
	}
	return c.resolveMedia(ctx, s, p)
}

// buildPoll builds the poll creation message, with a fresh secret.
func buildPoll(s *session, p *prepared) {
	p.msg = compose.PollMessage(s.conn.Local, p.poll.Question, p.poll.Options, p.poll.SelectableCount, p.ctxInfo)
}

// resolveMedia uploads the file of a media message if needed and fills in
// its proto.
func (c *Client) resolveMedia(ctx context.Context, s *session, p *prepared) error {
	pm := p.media
	if pm == nil {
		return nil
	}
	if pm.row == nil {
		row, err := c.upload(ctx, s, *pm.upload)
		if err != nil {
			var ae *ArgumentError
			if errors.As(err, &ae) && !strings.Contains(ae.Field, ".") {
				ae.Field = string(p.typ) + "." + ae.Field
			}
			return err
		}
		pm.row = row
	}
	msg, err := pm.message(p.ctxInfo, c.core.cfg.clock.Now())
	if err != nil {
		return err
	}
	p.msg = msg
	return nil
}

// prepareInvite builds a group invite message; the group's name comes from
// the store when not given.
func (c *Client) prepareInvite(ctx context.Context, p *prepared, in *GroupInvite) error {
	group, _ := parseGroup("invite.group", in.Group)
	name := in.GroupName
	if name == "" {
		conv, err := store.ConversationByJID(ctx, c.core.st.DB(), string(p.account), group.String())
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("wauser: send message: %w", err)
		}
		if conv != nil {
			name = conv.Subject
		}
	}
	exp := in.Expiration
	if exp.IsZero() {
		exp = c.core.cfg.clock.Now().Add(inviteLifetime)
	}
	p.msg = compose.InviteMessage(compose.Invite{Group: group, Code: in.Code, Expiration: exp, Name: name, Caption: in.Caption}, p.ctxInfo)
	return nil
}

// message builds the proto of the uploaded file (pm.row).
func (pm *pendingMedia) message(ci *waE2E.ContextInfo, now time.Time) (*waE2E.Message, error) {
	msg, err := compose.MediaMessage(&compose.Media{
		Kind: compose.Kind(pm.typ), Row: pm.row, Caption: pm.caption, Voice: pm.voice, FileName: pm.fileName,
		Seconds: pm.seconds, Width: pm.width, Height: pm.height, Thumbnail: pm.thumbnail, Waveform: pm.waveform,
	}, ci, now)
	return msg, composeError(err)
}

// composeError is err of internal/compose in the caller's terms: its
// FieldError as an ArgumentError.
func composeError(err error) error {
	var fe *compose.FieldError
	if errors.As(err, &fe) {
		return invalidArg(fe.Field, "%s", fe.Reason)
	}
	return err
}

// composeCards converts contact cards for compose, phone numbers as their
// digits (validateCards checked them).
func composeCards(cards []ContactCard) []compose.Card {
	out := make([]compose.Card, 0, len(cards))
	for _, cc := range cards {
		var phones []string
		for _, ph := range cc.Phones {
			digits, _ := parsePhone(ph)
			phones = append(phones, digits)
		}
		out = append(out, compose.Card{Name: cc.Name, Phones: phones, VCard: cc.VCard})
	}
	return out
}

// composeInteractive converts an interactive message for compose.
func composeInteractive(in *Interactive) *compose.Interactive {
	out := &compose.Interactive{Type: in.Type, Header: in.Header, Body: in.Body, Footer: in.Footer, Button: in.Button}
	for _, b := range in.Buttons {
		out.Buttons = append(out.Buttons, compose.Button{ID: b.ID, Title: b.Title})
	}
	for _, sec := range in.Sections {
		cs := compose.Section{Title: sec.Title}
		for _, r := range sec.Rows {
			cs.Rows = append(cs.Rows, compose.Row{ID: r.ID, Title: r.Title, Description: r.Description})
		}
		out.Sections = append(out.Sections, cs)
	}
	return out
}
