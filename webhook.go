package wauser

import (
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"slices"
	"time"

	"github.com/wauser/wauser/store"
)

// WebhookRequest registers a webhook endpoint for an account (document
// 003's events.Webhook).
type WebhookRequest struct {
	// URL receives the events; an absolute http or https URL, unique per
	// account.
	URL string `json:"url"`
	// Headers are sent with every delivery.
	Headers map[string]string `json:"headers,omitempty"`
	// EventTypes selects events by name; empty or "*" means all.
	EventTypes []string `json:"event_types,omitempty"`
	// ChatIDs keeps events of these chats (JIDs with server).
	ChatIDs []string `json:"chat_ids,omitempty"`
	// ChatTypes keeps events of these kinds of chat: contact, group,
	// channel, broadcast.
	ChatTypes []string `json:"chat_types,omitempty"`
	// Mentions keeps message events that @mention these JIDs; "me" is the
	// account itself.
	Mentions []string `json:"mentions,omitempty"`
	// MessageTypes keeps message events of these content types.
	MessageTypes []string `json:"message_types,omitempty"`
	// SettingsTypes keeps events of these families: chats, messages, groups,
	// system. When set, ChatIDs, ChatTypes and MessageTypes are ignored.
	SettingsTypes []string `json:"settings_types,omitempty"`
}

var (
	webhookChatTypes     = []string{"contact", "group", "channel", "broadcast"}
	webhookSettingsTypes = []string{"chats", "messages", "groups", "system"}
)

// row validates r and builds the stored webhook with a fresh signing secret.
func (r WebhookRequest) row(account AccountID, now time.Time) (*store.Webhook, error) {
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, invalidArg("url", "%q is not an absolute http or https URL", r.URL)
	}
	for _, t := range r.ChatTypes {
		if !slices.Contains(webhookChatTypes, t) {
			return nil, invalidArg("chat_types", "%q is not one of %v", t, webhookChatTypes)
		}
	}
	for _, t := range r.SettingsTypes {
		if !slices.Contains(webhookSettingsTypes, t) {
			return nil, invalidArg("settings_types", "%q is not one of %v", t, webhookSettingsTypes)
		}
	}
	events := r.EventTypes
	if len(events) == 0 {
		events = []string{"*"}
	}
	return &store.Webhook{
		ID:            randomID("wh_"),
		AccountID:     string(account),
		URL:           u.String(),
		Headers:       orEmptyMap(r.Headers),
		EventTypes:    slices.Clone(events),
		ChatIDs:       orEmpty(r.ChatIDs),
		ChatTypes:     orEmpty(r.ChatTypes),
		Mentions:      orEmpty(r.Mentions),
		MessageTypes:  orEmpty(r.MessageTypes),
		SettingsTypes: orEmpty(r.SettingsTypes),
		Secret:        newWebhookSecret(),
		Enabled:       true,
		CreatedAt:     now,
		UpdatedAt:     now,
	}, nil
}

// newWebhookSecret returns a Standard Webhooks secret: "whsec_" and 32
// random bytes in base64.
func newWebhookSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return "whsec_" + base64.StdEncoding.EncodeToString(b[:])
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

func orEmptyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
