package wauser_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
)

// peakHeap samples the live heap while run runs and returns the peak.
func peakHeap(run func()) uint64 {
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var ms runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	run()
	close(stop)
	wg.Wait()
	return peak.Load()
}

func benchDBs(b *testing.B, fn func(b *testing.B, db *testdb.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, testdb.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, testdb.Postgres(b)) })
}

// BenchmarkSyncPage reads one page of 500 changes from the middle of the
// feed of a store holding 10,000 and 1,000,000 messages: the cost of a page
// must not grow with the store (index on account and seq).
func BenchmarkSyncPage(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *testdb.DB) {
		pub := db.Open(b)
		st := store.Unwrap(pub)
		ctx := context.Background()
		now := epoch
		require.NoError(b, st.CreateAccount(ctx, &store.Account{ID: "bench", State: "connected", CreatedAt: now, UpdatedAt: now}, nil))
		stored := 0
		for _, n := range []int{10_000, 1_000_000} {
			// Grow the store to n messages (seqs 1..n).
			for stored < n {
				batch := make([]*store.Message, 0, 5000)
				for i := stored; i < min(stored+5000, n); i++ {
					batch = append(batch, &store.Message{
						AccountID: "bench", MessageID: fmt.Sprintf("msg_%04d%012d", i%1000, i), ConversationID: fmt.Sprintf("conv_%04d", i%1000),
						ChatJID: fmt.Sprintf("1555%07d@s.whatsapp.net", i%1000), WAMessageID: fmt.Sprintf("3EB0%012d", i),
						SenderJID: fmt.Sprintf("1555%07d@s.whatsapp.net", i%1000), Direction: "incoming", ContentType: "text",
						Body: fmt.Sprintf("message %d, with some text", i), Status: "received",
						Mentions: []string{}, Reactions: map[string]string{}, ReactionTimes: map[string]int64{},
						SentAt: now, ReceivedAt: now, Seq: int64(i + 1), CreatedAt: now, UpdatedAt: now,
					})
				}
				require.NoError(b, st.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
					if err := st.UpsertMessages(ctx, tx, batch); err != nil {
						return err
					}
					return store.SetCounter(ctx, tx, "bench", store.CounterSeq, int64(stored+len(batch)))
				}))
				stored += len(batch)
			}
			b.Run(fmt.Sprintf("messages=%d", n), func(b *testing.B) {
				bot, err := wauser.New(pub)
				require.NoError(b, err)
				cursor := wauser.Cursor(n / 2)
				for b.Loop() {
					p, err := bot.SyncPage(ctx, cursor, 500)
					if err != nil || len(p.Messages) != 500 {
						b.Fatalf("page: %v, %d messages", err, len(p.Messages))
					}
				}
			})
		}
	})
}
