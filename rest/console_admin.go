package rest

import (
	"net/http"
	"strings"
	"time"

	"github.com/wauser/wauser"
)

// consoleWebhook is a webhook as the console lists it; Secret only when
// it was just created.
type consoleWebhook struct {
	ID         wauser.WebhookID `json:"id"`
	URL        string           `json:"url"`
	EventTypes []string         `json:"event_types"`
	Enabled    bool             `json:"enabled"`
	CreatedAt  time.Time        `json:"created_at"`
	Secret     string           `json:"secret,omitempty"`
}

func newConsoleWebhook(w *wauser.Webhook) consoleWebhook {
	return consoleWebhook{ID: w.ID, URL: w.URL, EventTypes: w.EventTypes, Enabled: w.Enabled, CreatedAt: w.CreatedAt, Secret: w.Secret}
}

func consoleWebhooks() operation {
	return do(func(x *call) ([]consoleWebhook, error) {
		list, err := bound(x).ListWebhooks(x.ctx)
		if err != nil {
			return nil, err
		}
		out := make([]consoleWebhook, 0, len(list))
		for _, w := range list {
			out = append(out, newConsoleWebhook(w))
		}
		return out, nil
	})
}

// consoleWebhookRequest is the body of POST /pair/accounts/{id}/webhooks.
type consoleWebhookRequest struct {
	URL string `json:"url"`
	// EventTypes are the events to deliver; empty means all.
	EventTypes []string `json:"event_types"`
}

func consoleCreateWebhook() operation {
	return doBody(func(x *call, in *consoleWebhookRequest) (*consoleWebhook, error) {
		w, err := bound(x).CreateWebhook(x.ctx, wauser.WebhookRequest{URL: strings.TrimSpace(in.URL), EventTypes: in.EventTypes})
		if err != nil {
			return nil, err
		}
		v := newConsoleWebhook(w)
		return &v, nil
	})
}

func consoleDeleteWebhook() operation {
	return do(func(x *call) (noData, error) {
		return noData{}, bound(x).DeleteWebhook(x.ctx, wauser.WebhookID(x.r.PathValue("webhook")))
	})
}

// consoleDelivery is an entry of a webhook's delivery log as the console
// shows it.
type consoleDelivery struct {
	ID         wauser.DeliveryID    `json:"id"`
	EventType  wauser.EventType     `json:"event_type"`
	State      wauser.DeliveryState `json:"state"`
	Attempts   int                  `json:"attempts"`
	StatusCode int                  `json:"status_code,omitempty"`
	Error      string               `json:"error,omitempty"`
	CreatedAt  time.Time            `json:"created_at"`
	LastTry    time.Time            `json:"last_attempt_at,omitzero"`
	NextTry    time.Time            `json:"next_attempt_at,omitzero"`
	Replayable bool                 `json:"replayable"`
}

func consoleDeliveries() operation {
	return do(func(x *call) ([]consoleDelivery, error) {
		list, err := bound(x).ListWebhookDeliveries(x.ctx, wauser.WebhookID(x.r.PathValue("webhook")),
			wauser.ListWebhookDeliveriesOptions{Limit: 50})
		if err != nil {
			return nil, err
		}
		out := make([]consoleDelivery, 0, len(list))
		for _, d := range list {
			out = append(out, consoleDelivery{
				ID: d.ID, EventType: d.EventType, State: d.State, Attempts: d.Attempts, StatusCode: d.StatusCode,
				Error: explainDelivery(d.Error), CreatedAt: d.CreatedAt, LastTry: d.LastAttemptAt, NextTry: d.NextAttemptAt,
				Replayable: d.State == wauser.DeliveryFailed || d.State == wauser.DeliveryDead,
			})
		}
		return out, nil
	})
}

// consoleReplayed is the answer of a replay.
type consoleReplayed struct {
	Replayed int `json:"replayed"`
}

func consoleReplay() operation {
	return do(func(x *call) (*consoleReplayed, error) {
		n, err := bound(x).ReplayWebhookDeliveries(x.ctx, wauser.WebhookID(x.r.PathValue("webhook")),
			wauser.DeliveryID(x.r.PathValue("delivery")))
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, &apiError{status: http.StatusConflict, code: "not_replayable",
				message: "only failed or given-up deliveries can be sent again; this one is not"}
		}
		return &consoleReplayed{Replayed: n}, nil
	})
}

// explainDelivery turns a delivery attempt's error into a sentence.
func explainDelivery(msg string) string {
	lower := strings.ToLower(msg)
	switch {
	case msg == "":
		return ""
	case strings.HasPrefix(msg, "HTTP "):
		code, _, _ := strings.Cut(strings.TrimPrefix(msg, "HTTP "), " (")
		return "The endpoint answered " + code + "."
	case strings.Contains(lower, "no such host"), strings.Contains(lower, "lookup "):
		return "The endpoint's host name does not resolve (DNS lookup failed)."
	case strings.Contains(lower, "connection refused"):
		return "The endpoint refused the connection: nothing listens at that address."
	case strings.Contains(lower, "timeout"), strings.Contains(lower, "deadline exceeded"):
		return "The endpoint did not answer in time."
	case strings.Contains(lower, "x509"), strings.Contains(lower, "certificate"):
		return "The endpoint's TLS certificate was not accepted."
	case strings.Contains(lower, "private"), strings.Contains(lower, "forbidden address"), strings.Contains(lower, "not public"):
		return "The endpoint's address is not public: this server does not deliver there."
	case strings.Contains(lower, "secret"):
		return "The webhook's signing secret is unusable: delete it and create it again."
	}
	return "The delivery failed: " + sentence(lastCause(msg))
}

// consoleKey is an API key as the console lists it; Key only when it was
// just created.
type consoleKey struct {
	ID          wauser.APIKeyID    `json:"id"`
	Name        string             `json:"name"`
	Prefix      string             `json:"prefix"`
	Scopes      []wauser.Scope     `json:"scopes"`
	AllAccounts bool               `json:"all_accounts"`
	Accounts    []wauser.AccountID `json:"accounts"`
	CreatedAt   time.Time          `json:"created_at"`
	LastUsedAt  time.Time          `json:"last_used_at,omitzero"`
	Revoked     bool               `json:"revoked"`
	Key         string             `json:"key,omitempty"`
}

func newConsoleKey(k *wauser.APIKey) consoleKey {
	accounts := k.Accounts
	if accounts == nil {
		accounts = []wauser.AccountID{}
	}
	return consoleKey{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes, AllAccounts: k.AllAccounts,
		Accounts: accounts, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, Revoked: !k.RevokedAt.IsZero(), Key: k.Key}
}

func consoleKeys() operation {
	return do(func(x *call) ([]consoleKey, error) {
		list, err := x.c.ListAPIKeys(x.ctx)
		if err != nil {
			return nil, err
		}
		out := make([]consoleKey, 0, len(list))
		for i := len(list) - 1; i >= 0; i-- { // newest first
			out = append(out, newConsoleKey(list[i]))
		}
		return out, nil
	})
}

func consoleCreateKey() operation {
	return doBody(func(x *call, in *wauser.CreateAPIKeyRequest) (*consoleKey, error) {
		in.Name = strings.TrimSpace(in.Name)
		k, err := x.c.CreateAPIKey(x.ctx, *in)
		if err != nil {
			return nil, err
		}
		v := newConsoleKey(k)
		return &v, nil
	})
}

func consoleRevokeKey() operation {
	return do(func(x *call) (noData, error) {
		return noData{}, x.c.RevokeAPIKey(x.ctx, wauser.APIKeyID(x.r.PathValue("key")))
	})
}
