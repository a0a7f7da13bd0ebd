package ingest

import (
	"time"

	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser/internal/event"
)

// presence turns a contact's presence (online, or offline with the time
// last seen) into a presence.updated event. Presence is not a record: it is
// not stored, only delivered, like every event, through the outbox.
func (t *Tx) presence(evt *events.Presence) error {
	if evt.From.IsEmpty() {
		return nil
	}
	data := map[string]any{"jid": evt.From.ToNonAD().String(), "online": !evt.Unavailable}
	if !evt.LastSeen.IsZero() {
		data["last_seen"] = evt.LastSeen.UTC().Format(time.RFC3339)
	}
	t.emitData(event.PresenceUpdated, data)
	return nil
}

// blocklist turns a change of the account's blocklist into a
// blocklist.updated event: {"action", "changes": [{"jid", "action"}]}.
// Action "modify" (with no changes) means the whole list changed; ask for
// it again.
func (t *Tx) blocklist(evt *events.Blocklist) error {
	changes := make([]map[string]string, 0, len(evt.Changes))
	for _, c := range evt.Changes {
		changes = append(changes, map[string]string{"jid": c.JID.ToNonAD().String(), "action": string(c.Action)})
	}
	t.emitData(event.BlocklistUpdated, map[string]any{"action": string(evt.Action), "changes": changes})
	return nil
}
