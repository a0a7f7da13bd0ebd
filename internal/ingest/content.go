package ingest

import (
	"encoding/hex"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/store"
)

// Content types of messages (the WhatsApp Use sync API).
const (
	TypeText     = "text"
	TypeImage    = "image"
	TypeVideo    = "video"
	TypeAudio    = "audio"
	TypeVoice    = "voice"
	TypeDocument = "document"
	TypeSticker  = "sticker"
	TypeLocation = "location"
	TypeContact  = "contact"
	TypePoll     = "poll"
	TypeSystem   = "system"
	TypeUnknown  = "unknown"
)

// Content is what a message says, independent of who sent it where.
type Content struct {
	Type     string
	Body     string   // text, caption, poll question, location name or contact name
	ReplyTo  string   // WhatsApp id of the quoted message
	Mentions []string // mentioned JIDs
	Media    *store.MediaInfo
	Keys     *store.MediaKeys
	Extra    map[string]any // poll, location or contact card details
}

type contextual interface {
	GetContextInfo() *waE2E.ContextInfo
}

// ParseContent reads an unwrapped message. It returns nil for messages that
// carry no content of their own (protocol messages, reactions, poll votes,
// sender key distribution), which the caller handles separately.
func ParseContent(m *waE2E.Message) *Content {
	if m == nil {
		return nil
	}
	c := &Content{}
	var ctx contextual
	switch {
	case m.GetDocumentWithCaptionMessage().GetMessage().GetDocumentMessage() != nil:
		// A captioned document as official clients send it (received ones
		// come unwrapped by whatsmeow; wauser's own are wrapped).
		return ParseContent(&waE2E.Message{DocumentMessage: m.GetDocumentWithCaptionMessage().GetMessage().GetDocumentMessage()})
	case m.Conversation != nil:
		c.Type, c.Body = TypeText, m.GetConversation()
	case m.ExtendedTextMessage != nil:
		x := m.GetExtendedTextMessage()
		c.Type, c.Body, ctx = TypeText, x.GetText(), x
	case m.ImageMessage != nil:
		x := m.GetImageMessage()
		c.Type, c.Body, ctx = TypeImage, x.GetCaption(), x
		c.Media = &store.MediaInfo{MimeType: x.GetMimetype(), Size: x.GetFileLength(), SHA256: hexOf(x.GetFileSHA256()),
			Width: x.GetWidth(), Height: x.GetHeight(), Caption: x.GetCaption()}
		c.Keys = keysOf(whatsmeow.MediaImage, x)
	case m.StickerMessage != nil:
		x := m.GetStickerMessage()
		c.Type, ctx = TypeSticker, x
		c.Media = &store.MediaInfo{MimeType: x.GetMimetype(), Size: x.GetFileLength(), SHA256: hexOf(x.GetFileSHA256()),
			Width: x.GetWidth(), Height: x.GetHeight()}
		c.Keys = keysOf(whatsmeow.MediaImage, x)
	case m.VideoMessage != nil || m.PtvMessage != nil:
		x := m.GetVideoMessage()
		if x == nil {
			x = m.GetPtvMessage()
		}
		c.Type, c.Body, ctx = TypeVideo, x.GetCaption(), x
		c.Media = &store.MediaInfo{MimeType: x.GetMimetype(), Size: x.GetFileLength(), SHA256: hexOf(x.GetFileSHA256()),
			Width: x.GetWidth(), Height: x.GetHeight(), Seconds: x.GetSeconds(), Caption: x.GetCaption()}
		c.Keys = keysOf(whatsmeow.MediaVideo, x)
	case m.AudioMessage != nil:
		x := m.GetAudioMessage()
		c.Type, ctx = TypeAudio, x
		if x.GetPTT() {
			c.Type = TypeVoice
		}
		c.Media = &store.MediaInfo{MimeType: x.GetMimetype(), Size: x.GetFileLength(), SHA256: hexOf(x.GetFileSHA256()),
			Seconds: x.GetSeconds()}
		c.Keys = keysOf(whatsmeow.MediaAudio, x)
	case m.DocumentMessage != nil:
		x := m.GetDocumentMessage()
		c.Type, c.Body, ctx = TypeDocument, x.GetCaption(), x
		c.Media = &store.MediaInfo{MimeType: x.GetMimetype(), FileName: x.GetFileName(), Size: x.GetFileLength(),
			SHA256: hexOf(x.GetFileSHA256()), Caption: x.GetCaption()}
		c.Keys = keysOf(whatsmeow.MediaDocument, x)
	case m.LocationMessage != nil:
		x := m.GetLocationMessage()
		c.Type, c.Body, ctx = TypeLocation, x.GetName(), x
		c.Extra = map[string]any{"latitude": x.GetDegreesLatitude(), "longitude": x.GetDegreesLongitude(),
			"name": x.GetName(), "address": x.GetAddress(), "url": x.GetURL()}
	case m.LiveLocationMessage != nil:
		x := m.GetLiveLocationMessage()
		c.Type, c.Body, ctx = TypeLocation, x.GetCaption(), x
		c.Extra = map[string]any{"latitude": x.GetDegreesLatitude(), "longitude": x.GetDegreesLongitude(), "live": true}
	case m.ContactMessage != nil:
		x := m.GetContactMessage()
		c.Type, c.Body, ctx = TypeContact, x.GetDisplayName(), x
		c.Extra = map[string]any{"contacts": []map[string]string{{"display_name": x.GetDisplayName(), "vcard": x.GetVcard()}}}
	case m.ContactsArrayMessage != nil:
		x := m.GetContactsArrayMessage()
		c.Type, c.Body, ctx = TypeContact, x.GetDisplayName(), x
		cards := []map[string]string{}
		for _, cm := range x.GetContacts() {
			cards = append(cards, map[string]string{"display_name": cm.GetDisplayName(), "vcard": cm.GetVcard()})
		}
		if c.Body == "" && len(cards) > 0 {
			c.Body = cards[0]["display_name"]
		}
		c.Extra = map[string]any{"contacts": cards}
	case pollOf(m) != nil:
		x := pollOf(m)
		c.Type, c.Body, ctx = TypePoll, x.GetName(), x
		opts := []string{}
		for _, o := range x.GetOptions() {
			opts = append(opts, o.GetOptionName())
		}
		c.Extra = map[string]any{"poll": map[string]any{"question": x.GetName(), "options": opts,
			"selectable_count": x.GetSelectableOptionsCount(), "results": noVotes(opts)}}
	case m.ButtonsMessage != nil:
		x := m.GetButtonsMessage()
		c.Type, c.Body, ctx = TypeText, x.GetContentText(), x
	case m.TemplateMessage != nil:
		x := m.GetTemplateMessage()
		c.Type, ctx = TypeText, x
		c.Body = x.GetHydratedTemplate().GetHydratedContentText()
		if c.Body == "" {
			c.Body = x.GetHydratedFourRowTemplate().GetHydratedContentText()
		}
	case m.ListMessage != nil:
		x := m.GetListMessage()
		c.Type, c.Body, ctx = TypeText, strings.TrimSpace(x.GetTitle()+"\n"+x.GetDescription()), x
	case m.InteractiveMessage != nil:
		x := m.GetInteractiveMessage()
		c.Type, c.Body, ctx = TypeText, x.GetBody().GetText(), x
	case m.ButtonsResponseMessage != nil:
		x := m.GetButtonsResponseMessage()
		c.Type, c.Body, ctx = TypeText, x.GetSelectedDisplayText(), x
	case m.ListResponseMessage != nil:
		x := m.GetListResponseMessage()
		c.Type, c.Body, ctx = TypeText, x.GetTitle(), x
	case m.TemplateButtonReplyMessage != nil:
		x := m.GetTemplateButtonReplyMessage()
		c.Type, c.Body, ctx = TypeText, x.GetSelectedDisplayText(), x
	case m.GroupInviteMessage != nil:
		x := m.GetGroupInviteMessage()
		c.Type, c.Body, ctx = TypeText, x.GetCaption(), x
		c.Extra = map[string]any{"invite": map[string]any{"group_jid": x.GetGroupJID(), "group_name": x.GetGroupName(),
			"code": x.GetInviteCode(), "expiration": x.GetInviteExpiration()}}
	case m.ProtocolMessage != nil, m.ReactionMessage != nil, m.EncReactionMessage != nil,
		m.PollUpdateMessage != nil, m.SenderKeyDistributionMessage != nil, m.KeepInChatMessage != nil,
		m.PinInChatMessage != nil, m.EncCommentMessage != nil, m.EncEventResponseMessage != nil,
		// Wrappers that belong to another message (see Tx.message): never
		// a record of their own.
		m.AlbumMessage != nil, m.AssociatedChildMessage != nil, m.SecretEncryptedMessage != nil:
		return nil
	default:
		if m.MessageContextInfo != nil && emptyBesidesContext(m) {
			return nil
		}
		c.Type = TypeUnknown
	}
	if ctx != nil {
		if ci := ctx.GetContextInfo(); ci != nil {
			c.ReplyTo = ci.GetStanzaID()
			if len(ci.GetMentionedJID()) > 0 {
				c.Mentions = append([]string(nil), ci.GetMentionedJID()...)
			}
		}
	}
	return c
}

func pollOf(m *waE2E.Message) *waE2E.PollCreationMessage {
	switch {
	case m.PollCreationMessage != nil:
		return m.GetPollCreationMessage()
	case m.PollCreationMessageV2 != nil:
		return m.GetPollCreationMessageV2()
	case m.PollCreationMessageV3 != nil:
		return m.GetPollCreationMessageV3()
	case m.PollCreationMessageV5 != nil:
		return m.GetPollCreationMessageV5()
	case m.GetPollCreationMessageV4().GetMessage() != nil:
		inner := m.GetPollCreationMessageV4().GetMessage()
		if inner.PollCreationMessageV4 != nil { // no endless recursion on a malformed message
			return nil
		}
		return pollOf(inner)
	}
	return nil
}

// emptyBesidesContext reports whether m has nothing but MessageContextInfo
// (and similar bookkeeping), as some protocol-level messages do.
func emptyBesidesContext(m *waE2E.Message) bool {
	return proto.Size(m) == proto.Size(&waE2E.Message{MessageContextInfo: m.MessageContextInfo})
}

type downloadable interface {
	GetURL() string
	GetDirectPath() string
	GetMediaKey() []byte
	GetFileEncSHA256() []byte
	GetFileSHA256() []byte
	GetFileLength() uint64
	GetMimetype() string
	GetMediaKeyTimestamp() int64
}

func keysOf(t whatsmeow.MediaType, x downloadable) *store.MediaKeys {
	return &store.MediaKeys{
		MediaType:     string(t),
		URL:           x.GetURL(),
		DirectPath:    x.GetDirectPath(),
		MediaKey:      x.GetMediaKey(),
		FileEncSHA256: x.GetFileEncSHA256(),
		FileSHA256:    x.GetFileSHA256(),
		FileLength:    x.GetFileLength(),
		MimeType:      x.GetMimetype(),
		KeyTimestamp:  x.GetMediaKeyTimestamp(),
	}
}

func hexOf(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return hex.EncodeToString(b)
}
