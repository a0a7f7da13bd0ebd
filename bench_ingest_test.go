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
	"go.mau.fi/whatsmeow/proto/waHistorySync"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
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

// BenchmarkIngestHistorySync stores a 100,000-message history (1,000
// conversations) through the real path: the phone uploads each blob
// (zlib-compressed) and announces it with a message, the account's event
// handler queues the announcement, and the sync queue downloads the blob,
// reads it as a stream, and stores it with ParseWebMessage, identity
// resolution, change tracking and batched writes. "wauser" delivers the
// history as WhatsApp usually does, in chunks (here 10 of 100
// conversations); "wauser-one-blob" delivers all of it in a single blob,
// built conversation by conversation before the timer: its peak heap shows
// that memory follows the conversation, not the blob. The "raw-bun"
// sub-benchmark upserts the same message rows with plain bun multi-row
// upserts (no ingestion logic), in the same run, for comparison.
func BenchmarkIngestHistorySync(b *testing.B) {
	const convs, perConv, chunks = 1000, 100, 10
	benchDBs(b, func(b *testing.B, db *testdb.DB) {
		b.Run("wauser", func(b *testing.B) {
			var peak uint64
			for b.Loop() {
				b.StopTimer()
				var fresh *testdb.DB
				if db.Dialect == "sqlite" {
					fresh = testdb.SQLite(b)
				} else {
					fresh = testdb.Postgres(b)
				}
				h := newHarness(b, fresh)
				bot, conn := pair(b, h, "bench")
				// The chunks as the phone uploads them, before the timer.
				per := convs / chunks
				blobs := make([]*watest.HistoryBlob, chunks)
				for i := range chunks {
					var err error
					blobs[i], err = watest.HistoryBlobOf(watest.SyntheticHistory(uint32(i+1), i*per, per, perConv, uint32((i+1)*100/chunks), epoch))
					require.NoError(b, err)
				}
				runtime.GC()
				b.StartTimer()
				p := peakHeap(func() {
					for _, blob := range blobs {
						if !conn.EmitHistoryBlob(blob) {
							b.Fatal("history chunk not announced")
						}
					}
					waitHistory(b, bot)
				})
				peak = max(peak, p)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(convs*perConv*b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
		b.Run("wauser-one-blob", func(b *testing.B) {
			var peak uint64
			for b.Loop() {
				b.StopTimer()
				var fresh *testdb.DB
				if db.Dialect == "sqlite" {
					fresh = testdb.SQLite(b)
				} else {
					fresh = testdb.Postgres(b)
				}
				h := newHarness(b, fresh)
				bot, conn := pair(b, h, "bench")
				// The compressed blob, one conversation at a time: the
				// decoded history is never held, here either.
				blob := watest.NewHistoryBlob(waHistorySync.HistorySync_INITIAL_BOOTSTRAP, 1, 100)
				for c := range convs {
					require.NoError(b, blob.AddConversation(watest.SyntheticConversation(c, perConv, epoch)))
				}
				_, err := blob.Bytes()
				require.NoError(b, err)
				runtime.GC()
				b.StartTimer()
				p := peakHeap(func() {
					if !conn.EmitHistoryBlob(blob) {
						b.Fatal("history blob not announced")
					}
					waitHistory(b, bot)
				})
				peak = max(peak, p)
				b.StopTimer()
				n, err := bot.Store().DB().NewSelect().Table("wauser_messages").Where("account_id = 'bench'").Count(context.Background())
				require.NoError(b, err)
				require.EqualValues(b, convs*perConv, n, "every message stored")
				b.StartTimer()
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(convs*perConv*b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
		b.Run("raw-bun", func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				var fresh *testdb.DB
				if db.Dialect == "sqlite" {
					fresh = testdb.SQLite(b)
				} else {
					fresh = testdb.Postgres(b)
				}
				st := fresh.OpenEngine(b)
				ctx := context.Background()
				now := time.Now().UTC()
				require.NoError(b, st.CreateAccount(ctx, &store.Account{ID: "bench", State: "connected", CreatedAt: now, UpdatedAt: now}, nil))
				rows := make([]*store.Message, 0, convs*perConv)
				for c := range convs {
					for i := range perConv {
						rows = append(rows, &store.Message{
							AccountID: "bench", MessageID: fmt.Sprintf("msg_%06d_%06d", c, i), ConversationID: fmt.Sprintf("conv_%06d", c),
							ChatJID: fmt.Sprintf("1555%07d@s.whatsapp.net", c), WAMessageID: fmt.Sprintf("3EB0%06d%06d", c, i),
							SenderJID: fmt.Sprintf("1555%07d@s.whatsapp.net", c), Direction: "incoming", ContentType: "text",
							Body: fmt.Sprintf("message %d of conversation %d, with some text", i, c), Status: "received",
							Mentions: []string{}, Reactions: map[string]string{}, ReactionTimes: map[string]int64{},
							SentAt: now, ReceivedAt: now, Seq: int64(c*perConv + i + 1), CreatedAt: now, UpdatedAt: now,
						})
					}
				}
				b.StartTimer()
				// Plain bun: a multi-row INSERT ... ON CONFLICT DO UPDATE of 500
				// rows per statement, 2,000 rows per transaction.
				set := "conversation_id = EXCLUDED.conversation_id, body = EXCLUDED.body, status = EXCLUDED.status, seq = EXCLUDED.seq, updated_at = EXCLUDED.updated_at"
				for start := 0; start < len(rows); start += 2000 {
					tx := rows[start:min(start+2000, len(rows))]
					require.NoError(b, st.DB().RunInTx(ctx, nil, func(ctx context.Context, t bun.Tx) error {
						for s := 0; s < len(tx); s += 500 {
							chunk := tx[s:min(s+500, len(tx))]
							if _, err := t.NewInsert().Model(&chunk).On("CONFLICT (account_id, message_id) DO UPDATE").Set(set).Exec(ctx); err != nil {
								return err
							}
						}
						return nil
					}))
				}
			}
			b.ReportMetric(float64(convs*perConv*b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	})
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
