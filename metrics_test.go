package wauser_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// metricValue sums the values of the series of name whose labels include
// labels; found is false when there is no such series.
func metricValue(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) (sum float64, found bool) {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue series
				}
			}
			found = true
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				sum += m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				sum += m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				sum += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return sum, found
}

// TestMetricsCountWhatTheClientDoes runs an account through each counted
// path (live and history ingestion, the feed with its cache, sends that
// succeed and fail, webhook deliveries that succeed and fail) and reads
// every family back from the registry.
func TestMetricsCountWhatTheClientDoes(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		reg := prometheus.NewRegistry()
		h := newHarness(t, db, wauser.WithMetrics(reg), wauser.WithPrivateWebhookTargets())
		ctx := ctxTimeout(t)
		val := func(name string, labels map[string]string) float64 {
			t.Helper()
			v, found := metricValue(t, reg, name, labels)
			require.True(t, found, "%s%v is exported", name, labels)
			return v
		}
		require.Equal(t, 1.0, val("wauser_store_up", nil))
		require.Equal(t, 0.0, val("wauser_accounts", map[string]string{"state": "connected"}), "every state has a series")

		bot, conn := pair(t, h, "m")
		ok := newReceiver(t)
		refusing := newReceiver(t)
		refusing.setAnswer(func(int, *http.Request) (int, map[string]string) { return http.StatusBadRequest, nil })
		for _, rc := range []*receiver{ok, refusing} {
			_, err := bot.CreateWebhook(ctx, wauser.WebhookRequest{URL: rc.URL, EventTypes: []string{"message.received"}})
			require.NoError(t, err)
		}

		peer := types.NewJID("15550001111", types.DefaultUserServer)
		require.True(t, conn.Emit(watest.Text(peer, peer, "3EB0AAAA", epoch, "hello")))
		emitHistory(t, bot, conn, watest.HistoryData(watest.SyntheticHistory(1, 1, 2, 3, 100, epoch)))
		_, err := bot.SendText(ctx, "+15550001111", "hi")
		require.NoError(t, err)
		_, err = bot.SendText(ctx, "12", "hi")
		require.ErrorIs(t, err, wauser.ErrInvalidArgument)
		for range 2 {
			_, err = bot.SyncPageJSON(ctx, 0, 100)
			require.NoError(t, err)
		}

		require.Equal(t, 1.0, val("wauser_ingest_events_total", map[string]string{"event": "Message"}))
		require.Equal(t, 1.0, val("wauser_ingest_events_total", map[string]string{"event": "HistorySync"}))
		require.Equal(t, 1.0, val("wauser_ingest_messages_total", map[string]string{"source": "live"}))
		require.Equal(t, 6.0, val("wauser_ingest_messages_total", map[string]string{"source": "history"}))
		require.Equal(t, 1.0, val("wauser_ingest_history_batches_total", nil))
		failures, _ := metricValue(t, reg, "wauser_ingest_failures_total", nil)
		require.Zero(t, failures)
		require.GreaterOrEqual(t, val("wauser_ingest_duration_seconds", nil), 2.0)
		require.Equal(t, 1.0, val("wauser_sends_total", map[string]string{"type": "text", "outcome": "sent"}))
		require.Equal(t, 1.0, val("wauser_sends_total", map[string]string{"type": "unknown", "outcome": "invalid"}),
			"a refused request's type is not a label")
		require.Equal(t, 1.0, val("wauser_feed_pages_total", map[string]string{"cache": "miss"}))
		require.Equal(t, 1.0, val("wauser_feed_pages_total", map[string]string{"cache": "hit"}))
		require.Equal(t, 8.0, val("wauser_feed_records_total", map[string]string{"kind": "message"}), "1 live, 6 history, the sent one")
		require.Equal(t, 1.0, val("wauser_accounts", map[string]string{"state": "connected"}))
		require.Equal(t, 1.0, val("wauser_accounts", nil), "one account in all")

		// The received message goes to both webhooks: one takes it, one
		// refuses it for good.
		ok.waitUntil(t, func(r []received) bool { return len(r) == 1 })
		refusing.waitUntil(t, func(r []received) bool { return len(r) == 1 })
		require.Eventually(t, func() bool {
			d, _ := metricValue(t, reg, "wauser_webhook_deliveries_total", map[string]string{"outcome": "delivered"})
			f, _ := metricValue(t, reg, "wauser_webhook_deliveries_total", map[string]string{"outcome": "failed"})
			return d == 1 && f == 1
		}, 30*time.Second, 5*time.Millisecond, "attempts are counted by outcome")
		require.Equal(t, 2.0, val("wauser_webhook_delivery_duration_seconds", nil))
		require.Equal(t, 0.0, val("wauser_webhook_deliveries_total", map[string]string{"outcome": "dead"}))
		// The outcomes are counted when the attempts end, their results
		// written to the store a moment later.
		require.Eventually(t, func() bool {
			p, _ := metricValue(t, reg, "wauser_webhook_queue_depth", map[string]string{"state": "pending"})
			q, _ := metricValue(t, reg, "wauser_webhook_queue_depth", map[string]string{"state": "queued"})
			return p == 0 && q == 0
		}, 30*time.Second, 5*time.Millisecond, "the queue drains")
	})
}

// TestMetricsQueueDepthAndStoreDown: the queue depth counts deliveries
// waiting for a retry and those behind them; a store that does not answer
// makes wauser_store_up 0 instead of failing the scrape.
func TestMetricsQueueDepthAndStoreDown(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	db := testdb.SQLite(t)
	rc := newReceiver(t)
	rc.setAnswer(func(int, *http.Request) (int, map[string]string) { return http.StatusServiceUnavailable, nil })
	c := webhookClient(t, db, watest.NewClock(epoch), wauser.WithMetrics(reg))
	ctx := ctxTimeout(t)
	_, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "q"})
	require.NoError(t, err)
	_, err = c.CreateWebhook(ctx, wauser.WebhookRequest{URL: rc.URL})
	require.NoError(t, err)
	chat := "15550001111@s.whatsapp.net"
	insertEvents(t, c,
		messageEvent("q", "message.received", chat, "text", 1, nil),
		messageEvent("q", "message.received", chat, "text", 2, nil),
		messageEvent("q", "message.received", chat, "text", 3, nil))
	rc.waitUntil(t, func(r []received) bool { return len(r) == 1 })
	require.Eventually(t, func() bool {
		p, _ := metricValue(t, reg, "wauser_webhook_queue_depth", map[string]string{"state": "pending"})
		q, _ := metricValue(t, reg, "wauser_webhook_queue_depth", map[string]string{"state": "queued"})
		r, _ := metricValue(t, reg, "wauser_webhook_deliveries_total", map[string]string{"outcome": "retry"})
		return p == 1 && q == 2 && r == 1
	}, 30*time.Second, 5*time.Millisecond, "the first delivery waits for its retry, the two others behind it")

	// A second Client on the same registry is refused.
	_, err = wauser.New(db.Open(t), wauser.WithMetrics(reg))
	require.ErrorContains(t, err, "register metrics")

	require.NoError(t, c.Store().Close())
	v, found := metricValue(t, reg, "wauser_store_up", nil)
	require.True(t, found)
	require.Equal(t, 0.0, v)
	_, found = metricValue(t, reg, "wauser_accounts", nil)
	require.False(t, found, "no account counts without the store")
}
