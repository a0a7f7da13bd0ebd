package wauser

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser/internal/compose"
	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/wa"
)

// Channels (WhatsApp's newsletters) the account owns or follows. Posts are
// addressed by their server id, the number WhatsApp gives each post of a
// channel (ListNewsletterMessages and SendNewsletterMessage return it).
// Channel media is uploaded unencrypted (whatsmeow's UploadNewsletter), so
// media uploaded with UploadMedia, which is encrypted for chats, cannot be
// posted: give the file itself.

// Limits WhatsApp applies to channels.
const (
	maxNewsletterNameLen = 100  // characters
	maxNewsletterDescLen = 2048 // characters
	maxNewsletterList    = 100  // posts in one ListNewsletterMessages page
)

// NewsletterPost is a post of a channel as WhatsApp lists it.
type NewsletterPost struct {
	ServerID int    `json:"server_id"`
	ID       string `json:"id"` // the post's WhatsApp message id
	// Type and Body are as for stored messages (text, image, ...; the
	// text or caption); empty for a post WhatsApp listed without content.
	Type      string         `json:"type,omitempty"`
	Body      string         `json:"body,omitempty"`
	SentAt    time.Time      `json:"sent_at,omitzero"`
	Views     int            `json:"views"`
	Reactions map[string]int `json:"reactions"` // emoji -> count
	// Message is the stored record of a post the account sent (only from
	// SendNewsletterMessage).
	Message *Message `json:"message,omitempty"`
}

// CreateNewsletterRequest is the body of CreateNewsletter.
type CreateNewsletterRequest struct {
	Name        string `json:"name"`                  // 1 to 100 characters
	Description string `json:"description,omitempty"` // at most 2048 characters
	Picture     []byte `json:"picture,omitempty"`     // a JPEG of at most 5 MiB; base64 in JSON
}

// UpdateNewsletterRequest is the body of UpdateNewsletter. Fields left nil
// (or false, for RemovePicture) are not changed.
type UpdateNewsletterRequest struct {
	Name          *string `json:"name,omitempty"`
	Description   *string `json:"description,omitempty"` // "" removes it
	Picture       []byte  `json:"picture,omitempty"`
	RemovePicture bool    `json:"remove_picture,omitempty"`
}

// SendNewsletterMessageRequest is the body of SendNewsletterMessage: a text
// or one media file (image, video, audio or document; given as data or
// url, not as an uploaded media id).
type SendNewsletterMessageRequest struct {
	Newsletter string        `json:"newsletter"` // the channel's JID (…@newsletter)
	Text       string        `json:"text,omitempty"`
	Image      *MediaMessage `json:"image,omitempty"`
	Video      *MediaMessage `json:"video,omitempty"`
	Audio      *MediaMessage `json:"audio,omitempty"`
	Document   *MediaMessage `json:"document,omitempty"`
}

func validNewsletterText(field, s string, maxLen int, required bool) error {
	switch n := utf8.RuneCountInString(strings.TrimSpace(s)); {
	case !utf8.ValidString(s):
		return invalidArg(field, "not valid UTF-8")
	case required && n == 0:
		return invalidArg(field, "empty")
	case n > maxLen:
		return invalidArg(field, "%d characters; at most %d", n, maxLen)
	}
	return nil
}

func validNewsletterPicture(field string, pic []byte) error {
	switch {
	case pic != nil && len(pic) == 0:
		return invalidArg(field, "empty")
	case len(pic) > maxGroupPhoto:
		return invalidArg(field, "%d bytes; at most %d", len(pic), maxGroupPhoto)
	case pic != nil && http.DetectContentType(pic) != "image/jpeg":
		return invalidArg(field, "must be a JPEG image, not %s", http.DetectContentType(pic))
	}
	return nil
}

// newsletterJID validates a channel JID argument (…@newsletter).
func newsletterJID(field, s string) (types.JID, error) {
	jid, code, err := parseNewsletter(field, s)
	if err != nil {
		return types.EmptyJID, err
	}
	if code != "" {
		return types.EmptyJID, invalidArg(field, "%q is an invite link; give the channel's JID (…@newsletter)", s)
	}
	return jid, nil
}

// CreateNewsletter creates a channel owned by the account. WhatsApp asks
// new channel owners to accept its channel terms once, on the phone.
func (c *Client) CreateNewsletter(ctx context.Context, req CreateNewsletterRequest) (*Newsletter, error) {
	if err := validNewsletterText("name", req.Name, maxNewsletterNameLen, true); err != nil {
		return nil, err
	}
	if err := validNewsletterText("description", req.Description, maxNewsletterDescLen, false); err != nil {
		return nil, err
	}
	if err := validNewsletterPicture("picture", req.Picture); err != nil {
		return nil, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.conn.Client.CreateNewsletter(ctx, whatsmeow.CreateNewsletterParams{
		Name: strings.TrimSpace(req.Name), Description: req.Description, Picture: req.Picture})
	if err != nil {
		return nil, waError("create newsletter", err)
	}
	if m == nil {
		return nil, fmt.Errorf("wauser: create newsletter: WhatsApp answered without the channel")
	}
	return newsletterFromMeta(m), nil
}

// UpdateNewsletter changes a channel's name, description or picture and
// returns the channel as WhatsApp then reports it. It needs the channel's
// owner or an admin.
func (c *Client) UpdateNewsletter(ctx context.Context, newsletter string, req UpdateNewsletterRequest) (*Newsletter, error) {
	jid, err := newsletterJID("newsletter", newsletter)
	if err != nil {
		return nil, err
	}
	if req.Name == nil && req.Description == nil && req.Picture == nil && !req.RemovePicture {
		return nil, invalidArg("request", "nothing to change")
	}
	u := wa.NewsletterUpdate{Description: req.Description}
	if req.Name != nil {
		if err := validNewsletterText("name", *req.Name, maxNewsletterNameLen, true); err != nil {
			return nil, err
		}
		name := strings.TrimSpace(*req.Name)
		u.Name = &name
	}
	if req.Description != nil {
		if err := validNewsletterText("description", *req.Description, maxNewsletterDescLen, false); err != nil {
			return nil, err
		}
	}
	if req.Picture != nil && req.RemovePicture {
		return nil, invalidArg("picture", "given together with remove_picture")
	}
	if err := validNewsletterPicture("picture", req.Picture); err != nil {
		return nil, err
	}
	u.Picture = req.Picture
	if req.RemovePicture {
		u.Picture = []byte{}
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.conn.Client.UpdateNewsletter(ctx, jid, u)
	if err != nil {
		return nil, waError("update newsletter", err)
	}
	return newsletterFromMeta(m), nil
}

// GetNewsletterByInvite returns the channel of an invite link
// (https://whatsapp.com/channel/…, or its code), or ErrNotFound. WhatsApp
// does not tell the account's role in a channel looked up this way.
func (c *Client) GetNewsletterByInvite(ctx context.Context, link string) (*Newsletter, error) {
	jid, code, err := parseNewsletter("link", link)
	if err != nil {
		return nil, err
	}
	if code == "" {
		return nil, invalidArg("link", "%q is a channel JID, not an invite link; see GetNewsletter", jid)
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.newsletterInfo(ctx, types.EmptyJID, code)
	if err != nil {
		return nil, err
	}
	return newsletterFromMeta(m), nil
}

// MuteNewsletter mutes (or, with mute false, unmutes) a channel's
// notifications on the account's devices.
func (c *Client) MuteNewsletter(ctx context.Context, newsletter string, mute bool) error {
	jid, err := newsletterJID("newsletter", newsletter)
	if err != nil {
		return err
	}
	s, err := c.online(ctx)
	if err != nil {
		return err
	}
	if err := s.conn.Client.NewsletterToggleMute(ctx, jid, mute); err != nil {
		return waError("mute newsletter", err)
	}
	return nil
}

func validServerID(field string, id int) error {
	if id <= 0 {
		return invalidArg(field, "%d is not a post's server id (a positive number)", id)
	}
	return nil
}

// MarkNewsletterViewed counts the account's view of posts of a channel
// (their view counters go up), by server id; 1 to 100 posts.
func (c *Client) MarkNewsletterViewed(ctx context.Context, newsletter string, serverIDs []int) error {
	jid, err := newsletterJID("newsletter", newsletter)
	if err != nil {
		return err
	}
	if len(serverIDs) == 0 || len(serverIDs) > maxNewsletterList {
		return invalidArg("server_ids", "%d given; give 1 to %d", len(serverIDs), maxNewsletterList)
	}
	ids := make([]types.MessageServerID, 0, len(serverIDs))
	for i, id := range serverIDs {
		if err := validServerID(fmt.Sprintf("server_ids[%d]", i), id); err != nil {
			return err
		}
		ids = append(ids, types.MessageServerID(id))
	}
	s, err := c.online(ctx)
	if err != nil {
		return err
	}
	if err := s.conn.Client.NewsletterMarkViewed(ctx, jid, ids); err != nil {
		return waError("mark newsletter viewed", err)
	}
	return nil
}

// ReactNewsletterMessage reacts to a channel post (by server id) with an
// emoji; "" removes the account's reaction. WhatsApp shows channel
// reactions as counts, not by person.
func (c *Client) ReactNewsletterMessage(ctx context.Context, newsletter string, serverID int, emoji string) error {
	jid, err := newsletterJID("newsletter", newsletter)
	if err != nil {
		return err
	}
	if err := validServerID("server_id", serverID); err != nil {
		return err
	}
	if !utf8.ValidString(emoji) || len(emoji) > 64 || strings.ContainsAny(emoji, " \t\r\n") {
		return invalidArg("emoji", "%q is not one emoji", emoji)
	}
	s, err := c.online(ctx)
	if err != nil {
		return err
	}
	if err := s.conn.Client.NewsletterSendReaction(ctx, jid, types.MessageServerID(serverID), emoji, ""); err != nil {
		return waError("react to newsletter message", err)
	}
	return nil
}

// ListNewsletterMessages returns up to count (1 to 100) posts of a channel,
// newest first, before the post with server id before (0: the newest).
func (c *Client) ListNewsletterMessages(ctx context.Context, newsletter string, count, before int) ([]NewsletterPost, error) {
	jid, err := newsletterJID("newsletter", newsletter)
	if err != nil {
		return nil, err
	}
	if count < 1 || count > maxNewsletterList {
		return nil, invalidArg("count", "%d; give 1 to %d", count, maxNewsletterList)
	}
	if before < 0 {
		return nil, invalidArg("before", "%d is negative", before)
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	got, err := s.conn.Client.GetNewsletterMessages(ctx, jid, &whatsmeow.GetNewsletterMessagesParams{Count: count, Before: types.MessageServerID(before)})
	if err != nil {
		return nil, waError("list newsletter messages", err)
	}
	return newsletterPosts(got), nil
}

// newsletterPosts converts the posts WhatsApp listed, newest first.
func newsletterPosts(got []*types.NewsletterMessage) []NewsletterPost {
	out := make([]NewsletterPost, 0, len(got))
	for _, m := range got {
		if m == nil {
			continue
		}
		p := NewsletterPost{ServerID: int(m.MessageServerID), ID: m.MessageID, Views: m.ViewsCount, Reactions: map[string]int{}}
		if !m.Timestamp.IsZero() {
			p.SentAt = m.Timestamp.UTC()
		}
		for emoji, n := range m.ReactionCounts {
			p.Reactions[emoji] = n
		}
		if content := ingest.ParseContent(m.Message); content != nil {
			p.Type, p.Body = content.Type, content.Body
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b NewsletterPost) int { return b.ServerID - a.ServerID })
	return out
}

// SendNewsletterMessage posts a text or a media file to a channel the
// account owns or administers. The post is stored like the account's other
// messages (in the channel's conversation) and returned with the server id
// WhatsApp gave it.
func (c *Client) SendNewsletterMessage(ctx context.Context, req SendNewsletterMessageRequest) (*NewsletterPost, error) {
	jid, err := newsletterJID("newsletter", req.Newsletter)
	if err != nil {
		return nil, err
	}
	var (
		media *MediaMessage
		typ   MediaType
		field string
		n     int
	)
	for _, m := range []struct {
		msg   *MediaMessage
		typ   MediaType
		field string
	}{{req.Image, MediaImage, "image"}, {req.Video, MediaVideo, "video"}, {req.Audio, MediaAudio, "audio"}, {req.Document, MediaDocument, "document"}} {
		if m.msg != nil {
			media, typ, field = m.msg, m.typ, m.field
			n++
		}
	}
	if req.Text != "" {
		n++
	}
	if n != 1 {
		return nil, invalidArg("request", "give exactly one of text, image, video, audio and document (got %d)", n)
	}
	var msg *waE2E.Message
	if media == nil {
		if err := validText("text", req.Text, true, maxTextLen); err != nil {
			return nil, err
		}
		msg = compose.TextMessage(req.Text, nil, false)
	} else {
		if err := media.validate(field, typ, c.core.cfg.mediaLimit); err != nil {
			return nil, err
		}
		if media.ID != "" {
			return nil, invalidArg(field+".id", "uploaded media is encrypted for chats; channels take the file unencrypted: give data or url")
		}
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.checkQuota(ctx, s.id); err != nil {
		return nil, err
	}
	extra := whatsmeow.SendRequestExtra{}
	if media != nil {
		if msg, extra.MediaHandle, err = c.newsletterMedia(ctx, s, media, typ); err != nil {
			return nil, err
		}
	}
	if err := c.core.paceSend(ctx, s.id); err != nil {
		return nil, err
	}
	row, resp, err := c.sendOwn(ctx, s, jid, msg, extra)
	if err != nil {
		return nil, err
	}
	out := messageFromRow(row)
	post := &NewsletterPost{ServerID: int(resp.ServerID), ID: row.WAMessageID, Type: out.ContentType, Body: out.Body,
		SentAt: out.SentAt, Reactions: map[string]int{}, Message: &out}
	return post, nil
}

// newsletterMedia uploads a file for a channel post, unencrypted, and
// builds its message as mediaProto does for chats, without the keys.
func (c *Client) newsletterMedia(ctx context.Context, s *session, m *MediaMessage, typ MediaType) (*waE2E.Message, string, error) {
	field := string(typ)
	data, contentType, fileName, err := c.readMedia(ctx, UploadMediaRequest{Data: m.Data, URL: m.URL, Type: typ}, c.core.cfg.mediaLimit)
	if err != nil {
		return nil, "", err
	}
	if m.MIMEType != "" {
		contentType = m.MIMEType
	}
	mt, err := normalizeMIME(contentType)
	if err != nil {
		return nil, "", err
	}
	if !typ.accepts(baseMIME(mt)) {
		return nil, "", invalidArg(field, "%s needs another kind of file; this one is %s", typ, mt)
	}
	info := readMediaInfo(typ, data)
	if info.opus && baseMIME(mt) == "audio/ogg" {
		mt = voiceMIME
	}
	up, err := s.conn.Client.UploadNewsletter(ctx, data, typ.whatsmeow())
	if err != nil {
		return nil, "", waError("upload newsletter media", err)
	}
	if m.FileName != "" {
		fileName = m.FileName
	}
	b64 := base64.StdEncoding.EncodeToString
	row := &store.Media{MediaType: string(typ), MIMEType: mt, FileName: fileName, Size: int64(up.FileLength),
		SHA256: b64(up.FileSHA256), URL: up.URL, DirectPath: up.DirectPath, Width: info.width, Height: info.height,
		Seconds: info.seconds, Thumbnail: b64(info.thumbnail)}
	pm := &pendingMedia{typ: typ, row: row, caption: m.Caption, voice: m.Voice, fileName: m.FileName,
		seconds: m.Seconds, width: m.Width, height: m.Height, thumbnail: m.Thumbnail, waveform: m.Waveform}
	msg, err := pm.message(nil, c.core.cfg.clock.Now())
	if err != nil {
		return nil, "", err
	}
	// Channel media has no keys: nothing is encrypted.
	if x := msg.GetImageMessage(); x != nil {
		x.MediaKey, x.FileEncSHA256, x.MediaKeyTimestamp = nil, nil, nil
	}
	if x := msg.GetVideoMessage(); x != nil {
		x.MediaKey, x.FileEncSHA256, x.MediaKeyTimestamp = nil, nil, nil
	}
	if x := msg.GetAudioMessage(); x != nil {
		x.MediaKey, x.FileEncSHA256, x.MediaKeyTimestamp = nil, nil, nil
	}
	doc := msg.GetDocumentMessage()
	if doc == nil {
		doc = msg.GetDocumentWithCaptionMessage().GetMessage().GetDocumentMessage()
	}
	if doc != nil {
		doc.MediaKey, doc.FileEncSHA256, doc.MediaKeyTimestamp = nil, nil, nil
	}
	return msg, up.Handle, nil
}

// sendOwn stores msg as the account's pending message to chat (counted
// against the daily limit), sends it, and stores it as sent or failed, as
// SendMessage does.
func (c *Client) sendOwn(ctx context.Context, s *session, chat types.JID, msg *waE2E.Message, extra whatsmeow.SendRequestExtra) (*store.Message, whatsmeow.SendResponse, error) {
	var row *store.Message
	err := c.core.ingest.Apply(ctx, s.ingestAccount(), func(t *ingest.Tx) error {
		m, _, err := t.Outgoing(chat, s.conn.Local.GenerateMessageID(), "", msg)
		if err != nil {
			return err
		}
		row = m
		return c.countSend(t, s.id)
	})
	if err != nil {
		return nil, whatsmeow.SendResponse{}, c.storeError("send message", err)
	}
	extra.ID = row.WAMessageID
	resp, sendErr := s.conn.Client.SendMessage(ctx, chat, msg, extra)
	err = c.core.ingest.Apply(context.WithoutCancel(ctx), s.ingestAccount(), func(t *ingest.Tx) error {
		m, err := t.MessageByID(row.MessageID)
		if err != nil || m == nil {
			return err
		}
		row = m
		if sendErr != nil {
			t.MarkFailed(m, sendErr.Error())
			return nil
		}
		return t.MarkSent(m, resp.ID, resp.Timestamp, resp.Sender)
	})
	if sendErr != nil {
		return nil, resp, waError("send message", sendErr)
	}
	if err != nil {
		return nil, resp, c.storeError("send message: sent, but storing it failed", err)
	}
	return row, resp, nil
}
