package deliver

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser/internal/store"
)

// TestMultiSessionNames: wauser's events under the multi-session server's
// names, its envelope and message fields, and its names as filters.
func TestMultiSessionNames(t *testing.T) {
	t.Parallel()
	withStatus := func(typ, chat, status string) *store.Event {
		return ev(typ, chat, map[string]any{"status": status})
	}
	for want, e := range map[string]*store.Event{
		MSMessageReceived:        msg("message.received", alice, "text"),
		MSNewsletterMessage:      msg("message.received", channel, "text"),
		MSStatusPosted:           msg("message.sent", bcast, "text"),
		MSStatusDeleted:          msg("message.deleted", bcast, "text"),
		MSMessageDeleted:         msg("message.deleted", group, "text"),
		MSMessageDelivered:       withStatus("message.status", alice, "delivered"),
		MSMessageRead:            withStatus("message.status", alice, "read"),
		MSMessagePlayed:          withStatus("message.status", alice, "played"),
		MSStatusViewed:           withStatus("message.status", bcast, "read"),
		MSConnectionConnected:    ev("account.connected", "", map[string]any{"jid": me}),
		MSConnectionReconnecting: ev("account.disconnected", "", map[string]any{"state": "reconnecting"}),
		MSConnectionDisconnected: ev("account.disconnected", "", map[string]any{"state": "stream_replaced"}),
		MSConnectionLoggedOut:    ev("account.logged_out", "", nil),
		MSCallOffer:              ev("call.offer", "", nil),
		MSGroupJoin:              ev("group.joined", group, nil),
		MSBlocklistChange:        ev("blocklist.updated", "", nil),
	} {
		require.Equal(t, want, MultiSessionType(e), "%s %s", e.Type, e.Data)
	}
	for _, e := range []*store.Event{msg("message.edited", alice, "text"), msg("message.reaction", alice, "text"),
		withStatus("message.status", alice, "pending"), ev("account.qr", "", nil), ev("call.missed", "", nil)} {
		require.Empty(t, MultiSessionType(e), "%s has no name there", e.Type)
		_, ok := Render(FormatMultiSession, e, Account{})
		require.False(t, ok, "%s is not delivered", e.Type)
	}

	in := ev("message.received", alice, map[string]any{"wa_message_id": "3EB0X", "message_id": "msg_1", "sender_jid": alice,
		"sent_at": "2026-01-02T03:04:05Z", "is_from_me": false, "body": "hi"})
	b, ok := Render(FormatMultiSession, in, Account{JID: me})
	require.True(t, ok)
	var got struct {
		EventType string         `json:"event_type"`
		DeviceID  string         `json:"device_id"`
		Data      map[string]any `json:"data"`
	}
	require.NoError(t, json.Unmarshal(b, &got))
	require.Equal(t, "message.received", got.EventType)
	require.Equal(t, "a", got.DeviceID)
	require.Equal(t, "3EB0X", got.Data["message_id"])
	require.Equal(t, "msg_1", got.Data["id"])
	require.Equal(t, alice, got.Data["from"])
	require.Equal(t, alice, got.Data["chat"])
	require.Equal(t, float64(1767323045), got.Data["timestamp"])
	require.Equal(t, "hi", got.Data["body"], "wauser's fields stay")

	b, ok = Render(FormatMultiSession, ev("account.logged_out", "", map[string]any{"reason": "unlinked"}), Account{JID: me})
	require.True(t, ok)
	require.NoError(t, json.Unmarshal(b, &got))
	require.Equal(t, "15551234567", got.Data["jid"], "the phone number, as the server sends it")
	require.Equal(t, false, got.Data["is_logged_in"])

	// As filters, the server's names and families.
	hook := &store.Webhook{Format: FormatMultiSession, EventTypes: []string{"status.*", "message.read"}}
	require.True(t, Match(hook, msg("message.received", bcast, "text"), Account{}))
	require.True(t, Match(hook, withStatus("message.status", alice, "read"), Account{}))
	require.False(t, Match(hook, msg("message.received", alice, "text"), Account{}))
	require.False(t, Match(hook, withStatus("message.status", alice, "delivered"), Account{}))
	require.True(t, ValidMultiSessionEvent("status.*"))
	require.True(t, ValidMultiSessionEvent("*"))
	require.False(t, ValidMultiSessionEvent("message.edited"))
	require.False(t, ValidMultiSessionEvent("nope.*"))
}
