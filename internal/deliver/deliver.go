// Package deliver consumes the event outbox: it fans events out into webhook
// deliveries, sends them with a bounded pool of workers (signed, retried with
// backoff, dead-lettered after a horizon, in order per endpoint and
// conversation), and feeds the in-process event handlers.
//
// Everything it knows is in the database (consumer cursors and delivery
// rows), so an Engine on a reopened store resumes where the last one stopped.
package deliver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/wauser/wauser/internal/metrics"
	"github.com/wauser/wauser/internal/store"
)

// Config configures an Engine. Zero durations and counts take the defaults
// in the field comments.
type Config struct {
	Store  *store.Store
	Logger *slog.Logger
	HTTP   *http.Client // see NewHTTPClient

	// Now and NewTimer tell time for due dates, backoff and the horizon
	// (the Client's clock). Network timeouts and the poll interval use real
	// time.
	Now      func() time.Time
	NewTimer func(d time.Duration) (c <-chan time.Time, stop func() bool)

	Workers        int           // concurrent deliveries; default 16
	MinBackoff     time.Duration // first retry delay; default 5 s
	MaxBackoff     time.Duration // retry delay cap; default 1 h
	Horizon        time.Duration // give up (dead) after; default 24 h
	PollInterval   time.Duration // look for other processes' rows; default 1 s
	AttemptTimeout time.Duration // one HTTP attempt; default 10 s
	Lease          time.Duration // a worker's claim on a delivery; default AttemptTimeout + 50 s
	Batch          int           // events read per round; default 500

	// Retention: finished deliveries and consumed events older than this
	// are deleted, every PruneEvery (real time) and when Run starts. Zero
	// keeps everything.
	Retention  time.Duration
	PruneEvery time.Duration // default 1 h

	// Skip, when set, says which accounts' events the in-process handlers
	// leave to another process (those connected elsewhere).
	Skip func(account string) bool
	// Wants, when set, says whether any in-process handler may want the
	// account's events; when not, the handlers cursor moves to the end
	// without reading them.
	Wants func(account string) bool

	// Metrics counts delivery attempts; nil counts nothing.
	Metrics *metrics.Metrics

	// Handle runs the in-process handlers over events of one account, in
	// order, and returns how many it finished (it stops early when ctx is
	// done). Nil runs none, but the handlers cursor still advances.
	Handle func(ctx context.Context, events []*store.Event) int
}

// Engine is the outbox consumer of one Client.
type Engine struct {
	cfg     Config
	wake    chan struct{}
	results chan []store.DeliveryResult // the results of one job each
}

// New returns an Engine; Run starts it.
func New(cfg Config) *Engine {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	setDefault(&cfg.Workers, 16)
	setDefault(&cfg.MinBackoff, 5*time.Second)
	setDefault(&cfg.MaxBackoff, max(time.Hour, cfg.MinBackoff))
	setDefault(&cfg.Horizon, 24*time.Hour)
	setDefault(&cfg.PollInterval, time.Second)
	setDefault(&cfg.AttemptTimeout, 10*time.Second)
	setDefault(&cfg.Lease, cfg.AttemptTimeout+50*time.Second)
	setDefault(&cfg.Batch, 500)
	setDefault(&cfg.PruneEvery, time.Hour)
	return &Engine{
		cfg:     cfg,
		wake:    make(chan struct{}, 1),
		results: make(chan []store.DeliveryResult, prefetch*cfg.Workers),
	}
}

// prefetch is how many jobs per worker the pump keeps claimed.
const prefetch = 8

// follow is how many queued deliveries of its queue a job takes along
// after the one it claimed (store.ClaimDeliveries): a busy conversation
// moves eight deliveries per claim and record instead of one.
const follow = 7

func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Wake makes the workers look for due deliveries now.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run consumes the outbox until ctx is done, then records what the workers
// finished, releases what they did not, and returns.
func (e *Engine) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { e.consume(ctx, store.ConsumerWebhooks, e.fanout) })
	wg.Go(func() { e.consume(ctx, store.ConsumerHandlers, e.handle) })
	wg.Go(func() { e.pump(ctx) })
	if e.cfg.Retention > 0 {
		wg.Go(func() { e.prune(ctx) })
	}
	wg.Wait()
}

// prune deletes what the retention lets go, now and every PruneEvery.
func (e *Engine) prune(ctx context.Context) {
	tick := time.NewTicker(e.cfg.PruneEvery)
	defer tick.Stop()
	for {
		n, err := e.cfg.Store.PruneOutbox(ctx, e.cfg.Now().Add(-e.cfg.Retention))
		switch {
		case err != nil && ctx.Err() == nil:
			e.cfg.Logger.Warn("wauser: prune the outbox", slog.Any("error", err))
		case n > 0:
			e.cfg.Logger.Info("wauser: pruned the outbox", slog.Int("rows", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// consume runs one outbox consumer: whenever events are committed (or every
// poll interval), it passes every account's unconsumed events to step,
// batch by batch.
func (e *Engine) consume(ctx context.Context, name string, step func(ctx context.Context, b store.Backlog) (bool, error)) {
	poll := time.NewTicker(e.cfg.PollInterval)
	defer poll.Stop()
	for {
		written := e.cfg.Store.EventsWritten()
		more := false
		backlog, err := e.cfg.Store.EventBacklog(ctx, name)
		if err == nil {
			for _, b := range backlog {
				if name == store.ConsumerHandlers && e.cfg.Skip != nil && e.cfg.Skip(b.AccountID) {
					continue
				}
				m, err := step(ctx, b)
				if err != nil {
					if ctx.Err() == nil && !errors.Is(err, store.ErrConflict) {
						e.cfg.Logger.Warn("wauser: outbox consumer", slog.String("consumer", name),
							slog.String("account", b.AccountID), slog.Any("error", err))
					}
					continue
				}
				more = more || m
			}
		} else if ctx.Err() == nil {
			e.cfg.Logger.Warn("wauser: outbox consumer", slog.String("consumer", name), slog.Any("error", err))
		}
		if ctx.Err() != nil {
			return
		}
		if more {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-written:
		case <-poll.C:
		}
	}
}

// events reads the next batch of b's account; when the counter is ahead of
// the rows (nothing to read), it returns the cursor to move to.
func (e *Engine) events(ctx context.Context, b store.Backlog) ([]*store.Event, int64, error) {
	evs, err := e.cfg.Store.ListEvents(ctx, b.AccountID, b.Cursor, e.cfg.Batch)
	if err != nil {
		return nil, 0, err
	}
	if len(evs) == 0 {
		return nil, b.Last, nil
	}
	return evs, evs[len(evs)-1].Seq, nil
}

// fanout turns one batch of events into deliveries for the matching
// webhooks, and moves the cursor in the same transaction.
func (e *Engine) fanout(ctx context.Context, b store.Backlog) (bool, error) {
	evs, to, err := e.events(ctx, b)
	if err != nil {
		return false, err
	}
	var queued int
	err = e.cfg.Store.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// First, so that a process fanning out the same events at the same
		// time waits here and then gives up (ErrConflict).
		if err := store.AdvanceConsumer(ctx, tx, b.AccountID, store.ConsumerWebhooks, b.Cursor, to); err != nil {
			return err
		}
		hooks, err := store.EnabledWebhooks(ctx, tx, b.AccountID)
		if err != nil {
			return err
		}
		var ds []*store.WebhookDelivery
		if len(hooks) > 0 && len(evs) > 0 {
			acct, err := store.AccountByID(ctx, tx, b.AccountID)
			if err != nil {
				return err
			}
			now := e.cfg.Now().UTC()
			ds = Fanout(hooks, evs, AccountOf(acct), now)
			if err := e.cfg.Store.InsertDeliveries(ctx, tx, ds, now); err != nil {
				return err
			}
		}
		queued = len(ds)
		return nil
	})
	if err != nil {
		return false, err
	}
	if queued > 0 {
		e.Wake()
	}
	return to < b.Last, nil
}

// Fanout returns the deliveries of evs to the webhooks that want them,
// each rendered in its webhook's format (Render), once per event and
// format: deliveries with the same body share it (BodyID). A webhook receives the
// events written after it was registered: of its own account those past
// its StartSeq, of the others (a webhook for all accounts) those that
// occurred since it was created.
func Fanout(hooks []*store.Webhook, evs []*store.Event, acct Account, now time.Time) []*store.WebhookDelivery {
	var ds []*store.WebhookDelivery
	for _, ev := range evs {
		payloads := map[string]string{} // by format; "" when it has no such event
		for _, h := range hooks {
			switch {
			case ev.AccountID == h.AccountID && ev.Seq <= h.StartSeq,
				ev.AccountID != h.AccountID && (!h.AllAccounts || ev.OccurredAt.Before(h.CreatedAt)),
				!Match(h, ev, acct):
				continue
			}
			payload, done := payloads[h.Format]
			if !done {
				if b, ok := Render(h.Format, ev, acct); ok {
					payload = string(b)
				}
				payloads[h.Format] = payload
			}
			if payload == "" {
				continue
			}
			ds = append(ds, &store.WebhookDelivery{
				ID:            NewDeliveryID(now),
				WebhookID:     h.ID,
				AccountID:     ev.AccountID,
				EventID:       ev.ID,
				EventType:     ev.Type,
				OrderingKey:   ev.ConversationID,
				EventSeq:      ev.Seq,
				Payload:       payload,
				BodyID:        ev.ID + ":" + h.Format, // stored once per event and format
				NextAttemptAt: now,
				CreatedAt:     now,
			})
		}
	}
	return ds
}

// envelope is the body of every delivery.
type envelope struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	AccountID  string          `json:"account_id"`
	Seq        int64           `json:"seq"`
	OccurredAt time.Time       `json:"occurred_at"`
	Data       json.RawMessage `json:"data"`
}

// Envelope renders ev as {"id","type","account_id","seq","occurred_at","data"}.
func Envelope(ev *store.Event) []byte {
	data := json.RawMessage(ev.Data)
	if !json.Valid(data) {
		data = json.RawMessage("null")
	}
	b, _ := json.Marshal(envelope{ev.ID, ev.Type, ev.AccountID, ev.Seq, ev.OccurredAt.UTC(), data})
	return b
}

// handle runs the in-process handlers over one batch, then moves the cursor
// past the events they finished.
func (e *Engine) handle(ctx context.Context, b store.Backlog) (bool, error) {
	if e.cfg.Wants != nil && !e.cfg.Wants(b.AccountID) {
		// Nobody listens: pass the events without reading them.
		err := e.cfg.Store.RunInTx(context.WithoutCancel(ctx), func(ctx context.Context, tx bun.Tx) error {
			return store.AdvanceConsumer(ctx, tx, b.AccountID, store.ConsumerHandlers, b.Cursor, b.Last)
		})
		return false, err
	}
	evs, to, err := e.events(ctx, b)
	if err != nil {
		return false, err
	}
	if len(evs) > 0 && e.cfg.Handle != nil {
		n := e.cfg.Handle(ctx, evs)
		if n == 0 {
			return false, ctx.Err()
		}
		if n < len(evs) {
			to = evs[n-1].Seq
		}
	}
	err = e.cfg.Store.RunInTx(context.WithoutCancel(ctx), func(ctx context.Context, tx bun.Tx) error {
		return store.AdvanceConsumer(ctx, tx, b.AccountID, store.ConsumerHandlers, b.Cursor, to)
	})
	if err != nil {
		return false, err
	}
	return to < b.Last && ctx.Err() == nil, nil
}

// job is one claimed delivery with its webhook; its Followers are sent
// after it, in order.
type job struct {
	d    *store.WebhookDelivery
	hook *store.Webhook
}

// pump claims due deliveries for the workers and records their results.
// Each round is one transaction (store.ClaimDeliveries) that records every
// result ready so far, promotes the next delivery of each finished queue,
// and claims as many due deliveries as workers are free; results that
// arrive while a round runs are recorded together by the next one.
func (e *Engine) pump(ctx context.Context) {
	// Up to capacity jobs (claimed deliveries, each with its followers) are
	// claimed and not yet recorded: the ones being sent, and more queued
	// for the workers, so that workers never wait for a round of the pump.
	capacity := prefetch * e.cfg.Workers
	jobs := make(chan job, capacity)
	var workers sync.WaitGroup
	for range e.cfg.Workers {
		workers.Go(func() {
			for j := range jobs {
				e.results <- e.run(ctx, j)
			}
		})
	}
	poll := time.NewTicker(e.cfg.PollInterval)
	defer poll.Stop()
	var (
		inflight  = map[string]bool{}
		results   []store.DeliveryResult
		due       <-chan time.Time
		stopDue   func() bool
		dueAt     time.Time
		lastFixed time.Time
		look      = true // deliveries may be due: claim
		checkDue  = true // the next due time may have changed: re-arm the timer
	)
	disarm := func() {
		if stopDue != nil {
			stopDue()
		}
		due, stopDue, dueAt = nil, nil, time.Time{}
	}
	defer func() {
		disarm()
		close(jobs)
		workers.Wait()
		for len(e.results) > 0 {
			results = append(results, <-e.results...)
		}
		if err := e.cfg.Store.RecordDeliveries(context.WithoutCancel(ctx), results); err != nil {
			e.cfg.Logger.Warn("wauser: record webhook deliveries", slog.Any("error", err))
		}
	}()
	// back counts the jobs among results (their first delivery is in
	// flight; followers are not counted).
	back := func() int {
		n := 0
		for _, r := range results {
			if inflight[r.Delivery.ID] {
				n++
			}
		}
		return n
	}
	for ctx.Err() == nil {
		free := capacity - len(inflight) + back() // those back are recorded by this round
		if len(results) > 0 || (look && free > 0) {
			// After results, claim too: the next delivery of each finished
			// queue is due now.
			// Not cancelled by Close: a claim whose commit was cut off could
			// have committed (pgx sends COMMIT with the transaction's ctx)
			// and would stay claimed, unknown to the pump, until its lease
			// ran out. A finished claim that Close came after is released by
			// dispatch.
			ds, err := e.cfg.Store.ClaimDeliveries(context.WithoutCancel(ctx), results, e.cfg.Now().UTC(), e.cfg.Lease, free, follow)
			if err != nil {
				if ctx.Err() != nil {
					return // the results are recorded on the way out
				}
				// The results are recorded by a later round; new work waits
				// for the next poll.
				e.cfg.Logger.Warn("wauser: claim webhook deliveries", slog.Any("error", err))
				look = false
			} else {
				for _, r := range results {
					delete(inflight, r.Delivery.ID)
					checkDue = checkDue || r.Released || r.State == store.DeliveryPending
				}
				results = results[:0]
				// What cannot be handed to a worker (Close came first, or its
				// webhook could not be read) is released at once, not left
				// claimed until the lease runs out.
				results = append(results, e.dispatch(ctx, ds, inflight, jobs)...)
				look = len(ds) == free && free > 0 // a full claim: maybe more are due
				if !look && checkDue {
					checkDue = false
					// Arm the timer for the next delivery that falls due.
					if next, ok, err := e.cfg.Store.NextDeliveryDue(ctx); err == nil {
						switch {
						case !ok || !next.After(e.cfg.Now()):
							disarm()
						case !next.Equal(dueAt):
							disarm()
							dueAt = next
							due, stopDue = e.cfg.NewTimer(next.Sub(e.cfg.Now()))
						}
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
			look = true
		case rs := <-e.results:
			results = append(results, rs...)
		case <-due:
			due, stopDue, dueAt = nil, nil, time.Time{}
			look, checkDue = true, true
		case <-poll.C:
			look, checkDue = true, true
			if now := time.Now(); now.Sub(lastFixed) >= 30*time.Second {
				lastFixed = now
				if err := e.cfg.Store.RepairQueues(ctx, e.cfg.Now().UTC()); err != nil && ctx.Err() == nil {
					e.cfg.Logger.Warn("wauser: repair webhook queues", slog.Any("error", err))
				}
			}
		}
		// Take every result that is ready, to record them in one go.
		for len(e.results) > 0 {
			results = append(results, <-e.results...)
		}
		// Under load (many jobs still in flight) wait a moment for more
		// results: fewer, larger transactions write fewer pages.
		if n := back(); n > 0 && n < capacity/4 && len(inflight)-n >= capacity/4 {
			linger := time.NewTimer(lingerTime)
		collect:
			for ; n < capacity/4; n++ {
				select {
				case rs := <-e.results:
					results = append(results, rs...)
				case <-linger.C:
					break collect
				case <-ctx.Done():
					break collect
				}
			}
			linger.Stop()
		}
	}
}

// lingerTime is how long a busy pump waits for more results before a
// round (see pump).
const lingerTime = 2 * time.Millisecond

// dispatch hands claimed deliveries to the workers, with their webhooks,
// and returns the release of those it could not hand over.
func (e *Engine) dispatch(ctx context.Context, ds []*store.WebhookDelivery, inflight map[string]bool, jobs chan<- job) []store.DeliveryResult {
	if len(ds) == 0 {
		return nil
	}
	release := func(ds []*store.WebhookDelivery) []store.DeliveryResult {
		out := make([]store.DeliveryResult, 0, len(ds))
		for _, d := range ds {
			if !inflight[d.ID] {
				out = append(out, store.DeliveryResult{Delivery: d, Released: true, At: e.cfg.Now().UTC()})
			}
		}
		return out
	}
	hooks := map[string]*store.Webhook{}
	var ids []string
	for _, d := range ds {
		if _, ok := hooks[d.WebhookID]; !ok {
			hooks[d.WebhookID] = nil
			ids = append(ids, d.WebhookID)
		}
	}
	rows, err := e.cfg.Store.WebhooksByID(ctx, ids)
	if err != nil {
		if ctx.Err() == nil {
			e.cfg.Logger.Warn("wauser: load webhooks", slog.Any("error", err))
		}
		return release(ds)
	}
	for _, h := range rows {
		hooks[h.ID] = h
	}
	var lost []*store.WebhookDelivery
	for _, d := range ds {
		switch {
		case inflight[d.ID]: // claimed again while its attempt runs
		case hooks[d.WebhookID] == nil: // the webhook is gone
			lost = append(lost, d)
		default:
			inflight[d.ID] = true
			jobs <- job{d, hooks[d.WebhookID]}
		}
	}
	return release(lost)
}

// run sends j's delivery and then its followers, in order, and returns
// their results. It stops at the first that does not end (a retry, or
// released): the followers after it stay queued, behind it. It also stops
// before a follower when less than two attempts' time is left of the
// claim, so that the results are recorded while the claim still holds.
func (e *Engine) run(ctx context.Context, j job) []store.DeliveryResult {
	out := make([]store.DeliveryResult, 0, 1+len(j.d.Followers))
	r := e.attempt(ctx, j.d, j.hook)
	out = append(out, r)
	for _, f := range j.d.Followers {
		if r.Released || r.State == store.DeliveryPending ||
			e.cfg.Now().Add(2*e.cfg.AttemptTimeout).After(f.ClaimedUntil) {
			break
		}
		r = e.attempt(ctx, f, j.hook)
		out = append(out, r)
	}
	return out
}

// attempt sends d once and says what became of it.
func (e *Engine) attempt(ctx context.Context, d *store.WebhookDelivery, hook *store.Webhook) store.DeliveryResult {
	if e.cfg.Now().Add(e.cfg.AttemptTimeout).After(d.ClaimedUntil) {
		// The claim could run out during the attempt (it waited behind
		// others): another worker might then send it too. Let it go.
		return store.DeliveryResult{Delivery: d, Released: true, At: e.cfg.Now().UTC()}
	}
	start := time.Now()
	status, retryAfter, err := e.send(ctx, hook, d.EventID, d.EventType, []byte(d.Payload))
	now := e.cfg.Now().UTC()
	r := store.DeliveryResult{Delivery: d, Status: status, At: now}
	defer func() {
		if !r.Released {
			e.cfg.Metrics.Delivery(outcome(r.State), time.Since(start))
		}
	}()
	switch {
	case err != nil && ctx.Err() != nil:
		r.Released = true // Close interrupted the attempt: not counted, due again now
		return r
	case err == nil && status >= 200 && status < 300:
		r.State = store.DeliveryDelivered
		return r
	case err != nil:
		r.Error = err.Error()
		if errors.Is(err, ErrForbiddenAddress) || errors.Is(err, errBadSecret) {
			r.State = store.DeliveryFailed
			return r
		}
	default:
		r.Error = fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
		if !retryable(status) {
			r.State = store.DeliveryFailed
			return r
		}
	}
	delay := retryAfter
	if delay <= 0 {
		delay = Backoff(d.Attempts, e.cfg.MinBackoff, e.cfg.MaxBackoff)
	}
	r.Next = now.Add(delay)
	if r.Next.After(d.CreatedAt.Add(e.cfg.Horizon)) {
		r.State = store.DeliveryDead
		r.Error += fmt.Sprintf(" (giving up: undelivered for %s)", now.Sub(d.CreatedAt).Round(time.Second))
		return r
	}
	r.State = store.DeliveryPending
	return r
}

// outcome names the result of an attempt for the metrics.
func outcome(state string) string {
	switch state {
	case store.DeliveryDelivered:
		return metrics.DeliveryDelivered
	case store.DeliveryFailed:
		return metrics.DeliveryFailed
	case store.DeliveryDead:
		return metrics.DeliveryDead
	default:
		return metrics.DeliveryRetry
	}
}

var errBadSecret = errors.New("the webhook's signing secret is unusable")

// send POSTs body to the webhook, signed, and returns the status and the
// Retry-After delay the endpoint asked for.
func (e *Engine) send(ctx context.Context, hook *store.Webhook, id, typ string, body []byte) (int, time.Duration, error) {
	now := e.cfg.Now()
	keys := make([][]byte, 0, 2)
	key, err := SecretKey(hook.Secret)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %w", errBadSecret, err)
	}
	keys = append(keys, key)
	if hook.PreviousSecret != "" && now.Before(hook.PreviousSecretUntil) {
		if old, err := SecretKey(hook.PreviousSecret); err == nil {
			keys = append(keys, old)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	for k, v := range hook.Headers {
		req.Header.Set(k, v)
	}
	ts := now.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "wauser-webhooks/1")
	req.Header.Set(HeaderID, id)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, SignatureHeader(keys, id, ts, body))
	if hook.Format == FormatWhatsAppUse {
		// The WhatsApp Use API's event headers (its signature header is not
		// sent: webhook-signature and X-Hub-Signature-256 sign the body).
		req.Header.Set("X-Whatsapp-Use-Event-Id", id)
		req.Header.Set("X-Whatsapp-Use-Event-Type", UseType(typ))
		req.Header.Set("X-Whatsapp-Use-Timestamp", strconv.FormatInt(ts, 10))
	}
	// One X-Hub-Signature-256, by the current secret: receivers built for
	// it (GitHub's scheme) read one header and check one HMAC. Several
	// signatures have a place only in webhook-signature.
	req.Header.Set(HeaderHub, HubSignature(hook.Secret, body))
	resp, err := e.cfg.HTTP.Do(req)
	if err != nil {
		return 0, 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	retryAfter, _ := ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	return resp.StatusCode, retryAfter, nil
}

// Ping sends one delivery of ev (a test event) to hook now, rendered in
// the hook's format, outside the queue and without retries, records it in
// the delivery log and returns it.
func (e *Engine) Ping(ctx context.Context, hook *store.Webhook, ev *store.Event) (*store.WebhookDelivery, error) {
	now := e.cfg.Now().UTC()
	id, typ := ev.ID, ev.Type
	payload, ok := Render(hook.Format, ev, Account{})
	if !ok {
		return nil, fmt.Errorf("deliver: format %q has no %s event", hook.Format, ev.Type)
	}
	d := &store.WebhookDelivery{
		ID:            NewDeliveryID(now),
		WebhookID:     hook.ID,
		AccountID:     hook.AccountID,
		EventID:       id,
		EventType:     typ,
		OrderingKey:   "",
		Payload:       string(payload),
		NextAttemptAt: now,
		CreatedAt:     now,
		Attempts:      1,
	}
	status, _, err := e.send(ctx, hook, id, typ, payload)
	end := e.cfg.Now().UTC()
	d.LastStatus, d.LastAttemptAt = status, end
	switch {
	case err != nil:
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		d.State, d.LastError = store.DeliveryFailed, err.Error()
	case status >= 200 && status < 300:
		d.State, d.DeliveredAt = store.DeliveryDelivered, end
	default:
		d.State, d.LastError = store.DeliveryFailed, fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	}
	if err := e.cfg.Store.InsertDeliveryLog(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}
