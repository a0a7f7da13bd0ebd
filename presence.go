package wauser

import (
	"context"

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
	s.mu.Lock()
	s.available = online
	s.mu.Unlock()
	return nil
}
