package wauser_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
)

// searchCorpus makes n chat-like message bodies: 3 to 14 words drawn
// Zipf-distributed (s = 1.1) from a vocabulary of 20,000 made-up words,
// as word frequencies are in real text. It returns the bodies and the
// vocabulary, most frequent first.
func searchCorpus(n int) ([]string, []string) {
	r := rand.New(rand.NewPCG(1, 2))
	syll := []string{"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po", "da", "fu", "gi", "ha", "je", "bo"}
	vocab := make([]string, 0, 20000)
	seen := map[string]bool{}
	for len(vocab) < cap(vocab) {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			vocab = append(vocab, w)
		}
	}
	zipf := rand.NewZipf(r, 1.1, 1, uint64(len(vocab)-1))
	bodies := make([]string, n)
	var b strings.Builder
	for i := range bodies {
		b.Reset()
		for j := range 3 + r.IntN(12) {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(vocab[zipf.Uint64()])
		}
		bodies[i] = b.String()
	}
	return bodies, vocab
}

// fillMessages stores bodies as text messages of account in 1,000
// conversations, with direct multi-row inserts (the search index is kept
// as for any write).
func fillMessages(tb testing.TB, db *bun.DB, account string, bodies []string) {
	tb.Helper()
	ctx := context.Background()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	now := time.Now().UTC()
	const batch, perTx = 1000, 20
	for lo := 0; lo < len(bodies); lo += batch * perTx {
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for b := lo; b < min(lo+batch*perTx, len(bodies)); b += batch {
				rows := make([]store.Message, 0, batch)
				for i := b; i < min(b+batch, len(bodies)); i++ {
					conv := i % 1000
					jid := fmt.Sprintf("1555%07d@s.whatsapp.net", conv)
					ct := "text"
					if i%10 == 0 {
						ct = "image"
					}
					rows = append(rows, store.Message{
						AccountID: account, MessageID: fmt.Sprintf("msg_bench%08d", i),
						ConversationID: fmt.Sprintf("conv_bench%04d", conv), ChatJID: jid,
						WAMessageID: fmt.Sprintf("3EB0%016X", i), SenderJID: jid, SenderPersonID: fmt.Sprintf("person_bench%04d", conv),
						Direction: "incoming", ContentType: ct, Body: bodies[i], Status: "received",
						Mentions: []string{}, Reactions: map[string]string{}, ReactionTimes: map[string]int64{},
						SentAt: start.Add(time.Duration(i) * time.Minute), ReceivedAt: now,
						Seq: int64(1_000_000_000 + i), CreatedAt: now, UpdatedAt: now,
					})
				}
				if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
					return err
				}
			}
			return nil
		})
		require.NoError(tb, err)
	}
}

// BenchmarkSearchMessages searches 1,000,000 stored messages (see
// searchCorpus) for a first page of 20 ranked hits, through
// Client.SearchMessages: a rare word (~1 in 10,000 messages), two words,
// a phrase, a prefix, a word in ~1% of messages, and a rare word with
// content-type and time filters. Each iteration runs the whole search;
// nothing is cached between iterations but what the database caches
// itself. The matches metric is how many messages match the query.
func BenchmarkSearchMessages(b *testing.B) {
	const n = 1_000_000
	bodies, vocab := searchCorpus(n)
	// Document frequencies, to pick words by how many messages hold them.
	df := map[string]int{}
	for _, body := range bodies {
		seen := map[string]bool{}
		for w := range strings.FieldsSeq(body) {
			if !seen[w] {
				seen[w] = true
				df[w]++
			}
		}
	}
	pick := func(target int) string { // the vocabulary word closest to target messages
		best := vocab[0]
		for _, w := range vocab {
			if abs(df[w]-target) < abs(df[best]-target) {
				best = w
			}
		}
		return best
	}
	rare, common, other := pick(100), pick(10_000), pick(20_000)
	benchDBs(b, func(b *testing.B, db *testdb.DB) {
		h := newHarness(b, db)
		bot, _ := pair(b, h, "bench")
		t0 := time.Now()
		fillMessages(b, bot.Store().DB(), "bench", bodies)
		b.Logf("%s: stored %d messages in %s", db.Dialect, n, time.Since(t0).Round(time.Second))
		if db.Dialect != "sqlite" {
			// As autovacuum leaves a table: statistics and the visibility
			// map up to date.
			_, err := bot.Store().DB().ExecContext(context.Background(), "VACUUM ANALYZE wauser_messages")
			require.NoError(b, err)
		}
		phrase := ""
		for _, body := range bodies {
			if ws := strings.Fields(body); len(ws) > 3 && df[ws[1]] < 2000 && df[ws[2]] < 2000 {
				phrase = `"` + ws[1] + " " + ws[2] + `"`
				break
			}
		}
		has := func(ws ...string) func(string) bool {
			return func(body string) bool {
				for _, w := range ws {
					if !strings.Contains(" "+body+" ", " "+w+" ") {
						return false
					}
				}
				return true
			}
		}
		p1, p2, _ := strings.Cut(strings.Trim(phrase, `"`), " ")
		since, until := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
		prefix := rare[:len(rare)-1]
		for _, bc := range []struct {
			name  string
			opts  wauser.SearchMessagesOptions
			match func(i int, body string) bool
		}{
			{"rare-word", wauser.SearchMessagesOptions{Query: rare}, func(_ int, s string) bool { return has(rare)(s) }},
			{"two-words", wauser.SearchMessagesOptions{Query: common + " " + other}, func(_ int, s string) bool { return has(common, other)(s) }},
			{"phrase", wauser.SearchMessagesOptions{Query: phrase}, func(_ int, s string) bool { return has(p1 + " " + p2)(s) }},
			{"prefix", wauser.SearchMessagesOptions{Query: prefix + "*"}, func(_ int, s string) bool {
				return strings.HasPrefix(s, prefix) || strings.Contains(s, " "+prefix)
			}},
			{"common-word", wauser.SearchMessagesOptions{Query: common}, func(_ int, s string) bool { return has(common)(s) }},
			{"rare-filtered", wauser.SearchMessagesOptions{Query: rare, ContentTypes: []string{"text"}, Since: since, Until: until},
				func(i int, s string) bool {
					at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
					return i%10 != 0 && !at.Before(since) && at.Before(until) && has(rare)(s)
				}},
		} {
			matches := 0
			for i, body := range bodies {
				if bc.match(i, body) {
					matches++
				}
			}
			b.Run(bc.name, func(b *testing.B) {
				ctx := context.Background()
				for b.Loop() {
					res, err := bot.SearchMessages(ctx, bc.opts)
					if err != nil || len(res.Hits) == 0 {
						b.Fatalf("%q: %v", bc.opts.Query, err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
				b.ReportMetric(float64(matches), "matches")
			})
		}
	})
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// BenchmarkIngestHistorySyncRawNoSearchIndex is the "raw-bun" baseline of
// BenchmarkIngestHistorySync (the same rows, the same statements) on a
// table without the full-text index: what plain bun stores when nothing
// keeps a search index. Run with BenchmarkIngestHistorySync (one -bench
// pattern matches both) to compare ingestion with the index against it in
// the same run.
func BenchmarkIngestHistorySyncRawNoSearchIndex(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *testdb.DB) {
		b.Run("raw-bun", func(b *testing.B) { rawNoSearchIndex(b, db) })
	})
}

func rawNoSearchIndex(b *testing.B, db *testdb.DB) {
	const convs, perConv = 1000, 100
	{
		for b.Loop() {
			b.StopTimer()
			fresh := testdb.SQLite(b)
			drop := []string{"DROP TRIGGER wauser_messages_fts_insert", "DROP TRIGGER wauser_messages_fts_update",
				"DROP TRIGGER wauser_messages_fts_delete", "DROP TABLE wauser_messages_fts"}
			if db.Dialect != "sqlite" {
				fresh = testdb.Postgres(b)
				drop = []string{"DROP INDEX wauser_messages_search"}
			}
			st := fresh.OpenEngine(b)
			ctx := context.Background()
			for _, q := range drop {
				_, err := st.DB().ExecContext(ctx, q)
				require.NoError(b, err)
			}
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
	}
}
