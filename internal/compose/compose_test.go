package compose

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/store"
)

func TestForward(t *testing.T) {
	t.Parallel()
	keys := `{"direct_path":"/v/t62/x","media_key":"a2V5","mime_type":"image/jpeg","file_length":42}`
	ci := &waE2E.ContextInfo{IsForwarded: proto.Bool(true)}
	for _, tc := range []struct {
		name      string
		row       store.Message
		kind      Kind
		wantField string // a FieldError on this field
	}{
		{name: "text", row: store.Message{ContentType: "text", Body: "hi"}, kind: KindText},
		{name: "image", row: store.Message{ContentType: "image", MediaKeys: keys, Media: `{"caption":"c"}`}, kind: KindImage},
		{name: "voice", row: store.Message{ContentType: "voice", MediaKeys: keys}, kind: KindAudio},
		{name: "image without keys", row: store.Message{MessageID: "msg_1", ContentType: "image"}, wantField: "message"},
		{name: "live location", row: store.Message{ContentType: "location", Extra: `{"live":true}`}, wantField: "message"},
		{name: "contact without card", row: store.Message{ContentType: "contact", Extra: `{}`}, wantField: "message"},
		{name: "contacts", row: store.Message{ContentType: "contact", Extra: `{"contacts":[{"display_name":"A","vcard":"x"},{"display_name":"B","vcard":"y"}]}`}, kind: KindContacts},
		{name: "poll", row: store.Message{ContentType: "poll"}, wantField: "message"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg, kind, err := Forward(&tc.row, ci)
			if tc.wantField != "" {
				var fe *FieldError
				require.ErrorAs(t, err, &fe)
				require.Equal(t, tc.wantField, fe.Field)
				require.Nil(t, msg)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.kind, kind)
			require.NotNil(t, msg)
		})
	}
	msg, _, err := Forward(&store.Message{ContentType: "voice", MediaKeys: keys}, ci)
	require.NoError(t, err)
	require.True(t, msg.GetAudioMessage().GetPTT())
	require.True(t, msg.GetAudioMessage().GetContextInfo().GetIsForwarded())
}

func TestMediaMessageVoice(t *testing.T) {
	t.Parallel()
	b64 := base64.StdEncoding.EncodeToString
	row := func(mime string) *store.Media {
		return &store.Media{MediaID: "media_1", URL: "https://mmg.whatsapp.net/x", DirectPath: "/x", MIMEType: mime,
			MediaKey: b64([]byte("key")), EncSHA256: b64([]byte("enc")), SHA256: b64([]byte("sum")), Size: 3}
	}
	now := time.Unix(1_700_000_000, 0)
	msg, err := MediaMessage(&Media{Kind: KindAudio, Row: row("audio/ogg; codecs=opus"), Voice: true, Seconds: 4}, nil, now)
	require.NoError(t, err)
	require.Equal(t, VoiceMIME, msg.GetAudioMessage().GetMimetype())
	require.True(t, msg.GetAudioMessage().GetPTT())
	require.EqualValues(t, 4, msg.GetAudioMessage().GetSeconds())

	_, err = MediaMessage(&Media{Kind: KindAudio, Row: row("audio/mpeg"), Voice: true}, nil, now)
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "audio.voice", fe.Field)

	// A captioned document is wrapped, as official clients send it.
	msg, err = MediaMessage(&Media{Kind: KindDocument, Row: row("application/pdf"), Caption: "c"}, nil, now)
	require.NoError(t, err)
	require.Equal(t, "file", msg.GetDocumentWithCaptionMessage().GetMessage().GetDocumentMessage().GetFileName())
}

func TestContactsMessage(t *testing.T) {
	t.Parallel()
	one := ContactsMessage([]Card{{Name: "A; B", Phones: []string{"15550001111"}}}, nil)
	require.Equal(t, "BEGIN:VCARD\nVERSION:3.0\nFN:A\\; B\nTEL;type=CELL;waid=15550001111:+15550001111\nEND:VCARD",
		one.GetContactMessage().GetVcard())
	two := ContactsMessage([]Card{{Name: "A", VCard: "v1"}, {Name: "B", VCard: "v2"}}, &waE2E.ContextInfo{})
	require.Equal(t, "2 contacts", two.GetContactsArrayMessage().GetDisplayName())
	require.Len(t, two.GetContactsArrayMessage().GetContacts(), 2)
}

func TestWireTarget(t *testing.T) {
	t.Parallel()
	chat := types.NewJID("15550001111", types.DefaultUserServer)
	lidChat := types.NewJID("123456789", types.HiddenUserServer)
	c, a := WireTarget(nil, chat, types.EmptyJID)
	require.Equal(t, chat, c)
	require.Equal(t, types.EmptyJID, a)
	c, a = WireTarget(&store.Message{WireChatJID: lidChat.String(), WireSenderJID: lidChat.String()}, chat, chat)
	require.Equal(t, lidChat, c)
	require.Equal(t, lidChat, a)
	// The account's own messages keep EmptyJID as author.
	_, a = WireTarget(&store.Message{IsFromMe: true, WireSenderJID: lidChat.String()}, chat, types.EmptyJID)
	require.Equal(t, types.EmptyJID, a)
}

func TestQuoted(t *testing.T) {
	t.Parallel()
	require.Nil(t, Quoted(nil))
	require.Nil(t, Quoted(&store.Message{Body: "x", DeletedAt: time.Unix(1, 0)}))
	require.Equal(t, "x", Quoted(&store.Message{ContentType: "text", Body: "x"}).GetConversation())
	loc := Quoted(&store.Message{ContentType: "location", Extra: `{"latitude":1.5,"longitude":2.5,"name":"N"}`})
	require.InDelta(t, 1.5, loc.GetLocationMessage().GetDegreesLatitude(), 0)
	require.Equal(t, "N", loc.GetLocationMessage().GetName())
}
