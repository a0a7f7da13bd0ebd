package rest

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
)

// The multi-session server's API key administration, webhook statistics,
// bots, channel updates, poll results and status listings (see
// multiSessionRoutes). Each calls the exported Client.

// msWebhookStats answers GET /admin/webhooks/stats: the last 24 hours.
type msWebhookStats struct {
	TotalWebhooks           int     `json:"total_webhooks"`
	ActiveWebhooks          int     `json:"active_webhooks"`
	TotalDeliveries24h      int     `json:"total_deliveries_24h"`
	SuccessfulDeliveries24h int     `json:"successful_deliveries_24h"`
	FailedDeliveries24h     int     `json:"failed_deliveries_24h"`
	SuccessRate             float64 `json:"success_rate"` // delivered of those finished, in percent (100 when none finished)
}

func msAdminWebhookStats() operation {
	return do(func(x *call) (*msWebhookStats, error) {
		st, err := x.root.WebhookStats(x.ctx, x.now.Add(-24*time.Hour))
		if err != nil {
			return nil, err
		}
		out := &msWebhookStats{TotalWebhooks: st.Webhooks, ActiveWebhooks: st.ActiveWebhooks, TotalDeliveries24h: st.Deliveries,
			SuccessfulDeliveries24h: st.Delivered, FailedDeliveries24h: st.Failed, SuccessRate: 100}
		if done := st.Delivered + st.Failed; done > 0 {
			out.SuccessRate = float64(st.Delivered*10000/done) / 100
		}
		return out, nil
	})
}

// msAPIKeyNumber is the number standing for an API key id: 53 bits of its
// FNV-1a hash, exact in JSON numbers.
func msAPIKeyNumber(id wauser.APIKeyID) int64 {
	f := fnv.New64a()
	_, _ = f.Write([]byte(id))
	return int64(f.Sum64() & (1<<53 - 1))
}

// msAPIKey is an API key as the server's admin API shows one.
type msAPIKey struct {
	ID int64 `json:"id"`
	// KeyID, beyond the server, is the key's wauser id, which paths take
	// too.
	KeyID string `json:"key_id"`
	// APIKey is the secret, only in the answer to POST /admin/api-keys.
	APIKey        string `json:"api_key,omitempty"`
	APIKeyMasked  string `json:"api_key_masked"`
	CustomerName  string `json:"customer_name"`
	CustomerEmail string `json:"customer_email"`
	CustomerPhone string `json:"customer_phone"`
	DeviceCount   int    `json:"device_count"`
	// MaxDevices is the key's quota: its own, or Options.MaxDevicesPerKey.
	MaxDevices int `json:"max_devices"`
	// RateLimitPerHour is the key's own hourly limit
	// (wauser.APIKey.RateLimitPerHour), or without one what the handler
	// applies: Options.RequestsPerMinute × 60 (0 when that is off).
	RateLimitPerHour int    `json:"rate_limit_per_hour"`
	IsActive         bool   `json:"is_active"`
	CreatedAt        string `json:"created_at"`
	LastUsedAt       string `json:"last_used_at,omitempty"`
}

// quota is the device quota of key k.
func (h *handler) quota(k *wauser.APIKey) int {
	if k.MaxDevices > 0 {
		return k.MaxDevices
	}
	return max(h.opts.MaxDevicesPerKey, 0)
}

// hourlyLimit is the hourly request limit of key k, as the server's admin
// API shows it: its own, or else the handler's per-minute limit over an
// hour.
func (h *handler) hourlyLimit(k *wauser.APIKey) int {
	if k.RateLimitPerHour > 0 {
		return k.RateLimitPerHour
	}
	return max(h.opts.RequestsPerMinute, 0) * 60
}

func (h *handler) msAPIKeyOf(k *wauser.APIKey, devices int) *msAPIKey {
	out := &msAPIKey{ID: msAPIKeyNumber(k.ID), KeyID: string(k.ID), APIKeyMasked: k.Prefix + "…", CustomerName: k.Name,
		CustomerEmail: k.ContactEmail, CustomerPhone: k.ContactPhone, DeviceCount: devices, MaxDevices: h.quota(k),
		RateLimitPerHour: h.hourlyLimit(k), IsActive: k.RevokedAt.IsZero(),
		CreatedAt: k.CreatedAt.UTC().Format(time.RFC3339)}
	if !k.LastUsedAt.IsZero() {
		out.LastUsedAt = k.LastUsedAt.UTC().Format(time.RFC3339)
	}
	return out
}

// liveTokens returns the tokens (devices) key id created that are not
// revoked.
func liveTokens(x *call, id wauser.APIKeyID) ([]*wauser.APIKey, error) {
	all, err := x.root.ListAPIKeysCreatedBy(x.ctx, id)
	if err != nil {
		return nil, err
	}
	live := all[:0]
	for _, t := range all {
		if t.RevokedAt.IsZero() {
			live = append(live, t)
		}
	}
	return live, nil
}

// apiKeyOf finds the path's API key by its number or its id. Device tokens
// are not the server's API keys: they are not found.
func (x *call) apiKeyOf() (*wauser.APIKey, error) {
	ref := x.r.PathValue("id")
	keys, err := x.root.ListAPIKeys(x.ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if k.CreatedBy == "" && (string(k.ID) == ref || strconv.FormatInt(msAPIKeyNumber(k.ID), 10) == ref) {
			return k, nil
		}
	}
	return nil, &apiError{status: http.StatusNotFound, code: "not_found", message: "no such API key: " + ref}
}

func msListAPIKeys(h *handler) operation {
	return do(func(x *call) ([]*msAPIKey, error) {
		keys, err := x.root.ListAPIKeys(x.ctx)
		if err != nil {
			return nil, err
		}
		devices := map[wauser.APIKeyID]int{}
		for _, k := range keys {
			if k.CreatedBy != "" && k.RevokedAt.IsZero() {
				devices[k.CreatedBy]++
			}
		}
		out := []*msAPIKey{}
		for _, k := range keys {
			if k.CreatedBy == "" {
				out = append(out, h.msAPIKeyOf(k, devices[k.ID]))
			}
		}
		return out, nil
	})
}

// msAPIKeyRequest is the body of POST and PATCH /admin/api-keys.
type msAPIKeyRequest struct {
	CustomerName     *string `json:"customer_name"`
	CustomerEmail    *string `json:"customer_email"`
	CustomerPhone    *string `json:"customer_phone"`
	MaxDevices       *int    `json:"max_devices"`
	RateLimitPerHour *int    `json:"rate_limit_per_hour"`
	IsActive         *bool   `json:"is_active"`
}

// check validates what both routes take.
func (in *msAPIKeyRequest) check() error {
	if in.MaxDevices != nil && *in.MaxDevices < 1 {
		return badRequest("invalid_argument", "max_devices is %d; give at least 1", *in.MaxDevices)
	}
	if in.RateLimitPerHour != nil && *in.RateLimitPerHour < 1 {
		return badRequest("invalid_argument", "rate_limit_per_hour is %d; give at least 1", *in.RateLimitPerHour)
	}
	if in.CustomerEmail != nil && *in.CustomerEmail != "" {
		if a, err := mail.ParseAddress(*in.CustomerEmail); err != nil || a.Address != *in.CustomerEmail {
			return badRequest("invalid_argument", "customer_email %q is not an e-mail address", *in.CustomerEmail)
		}
	}
	return nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// msCreateAPIKey creates a key that creates devices: the admin scope over
// the accounts it creates (none at first), up to its quota.
func msCreateAPIKey(h *handler) operation {
	return doBody(func(x *call, in *msAPIKeyRequest) (*msAPIKey, error) {
		if err := in.check(); err != nil {
			return nil, err
		}
		if deref(in.CustomerName) == "" {
			return nil, badRequest("invalid_argument", "customer_name is required")
		}
		if in.IsActive != nil && !*in.IsActive {
			return nil, badRequest("invalid_argument", "a new key is active: is_active cannot be false")
		}
		quota := deref(in.MaxDevices)
		if quota == 0 {
			quota = h.opts.MaxDevicesPerKey
		}
		if quota < 1 {
			return nil, forbidden("the host refuses every device creation (Options.MaxDevicesPerKey is negative)")
		}
		k, err := x.root.CreateAPIKey(x.ctx, wauser.CreateAPIKeyRequest{Name: deref(in.CustomerName), Scopes: []wauser.Scope{wauser.ScopeAdmin},
			MaxDevices: quota, RateLimitPerHour: deref(in.RateLimitPerHour), ContactEmail: deref(in.CustomerEmail), ContactPhone: deref(in.CustomerPhone)})
		if err != nil {
			return nil, err
		}
		out := h.msAPIKeyOf(k, 0)
		out.APIKey = k.Key
		return out, nil
	})
}

func msGetAPIKey(h *handler) operation {
	return do(func(x *call) (*msAPIKey, error) {
		k, err := x.apiKeyOf()
		if err != nil {
			return nil, err
		}
		tokens, err := liveTokens(x, k.ID)
		if err != nil {
			return nil, err
		}
		return h.msAPIKeyOf(k, len(tokens)), nil
	})
}

// msUpdateAPIKey changes a key's name, contact, quota or hourly limit; is_active false
// revokes it (for good: a revoked key cannot be made active again).
func msUpdateAPIKey(h *handler) operation {
	return doBody(func(x *call, in *msAPIKeyRequest) (*msAPIKey, error) {
		if err := in.check(); err != nil {
			return nil, err
		}
		k, err := x.apiKeyOf()
		if err != nil {
			return nil, err
		}
		if deref(in.IsActive) && !k.RevokedAt.IsZero() {
			return nil, badRequest("invalid_argument", "the key was revoked and cannot be made active again: create another")
		}
		if in.CustomerName != nil && *in.CustomerName == "" {
			return nil, badRequest("invalid_argument", "customer_name cannot be empty")
		}
		k, err = x.root.UpdateAPIKey(x.ctx, k.ID, wauser.UpdateAPIKeyRequest{Name: in.CustomerName, MaxDevices: in.MaxDevices,
			RateLimitPerHour: in.RateLimitPerHour, ContactEmail: in.CustomerEmail, ContactPhone: in.CustomerPhone})
		if err != nil {
			return nil, err
		}
		h.limiter.creators.forget() // its tokens' requests count against the new limit at once
		if in.IsActive != nil && !*in.IsActive {
			if err := x.root.RevokeAPIKey(x.ctx, k.ID); err != nil {
				return nil, err
			}
			if k, err = x.root.GetAPIKey(x.ctx, k.ID); err != nil {
				return nil, err
			}
		}
		tokens, err := liveTokens(x, k.ID)
		if err != nil {
			return nil, err
		}
		return h.msAPIKeyOf(k, len(tokens)), nil
	})
}

// msDeletedAPIKey answers DELETE /admin/api-keys/{id}.
type msDeletedAPIKey struct {
	ID             int64    `json:"id"`
	DevicesDeleted []string `json:"devices_deleted"`
}

// msDeleteAPIKey deletes a key and every device it created, as the server
// does. Access ends first, all at once, as when the server deletes the
// key's rows: the key is revoked, then every token of its devices. Then
// each device is logged out (Client.Logout: unlinked, its data removed).
// A device that cannot be logged out (another process holds its
// connection, the store failed) does not stop the others: the answer is
// then an error naming the devices deleted and those left with why, and
// the same DELETE again finishes the job, since the devices are found
// through their tokens, revoked or not.
func msDeleteAPIKey(mu *sync.Mutex) operation {
	return do(func(x *call) (*msDeletedAPIKey, error) {
		mu.Lock() // no device is created by the key meanwhile
		defer mu.Unlock()
		kd, err := x.keyDevices(true)
		if err != nil {
			return nil, err
		}
		if err := x.root.RevokeAPIKey(x.ctx, kd.key.ID); err != nil {
			return nil, err
		}
		for _, t := range kd.tokens {
			if t.RevokedAt.IsZero() {
				if err := x.root.RevokeAPIKey(x.ctx, t.ID); err != nil {
					return nil, err
				}
			}
		}
		out := &msDeletedAPIKey{ID: msAPIKeyNumber(kd.key.ID), DevicesDeleted: []string{}}
		var (
			left  []string
			first error
		)
		for _, a := range kd.devices {
			err := x.root.WithAccount(a.ID).Logout(x.ctx)
			if err == nil || errors.Is(err, wauser.ErrNotFound) {
				out.DevicesDeleted = append(out.DevicesDeleted, string(a.ID))
				continue
			}
			x.log.Warn("rest: delete API key: a device was not deleted", "key", kd.key.ID, "device", a.ID, "error", err)
			left = append(left, fmt.Sprintf("%s (%s)", a.ID, classify(err).message))
			if first == nil {
				first = err
			}
		}
		if first == nil {
			return out, nil
		}
		e := classify(first)
		deleted := "none"
		if len(out.DevicesDeleted) > 0 {
			deleted = strings.Join(out.DevicesDeleted, ", ")
		}
		return nil, &apiError{status: e.status, code: e.code, retryAfter: e.retryAfter, cause: first,
			message: fmt.Sprintf("the API key and its devices' tokens are revoked, but %d of %d devices were not deleted: %s; deleted: %s; "+
				"send DELETE /admin/api-keys/%s again to delete the rest", len(left), len(kd.devices), strings.Join(left, "; "), deleted,
				x.r.PathValue("id"))}
	})
}

// apiKeyDevices is an API key of the server's admin API with its devices.
type apiKeyDevices struct {
	key     *wauser.APIKey
	tokens  []*wauser.APIKey  // the devices' tokens it created
	devices []*wauser.Account // the accounts those tokens reach, oldest token first
}

// keyDevices finds the path's API key (apiKeyOf) and the devices it
// created: the accounts its tokens reach, of the tokens that are not
// revoked, or of all of them with revokedToo (a device whose token was
// revoked may still exist).
func (x *call) keyDevices(revokedToo bool) (*apiKeyDevices, error) {
	k, err := x.apiKeyOf()
	if err != nil {
		return nil, err
	}
	tokens, err := x.root.ListAPIKeysCreatedBy(x.ctx, k.ID)
	if err != nil {
		return nil, err
	}
	if !revokedToo {
		tokens = slices.DeleteFunc(tokens, func(t *wauser.APIKey) bool { return !t.RevokedAt.IsZero() })
	}
	accounts, err := x.root.ListAccounts(x.ctx)
	if err != nil {
		return nil, err
	}
	byID := map[wauser.AccountID]*wauser.Account{}
	for _, a := range accounts {
		byID[a.ID] = a
	}
	out := &apiKeyDevices{key: k, tokens: tokens}
	for _, t := range tokens {
		for _, id := range t.Accounts {
			if a := byID[id]; a != nil {
				out.devices = append(out.devices, a)
				delete(byID, id)
			}
		}
	}
	return out, nil
}

// msKeyDevice is a device of an API key.
type msKeyDevice struct {
	msDevice
	LastActiveAt string `json:"last_active_at,omitempty"`
}

func msAPIKeyDevices() operation {
	return do(func(x *call) ([]msKeyDevice, error) {
		kd, err := x.keyDevices(false)
		if err != nil {
			return nil, err
		}
		out := make([]msKeyDevice, 0, len(kd.devices))
		for _, a := range kd.devices {
			d := msDeviceOf(a)
			out = append(out, msKeyDevice{msDevice: d, LastActiveAt: d.LastActive})
		}
		return out, nil
	})
}

// msKeyDeviceState is the status of a device of an API key.
type msKeyDeviceState struct {
	msDeviceState
	DeviceName   string `json:"device_name"`
	WhatsmeowJID string `json:"whatsmeow_jid"`
}

func msAPIKeyDeviceStatuses() operation {
	return do(func(x *call) ([]msKeyDeviceState, error) {
		kd, err := x.keyDevices(false)
		if err != nil {
			return nil, err
		}
		out := make([]msKeyDeviceState, 0, len(kd.devices))
		for _, a := range kd.devices {
			st, err := x.root.WithAccount(a.ID).Status(x.ctx)
			if err != nil {
				return nil, err
			}
			s := msKeyDeviceState{msDeviceState: msDeviceStateOf(st), DeviceName: string(a.ID)}
			s.DeviceID = string(a.ID)
			if !a.JID.IsEmpty() {
				s.WhatsmeowJID = a.JID.ToNonAD().String()
			}
			out = append(out, s)
		}
		return out, nil
	})
}

// msAdminDeleteDevice deletes an account (Client.Logout: unlinked from
// WhatsApp when online, and everything stored for it removed).
func msAdminDeleteDevice() operation {
	return do(func(x *call) (noData, error) {
		id := wauser.AccountID(x.r.PathValue("device_id"))
		if _, err := x.root.WithAccount(id).GetAccount(x.ctx); err != nil {
			return noData{}, err
		}
		return noData{}, x.root.WithAccount(id).Logout(x.ctx)
	})
}

// msBot is a bot of GET /bots and GET /bots/profiles.
type msBot struct {
	JID         string              `json:"jid"`
	Name        string              `json:"name"`
	PersonaID   string              `json:"persona_id"`
	Description string              `json:"description,omitempty"`
	Category    string              `json:"category,omitempty"`
	IsDefault   bool                `json:"is_default,omitempty"`
	Prompts     []string            `json:"prompts,omitempty"`
	Commands    []wauser.BotCommand `json:"commands,omitempty"`
}

func msBots(profiles bool) operation {
	return do(func(x *call) ([]msBot, error) {
		bots, err := x.c.ListBots(x.ctx, profiles)
		if err != nil {
			return nil, err
		}
		out := make([]msBot, 0, len(bots))
		for _, b := range bots {
			out = append(out, msBot{JID: b.JID.String(), Name: b.Name, PersonaID: b.PersonaID, Description: b.Description,
				Category: b.Category, IsDefault: b.Default, Prompts: b.Prompts, Commands: b.Commands})
		}
		return out, nil
	})
}

// msLiveUpdates answers POST /newsletters/{jid}/live.
type msLiveUpdates struct {
	JID string `json:"jid"`
	// Duration is how long WhatsApp pushes the channel's updates, in
	// seconds: subscribe again before it ends.
	Duration int64 `json:"duration"`
}

func msNewsletterLive() operation {
	return do(func(x *call) (*msLiveUpdates, error) {
		jid := x.r.PathValue("jid")
		d, err := x.c.SubscribeNewsletterLiveUpdates(x.ctx, jid)
		if err != nil {
			return nil, err
		}
		return &msLiveUpdates{JID: jid, Duration: int64(d / time.Second)}, nil
	})
}

// msNewsletterPost is a channel post with its counts.
type msNewsletterPost struct {
	ServerID  int            `json:"server_id"`
	MessageID string         `json:"message_id"`
	Type      string         `json:"type,omitempty"`
	Text      string         `json:"text,omitempty"`
	Timestamp int64          `json:"timestamp,omitempty"`
	Views     int            `json:"views_count"`
	Reactions map[string]int `json:"reaction_counts"`
}

// msNewsletterUpdateList answers GET /newsletters/{jid}/updates.
type msNewsletterUpdateList struct {
	JID     string             `json:"jid"`
	Updates []msNewsletterPost `json:"updates"`
}

func msNewsletterUpdates() operation {
	return do(func(x *call) (*msNewsletterUpdateList, error) {
		q := x.r.URL.Query()
		opts := wauser.NewsletterUpdatesOptions{}
		if s := q.Get("count"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				return nil, badRequest("invalid_argument", "count %q is not a number from 1 to 100", s)
			}
			opts.Count = min(n, 100)
		}
		if s := q.Get("since"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 || n > 1<<40 {
				return nil, badRequest("invalid_argument", "since %q is not a Unix time in seconds", s)
			}
			if n > 0 {
				opts.Since = time.Unix(n, 0)
			}
		}
		posts, err := x.c.ListNewsletterUpdates(x.ctx, x.r.PathValue("jid"), opts)
		if err != nil {
			return nil, err
		}
		out := make([]msNewsletterPost, 0, len(posts))
		for _, p := range posts {
			mp := msNewsletterPost{ServerID: p.ServerID, MessageID: p.ID, Type: p.Type, Text: p.Body, Views: p.Views, Reactions: p.Reactions}
			if !p.SentAt.IsZero() {
				mp.Timestamp = p.SentAt.Unix()
			}
			out = append(out, mp)
		}
		return &msNewsletterUpdateList{JID: x.r.PathValue("jid"), Updates: out}, nil
	})
}

func msAcceptTOS() operation {
	type request struct {
		NoticeID string `json:"notice_id"`
		Stage    string `json:"stage"`
	}
	return doBody(func(x *call, in *request) (noData, error) {
		return noData{}, x.c.AcceptTOSNotice(x.ctx, in.NoticeID, in.Stage)
	})
}

// msPollResults answers GET /polls/{poll_id}/results: the stored tally.
// Beyond the server, ?chat_jid= names the chat of a WhatsApp id.
func msPollResults() operation {
	return do(func(x *call) (*wauser.PollResults, error) {
		return x.c.GetPollResults(x.ctx, x.r.URL.Query().Get("chat_jid"), x.r.PathValue("poll_id"))
	})
}

// msStatusPost is a stored status update.
type msStatusPost struct {
	ID        string `json:"id"`
	MessageID string `json:"message_id"` // the WhatsApp id
	From      string `json:"from"`       // the poster's JID, or "me"
	Type      string `json:"type"`
	Text      string `json:"text,omitempty"`
	Timestamp int64  `json:"timestamp,omitempty"`
}

// msStatusList answers GET /status.
type msStatusList struct {
	Info     string         `json:"info"`
	Statuses []msStatusPost `json:"statuses"`
}

// statusPosts lists the stored status updates, newest first, up to limit,
// of who (a JID or LID) when it is not empty.
func statusPosts(x *call, limit int, who ...string) ([]msStatusPost, error) {
	out := []msStatusPost{}
	convs, err := x.c.ListConversations(x.ctx, wauser.ListConversationsOptions{Kind: wauser.KindStatus, Limit: 1})
	if err != nil || len(convs.Conversations) == 0 {
		return out, err
	}
	cursor := ""
	for len(out) < limit {
		page, err := x.c.ListMessages(x.ctx, wauser.ListMessagesOptions{ConversationID: convs.Conversations[0].ConversationID,
			Cursor: cursor, Limit: wauser.MaxListLimit})
		if err != nil {
			return nil, err
		}
		for _, m := range page.Messages {
			if !m.DeletedAt.IsZero() || (len(who) > 0 && !sameUser(m.SenderJID, who)) || len(out) == limit {
				continue
			}
			p := msStatusPost{ID: string(m.MessageID), MessageID: m.WAMessageID, From: m.SenderJID, Type: m.ContentType, Text: m.Body}
			if m.IsFromMe {
				p.From = "me"
			}
			if !m.SentAt.IsZero() {
				p.Timestamp = m.SentAt.Unix()
			}
			out = append(out, p)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	return out, nil
}

// sameUser reports whether jid is one of who, devices aside.
func sameUser(jid string, who []string) bool {
	j, err := types.ParseJID(jid)
	if err != nil {
		return false
	}
	for _, w := range who {
		if w != "" && j.ToNonAD().String() == w {
			return true
		}
	}
	return false
}

func msStatusUpdates() operation {
	return do(func(x *call) (*msStatusList, error) {
		limit, err := listLimit(x.r.URL.Query(), 50)
		if err != nil {
			return nil, err
		}
		posts, err := statusPosts(x, limit)
		if err != nil {
			return nil, err
		}
		return &msStatusList{Info: "Configure a webhook to receive status.posted, status.viewed, and status.deleted events; statuses are the stored ones, newest first",
			Statuses: posts}, nil
	})
}

// msUserStatus answers GET /status/{user_jid}: the person's about text and
// their stored status updates.
type msUserStatus struct {
	JID      string         `json:"jid"`
	Status   string         `json:"status"` // the about text
	Statuses []msStatusPost `json:"statuses"`
}

func msUserStatusOf() operation {
	return do(func(x *call) (*msUserStatus, error) {
		u, err := x.userInfo(x.r.PathValue("status_id"))
		if err != nil {
			return nil, err
		}
		posts, err := statusPosts(x, 50, u.JID, u.LID)
		if err != nil {
			return nil, err
		}
		return &msUserStatus{JID: u.JID, Status: u.Status, Statuses: posts}, nil
	})
}
