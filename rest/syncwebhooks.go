package rest

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wauser/wauser"
)

// The sync dialect's webhook endpoints (/v1/webhooks/endpoints) are the
// Client's webhooks, shown in the WebhookEndpoint shape of the WhatsApp Use
// API, and created in its format (wauser.WebhookFormatWhatsAppUse): they
// receive that API's event names and payloads. An endpoint belongs to one
// connection (connection_ids names exactly one), or receives every
// connection's events (all_accounts: true, for keys that reach every
// account; it belongs to the connection named, or else the first by id). The
// routes reach the endpoints of every account the API key can (or the one
// X-WhatsApp-Use-Connection-Id names); endpoints for all accounts only
// with keys that reach every account.

// eventMapping is one of the specification's event types and wauser's
// types it stands for (nil: wauser never sends it).
type eventMapping struct {
	spec string
	ours []string
}

// specEventTypes maps the specification's event types to wauser's.
var specEventTypes = []eventMapping{
	{"whatsapp.message.received", []string{string(wauser.EventMessageReceived)}},
	{"whatsapp.message.sent", []string{string(wauser.EventMessageSent)}},
	{"whatsapp.message.reaction_received", []string{string(wauser.EventMessageReaction)}},
	{"whatsapp.message.edited", []string{string(wauser.EventMessageEdited)}},
	{"whatsapp.message.deleted", []string{string(wauser.EventMessageDeleted)}},
	{"whatsapp.message.receipt_updated", []string{string(wauser.EventMessageStatus)}},
	{"whatsapp.connection.status_changed", []string{"account.*"}},
	{"whatsapp.command.completed", nil},
	{"whatsapp.command.failed", nil},
}

// specEventNames are the event types WebhookEndpoint may show.
func specEventNames() []string {
	out := []string{"*"}
	for _, m := range specEventTypes {
		out = append(out, m.spec)
	}
	return out
}

// ourEventTypes maps the specification's event types to wauser's. The
// command events are accepted and select nothing: commands finish before
// their 202 answer. An empty list is every event.
func ourEventTypes(spec []string) ([]string, error) {
	var out []string
	commandsOnly := len(spec) > 0
	for _, t := range spec {
		if t == "*" {
			return []string{"*"}, nil
		}
		i := slices.IndexFunc(specEventTypes, func(m eventMapping) bool { return m.spec == t })
		if i < 0 {
			return nil, badRequest("invalid_argument", "event_types: %q is not one of %v", t, specEventNames())
		}
		if specEventTypes[i].ours != nil {
			commandsOnly = false
		}
		for _, o := range specEventTypes[i].ours {
			if !slices.Contains(out, o) {
				out = append(out, o)
			}
		}
	}
	if commandsOnly {
		return nil, badRequest("invalid_argument",
			"event_types: wauser runs commands before answering them (their outcome is in the 202 answer) and sends no command events; subscribe to another event type")
	}
	return out, nil
}

// specEvents shows wauser's event types as the specification's; types it
// has no name for (conversation, contact, group and history events) are
// left out.
func specEvents(ours []string) []string {
	out := []string{}
	add := func(t string) {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	for _, t := range ours {
		if t == "*" {
			return []string{"*"}
		}
		for _, m := range specEventTypes {
			for _, o := range m.ours {
				fam, isFam := strings.CutSuffix(t, ".*")
				oFam, oIsFam := strings.CutSuffix(o, ".*")
				switch {
				case o == t,
					isFam && strings.HasPrefix(o, fam+"."),
					oIsFam && strings.HasPrefix(t, oFam+"."):
					add(m.spec)
				}
			}
		}
	}
	return out
}

// webhookEndpoint is the specification's WebhookEndpoint.
type webhookEndpoint struct {
	ID  wauser.WebhookID `json:"id"`
	URL string           `json:"url"`
	// EventTypes are shown with the specification's names; wauser's types
	// it has no name for are left out (see the package documentation).
	EventTypes  []string `json:"event_types"`
	Description string   `json:"description,omitempty"`
	AllAccounts bool     `json:"all_accounts"`
	// ConnectionIDs names the endpoint's connection; empty for an
	// endpoint for all accounts.
	ConnectionIDs []wauser.AccountID `json:"connection_ids"`
	// Secret is shown only when the endpoint is created and when its
	// secret is rotated.
	Secret    string    `json:"secret,omitempty"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	DeletedAt time.Time `json:"deleted_at,omitzero"`
}

func endpointOf(w *wauser.Webhook) *webhookEndpoint {
	ep := &webhookEndpoint{
		ID: w.ID, URL: w.URL, EventTypes: specEvents(w.EventTypes), Description: w.Description, AllAccounts: w.AllAccounts,
		ConnectionIDs: []wauser.AccountID{w.AccountID}, Secret: w.Secret, Enabled: w.Enabled,
		CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt,
	}
	if w.AllAccounts {
		ep.ConnectionIDs = []wauser.AccountID{}
	}
	return ep
}

// endpointAnswer is {"endpoint": ...}.
type endpointAnswer struct {
	Endpoint *webhookEndpoint `json:"endpoint"`
}

// endpointItems answers GET /v1/webhooks/endpoints.
type endpointItems struct {
	Items []*webhookEndpoint `json:"items"`
}

// endpointRequest is the specification's WebhookEndpointRequest. Fields
// left out of an update keep their value.
type endpointRequest struct {
	URL           string              `json:"url"`
	Description   *string             `json:"description,omitempty"`
	EventTypes    *[]string           `json:"event_types,omitempty"`
	AllAccounts   *bool               `json:"all_accounts,omitempty"`
	ConnectionIDs *[]wauser.AccountID `json:"connection_ids,omitempty"`
	Enabled       *bool               `json:"enabled,omitempty"`
}

// check validates what does not depend on stored state.
func (in *endpointRequest) check() error {
	if in.URL == "" {
		return badRequest("invalid_argument", "url is required")
	}
	if in.AllAccounts != nil && *in.AllAccounts {
		if in.ConnectionIDs != nil && len(*in.ConnectionIDs) > 0 {
			return badRequest("invalid_argument", "give all_accounts or connection_ids, not both")
		}
		return nil
	}
	if in.ConnectionIDs != nil && len(*in.ConnectionIDs) != 1 {
		return badRequest("invalid_argument",
			"connection_ids: name exactly one connection (wauser registers a webhook per connection; create one endpoint for each)")
	}
	return nil
}

// apply overlays the request on req.
func (in *endpointRequest) apply(req *wauser.WebhookRequest) error {
	req.URL = in.URL
	if in.Description != nil {
		req.Description = *in.Description
	}
	if in.AllAccounts != nil {
		req.AllAccounts = *in.AllAccounts
	}
	if in.EventTypes != nil {
		types, err := ourEventTypes(*in.EventTypes)
		if err != nil {
			return err
		}
		req.EventTypes = types
	}
	if in.Enabled != nil {
		req.Disabled = !*in.Enabled
	}
	return nil
}

// reachable returns the accounts the caller's key reaches, or the one the
// X-WhatsApp-Use-Connection-Id header names.
func (x *call) reachable() ([]wauser.AccountID, error) {
	if x.r.Header.Get(HeaderConnectionID) != "" {
		id, err := x.pickAccount()
		if err != nil {
			return nil, err
		}
		return []wauser.AccountID{id}, nil
	}
	all, err := x.c.ListAccounts(x.ctx)
	if err != nil {
		return nil, err
	}
	var out []wauser.AccountID
	for _, a := range all {
		if x.key.CanAccess(a.ID) {
			out = append(out, a.ID)
		}
	}
	return out, nil
}

// canManage reports whether the caller's key may see and change webhook
// w: a webhook for all accounts only with a key that reaches every account.
func (x *call) canManage(w *wauser.Webhook) bool { return !w.AllAccounts || x.key.AllAccounts }

// findWebhook returns the webhook id among the reachable accounts', with
// the Client bound to its account.
func (x *call) findWebhook(id wauser.WebhookID) (*wauser.Client, *wauser.Webhook, error) {
	accounts, err := x.reachable()
	if err != nil {
		return nil, nil, err
	}
	for _, a := range accounts {
		c := x.c.WithAccount(a)
		w, err := c.GetWebhook(x.ctx, id)
		switch {
		case errors.Is(err, wauser.ErrNotFound):
			continue
		case err != nil:
			return nil, nil, err
		case !x.canManage(w):
			continue
		}
		return c, w, nil
	}
	return nil, nil, &apiError{status: http.StatusNotFound, code: "not_found", message: "no webhook endpoint " + strconv.Quote(string(id))}
}

func syncListEndpoints() operation {
	return do(func(x *call) (*endpointItems, error) {
		accounts, err := x.reachable()
		if err != nil {
			return nil, err
		}
		out := &endpointItems{Items: []*webhookEndpoint{}}
		for _, a := range accounts {
			hooks, err := x.c.WithAccount(a).ListWebhooks(x.ctx)
			if err != nil && !errors.Is(err, wauser.ErrNotFound) {
				return nil, err
			}
			for _, w := range hooks {
				if x.canManage(w) {
					out.Items = append(out.Items, endpointOf(w))
				}
			}
		}
		return out, nil
	})
}

// syncCreateEndpoint registers a webhook for the connection named in
// connection_ids, or else the one the request acts on (the key's only
// account, or X-WhatsApp-Use-Connection-Id).
func syncCreateEndpoint() operation {
	return doBody(func(x *call, in *endpointRequest) (*endpointAnswer, error) {
		if err := in.check(); err != nil {
			return nil, err
		}
		req := wauser.WebhookRequest{Format: wauser.WebhookFormatWhatsAppUse}
		if err := in.apply(&req); err != nil {
			return nil, err
		}
		var account wauser.AccountID
		switch {
		case req.AllAccounts:
			if !x.key.AllAccounts {
				return nil, forbidden("all_accounts needs an API key that reaches every connection")
			}
			id, err := x.homeAccount()
			if err != nil {
				return nil, err
			}
			account = id
		case in.ConnectionIDs != nil:
			account = (*in.ConnectionIDs)[0]
			if !x.key.CanAccess(account) {
				return nil, forbidden("the API key cannot access connection %q", account)
			}
			if err := x.connectionExists(account); err != nil {
				return nil, err
			}
		default:
			id, err := x.pickAccount()
			if err != nil {
				return nil, err
			}
			if id == "" {
				acc, err := x.c.GetAccount(x.ctx)
				if err != nil {
					return nil, err
				}
				id = acc.ID
			}
			account = id
		}
		w, err := x.c.WithAccount(account).CreateWebhook(x.ctx, req)
		if err != nil {
			return nil, err
		}
		return &endpointAnswer{Endpoint: endpointOf(w)}, nil
	})
}

// syncUpdateEndpoint changes the fields given; url is required by the
// specification and replaces the current one.
func syncUpdateEndpoint() operation {
	return doBody(func(x *call, in *endpointRequest) (*endpointAnswer, error) {
		if err := in.check(); err != nil {
			return nil, err
		}
		c, w, err := x.findWebhook(wauser.WebhookID(x.r.PathValue("endpoint_id")))
		if err != nil {
			return nil, err
		}
		if in.ConnectionIDs != nil && len(*in.ConnectionIDs) == 1 && (*in.ConnectionIDs)[0] != w.AccountID {
			return nil, badRequest("invalid_argument", "connection_ids: an endpoint cannot move to another connection; create one there")
		}
		req := wauser.WebhookRequest{
			URL: w.URL, Headers: w.Headers, EventTypes: w.EventTypes, ChatIDs: w.ChatIDs, ChatTypes: w.ChatTypes,
			Mentions: w.Mentions, MessageTypes: w.MessageTypes, SettingsTypes: w.SettingsTypes, Disabled: !w.Enabled,
			Description: w.Description, AllAccounts: w.AllAccounts, Format: w.Format, // an update keeps the format
		}
		if in.ConnectionIDs != nil && len(*in.ConnectionIDs) == 1 {
			req.AllAccounts = false // named its one connection
		}
		if err := in.apply(&req); err != nil {
			return nil, err
		}
		if req.AllAccounts && !x.key.AllAccounts {
			return nil, forbidden("all_accounts needs an API key that reaches every connection")
		}
		got, err := c.UpdateWebhook(x.ctx, w.ID, req)
		if err != nil {
			return nil, err
		}
		return &endpointAnswer{Endpoint: endpointOf(got)}, nil
	})
}

func syncDeleteEndpoint() operation {
	return do(func(x *call) (*endpointAnswer, error) {
		c, w, err := x.findWebhook(wauser.WebhookID(x.r.PathValue("endpoint_id")))
		if err != nil {
			return nil, err
		}
		if err := c.DeleteWebhook(x.ctx, w.ID); err != nil {
			return nil, err
		}
		ep := endpointOf(w)
		ep.DeletedAt = x.now.UTC()
		return &endpointAnswer{Endpoint: ep}, nil
	})
}

// DefaultSecretOverlap is how long the secret replaced by
// POST /v1/webhooks/endpoints/{endpoint_id}/rotate-secret keeps signing
// deliveries next to the new one, unless ?overlap= (seconds) says otherwise.
const DefaultSecretOverlap = 24 * time.Hour

func syncRotateEndpoint() operation {
	return do(func(x *call) (*endpointAnswer, error) {
		overlap, err := queryInt(x.r.URL.Query(), "overlap", int64(DefaultSecretOverlap/time.Second), 0)
		if err != nil {
			return nil, err
		}
		overlap = min(overlap, int64(30*24*time.Hour/time.Second))
		c, w, err := x.findWebhook(wauser.WebhookID(x.r.PathValue("endpoint_id")))
		if err != nil {
			return nil, err
		}
		got, err := c.RotateWebhookSecret(x.ctx, w.ID, time.Duration(overlap)*time.Second)
		if err != nil {
			return nil, err
		}
		return &endpointAnswer{Endpoint: endpointOf(got)}, nil
	})
}

// endpointTest answers POST /v1/webhooks/endpoints/{endpoint_id}/test.
type endpointTest struct {
	// Event is the envelope sent: a webhook.ping event.
	Event    json.RawMessage  `json:"event"`
	Delivery *webhookDelivery `json:"delivery"`
}

// syncTestEndpoint sends the endpoint a test event now, signed like every
// delivery (Client.PingWebhook; in the WhatsApp Use format a sample
// whatsapp.message.received, as that API's test endpoint sends) and
// answers the event and how its delivery went.
func syncTestEndpoint() operation {
	return do(func(x *call) (*endpointTest, error) {
		c, w, err := x.findWebhook(wauser.WebhookID(x.r.PathValue("endpoint_id")))
		if err != nil {
			return nil, err
		}
		d, err := c.PingWebhook(x.ctx, w.ID)
		if err != nil {
			return nil, err
		}
		return &endpointTest{Event: d.Payload, Delivery: deliveryOf(d)}, nil
	})
}

// webhookDelivery is the specification's WebhookDelivery.
type webhookDelivery struct {
	ID         wauser.DeliveryID `json:"id"`
	EndpointID wauser.WebhookID  `json:"endpoint_id"`
	EventID    string            `json:"event_id"`
	// EventType is the type of the event sent: the specification's name
	// for the endpoints of this dialect, wauser's for webhooks registered
	// otherwise (conversation.updated, webhook.ping, ...).
	EventType string `json:"event_type"`
	// Status is queued, pending, delivered, failed or dead.
	Status      wauser.DeliveryState `json:"status"`
	StatusCode  int                  `json:"status_code,omitempty"`
	Error       string               `json:"error,omitempty"`
	Attempts    int                  `json:"attempts"`
	CreatedAt   time.Time            `json:"created_at"`
	DeliveredAt time.Time            `json:"delivered_at,omitzero"`
}

func deliveryOf(d *wauser.WebhookDelivery) *webhookDelivery {
	// The type the body sent says: the specification's name for an
	// endpoint in its format, wauser's for the others.
	var sent struct {
		Type string `json:"type"`
	}
	typ := string(d.EventType)
	if json.Unmarshal(d.Payload, &sent) == nil && sent.Type != "" {
		typ = sent.Type
	}
	return &webhookDelivery{
		ID: d.ID, EndpointID: d.WebhookID, EventID: d.EventID, EventType: typ, Status: d.State,
		StatusCode: d.StatusCode, Error: d.Error, Attempts: d.Attempts, CreatedAt: d.CreatedAt, DeliveredAt: d.DeliveredAt,
	}
}

// deliveryItems answers GET /v1/webhooks/deliveries.
type deliveryItems struct {
	Items []*webhookDelivery `json:"items"`
}

// syncListDeliveries lists the newest deliveries of the reachable
// endpoints (or of ?endpoint_id= only), newest first.
func syncListDeliveries() operation {
	return do(func(x *call) (*deliveryItems, error) {
		q := x.r.URL.Query()
		limit, err := listLimit(q, 50)
		if err != nil {
			return nil, err
		}
		type hook struct {
			c  *wauser.Client
			id wauser.WebhookID
		}
		var hooks []hook
		if id := q.Get("endpoint_id"); id != "" {
			c, w, err := x.findWebhook(wauser.WebhookID(id))
			if err != nil {
				return nil, err
			}
			hooks = append(hooks, hook{c, w.ID})
		} else {
			accounts, err := x.reachable()
			if err != nil {
				return nil, err
			}
			for _, a := range accounts {
				c := x.c.WithAccount(a)
				list, err := c.ListWebhooks(x.ctx)
				if err != nil && !errors.Is(err, wauser.ErrNotFound) {
					return nil, err
				}
				for _, w := range list {
					if x.canManage(w) {
						hooks = append(hooks, hook{c, w.ID})
					}
				}
			}
		}
		out := &deliveryItems{Items: []*webhookDelivery{}}
		for _, h := range hooks {
			ds, err := h.c.ListWebhookDeliveries(x.ctx, h.id, wauser.ListWebhookDeliveriesOptions{Limit: limit})
			if err != nil && !errors.Is(err, wauser.ErrNotFound) {
				return nil, err
			}
			for _, d := range ds {
				out.Items = append(out.Items, deliveryOf(d))
			}
		}
		sort.SliceStable(out.Items, func(i, j int) bool {
			a, b := out.Items[i], out.Items[j]
			if !a.CreatedAt.Equal(b.CreatedAt) {
				return a.CreatedAt.After(b.CreatedAt)
			}
			return a.ID > b.ID
		})
		if len(out.Items) > limit {
			out.Items = out.Items[:limit]
		}
		return out, nil
	})
}

// homeAccount is the connection an endpoint for all accounts belongs to:
// the one X-WhatsApp-Use-Connection-Id names, or else the first by id.
func (x *call) homeAccount() (wauser.AccountID, error) {
	if x.r.Header.Get(HeaderConnectionID) != "" {
		return x.pickAccount()
	}
	all, err := x.c.ListAccounts(x.ctx)
	if err != nil {
		return "", err
	}
	if len(all) == 0 {
		return "", &apiError{status: http.StatusConflict, code: "no_connection",
			message: "there is no connection yet; an endpoint for all accounts belongs to one: create a connection first"}
	}
	return all[0].ID, nil
}
