package wauser

import (
	"context"
	"fmt"
	"time"

	"github.com/wauser/wauser/internal/store"
)

// WebhookStats counts the webhooks of every account and their deliveries
// since a time (WebhookStats).
type WebhookStats struct {
	Webhooks       int `json:"webhooks"`        // every webhook
	ActiveWebhooks int `json:"active_webhooks"` // the enabled ones
	// Deliveries queued since the time, in any state; of them, Delivered
	// (the endpoint answered 2xx) and Failed (refused for good, or retries
	// gave up). The others are still due.
	Deliveries int `json:"deliveries"`
	Delivered  int `json:"delivered"`
	Failed     int `json:"failed"`
}

// WebhookStats counts the webhooks of every account, and the deliveries
// queued for them at or after since, by outcome. Like ListAPIKeys it is
// about the whole store: the account c is bound to does not matter.
func (c *Client) WebhookStats(ctx context.Context, since time.Time) (*WebhookStats, error) {
	if err := c.core.checkOpen(); err != nil {
		return nil, err
	}
	st, err := store.CountWebhookStats(ctx, c.core.st.DB(), since.UTC())
	if err != nil {
		return nil, fmt.Errorf("wauser: webhook stats: %w", err)
	}
	return &WebhookStats{Webhooks: st.Webhooks, ActiveWebhooks: st.ActiveWebhooks,
		Deliveries: st.Deliveries, Delivered: st.Delivered, Failed: st.Failed}, nil
}
