package scaletest_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
)

// feedReader follows the account's change feed the way a sync client does,
// from another process's point of view (its own Client, never started),
// and keeps every message id it saw.
type feedReader struct {
	bot *wauser.Client

	mu     sync.Mutex
	cursor wauser.Cursor
	seen   map[string]bool
	pages  int
	err    error
}

// read pages through the feed from the reader's cursor to the end.
func (f *feedReader) read(ctx context.Context) error {
	for {
		f.mu.Lock()
		cursor := f.cursor
		f.mu.Unlock()
		p, err := f.bot.SyncPage(ctx, cursor, wauser.MaxSyncLimit)
		if err != nil {
			return err
		}
		f.mu.Lock()
		last := int64(cursor)
		for _, m := range p.Messages {
			f.seen[m.WAMessageID] = true
		}
		for _, seq := range pageSeqs(p) {
			if seq <= last {
				f.mu.Unlock()
				return fmt.Errorf("feed: seq %d after %d in one page sequence", seq, last)
			}
			last = seq
		}
		f.cursor = p.Cursor
		f.pages++
		f.mu.Unlock()
		if !p.HasMore {
			return nil
		}
	}
}

// follow reads the feed until ctx is done.
func (f *feedReader) follow(ctx context.Context) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := f.read(ctx); err != nil && ctx.Err() == nil {
			f.mu.Lock()
			f.err = err
			f.mu.Unlock()
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// pageSeqs returns the seqs of a page in order.
func pageSeqs(p *wauser.SyncPage) []int64 {
	var seqs []int64
	for _, c := range p.Conversations {
		seqs = append(seqs, c.Seq)
	}
	for _, c := range p.Contacts {
		seqs = append(seqs, c.Seq)
	}
	for _, m := range p.Messages {
		seqs = append(seqs, m.Seq)
	}
	slices.Sort(seqs)
	return seqs
}

// storeState is what a consistency check reads.
type storeState struct {
	messages int
	batches  int // complete history batches
}

// checkStore checks the account's store after a crash: every history batch
// is stored whole or not at all (one transaction each), its conversations
// exist exactly for the stored batches, the event outbox numbers have no
// gap, and no record carries a seq the counter has not reached.
func checkStore(t *testing.T, st *store.Store) storeState {
	t.Helper()
	ctx := t.Context()
	db := st.DB()
	var ids []string
	require.NoError(t, db.NewSelect().Table("wauser_messages").Column("wa_message_id").Where("account_id = 'acc'").Scan(ctx, &ids))
	perBatch := make([]int, historyBatches)
	for _, id := range ids {
		b := historyBatch(id)
		require.GreaterOrEqual(t, b, 0, "unexpected message %q", id)
		perBatch[b]++
	}
	var jids []string
	require.NoError(t, db.NewSelect().Table("wauser_conversations").Column("chat_jid").Where("account_id = 'acc'").Scan(ctx, &jids))
	convs := map[int]bool{}
	for _, j := range jids {
		n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSuffix(j, "@s.whatsapp.net"), "1555"))
		require.NoError(t, err, j)
		convs[n] = true
	}
	complete := 0
	for b, n := range perBatch {
		require.Contains(t, []int{0, convsPerBatch * msgsPerConv}, n, "batch %d has %d of its messages: a partial batch", b, n)
		for c := b * convsPerBatch; c < (b+1)*convsPerBatch; c++ {
			require.Equal(t, n > 0, convs[c], "conversation %d exists exactly when its batch was stored", c)
		}
		if n > 0 {
			complete++
		}
	}
	require.Len(t, convs, complete*convsPerBatch)

	var events struct {
		N   int   `bun:"n"`
		Min int64 `bun:"lo"`
		Max int64 `bun:"hi"`
	}
	require.NoError(t, db.NewSelect().Table("wauser_events").
		ColumnExpr("count(*) AS n, COALESCE(min(seq), 0) AS lo, COALESCE(max(seq), 0) AS hi").
		Where("account_id = 'acc'").Scan(ctx, &events))
	counter := func(name string) int64 {
		var v int64
		require.NoError(t, db.NewSelect().Table("wauser_counters").Column("value").
			Where("account_id = 'acc' AND name = ?", name).Scan(ctx, &v))
		return v
	}
	require.Equal(t, int64(1), events.Min, "the outbox starts at 1")
	require.Equal(t, events.Max, int64(events.N), "the outbox has no gap")
	require.Equal(t, counter(store.CounterEvent), events.Max, "the event counter stops at the last event")
	var maxSeq int64
	for _, table := range []string{"wauser_conversations", "wauser_contacts", "wauser_messages"} {
		var m int64
		require.NoError(t, db.NewSelect().Table(table).ColumnExpr("COALESCE(max(seq), 0)").Where("account_id = 'acc'").Scan(ctx, &m))
		maxSeq = max(maxSeq, m)
	}
	require.LessOrEqual(t, maxSeq, counter(store.CounterSeq), "no record carries a seq beyond the counter")
	return storeState{messages: len(ids), batches: complete}
}

// progress returns the account's seq counter: one per record stored or
// changed, about one per history message. (Cheap to read, unlike a count
// of the messages, which matters under the race detector.)
func progress(ctx context.Context, st *store.Store) (int, error) {
	var v int
	err := st.DB().NewSelect().Table("wauser_counters").Column("value").
		Where("account_id = 'acc' AND name = ?", store.CounterSeq).Scan(ctx, &v)
	return v, err
}

// Acceptance 3 of issue 7: a 100,000-message history sync (10 chunks) is
// stored by a child process that is killed with SIGKILL at random points,
// twice, and restarted; WhatsApp (the restarted child) delivers again every
// chunk whose event handler had not returned true. After each kill the
// store is consistent (no partial batch, no gap in the outbox); a sync
// client that followed the change feed across the crashes, and goes on
// from its cursor afterwards, has seen every message; and in the end every
// message is stored exactly once.
func TestHistoryIngestSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		pairAccounts(t, db, "acc")
		pub := db.Open(t)
		st := store.Unwrap(pub)
		reader, err := wauser.New(pub)
		require.NoError(t, err)
		feed := &feedReader{bot: reader.WithAccount("acc"), seen: map[string]bool{}}
		fctx, stopFeed := context.WithCancel(t.Context())
		var fwg sync.WaitGroup
		fwg.Go(func() { feed.follow(fctx) })

		var (
			mu    sync.Mutex
			acked = -1 // the last chunk WhatsApp got acknowledged
		)
		onLine := func(line string) {
			if n, ok := strings.CutPrefix(line, "acked "); ok {
				i, _ := strconv.Atoi(n)
				mu.Lock()
				acked = i
				mu.Unlock()
			}
		}
		const kills = 2
		start := time.Now()
		for run := 0; ; run++ {
			mu.Lock()
			from := acked + 1
			mu.Unlock()
			name := fmt.Sprintf("I%d", run+1)
			ch := startChild(t, name, "ingest", db.DSN(), map[string]string{envChunk: strconv.Itoa(from)}, onLine)
			if run == kills {
				ch.finish(t)
				break
			}
			have, err := progress(t.Context(), st)
			require.NoError(t, err)
			target := have + 1 + rand.IntN(max(historyTotal-have-1, 1))
			killed := killWhenStored(t, ch, st, target)
			state := checkStore(t, st)
			mu.Lock()
			t.Logf("%s (from chunk %d): killed=%v with %d messages stored (%d whole batches; kill at seq %d); chunks acknowledged: %d",
				name, from, killed, state.messages, state.batches, target, acked+1)
			mu.Unlock()
		}
		elapsed := time.Since(start)
		stopFeed()
		fwg.Wait()
		require.NoError(t, feed.err)
		// The sync client goes on from its cursor.
		require.NoError(t, feed.read(t.Context()))

		state := checkStore(t, st)
		require.Equal(t, historyTotal, state.messages, "every message stored, exactly once")
		require.Equal(t, historyBatches, state.batches)
		require.Len(t, feed.seen, historyTotal, "the feed, followed across the crashes, showed every message")
		evs, err := st.ListEvents(t.Context(), "acc", 0, 100000)
		require.NoError(t, err)
		var complete int
		for _, e := range evs {
			if e.Type == string(wauser.EventHistorySyncComplete) {
				complete++
			}
		}
		require.Positive(t, complete, "history.sync_complete was written")
		t.Logf("%s: %d history messages ingested across %d SIGKILLs in %s; the feed reader read %d pages",
			db.Dialect, historyTotal, kills, elapsed.Round(time.Millisecond), feed.pages)
	})
}

// killWhenStored kills ch once the store's progress reaches target, and
// reports whether it did (the child may finish first).
func killWhenStored(t *testing.T, ch *child, st *store.Store, target int) bool {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(15 * time.Minute)
	defer deadline.Stop()
	for {
		select {
		case <-ch.eof:
			ch.finish(t)
			return false
		case <-deadline.C:
			t.Fatalf("child %s stored fewer than %d messages in 15 minutes", ch.name, target)
		case <-tick.C:
			n, err := progress(t.Context(), st)
			require.NoError(t, err)
			if n >= target {
				ch.kill(t)
				return true
			}
		}
	}
}
