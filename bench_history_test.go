package wauser_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/proto/waHistorySync"

	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// BenchmarkIngestHistorySync stores a 100,000-message history (1,000
// conversations) through the real path: the phone uploads each blob
// (zlib-compressed) and announces it with a message, the account's event
// handler queues the announcement, and the sync queue downloads the blob,
// reads it as a stream, and stores it with ParseWebMessage, identity
// resolution, change tracking and batched writes.
//
// Each iteration runs three things on fresh databases, one after the other,
// so that the machine's drift hits them alike:
//
//   - the history as WhatsApp usually delivers it, in chunks (here 10 of
//     100 conversations): "msgs/s" and "peak-heap-MiB";
//   - all of it in a single blob, built conversation by conversation before
//     the timer ("one-blob-msgs/s", "one-blob-peak-heap-MiB"): its peak heap
//     shows that memory follows the conversation, not the blob;
//   - the floor: the very message rows the product stored, written into the same
//     wauser_messages table, with its indexes, of a store opened the same
//     way, with nothing but database/sql and encoding/json: prepared
//     multi-row INSERTs of 500 rows, 2,000 rows a transaction
//     ("floor-msgs/s"). The rows are read back from the one-blob run's
//     database after it, with the timer stopped, and dropped after the
//     floor, so that they count in no peak heap.
//
// "x-floor" and "one-blob-x-floor" are the product's throughput over the
// floor's, summed over the iterations (higher is better, 1 is the floor).
func BenchmarkIngestHistorySync(b *testing.B) {
	const convs, perConv, chunks = 1000, 100, 10
	const total = convs * perConv
	fresh := func(b *testing.B, dialect string) *testdb.DB {
		if dialect == "sqlite" {
			return testdb.SQLite(b)
		}
		return testdb.Postgres(b)
	}
	benchDBs(b, func(b *testing.B, db *testdb.DB) {
		ctx := context.Background()
		var chunked, oneBlob, floor time.Duration
		var peak, peakOne uint64
		for b.Loop() {
			// The product, chunked. The chunks as the phone uploads them,
			// before the timer.
			b.StopTimer()
			h := newHarness(b, fresh(b, db.Dialect))
			bot, conn := pair(b, h, "bench")
			per := convs / chunks
			blobs := make([]*watest.HistoryBlob, chunks)
			for i := range chunks {
				var err error
				blobs[i], err = watest.HistoryBlobOf(watest.SyntheticHistory(uint32(i+1), i*per, per, perConv, uint32((i+1)*100/chunks), epoch))
				require.NoError(b, err)
			}
			runtime.GC()
			b.StartTimer()
			t0 := time.Now()
			p := peakHeap(func() {
				for _, blob := range blobs {
					if !conn.EmitHistoryBlob(blob) {
						b.Fatal("history chunk not announced")
					}
				}
				waitHistory(b, bot)
			})
			chunked += time.Since(t0)
			b.StopTimer()
			peak = max(peak, p)
			blobs = nil

			// The product, one blob: the compressed blob, one conversation
			// at a time; the decoded history is never held, here either.
			h = newHarness(b, fresh(b, db.Dialect))
			bot, conn = pair(b, h, "bench")
			blob := watest.NewHistoryBlob(waHistorySync.HistorySync_INITIAL_BOOTSTRAP, 1, 100)
			for c := range convs {
				require.NoError(b, blob.AddConversation(watest.SyntheticConversation(c, perConv, epoch)))
			}
			_, err := blob.Bytes()
			require.NoError(b, err)
			runtime.GC()
			b.StartTimer()
			t0 = time.Now()
			p = peakHeap(func() {
				if !conn.EmitHistoryBlob(blob) {
					b.Fatal("history blob not announced")
				}
				waitHistory(b, bot)
			})
			oneBlob += time.Since(t0)
			b.StopTimer()
			peakOne = max(peakOne, p)
			// The rows the product stored, for the floor: read after the
			// product's runs so that they do not count in its peak heap.
			var rows []store.Message
			require.NoError(b, bot.Store().DB().NewSelect().Model(&rows).Where("account_id = 'bench'").Order("seq").Scan(ctx))
			require.Len(b, rows, total, "every message stored")

			// The floor, on a fresh store opened as the product's is.
			st := fresh(b, db.Dialect).OpenEngine(b)
			now := time.Now().UTC()
			require.NoError(b, st.CreateAccount(ctx, &store.Account{ID: "bench", State: "connected", CreatedAt: now, UpdatedAt: now}, nil))
			runtime.GC()
			b.StartTimer()
			t0 = time.Now()
			floorInsert(b, st.DB().DB, db.Dialect == "postgres", rows)
			floor += time.Since(t0)
			b.StopTimer()
			rows = nil
			n, err := st.DB().NewSelect().Table("wauser_messages").Where("account_id = 'bench'").Count(ctx)
			require.NoError(b, err)
			require.EqualValues(b, total, n, "every floor row stored")
			b.StartTimer()
		}
		rate := func(d time.Duration) float64 { return float64(total*b.N) / d.Seconds() }
		b.ReportMetric(rate(chunked), "msgs/s")
		b.ReportMetric(rate(oneBlob), "one-blob-msgs/s")
		b.ReportMetric(rate(floor), "floor-msgs/s")
		b.ReportMetric(floor.Seconds()/chunked.Seconds(), "x-floor")
		b.ReportMetric(floor.Seconds()/oneBlob.Seconds(), "one-blob-x-floor")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(peakOne)/(1<<20), "one-blob-peak-heap-MiB")
	})
}

// floorColumns are wauser_messages' columns, in the order floorArgs
// binds them.
var floorColumns = []string{
	"account_id", "message_id", "conversation_id", "chat_jid", "wa_message_id", "sender_jid",
	"sender_person_id", "sender_push_name", "direction", "is_from_me", "content_type", "body",
	"status", "error", "reply_to_wa_id", "mentions", "reactions", "reaction_times", "media",
	"media_keys", "extra", "merged_into", "wire_chat_jid", "wire_sender_jid", "client_id", "starred",
	"sent_at", "received_at", "edited_at", "deleted_at", "seq", "created_at", "updated_at",
}

// floorInsert writes rows with nothing but database/sql and encoding/json:
// one prepared INSERT of 500 rows a statement, 2,000 rows a transaction,
// values stored in the formats the product stores (times as UTC text on
// SQLite and timestamps on PostgreSQL, zero times as NULL, slices and maps
// as JSON).
func floorInsert(b *testing.B, db *sql.DB, postgres bool, rows []store.Message) {
	const perStmt, perTx = 500, 2000
	ctx := context.Background()
	var q strings.Builder
	q.WriteString("INSERT INTO wauser_messages (" + strings.Join(floorColumns, ", ") + ") VALUES ")
	p := 0
	for r := range perStmt {
		if r > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for c := range floorColumns {
			if c > 0 {
				q.WriteString(", ")
			}
			p++
			if postgres {
				q.WriteString("$" + strconv.Itoa(p))
			} else {
				q.WriteByte('?')
			}
		}
		q.WriteByte(')')
	}
	when := func(t time.Time) any {
		switch {
		case t.IsZero():
			return nil
		case postgres:
			return t.UTC()
		}
		return t.UTC().Format("2006-01-02 15:04:05.999999-07:00")
	}
	js := func(v any) string {
		j, err := json.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		return string(j)
	}
	args := make([]any, 0, perStmt*len(floorColumns))
	for start := 0; start < len(rows); start += perTx {
		tx, err := db.BeginTx(ctx, nil)
		require.NoError(b, err)
		stmt, err := tx.PrepareContext(ctx, q.String())
		require.NoError(b, err)
		for s := start; s < min(start+perTx, len(rows)); s += perStmt {
			args = args[:0]
			for i := s; i < s+perStmt; i++ {
				m := &rows[i]
				args = append(args, m.AccountID, m.MessageID, m.ConversationID, m.ChatJID, m.WAMessageID, m.SenderJID,
					m.SenderPersonID, m.SenderPushName, m.Direction, m.IsFromMe, m.ContentType, m.Body,
					m.Status, m.Error, m.ReplyToWAID, js(m.Mentions), js(m.Reactions), js(m.ReactionTimes), m.Media,
					m.MediaKeys, m.Extra, m.MergedInto, m.WireChatJID, m.WireSenderJID, m.ClientID, m.Starred,
					when(m.SentAt), when(m.ReceivedAt), when(m.EditedAt), when(m.DeletedAt), m.Seq, when(m.CreatedAt), when(m.UpdatedAt))
			}
			_, err := stmt.ExecContext(ctx, args...)
			require.NoError(b, err)
		}
		require.NoError(b, stmt.Close())
		require.NoError(b, tx.Commit())
	}
}
