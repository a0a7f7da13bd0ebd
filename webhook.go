package wauser

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser/internal/deliver"
	"github.com/wauser/wauser/internal/event"
	"github.com/wauser/wauser/internal/netguard"
	"github.com/wauser/wauser/internal/store"
)

// WebhookID names a registered webhook endpoint.
type WebhookID string

// DeliveryID names one delivery of an event to a webhook.
type DeliveryID string

// WebhookRequest registers a webhook endpoint for an account (document
// 003's events.Webhook). CreateWebhook, UpdateWebhook and CreateAccount
// validate it the same way.
type WebhookRequest struct {
	// URL receives the events; an absolute http or https URL, unique per
	// account. Hosts that are, spell (127.1, 2130706433, 0x7f.1, ...) or
	// resolve to loopback, private, link-local, unspecified or reserved
	// addresses are refused (ErrPrivateTarget) unless the Client was built
	// with WithPrivateWebhookTargets; deliveries check the address again
	// before connecting.
	URL string `json:"url"`
	// Headers are sent with every delivery. They cannot replace the
	// signature headers or Content-Type.
	Headers map[string]string `json:"headers,omitempty"`
	// EventTypes selects events by name (message.received, ...), or by
	// family ("message.*"); empty or "*" means all.
	EventTypes []string `json:"event_types,omitempty"`
	// ChatIDs keeps events of these chats (JIDs with server).
	ChatIDs []string `json:"chat_ids,omitempty"`
	// ChatTypes keeps events of these kinds of chat: contact, group,
	// channel, broadcast.
	ChatTypes []string `json:"chat_types,omitempty"`
	// Mentions keeps message events that @mention these JIDs; "me" is the
	// account itself.
	Mentions []string `json:"mentions,omitempty"`
	// MessageTypes keeps message events of these content types (text,
	// image, video, audio, voice, document, sticker, location, contact,
	// poll, system, unknown).
	MessageTypes []string `json:"message_types,omitempty"`
	// SettingsTypes keeps events of these families: chats, messages, groups,
	// system. When set, ChatIDs, ChatTypes, Mentions and MessageTypes are
	// ignored.
	SettingsTypes []string `json:"settings_types,omitempty"`
	// Disabled registers the endpoint without sending it anything: events
	// written while it is disabled are not delivered to it, ever.
	Disabled bool `json:"disabled,omitempty"`
	// Format is the shape of the deliveries: WebhookFormatWauser (the
	// default), WebhookFormatWhatsAppUse or WebhookFormatMultiSession.
	Format WebhookFormat `json:"format,omitempty"`
	// Description is kept with the webhook, for people (at most 1024
	// bytes).
	Description string `json:"description,omitempty"`
	// AllAccounts makes the webhook receive the events of every account of
	// the store, now and later, not only those of the account it is
	// registered for (filters apply to each). It still belongs to that
	// account: it is listed, changed and deleted there, and is removed with
	// it.
	AllAccounts bool `json:"all_accounts,omitempty"`
}

// WebhookFormat is the shape of a webhook's deliveries. It is stored with
// the webhook and applied when each delivery is made, so one outbox serves
// every format.
type WebhookFormat string

// Webhook formats.
const (
	// WebhookFormatWauser: the envelope {"id", "type", "account_id",
	// "seq", "occurred_at", "data"} with wauser's event names (see Event).
	WebhookFormatWauser WebhookFormat = deliver.FormatWauser
	// WebhookFormatWhatsAppUse: the WhatsApp Use API's webhook events,
	// {"id", "type", "connection_id", "payload", "occurred_at"}, named as
	// that API names them: whatsapp.message.received, .sent,
	// .reaction_received (reactions of others), .edited, .deleted and
	// .receipt_updated, with payload {"message"} (and "reaction"); and
	// whatsapp.connection.status_changed (account.paired, .connected,
	// .disconnected, .logged_out) with payload {"status": paired,
	// connected, jid, last_connected_at, connector_ready,
	// connector_error, state}. Events that API has no name for
	// (conversation, contact, group, history and QR code events) are not
	// delivered. The test event of PingWebhook is a sample
	// whatsapp.message.received. Deliveries also carry the headers
	// X-Whatsapp-Use-Event-Id, X-Whatsapp-Use-Event-Type and
	// X-Whatsapp-Use-Timestamp, and are signed like every delivery
	// (webhook-signature, X-Hub-Signature-256).
	WebhookFormatWhatsAppUse WebhookFormat = deliver.FormatWhatsAppUse
	// WebhookFormatMultiSession: the multi-session server's webhook events,
	// {"event_type", "device_id", "timestamp", "data"}, named as that
	// server names them; EventTypes then takes those names. Messages are
	// message.received (status.posted in the status chat,
	// newsletter.message_received in channels; the account's own too, with
	// is_from_me), message.deleted (status.deleted), and receipts
	// message.delivered, .read and .played (status.viewed for the
	// account's status updates); account events are
	// connection.connected, .disconnected, .reconnecting and .logged_out;
	// then call.offer, .accept and .terminate, group.join,
	// group.info_update, contact.update, blocklist.change and history.sync.
	// Message data carries the server's message_id (the WhatsApp id),
	// from, chat, timestamp and is_from_me beside wauser's fields (id is
	// the stored id); connection data jid and phone_number (the phone
	// number), is_connected and is_logged_in. Events that server has no
	// name for (edits, reactions, stars, presences, QR codes, missed calls)
	// are not delivered.
	WebhookFormatMultiSession WebhookFormat = deliver.FormatMultiSession
)

var (
	webhookChatTypes    = []string{"contact", "group", "channel", "broadcast"}
	webhookMessageTypes = []string{"text", "image", "video", "audio", "voice", "document", "sticker", "location", "contact", "poll", "system", "unknown"}
	// reservedHeaders are set by the delivery itself.
	reservedHeaders = []string{"content-type", "content-length", "host", "webhook-id", "webhook-timestamp", "webhook-signature", "x-hub-signature-256"}
)

// validEventType reports whether t names an event, a family ("message.*")
// or everything ("*").
func validEventType(t string) bool {
	if t == "*" || slices.Contains(event.Types(), EventType(t)) {
		return true
	}
	fam, ok := strings.CutSuffix(t, ".*")
	return ok && slices.ContainsFunc(event.Types(), func(e EventType) bool { return strings.HasPrefix(string(e), fam+".") })
}

// row validates r and builds the stored webhook with a fresh signing secret.
// It does no I/O; webhookRow adds the target address check.
func (r WebhookRequest) row(account AccountID, now time.Time) (*store.Webhook, error) {
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return nil, invalidArg("url", "%q is not an absolute http or https URL", r.URL)
	}
	if u.User != nil {
		return nil, invalidArg("url", "credentials in the URL are not allowed; use headers")
	}
	u.Fragment, u.RawFragment = "", ""
	for k, v := range r.Headers {
		if !validHeaderName(k) || strings.ContainsAny(v, "\r\n\x00") {
			return nil, invalidArg("headers", "%q is not a valid header", k)
		}
		if slices.Contains(reservedHeaders, strings.ToLower(k)) {
			return nil, invalidArg("headers", "%s is set by the delivery itself", k)
		}
	}
	for _, t := range r.EventTypes {
		if r.Format == WebhookFormatMultiSession {
			if !deliver.ValidMultiSessionEvent(t) {
				return nil, invalidArg("event_types", "%q is not one of %v, a family like message.*, or *", t, deliver.MultiSessionEvents)
			}
		} else if !validEventType(t) {
			return nil, invalidArg("event_types", "%q is not an event type, a family like message.*, or *", t)
		}
	}
	for _, id := range r.ChatIDs {
		if j, err := types.ParseJID(id); err != nil || j.User == "" || !strings.Contains(id, "@") {
			return nil, invalidArg("chat_ids", "%q is not a chat JID with its server", id)
		}
	}
	for _, t := range r.ChatTypes {
		if !slices.Contains(webhookChatTypes, t) {
			return nil, invalidArg("chat_types", "%q is not one of %v", t, webhookChatTypes)
		}
	}
	for _, m := range r.Mentions {
		if j, err := types.ParseJID(m); m != "me" && (err != nil || j.User == "" || !strings.Contains(m, "@")) {
			return nil, invalidArg("mentions", "%q is neither a JID nor \"me\"", m)
		}
	}
	for _, t := range r.MessageTypes {
		if !slices.Contains(webhookMessageTypes, t) {
			return nil, invalidArg("message_types", "%q is not one of %v", t, webhookMessageTypes)
		}
	}
	for _, t := range r.SettingsTypes {
		if !slices.Contains(deliver.SettingsTypes, t) {
			return nil, invalidArg("settings_types", "%q is not one of %v", t, deliver.SettingsTypes)
		}
	}
	format := r.Format
	if format == "" {
		format = WebhookFormatWauser
	}
	if !slices.Contains(deliver.Formats, string(format)) {
		return nil, invalidArg("format", "%q is not one of %v", r.Format, deliver.Formats)
	}
	if len(r.Description) > 1024 || !utf8.ValidString(r.Description) || strings.ContainsRune(r.Description, 0) {
		return nil, invalidArg("description", "at most 1024 bytes of text")
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
		Enabled:       !r.Disabled,
		Format:        string(format),
		Description:   r.Description,
		AllAccounts:   r.AllAccounts,
		CreatedAt:     now,
		UpdatedAt:     now,
	}, nil
}

// webhookRow validates r (the one validation path of CreateWebhook,
// UpdateWebhook and CreateAccount), including the target address check.
func (co *core) webhookRow(ctx context.Context, account AccountID, r WebhookRequest, now time.Time) (*store.Webhook, error) {
	h, err := r.row(account, now)
	if err != nil {
		return nil, err
	}
	if co.cfg.allowPrivateTargets {
		return h, nil
	}
	u, _ := url.Parse(h.URL)
	if err := netguard.CheckHost(ctx, u.Hostname()); err != nil {
		return nil, &ArgumentError{
			Field:  "url",
			Reason: fmt.Sprintf("%v; webhooks may not target it unless the Client is built with WithPrivateWebhookTargets", err),
			Err:    ErrPrivateTarget,
		}
	}
	return h, nil
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if r > 0x7e || r <= ' ' || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r) {
			return false
		}
	}
	return true
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

// Webhook is a registered webhook endpoint of an account.
type Webhook struct {
	ID            WebhookID         `json:"id"`
	AccountID     AccountID         `json:"account_id"`
	URL           string            `json:"url"`
	Headers       map[string]string `json:"headers"`
	EventTypes    []string          `json:"event_types"`
	ChatIDs       []string          `json:"chat_ids"`
	ChatTypes     []string          `json:"chat_types"`
	Mentions      []string          `json:"mentions"`
	MessageTypes  []string          `json:"message_types"`
	SettingsTypes []string          `json:"settings_types"`
	// Enabled is false for an endpoint registered or updated with
	// WebhookRequest.Disabled.
	Enabled     bool          `json:"enabled"`
	Format      WebhookFormat `json:"format"`
	Description string        `json:"description,omitempty"`
	// AllAccounts: the webhook receives the events of every account (see
	// WebhookRequest.AllAccounts).
	AllAccounts bool `json:"all_accounts,omitempty"`
	// Secret signs the deliveries ("whsec_" and base64). It is returned
	// only by CreateWebhook, CreateAccount's webhooks and
	// RotateWebhookSecret: store it then.
	Secret string `json:"secret,omitempty"`
	// PreviousSecretExpiresAt is when the secret replaced by the last
	// rotation stops signing; zero when it no longer does.
	PreviousSecretExpiresAt time.Time `json:"previous_secret_expires_at,omitzero"`
	CreatedAt               time.Time `json:"created_at"`
	UpdatedAt               time.Time `json:"updated_at"`
}

func (co *core) webhookFromRow(h *store.Webhook, withSecret bool) *Webhook {
	w := &Webhook{
		ID:            WebhookID(h.ID),
		AccountID:     AccountID(h.AccountID),
		URL:           h.URL,
		Headers:       orEmptyMap(h.Headers),
		EventTypes:    orEmpty(h.EventTypes),
		ChatIDs:       orEmpty(h.ChatIDs),
		ChatTypes:     orEmpty(h.ChatTypes),
		Mentions:      orEmpty(h.Mentions),
		MessageTypes:  orEmpty(h.MessageTypes),
		SettingsTypes: orEmpty(h.SettingsTypes),
		Enabled:       h.Enabled,
		Format:        WebhookFormat(h.Format),
		Description:   h.Description,
		AllAccounts:   h.AllAccounts,
		CreatedAt:     h.CreatedAt.UTC(),
		UpdatedAt:     h.UpdatedAt.UTC(),
	}
	if withSecret {
		w.Secret = h.Secret
	}
	if h.PreviousSecret != "" && co.cfg.clock.Now().Before(h.PreviousSecretUntil) {
		w.PreviousSecretExpiresAt = h.PreviousSecretUntil.UTC()
	}
	return w
}

// CreateWebhook registers an endpoint for the account and returns it with
// its signing secret, shown only here. The endpoint receives the events
// written from now on. It returns ErrInvalidArgument for a malformed
// request, ErrPrivateTarget for a forbidden host, and ErrWebhookExists when
// the account already has a webhook with this URL.
func (c *Client) CreateWebhook(ctx context.Context, req WebhookRequest) (*Webhook, error) {
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	h, err := c.core.webhookRow(ctx, id, req, c.core.cfg.clock.Now().UTC())
	if err != nil {
		return nil, err
	}
	if err := c.core.st.InsertWebhook(ctx, h); err != nil {
		return nil, webhookStoreError("create webhook", h.URL, err)
	}
	return c.core.webhookFromRow(h, true), nil
}

func webhookStoreError(op, u string, err error) error {
	switch {
	case errors.Is(err, store.ErrExists):
		return fmt.Errorf("%w: %s", ErrWebhookExists, u)
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("wauser: %s: %w", op, ErrNotFound)
	}
	return fmt.Errorf("wauser: %s: %w", op, err)
}

// ListWebhooks returns the account's webhooks, oldest first, without their
// secrets.
func (c *Client) ListWebhooks(ctx context.Context) ([]*Webhook, error) {
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := c.core.st.ListWebhooks(ctx, string(id))
	if err != nil {
		return nil, fmt.Errorf("wauser: list webhooks: %w", err)
	}
	out := make([]*Webhook, 0, len(rows))
	for _, h := range rows {
		out = append(out, c.core.webhookFromRow(h, false))
	}
	return out, nil
}

// GetWebhook returns the account's webhook id, without its secret, or
// ErrNotFound.
func (c *Client) GetWebhook(ctx context.Context, id WebhookID) (*Webhook, error) {
	h, err := c.webhook(ctx, id)
	if err != nil {
		return nil, err
	}
	return c.core.webhookFromRow(h, false), nil
}

// GetWebhookByURL returns the account's webhook registered for rawURL
// (compared after the same normalisation CreateWebhook applies), or
// ErrNotFound. The Business Server API deletes webhooks by URL; this finds the id.
func (c *Client) GetWebhookByURL(ctx context.Context, rawURL string) (*Webhook, error) {
	account, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, invalidArg("url", "%q is not a URL", rawURL)
	}
	u.Fragment, u.RawFragment = "", ""
	h, err := c.core.st.GetWebhookByURL(ctx, string(account), u.String())
	if err != nil {
		return nil, webhookStoreError("get webhook", rawURL, err)
	}
	return c.core.webhookFromRow(h, false), nil
}

func (c *Client) webhook(ctx context.Context, id WebhookID) (*store.Webhook, error) {
	account, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	h, err := c.core.st.GetWebhook(ctx, string(account), string(id))
	if err != nil {
		return nil, webhookStoreError("webhook "+string(id), "", err)
	}
	return h, nil
}

// UpdateWebhook replaces the settings of webhook id with req (validated as
// by CreateWebhook), Disabled included; the secret and the delivery log
// stay. Deliveries
// already queued are sent to the new URL; the new filters apply to events
// fanned out from now on.
func (c *Client) UpdateWebhook(ctx context.Context, id WebhookID, req WebhookRequest) (*Webhook, error) {
	old, err := c.webhook(ctx, id)
	if err != nil {
		return nil, err
	}
	now := c.core.cfg.clock.Now().UTC()
	h, err := c.core.webhookRow(ctx, AccountID(old.AccountID), req, now)
	if err != nil {
		return nil, err
	}
	h.ID, h.Secret, h.PreviousSecret, h.PreviousSecretUntil = old.ID, old.Secret, old.PreviousSecret, old.PreviousSecretUntil
	h.StartSeq, h.CreatedAt = old.StartSeq, old.CreatedAt
	err = c.core.st.UpdateWebhook(ctx, h, "url", "headers", "event_types", "chat_ids", "chat_types",
		"mentions", "message_types", "settings_types", "enabled", "format", "description", "all_accounts", "updated_at")
	if err != nil {
		return nil, webhookStoreError("update webhook", h.URL, err)
	}
	return c.core.webhookFromRow(h, false), nil
}

// DeleteWebhook removes webhook id and its delivery log; undelivered events
// are dropped. It returns ErrNotFound when there is no such webhook.
func (c *Client) DeleteWebhook(ctx context.Context, id WebhookID) error {
	account, err := c.accountID(ctx)
	if err != nil {
		return err
	}
	if err := c.core.st.DeleteWebhook(ctx, string(account), string(id)); err != nil {
		return webhookStoreError("delete webhook "+string(id), "", err)
	}
	return nil
}

// DeleteAllWebhooks removes every webhook of the account and returns how
// many there were.
func (c *Client) DeleteAllWebhooks(ctx context.Context) (int, error) {
	account, err := c.accountID(ctx)
	if err != nil {
		return 0, err
	}
	n, err := c.core.st.DeleteWebhooks(ctx, string(account))
	if err != nil {
		return 0, fmt.Errorf("wauser: delete webhooks: %w", err)
	}
	return n, nil
}

// RotateWebhookSecret gives webhook id a new signing secret and returns the
// webhook with it (shown only here). For overlap after the rotation,
// deliveries carry signatures by both the new and the old secret in
// webhook-signature (two space-separated "v1," entries, as the Standard
// Webhooks specification provides), so receivers can switch without
// dropping deliveries; X-Hub-Signature-256, which holds one signature, is
// by the new secret from the rotation on. Overlap 0 retires the old secret
// at once.
func (c *Client) RotateWebhookSecret(ctx context.Context, id WebhookID, overlap time.Duration) (*Webhook, error) {
	if overlap < 0 {
		return nil, invalidArg("overlap", "negative duration %s", overlap)
	}
	h, err := c.webhook(ctx, id)
	if err != nil {
		return nil, err
	}
	now := c.core.cfg.clock.Now().UTC()
	h.PreviousSecret, h.PreviousSecretUntil = h.Secret, now.Add(overlap)
	if overlap == 0 {
		h.PreviousSecret, h.PreviousSecretUntil = "", time.Time{}
	}
	h.Secret, h.UpdatedAt = newWebhookSecret(), now
	if err := c.core.st.UpdateWebhook(ctx, h, "secret", "previous_secret", "previous_secret_until", "updated_at"); err != nil {
		return nil, webhookStoreError("rotate webhook secret", h.URL, err)
	}
	return c.core.webhookFromRow(h, true), nil
}

// DeliveryState is where a delivery stands.
type DeliveryState string

// Delivery states.
const (
	// DeliveryQueued: waiting for an earlier delivery to the same endpoint
	// and conversation (order is kept per endpoint and conversation).
	DeliveryQueued DeliveryState = store.DeliveryQueued
	// DeliveryPending: due at NextAttemptAt; Attempts failed so far.
	DeliveryPending DeliveryState = store.DeliveryPending
	// DeliveryDelivered: the endpoint answered 2xx.
	DeliveryDelivered DeliveryState = store.DeliveryDelivered
	// DeliveryFailed: the endpoint answered a final error (a 3xx, or a 4xx
	// other than 408 and 429), or its address is forbidden. Not retried;
	// ReplayWebhookDeliveries sends it again.
	DeliveryFailed DeliveryState = store.DeliveryFailed
	// DeliveryDead: retries gave up after the horizon (WebhookDeliveryOptions).
	// ReplayWebhookDeliveries sends it again.
	DeliveryDead DeliveryState = store.DeliveryDead
)

// WebhookDelivery is one event's delivery to one webhook: an entry of the
// delivery log.
type WebhookDelivery struct {
	ID             DeliveryID    `json:"id"`
	WebhookID      WebhookID     `json:"webhook_id"`
	EventID        string        `json:"event_id"` // also the webhook-id header
	EventType      EventType     `json:"event_type"`
	ConversationID string        `json:"conversation_id,omitempty"`
	State          DeliveryState `json:"state"`
	Attempts       int           `json:"attempts"`
	StatusCode     int           `json:"status_code,omitempty"` // of the last attempt; 0 without a response
	Error          string        `json:"error,omitempty"`       // of the last attempt
	// Payload is the body sent: the event envelope.
	Payload       json.RawMessage `json:"payload"`
	CreatedAt     time.Time       `json:"created_at"`
	LastAttemptAt time.Time       `json:"last_attempt_at,omitzero"`
	NextAttemptAt time.Time       `json:"next_attempt_at,omitzero"` // while pending
	DeliveredAt   time.Time       `json:"delivered_at,omitzero"`
}

func deliveryFromRow(d *store.WebhookDelivery) *WebhookDelivery {
	out := &WebhookDelivery{
		ID:             DeliveryID(d.ID),
		WebhookID:      WebhookID(d.WebhookID),
		EventID:        d.EventID,
		EventType:      EventType(d.EventType),
		ConversationID: d.OrderingKey,
		State:          DeliveryState(d.State),
		Attempts:       d.Attempts,
		StatusCode:     d.LastStatus,
		Error:          d.LastError,
		Payload:        json.RawMessage(d.Payload),
		CreatedAt:      d.CreatedAt.UTC(),
		LastAttemptAt:  utc(d.LastAttemptAt),
		DeliveredAt:    utc(d.DeliveredAt),
	}
	if d.State == store.DeliveryPending {
		out.NextAttemptAt = d.NextAttemptAt.UTC()
	}
	return out
}

// ListWebhookDeliveriesOptions selects entries of a delivery log.
type ListWebhookDeliveriesOptions struct {
	State  DeliveryState // only this state; "" for all
	Limit  int           // default 50, at most 500
	Offset int
}

// ListWebhookDeliveries returns the delivery log of webhook id, newest
// first.
func (c *Client) ListWebhookDeliveries(ctx context.Context, id WebhookID, opts ListWebhookDeliveriesOptions) ([]*WebhookDelivery, error) {
	switch {
	case opts.Limit < 0:
		return nil, invalidArg("limit", "negative")
	case opts.Offset < 0:
		return nil, invalidArg("offset", "negative")
	case opts.State != "" && !slices.Contains([]DeliveryState{DeliveryQueued, DeliveryPending, DeliveryDelivered, DeliveryFailed, DeliveryDead}, opts.State):
		return nil, invalidArg("state", "unknown delivery state %q", opts.State)
	case opts.Limit == 0:
		opts.Limit = 50
	}
	h, err := c.webhook(ctx, id)
	if err != nil {
		return nil, err
	}
	rows, err := c.core.st.ListDeliveries(ctx, h.AccountID, h.ID, store.ListDeliveriesOptions{
		State: string(opts.State), Limit: min(opts.Limit, 500), Offset: opts.Offset,
	})
	if err != nil {
		return nil, fmt.Errorf("wauser: list webhook deliveries: %w", err)
	}
	out := make([]*WebhookDelivery, 0, len(rows))
	for _, d := range rows {
		out = append(out, deliveryFromRow(d))
	}
	return out, nil
}

// GetWebhookDelivery returns one entry of the account's delivery logs, or
// ErrNotFound.
func (c *Client) GetWebhookDelivery(ctx context.Context, id DeliveryID) (*WebhookDelivery, error) {
	account, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	d, err := c.core.st.GetDelivery(ctx, string(account), string(id))
	if err != nil {
		return nil, webhookStoreError("webhook delivery "+string(id), "", err)
	}
	return deliveryFromRow(d), nil
}

// ReplayWebhookDeliveries queues the failed and dead deliveries of webhook
// id again (only those named, when ids are given; named deliveries in other
// states are left alone) and returns how many it queued. They are sent in
// their original order per conversation, before later deliveries of the
// same conversation that are still queued. A replayed delivery gets a new
// horizon: its CreatedAt becomes the replay time; Attempts keeps counting.
func (c *Client) ReplayWebhookDeliveries(ctx context.Context, id WebhookID, ids ...DeliveryID) (int, error) {
	h, err := c.webhook(ctx, id)
	if err != nil {
		return 0, err
	}
	strs := make([]string, len(ids))
	for i, d := range ids {
		strs[i] = string(d)
	}
	n, err := c.core.st.ReplayDeliveries(ctx, h.AccountID, h.ID, strs, c.core.cfg.clock.Now().UTC())
	if err != nil {
		return 0, fmt.Errorf("wauser: replay webhook deliveries: %w", err)
	}
	if n > 0 {
		c.core.engine.Wake()
	}
	return n, nil
}

// EventWebhookPing is the type of the test event PingWebhook sends. It is
// never written to the outbox.
const EventWebhookPing EventType = event.WebhookPing

// PingWebhook sends a test event (type webhook.ping, data
// {"webhook_id": id}; in the WhatsApp Use format a sample
// whatsapp.message.received) to webhook id only, now, signed like every
// delivery and without retries, and returns its entry in the delivery log:
// State delivered or failed, with the status code or error. It works
// before Start too.
func (c *Client) PingWebhook(ctx context.Context, id WebhookID) (*WebhookDelivery, error) {
	h, err := c.webhook(ctx, id)
	if err != nil {
		return nil, err
	}
	ev, err := newEvent(AccountID(h.AccountID), EventWebhookPing, "", "", map[string]any{"webhook_id": h.ID}, c.core.cfg.clock.Now())
	if err != nil {
		return nil, err
	}
	d, err := c.core.engine.Ping(ctx, h, ev)
	if err != nil {
		return nil, fmt.Errorf("wauser: ping webhook: %w", err)
	}
	return deliveryFromRow(d), nil
}

// DefaultWebhookTolerance is how far from now VerifyWebhook accepts a
// webhook-timestamp by default (the Standard Webhooks recommendation).
const DefaultWebhookTolerance = 5 * time.Minute

// VerifyWebhook checks a delivery the way the Standard Webhooks
// specification says, for receivers written in Go: header holds
// webhook-id, webhook-timestamp and webhook-signature, body is the raw
// request body, and secret the webhook's "whsec_..." secret. The timestamp
// must be within tolerance of the current time (0 means
// DefaultWebhookTolerance; a negative tolerance skips the check, for tests
// and replays of stored requests only). It returns nil when one of the
// "v1," signatures matches, ErrSignatureExpired when the timestamp is out of
// tolerance, and ErrInvalidSignature otherwise.
func VerifyWebhook(header http.Header, body []byte, secret string, tolerance time.Duration) error {
	id := header.Get(deliver.HeaderID)
	tsText := header.Get(deliver.HeaderTimestamp)
	sigs := header.Get(deliver.HeaderSignature)
	if id == "" || tsText == "" || sigs == "" {
		return fmt.Errorf("%w: missing webhook-id, webhook-timestamp or webhook-signature", ErrInvalidSignature)
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: malformed webhook-timestamp", ErrInvalidSignature)
	}
	key, err := deliver.SecretKey(secret)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidSignature, err)
	}
	if tolerance == 0 {
		tolerance = DefaultWebhookTolerance
	}
	if tolerance > 0 {
		now := time.Now().Unix()
		tol := int64(tolerance / time.Second)
		if ts < now-tol || ts > now+tol {
			return fmt.Errorf("%w: timestamp %d is more than %s from now", ErrSignatureExpired, ts, tolerance)
		}
	}
	want := []byte(deliver.Sign(key, id, ts, body))
	for sig := range strings.FieldsSeq(sigs) {
		version, value, ok := strings.Cut(sig, ",")
		if ok && version == "v1" && hmac.Equal([]byte(value), want) {
			return nil
		}
	}
	return fmt.Errorf("%w: no v1 signature matches the secret", ErrInvalidSignature)
}

// newEngine builds the outbox consumer from the Client's configuration.
func (co *core) newEngine() *deliver.Engine {
	o := co.cfg.delivery
	return deliver.New(deliver.Config{
		Store:  co.st,
		Logger: co.cfg.logger,
		HTTP:   deliver.NewHTTPClient(co.cfg.httpClient, co.cfg.allowPrivateTargets, max(o.Workers, 16)),
		Now:    co.cfg.clock.Now,
		NewTimer: func(d time.Duration) (<-chan time.Time, func() bool) {
			t := co.cfg.clock.NewTimer(d)
			return t.C(), t.Stop
		},
		Workers:        o.Workers,
		MinBackoff:     o.MinBackoff,
		MaxBackoff:     o.MaxBackoff,
		Horizon:        o.Horizon,
		PollInterval:   o.PollInterval,
		AttemptTimeout: o.AttemptTimeout,
		Lease:          o.ClaimTimeout,
		Retention:      co.cfg.retention,
		Metrics:        co.metrics,
		Handle:         co.handleEvents,
		// An account's handlers run where it is connected.
		Skip:  func(account string) bool { return co.leasedElsewhere(AccountID(account)) },
		Wants: func(account string) bool { return co.handlers.wants(AccountID(account)) },
	})
}
