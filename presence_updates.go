package wauser

import (
	"context"
	"time"
)

// Presence is whether others see the account online.
type Presence string

// Presences.
const (
	PresenceAvailable   Presence = "available"   // online
	PresenceUnavailable Presence = "unavailable" // offline, showing when it was last seen
)

// SetPresence sets whether others see the account online: available or
// unavailable. It is SetOnline by WhatsApp's names; see there for what
// each means and how long it lasts.
func (c *Client) SetPresence(ctx context.Context, presence Presence) error {
	switch presence {
	case PresenceAvailable:
		return c.SetOnline(ctx, true)
	case PresenceUnavailable:
		return c.SetOnline(ctx, false)
	}
	return invalidArg("presence", "%q is not %q or %q", presence, PresenceAvailable, PresenceUnavailable)
}

// SubscribePresence asks WhatsApp to tell the account when a person comes
// online or goes offline: presence.updated events follow, the first with
// their presence now. WhatsApp sends presences only while the account is
// itself available (SetPresence) and only of people whose privacy settings
// let it see them. The subscription lasts until the connection ends:
// subscribe again after a reconnect (account.connected).
//
// Presence is not stored: each change is one presence.updated event,
// delivered like every event to handlers and webhooks.
func (c *Client) SubscribePresence(ctx context.Context, who string) error {
	jid, err := parseUser("who", who)
	if err != nil {
		return err
	}
	s, err := c.online(ctx)
	if err != nil {
		return err
	}
	if err := s.conn.Client.SubscribePresence(ctx, jid); err != nil {
		return waError("subscribe presence", err)
	}
	return nil
}

// PresenceData is the data of presence.updated events.
type PresenceData struct {
	JID    string `json:"jid"`
	Online bool   `json:"online"`
	// LastSeen is when the person was last online, when they went
	// offline and their privacy settings show it.
	LastSeen time.Time `json:"last_seen,omitzero"`
}

// Presence decodes the data of a presence.updated event.
func (e Event) Presence() (*PresenceData, error) {
	return decodeData[PresenceData](e, "presence", func(t EventType) bool { return t == EventPresenceUpdated })
}

// OnPresence registers fn for presence.updated events with their decoded
// data, as OnEvent does.
func (c *Client) OnPresence(fn func(ctx context.Context, e Event, p *PresenceData)) (remove func()) {
	return onTyped(c, Event.Presence, fn, EventPresenceUpdated)
}
