package wauser

import (
	"context"
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wauser/wauser/internal/metrics"
)

// WithMetrics registers the Client's Prometheus metrics with reg (serve
// them with promhttp.HandlerFor, as examples/server does at GET /metrics).
// Off by default, when counting costs nothing. All are prefixed wauser_:
//
//   - ingestion: wauser_ingest_events_total{event} (whatsmeow events by
//     type), wauser_ingest_failures_total{event} (events that could not be
//     stored; WhatsApp delivers them again), wauser_ingest_messages_total
//     {source="live"|"history"}, wauser_ingest_history_batches_total and
//     the wauser_ingest_duration_seconds histogram;
//   - the change feed: wauser_feed_pages_total{cache="hit"|"miss"} and
//     wauser_feed_records_total{kind};
//   - webhooks: wauser_webhook_deliveries_total{outcome="delivered"|"retry"|
//     "failed"|"dead"}, the wauser_webhook_delivery_duration_seconds
//     histogram of attempts, and wauser_webhook_queue_depth{state="pending"|
//     "queued"};
//   - sends: wauser_sends_total{type,outcome="sent"|"invalid"|
//     "rate_limited"|"not_connected"|"failed"};
//   - accounts: wauser_accounts{state}, one series per AccountState.
//
// The queue depth and the accounts are read from the store at each scrape
// (wauser_store_up is 0 when it did not answer), so on a PostgreSQL store
// shared by several processes they count every process's; the counters
// count this process's work. Registering fails (New returns the error)
// when reg already holds wauser's metrics, as with two Clients on one
// registry: give each its own, or wrap reg with
// prometheus.WrapRegistererWith.
func WithMetrics(reg prometheus.Registerer) Option {
	return func(c *config) error {
		if reg == nil {
			return invalidArg("metrics registerer", "nil prometheus.Registerer")
		}
		c.metrics = reg
		return nil
	}
}

// newMetrics registers the metrics when WithMetrics asked for them.
func (co *core) newMetrics() (*metrics.Metrics, error) {
	if co.cfg.metrics == nil {
		return nil, nil
	}
	all := []AccountState{StateUnpaired, StatePairing, StateConnecting, StateConnected, StateReconnecting,
		StateLoggedOut, StateStreamReplaced, StateBanned, StateOutdated}
	states := make([]string, len(all))
	for i, s := range all {
		states[i] = string(s)
	}
	m, err := metrics.New(co.cfg.metrics, states, co.readGauges)
	if err != nil {
		return nil, fmt.Errorf("wauser: %w", err)
	}
	return m, nil
}

// readGauges reads what the metrics report from the store at each scrape.
func (co *core) readGauges(ctx context.Context) (*metrics.Gauges, error) {
	accounts, err := co.st.ListAccounts(ctx)
	if err != nil {
		return nil, err
	}
	g := &metrics.Gauges{Accounts: map[string]int{}}
	for _, a := range accounts {
		g.Accounts[a.State]++
	}
	g.PendingDeliveries, g.QueuedDeliveries, err = co.st.DeliveryQueue(ctx)
	return g, err
}

// countSendOutcome counts one SendMessage call by its outcome; typ is
// "" when the request was refused before its type was known.
func (co *core) countSendOutcome(typ MessageType, err error) {
	if co.metrics == nil {
		return
	}
	outcome := "sent"
	switch {
	case err == nil:
	case errors.Is(err, ErrInvalidArgument):
		outcome = "invalid"
	case errors.Is(err, ErrRateLimited):
		outcome = "rate_limited"
	case errors.Is(err, ErrNotConnected), errors.Is(err, ErrNotLoggedIn):
		outcome = "not_connected"
	default:
		outcome = "failed"
	}
	if typ == "" {
		typ = "unknown"
	}
	co.metrics.Send(string(typ), outcome)
}
