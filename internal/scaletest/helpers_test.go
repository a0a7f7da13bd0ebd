package scaletest_test

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

var epoch = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// pairAccounts creates and pairs accounts through a watest.Fake in this
// process, then closes the Client, letting the accounts' leases go: the
// device keys are in the database for the children.
func pairAccounts(t *testing.T, db *testdb.DB, ids ...string) {
	t.Helper()
	ctx := ctxTimeout(t, time.Minute)
	fake := watest.New()
	c, err := wauser.New(db.Open(t), fake.Option())
	require.NoError(t, err)
	require.NoError(t, c.Start(ctx))
	for i, id := range ids {
		_, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: wauser.AccountID(id)})
		require.NoError(t, err)
		bot := c.WithAccount(wauser.AccountID(id))
		_, err = bot.PairQR(ctx)
		require.NoError(t, err)
		conn, err := fake.WaitConn(ctx, id)
		require.NoError(t, err)
		require.NoError(t, conn.Scan(watest.Phone{JID: types.NewJID(fmt.Sprintf("1555999%04d", i), types.DefaultUserServer)}))
		_, err = bot.WaitStatus(ctx, func(s *wauser.Status) bool { return s.Connected })
		require.NoError(t, err)
	}
	require.NoError(t, c.Close())
	fake.Close()
}

// The history of acceptance 3: 10 chunks of 100 direct conversations with
// 100 messages each, 100,000 messages in all. The ingester stores a chunk
// in transactions of ingest.HistoryBatch messages: whole conversations,
// since a chunk's messages are a multiple of it and it is a multiple of a
// conversation's.
const (
	historyChunks  = 10
	convsPerChunk  = 100
	msgsPerConv    = 100
	historyTotal   = historyChunks * convsPerChunk * msgsPerConv
	convsPerBatch  = ingest.HistoryBatch / msgsPerConv
	historyBatches = historyChunks * convsPerChunk / convsPerBatch
)

// The batches must not split conversations or chunks, or checkStore's
// whole-batch check would not hold.
var _ = [1]struct{}{}[ingest.HistoryBatch%msgsPerConv+(convsPerChunk*msgsPerConv)%ingest.HistoryBatch]

// historyBatch returns the batch (0..historyBatches-1) of a message id, or
// -1 when the id is not one of the history's.
func historyBatch(id string) int {
	if len(id) != 16 || !strings.HasPrefix(id, "3EB0") {
		return -1
	}
	conv, err := strconv.Atoi(id[4:10])
	if err != nil {
		return -1
	}
	return conv / convsPerBatch
}

// historyChunk is chunk i of the history, as WhatsApp sends it.
func historyChunk(i int) *waHistorySync.HistorySync {
	return watest.SyntheticHistory(uint32(i+1), i*convsPerChunk, convsPerChunk, msgsPerConv,
		uint32((i+1)*100/historyChunks), epoch)
}

// connEvent is an account connection opening or closing in a process.
type connEvent struct {
	proc, account string
	up            bool
	at            time.Time
}

// timeline collects the connection events of every process.
type timeline struct {
	mu      sync.Mutex
	events  []connEvent
	changed chan struct{}
}

func newTimeline() *timeline { return &timeline{changed: make(chan struct{})} }

func (tl *timeline) add(e connEvent) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.events = append(tl.events, e)
	close(tl.changed)
	tl.changed = make(chan struct{})
}

// onLine parses a lease child's report for proc.
func (tl *timeline) onLine(proc string) func(string) {
	return func(line string) {
		f := strings.Fields(line)
		if len(f) != 4 || f[0] != "conn" {
			return
		}
		ns, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil {
			return
		}
		tl.add(connEvent{proc: proc, account: f[1], up: f[2] == "up", at: time.Unix(0, ns)})
	}
}

// died closes, at the time of its death, every connection proc held.
func (tl *timeline) died(proc string, at time.Time) {
	for account, procs := range tl.holders() {
		if procs[proc] {
			tl.add(connEvent{proc: proc, account: account, up: false, at: at})
		}
	}
}

// holders returns, by account, the processes whose connection is open now,
// by the events received so far.
func (tl *timeline) holders() map[string]map[string]bool {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	return replay(tl.events, nil)
}

// replay applies events in order; check (if set) sees the holders after
// each event.
func replay(events []connEvent, check func(e connEvent, holders map[string]map[string]bool)) map[string]map[string]bool {
	h := map[string]map[string]bool{}
	for _, e := range events {
		if h[e.account] == nil {
			h[e.account] = map[string]bool{}
		}
		if e.up {
			h[e.account][e.proc] = true
		} else {
			delete(h[e.account], e.proc)
		}
		if check != nil {
			check(e, h)
		}
	}
	return h
}

// wait waits until cond holds for the current holders.
func (tl *timeline) wait(ctx context.Context, cond func(map[string]map[string]bool) bool) error {
	for {
		tl.mu.Lock()
		ch := tl.changed
		tl.mu.Unlock()
		if cond(tl.holders()) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("timeline: %w; holders %v", ctx.Err(), tl.holders())
		case <-ch:
		}
	}
}

// sorted returns the events in time order.
func (tl *timeline) sorted() []connEvent {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	evs := append([]connEvent(nil), tl.events...)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].at.Before(evs[j].at) })
	return evs
}

// eachHeldByOne reports whether every one of accounts is connected by
// exactly one process, and returns how many each process holds.
func eachHeldByOne(h map[string]map[string]bool, accounts []string) (bool, map[string]int) {
	per := map[string]int{}
	ok := true
	for _, a := range accounts {
		if len(h[a]) != 1 {
			ok = false
		}
		for p := range h[a] {
			per[p]++
		}
	}
	return ok, per
}
