package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// WebhookStats counts webhooks and the deliveries made since a time.
type WebhookStats struct {
	Webhooks       int // every webhook, of every account
	ActiveWebhooks int // the enabled ones
	Deliveries     int // deliveries queued since the time, in any state
	Delivered      int // of them, delivered (2xx)
	Failed         int // of them, refused for good or given up (failed, dead)
}

// CountWebhookStats counts the webhooks of every account and the
// deliveries created at or after since.
func CountWebhookStats(ctx context.Context, db bun.IDB, since time.Time) (*WebhookStats, error) {
	var st WebhookStats
	err := db.NewSelect().Model((*Webhook)(nil)).
		ColumnExpr("COUNT(*)").
		ColumnExpr("COALESCE(SUM(CASE WHEN enabled THEN 1 ELSE 0 END), 0)").
		Scan(ctx, &st.Webhooks, &st.ActiveWebhooks)
	if err != nil {
		return nil, fmt.Errorf("store: count webhooks: %w", err)
	}
	err = db.NewSelect().Model((*WebhookDelivery)(nil)).
		ColumnExpr("COUNT(*)").
		ColumnExpr("COALESCE(SUM(CASE WHEN state = ? THEN 1 ELSE 0 END), 0)", DeliveryDelivered).
		ColumnExpr("COALESCE(SUM(CASE WHEN state IN (?, ?) THEN 1 ELSE 0 END), 0)", DeliveryFailed, DeliveryDead).
		Where("created_at >= ?", since).
		Scan(ctx, &st.Deliveries, &st.Delivered, &st.Failed)
	if err != nil {
		return nil, fmt.Errorf("store: count webhook deliveries: %w", err)
	}
	return &st, nil
}
