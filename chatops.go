package wauser

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/store"
)

// MuteChat mutes a chat (with a person or a group) for d, or until it is
// unmuted when d is 0, on the account's phone and linked devices.
// WhatsApp's apps offer 8 hours, a week and always; other durations work
// too. The conversation's muted_until follows once WhatsApp echoes the
// change.
func (c *Client) MuteChat(ctx context.Context, chat string, d time.Duration) error {
	if d < 0 {
		return invalidArg("duration", "%s is negative; give 0 to mute until unmuted", d)
	}
	end := c.core.cfg.clock.Now().Add(d).UnixMilli()
	return c.sendChatPatch(ctx, chat, "mute chat", func(jid types.JID, _ lastMessage) appstate.PatchInfo {
		if d == 0 {
			return appstate.BuildMuteAbs(jid, true, nil) // -1: always
		}
		return appstate.BuildMuteAbs(jid, true, &end)
	})
}

// UnmuteChat unmutes a chat.
func (c *Client) UnmuteChat(ctx context.Context, chat string) error {
	return c.sendChatPatch(ctx, chat, "unmute chat", func(jid types.JID, _ lastMessage) appstate.PatchInfo {
		return appstate.BuildMuteAbs(jid, false, nil)
	})
}

// DeleteChat deletes a chat (with a person or a group) from the chat list
// of the account's phone and linked devices, with its messages up to the
// latest one and, with deleteMedia, their media files on the phone. The
// stored messages become tombstones and the conversation is marked
// deleted; it comes back with the next message. Leaving a group is
// LeaveGroup; DeleteChat does not leave.
func (c *Client) DeleteChat(ctx context.Context, chat string, deleteMedia bool) error {
	return c.sendChatPatch(ctx, chat, "delete chat", func(jid types.JID, last lastMessage) appstate.PatchInfo {
		return buildDeleteChat(jid, last.at, last.key, deleteMedia)
	})
}

// MarkChatUnread marks a chat unread on the account's phone and linked
// devices (the dot WhatsApp shows); reading it, or MarkRead, clears it.
// The conversation's unread_count becomes at least 1.
func (c *Client) MarkChatUnread(ctx context.Context, chat string) error {
	return c.sendChatPatch(ctx, chat, "mark chat unread", func(jid types.JID, last lastMessage) appstate.PatchInfo {
		return appstate.BuildMarkChatAsRead(jid, false, last.at, last.key)
	})
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
	wireChat, wireAuthor := wireTarget(p.target, p.chat, p.targetSender)
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

// Disappearing-message timers WhatsApp's apps offer. Groups accept only
// these; in chats with people other values are sent but the apps ignore
// them.
const (
	DisappearingOff = time.Duration(0)
	Disappearing24h = 24 * time.Hour
	Disappearing7d  = 7 * 24 * time.Hour
	Disappearing90d = 90 * 24 * time.Hour
)

func validDisappearing(d time.Duration) bool {
	return d == DisappearingOff || d == Disappearing24h || d == Disappearing7d || d == Disappearing90d
}

// SetDisappearingTimer turns disappearing messages on (24 hours, 7 days or
// 90 days) or off (0) in a chat with a person or a group. In a chat with a
// person it is a message to them; in a group, a change of the group that
// WhatsApp announces to its members (admins only when the group is
// locked). The conversation's ephemeral timer follows, and the account's
// next messages in the chat disappear after it.
func (c *Client) SetDisappearingTimer(ctx context.Context, chat string, d time.Duration) error {
	jid, err := parseChat("chat", chat)
	if err != nil {
		return err
	}
	if !validDisappearing(d) {
		return invalidArg("timer", "%s is not 0, 24h, 168h (7 days) or 2160h (90 days)", d)
	}
	s, err := c.online(ctx)
	if err != nil {
		return err
	}
	now := c.core.cfg.clock.Now()
	if err := c.core.paceSend(ctx, s.id); err != nil {
		return err
	}
	if err := s.conn.Client.SetDisappearingTimer(ctx, jid, d, now); err != nil {
		return waError("set disappearing timer", err)
	}
	if jid.Server == types.GroupServer {
		return nil // WhatsApp announces it as a group change, which is stored
	}
	err = c.core.ingest.Apply(context.WithoutCancel(ctx), s.ingestAccount(), func(t *ingest.Tx) error {
		conv, _, err := t.Chat(jid, types.EmptyJID)
		if err != nil {
			return err
		}
		t.SetEphemeral(conv, int(d.Seconds()), now)
		return nil
	})
	if err != nil {
		return fmt.Errorf("wauser: set disappearing timer: set, but storing it failed: %w", err)
	}
	return nil
}

// SetDefaultDisappearingTimer sets the timer that new chats of the account
// start with (0, 24 hours, 7 days or 90 days); existing chats keep theirs.
func (c *Client) SetDefaultDisappearingTimer(ctx context.Context, d time.Duration) error {
	if !validDisappearing(d) {
		return invalidArg("timer", "%s is not 0, 24h, 168h (7 days) or 2160h (90 days)", d)
	}
	s, err := c.online(ctx)
	if err != nil {
		return err
	}
	if err := s.conn.Client.SetDefaultDisappearingTimer(ctx, d); err != nil {
		return waError("set default disappearing timer", err)
	}
	return nil
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
	msg, typ, err := forwardContent(p.target, ci)
	if err != nil {
		return nil, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	fp := &prepared{typ: typ, account: p.account, chat: jid, msg: msg}
	return c.sendContent(ctx, s, fp)
}

// forwardContent rebuilds the content of a stored message, with ci.
func forwardContent(r *store.Message, ci *waE2E.ContextInfo) (*waE2E.Message, MessageType, error) {
	var info store.MediaInfo
	if r.Media != "" {
		_ = json.Unmarshal([]byte(r.Media), &info)
	}
	var keys store.MediaKeys
	if r.MediaKeys != "" {
		_ = json.Unmarshal([]byte(r.MediaKeys), &keys)
	}
	var extra map[string]any
	if r.Extra != "" {
		_ = json.Unmarshal([]byte(r.Extra), &extra)
	}
	media := func() error {
		if len(keys.MediaKey) == 0 || keys.DirectPath == "" {
			return invalidArg("message", "%q is a %s message whose media keys are not stored", r.MessageID, r.ContentType)
		}
		return nil
	}
	mime := keys.MimeType
	if mime == "" {
		mime = info.MimeType
	}
	size := keys.FileLength
	if size == 0 {
		size = info.Size
	}
	ts := optInt64(keys.KeyTimestamp)
	switch r.ContentType {
	case ingest.TypeText:
		return &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String(r.Body), ContextInfo: ci}}, MessageText, nil
	case "image":
		if err := media(); err != nil {
			return nil, "", err
		}
		return &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
			URL: optString(keys.URL), DirectPath: proto.String(keys.DirectPath), MediaKey: keys.MediaKey,
			FileEncSHA256: keys.FileEncSHA256, FileSHA256: keys.FileSHA256, FileLength: proto.Uint64(size),
			Mimetype: optString(mime), Caption: optString(info.Caption), Width: optU32(info.Width), Height: optU32(info.Height),
			MediaKeyTimestamp: ts, ContextInfo: ci,
		}}, MessageImage, nil
	case "video":
		if err := media(); err != nil {
			return nil, "", err
		}
		return &waE2E.Message{VideoMessage: &waE2E.VideoMessage{
			URL: optString(keys.URL), DirectPath: proto.String(keys.DirectPath), MediaKey: keys.MediaKey,
			FileEncSHA256: keys.FileEncSHA256, FileSHA256: keys.FileSHA256, FileLength: proto.Uint64(size),
			Mimetype: optString(mime), Caption: optString(info.Caption), Width: optU32(info.Width), Height: optU32(info.Height),
			Seconds: optU32(info.Seconds), MediaKeyTimestamp: ts, ContextInfo: ci,
		}}, MessageVideo, nil
	case "audio", "voice":
		if err := media(); err != nil {
			return nil, "", err
		}
		typ := MessageAudio
		return &waE2E.Message{AudioMessage: &waE2E.AudioMessage{
			URL: optString(keys.URL), DirectPath: proto.String(keys.DirectPath), MediaKey: keys.MediaKey,
			FileEncSHA256: keys.FileEncSHA256, FileSHA256: keys.FileSHA256, FileLength: proto.Uint64(size),
			Mimetype: optString(mime), Seconds: optU32(info.Seconds), PTT: proto.Bool(r.ContentType == "voice"),
			MediaKeyTimestamp: ts, ContextInfo: ci,
		}}, typ, nil
	case "document":
		if err := media(); err != nil {
			return nil, "", err
		}
		return &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{
			URL: optString(keys.URL), DirectPath: proto.String(keys.DirectPath), MediaKey: keys.MediaKey,
			FileEncSHA256: keys.FileEncSHA256, FileSHA256: keys.FileSHA256, FileLength: proto.Uint64(size),
			Mimetype: optString(mime), FileName: optString(info.FileName), Title: optString(info.FileName),
			Caption: optString(info.Caption), MediaKeyTimestamp: ts, ContextInfo: ci,
		}}, MessageDocument, nil
	case "sticker":
		if err := media(); err != nil {
			return nil, "", err
		}
		return &waE2E.Message{StickerMessage: &waE2E.StickerMessage{
			URL: optString(keys.URL), DirectPath: proto.String(keys.DirectPath), MediaKey: keys.MediaKey,
			FileEncSHA256: keys.FileEncSHA256, FileSHA256: keys.FileSHA256, FileLength: proto.Uint64(size),
			Mimetype: optString(mime), Width: optU32(info.Width), Height: optU32(info.Height),
			MediaKeyTimestamp: ts, ContextInfo: ci,
		}}, MessageSticker, nil
	case "location":
		lat, _ := extra["latitude"].(float64)
		lng, _ := extra["longitude"].(float64)
		if live, _ := extra["live"].(bool); live {
			return nil, "", invalidArg("message", "%q is a live location, which WhatsApp does not forward", r.MessageID)
		}
		loc := &waE2E.LocationMessage{DegreesLatitude: proto.Float64(lat), DegreesLongitude: proto.Float64(lng), ContextInfo: ci}
		if name, _ := extra["name"].(string); name != "" {
			loc.Name = proto.String(name)
		}
		if addr, _ := extra["address"].(string); addr != "" {
			loc.Address = proto.String(addr)
		}
		if u, _ := extra["url"].(string); u != "" {
			loc.URL = proto.String(u)
		}
		return &waE2E.Message{LocationMessage: loc}, MessageLocation, nil
	case "contact":
		cards, _ := extra["contacts"].([]any)
		var out []*waE2E.ContactMessage
		for _, c := range cards {
			m, _ := c.(map[string]any)
			name, _ := m["display_name"].(string)
			vcard, _ := m["vcard"].(string)
			out = append(out, &waE2E.ContactMessage{DisplayName: proto.String(name), Vcard: proto.String(vcard), ContextInfo: ci})
		}
		switch len(out) {
		case 0:
			return nil, "", invalidArg("message", "%q has no contact card stored", r.MessageID)
		case 1:
			return &waE2E.Message{ContactMessage: out[0]}, MessageContacts, nil
		}
		for _, c := range out {
			c.ContextInfo = nil
		}
		name := r.Body
		if name == "" {
			name = fmt.Sprintf("%d contacts", len(out))
		}
		return &waE2E.Message{ContactsArrayMessage: &waE2E.ContactsArrayMessage{
			DisplayName: proto.String(name), Contacts: out, ContextInfo: ci,
		}}, MessageContacts, nil
	}
	return nil, "", invalidArg("message", "%q is a %s message, which cannot be forwarded", r.MessageID, r.ContentType)
}

func optU32(v uint32) *uint32 {
	if v == 0 {
		return nil
	}
	return proto.Uint32(v)
}

func optInt64(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return proto.Int64(v)
}
