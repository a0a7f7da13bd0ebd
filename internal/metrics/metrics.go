// Package metrics counts what a Client does, for Prometheus
// (wauser.WithMetrics). Every method of *Metrics works on a nil pointer and
// then does nothing: with metrics off, the default, a count costs one nil
// check.
//
// Counted as things happen: ingestion (whatsmeow events by type, failures,
// messages, history batches, time per event), the change feed (pages and
// records served), webhook deliveries (attempts by outcome and their
// latency) and sends (by message type and outcome). Read from the store at
// each scrape: accounts by state and the webhook queue depth, with
// wauser_store_up saying whether the store answered.
package metrics

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.mau.fi/whatsmeow/types/events"
)

// Metrics are the Client's counters. A nil *Metrics counts nothing.
type Metrics struct {
	events          *prometheus.CounterVec
	failures        *prometheus.CounterVec
	messages        *prometheus.CounterVec
	batches         prometheus.Counter
	ingestSeconds   prometheus.Histogram
	feedPages       *prometheus.CounterVec
	feedRecords     *prometheus.CounterVec
	deliveries      *prometheus.CounterVec
	deliverySeconds prometheus.Histogram
	sends           *prometheus.CounterVec
}

// Gauges are read from the store at each scrape.
type Gauges struct {
	// Accounts counts the accounts by state.
	Accounts map[string]int
	// PendingDeliveries are webhook deliveries due or waiting for a retry;
	// QueuedDeliveries wait behind an earlier delivery of their endpoint
	// and conversation.
	PendingDeliveries, QueuedDeliveries int64
}

// ReadGauges reads the Gauges; it gets a context with a timeout.
type ReadGauges func(ctx context.Context) (*Gauges, error)

// Outcomes of a webhook delivery attempt.
const (
	DeliveryDelivered = "delivered" // the endpoint answered 2xx
	DeliveryRetry     = "retry"     // failed; another attempt is scheduled
	DeliveryFailed    = "failed"    // refused for good
	DeliveryDead      = "dead"      // failed, and retries gave up
)

// New makes the metrics and registers them with reg. states are every
// account state, so that each has a series, 0 when no account is in it.
// Registering fails when reg already holds wauser's metrics (two Clients on
// one registry: wrap it with prometheus.WrapRegistererWith to tell them
// apart).
func New(reg prometheus.Registerer, states []string, read ReadGauges) (*Metrics, error) {
	m := &Metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wauser_ingest_events_total",
			Help: "whatsmeow events handled by ingestion, by event type (Message, Receipt, HistorySync...).",
		}, []string{"event"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wauser_ingest_failures_total",
			Help: "Events ingestion could not store, by event type; WhatsApp delivers them again.",
		}, []string{"event"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wauser_ingest_messages_total",
			Help: "Messages stored by ingestion: live ones, and those of history syncs.",
		}, []string{"source"}),
		batches: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wauser_ingest_history_batches_total",
			Help: "History sync batches (the chunks WhatsApp sends) stored.",
		}),
		ingestSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "wauser_ingest_duration_seconds",
			Help:    "Time to store one whatsmeow event (a history batch is one event).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 30},
		}),
		feedPages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wauser_feed_pages_total",
			Help: "Pages of the change feed served; cache=hit for pages served from memory (SyncPageJSON).",
		}, []string{"cache"}),
		feedRecords: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wauser_feed_records_total",
			Help: "Records read for change feed pages, by kind (conversation, contact, message).",
		}, []string{"kind"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wauser_webhook_deliveries_total",
			Help: "Webhook delivery attempts, by outcome: delivered, retry, failed (for good), dead (retries gave up).",
		}, []string{"outcome"}),
		deliverySeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "wauser_webhook_delivery_duration_seconds",
			Help:    "Duration of one webhook delivery attempt, until the endpoint answered or failed.",
			Buckets: prometheus.DefBuckets,
		}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wauser_sends_total",
			Help: "SendMessage calls, by message type and outcome: sent, invalid, rate_limited, not_connected, failed.",
		}, []string{"type", "outcome"}),
	}
	collectors := []prometheus.Collector{
		m.events, m.failures, m.messages, m.batches, m.ingestSeconds, m.feedPages, m.feedRecords,
		m.deliveries, m.deliverySeconds, m.sends, newStoreCollector(states, read),
	}
	for _, c := range collectors {
		if err := reg.Register(c); err != nil {
			for _, done := range collectors {
				if done == c {
					break
				}
				reg.Unregister(done)
			}
			return nil, fmt.Errorf("register metrics: %w", err)
		}
	}
	// Series that exist from the start, so that rates work from the first
	// event.
	for _, s := range []string{"live", "history"} {
		m.messages.WithLabelValues(s)
	}
	for _, c := range []string{"hit", "miss"} {
		m.feedPages.WithLabelValues(c)
	}
	for _, o := range []string{DeliveryDelivered, DeliveryRetry, DeliveryFailed, DeliveryDead} {
		m.deliveries.WithLabelValues(o)
	}
	return m, nil
}

// Event counts one whatsmeow event of type event handed to ingestion: the
// messages it stored (history says they came in a history sync, one batch),
// how long it took, and whether it failed.
func (m *Metrics) Event(event string, messages int, history bool, took time.Duration, err error) {
	if m == nil {
		return
	}
	m.events.WithLabelValues(event).Inc()
	m.ingestSeconds.Observe(took.Seconds())
	if err != nil {
		m.failures.WithLabelValues(event).Inc()
		return
	}
	source := "live"
	if history {
		source = "history"
		m.batches.Inc()
	}
	if messages > 0 {
		m.messages.WithLabelValues(source).Add(float64(messages))
	}
}

// FeedPage counts a change feed page served, from memory (cached) or read
// with its records.
func (m *Metrics) FeedPage(cached bool, conversations, contacts, messages int) {
	if m == nil {
		return
	}
	if cached {
		m.feedPages.WithLabelValues("hit").Inc()
		return
	}
	m.feedPages.WithLabelValues("miss").Inc()
	m.feedRecords.WithLabelValues("conversation").Add(float64(conversations))
	m.feedRecords.WithLabelValues("contact").Add(float64(contacts))
	m.feedRecords.WithLabelValues("message").Add(float64(messages))
}

// Delivery counts one webhook delivery attempt with its outcome (one of
// the Delivery constants) and duration.
func (m *Metrics) Delivery(outcome string, took time.Duration) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(outcome).Inc()
	m.deliverySeconds.Observe(took.Seconds())
}

// Send counts one SendMessage call of message type typ with its outcome.
func (m *Metrics) Send(typ, outcome string) {
	if m == nil {
		return
	}
	m.sends.WithLabelValues(typ, outcome).Inc()
}

// storeCollector reads the gauges from the store at each scrape.
type storeCollector struct {
	states              []string
	read                ReadGauges
	up, accounts, queue *prometheus.Desc
}

func newStoreCollector(states []string, read ReadGauges) *storeCollector {
	return &storeCollector{
		states:   states,
		read:     read,
		up:       prometheus.NewDesc("wauser_store_up", "Whether the store answered this scrape (1) or not (0).", nil, nil),
		accounts: prometheus.NewDesc("wauser_accounts", "Accounts by state.", []string{"state"}, nil),
		queue: prometheus.NewDesc("wauser_webhook_queue_depth",
			"Webhook deliveries still to send: pending (due, or waiting for a retry) and queued (behind an earlier delivery of their endpoint and conversation).",
			[]string{"state"}, nil),
	}
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.up
	ch <- c.accounts
	ch <- c.queue
}

// scrapeTimeout bounds the store reads of one scrape.
const scrapeTimeout = 5 * time.Second

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	g, err := c.read(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	seen := map[string]bool{}
	for _, s := range c.states {
		seen[s] = true
		ch <- prometheus.MustNewConstMetric(c.accounts, prometheus.GaugeValue, float64(g.Accounts[s]), s)
	}
	for s, n := range g.Accounts {
		if !seen[s] {
			ch <- prometheus.MustNewConstMetric(c.accounts, prometheus.GaugeValue, float64(n), s)
		}
	}
	ch <- prometheus.MustNewConstMetric(c.queue, prometheus.GaugeValue, float64(g.PendingDeliveries), "pending")
	ch <- prometheus.MustNewConstMetric(c.queue, prometheus.GaugeValue, float64(g.QueuedDeliveries), "queued")
}

// WhatsmeowEvent counts one whatsmeow event handed to ingestion, by its type
// name (Message, Receipt, HistorySync...), with the messages it carried.
func (m *Metrics) WhatsmeowEvent(evt any, took time.Duration, err error) {
	if m == nil || evt == nil {
		return
	}
	t := reflect.TypeOf(evt)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	name := t.Name() // Message, Receipt, HistorySync...
	switch e := evt.(type) {
	case *events.Message:
		if e.Message.GetProtocolMessage().GetHistorySyncNotification() != nil {
			// A history blob announced: counted when the sync queue stores it.
			m.Event("HistorySyncNotification", 0, false, took, err)
			return
		}
		m.Event(name, 1, false, took, err)
	case *events.HistorySync:
		n := 0
		for _, conv := range e.Data.GetConversations() {
			n += len(conv.GetMessages())
		}
		m.Event(name, n, true, took, err)
	default:
		m.Event(name, 0, false, took, err)
	}
}

// HistoryBlob counts a history blob the sync queue stored (or failed to)
// with its n messages.
func (m *Metrics) HistoryBlob(n int, took time.Duration, err error) {
	m.Event("HistorySync", n, true, took, err)
}
