package wauser_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// received is one request a receiver got.
type received struct {
	Header http.Header
	Body   []byte
	Env    envelope
	Status int // what the receiver answered
	N      int // arrival number, as given to the answer func (requests are listed as they finish)
}

type envelope struct {
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	AccountID  string          `json:"account_id"`
	Seq        int64           `json:"seq"`
	OccurredAt time.Time       `json:"occurred_at"`
	Data       json.RawMessage `json:"data"`
}

// receiver is an httptest webhook endpoint. answer decides the reply to
// the n-th request to arrive (0-based); nil answers 200.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	arrivals int
	reqs     []received
	changed  chan struct{}
	answer   func(n int, r *http.Request) (status int, header map[string]string)
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{changed: make(chan struct{})}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body)) // for answer
		var env envelope
		_ = json.Unmarshal(body, &env)
		rc.mu.Lock()
		n := rc.arrivals
		rc.arrivals++
		answer := rc.answer
		rc.mu.Unlock()
		status := http.StatusOK
		var hdr map[string]string
		if answer != nil {
			status, hdr = answer(n, r)
		}
		for k, v := range hdr {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, received{Header: r.Header.Clone(), Body: body, Env: env, Status: status, N: n})
		close(rc.changed)
		rc.changed = make(chan struct{})
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) setAnswer(f func(n int, r *http.Request) (int, map[string]string)) {
	rc.mu.Lock()
	rc.answer = f
	rc.mu.Unlock()
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.reqs...)
}

// delivered returns the events answered 2xx, in arrival order.
func (rc *receiver) delivered() []envelope {
	var out []envelope
	for _, r := range rc.requests() {
		if r.Status/100 == 2 {
			out = append(out, r.Env)
		}
	}
	return out
}

func (rc *receiver) wait() <-chan struct{} {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.changed
}

// waitUntil blocks until cond holds for the receiver's requests.
func (rc *receiver) waitUntil(t *testing.T, cond func(reqs []received) bool) []received {
	t.Helper()
	ctx := ctxTimeout(t)
	for {
		ch := rc.wait()
		if reqs := rc.requests(); cond(reqs) {
			return reqs
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("receiver: condition not met; got %d requests", len(rc.requests()))
		}
	}
}

// driveUntil advances clock by step whenever a timer (a retry) is armed,
// until cond holds.
func driveUntil(t *testing.T, rc *receiver, clock *watest.Clock, step time.Duration, cond func() bool) {
	t.Helper()
	ctx := ctxTimeout(t)
	for !cond() {
		ch := rc.wait()
		armed := make(chan struct{})
		wctx, cancel := context.WithCancel(ctx)
		go func() {
			if clock.WaitTimers(wctx, 1) == nil {
				close(armed)
			}
		}()
		recheck := time.NewTimer(10 * time.Millisecond) // results are recorded after the receiver answers
		select {
		case <-ch:
		case <-recheck.C:
		case <-armed:
			clock.Advance(step)
		case <-ctx.Done():
			cancel()
			t.Fatalf("driveUntil: condition not met; receiver got %d requests; clock %v pending %v", len(rc.requests()), clock.Now(), clock.Pending())
		}
		recheck.Stop()
		cancel()
	}
}

// webhookClient opens a Client on db with a manual clock (nil: the real
// clock) and private targets allowed, started.
func webhookClient(t *testing.T, db *testdb.DB, clock *watest.Clock, opts ...wauser.Option) *wauser.Client {
	t.Helper()
	fake := watest.New()
	all := []wauser.Option{fake.Option(), wauser.WithPrivateWebhookTargets()}
	if clock != nil {
		all = append(all, wauser.WithClock(clock))
	}
	c, err := wauser.New(db.Open(t), append(all, opts...)...)
	require.NoError(t, err)
	require.NoError(t, c.Start(t.Context()))
	t.Cleanup(func() {
		_ = c.Close()
		fake.Close()
	})
	return c
}

// insertEvents writes events of account to the outbox in one transaction,
// as ingestion does, and returns them numbered.
func insertEvents(t *testing.T, c *wauser.Client, evs ...*store.Event) []*store.Event {
	t.Helper()
	err := store.Unwrap(c.Store()).RunInTx(t.Context(), func(ctx context.Context, tx bun.Tx) error {
		return store.InsertEvents(ctx, tx, evs)
	})
	require.NoError(t, err)
	return evs
}

var eventN atomic.Int64

// messageEvent is a message.* event following the data contract of
// wauser.Event.
func messageEvent(account, typ, chat, contentType string, n int, mut func(m map[string]any)) *store.Event {
	conv := "conv_" + chat
	data := map[string]any{
		"message_id": fmt.Sprintf("msg_%s_%d", chat, n), "conversation_id": conv, "chat_jid": chat,
		"wa_message_id": fmt.Sprintf("3EB0%04d", n), "sender_jid": "15550001111@s.whatsapp.net",
		"sender_push_name": "Ann", "direction": "incoming", "is_from_me": false,
		"content_type": contentType, "body": fmt.Sprintf("hello %d", n), "status": "received",
		"reply_to_wa_id": "", "mentions": []string{}, "reactions": map[string]string{},
		"sent_at": epoch.Add(time.Duration(n) * time.Second), "seq": n,
	}
	if mut != nil {
		mut(data)
	}
	raw, _ := json.Marshal(data)
	return &store.Event{
		AccountID: account, ID: fmt.Sprintf("evt_%s_%d_%d", chat, n, eventN.Add(1)), Type: typ,
		ConversationID: conv, ChatJID: chat, Data: string(raw), OccurredAt: epoch,
	}
}
