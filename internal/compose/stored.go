package compose

import (
	"encoding/json"
	"fmt"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/internal/store"
)

// Quoted is the proto of a stored message to quote in a reply, as
// official clients quote it: a text as its text; an image, video, audio,
// document or sticker as that media message (the file's keys, type,
// dimensions, duration and caption, without the thumbnail, which is not
// kept), so the quote shows what kind of message it was; a location as
// its coordinates. Anything else is quoted by its text, if it has one.
func Quoted(r *store.Message) *waE2E.Message {
	if r == nil || !r.DeletedAt.IsZero() {
		return nil
	}
	var info store.MediaInfo
	var keys store.MediaKeys
	hasMedia := r.Media != "" && r.MediaKeys != "" &&
		json.Unmarshal([]byte(r.Media), &info) == nil && json.Unmarshal([]byte(r.MediaKeys), &keys) == nil
	if hasMedia {
		caption := optString(info.Caption)
		switch m := Downloadable(r.ContentType, &keys).(type) {
		case *waE2E.ImageMessage:
			m.Caption, m.Width, m.Height = caption, optUint32(int(info.Width)), optUint32(int(info.Height))
			return &waE2E.Message{ImageMessage: m}
		case *waE2E.StickerMessage:
			m.Width, m.Height = optUint32(int(info.Width)), optUint32(int(info.Height))
			return &waE2E.Message{StickerMessage: m}
		case *waE2E.VideoMessage:
			m.Caption, m.Seconds = caption, optUint32(int(info.Seconds))
			m.Width, m.Height = optUint32(int(info.Width)), optUint32(int(info.Height))
			return &waE2E.Message{VideoMessage: m}
		case *waE2E.AudioMessage:
			m.Seconds, m.PTT = optUint32(int(info.Seconds)), proto.Bool(r.ContentType == ingest.TypeVoice)
			return &waE2E.Message{AudioMessage: m}
		case *waE2E.DocumentMessage:
			m.Caption, m.FileName = caption, optString(info.FileName)
			return &waE2E.Message{DocumentMessage: m}
		}
	}
	if r.ContentType == ingest.TypeLocation && r.Extra != "" {
		var loc struct {
			Latitude  float64 `json:"latitude"`
			Longitude float64 `json:"longitude"`
			Name      string  `json:"name"`
			Address   string  `json:"address"`
		}
		if json.Unmarshal([]byte(r.Extra), &loc) == nil {
			return &waE2E.Message{LocationMessage: &waE2E.LocationMessage{
				DegreesLatitude: proto.Float64(loc.Latitude), DegreesLongitude: proto.Float64(loc.Longitude),
				Name: optString(loc.Name), Address: optString(loc.Address),
			}}
		}
	}
	if r.Body == "" {
		return nil
	}
	return &waE2E.Message{Conversation: proto.String(r.Body)}
}

// Forward rebuilds the content of a stored message, with ci.
func Forward(r *store.Message, ci *waE2E.ContextInfo) (*waE2E.Message, Kind, error) {
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
		return &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String(r.Body), ContextInfo: ci}}, KindText, nil
	case "image":
		if err := media(); err != nil {
			return nil, "", err
		}
		return &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
			URL: optString(keys.URL), DirectPath: proto.String(keys.DirectPath), MediaKey: keys.MediaKey,
			FileEncSHA256: keys.FileEncSHA256, FileSHA256: keys.FileSHA256, FileLength: proto.Uint64(size),
			Mimetype: optString(mime), Caption: optString(info.Caption), Width: optU32(info.Width), Height: optU32(info.Height),
			MediaKeyTimestamp: ts, ContextInfo: ci,
		}}, KindImage, nil
	case "video":
		if err := media(); err != nil {
			return nil, "", err
		}
		return &waE2E.Message{VideoMessage: &waE2E.VideoMessage{
			URL: optString(keys.URL), DirectPath: proto.String(keys.DirectPath), MediaKey: keys.MediaKey,
			FileEncSHA256: keys.FileEncSHA256, FileSHA256: keys.FileSHA256, FileLength: proto.Uint64(size),
			Mimetype: optString(mime), Caption: optString(info.Caption), Width: optU32(info.Width), Height: optU32(info.Height),
			Seconds: optU32(info.Seconds), MediaKeyTimestamp: ts, ContextInfo: ci,
		}}, KindVideo, nil
	case "audio", "voice":
		if err := media(); err != nil {
			return nil, "", err
		}
		typ := KindAudio
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
		}}, KindDocument, nil
	case "sticker":
		if err := media(); err != nil {
			return nil, "", err
		}
		return &waE2E.Message{StickerMessage: &waE2E.StickerMessage{
			URL: optString(keys.URL), DirectPath: proto.String(keys.DirectPath), MediaKey: keys.MediaKey,
			FileEncSHA256: keys.FileEncSHA256, FileSHA256: keys.FileSHA256, FileLength: proto.Uint64(size),
			Mimetype: optString(mime), Width: optU32(info.Width), Height: optU32(info.Height),
			MediaKeyTimestamp: ts, ContextInfo: ci,
		}}, KindSticker, nil
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
		return &waE2E.Message{LocationMessage: loc}, KindLocation, nil
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
			return &waE2E.Message{ContactMessage: out[0]}, KindContacts, nil
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
		}}, KindContacts, nil
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

// WireTarget returns how WhatsApp addresses a message of chat by author
// (EmptyJID for the account's own): for a stored message r, the chat and
// sender forms it was seen under on the wire (a LID chat or participant
// where the record shows the phone number); otherwise chat and author as
// given. The account's own messages keep EmptyJID as author.
func WireTarget(r *store.Message, chat, author types.JID) (types.JID, types.JID) {
	if r == nil {
		return chat, author
	}
	if r.WireChatJID != "" {
		if j, err := types.ParseJID(r.WireChatJID); err == nil {
			chat = j
		}
	}
	if !r.IsFromMe && r.WireSenderJID != "" {
		if j, err := types.ParseJID(r.WireSenderJID); err == nil {
			author = j
		}
	}
	return chat, author
}

// RowAuthor returns the author of a stored message: EmptyJID for the
// account's own.
func RowAuthor(r *store.Message) types.JID {
	if r.IsFromMe {
		return types.EmptyJID
	}
	j, err := types.ParseJID(r.SenderJID)
	if err != nil {
		return types.EmptyJID
	}
	return j
}
