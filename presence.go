package wauser

import (
	"context"
	"time"

	"go.mau.fi/whatsmeow/types"
)

// ChatPresence is what the account shows it is doing in a chat (document
// 003's typing and recording statuses).
type ChatPresence string

// Chat presences.
const (
	PresenceTyping    ChatPresence = "typing"    // composing a text
	PresenceRecording ChatPresence = "recording" // recording a voice note
	PresencePaused    ChatPresence = "paused"    // stopped typing or recording
)

// SendChatPresence shows the other side of a chat (a person or a group)
// that the account is typing or recording, or has paused. WhatsApp clears
// the indicator by itself after a while, and when a message arrives.
func (c *Client) SendChatPresence(ctx context.Context, chat string, presence ChatPresence) error {
	jid, err := parseChat("chat", chat)
	if err != nil {
		return err
	}
	if _, _, err := chatPresence(presence); err != nil {
		return err
	}
	s, err := c.online(ctx)
	if err != nil {
		return err
	}
	return s.sendChatPresence(ctx, jid, presence)
}

// chatPresence returns whatsmeow's state and media of a presence.
func chatPresence(presence ChatPresence) (types.ChatPresence, types.ChatPresenceMedia, error) {
	switch presence {
	case PresenceTyping:
		return types.ChatPresenceComposing, types.ChatPresenceMediaText, nil
	case PresenceRecording:
		return types.ChatPresenceComposing, types.ChatPresenceMediaAudio, nil
	case PresencePaused:
		return types.ChatPresencePaused, types.ChatPresenceMediaText, nil
	}
	return "", "", invalidArg("presence", "%q is not %q, %q or %q", presence, PresenceTyping, PresenceRecording, PresencePaused)
}

// sendChatPresence sends a validated presence to chat jid.
func (s *session) sendChatPresence(ctx context.Context, jid types.JID, presence ChatPresence) error {
	state, media, err := chatPresence(presence)
	if err != nil {
		return err
	}
	if err := s.conn.Client.SendChatPresence(ctx, jid, state, media); err != nil {
		return waError("send chat presence", err)
	}
	return nil
}

// SetOnline sets whether others see the account as online. By default it
// is not (presence "unavailable", announced on every connection, as
// official linked devices do while nobody uses them): the phone keeps
// getting notifications, and the account's name shows to others instead
// of "-". Online ("available") shows "online" in its chats, stops the
// phone's notifications while it lasts, and lets the account receive
// others' typing indicators (events are not emitted for those yet). The
// choice lasts for the Client's session of the account and is announced
// again after every reconnect. It needs a connection and the account's
// profile name, which the phone syncs shortly after pairing.
func (c *Client) SetOnline(ctx context.Context, online bool) error {
	s, err := c.online(ctx)
	if err != nil {
		return err
	}
	presence := types.PresenceUnavailable
	if online {
		presence = types.PresenceAvailable
	}
	if err := s.conn.Client.SendPresence(ctx, presence); err != nil {
		return waError("set online", err)
	}
	s.SetAvailable(online)
	return nil
}

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
