package wauser

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/compose"
	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/internal/preview"
	"github.com/wauser/wauser/store"
)

// MessageType is the kind of message SendMessage sends: the Business Server API's
// types (text, image, video, audio, document, location, poll, reaction,
// invite, interactive, status), the WhatsSync Chat API's template, and contact cards
// and stickers.
type MessageType string

// Message types.
const (
	MessageText        MessageType = "text"
	MessageImage       MessageType = "image"
	MessageVideo       MessageType = "video"
	MessageAudio       MessageType = "audio" // audio files and voice notes (MediaMessage.Voice)
	MessageDocument    MessageType = "document"
	MessageSticker     MessageType = "sticker"
	MessageLocation    MessageType = "location"
	MessageContacts    MessageType = "contacts"
	MessagePoll        MessageType = "poll"
	MessageReaction    MessageType = "reaction"
	MessageInvite      MessageType = "invite"
	MessageInteractive MessageType = "interactive"
	MessageTemplate    MessageType = "template"
	MessageStatus      MessageType = "status" // read/played receipts and typing/recording indicators
)

// ChatStatus is what a status message (MessageStatus) tells the chat.
type ChatStatus string

// Chat statuses (the Business Server API's status field).
const (
	StatusRead      ChatStatus = "read"      // mark the context message read
	StatusPlayed    ChatStatus = "played"    // mark the context voice note or video played
	StatusTyping    ChatStatus = "typing"    // show "typing…"
	StatusRecording ChatStatus = "recording" // show "recording audio…"
	StatusPaused    ChatStatus = "paused"    // stop showing either
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

// ListMessagesOptions selects messages.
type ListMessagesOptions struct {
	ConversationID ConversationID // only this conversation; "" for all
	// PersonID selects the direct conversation with this person (a page
	// without messages when there is none yet). It cannot be combined
	// with ConversationID.
	PersonID PersonID
	// BeforeMessageID starts the page after this message, with the ones
	// sent before it: the way to page on without a cursor. It cannot be
	// combined with Cursor, and must belong to the selected conversation.
	BeforeMessageID MessageID
	Cursor          string // NextCursor of the previous page
	Limit           int    // 0 means DefaultListLimit; at most MaxListLimit
}

// MessageList is a page of messages.
type MessageList struct {
	Messages   []Message `json:"messages"`
	NextCursor string    `json:"next_cursor,omitempty"` // empty on the last page
}

// ListMessages returns messages, newest first. Deleted messages are listed
// as tombstones (DeletedAt set, no body).
func (c *Client) ListMessages(ctx context.Context, opts ListMessagesOptions) (*MessageList, error) {
	limit, err := listLimit(opts.Limit)
	if err != nil {
		return nil, err
	}
	after, err := parseTimeCursor('m', opts.Cursor)
	if err != nil {
		return nil, err
	}
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	convID := string(opts.ConversationID)
	switch {
	case convID != "" && !validRecordID(convID):
		return nil, invalidArg("conversation_id", "%q is not a conversation id", convID)
	case opts.PersonID != "" && !validRecordID(string(opts.PersonID)):
		return nil, invalidArg("person_id", "%q is not a person id", opts.PersonID)
	case opts.PersonID != "" && convID != "":
		return nil, invalidArg("person_id", "give a person or a conversation, not both")
	case opts.BeforeMessageID != "" && !validRecordID(string(opts.BeforeMessageID)):
		return nil, invalidArg("before_message_id", "%q is not a message id", opts.BeforeMessageID)
	case opts.BeforeMessageID != "" && opts.Cursor != "":
		return nil, invalidArg("before_message_id", "give a cursor or a message to start before, not both")
	}
	if convID != "" {
		conv, err := c.core.st.GetConversation(ctx, string(id), convID)
		if err != nil {
			return nil, recordError("conversation", convID, err)
		}
		convID = conv.ConversationID
	}
	if opts.PersonID != "" {
		rows, err := store.DirectConversations(ctx, c.core.st.DB(), string(id), string(opts.PersonID))
		if err != nil {
			return nil, fmt.Errorf("wauser: list messages: %w", err)
		}
		if len(rows) == 0 {
			return &MessageList{Messages: []Message{}}, nil
		}
		convID = rows[0].ConversationID
	}
	if opts.BeforeMessageID != "" {
		m, err := c.core.st.GetMessage(ctx, string(id), string(opts.BeforeMessageID))
		if err != nil {
			return nil, recordError("message", string(opts.BeforeMessageID), err)
		}
		if (convID != "" && m.ConversationID != convID) || m.SentAt.IsZero() {
			return nil, invalidArg("before_message_id", "%q is not a message of this conversation", opts.BeforeMessageID)
		}
		after = &store.KeysetTime{At: m.SentAt.UTC(), ID: m.MessageID}
	}
	rows, err := c.core.st.ListMessages(ctx, string(id), store.ListMessagesQuery{ConversationID: convID, After: after, Limit: limit + 1})
	if err != nil {
		return nil, fmt.Errorf("wauser: list messages: %w", err)
	}
	out := &MessageList{Messages: make([]Message, 0, min(len(rows), limit))}
	for i, r := range rows {
		if i == limit {
			out.NextCursor = timeCursor('m', rows[i-1].SentAt, rows[i-1].MessageID)
			break
		}
		out.Messages = append(out.Messages, messageFromRow(r))
	}
	return out, nil
}

// GetMessage returns a message by id.
func (c *Client) GetMessage(ctx context.Context, message MessageID) (*Message, error) {
	if !validRecordID(string(message)) {
		return nil, invalidArg("message_id", "%q is not a message id", message)
	}
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	r, err := c.core.st.GetMessage(ctx, string(id), string(message))
	if err != nil {
		return nil, recordError("message", string(message), err)
	}
	m := messageFromRow(r)
	return &m, nil
}

// Messages iterates over the messages ListMessages lists for opts, newest
// first, across every page.
func (c *Client) Messages(ctx context.Context, opts ListMessagesOptions) iter.Seq2[Message, error] {
	return pages(opts.Cursor, func(cursor string) ([]Message, string, error) {
		o := opts
		o.Cursor = cursor
		if cursor != "" {
			o.BeforeMessageID = "" // the cursor carries the position on
		}
		l, err := c.ListMessages(ctx, o)
		if err != nil {
			return nil, "", err
		}
		return l.Messages, l.NextCursor, nil
	})
}

// SendReaction reacts to a message of chat with an emoji; "" removes the
// account's reaction. message is a stored message's id ("msg_…", chat may
// then be "") or a WhatsApp id of chat. It returns the message reacted to,
// with the reaction. See SendMessage.
func (c *Client) SendReaction(ctx context.Context, chat, message, emoji string) (*Message, error) {
	return c.SendMessage(ctx, SendMessageRequest{To: chat, Type: MessageReaction, Reaction: &Reaction{MessageID: message, Emoji: emoji}})
}

// prepareReaction finds the message reacted to.
func (c *Client) prepareReaction(ctx context.Context, p *prepared, req *SendMessageRequest) error {
	var participant string
	if req.Context != nil {
		participant = req.Context.Participant
	}
	target, waID, author, err := c.findTarget(ctx, p.account, p.chat, req.Reaction.MessageID, participant, "reaction.message_id", "context.participant")
	if err != nil {
		return err
	}
	p.target, p.targetWAID, p.targetSender, p.emoji = target, waID, author, req.Reaction.Emoji
	if p.chat.IsEmpty() {
		if p.chat, err = types.ParseJID(target.ChatJID); err != nil {
			return fmt.Errorf("wauser: message %s has a malformed chat %q: %w", target.MessageID, target.ChatJID, err)
		}
		if p.chat.Server == types.NewsletterServer {
			return invalidArg("reaction.message_id", "reactions to channel posts are not supported")
		}
	}
	return nil
}

// sendReaction sends a prepared reaction and stores it on the message.
func (c *Client) sendReaction(ctx context.Context, s *session, p *prepared) (*Message, error) {
	now := c.core.cfg.clock.Now()
	wireChat, wireAuthor := compose.WireTarget(p.target, p.chat, p.targetSender)
	msg := s.conn.Local.BuildReaction(wireChat, wireAuthor, p.targetWAID, p.emoji)
	msg.ReactionMessage.SenderTimestampMS = proto.Int64(now.UnixMilli())
	if err := c.core.paceSend(ctx, s.id); err != nil {
		return nil, err
	}
	if _, err := s.conn.Client.SendMessage(ctx, p.chat, msg); err != nil {
		return nil, waError("send reaction", err)
	}
	m, err := c.onMessage(ctx, s, p.chat, p.target, p.targetSender, p.targetWAID, func(t *ingest.Tx, m *store.Message) error {
		t.React(m, p.emoji, now)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("wauser: send reaction: reacted, but storing it failed: %w", err)
	}
	return m, nil
}

// onMessage changes the stored message target (or, when it is not stored,
// a placeholder of the message waID of chat by author) in one transaction,
// and returns it as stored.
func (c *Client) onMessage(ctx context.Context, s *session, chat types.JID, target *store.Message, author types.JID, waID string,
	change func(t *ingest.Tx, m *store.Message) error,
) (*Message, error) {
	var row *store.Message
	err := c.core.ingest.Apply(context.WithoutCancel(ctx), s.ingestAccount(), func(t *ingest.Tx) error {
		var (
			m   *store.Message
			err error
		)
		if target != nil {
			m, err = t.MessageByID(target.MessageID)
		} else {
			m, err = t.Message(chat, author, waID)
		}
		if err != nil || m == nil {
			return err
		}
		row = m
		return change(t, m)
	})
	if err != nil || row == nil {
		return nil, err
	}
	out := messageFromRow(row)
	return &out, nil
}

// EditMessage replaces the text of one of the account's text messages; it
// returns the message with its new text (EditedAt set). message is a stored
// message's id ("msg_…", chat may then be "") or a WhatsApp id of chat.
// WhatsApp lets the recipients see edits made within about 20 minutes of
// sending; wauser does not enforce that.
func (c *Client) EditMessage(ctx context.Context, chat, message, text string) (*Message, error) {
	if err := validText("text", text, true, maxTextLen); err != nil {
		return nil, err
	}
	p, err := c.messageTarget(ctx, chat, message)
	if err != nil {
		return nil, err
	}
	switch {
	case p.target == nil:
		return nil, fmt.Errorf("%w: message %q is not stored, so it cannot be edited", ErrNotFound, message)
	case !p.target.IsFromMe:
		return nil, invalidArg("message", "%q is someone else's; only the account's own messages can be edited", message)
	case !p.target.DeletedAt.IsZero():
		return nil, invalidArg("message", "%q was deleted", message)
	case p.target.ContentType != ingest.TypeText:
		return nil, invalidArg("message", "%q is a %s message; only text messages can be edited", message, p.target.ContentType)
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	now := c.core.cfg.clock.Now()
	content := &waE2E.Message{Conversation: proto.String(text)}
	wireChat, _ := compose.WireTarget(p.target, p.chat, p.targetSender)
	msg := s.conn.Local.BuildEdit(wireChat, p.targetWAID, content)
	msg.GetEditedMessage().GetMessage().GetProtocolMessage().TimestampMS = proto.Int64(now.UnixMilli())
	if err := c.core.paceSend(ctx, s.id); err != nil {
		return nil, err
	}
	resp, err := s.conn.Client.SendMessage(ctx, p.chat, msg)
	if err != nil {
		return nil, waError("edit message", err)
	}
	at := resp.Timestamp
	if at.IsZero() {
		at = now
	}
	m, err := c.onMessage(ctx, s, p.chat, p.target, p.targetSender, p.targetWAID, func(t *ingest.Tx, m *store.Message) error {
		t.EditOwn(m, content, at)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("wauser: edit message: edited, but storing it failed: %w", err)
	}
	return m, nil
}

// RevokeMessage deletes a message for everyone (the Business Server API's delete
// message) and returns its tombstone. The account's own messages can be
// deleted anywhere; others' only in groups where the account is an admin
// (WhatsApp refuses otherwise). message is a stored message's id ("msg_…",
// chat may then be "") or a WhatsApp id of chat; a WhatsApp id that is not
// stored is taken as the account's own in a direct chat, and needs its
// author in a group: pass a stored id instead.
func (c *Client) RevokeMessage(ctx context.Context, chat, message string) (*Message, error) {
	p, err := c.messageTarget(ctx, chat, message)
	if err != nil {
		return nil, err
	}
	if p.target == nil && p.chat.Server != types.GroupServer {
		p.targetSender = types.EmptyJID // the account's own
	}
	if p.target != nil && !p.target.IsFromMe && p.chat.Server != types.GroupServer {
		return nil, invalidArg("message", "%q is someone else's in a direct chat; only group admins delete others' messages", message)
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	wireChat, wireAuthor := compose.WireTarget(p.target, p.chat, p.targetSender)
	msg := s.conn.Local.BuildRevoke(wireChat, wireAuthor, p.targetWAID)
	if err := c.core.paceSend(ctx, s.id); err != nil {
		return nil, err
	}
	resp, err := s.conn.Client.SendMessage(ctx, p.chat, msg)
	if err != nil {
		return nil, waError("revoke message", err)
	}
	at := resp.Timestamp
	if at.IsZero() {
		at = c.core.cfg.clock.Now()
	}
	m, err := c.onMessage(ctx, s, p.chat, p.target, p.targetSender, p.targetWAID, func(t *ingest.Tx, m *store.Message) error {
		t.Revoke(m, at)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("wauser: revoke message: deleted, but storing it failed: %w", err)
	}
	return m, nil
}

// messageTarget validates chat and message for an operation on one message.
func (c *Client) messageTarget(ctx context.Context, chat, message string) (*prepared, error) {
	p := &prepared{}
	if chat != "" {
		var err error
		if p.chat, err = parseJID("chat", chat, false); err != nil {
			return nil, err
		}
	}
	if message == "" {
		return nil, invalidArg("message", "empty")
	}
	var err error
	if p.account, err = c.accountID(ctx); err != nil {
		return nil, err
	}
	p.target, p.targetWAID, p.targetSender, err = c.findTarget(ctx, p.account, p.chat, message, "", "message", "message")
	if err != nil {
		return nil, err
	}
	if p.chat.IsEmpty() {
		if p.chat, err = types.ParseJID(p.target.ChatJID); err != nil {
			return nil, fmt.Errorf("wauser: message %s has a malformed chat %q: %w", p.target.MessageID, p.target.ChatJID, err)
		}
	}
	return p, nil
}

// prepareStatus resolves a status message: the message to mark read or
// played, or the presence to show.
func (c *Client) prepareStatus(ctx context.Context, p *prepared, req *SendMessageRequest) error {
	p.status = req.Status
	switch req.Status {
	case StatusTyping, StatusRecording, StatusPaused:
		if p.chat.Server != types.DefaultUserServer && p.chat.Server != types.HiddenUserServer && p.chat.Server != types.GroupServer {
			return invalidArg("to", "%q is not a chat with a person or a group", req.To)
		}
		return nil
	}
	targets, err := c.readTargets(ctx, p, []string{req.Context.MessageID}, req.Context.Participant, "context.participant")
	if err != nil {
		var ae *ArgumentError
		if errors.As(err, &ae) && strings.HasPrefix(ae.Field, "message_ids") {
			ae.Field = "context.message_id"
		}
		return err
	}
	p.target, p.targetWAID, p.targetSender = targets[0].row, targets[0].waID, targets[0].author
	return nil
}

// sendStatus sends a prepared status message.
func (c *Client) sendStatus(ctx context.Context, s *session, p *prepared) error {
	switch p.status {
	case StatusTyping:
		return s.sendChatPresence(ctx, p.chat, PresenceTyping)
	case StatusRecording:
		return s.sendChatPresence(ctx, p.chat, PresenceRecording)
	case StatusPaused:
		return s.sendChatPresence(ctx, p.chat, PresencePaused)
	}
	return c.markRead(ctx, s, p, []readTarget{{row: p.target, waID: p.targetWAID, author: p.targetSender}})
}

// StarMessage stars a message on the account's phone and linked devices,
// and returns it with Starred set (nil when the message is not stored).
// message is a stored message's id ("msg_…", chat may then be "") or a
// WhatsApp id of chat.
func (c *Client) StarMessage(ctx context.Context, chat, message string) (*Message, error) {
	return c.starMessage(ctx, chat, message, true)
}

// UnstarMessage removes a message's star.
func (c *Client) UnstarMessage(ctx context.Context, chat, message string) (*Message, error) {
	return c.starMessage(ctx, chat, message, false)
}

func (c *Client) starMessage(ctx context.Context, chat, message string, starred bool) (*Message, error) {
	p, err := c.messageTarget(ctx, chat, message)
	if err != nil {
		return nil, err
	}
	switch p.chat.Server {
	case types.DefaultUserServer, types.HiddenUserServer, types.GroupServer:
	default:
		return nil, invalidArg("chat", "%q is not a chat with a person or a group", p.chat)
	}
	if p.target != nil && !p.target.DeletedAt.IsZero() {
		return nil, invalidArg("message", "%q was deleted", message)
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	fromMe := p.targetSender.IsEmpty()
	if p.target != nil {
		fromMe = p.target.IsFromMe
	}
	wireChat, wireAuthor := compose.WireTarget(p.target, p.chat, p.targetSender)
	if fromMe && wireChat.Server == types.GroupServer {
		// In groups the index names the author, the account too, as the
		// message went out.
		wireAuthor = s.conn.Device.ID.ToNonAD()
		if p.target != nil && p.target.WireSenderJID != "" {
			if j, err := types.ParseJID(p.target.WireSenderJID); err == nil {
				wireAuthor = j.ToNonAD()
			}
		}
	}
	patch := appstate.BuildStar(wireChat, wireAuthor, p.targetWAID, fromMe, starred)
	if wireChat.Server != types.GroupServer {
		patch.Mutations[0].Index[4] = "0" // no author in a chat with a person
	}
	patch.Timestamp = c.core.cfg.clock.Now()
	if err := s.conn.Client.SendAppState(ctx, patch); err != nil {
		return nil, waError("star message", err)
	}
	if p.target == nil {
		return nil, nil
	}
	m, err := c.onMessage(ctx, s, p.chat, p.target, p.targetSender, p.targetWAID, func(t *ingest.Tx, m *store.Message) error {
		t.Star(m, starred)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("wauser: star message: starred, but storing it failed: %w", err)
	}
	return m, nil
}

// ForwardMessage forwards a stored message (by its id, "msg_…") to a chat
// with a person or a group, as WhatsApp's apps do: the same content marked forwarded, media
// sent by reference to the file already on WhatsApp's servers (nothing is
// downloaded or uploaded again). Text, image, video, audio, voice,
// document, sticker, location and contact messages can be forwarded;
// deleted ones cannot, nor media whose keys were not stored. It returns
// the new message, as SendMessage does.
func (c *Client) ForwardMessage(ctx context.Context, message, to string) (*Message, error) {
	jid, err := ParseRecipient(to, "")
	if err != nil {
		return nil, err
	}
	switch jid.Server {
	case types.DefaultUserServer, types.HiddenUserServer, types.GroupServer:
	default:
		return nil, invalidArg("to", "%q is not a chat with a person or a group", to)
	}
	p, err := c.messageTarget(ctx, "", message)
	if err != nil {
		return nil, err
	}
	if p.target == nil {
		return nil, fmt.Errorf("%w: message %q is not stored", ErrNotFound, message)
	}
	if !p.target.DeletedAt.IsZero() {
		return nil, invalidArg("message", "%q was deleted", message)
	}
	eph, err := c.ephemeralTimer(ctx, p.account, jid)
	if err != nil {
		return nil, err
	}
	ci := &waE2E.ContextInfo{IsForwarded: proto.Bool(true), ForwardingScore: proto.Uint32(1)}
	if eph > 0 {
		ci.Expiration = proto.Uint32(eph)
	}
	msg, kind, err := compose.Forward(p.target, ci)
	if err != nil {
		return nil, composeError(err)
	}
	typ := MessageType(kind)
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	fp := &prepared{typ: typ, account: p.account, chat: jid, msg: msg}
	return c.sendContent(ctx, s, fp)
}
