package ingest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/event"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
)

var (
	own   = types.NewJID("15550000009", types.DefaultUserServer)
	alice = types.NewJID("15550000001", types.DefaultUserServer)
	bob   = types.NewJID("15550000002", types.DefaultUserServer)
	group = types.NewJID("120363000000000001", types.GroupServer)
	t0    = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
)

// msg builds the *events.Message whatsmeow dispatches for m, received in
// chat from sender.
func msg(chat, sender types.JID, id string, at time.Time, m *waE2E.Message) *events.Message {
	evt := &events.Message{
		Info: types.MessageInfo{
			MessageSource: types.MessageSource{Chat: chat, Sender: sender, IsGroup: chat.Server == types.GroupServer, IsFromMe: sender == own},
			ID:            id, Timestamp: at,
		},
		RawMessage: m,
	}
	return evt.UnwrapRaw()
}

func text(chat, sender types.JID, id string, at time.Time, body string) *events.Message {
	return msg(chat, sender, id, at, &waE2E.Message{Conversation: proto.String(body)})
}

func key(chat types.JID, id string, fromMe bool, sender types.JID) *waCommon.MessageKey {
	k := &waCommon.MessageKey{RemoteJID: proto.String(chat.String()), FromMe: proto.Bool(fromMe), ID: proto.String(id)}
	if chat.Server == types.GroupServer {
		k.Participant = proto.String(sender.String())
	}
	return k
}

// ingested is what the store holds after events, and the types of the
// events written for the last one.
type ingested struct {
	msgs   map[string]*store.Message // by WhatsApp id
	convs  []*store.Conversation
	events []string
}

func ingest(t *testing.T, db *testdb.DB, evts ...any) ingested {
	t.Helper()
	ctx := context.Background()
	st := db.OpenEngine(t)
	require.NoError(t, st.CreateAccount(ctx, &store.Account{ID: "acc", State: "connected", CreatedAt: t0, UpdatedAt: t0}, nil))
	in := New(st, Options{Now: func() time.Time { return t0.Add(time.Hour) }})
	acc := &Account{ID: "acc", Own: own}
	var before int64
	for _, e := range evts {
		evs, err := st.ListEvents(ctx, "acc", 0, 1000)
		require.NoError(t, err)
		if len(evs) > 0 {
			before = evs[len(evs)-1].Seq
		}
		require.NoError(t, in.Handle(ctx, acc, e))
	}
	var out ingested
	rows, err := store.AllMessages(ctx, st.DB(), "acc")
	require.NoError(t, err)
	out.msgs = map[string]*store.Message{}
	for _, m := range rows {
		if m.MergedInto == "" {
			out.msgs[m.WAMessageID] = m
		}
	}
	page, err := st.ListEvents(ctx, "acc", before, 1000)
	require.NoError(t, err)
	for _, e := range page {
		out.events = append(out.events, e.Type)
	}
	ids := []string{}
	for _, m := range rows {
		ids = append(ids, m.ConversationID)
	}
	out.convs, err = store.ConversationRows(ctx, st.DB(), "acc", ids...)
	require.NoError(t, err)
	return out
}

// Table of whatsmeow events and the rows and outbox events they leave.
func TestHandleMapsEventsToRows(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		events []any
		check  func(t *testing.T, got ingested)
		emits  []event.Type // events of the last one, in order
	}{
		{
			name:   "received text",
			events: []any{text(alice, alice, "A1", t0, "hello")},
			// No contact.updated: the message says nothing of the sender
			// but their number (no push name).
			emits: []event.Type{event.ConversationUpdated, event.MessageReceived},
			check: func(t *testing.T, got ingested) {
				m := got.msgs["A1"]
				require.NotNil(t, m)
				require.Equal(t, TypeText, m.ContentType)
				require.Equal(t, "hello", m.Body)
				require.Equal(t, "incoming", m.Direction)
				require.False(t, m.IsFromMe)
				require.Equal(t, alice.String(), m.ChatJID)
				require.Equal(t, t0, m.SentAt.UTC())
				require.NotEmpty(t, m.SenderPersonID)
				require.Len(t, got.convs, 1)
				require.Equal(t, KindDirect, got.convs[0].Kind)
			},
		},
		{
			name:   "the same message twice changes nothing",
			events: []any{text(alice, alice, "A1", t0, "hello"), text(alice, alice, "A1", t0, "hello")},
			emits:  nil,
			check: func(t *testing.T, got ingested) {
				require.Len(t, got.msgs, 1)
			},
		},
		{
			name: "edit",
			events: []any{text(alice, alice, "A1", t0, "helo"),
				msg(alice, alice, "E1", t0.Add(time.Minute), &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
					Type: waE2E.ProtocolMessage_MESSAGE_EDIT.Enum(), Key: key(alice, "A1", false, alice),
					EditedMessage: &waE2E.Message{Conversation: proto.String("hello")}, TimestampMS: proto.Int64(t0.Add(time.Minute).UnixMilli()),
				}})},
			emits: []event.Type{event.MessageEdited},
			check: func(t *testing.T, got ingested) {
				require.Len(t, got.msgs, 1, "an edit is no message of its own")
				m := got.msgs["A1"]
				require.Equal(t, "hello", m.Body)
				require.Equal(t, t0.Add(time.Minute), m.EditedAt.UTC())
			},
		},
		{
			name: "revoke leaves a tombstone",
			events: []any{text(alice, alice, "A1", t0, "oops"),
				msg(alice, alice, "R1", t0.Add(time.Minute), &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
					Type: waE2E.ProtocolMessage_REVOKE.Enum(), Key: key(alice, "A1", false, alice)}})},
			emits: []event.Type{event.MessageDeleted},
			check: func(t *testing.T, got ingested) {
				m := got.msgs["A1"]
				require.False(t, m.DeletedAt.IsZero())
				require.Empty(t, m.Body)
			},
		},
		{
			name: "reaction, then its removal",
			events: []any{text(alice, alice, "A1", t0, "lunch?"),
				msg(alice, alice, "X1", t0.Add(time.Minute), &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{
					Key: key(alice, "A1", false, alice), Text: proto.String("👍"), SenderTimestampMS: proto.Int64(t0.Add(time.Minute).UnixMilli())}})},
			emits: []event.Type{event.MessageReaction},
			check: func(t *testing.T, got ingested) {
				require.Len(t, got.msgs, 1, "a reaction is no message of its own")
				require.Equal(t, map[string]string{alice.String(): "👍"}, got.msgs["A1"].Reactions)
			},
		},
		{
			name: "an older reaction does not replace a newer one",
			events: []any{text(alice, alice, "A1", t0, "lunch?"),
				msg(alice, alice, "X2", t0.Add(2*time.Minute), &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{
					Key: key(alice, "A1", false, alice), Text: proto.String("❤️"), SenderTimestampMS: proto.Int64(t0.Add(2 * time.Minute).UnixMilli())}}),
				msg(alice, alice, "X1", t0.Add(time.Minute), &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{
					Key: key(alice, "A1", false, alice), Text: proto.String("👍"), SenderTimestampMS: proto.Int64(t0.Add(time.Minute).UnixMilli())}})},
			emits: nil,
			check: func(t *testing.T, got ingested) {
				require.Equal(t, map[string]string{alice.String(): "❤️"}, got.msgs["A1"].Reactions)
			},
		},
		{
			name: "read receipt of the account's message",
			events: []any{text(alice, own, "M1", t0, "hi alice"),
				&events.Receipt{MessageSource: types.MessageSource{Chat: alice, Sender: alice}, MessageIDs: []string{"M1"},
					Timestamp: t0.Add(time.Minute), Type: types.ReceiptTypeRead}},
			emits: []event.Type{event.MessageStatus},
			check: func(t *testing.T, got ingested) {
				m := got.msgs["M1"]
				require.True(t, m.IsFromMe)
				require.Equal(t, "outgoing", m.Direction)
				require.Equal(t, StatusRead, m.Status)
			},
		},
		{
			name: "a delivery receipt after the read one does not lower the status",
			events: []any{text(alice, own, "M1", t0, "hi alice"),
				&events.Receipt{MessageSource: types.MessageSource{Chat: alice, Sender: alice}, MessageIDs: []string{"M1"},
					Timestamp: t0.Add(time.Minute), Type: types.ReceiptTypeRead},
				&events.Receipt{MessageSource: types.MessageSource{Chat: alice, Sender: alice}, MessageIDs: []string{"M1"},
					Timestamp: t0.Add(2 * time.Minute), Type: types.ReceiptTypeDelivered}},
			emits: nil,
			check: func(t *testing.T, got ingested) {
				require.Equal(t, StatusRead, got.msgs["M1"].Status)
			},
		},
		{
			name: "location in a group",
			events: []any{msg(group, bob, "G1", t0, &waE2E.Message{LocationMessage: &waE2E.LocationMessage{
				DegreesLatitude: proto.Float64(52.5), DegreesLongitude: proto.Float64(13.4), Name: proto.String("Office")}})},
			check: func(t *testing.T, got ingested) {
				m := got.msgs["G1"]
				require.Equal(t, TypeLocation, m.ContentType)
				require.Equal(t, "Office", m.Body)
				require.Equal(t, bob.String(), m.SenderJID)
				var extra map[string]any
				require.NoError(t, json.Unmarshal([]byte(m.Extra), &extra))
				require.Equal(t, 52.5, extra["latitude"])
				require.Len(t, got.convs, 1)
				require.Equal(t, KindGroup, got.convs[0].Kind)
			},
			// A group known only from a message: its row is stored, with no
			// conversation event of its own.
			emits: []event.Type{event.MessageReceived},
		},
		{
			name: "poll",
			events: []any{msg(alice, alice, "P1", t0, &waE2E.Message{PollCreationMessageV3: &waE2E.PollCreationMessage{
				Name: proto.String("Lunch?"), SelectableOptionsCount: proto.Uint32(1),
				Options: []*waE2E.PollCreationMessage_Option{{OptionName: proto.String("Yes")}, {OptionName: proto.String("No")}}}})},
			emits: []event.Type{event.ConversationUpdated, event.MessageReceived},
			check: func(t *testing.T, got ingested) {
				m := got.msgs["P1"]
				require.Equal(t, TypePoll, m.ContentType)
				require.Equal(t, "Lunch?", m.Body)
				require.Contains(t, m.Extra, `"options":["Yes","No"]`)
			},
		},
		{
			name: "contact card",
			events: []any{msg(alice, alice, "C1", t0, &waE2E.Message{ContactMessage: &waE2E.ContactMessage{
				DisplayName: proto.String("Bob"), Vcard: proto.String("BEGIN:VCARD\nEND:VCARD")}})},
			emits: []event.Type{event.ConversationUpdated, event.MessageReceived},
			check: func(t *testing.T, got ingested) {
				m := got.msgs["C1"]
				require.Equal(t, TypeContact, m.ContentType)
				require.Equal(t, "Bob", m.Body)
				require.Contains(t, m.Extra, `"display_name":"Bob"`)
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			testdb.Each(t, func(t *testing.T, db *testdb.DB) {
				t.Parallel()
				got := ingest(t, db, tc.events...)
				tc.check(t, got)
				want := []string{}
				for _, e := range tc.emits {
					want = append(want, string(e))
				}
				if got.events == nil {
					got.events = []string{}
				}
				require.Equal(t, want, got.events)
			})
		})
	}
}
