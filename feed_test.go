package wauser_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

func TestSyncPageLimits(t *testing.T) {
	t.Parallel()
	_, bot, conn := paired(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	for i := range 5 {
		require.True(t, conn.Emit(watest.Text(alice, alice, fmt.Sprint("P", i), at(i), "x")))
	}
	// 1 conversation + 1 contact + 5 messages = 7 records.
	_, err := bot.SyncPage(ctx, 0, -1)
	require.ErrorIs(t, err, wauser.ErrInvalidArgument)
	_, err = bot.SyncPage(ctx, -5, 10)
	require.ErrorIs(t, err, wauser.ErrInvalidArgument)

	p, err := bot.SyncPage(ctx, 0, 3)
	require.NoError(t, err)
	require.Equal(t, 3, len(p.Conversations)+len(p.Contacts)+len(p.Messages), "limit counts all three arrays")
	require.True(t, p.HasMore)
	next, err := bot.SyncPage(ctx, p.Cursor, 1000000) // clamped to the maximum
	require.NoError(t, err)
	require.Equal(t, 4, len(next.Conversations)+len(next.Contacts)+len(next.Messages))
	require.False(t, next.HasMore)
	empty, err := bot.SyncPage(ctx, next.Cursor, 0)
	require.NoError(t, err)
	require.Equal(t, next.Cursor, empty.Cursor, "an empty page returns the input cursor")
	require.False(t, empty.HasMore)
	require.NotNil(t, empty.Messages, "empty lists are [] in JSON")

	// Changes resumes from a change's own seq.
	var seqs []wauser.Cursor
	for ch, err := range bot.Changes(ctx, 0, 2) {
		require.NoError(t, err)
		seqs = append(seqs, ch.Seq)
		if len(seqs) == 4 {
			break
		}
	}
	var rest []wauser.Cursor
	for ch, err := range bot.Changes(ctx, seqs[3], 2) {
		require.NoError(t, err)
		rest = append(rest, ch.Seq)
	}
	require.Len(t, rest, 3)
	require.Greater(t, rest[0], seqs[3])

	_, err = bot.WithAccount("nobody").SyncPage(ctx, 0, 10)
	require.ErrorIs(t, err, wauser.ErrNotFound)
	for _, err := range bot.WithAccount("nobody").Changes(ctx, 0, 10) {
		require.ErrorIs(t, err, wauser.ErrNotFound, "the iterator yields the error once")
	}
}

// TestFeedUnderConcurrentWriters is acceptance 5 of issue 3: four writers
// change records concurrently while a reader pages with a small limit; the
// reader never misses a change and ends with exactly the final state.
func TestFeedUnderConcurrentWriters(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		const writers, perWriter = 4, 25
		peers := []types.JID{alice, bob, carol, types.NewJID("15550000004", types.DefaultUserServer)}

		var wg sync.WaitGroup
		defer wg.Wait() // writers never outlive the test, even when it fails
		for w := range writers {
			wg.Go(func() {
				peer := peers[w]
				for i := range perWriter {
					id := fmt.Sprintf("W%d-%d", w, i)
					if !conn.Emit(watest.Text(peer, peer, id, at(i), "v1")) {
						t.Errorf("write %s failed", id)
					}
					// Rewrite an earlier message: it moves to a new seq.
					if i > 0 && i%3 == 0 {
						target := fmt.Sprintf("W%d-%d", w, i-2)
						edit := watest.Edit(peer, peer, id+"e", at(i+1000), watest.Key(peer, target, false, types.EmptyJID), "v2-"+id)
						if !conn.Emit(edit) {
							t.Errorf("edit %s failed", id)
						}
					}
				}
			})
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()

		// The reader folds every page into its copy of the store.
		seen := map[string]string{} // message id -> body
		seenSeq := map[string]int64{}
		var cursor wauser.Cursor
		read := func() bool {
			p, err := bot.SyncPage(ctx, cursor, 3)
			require.NoError(t, err)
			for _, m := range p.Messages {
				require.Greater(t, m.Seq, int64(cursor), "never a seq at or below the cursor")
				require.Greater(t, m.Seq, seenSeq[string(m.MessageID)], "a record only moves forward")
				seen[string(m.MessageID)], seenSeq[string(m.MessageID)] = m.Body, m.Seq
			}
			require.GreaterOrEqual(t, p.Cursor, cursor)
			cursor = p.Cursor
			return p.HasMore
		}
		for finished := false; !finished; {
			select {
			case <-done:
				finished = true
			default:
				read()
			}
		}
		for read() {
		}

		final := feed(t, bot)
		require.Len(t, final.page.Messages, writers*perWriter)
		want := map[string]string{}
		for _, m := range final.page.Messages {
			want[string(m.MessageID)] = m.Body
		}
		require.Equal(t, want, seen, "the reader ends with exactly the final state")
		require.Equal(t, final.page.Cursor, cursor)
	})
}

func TestStoreFailureAcksNothingAndWritesNothing(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		require.True(t, conn.Emit(watest.Text(alice, alice, "OK1", at(1), "fine")))
		before := feed(t, bot)
		events := lastEventSeq(t, bot)

		allow := refuseBody(t, bot, db.Dialect, "boom")
		// A message from a new person in a new chat: contact, conversation
		// and message would all be new.
		evt := watest.Text(bob, bob, "BAD", at(2), "boom")
		require.False(t, conn.Emit(evt), "a store failure is not acknowledged")
		after := feed(t, bot)
		require.Equal(t, before.page, after.page, "no partial rows: no contact, conversation or message of the failed event")
		require.Equal(t, events, lastEventSeq(t, bot), "no event either")

		// Once the store works again, the redelivered event is stored whole.
		allow()
		require.True(t, conn.Emit(evt))
		s := feed(t, bot)
		require.Equal(t, "boom", s.msgs["BAD"].Body)
		require.Contains(t, s.contacts, bob.String())
	})
}

// TestSyncPageJSONCache: the encoded page is reused while nothing changes,
// and a change (which moves the committed seq) is seen at once.
func TestSyncPageJSONCache(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		ctx := ctxTimeout(t)
		require.True(t, conn.Emit(watest.Text(alice, alice, "J1", at(1), "one")))
		a, err := bot.SyncPageJSON(ctx, 0, 10)
		require.NoError(t, err)
		b, err := bot.SyncPageJSON(ctx, 0, 10)
		require.NoError(t, err)
		require.Same(t, &a[0], &b[0], "the same page is served from memory")
		direct, err := bot.SyncPage(ctx, 0, 10)
		require.NoError(t, err)
		want, err := json.Marshal(direct)
		require.NoError(t, err)
		require.JSONEq(t, string(want), string(a))

		require.True(t, conn.Emit(watest.Edit(alice, alice, "J2", at(2), watest.Key(alice, "J1", false, types.EmptyJID), "one, edited")))
		c, err := bot.SyncPageJSON(ctx, 0, 10)
		require.NoError(t, err)
		require.Contains(t, string(c), "one, edited", "a change is visible at once")
		require.NotContains(t, string(c), `"body":"one"`)

		_, err = bot.SyncPageJSON(ctx, 0, -1)
		require.ErrorIs(t, err, wauser.ErrInvalidArgument)
	})
}

// A live reader starts at HeadCursor, sees only what is committed later,
// and is woken by ChangesWritten when it is.
func TestHeadCursorAndChangesWritten(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		ctx := ctxTimeout(t)
		require.True(t, conn.Emit(watest.Text(alice, alice, "H1", at(1), "before")))
		head, err := bot.HeadCursor(ctx)
		require.NoError(t, err)
		all, err := bot.SyncPage(ctx, 0, wauser.MaxSyncLimit)
		require.NoError(t, err)
		require.Equal(t, all.Cursor, head, "the head is the cursor of the latest change")

		written := bot.ChangesWritten()
		require.True(t, conn.Emit(watest.Text(alice, alice, "H2", at(2), "after")))
		select {
		case <-written:
		case <-ctx.Done():
			t.Fatal("ChangesWritten not closed by a commit")
		}
		page, err := bot.SyncPage(ctx, head, wauser.MaxSyncLimit)
		require.NoError(t, err)
		var bodies []string
		for _, m := range page.Messages {
			bodies = append(bodies, m.Body)
		}
		require.Equal(t, []string{"after"}, bodies, "only what was committed after the head")
		next, err := bot.HeadCursor(ctx)
		require.NoError(t, err)
		require.Greater(t, next, head)

		_, err = bot.WithAccount("nobody").HeadCursor(ctx)
		require.ErrorIs(t, err, wauser.ErrNotFound)
	})
}
