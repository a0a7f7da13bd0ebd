package ingest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/store"
)

// ParseContent maps each kind of WhatsApp message to a content type, a
// body and the type's details.
func TestParseContent(t *testing.T) {
	t.Parallel()
	reply := &waE2E.ContextInfo{StanzaID: proto.String("QUOTED"), MentionedJID: []string{"15550000001@s.whatsapp.net"}}
	for _, tc := range []struct {
		name  string
		msg   *waE2E.Message
		want  *Content // nil: no record of its own
		media *store.MediaInfo
	}{
		{name: "text", msg: &waE2E.Message{Conversation: proto.String("hi")}, want: &Content{Type: TypeText, Body: "hi"}},
		{name: "extended text with reply and mention",
			msg:  &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("see @1"), ContextInfo: reply}},
			want: &Content{Type: TypeText, Body: "see @1", ReplyTo: "QUOTED", Mentions: []string{"15550000001@s.whatsapp.net"}}},
		{name: "image with caption",
			msg: &waE2E.Message{ImageMessage: &waE2E.ImageMessage{Caption: proto.String("look"), Mimetype: proto.String("image/jpeg"),
				FileLength: proto.Uint64(1234), FileSHA256: []byte{0xab, 0xcd}, Width: proto.Uint32(640), Height: proto.Uint32(480)}},
			want:  &Content{Type: TypeImage, Body: "look"},
			media: &store.MediaInfo{MimeType: "image/jpeg", Size: 1234, SHA256: "abcd", Width: 640, Height: 480, Caption: "look"}},
		{name: "voice note",
			msg:   &waE2E.Message{AudioMessage: &waE2E.AudioMessage{PTT: proto.Bool(true), Mimetype: proto.String("audio/ogg; codecs=opus"), Seconds: proto.Uint32(7)}},
			want:  &Content{Type: TypeVoice},
			media: &store.MediaInfo{MimeType: "audio/ogg; codecs=opus", Seconds: 7}},
		{name: "audio", msg: &waE2E.Message{AudioMessage: &waE2E.AudioMessage{Mimetype: proto.String("audio/mpeg")}},
			want: &Content{Type: TypeAudio}, media: &store.MediaInfo{MimeType: "audio/mpeg"}},
		{name: "document wrapped with caption",
			msg: &waE2E.Message{DocumentWithCaptionMessage: &waE2E.FutureProofMessage{Message: &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{
				FileName: proto.String("a.pdf"), Caption: proto.String("invoice"), Mimetype: proto.String("application/pdf")}}}},
			want:  &Content{Type: TypeDocument, Body: "invoice"},
			media: &store.MediaInfo{MimeType: "application/pdf", FileName: "a.pdf", Caption: "invoice"}},
		{name: "location",
			msg: &waE2E.Message{LocationMessage: &waE2E.LocationMessage{DegreesLatitude: proto.Float64(52.5), DegreesLongitude: proto.Float64(13.4),
				Name: proto.String("Office"), Address: proto.String("Main St 1")}},
			want: &Content{Type: TypeLocation, Body: "Office", Extra: map[string]any{"latitude": 52.5, "longitude": 13.4, "name": "Office",
				"address": "Main St 1", "url": ""}}},
		{name: "live location",
			msg:  &waE2E.Message{LiveLocationMessage: &waE2E.LiveLocationMessage{DegreesLatitude: proto.Float64(1), DegreesLongitude: proto.Float64(2), Caption: proto.String("here")}},
			want: &Content{Type: TypeLocation, Body: "here", Extra: map[string]any{"latitude": 1.0, "longitude": 2.0, "live": true}}},
		{name: "contact card",
			msg: &waE2E.Message{ContactMessage: &waE2E.ContactMessage{DisplayName: proto.String("Bob"), Vcard: proto.String("BEGIN:VCARD")}},
			want: &Content{Type: TypeContact, Body: "Bob", Extra: map[string]any{"contacts": []map[string]string{
				{"display_name": "Bob", "vcard": "BEGIN:VCARD"}}}}},
		{name: "contacts array without a display name takes the first card's",
			msg: &waE2E.Message{ContactsArrayMessage: &waE2E.ContactsArrayMessage{Contacts: []*waE2E.ContactMessage{
				{DisplayName: proto.String("Ann"), Vcard: proto.String("A")}, {DisplayName: proto.String("Ben"), Vcard: proto.String("B")}}}},
			want: &Content{Type: TypeContact, Body: "Ann", Extra: map[string]any{"contacts": []map[string]string{
				{"display_name": "Ann", "vcard": "A"}, {"display_name": "Ben", "vcard": "B"}}}}},
		{name: "poll",
			msg: &waE2E.Message{PollCreationMessageV3: &waE2E.PollCreationMessage{Name: proto.String("Lunch?"), SelectableOptionsCount: proto.Uint32(1),
				Options: []*waE2E.PollCreationMessage_Option{{OptionName: proto.String("Yes")}, {OptionName: proto.String("No")}}}},
			want: &Content{Type: TypePoll, Body: "Lunch?", Extra: map[string]any{"poll": map[string]any{"question": "Lunch?",
				"options": []string{"Yes", "No"}, "selectable_count": uint32(1),
				"results": []PollResult{{Option: "Yes", Voters: []string{}}, {Option: "No", Voters: []string{}}}}}}},
		{name: "reaction has no record of its own", msg: &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{Text: proto.String("👍")}}},
		{name: "edit has no record of its own", msg: &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{Type: waE2E.ProtocolMessage_MESSAGE_EDIT.Enum()}}},
		{name: "poll vote has no record of its own", msg: &waE2E.Message{PollUpdateMessage: &waE2E.PollUpdateMessage{}}},
		{name: "only context info", msg: &waE2E.Message{MessageContextInfo: &waE2E.MessageContextInfo{}}},
		{name: "something new is unknown", msg: &waE2E.Message{CallLogMesssage: &waE2E.CallLogMessage{}}, want: &Content{Type: TypeUnknown}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := ParseContent(tc.msg)
			if tc.want == nil {
				require.Nil(t, got)
				return
			}
			require.NotNil(t, got)
			require.Equal(t, tc.want.Type, got.Type)
			require.Equal(t, tc.want.Body, got.Body)
			require.Equal(t, tc.want.ReplyTo, got.ReplyTo)
			require.Equal(t, tc.want.Mentions, got.Mentions)
			require.Equal(t, tc.want.Extra, got.Extra)
			require.Equal(t, tc.media, got.Media)
			require.Equal(t, tc.media != nil, got.Keys != nil, "media carry their download keys")
		})
	}
	require.Nil(t, ParseContent(nil))
}

// A statement replaces a field's value when it is at least as recent as
// the one that set it; on a tie the larger value wins, so any order of the
// same statements gives the same value.
func TestStated(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		times   map[string]int64
		ts      int64
		cur, v  string
		want    bool
		wantAt  int64
		stateAt bool // whether times has the field afterwards
	}{
		{name: "never stated", ts: 5, cur: "", v: "a", want: true, wantAt: 5, stateAt: true},
		{name: "never stated, time unknown", ts: 0, cur: "x", v: "a", want: true, wantAt: 0, stateAt: true},
		{name: "newer", times: map[string]int64{"f": 5}, ts: 6, cur: "b", v: "a", want: true, wantAt: 6, stateAt: true},
		{name: "older", times: map[string]int64{"f": 5}, ts: 4, cur: "a", v: "b", want: false, wantAt: 5, stateAt: true},
		{name: "tie, larger value", times: map[string]int64{"f": 5}, ts: 5, cur: "a", v: "b", want: true, wantAt: 5, stateAt: true},
		{name: "tie, smaller value", times: map[string]int64{"f": 5}, ts: 5, cur: "b", v: "a", want: false, wantAt: 5, stateAt: true},
		{name: "tie, same value", times: map[string]int64{"f": 5}, ts: 5, cur: "a", v: "a", want: false, wantAt: 5, stateAt: true},
		{name: "another field's time does not count", times: map[string]int64{"g": 9}, ts: 1, cur: "a", v: "b", want: true, wantAt: 1, stateAt: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			times := tc.times
			require.Equal(t, tc.want, stated(&times, "f", tc.ts, tc.cur, tc.v))
			at, ok := times["f"]
			require.Equal(t, tc.stateAt, ok)
			require.Equal(t, tc.wantAt, at)
		})
	}

	// Both orders of two statements end in the same value.
	apply := func(order ...int) bool {
		var times map[string]int64
		v := false
		stmts := []struct {
			ts int64
			v  bool
		}{{10, true}, {10, false}}
		for _, i := range order {
			setBool(&times, fieldArchived, stmts[i].ts, &v, stmts[i].v)
		}
		return v
	}
	require.Equal(t, apply(0, 1), apply(1, 0))
	require.True(t, apply(1, 0), "true wins a tie")
}

// Merging two rows field by field: the surviving row takes the other's
// value only when the other stated it more recently.
func TestMergeField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		keep, gone map[string]int64
		wantTake   bool
		wantAt     int64
	}{
		{name: "gone never stated it", keep: map[string]int64{"name": 5}, gone: map[string]int64{}, wantTake: false, wantAt: 5},
		{name: "gone stated it later", keep: map[string]int64{"name": 5}, gone: map[string]int64{"name": 7}, wantTake: true, wantAt: 7},
		{name: "gone stated it earlier", keep: map[string]int64{"name": 5}, gone: map[string]int64{"name": 3}, wantTake: false, wantAt: 5},
		{name: "keep never stated it", keep: nil, gone: map[string]int64{"name": 3}, wantTake: true, wantAt: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			took := false
			got := mergeField(tc.keep, tc.gone, "name", "Ann", "Bob", func() { took = true })
			require.Equal(t, tc.wantTake, took)
			if tc.wantAt != 0 {
				require.Equal(t, tc.wantAt, got["name"])
			}
		})
	}
}

// One participant per person, with the highest role any listing gave,
// sorted by JID.
func TestDedupParticipants(t *testing.T) {
	t.Parallel()
	parts := dedupParticipants([]*store.Participant{
		{ParticipantJID: "2@s.whatsapp.net", PersonID: "p2", Role: "member"},
		{ParticipantJID: "1@s.whatsapp.net", PersonID: "p1", Role: "member"},
		{ParticipantJID: "111@lid", PersonID: "p1", Role: "admin"}, // p1 again, by LID
		{ParticipantJID: "3@s.whatsapp.net", Role: "member"},       // no person: by JID
		{ParticipantJID: "3@s.whatsapp.net", Role: "superadmin"},
		{ParticipantJID: "2@s.whatsapp.net", PersonID: "p2", Role: "member"},
	})
	type row struct{ jid, person, role string }
	var got []row
	for _, p := range parts {
		got = append(got, row{p.ParticipantJID, p.PersonID, p.Role})
	}
	require.Equal(t, []row{
		{"1@s.whatsapp.net", "p1", "admin"},
		{"2@s.whatsapp.net", "p2", "member"},
		{"3@s.whatsapp.net", "", "superadmin"},
	}, got)
}

// History stubs a chat shows become system messages whose body names the
// actor and participants, with the raw stub in extra; bookkeeping stubs
// are not stored.
func TestStubContent(t *testing.T) {
	t.Parallel()
	own := types.NewJID("15550000009", types.DefaultUserServer)
	alice := types.NewJID("15550000001", types.DefaultUserServer)
	bob := types.NewJID("15550000002", types.DefaultUserServer)
	group := types.NewJID("123-456", types.GroupServer)
	tx := &Tx{acc: &Account{ID: "acc", Own: own}}
	for _, tc := range []struct {
		name   string
		stub   waWeb.WebMessageInfo_StubType
		params []string
		push   string
		fromMe bool
		sender types.JID
		body   string // "" : not stored
		people []string
	}{
		{name: "group created by a named sender", stub: waWeb.WebMessageInfo_GROUP_CREATE, params: []string{"Team"}, push: "Alice", sender: alice,
			body: `Alice created group "Team"`, people: []string{}},
		{name: "subject changed by the account", stub: waWeb.WebMessageInfo_GROUP_CHANGE_SUBJECT, params: []string{"New"}, fromMe: true, sender: own,
			body: `You changed the group name to "New"`, people: []string{}},
		{name: "announce on, sender by number", stub: waWeb.WebMessageInfo_GROUP_CHANGE_ANNOUNCE, params: []string{"on"}, sender: alice,
			body: "+15550000001 allowed only admins to send messages to this group", people: []string{}},
		{name: "announce off", stub: waWeb.WebMessageInfo_GROUP_CHANGE_ANNOUNCE, params: []string{"off"}, sender: alice,
			body: "+15550000001 allowed all participants to send messages to this group", people: []string{}},
		{name: "participant added", stub: waWeb.WebMessageInfo_GROUP_PARTICIPANT_ADD, params: []string{bob.String()}, sender: alice,
			body: "+15550000001 added +15550000002", people: []string{bob.String()}},
		{name: "bookkeeping is not shown", stub: waWeb.WebMessageInfo_CIPHERTEXT, sender: alice},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wm := &waWeb.WebMessageInfo{MessageStubType: tc.stub.Enum(), MessageStubParameters: tc.params}
			if tc.push != "" {
				wm.PushName = proto.String(tc.push)
			}
			info := &types.MessageInfo{MessageSource: types.MessageSource{Chat: group, Sender: tc.sender, IsFromMe: tc.fromMe, IsGroup: true}}
			c := tx.stubContent(info, wm)
			if tc.body == "" {
				require.Nil(t, c)
				return
			}
			require.NotNil(t, c)
			require.Equal(t, TypeSystem, c.Type)
			require.Equal(t, tc.body, c.Body)
			params := tc.params
			if params == nil {
				params = []string{}
			}
			require.Equal(t, map[string]any{"stub_type": strings.ToLower(tc.stub.String()), "actor": tc.sender.String(),
				"participants": tc.people, "parameters": params}, c.Extra)
		})
	}
}
