package wauser_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

func at(sec int) time.Time { return epoch.Add(time.Duration(sec) * time.Second) }

// in wraps msg as received from alice in her direct chat.
func fromAlice(id string, sec int, msg *waE2E.Message) *events.Message {
	return watest.Message(alice, alice, id, at(sec), msg)
}

type ingestCase struct {
	name   string
	events []any
	check  func(t *testing.T, s *snapshot, events []string)
}

func ingestCases() []ingestCase {
	img := &waE2E.ImageMessage{
		Caption: proto.String("a cat"), Mimetype: proto.String("image/jpeg"), FileLength: proto.Uint64(1234),
		FileSHA256: []byte{0xab, 0xcd}, Width: proto.Uint32(640), Height: proto.Uint32(480),
		URL: proto.String("https://mmg.whatsapp.net/secret-url"), DirectPath: proto.String("/v/t62/secret-path"),
		MediaKey: []byte("0123456789abcdef0123456789abcdef"), FileEncSHA256: []byte{1, 2, 3},
	}
	return []ingestCase{
		{
			name:   "text",
			events: []any{watest.Text(alice, alice, "T1", at(1), "hello")},
			check: func(t *testing.T, s *snapshot, evs []string) {
				m := s.msgs["T1"]
				require.Equal(t, "text", m.ContentType)
				require.Equal(t, "hello", m.Body)
				require.Equal(t, "incoming", m.Direction)
				require.Equal(t, "received", m.Status)
				require.Equal(t, alice.String(), m.SenderJID)
				require.Equal(t, at(1), m.SentAt)
				conv := s.convs[alice.String()]
				require.Equal(t, conv.ConversationID, m.ConversationID)
				require.Equal(t, wauser.KindDirect, conv.Kind)
				require.Equal(t, 1, conv.UnreadCount)
				require.Equal(t, at(1), conv.LastMessageAt)
				require.Equal(t, s.contacts[alice.String()].PersonID, conv.DirectPersonID)
				require.Equal(t, "+15550000001", s.contacts[alice.String()].PhoneE164)
				require.Contains(t, evs, "message.received")
			},
		},
		{
			name:   "NUL bytes and invalid UTF-8 from WhatsApp are stored cleaned",
			events: []any{watest.Text(alice, alice, "Z1", at(1), "a\x00b\xffc")},
			check: func(t *testing.T, s *snapshot, _ []string) {
				require.Equal(t, "ab\uFFFDc", s.msgs["Z1"].Body)
			},
		},
		{
			name:   "image with caption and no keys in output",
			events: []any{fromAlice("I1", 1, &waE2E.Message{ImageMessage: img})},
			check: func(t *testing.T, s *snapshot, _ []string) {
				m := s.msgs["I1"]
				require.Equal(t, "image", m.ContentType)
				require.Equal(t, "a cat", m.Body)
				require.Equal(t, &wauser.MessageMedia{MimeType: "image/jpeg", Size: 1234, SHA256: "abcd", Width: 640, Height: 480, Caption: "a cat"}, m.Media)
				raw, err := json.Marshal(s.page)
				require.NoError(t, err)
				for _, secret := range []string{"secret-url", "secret-path", "media_key", "direct_path"} {
					require.NotContains(t, string(raw), secret, "keys never reach API output")
				}
			},
		},
		{
			name: "voice note, video, sticker",
			events: []any{
				fromAlice("V1", 1, &waE2E.Message{AudioMessage: &waE2E.AudioMessage{PTT: proto.Bool(true), Seconds: proto.Uint32(7), Mimetype: proto.String("audio/ogg; codecs=opus")}}),
				fromAlice("A1", 2, &waE2E.Message{AudioMessage: &waE2E.AudioMessage{Seconds: proto.Uint32(200), Mimetype: proto.String("audio/mpeg")}}),
				fromAlice("M1", 3, &waE2E.Message{VideoMessage: &waE2E.VideoMessage{Caption: proto.String("clip"), Seconds: proto.Uint32(12)}}),
				fromAlice("S1", 4, &waE2E.Message{StickerMessage: &waE2E.StickerMessage{Mimetype: proto.String("image/webp")}}),
			},
			check: func(t *testing.T, s *snapshot, _ []string) {
				require.Equal(t, "voice", s.msgs["V1"].ContentType)
				require.Equal(t, uint32(7), s.msgs["V1"].Media.Seconds)
				require.Equal(t, "audio", s.msgs["A1"].ContentType)
				require.Equal(t, "video", s.msgs["M1"].ContentType)
				require.Equal(t, "clip", s.msgs["M1"].Body)
				require.Equal(t, "sticker", s.msgs["S1"].ContentType)
				require.Equal(t, 4, s.convs[alice.String()].UnreadCount)
			},
		},
		{
			name: "document with caption wrapper, ephemeral and view-once unwrapped",
			events: []any{
				fromAlice("D1", 1, &waE2E.Message{DocumentWithCaptionMessage: &waE2E.FutureProofMessage{Message: &waE2E.Message{
					DocumentMessage: &waE2E.DocumentMessage{FileName: proto.String("report.pdf"), Caption: proto.String("Q3"), Mimetype: proto.String("application/pdf")}}}}),
				fromAlice("E1", 2, &waE2E.Message{EphemeralMessage: &waE2E.FutureProofMessage{Message: &waE2E.Message{
					ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("@15550000002 see above"),
						ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String("D1"), MentionedJID: []string{bob.String()}}}}}}),
				fromAlice("O1", 3, &waE2E.Message{ViewOnceMessageV2: &waE2E.FutureProofMessage{Message: &waE2E.Message{
					ImageMessage: &waE2E.ImageMessage{Caption: proto.String("once")}}}}),
			},
			check: func(t *testing.T, s *snapshot, _ []string) {
				d := s.msgs["D1"]
				require.Equal(t, "document", d.ContentType)
				require.Equal(t, "Q3", d.Body)
				require.Equal(t, "report.pdf", d.Media.FileName)
				e := s.msgs["E1"]
				require.Equal(t, "text", e.ContentType)
				require.Equal(t, "D1", e.ReplyToWAID)
				require.Equal(t, []string{bob.String()}, e.Mentions)
				require.Equal(t, "image", s.msgs["O1"].ContentType)
				require.Equal(t, "once", s.msgs["O1"].Body)
			},
		},
		{
			name: "location, contact card, poll",
			events: []any{
				fromAlice("L1", 1, &waE2E.Message{LocationMessage: &waE2E.LocationMessage{DegreesLatitude: proto.Float64(37.77), DegreesLongitude: proto.Float64(-122.42), Name: proto.String("San Francisco")}}),
				fromAlice("C1", 2, &waE2E.Message{ContactMessage: &waE2E.ContactMessage{DisplayName: proto.String("Dan"), Vcard: proto.String("BEGIN:VCARD\nEND:VCARD")}}),
				fromAlice("P1", 3, &waE2E.Message{PollCreationMessageV3: &waE2E.PollCreationMessage{Name: proto.String("Lunch?"),
					Options: []*waE2E.PollCreationMessage_Option{{OptionName: proto.String("yes")}, {OptionName: proto.String("no")}}, SelectableOptionsCount: proto.Uint32(1)}}),
			},
			check: func(t *testing.T, s *snapshot, _ []string) {
				require.Equal(t, "location", s.msgs["L1"].ContentType)
				require.Equal(t, "San Francisco", s.msgs["L1"].Body)
				require.InDelta(t, 37.77, s.msgs["L1"].Extra["latitude"], 1e-9)
				require.Equal(t, "contact", s.msgs["C1"].ContentType)
				require.Equal(t, "Dan", s.msgs["C1"].Body)
				p := s.msgs["P1"]
				require.Equal(t, "poll", p.ContentType)
				require.Equal(t, "Lunch?", p.Body)
				require.Equal(t, []any{"yes", "no"}, p.Extra["poll"].(map[string]any)["options"])
			},
		},
		{
			name: "edit replaces the body; an older edit does not",
			events: []any{
				watest.Text(alice, alice, "X1", at(1), "helo"),
				watest.Edit(alice, alice, "X2", at(5), watest.Key(alice, "X1", false, types.EmptyJID), "hello"),
				watest.Edit(alice, alice, "X3", at(3), watest.Key(alice, "X1", false, types.EmptyJID), "stale"),
			},
			check: func(t *testing.T, s *snapshot, evs []string) {
				m := s.msgs["X1"]
				require.Equal(t, "hello", m.Body)
				require.Equal(t, at(5), m.EditedAt)
				require.Len(t, s.msgs, 1, "edits are not messages of their own")
				require.Contains(t, evs, "message.edited")
			},
		},
		{
			name: "edit before its original keeps the edit",
			events: []any{
				watest.Edit(alice, alice, "Y2", at(5), watest.Key(alice, "Y1", false, types.EmptyJID), "final"),
				watest.Text(alice, alice, "Y1", at(1), "draft"),
			},
			check: func(t *testing.T, s *snapshot, _ []string) {
				m := s.msgs["Y1"]
				require.Equal(t, "final", m.Body)
				require.Equal(t, "text", m.ContentType)
				require.Equal(t, at(1), m.SentAt)
			},
		},
		{
			name: "revoke leaves a tombstone that the original cannot undo",
			events: []any{
				fromAlice("R1", 1, &waE2E.Message{ImageMessage: img}),
				watest.Revoke(alice, alice, "R2", at(2), watest.Key(alice, "R1", false, types.EmptyJID)),
				fromAlice("R1", 1, &waE2E.Message{ImageMessage: img}),
			},
			check: func(t *testing.T, s *snapshot, evs []string) {
				m := s.msgs["R1"]
				require.Equal(t, at(2), m.DeletedAt)
				require.Equal(t, "deleted", m.Status)
				require.Empty(t, m.Body)
				require.Nil(t, m.Media)
				require.Contains(t, evs, "message.deleted")
			},
		},
		{
			name: "admin revoke in a group",
			events: []any{
				watest.Text(group, bob, "G1", at(1), "spam"),
				watest.FromMe(watest.Revoke(group, me, "G2", at(2), watest.Key(group, "G1", false, bob))),
			},
			check: func(t *testing.T, s *snapshot, _ []string) {
				require.Equal(t, "deleted", s.msgs["G1"].Status)
				require.Equal(t, bob.String(), s.msgs["G1"].SenderJID)
			},
		},
		{
			name: "reactions: one per sender, empty removes",
			events: []any{
				watest.FromMe(watest.Text(group, me, "Q1", at(1), "lunch?")),
				watest.Reaction(group, alice, "Q2", at(2), watest.Key(group, "Q1", true, me), "👍"),
				watest.Reaction(group, alice, "Q3", at(3), watest.Key(group, "Q1", true, me), "❤️"),
				watest.Reaction(group, bob, "Q4", at(4), watest.Key(group, "Q1", true, me), "😂"),
				watest.Reaction(group, carol, "Q5", at(5), watest.Key(group, "Q1", true, me), "🙂"),
				watest.Reaction(group, carol, "Q6", at(6), watest.Key(group, "Q1", true, me), ""),
				// A late redelivery of an older reaction does not undo a newer one.
				watest.Reaction(group, alice, "Q2", at(2), watest.Key(group, "Q1", true, me), "👍"),
			},
			check: func(t *testing.T, s *snapshot, evs []string) {
				m := s.msgs["Q1"]
				require.Equal(t, map[string]string{alice.String(): "❤️", bob.String(): "😂"}, m.Reactions)
				require.True(t, m.IsFromMe)
				require.Equal(t, "outgoing", m.Direction)
				require.Equal(t, "sent", m.Status)
				require.Contains(t, evs, "message.reaction")
				require.Contains(t, evs, "message.sent")
			},
		},
		{
			name: "receipts only move forward",
			events: []any{
				watest.FromMe(watest.Text(alice, me, "S1", at(1), "hi")),
				watest.Receipt(alice, alice, types.ReceiptTypeDelivered, at(2), false, "S1"),
				watest.Receipt(alice, alice, types.ReceiptTypeRead, at(3), false, "S1"),
				watest.Receipt(alice, alice, types.ReceiptTypeDelivered, at(4), false, "S1"),
			},
			check: func(t *testing.T, s *snapshot, evs []string) {
				require.Equal(t, "read", s.msgs["S1"].Status)
				require.Contains(t, evs, "message.status")
			},
		},
		{
			name: "reading on another device clears the unread badge",
			events: []any{
				watest.Text(alice, alice, "U1", at(1), "one"),
				watest.Text(alice, alice, "U2", at(2), "two"),
				watest.Receipt(alice, me, types.ReceiptTypeReadSelf, at(3), true, "U1", "U2"),
			},
			check: func(t *testing.T, s *snapshot, _ []string) {
				require.Equal(t, 0, s.convs[alice.String()].UnreadCount)
				require.Equal(t, "read", s.msgs["U1"].Status)
			},
		},
		{
			name: "undecryptable placeholder is replaced by the real message",
			events: []any{
				&events.UndecryptableMessage{Info: types.MessageInfo{MessageSource: types.MessageSource{Chat: alice, Sender: alice}, ID: "P9", Timestamp: at(1)}},
				watest.Text(alice, alice, "P9", at(1), "now readable"),
			},
			check: func(t *testing.T, s *snapshot, evs []string) {
				require.Equal(t, "text", s.msgs["P9"].ContentType)
				require.Equal(t, "now readable", s.msgs["P9"].Body)
				require.Equal(t, 1, count(evs, "message.received"))
			},
		},
		{
			name: "group joined, messages and info deltas",
			events: []any{
				&events.JoinedGroup{Reason: "invite", GroupInfo: types.GroupInfo{
					JID: group, GroupName: types.GroupName{Name: "Team"}, GroupTopic: types.GroupTopic{Topic: "work"},
					Participants: []types.GroupParticipant{
						{JID: me, IsAdmin: true}, {JID: alice, IsSuperAdmin: true, IsAdmin: true}, {JID: bob},
					},
				}},
				watest.Text(group, alice, "GM1", at(1), "welcome"),
				&events.GroupInfo{JID: group, Timestamp: at(2), Name: &types.GroupName{Name: "Team 2"},
					Join: []types.JID{carol}, Leave: []types.JID{bob}, Promote: []types.JID{carol},
					Announce: &types.GroupAnnounce{IsAnnounce: true}, Locked: &types.GroupLocked{IsLocked: true}},
			},
			check: func(t *testing.T, s *snapshot, evs []string) {
				g := s.convs[group.String()]
				require.Equal(t, wauser.KindGroup, g.Kind)
				require.Equal(t, "Team 2", g.Subject)
				require.Equal(t, "work", g.Topic)
				require.True(t, g.IsAnnounce)
				require.True(t, g.IsLocked)
				roles := map[string]string{}
				for _, p := range g.Participants {
					roles[p.ParticipantJID] = p.Role
				}
				require.Equal(t, map[string]string{me.String(): "admin", alice.String(): "superadmin", carol.String(): "admin"}, roles)
				require.Equal(t, s.contacts[alice.String()].PersonID, personOf(g, alice))
				m := s.msgs["GM1"]
				require.Equal(t, g.ConversationID, m.ConversationID)
				require.Equal(t, alice.String(), m.SenderJID)
				require.Contains(t, evs, "group.joined")
				require.Contains(t, evs, "group.updated")
			},
		},
		{
			name: "group deltas naming members by the other form",
			events: []any{
				&events.JoinedGroup{GroupInfo: types.GroupInfo{
					JID: group, GroupName: types.GroupName{Name: "Team"},
					Participants: []types.GroupParticipant{
						{JID: me, IsAdmin: true}, {JID: alice, LID: aliceLID}, {JID: bobLID, PhoneNumber: bob},
						{JID: aliceLID, PhoneNumber: alice}, // listed twice, by both forms
					},
				}},
				&events.GroupInfo{JID: group, Timestamp: at(2), Join: []types.JID{aliceLID}, Promote: []types.JID{aliceLID}, Leave: []types.JID{bob}},
				// An older notification than the joined group's full list: too late.
				&events.GroupInfo{JID: group, Timestamp: epoch.Add(-time.Hour), Join: []types.JID{carol}},
			},
			check: func(t *testing.T, s *snapshot, evs []string) {
				g := s.convs[group.String()]
				roles := map[string]string{}
				for _, p := range g.Participants {
					roles[p.ParticipantJID] = p.Role
				}
				require.Equal(t, map[string]string{me.String(): "admin", alice.String(): "admin"}, roles,
					"alice once (by phone number) and promoted by her LID; bob left by his phone number")
				require.Equal(t, s.contacts[alice.String()].PersonID, personOf(g, alice))
			},
		},
		{
			name: "archive, pin, mute and mark read",
			events: []any{
				watest.Text(alice, alice, "A1", at(1), "x"),
				&events.Pin{JID: alice, Timestamp: at(2), Action: &waSyncAction.PinAction{Pinned: proto.Bool(true)}},
				&events.Mute{JID: alice, Timestamp: at(3), Action: &waSyncAction.MuteAction{Muted: proto.Bool(true), MuteEndTimestamp: proto.Int64(at(3600).Unix())}},
				&events.MarkChatAsRead{JID: alice, Timestamp: at(4), Action: &waSyncAction.MarkChatAsReadAction{Read: proto.Bool(true)}},
				watest.Text(bob, bob, "B1", at(5), "y"),
				&events.Archive{JID: bob, Timestamp: at(6), Action: &waSyncAction.ArchiveChatAction{Archived: proto.Bool(true)}},
			},
			check: func(t *testing.T, s *snapshot, evs []string) {
				a := s.convs[alice.String()]
				require.True(t, a.IsPinned)
				require.Equal(t, at(3600), a.MutedUntil)
				require.Equal(t, 0, a.UnreadCount)
				require.True(t, s.convs[bob.String()].IsArchived)
				require.Contains(t, evs, "conversation.updated")
			},
		},
		{
			name: "delete for me, clear chat, delete chat",
			events: []any{
				watest.Text(alice, alice, "K1", at(1), "keep?"),
				watest.Text(alice, alice, "K2", at(2), "drop"),
				&events.DeleteForMe{ChatJID: alice, SenderJID: alice, MessageID: "K2", Timestamp: at(3), Action: &waSyncAction.DeleteMessageForMeAction{}},
				watest.Text(bob, bob, "B1", at(1), "old"),
				watest.Text(bob, bob, "B2", at(10), "new"),
				&events.ClearChat{JID: bob, Timestamp: at(11), Action: &waSyncAction.ClearChatAction{MessageRange: &waSyncAction.SyncActionMessageRange{LastMessageTimestamp: proto.Int64(at(5).Unix())}}},
				watest.Text(carol, carol, "C1", at(1), "bye"),
				&events.DeleteChat{JID: carol, Timestamp: at(12), Action: &waSyncAction.DeleteChatAction{}},
			},
			check: func(t *testing.T, s *snapshot, _ []string) {
				require.Equal(t, "received", s.msgs["K1"].Status)
				require.Equal(t, "deleted", s.msgs["K2"].Status)
				require.Equal(t, "deleted", s.msgs["B1"].Status, "cleared up to the range end")
				require.Equal(t, "new", s.msgs["B2"].Body, "newer than the range end")
				require.Equal(t, "deleted", s.msgs["C1"].Status)
				require.Equal(t, at(12), s.convs[carol.String()].DeletedAt)
			},
		},
		{
			name: "push names and address book",
			events: []any{
				watest.Message(alice, alice, "N1", at(1), &waE2E.Message{Conversation: proto.String("hi")}),
				&events.PushName{JID: alice, NewPushName: "Ali"},
				&events.Contact{JID: alice, Timestamp: at(2), Action: &waSyncAction.ContactAction{FullName: proto.String("Alice Liddell"), FirstName: proto.String("Alice")}},
				&events.PushName{JID: bob, NewPushName: "Bobby"},
			},
			check: func(t *testing.T, s *snapshot, evs []string) {
				a := s.contacts[alice.String()]
				require.Equal(t, "Ali", a.WhatsAppPushName)
				require.Equal(t, "Alice", a.FirstName)
				require.Equal(t, "Liddell", a.LastName)
				require.Equal(t, "Alice Liddell", a.DisplayName)
				require.Equal(t, "Bobby", s.contacts[bob.String()].DisplayName)
				require.Contains(t, evs, "contact.updated")
			},
		},
	}
}

func personOf(c wauser.Conversation, j types.JID) wauser.PersonID {
	for _, p := range c.Participants {
		if p.ParticipantJID == j.String() {
			return p.PersonID
		}
	}
	return ""
}

// TestIngestEvents feeds real whatsmeow events through the account's event
// handler and checks the records. Every event is delivered twice in a row,
// as WhatsApp redelivers an unacknowledged one: the second delivery must
// change nothing (no new row, no new seq, no new event).
func TestIngestEvents(t *testing.T) {
	t.Parallel()
	for _, tc := range ingestCases() {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			testdb.Each(t, func(t *testing.T, db *testdb.DB) {
				t.Parallel()
				_, bot, conn := paired(t, db)
				before := lastEventSeq(t, bot)
				for i, e := range tc.events {
					require.True(t, conn.Emit(e), "event %d (%T) must be acknowledged", i, e)
					first, err := json.Marshal(feed(t, bot).page)
					require.NoError(t, err)
					lastEvent := lastEventSeq(t, bot)

					require.True(t, conn.Emit(e), "event %d (%T) again", i, e)
					again, err := json.Marshal(feed(t, bot).page)
					require.NoError(t, err)
					require.JSONEq(t, string(first), string(again), "event %d (%T): a second delivery changes nothing", i, e)
					require.Equal(t, lastEvent, lastEventSeq(t, bot), "event %d (%T): a second delivery emits no event", i, e)
				}
				tc.check(t, feed(t, bot), eventTypes(t, bot, before))
			})
		})
	}
}
