package scaletest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
)

// arrival is one webhook request the receiver got.
type arrival struct {
	id, proc string
	seq      int64
	status   int
	at       time.Time
}

// receiver is a webhook endpoint that answers 500 to a small share of
// requests (so retries interleave with the two processes' work) and
// records every request.
type receiver struct {
	*httptest.Server
	failRate float64

	mu       sync.Mutex
	arrivals []arrival
	ok       map[string]int // 2xx answers per event id
	changed  chan struct{}
}

func newReceiver(t *testing.T, failRate float64) *receiver {
	r := &receiver{failRate: failRate, ok: map[string]int{}, changed: make(chan struct{})}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var env struct {
			ID  string `json:"id"`
			Seq int64  `json:"seq"`
		}
		_ = json.Unmarshal(body, &env)
		status := http.StatusOK
		if rand.Float64() < r.failRate {
			status = http.StatusInternalServerError
		}
		r.mu.Lock()
		r.arrivals = append(r.arrivals, arrival{id: env.ID, proc: req.Header.Get(headerProcess), seq: env.Seq, status: status, at: time.Now()})
		if status == http.StatusOK {
			r.ok[env.ID]++
		}
		close(r.changed)
		r.changed = make(chan struct{})
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

// delivered returns how many events were answered 2xx at least once, and
// how many 2xx answers went to events answered 2xx before (duplicates).
func (r *receiver) delivered() (unique, duplicates int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.ok {
		unique++
		duplicates += n - 1
	}
	return unique, duplicates
}

func (r *receiver) waitDelivered(ctx context.Context, n int) error {
	for {
		r.mu.Lock()
		ch := r.changed
		r.mu.Unlock()
		if u, _ := r.delivered(); u >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			u, _ := r.delivered()
			return fmt.Errorf("receiver: %d of %d events delivered: %w", u, n, ctx.Err())
		case <-ch:
		}
	}
}

// Acceptance 2 of issue 7: a backlog of 10,000 webhook events (100
// conversations) drained by two processes sharing one PostgreSQL, one of
// which is killed with SIGKILL at a random point and restarted. Every event
// is delivered, each conversation's events arrive in order, and duplicate
// deliveries (at-least-once: what the killed process sent without
// recording it) are counted and reported.
func TestTwoProcessesDrainWebhookBacklog(t *testing.T) {
	t.Parallel()
	const events, convs = 10000, 100
	db := testdb.Postgres(t)
	rec := newReceiver(t, 0.02)
	ctx := ctxTimeout(t, 5*time.Minute)

	// The account, its webhook and the backlog, written by this process
	// (whose Client is never started, so it delivers nothing).
	c, err := wauser.New(db.Open(t), wauser.WithPrivateWebhookTargets())
	require.NoError(t, err)
	_, err = c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "acc"})
	require.NoError(t, err)
	_, err = c.WithAccount("acc").CreateWebhook(ctx, wauser.WebhookRequest{URL: rec.URL})
	require.NoError(t, err)
	convOf := make(map[string]string, events)
	for first := 0; first < events; first += 500 {
		batch := make([]*store.Event, 0, 500)
		for i := first; i < first+500; i++ {
			conv := fmt.Sprintf("conv_%03d", i%convs)
			e := &store.Event{AccountID: "acc", ID: fmt.Sprintf("evt_%05d", i), Type: "message.received",
				ConversationID: conv, Data: fmt.Sprintf(`{"n":%d}`, i), OccurredAt: epoch}
			convOf[e.ID] = conv
			batch = append(batch, e)
		}
		require.NoError(t, store.Unwrap(c.Store()).RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			return store.InsertEvents(ctx, tx, batch)
		}))
	}
	require.NoError(t, c.Close())

	procs := []*child{
		startChild(t, "D1", "deliver", db.DSN(), nil, nil),
		startChild(t, "D2", "deliver", db.DSN(), nil, nil),
	}
	for _, p := range procs {
		p.waitReady(t)
	}
	killAfter := 1000 + rand.IntN(5000)
	require.NoError(t, rec.waitDelivered(ctx, killAfter))
	victim := rand.IntN(2)
	_, dupsBefore := rec.delivered()
	procs[victim].kill(t)
	uniqueAtKill, _ := rec.delivered()
	restarted := startChild(t, "D3", "deliver", db.DSN(), nil, nil)
	restarted.waitReady(t)
	require.NoError(t, rec.waitDelivered(ctx, events))
	drained := time.Now()
	procs[1-victim].stop(t)
	restarted.stop(t)

	// Every event, in order per conversation, and duplicates counted.
	_, dups := rec.delivered()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.Len(t, rec.ok, events, "every event delivered")
	lastSeq := map[string]int64{}
	perProc := map[string]int{}
	retried := 0
	for _, a := range rec.arrivals {
		conv, ok := convOf[a.id]
		require.True(t, ok, "unknown event %q", a.id)
		require.GreaterOrEqual(t, a.seq, lastSeq[conv], "conversation %s: event seq %d arrived after seq %d", conv, a.seq, lastSeq[conv])
		lastSeq[conv] = a.seq
		perProc[a.proc]++
		if a.status != http.StatusOK {
			retried++
		}
	}
	require.Zero(t, dupsBefore, "no duplicates while both processes ran: claims never overlap")
	t.Logf("webhook backlog: %d events drained by two processes at a time (%s killed, D3 started in its place) in %s; %d requests (%d answered 500 and retried); requests per process %v",
		events, procs[victim].name, drained.Sub(procs[0].startedAt()).Round(time.Millisecond), len(rec.arrivals), retried, perProc)
	t.Logf("killed %s with SIGKILL after %d events were delivered (%d at its death); duplicate deliveries: %d (at-least-once: sent by the killed process but not recorded, or sent again after its claim ran out)",
		procs[victim].name, killAfter, uniqueAtKill, dups)
}
