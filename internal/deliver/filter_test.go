package deliver

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser/internal/store"
)

const (
	me      = "15551234567@s.whatsapp.net"
	meLID   = "123456789012345@lid"
	alice   = "15550001111@s.whatsapp.net"
	group   = "120363025246125486@g.us"
	channel = "120363144038483540@newsletter"
	bcast   = "status@broadcast"
)

func ev(typ, chat string, data map[string]any) *store.Event {
	if data == nil {
		data = map[string]any{}
	}
	if chat != "" {
		data["chat_jid"] = chat
	}
	raw, _ := json.Marshal(data)
	return &store.Event{AccountID: "a", ID: "evt", Type: typ, ChatJID: chat, ConversationID: "conv_" + chat, Data: string(raw), Seq: 1}
}

func msg(typ, chat, content string, mentions ...string) *store.Event {
	if mentions == nil {
		mentions = []string{}
	}
	return ev(typ, chat, map[string]any{"content_type": content, "mentions": mentions, "direction": "incoming"})
}

// Acceptance 3: every filter field, "me" mentions, settings_types
// overriding the chat and message filters, and only_status_updates.
func TestMatch(t *testing.T) {
	t.Parallel()
	acct := Account{JID: me, LID: meLID}
	statusOnly := Account{JID: me, OnlyStatusUpdates: true}
	outgoingStatus := ev("message.status", alice, map[string]any{"direction": "outgoing", "is_from_me": true, "status": "read", "content_type": "text"})
	incomingStatus := ev("message.status", alice, map[string]any{"direction": "incoming", "status": "read", "content_type": "text"})
	for _, tc := range []struct {
		name string
		hook store.Webhook
		acct Account
		ev   *store.Event
		want bool
	}{
		{"no filter passes a message", store.Webhook{}, acct, msg("message.received", alice, "text"), true},
		{"no filter passes an account event", store.Webhook{}, acct, ev("account.connected", "", nil), true},
		{"star", store.Webhook{EventTypes: []string{"*"}}, acct, ev("group.joined", group, nil), true},

		{"event_types exact", store.Webhook{EventTypes: []string{"message.received"}}, acct, msg("message.received", alice, "text"), true},
		{"event_types other", store.Webhook{EventTypes: []string{"message.received"}}, acct, msg("message.sent", alice, "text"), false},
		{"event_types family", store.Webhook{EventTypes: []string{"message.*"}}, acct, msg("message.edited", alice, "text"), true},
		{"event_types family other", store.Webhook{EventTypes: []string{"message.*"}}, acct, ev("conversation.updated", alice, nil), false},
		{"event_types family is not a prefix", store.Webhook{EventTypes: []string{"account.*"}}, acct, ev("accounting.x", "", nil), false},

		{"chat_ids match", store.Webhook{ChatIDs: []string{alice}}, acct, msg("message.received", alice, "text"), true},
		{"chat_ids ignore device part", store.Webhook{ChatIDs: []string{"15550001111:3@s.whatsapp.net"}}, acct, msg("message.received", alice, "text"), true},
		{"chat_ids other chat", store.Webhook{ChatIDs: []string{group}}, acct, msg("message.received", alice, "text"), false},
		{"chat_ids match a conversation event", store.Webhook{ChatIDs: []string{group}}, acct, ev("group.updated", group, nil), true},
		{"chat_ids drop events about no chat", store.Webhook{ChatIDs: []string{alice}}, acct, ev("account.connected", "", nil), false},
		{"chat_ids read data when the column is empty", store.Webhook{ChatIDs: []string{alice}}, acct,
			&store.Event{Type: "message.received", Data: `{"chat_jid":"` + alice + `"}`}, true},

		{"chat_types contact", store.Webhook{ChatTypes: []string{"contact"}}, acct, msg("message.received", alice, "text"), true},
		{"chat_types contact by lid", store.Webhook{ChatTypes: []string{"contact"}}, acct, msg("message.received", "99887766@lid", "text"), true},
		{"chat_types group", store.Webhook{ChatTypes: []string{"group"}}, acct, msg("message.received", group, "text"), true},
		{"chat_types group vs contact", store.Webhook{ChatTypes: []string{"group"}}, acct, msg("message.received", alice, "text"), false},
		{"chat_types channel", store.Webhook{ChatTypes: []string{"channel"}}, acct, msg("message.received", channel, "text"), true},
		{"chat_types broadcast", store.Webhook{ChatTypes: []string{"broadcast"}}, acct, msg("message.received", bcast, "image"), true},
		{"chat_types several", store.Webhook{ChatTypes: []string{"channel", "group"}}, acct, msg("message.received", group, "text"), true},
		{"chat_ids and chat_types both hold", store.Webhook{ChatIDs: []string{group}, ChatTypes: []string{"group"}}, acct, msg("message.received", group, "text"), true},
		{"chat_ids and chat_types one fails", store.Webhook{ChatIDs: []string{alice}, ChatTypes: []string{"group"}}, acct, msg("message.received", alice, "text"), false},

		{"message_types match", store.Webhook{MessageTypes: []string{"image", "video"}}, acct, msg("message.received", alice, "image"), true},
		{"message_types other", store.Webhook{MessageTypes: []string{"image"}}, acct, msg("message.received", alice, "text"), false},
		{"message_types drop non-message events", store.Webhook{MessageTypes: []string{"text"}}, acct, ev("conversation.updated", alice, nil), false},
		{"chat_types and message_types", store.Webhook{ChatTypes: []string{"group"}, MessageTypes: []string{"poll"}}, acct, msg("message.received", group, "poll"), true},

		{"mentions a JID", store.Webhook{Mentions: []string{alice}}, acct, msg("message.received", group, "text", alice), true},
		{"mentions another JID", store.Webhook{Mentions: []string{alice}}, acct, msg("message.received", group, "text", "15559999999@s.whatsapp.net"), false},
		{"mentions none", store.Webhook{Mentions: []string{alice}}, acct, msg("message.received", group, "text"), false},
		{"mentions me by phone JID", store.Webhook{Mentions: []string{"me"}}, acct, msg("message.received", group, "text", me), true},
		{"mentions me by LID", store.Webhook{Mentions: []string{"me"}}, acct, msg("message.received", group, "text", meLID), true},
		{"mentions me, someone else mentioned", store.Webhook{Mentions: []string{"me"}}, acct, msg("message.received", group, "text", alice), false},
		{"mentions me before pairing", store.Webhook{Mentions: []string{"me"}}, Account{}, msg("message.received", group, "text", me), false},
		{"mentions drop non-message events", store.Webhook{Mentions: []string{"me"}}, acct, ev("group.updated", group, nil), false},

		{"settings chats", store.Webhook{SettingsTypes: []string{"chats"}}, acct, ev("conversation.updated", alice, nil), true},
		{"settings chats has contacts and history", store.Webhook{SettingsTypes: []string{"chats"}}, acct, ev("history.sync", "", nil), true},
		{"settings chats not messages", store.Webhook{SettingsTypes: []string{"chats"}}, acct, msg("message.received", alice, "text"), false},
		{"settings messages", store.Webhook{SettingsTypes: []string{"messages"}}, acct, msg("message.reaction", alice, "text"), true},
		{"settings groups", store.Webhook{SettingsTypes: []string{"groups"}}, acct, ev("group.updated", group, nil), true},
		{"settings groups not account", store.Webhook{SettingsTypes: []string{"groups"}}, acct, ev("account.logged_out", "", nil), false},
		{"settings system account", store.Webhook{SettingsTypes: []string{"system"}}, acct, ev("account.logged_out", "", nil), true},
		{"settings system group.joined", store.Webhook{SettingsTypes: []string{"system"}}, acct, ev("group.joined", group, nil), true},
		{"settings system not messages", store.Webhook{SettingsTypes: []string{"system"}}, acct, msg("message.received", alice, "text"), false},
		{"settings override chat_ids", store.Webhook{SettingsTypes: []string{"messages"}, ChatIDs: []string{group}}, acct, msg("message.received", alice, "text"), true},
		{"settings override chat_types", store.Webhook{SettingsTypes: []string{"system"}, ChatTypes: []string{"group"}}, acct, ev("account.connected", "", nil), true},
		{"settings override message_types", store.Webhook{SettingsTypes: []string{"messages"}, MessageTypes: []string{"image"}}, acct, msg("message.received", alice, "text"), true},
		{"settings override mentions", store.Webhook{SettingsTypes: []string{"messages"}, Mentions: []string{"me"}}, acct, msg("message.received", alice, "text"), true},
		{"settings still need event_types", store.Webhook{SettingsTypes: []string{"messages"}, EventTypes: []string{"message.sent"}}, acct, msg("message.received", alice, "text"), false},

		{"only_status_updates keeps outgoing status", store.Webhook{}, statusOnly, outgoingStatus, true},
		{"only_status_updates drops incoming status", store.Webhook{}, statusOnly, incomingStatus, false},
		{"only_status_updates drops messages", store.Webhook{}, statusOnly, msg("message.received", alice, "text"), false},
		{"only_status_updates drops account events", store.Webhook{}, statusOnly, ev("account.connected", "", nil), false},
		{"only_status_updates with filters", store.Webhook{ChatTypes: []string{"group"}}, statusOnly, outgoingStatus, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, Match(&tc.hook, tc.ev, tc.acct))
		})
	}
}

func TestAccountOfStripsDevice(t *testing.T) {
	t.Parallel()
	a := AccountOf(&store.Account{JID: "15551234567:7@s.whatsapp.net", LID: "123456789012345:7@lid", OnlyStatusUpdates: true})
	require.Equal(t, Account{JID: me, LID: meLID, OnlyStatusUpdates: true}, a)
	require.Equal(t, Account{}, AccountOf(&store.Account{}))
}

func TestFanoutSkipsOlderEventsAndRenders(t *testing.T) {
	t.Parallel()
	hooks := []*store.Webhook{{ID: "wh_1", AccountID: "a", StartSeq: 1}, {ID: "wh_2", AccountID: "a", ChatTypes: []string{"group"}}}
	e1, e2 := msg("message.received", alice, "text"), msg("message.received", alice, "text")
	e1.Seq, e2.Seq, e2.ID = 1, 2, "evt2"
	ds := Fanout(hooks, []*store.Event{e1, e2}, Account{}, e1.OccurredAt)
	require.Len(t, ds, 1, "wh_1 was created after event 1; wh_2 wants groups only")
	require.Equal(t, "wh_1", ds[0].WebhookID)
	require.Equal(t, int64(2), ds[0].EventSeq)
	require.Equal(t, "conv_"+alice, ds[0].OrderingKey)
	var env map[string]any
	require.NoError(t, json.Unmarshal([]byte(ds[0].Payload), &env))
	require.Equal(t, "evt2", env["id"])
	require.EqualValues(t, 2, env["seq"])
	require.Equal(t, "message.received", env["type"])
	require.Contains(t, env, "occurred_at")
	require.Equal(t, "text", env["data"].(map[string]any)["content_type"])
}

// A webhook of another account receives an account's events only when it
// is for all accounts, and then those that occurred since it was created.
func TestFanoutAllAccounts(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	hooks := []*store.Webhook{
		{ID: "wh_own", AccountID: "a", Format: FormatWauser},
		{ID: "wh_other", AccountID: "b", Format: FormatWauser},
		{ID: "wh_all", AccountID: "b", AllAccounts: true, StartSeq: 99, CreatedAt: created, Format: FormatWhatsAppUse},
	}
	before, after := msg("message.received", alice, "text"), msg("message.received", alice, "text")
	before.OccurredAt, after.OccurredAt = created.Add(-time.Second), created
	before.ID, after.ID, after.Seq = "evt1", "evt2", 2
	ds := Fanout(hooks, []*store.Event{before, after}, Account{}, created)
	var got []string
	for _, d := range ds {
		got = append(got, d.WebhookID+"/"+d.EventID)
	}
	require.Equal(t, []string{"wh_own/evt1", "wh_own/evt2", "wh_all/evt2"}, got,
		"the all-accounts webhook's StartSeq is of its own account; another account's events count from its creation")
	var env map[string]any
	require.NoError(t, json.Unmarshal([]byte(ds[2].Payload), &env))
	require.Equal(t, "whatsapp.message.received", env["type"], "rendered in the webhook's own format")
	require.Equal(t, "a", env["connection_id"])
}

// TestRenderWhatsAppUse: the WhatsApp Use format names events as that API
// does, leaves out those it has no name for and the account's own
// reactions, and shows connection changes as a status.
func TestRenderWhatsAppUse(t *testing.T) {
	t.Parallel()
	acct := Account{JID: me, LID: meLID}
	render := func(e *store.Event) map[string]any {
		t.Helper()
		b, ok := Render(FormatWhatsAppUse, e, acct)
		if !ok {
			return nil
		}
		var v map[string]any
		require.NoError(t, json.Unmarshal(b, &v))
		return v
	}
	got := render(msg("message.received", alice, "text"))
	require.Equal(t, []string{"connection_id", "id", "occurred_at", "payload", "type"}, sortedKeys(got))
	require.Equal(t, "text", got["payload"].(map[string]any)["message"].(map[string]any)["content_type"])
	for ours, spec := range map[string]string{
		"message.sent": UseMessageSent, "message.edited": UseMessageEdited, "message.deleted": UseMessageDeleted,
		"message.status": UseReceiptUpdated,
	} {
		require.Equal(t, spec, render(msg(ours, alice, "text"))["type"], ours)
	}
	theirs := ev("message.reaction", alice, map[string]any{"reaction": map[string]any{"sender_jid": alice, "emoji": "👍"}})
	got = render(theirs)
	require.Equal(t, UseReactionReceived, got["type"])
	require.Equal(t, "👍", got["payload"].(map[string]any)["reaction"].(map[string]any)["emoji"])
	require.NotContains(t, got["payload"].(map[string]any)["message"], "reaction")
	mine := ev("message.reaction", alice, map[string]any{"reaction": map[string]any{"sender_jid": meLID, "emoji": "👍"}})
	require.Nil(t, render(mine), "the account's own reaction is not received")
	for _, typ := range []string{"conversation.updated", "contact.updated", "group.updated", "group.joined", "history.sync", "account.qr"} {
		require.Nil(t, render(ev(typ, "", nil)), typ)
	}
	got = render(ev("account.connected", "", map[string]any{"jid": me}))
	require.Equal(t, UseConnectionStatus, got["type"])
	st := got["payload"].(map[string]any)["status"].(map[string]any)
	require.Equal(t, true, st["connected"])
	require.Equal(t, me, st["jid"])
	st = render(ev("account.disconnected", "", map[string]any{"state": "reconnecting", "error": "socket closed"}))["payload"].(map[string]any)["status"].(map[string]any)
	require.Equal(t, false, st["connected"])
	require.Equal(t, true, st["connector_ready"])
	require.Equal(t, "socket closed", st["connector_error"])
	b, ok := Render(FormatWauser, ev("account.qr", "", nil), acct)
	require.True(t, ok, "the wauser format has every event")
	require.Contains(t, string(b), `"type":"account.qr"`)
}

func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
