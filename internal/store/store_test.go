package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/internal/wa"
)

func TestMigrateIdempotentWithWhatsmeowTables(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := t.Context()
		st := db.OpenEngine(t)
		// Twice more on the same database: nothing to do, no error.
		require.NoError(t, st.Migrate(ctx))
		require.NoError(t, db.OpenEngine(t).Migrate(ctx))

		files, err := filepath.Glob("migrations/*.up.sql")
		require.NoError(t, err)
		// Migrations whose SQL differs by database are the adapters'.
		dialectDir := "../../store/sqlite/migrations"
		if db.Dialect != "sqlite" {
			dialectDir = "../../store/postgres/migrations"
		}
		more, err := filepath.Glob(dialectDir + "/*.up.sql")
		require.NoError(t, err)
		require.NotEmpty(t, more)
		files = append(files, more...)
		var applied int
		require.NoError(t, st.DB().NewSelect().Table("wauser_migrations").ColumnExpr("count(*)").Scan(ctx, &applied))
		require.Equal(t, len(files), applied, "each migration is recorded once")

		for _, table := range []string{
			"wauser_accounts", "wauser_counters", "wauser_conversations", "wauser_participants",
			"wauser_contacts", "wauser_messages", "wauser_api_keys", "wauser_webhooks",
			"wauser_webhook_deliveries", "wauser_events", "whatsmeow_device", "whatsmeow_lid_map", "whatsmeow_event_buffer",
		} {
			var n int
			err := st.DB().NewSelect().Table(table).ColumnExpr("count(*)").Scan(ctx, &n)
			require.NoError(t, err, "table %s must exist in the same database", table)
		}
	})
}

func TestAccountAndDeviceSurviveReopen(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := t.Context()
		now := time.Date(2026, 11, 21, 10, 0, 0, 123000000, time.UTC)
		jid := types.NewADJID("15551234567", 0, 3)

		st := db.OpenEngine(t)
		acc := &store.Account{ID: "sales", State: "connected", OnlyStatusUpdates: true, CreatedAt: now, UpdatedAt: now}
		require.NoError(t, st.CreateAccount(ctx, acc, nil))
		dev := st.Container().NewDevice()
		require.NoError(t, wa.SaveOfflinePairing(ctx, dev, jid, types.NewJID("99887766", types.HiddenUserServer), "Sales", "android", ""))
		acc.JID = jid.String()
		require.NoError(t, st.UpdateAccount(ctx, acc, "jid"))
		require.NoError(t, st.Close())

		st2 := db.OpenEngine(t)
		got, err := st2.GetAccount(ctx, "sales")
		require.NoError(t, err)
		require.Equal(t, jid.String(), got.JID)
		require.Equal(t, "connected", got.State)
		require.True(t, got.OnlyStatusUpdates)
		require.True(t, got.CreatedAt.Equal(now), "created_at round-trips: %v", got.CreatedAt)

		parsed, err := types.ParseJID(got.JID)
		require.NoError(t, err)
		dev2, err := st2.Container().GetDevice(ctx, parsed)
		require.NoError(t, err)
		require.NotNil(t, dev2, "device rows survive the reopen")
		require.Equal(t, "Sales", dev2.PushName)
	})
}

func TestCreateAccountConflictWritesNothing(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := t.Context()
		st := db.OpenEngine(t)
		now := time.Now().UTC()
		require.NoError(t, st.CreateAccount(ctx, &store.Account{ID: "a", State: "unpaired", CreatedAt: now, UpdatedAt: now}, nil))
		hook := &store.Webhook{ID: "wh_1", AccountID: "a", URL: "https://example.com/h", EventTypes: []string{"*"}, CreatedAt: now, UpdatedAt: now}
		err := st.CreateAccount(ctx, &store.Account{ID: "a", State: "unpaired", CreatedAt: now, UpdatedAt: now}, []*store.Webhook{hook})
		require.ErrorIs(t, err, store.ErrExists)

		var hooks int
		require.NoError(t, st.DB().NewSelect().Table("wauser_webhooks").ColumnExpr("count(*)").Scan(ctx, &hooks))
		require.Zero(t, hooks, "a rejected create writes no webhook")

		_, err = st.GetAccount(ctx, "missing")
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorIs(t, st.DeleteAccount(ctx, "missing"), store.ErrNotFound)
	})
}

func TestCountersAndEvents(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := t.Context()
		st := db.OpenEngine(t)
		now := time.Now().UTC()
		require.NoError(t, st.CreateAccount(ctx, &store.Account{ID: "a", State: "unpaired", CreatedAt: now, UpdatedAt: now}, nil))
		err := st.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			first, err := store.NextCounter(ctx, tx, "a", store.CounterSeq, 3)
			require.NoError(t, err)
			require.Equal(t, int64(1), first)
			first, err = store.NextCounter(ctx, tx, "a", store.CounterSeq, 1)
			require.NoError(t, err)
			require.Equal(t, int64(4), first)
			return store.InsertEvents(ctx, tx, []*store.Event{
				{AccountID: "a", ID: "evt_1", Type: "account.qr", Data: `{}`, OccurredAt: now},
				{AccountID: "a", ID: "evt_2", Type: "account.paired", Data: `{"x":1}`, OccurredAt: now},
			})
		})
		require.NoError(t, err)
		events, err := st.ListEvents(ctx, "a", 1, 10)
		require.NoError(t, err)
		require.Len(t, events, 1)
		require.Equal(t, int64(2), events[0].Seq)
		require.Equal(t, "account.paired", events[0].Type)

		// A failed transaction gives its counter values back.
		_ = st.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := store.NextCounter(ctx, tx, "a", store.CounterSeq, 10)
			require.NoError(t, err)
			return errors.New("rollback")
		})
		err = st.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			first, err := store.NextCounter(ctx, tx, "a", store.CounterSeq, 1)
			require.Equal(t, int64(5), first)
			return err
		})
		require.NoError(t, err)
		_, err = store.NextCounter(ctx, st.DB(), "missing", store.CounterSeq, 1)
		require.ErrorIs(t, err, store.ErrNotFound)
	})
}

// TestChangesAfterCountsKindsTogether: a page holds the limit lowest seqs
// whatever their kinds, read with prepared statements that survive reuse.
func TestChangesAfterCountsKindsTogether(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := t.Context()
		st := db.OpenEngine(t)
		now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
		require.NoError(t, st.CreateAccount(ctx, &store.Account{ID: "a", State: "connected", CreatedAt: now, UpdatedAt: now}, nil))
		// seqs: conversation 1, contact 2, messages 3..6, contact 7, conversation 8.
		err := st.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			conv := func(id string, seq int64) *store.Conversation {
				return &store.Conversation{AccountID: "a", ConversationID: id, ChatJID: id + "@s.whatsapp.net", Kind: "direct", Seq: seq, CreatedAt: now, UpdatedAt: now}
			}
			contact := func(id string, seq int64) *store.Contact {
				return &store.Contact{AccountID: "a", PersonID: id, Num: seq, Tags: []string{}, Seq: seq, CreatedAt: now, UpdatedAt: now}
			}
			if err := st.UpsertConversations(ctx, tx, []*store.Conversation{conv("conv_1", 1), conv("conv_8", 8)}); err != nil {
				return err
			}
			if err := st.UpsertContacts(ctx, tx, []*store.Contact{contact("person_2", 2), contact("person_7", 7)}); err != nil {
				return err
			}
			var msgs []*store.Message
			for seq := int64(3); seq <= 6; seq++ {
				msgs = append(msgs, &store.Message{AccountID: "a", MessageID: "msg_" + string(rune('0'+seq)), ConversationID: "conv_1",
					Body: "hi", Mentions: []string{}, Reactions: map[string]string{"x@s.whatsapp.net": "👍"}, ReactionTimes: map[string]int64{},
					SentAt: now, Seq: seq, CreatedAt: now, UpdatedAt: now})
			}
			return st.UpsertMessages(ctx, tx, msgs)
		})
		require.NoError(t, err)

		seqs := func(p *store.ChangesPage) (out []int64) {
			for _, c := range p.Conversations {
				out = append(out, c.Seq)
			}
			for _, c := range p.Contacts {
				out = append(out, c.Seq)
			}
			for _, m := range p.Messages {
				out = append(out, m.Seq)
			}
			return out
		}
		for range 2 { // the second time through the prepared statements
			p, err := st.ChangesAfter(ctx, "a", 0, 100, 3)
			require.NoError(t, err)
			require.ElementsMatch(t, []int64{1, 2, 3}, seqs(p))
			require.Equal(t, "conv_1@s.whatsapp.net", p.Conversations[0].ChatJID)
			require.Equal(t, map[string]string{"x@s.whatsapp.net": "👍"}, p.Messages[0].Reactions)
			require.Empty(t, p.Messages[0].ReactionTimes, "not read for the feed")

			p, err = st.ChangesAfter(ctx, "a", 3, 100, 4)
			require.NoError(t, err)
			require.ElementsMatch(t, []int64{4, 5, 6, 7}, seqs(p))
			require.Empty(t, p.Conversations)

			p, err = st.ChangesAfter(ctx, "a", 3, 7, 100)
			require.NoError(t, err)
			require.ElementsMatch(t, []int64{4, 5, 6, 7}, seqs(p), "nothing above upto")
		}
		bound, err := st.ChangeBound(ctx, "a")
		require.NoError(t, err)
		require.Equal(t, int64(0), bound, "the counter was not moved by these raw writes")
		_, err = st.ChangeBound(ctx, "nope")
		require.ErrorIs(t, err, store.ErrNotFound)
	})
}

// TestMessageWritePaths: a message reads back as written whichever way it
// went in: COPY (a new row in a Store transaction on PostgreSQL), the
// array or multi-row statement (an upsert, or a transaction the Store did
// not open), and encoded ahead with EncodeMessages.
func TestMessageWritePaths(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := t.Context()
		st := db.OpenEngine(t)
		now := time.Date(2026, 11, 22, 10, 0, 0, 123456000, time.UTC)
		require.NoError(t, st.CreateAccount(ctx, &store.Account{ID: "a", State: "connected", CreatedAt: now, UpdatedAt: now}, nil))
		msg := func(id string, seq int64) *store.Message {
			return &store.Message{AccountID: "a", MessageID: id, ConversationID: "conv_1", ChatJID: "1@s.whatsapp.net",
				WAMessageID: "W" + id, SenderJID: "2@s.whatsapp.net", SenderPersonID: "person_2", Direction: "incoming",
				IsFromMe: seq%2 == 0, ContentType: "text", Body: "héllo ✓ " + id, Status: "read", ReplyToWAID: "X",
				Mentions: []string{"3@s.whatsapp.net"}, Reactions: map[string]string{"2@s.whatsapp.net": "👍"},
				ReactionTimes: map[string]int64{"2@s.whatsapp.net": 1234}, Media: `{"k":1}`, Extra: `{}`,
				SentAt: now, ReceivedAt: now.Add(time.Second), Seq: seq, CreatedAt: now, UpdatedAt: now} // EditedAt, DeletedAt: NULL
		}
		var want []*store.Message
		write := func(run func(ctx context.Context, tx bun.IDB) error, rows ...*store.Message) {
			t.Helper()
			want = append(want, rows...)
			require.NoError(t, st.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error { return run(ctx, tx) }))
		}
		write(func(ctx context.Context, tx bun.IDB) error {
			return st.InsertMessages(ctx, tx, []*store.Message{msg("m1", 1), msg("m2", 2)})
		}, msg("m1", 1), msg("m2", 2))
		write(func(ctx context.Context, tx bun.IDB) error {
			e, err := st.EncodeMessages([]*store.Message{msg("m3", 3)}, true)
			if err != nil {
				return err
			}
			return e.Write(ctx, tx)
		}, msg("m3", 3))
		write(func(ctx context.Context, tx bun.IDB) error {
			return st.UpsertMessages(ctx, tx, []*store.Message{msg("m4", 4)})
		}, msg("m4", 4))
		// A transaction of bun's own: no connection to COPY on.
		want = append(want, msg("m5", 5))
		require.NoError(t, st.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return st.InsertMessages(ctx, tx, []*store.Message{msg("m5", 5)})
		}))
		// An upsert of several rows (their shared columns bound once):
		// one changed, one new.
		changed, added := msg("m1", 8), msg("m7", 9)
		changed.Body, changed.EditedAt = "edited", now.Add(time.Minute)
		write(func(ctx context.Context, tx bun.IDB) error {
			return st.UpsertMessages(ctx, tx, []*store.Message{changed, added})
		}, added)
		want[0] = changed
		got, err := store.AllMessages(ctx, st.DB(), "a")
		require.NoError(t, err)
		require.Len(t, got, len(want))
		byID := map[string]*store.Message{}
		for _, m := range got {
			byID[m.MessageID] = m
		}
		for _, w := range want {
			g := byID[w.MessageID]
			require.NotNil(t, g, w.MessageID)
			require.True(t, w.Equal(g), "%s: wrote %+v, read %+v", w.MessageID, w, g)
			require.Equal(t, w.Seq, g.Seq)
			require.Equal(t, w.EditedAt.IsZero(), g.EditedAt.IsZero(), "NULL stays NULL")
		}
		require.Equal(t, "edited", byID["m1"].Body)
		// A new row that is not new fails whole: nothing of its batch stays.
		err = st.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			return st.InsertMessages(ctx, tx, []*store.Message{msg("m6", 6), msg("m1", 7)})
		})
		require.Error(t, err)
		got, err = store.AllMessages(ctx, st.DB(), "a")
		require.NoError(t, err)
		require.Len(t, got, len(want))
	})
}

func TestReadCounterAndConcurrentReads(t *testing.T) {
	t.Parallel()
	mem := testdb.Memory(t).OpenEngine(t)
	require.False(t, mem.ConcurrentReads(), "an in-memory database has one connection")
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := t.Context()
		st := db.OpenEngine(t)
		require.True(t, st.ConcurrentReads())
		now := time.Now().UTC()
		require.NoError(t, st.CreateAccount(ctx, &store.Account{ID: "a", State: "connected", CreatedAt: now, UpdatedAt: now}, nil))
		require.NoError(t, st.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := store.NextCounter(ctx, tx, "a", store.CounterContact, 5)
			return err
		}))
		v, err := st.ReadCounter(ctx, "a", store.CounterContact)
		require.NoError(t, err)
		require.Equal(t, int64(5), v)
		_, err = st.ReadCounter(ctx, "nope", store.CounterContact)
		require.ErrorIs(t, err, store.ErrNotFound)
	})
}

// TestWriteAfterCancelledTransaction: transactions whose ctx is cancelled
// at any point leave nothing, and the next write works (on SQLite the write
// connection, when interrupted inside its transaction, is replaced).
func TestWriteAfterCancelledTransaction(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		st := db.OpenEngine(t)
		now := time.Now().UTC()
		require.NoError(t, st.CreateAccount(t.Context(), &store.Account{ID: "a", State: "connected", CreatedAt: now, UpdatedAt: now}, nil))
		rows := make([]*store.Message, 500)
		for i := range rows {
			rows[i] = &store.Message{AccountID: "a", ConversationID: "c", Body: "x", Mentions: []string{},
				Reactions: map[string]string{}, ReactionTimes: map[string]int64{}, Seq: int64(i), CreatedAt: now, UpdatedAt: now}
		}
		committed := int64(0)
		for i := range 40 {
			ctx, cancel := context.WithCancel(t.Context())
			stop := time.AfterFunc(time.Duration(i%8)*250*time.Microsecond, cancel)
			err := st.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				for j, m := range rows {
					m.MessageID = fmt.Sprintf("m%d_%d", i, j)
				}
				if err := st.InsertMessages(ctx, tx, rows); err != nil {
					return err
				}
				_, err := store.NextCounter(ctx, tx, "a", store.CounterContact, 1)
				return err
			})
			stop.Stop()
			cancel()
			if err == nil {
				committed++
			}
			require.NoError(t, st.RunInTx(t.Context(), func(ctx context.Context, tx bun.Tx) error {
				_, err := store.NextCounter(ctx, tx, "a", store.CounterContact, 1000)
				return err
			}), "the write after a cancelled one (round %d)", i)
		}
		v, err := st.ReadCounter(t.Context(), "a", store.CounterContact)
		require.NoError(t, err)
		require.Equal(t, 40*1000+committed, v, "nothing of the cancelled transactions")
		got, err := store.AllMessages(t.Context(), st.DB(), "a")
		require.NoError(t, err)
		require.Len(t, got, int(committed)*len(rows))
	})
}

// TestChangesAfterReadsWhatBunReads: the feed's own scanning gives every
// column it shows the value bun reads back: times with and without
// nanoseconds and NULL ones, JSON slices and maps empty and full, text
// with every kind of character, on both databases.
func TestChangesAfterReadsWhatBunReads(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := t.Context()
		st := db.OpenEngine(t)
		now := time.Date(2026, 11, 21, 10, 0, 0, 123456789, time.UTC)
		require.NoError(t, st.CreateAccount(ctx, &store.Account{ID: "a", State: "connected", CreatedAt: now, UpdatedAt: now}, nil))
		convs := []*store.Conversation{
			{AccountID: "a", ConversationID: "conv_g", ChatJID: "1203@g.us", Kind: "group", Subject: "Équipe ☕", Topic: "t\n\"q\"",
				IsArchived: true, IsPinned: true, IsAnnounce: true, IsLocked: true, MutedUntil: now.Add(time.Hour), UnreadCount: 7,
				LastMessageAt: now, DeletedAt: now.Add(-time.Second), MergedInto: "conv_x", EphemeralSecs: 86400, Seq: 1,
				FieldTimes: map[string]int64{}, CreatedAt: now, UpdatedAt: now},
			{AccountID: "a", ConversationID: "conv_d", ChatJID: "1555@s.whatsapp.net", Kind: "direct", DirectPersonID: "person_d",
				Seq: 4, FieldTimes: map[string]int64{}, CreatedAt: now, UpdatedAt: now},
		}
		contacts := []*store.Contact{
			{AccountID: "a", PersonID: "person_d", Num: 42, DisplayName: "Ann 😀", FirstName: "Ann", LastName: "O'Neil", Company: "ACME",
				WhatsAppPushName: "annie", BusinessName: "Ann's", PhoneE164: "+1555", PhoneJID: "1555@s.whatsapp.net", LIDJID: "9@lid",
				Tags: []string{"vip", "a,b"}, MergedInto: "person_y", Seq: 2, FieldTimes: map[string]int64{}, CreatedAt: now, UpdatedAt: now},
			{AccountID: "a", PersonID: "person_e", Num: 43, Tags: []string{}, Seq: 5, FieldTimes: map[string]int64{}, CreatedAt: now, UpdatedAt: now},
		}
		msgs := []*store.Message{
			{AccountID: "a", MessageID: "msg_1", ConversationID: "conv_g", ChatJID: "1203@g.us", WAMessageID: "3EB01", ClientID: "c1",
				SenderJID: "1555@s.whatsapp.net", SenderPersonID: "person_d", SenderPushName: "annie", Direction: "incoming",
				ContentType: "image", Body: "cap\u2028tion", Status: "read", Error: "e", ReplyToWAID: "3EB00",
				Mentions: []string{"1555@s.whatsapp.net"}, Reactions: map[string]string{"1555@s.whatsapp.net": "👍", "9@lid": "❤️"},
				ReactionTimes: map[string]int64{"1555@s.whatsapp.net": 1}, Media: `{"mime_type":"image/jpeg"}`, Extra: `{"poll":{}}`,
				MergedInto: "msg_0", Starred: true, SentAt: now, ReceivedAt: now.Add(time.Millisecond), EditedAt: now.Add(time.Minute),
				DeletedAt: now.Add(2 * time.Minute), Seq: 3, CreatedAt: now, UpdatedAt: now},
			{AccountID: "a", MessageID: "msg_2", ConversationID: "conv_d", Direction: "outgoing", IsFromMe: true, ContentType: "text",
				Mentions: []string{}, Reactions: map[string]string{}, ReactionTimes: map[string]int64{}, SentAt: now.Truncate(time.Second),
				Seq: 6, CreatedAt: now, UpdatedAt: now},
		}
		require.NoError(t, st.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if err := st.UpsertConversations(ctx, tx, convs); err != nil {
				return err
			}
			if err := store.ReplaceParticipants(ctx, tx, "a", "conv_g", []*store.Participant{
				{AccountID: "a", ConversationID: "conv_g", ParticipantJID: "1555@s.whatsapp.net", PersonID: "person_d", Role: "admin"}}); err != nil {
				return err
			}
			if err := st.UpsertContacts(ctx, tx, contacts); err != nil {
				return err
			}
			return st.UpsertMessages(ctx, tx, msgs)
		}))

		var wantConvs []*store.Conversation
		var wantContacts []*store.Contact
		var wantMsgs []*store.Message
		require.NoError(t, st.DB().NewSelect().Model(&wantConvs).Order("seq").Scan(ctx))
		require.NoError(t, st.DB().NewSelect().Model(&wantContacts).Order("seq").Scan(ctx))
		require.NoError(t, st.DB().NewSelect().Model(&wantMsgs).Order("seq").Scan(ctx))
		for _, c := range wantConvs {
			c.AltJID, c.FieldTimes, c.CreatedAt, c.UpdatedAt = "", nil, time.Time{}, time.Time{}
			c.Participants = []*store.Participant{}
		}
		wantConvs[0].Participants = []*store.Participant{{AccountID: "a", ConversationID: "conv_g", ParticipantJID: "1555@s.whatsapp.net", PersonID: "person_d", Role: "admin"}}
		for _, c := range wantContacts {
			c.FieldTimes, c.CreatedAt, c.UpdatedAt = nil, time.Time{}, time.Time{}
		}
		for _, m := range wantMsgs {
			m.SenderPersonID, m.ReactionTimes, m.MediaKeys, m.WireChatJID, m.WireSenderJID = "", nil, "", "", ""
			m.CreatedAt, m.UpdatedAt = time.Time{}, time.Time{}
		}
		for limit := 1; limit <= 7; limit++ {
			p, err := st.ChangesAfter(ctx, "a", 0, 100, limit)
			require.NoError(t, err)
			n := len(p.Conversations) + len(p.Contacts) + len(p.Messages)
			require.Equal(t, min(limit, 6), n, "limit %d", limit)
			seqs := map[int64]bool{}
			for _, c := range p.Conversations {
				seqs[c.Seq] = true
			}
			for _, c := range p.Contacts {
				seqs[c.Seq] = true
			}
			for _, m := range p.Messages {
				seqs[m.Seq] = true
			}
			for s := int64(1); s <= int64(min(limit, 6)); s++ {
				require.True(t, seqs[s], "limit %d: the lowest seqs, %d among them", limit, s)
			}
			if limit >= 6 {
				require.Equal(t, wantConvs, p.Conversations)
				require.Equal(t, wantContacts, p.Contacts)
				require.Equal(t, wantMsgs, p.Messages)
			}
		}
	})
}
