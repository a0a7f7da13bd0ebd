package wauser

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"
)

// Status updates (stories). The account's own go to status@broadcast and
// reach the audience of its status privacy, as from WhatsApp's apps:
// StatusPrivacy says whether that is its contacts, an allow list or its
// contacts but a deny list, and StatusAudience who that is now; the
// setting itself is changed on the phone. Contacts' status updates are
// stored like messages, in the one conversation of kind "status", and
// reach the feed and events (message.received) like any message.

// StatusFont is the typeface of a text status, as WhatsApp's apps offer
// them.
type StatusFont string

// Status fonts.
const (
	FontSystem        StatusFont = "system"
	FontSystemText    StatusFont = "system_text"
	FontScript        StatusFont = "fb_script"
	FontSystemBold    StatusFont = "system_bold"
	FontMorningBreeze StatusFont = "morningbreeze_regular"
	FontCalistoga     StatusFont = "calistoga_regular"
	FontExo2          StatusFont = "exo2_extrabold"
	FontCourierPrime  StatusFont = "courierprime_bold"
)

// PostStatusRequest is the body of PostStatus: a text (with colours and a
// font), an image, a video or a voice note.
type PostStatusRequest struct {
	Text string `json:"text,omitempty"`
	// BackgroundColor and TextColor of a text status: "#RRGGBB", or
	// "#AARRGGBB" with an alpha; empty leaves the choice to the viewer's
	// app.
	BackgroundColor string     `json:"background_color,omitempty"`
	TextColor       string     `json:"text_color,omitempty"`
	Font            StatusFont `json:"font,omitempty"`

	Image *MediaMessage `json:"image,omitempty"`
	Video *MediaMessage `json:"video,omitempty"`
	// Voice is a voice note: Ogg Opus audio.
	Voice *MediaMessage `json:"voice,omitempty"`
}

// parseARGB reads "#RRGGBB" (opaque) or "#AARRGGBB".
func parseARGB(field, s string) (*uint32, error) {
	if s == "" {
		return nil, nil
	}
	hex, ok := strings.CutPrefix(s, "#")
	if ok && (len(hex) == 6 || len(hex) == 8) {
		if v, err := strconv.ParseUint(hex, 16, 32); err == nil {
			if len(hex) == 6 {
				v |= 0xFF000000
			}
			return proto.Uint32(uint32(v)), nil
		}
	}
	return nil, invalidArg(field, "%q is not a colour (#RRGGBB or #AARRGGBB)", s)
}

// PostStatus posts a status update and returns it as stored (in the
// conversation of kind "status"). Only the account's status audience sees
// it (see StatusAudience).
func (c *Client) PostStatus(ctx context.Context, req PostStatusRequest) (*Message, error) {
	send := SendMessageRequest{To: types.StatusBroadcastJID.String(), Text: req.Text, Image: req.Image, Video: req.Video}
	n := 0
	for _, set := range []bool{req.Text != "", req.Image != nil, req.Video != nil, req.Voice != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, invalidArg("request", "give exactly one of text, image, video and voice (got %d)", n)
	}
	if req.Text == "" && (req.BackgroundColor != "" || req.TextColor != "" || req.Font != "") {
		return nil, invalidArg("font", "colours and font are for text statuses")
	}
	bg, err := parseARGB("background_color", req.BackgroundColor)
	if err != nil {
		return nil, err
	}
	fg, err := parseARGB("text_color", req.TextColor)
	if err != nil {
		return nil, err
	}
	var font *waE2E.ExtendedTextMessage_FontType
	if req.Font != "" {
		v, ok := waE2E.ExtendedTextMessage_FontType_value[strings.ToUpper(string(req.Font))]
		if !ok || strings.ToLower(string(req.Font)) != string(req.Font) {
			return nil, invalidArg("font", "%q is not a status font (system, system_text, fb_script, system_bold, morningbreeze_regular, calistoga_regular, exo2_extrabold, courierprime_bold)", req.Font)
		}
		font = waE2E.ExtendedTextMessage_FontType(v).Enum()
	}
	if req.Voice != nil {
		voice := *req.Voice
		voice.Voice = true
		send.Audio = &voice
	}
	p, err := c.prepare(ctx, &send)
	if err != nil {
		// The voice note went as audio: name the caller's field.
		var ae *ArgumentError
		if errors.As(err, &ae) && (ae.Field == "audio" || strings.HasPrefix(ae.Field, "audio.")) {
			ae.Field = "voice" + strings.TrimPrefix(ae.Field, "audio")
		}
		return nil, err
	}
	if req.Text != "" {
		p.msg = &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{
			Text: proto.String(req.Text), BackgroundArgb: bg, TextArgb: fg, Font: font}}
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	return c.sendContent(ctx, s, p)
}

// DeleteStatus deletes one of the account's status updates for everyone
// who can see it. status is the stored message's id ("msg_…") or its
// WhatsApp id.
func (c *Client) DeleteStatus(ctx context.Context, status string) (*Message, error) {
	return c.RevokeMessage(ctx, types.StatusBroadcastJID.String(), status)
}
