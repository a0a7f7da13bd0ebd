package wauser_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// historyBlob builds a history sync like the phone sends after pairing.
func historyBlob() *waHistorySync.HistorySync {
	mine := watest.WebMessage(alice, "H2", true, types.EmptyJID, at(20), "hi alice")
	mine.Status = waWeb.WebMessageInfo_READ.Enum()
	liked := watest.WebMessage(alice, "H1", false, types.EmptyJID, at(10), "hi there")
	liked.Reactions = []*waWeb.Reaction{{Key: watest.Key(alice, "R1", true, types.EmptyJID), Text: proto.String("👍"), SenderTimestampMS: proto.Int64(at(15).UnixMilli())}}
	edit := &waWeb.WebMessageInfo{
		Key: watest.Key(alice, "H4", false, types.EmptyJID), MessageTimestamp: proto.Uint64(uint64(at(40).Unix())),
		Message: &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
			Type: waE2E.ProtocolMessage_MESSAGE_EDIT.Enum(), Key: watest.Key(alice, "H3", false, types.EmptyJID),
			EditedMessage: &waE2E.Message{Conversation: proto.String("typo fixed")},
		}},
	}
	typo := watest.WebMessage(alice, "H3", false, types.EmptyJID, at(30), "typo fxied")
	dm := watest.HistoryConversation(alice, typo, edit, mine, liked)
	dm.LidJID = proto.String(aliceLID.String())
	dm.Archived = proto.Bool(true)
	dm.Pinned = proto.Uint32(1)
	dm.UnreadCount = proto.Uint32(3)
	dm.MuteEndTime = proto.Uint64(uint64(at(7200).Unix()))

	stub := &waWeb.WebMessageInfo{Key: watest.Key(group, "G0", false, types.EmptyJID), Participant: proto.String(bob.String()),
		MessageTimestamp: proto.Uint64(uint64(at(1).Unix())), MessageStubType: waWeb.WebMessageInfo_GROUP_CREATE.Enum(),
		MessageStubParameters: []string{"Team"}}
	gm := watest.HistoryConversation(group, stub, watest.WebMessage(group, "G1", false, bob, at(50), "in the group"))
	gm.Name = proto.String("Team")
	gm.Participant = []*waHistorySync.GroupParticipant{
		{UserJID: proto.String(bob.String()), Rank: waHistorySync.GroupParticipant_SUPERADMIN.Enum()},
		{UserJID: proto.String(me.String()), Rank: waHistorySync.GroupParticipant_REGULAR.Enum()},
	}
	data := watest.History(waHistorySync.HistorySync_INITIAL_BOOTSTRAP, 100, dm, gm).Data
	data.Pushnames = []*waHistorySync.Pushname{{ID: proto.String(bob.String()), Pushname: proto.String("Bobby")}}
	return data
}

func TestHistorySync(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		before := lastEventSeq(t, bot)
		blob := historyBlob()
		emitHistory(t, bot, conn, watest.HistoryData(blob))
		s := feed(t, bot)

		dm := s.convs[alice.String()]
		require.True(t, dm.IsArchived)
		require.True(t, dm.IsPinned)
		require.Equal(t, 3, dm.UnreadCount, "the phone's unread count, not one per history message")
		require.Equal(t, at(7200), dm.MutedUntil)
		require.Equal(t, aliceLID.String(), s.contacts[alice.String()].LIDJID, "PnJID/LidJID of the conversation")

		require.Equal(t, "typo fixed", s.msgs["H3"].Body, "an edit in history applies to its original")
		require.Equal(t, at(40), s.msgs["H3"].EditedAt)
		require.NotContains(t, s.msgs, "H4")
		require.Equal(t, "read", s.msgs["H2"].Status, "own message status from history")
		require.True(t, s.msgs["H2"].IsFromMe)
		require.Equal(t, map[string]string{me.String(): "👍"}, s.msgs["H1"].Reactions)
		require.Equal(t, at(10), s.msgs["H1"].SentAt)

		g := s.convs[group.String()]
		require.Equal(t, "Team", g.Subject)
		require.Len(t, g.Participants, 2)
		require.Equal(t, "system", s.msgs["G0"].ContentType)
		require.Equal(t, `+15550000002 created group "Team"`, s.msgs["G0"].Body, "a stub is a readable notice")
		require.Equal(t, "group_create", s.msgs["G0"].Extra["stub_type"])
		require.Equal(t, bob.String(), s.msgs["G0"].Extra["actor"])
		require.Equal(t, bob.String(), s.msgs["G1"].SenderJID)
		require.Equal(t, "Bobby", s.contacts[bob.String()].WhatsAppPushName)

		evs, err := store.Unwrap(bot.Store()).ListEvents(ctxTimeout(t), "acc", before, 100)
		require.NoError(t, err)
		var kinds []string
		for _, e := range evs {
			kinds = append(kinds, e.Type)
		}
		require.Equal(t, []string{"history.sync", "history.sync_complete"}, kinds, "history messages are no message.received events")
		var done map[string]any
		require.NoError(t, json.Unmarshal([]byte(evs[1].Data), &done))
		require.Equal(t, map[string]any{"sync_type": "initial_bootstrap", "conversations": 2.0, "messages": 6.0}, done)

		// The same blob again changes nothing but writes its progress events.
		first, _ := json.Marshal(s.page)
		emitHistory(t, bot, conn, watest.HistoryData(historyBlob()))
		again, _ := json.Marshal(feed(t, bot).page)
		require.JSONEq(t, string(first), string(again))
	})
}

func TestHistorySyncBatches(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		var msgs []*waWeb.WebMessageInfo
		for i := range 1234 {
			msgs = append(msgs, watest.WebMessage(alice, fmt.Sprintf("B%04d", i), i%3 == 0, types.EmptyJID, at(i), fmt.Sprint("m", i)))
		}
		hist := watest.History(waHistorySync.HistorySync_ON_DEMAND, 0, watest.HistoryConversation(alice, msgs...),
			watest.HistoryConversation(bob, watest.WebMessage(bob, "X", false, types.EmptyJID, at(1), "x")))
		emitHistory(t, bot, conn, hist)
		p, err := bot.SyncPage(ctxTimeout(t), 0, 1000)
		require.NoError(t, err)
		require.True(t, p.HasMore)
		total := 0
		for ch, err := range bot.Changes(ctxTimeout(t), 0, 300) {
			require.NoError(t, err)
			if ch.Message != nil {
				total++
			}
		}
		require.Equal(t, 1235, total)
		kinds := eventTypes(t, bot, 0)
		require.Equal(t, "history.sync_complete", kinds[len(kinds)-1], "on-demand history ends with sync_complete")
	})
}

// TestHistoryOddRecordsAreSkipped: records that cannot be stored (a
// conversation whose id is no chat, a participant that is no person, a
// message whose key names no chat) are skipped and counted; the rest of
// the blob is stored, and a group listing one person twice, or by both
// forms, stores them once.
func TestHistoryOddRecordsAreSkipped(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		before := lastEventSeq(t, bot)
		odd := watest.HistoryConversation(types.NewJID("x", "nowhere.example"), watest.WebMessage(alice, "X1", false, types.EmptyJID, at(1), "lost"))
		g := watest.HistoryConversation(group, watest.WebMessage(group, "G1", false, bob, at(2), "in the group"))
		g.Participant = []*waHistorySync.GroupParticipant{
			{UserJID: proto.String(bob.String())},
			{UserJID: proto.String(bob.String()), Rank: waHistorySync.GroupParticipant_ADMIN.Enum()},
			{UserJID: proto.String(bobLID.String())},
			{UserJID: proto.String("status@broadcast")},
			{UserJID: proto.String(me.String())},
			{UserJID: proto.String(phone.LID.String())},
		}
		dm := watest.HistoryConversation(alice, watest.WebMessage(alice, "A1", false, types.EmptyJID, at(3), "fine"))
		blob := watest.History(waHistorySync.HistorySync_INITIAL_BOOTSTRAP, 100, odd, g, dm).Data
		blob.PhoneNumberToLidMappings = []*waHistorySync.PhoneNumberToLIDMapping{{PnJID: proto.String(bob.String()), LidJID: proto.String(bobLID.String())}}
		emitHistory(t, bot, conn, watest.HistoryData(blob)) // one odd record does not fail the blob

		s := feed(t, bot)
		require.Equal(t, "fine", s.msgs["A1"].Body)
		require.Equal(t, "in the group", s.msgs["G1"].Body)
		require.NotContains(t, s.msgs, "X1")
		parts := s.convs[group.String()].Participants
		require.Len(t, parts, 2, "bob once (by both forms, twice), the account once; the broadcast list is no person")
		require.Equal(t, bob.String(), parts[0].ParticipantJID)
		require.Equal(t, "admin", parts[0].Role, "the highest role listed")
		require.Equal(t, me.String(), parts[1].ParticipantJID)

		acc, err := bot.GetAccount(ctxTimeout(t))
		require.NoError(t, err)
		require.Equal(t, int64(2), acc.SkippedRecords, "the conversation and the participant")
		evs, err := store.Unwrap(bot.Store()).ListEvents(ctxTimeout(t), "acc", before, 100)
		require.NoError(t, err)
		require.NotEmpty(t, evs)
		var summary map[string]any
		require.NoError(t, json.Unmarshal([]byte(evs[0].Data), &summary))
		require.Equal(t, "history.sync", evs[0].Type)
		require.Equal(t, 2.0, summary["skipped"])

		// Delivered again: nothing more stored.
		emitHistory(t, bot, conn, watest.HistoryData(blob))
		require.Equal(t, s.page.Cursor, feed(t, bot).page.Cursor, "no record changed")
	})
}
