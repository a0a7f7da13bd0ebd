package wauser_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// A history blob of more than one batch is stored by two goroutines: the
// next batch is read and built while the one before is written (SQLite
// files and PostgreSQL; an in-memory SQLite database, whose one connection
// a transaction holds, stores batch after batch). These tests check that
// the pipeline stores exactly what batch after batch stores, also when
// the batches refer to each other, when a batch fails, and when the
// account is written behind the pipeline's back.

var (
	carolLID = types.NewJID("200000000000003", types.HiddenUserServer)
	dave     = types.NewJID("15550000004", types.DefaultUserServer)
	eve      = types.NewJID("15550000005", types.DefaultUserServer)
)

// editOf is a history message that edits target in chat.
func editOf(chat types.JID, id, target string, sec int, text string) *waWeb.WebMessageInfo {
	return &waWeb.WebMessageInfo{
		Key: watest.Key(chat, id, false, types.EmptyJID), MessageTimestamp: proto.Uint64(uint64(at(sec).Unix())),
		Message: &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
			Type: waE2E.ProtocolMessage_MESSAGE_EDIT.Enum(), Key: watest.Key(chat, target, false, types.EmptyJID),
			EditedMessage: &waE2E.Message{Conversation: proto.String(text)},
		}},
	}
}

// crossBatchHistory is a blob of four batches (ingest.HistoryBatch
// messages each but the last) whose later batches refer to rows the
// earlier ones create: a conversation that spans two batches with an edit
// of its first batch and a message id seen in two batches, group senders
// who become contacts in one batch and have their own chats in the next,
// a LID chat of a person first seen by phone number, and an edit two
// batches after its target. boom, when set, is the body of one message of
// the third batch.
func crossBatchHistory(boom string) *waHistorySync.HistorySync {
	const b = ingest.HistoryBatch
	var convs []*waHistorySync.Conversation
	// alice: the whole first batch and the start of the second.
	var am []*waWeb.WebMessageInfo
	for i := range b + 600 {
		id := fmt.Sprintf("A%05d", i)
		switch {
		case i == b+100:
			am = append(am, editOf(alice, id, "A00005", i, "fixed in batch two"))
		case i == 10 || i == b+200:
			am = append(am, watest.WebMessage(alice, "ADUP", false, types.EmptyJID, at(10), "same message twice"))
		default:
			m := watest.WebMessage(alice, id, i%4 == 0, types.EmptyJID, at(i), fmt.Sprint("alice ", i))
			if i == b+300 {
				m.Reactions = []*waWeb.Reaction{{Key: watest.Key(alice, "RX", true, types.EmptyJID), Text: proto.String("🎉"), SenderTimestampMS: proto.Int64(at(i).UnixMilli())}}
			}
			am = append(am, m)
		}
	}
	convs = append(convs, watest.HistoryConversation(alice, am...))
	// A group in the second and third batches; its senders are new people.
	var gm []*waWeb.WebMessageInfo
	senders := []types.JID{bob, carol, dave}
	for i := range 1500 {
		gm = append(gm, watest.WebMessage(group, fmt.Sprintf("G%05d", i), false, senders[i%3], at(i), fmt.Sprint("group ", i)))
	}
	g := watest.HistoryConversation(group, gm...)
	g.Name = proto.String("Crew")
	convs = append(convs, g)
	// bob's own chat, after he became a contact in the group.
	var bm []*waWeb.WebMessageInfo
	for i := range 1000 {
		text := fmt.Sprint("bob ", i)
		if i == 500 && boom != "" {
			text = boom
		}
		bm = append(bm, watest.WebMessage(bob, fmt.Sprintf("B%05d", i), i%2 == 0, types.EmptyJID, at(i), text))
	}
	convs = append(convs, watest.HistoryConversation(bob, bm...))
	// carol's chat under her LID, with her phone number alongside.
	var cm []*waWeb.WebMessageInfo
	for i := range 50 {
		cm = append(cm, watest.WebMessage(carolLID, fmt.Sprintf("C%05d", i), false, types.EmptyJID, at(i), fmt.Sprint("carol ", i)))
	}
	c := watest.HistoryConversation(carolLID, cm...)
	c.PnJID = proto.String(carol.String())
	convs = append(convs, c)
	// eve: the rest of the third batch and the fourth, ending with an edit
	// of her first message.
	var em []*waWeb.WebMessageInfo
	for i := range 2099 {
		em = append(em, watest.WebMessage(eve, fmt.Sprintf("E%05d", i), false, types.EmptyJID, at(i), fmt.Sprint("eve ", i)))
	}
	em = append(em, editOf(eve, "E02099", "E00000", 3000, "fixed two batches later"))
	convs = append(convs, watest.HistoryConversation(eve, em...))
	data := watest.History(waHistorySync.HistorySync_INITIAL_BOOTSTRAP, 100, convs...).Data
	data.Pushnames = []*waHistorySync.Pushname{{ID: proto.String(dave.String()), Pushname: proto.String("Dave")}}
	return data
}

// records returns every record of the account in its latest state, by
// kind and id, as JSON without the seq, and the seqs in feed order.
func records(t *testing.T, c *wauser.Client) (map[string]string, []int64) {
	t.Helper()
	out := map[string]string{}
	var seqs []int64
	enc := func(v any) string {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		delete(m, "seq")
		b, err = json.Marshal(m)
		require.NoError(t, err)
		return string(b)
	}
	// Thousands of records: more than ctxTimeout's 10 s under -race on a
	// busy machine.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	for ch, err := range c.Changes(ctx, 0, wauser.MaxSyncLimit) {
		require.NoError(t, err)
		seqs = append(seqs, int64(ch.Seq))
		switch {
		case ch.Conversation != nil:
			out["conversation "+string(ch.Conversation.ConversationID)] = enc(ch.Conversation)
		case ch.Contact != nil:
			out["contact "+string(ch.Contact.PersonID)] = enc(ch.Contact)
		case ch.Message != nil:
			out["message "+string(ch.Message.MessageID)] = enc(ch.Message)
		}
	}
	// The contacts' numbers are not in the feed but are in the REST output.
	rows, err := store.AllContacts(ctxTimeout(t), c.Store().DB(), string(c.Account()))
	require.NoError(t, err)
	for _, r := range rows {
		out["contact num "+r.PersonID] = fmt.Sprint(r.Num)
	}
	return out, seqs
}

// serialReference stores blob batch after batch (an in-memory SQLite
// database) and returns the records.
func serialReference(t *testing.T, blob *waHistorySync.HistorySync) map[string]string {
	t.Helper()
	_, bot, conn := paired(t, testdb.Memory(t))
	require.False(t, store.Unwrap(bot.Store()).ConcurrentReads(), "the reference is stored without the pipeline")
	emitHistory(t, bot, conn, watest.HistoryData(blob))
	want, _ := records(t, bot)
	return want
}

func countMessages(state map[string]string) int {
	n := 0
	for k := range state {
		if strings.HasPrefix(k, "message ") {
			n++
		}
	}
	return n
}

func TestHistoryPipelineStoresWhatBatchAfterBatchStores(t *testing.T) {
	t.Parallel()
	blob := crossBatchHistory("")
	want := serialReference(t, blob)
	// 7,250 messages; the two edits and the repeated id add no rows.
	require.Equal(t, 7250-2-1, countMessages(want))
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		require.True(t, store.Unwrap(bot.Store()).ConcurrentReads())
		emitHistory(t, bot, conn, watest.HistoryData(blob))
		got, seqs := records(t, bot)
		require.Equal(t, want, got)
		for i := 1; i < len(seqs); i++ {
			require.Less(t, seqs[i-1], seqs[i], "seqs ascend in the feed")
		}
		// The cross-batch references landed.
		s := map[string]wauser.Message{}
		for ch, err := range bot.Changes(t.Context(), 0, wauser.MaxSyncLimit) {
			require.NoError(t, err)
			if ch.Message != nil {
				s[ch.Message.WAMessageID] = *ch.Message
			}
		}
		require.Equal(t, "fixed in batch two", s["A00005"].Body)
		require.Equal(t, "fixed two batches later", s["E00000"].Body)
		require.Equal(t, "same message twice", s["ADUP"].Body)
		require.Equal(t, s["B00001"].SenderJID, s["G00000"].SenderJID, "bob of the group is bob of his chat")
		contacts := map[string]wauser.Contact{}
		for ch, err := range bot.Changes(t.Context(), 0, wauser.MaxSyncLimit) {
			require.NoError(t, err)
			if ch.Contact != nil && ch.Contact.MergedInto == "" {
				contacts[ch.Contact.PhoneJID] = *ch.Contact
			}
		}
		require.Equal(t, carolLID.String(), contacts[carol.String()].LIDJID, "carol of the group is carol of the LID chat")

		// Redelivery changes nothing.
		before, _ := records(t, bot)
		last := lastEventSeq(t, bot)
		emitHistory(t, bot, conn, watest.HistoryData(blob))
		again, seqs2 := records(t, bot)
		require.Equal(t, before, again)
		require.Equal(t, seqs, seqs2, "no new seq")
		require.Equal(t, last+2, lastEventSeq(t, bot), "only history.sync and history.sync_complete again")
	})
}

// TestHistoryPipelineFailedBatch: a batch that fails to store ends the
// attempt with the batches before it stored whole and nothing of it or
// after it; the sync queue tries the blob again after a delay, and then
// everything is stored once.
func TestHistoryPipelineFailedBatch(t *testing.T) {
	t.Parallel()
	blob := crossBatchHistory("boom")
	want := serialReference(t, blob)
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h, bot, conn := paired(t, db)
		allow := refuseBody(t, bot, db.Dialect, "boom")
		events := lastEventSeq(t, bot)
		require.True(t, conn.Emit(watest.HistoryData(blob)), "the notification is stored")
		retry := waitRetry(t, h)
		got, _ := records(t, bot)
		// The first two batches hold an edit and the repeated id: no rows.
		require.Equal(t, 2*ingest.HistoryBatch-2, countMessages(got), "the two batches before the failed one, whole")
		for k, v := range got {
			if w, ok := want[k]; ok && strings.HasPrefix(k, "message ") {
				require.Equal(t, w, v, "%s as stored batch after batch", k)
			}
		}
		require.Equal(t, events, lastEventSeq(t, bot), "no progress event")
		st, err := bot.Status(ctxTimeout(t))
		require.NoError(t, err)
		require.Equal(t, 1, st.HistoryPending)

		allow()
		h.clock.Advance(retry)
		waitHistory(t, bot)
		got, _ = records(t, bot)
		require.Equal(t, want, got)
	})
}

// TestHistoryPipelineWrittenBehindItsBack: when the account's seq counter
// moves between two batches (another writer), the pipeline stops and the
// rest is stored one ordinary transaction per batch, after the other
// writer's seqs.
func TestHistoryPipelineWrittenBehindItsBack(t *testing.T) {
	t.Parallel()
	blob := crossBatchHistory("")
	want := serialReference(t, blob)
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		ctx := ctxTimeout(t)
		sqldb := bot.Store().DB()
		// When the first batch sets the seq counter past 1,000, "another
		// writer" takes 7 seqs in the same transaction.
		if db.Dialect == "sqlite" {
			_, err := sqldb.ExecContext(ctx, `CREATE TRIGGER bump AFTER UPDATE OF value ON wauser_counters
				WHEN NEW.name = 'seq' AND OLD.value < 1000 AND NEW.value >= 1000
				BEGIN UPDATE wauser_counters SET value = NEW.value + 7 WHERE account_id = NEW.account_id AND name = 'seq'; END`)
			require.NoError(t, err)
		} else {
			_, err := sqldb.ExecContext(ctx, `CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN IF NEW.name = 'seq' AND OLD.value < 1000 AND NEW.value >= 1000 THEN NEW.value := NEW.value + 7; END IF; RETURN NEW; END $$`)
			require.NoError(t, err)
			_, err = sqldb.ExecContext(ctx, `CREATE TRIGGER bump BEFORE UPDATE ON wauser_counters FOR EACH ROW EXECUTE FUNCTION bump()`)
			require.NoError(t, err)
		}
		emitHistory(t, bot, conn, watest.HistoryData(blob))
		got, seqs := records(t, bot)
		require.Equal(t, want, got, "everything stored once, as batch after batch stores it")
		gaps := 0
		for i := 1; i < len(seqs); i++ {
			require.Less(t, seqs[i-1], seqs[i])
			if seqs[i]-seqs[i-1] == 8 {
				gaps++
			}
		}
		require.Equal(t, 1, gaps, "the batches after the conflict took seqs after the other writer's")
	})
}

// TestMergeRepointsParticipantsNotYetStored: a group whose participant
// list is only in the transaction (or, pipelined, in the batch being
// written) has its participants re-pointed when two contacts merge, like a
// stored one, and lists the person once.
func TestMergeRepointsParticipantsNotYetStored(t *testing.T) {
	t.Parallel()
	daveLID := types.NewJID("200000000000004", types.HiddenUserServer)
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		// The group lists dave by LID and by phone number, with no mapping
		// known: two contacts. His own chat then names both forms.
		g := watest.HistoryConversation(group, watest.WebMessage(group, "GM1", false, dave, at(1), "hi all"))
		g.Participant = []*waHistorySync.GroupParticipant{{UserJID: proto.String(daveLID.String())}, {UserJID: proto.String(dave.String())}}
		dm := watest.HistoryConversation(dave, watest.WebMessage(dave, "DM1", false, types.EmptyJID, at(2), "hi you"))
		dm.LidJID = proto.String(daveLID.String())
		emitHistory(t, bot, conn, watest.History(waHistorySync.HistorySync_INITIAL_BOOTSTRAP, 100, g, dm))

		merged := map[wauser.PersonID]bool{}
		var parts []wauser.Participant
		var live []wauser.Contact
		for ch, err := range bot.Changes(t.Context(), 0, wauser.MaxSyncLimit) {
			require.NoError(t, err)
			switch {
			case ch.Contact != nil && ch.Contact.MergedInto != "":
				merged[ch.Contact.PersonID] = true
			case ch.Contact != nil:
				live = append(live, *ch.Contact)
			case ch.Conversation != nil && ch.Conversation.ChatJID == group.String():
				parts = ch.Conversation.Participants
			}
		}
		require.Empty(t, merged, "dave's two contacts merged before either was stored: only the survivor is")
		require.Len(t, live, 1)
		require.Equal(t, daveLID.String(), live[0].LIDJID)
		require.Equal(t, dave.String(), live[0].PhoneJID)
		require.Len(t, parts, 1, "one participant per person")
		require.Equal(t, live[0].PersonID, parts[0].PersonID, "the surviving contact")
		require.Equal(t, dave.String(), parts[0].ParticipantJID, "shown by the phone number")
	})
}
