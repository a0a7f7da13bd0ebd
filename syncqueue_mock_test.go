package wauser_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"go.uber.org/mock/gomock"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// mockOwn is the account pairedMock pairs.
var mockOwn = types.NewJID("15550001111", types.DefaultUserServer)

// blobBytes returns data compressed as the phone uploads it.
func blobBytes(t *testing.T, data *waHistorySync.HistorySync) []byte {
	t.Helper()
	b, err := watest.HistoryBlobOf(data)
	require.NoError(t, err)
	raw, err := b.Bytes()
	require.NoError(t, err)
	return raw
}

// blobNotification is the notification of a blob on the media servers.
func blobNotification(path string, syncType waE2E.HistorySyncType) *waE2E.HistorySyncNotification {
	return &waE2E.HistorySyncNotification{
		DirectPath: proto.String(path), MediaKey: []byte("0123456789abcdef0123456789abcdef"),
		FileSHA256: []byte("sha"), FileEncSHA256: []byte("enc"), FileLength: proto.Uint64(1),
		SyncType: syncType.Enum(), ChunkOrder: proto.Uint32(1), Progress: proto.Uint32(100),
	}
}

// TestMockHistoryStoresWhatWhatsmeowKeeps: the queue downloads the blob
// the notification names (exactly it, once) and, as whatsmeow's
// DownloadHistorySync does with synchronous storage, keeps message
// secrets, privacy tokens, the LID mappings and the LID migration
// timestamp in whatsmeow's device store; the mappings before the
// conversations, whose records they merge.
func TestMockHistoryStoresWhatWhatsmeowKeeps(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := pairedMock(t, db)
		bot := h.c.WithAccount("p")
		ctx := ctxTimeout(t)

		fromAlice := watest.WebMessage(alice, "S1", false, types.EmptyJID, at(1), "poll?")
		fromAlice.MessageSecret = []byte("secret-s1")
		mine := watest.WebMessage(alice, "S2", true, types.EmptyJID, at(2), "mine")
		mine.MessageSecret = []byte("secret-s2")
		dm := watest.HistoryConversation(alice, fromAlice, mine)
		dm.TcToken = []byte("alice-token")
		dm.TcTokenTimestamp = proto.Uint64(uint64(at(3).Unix()))
		inGroup := watest.WebMessage(group, "G1", false, bob, at(4), "in the group")
		inGroup.MessageSecret = []byte("secret-g1")
		gm := watest.HistoryConversation(group, inGroup)
		byLID := watest.HistoryConversation(aliceLID, watest.WebMessage(aliceLID, "L1", false, types.EmptyJID, at(5), "by lid"))
		data := watest.History(waHistorySync.HistorySync_INITIAL_BOOTSTRAP, 100, dm, gm, byLID).Data
		data.PhoneNumberToLidMappings = []*waHistorySync.PhoneNumberToLIDMapping{{PnJID: proto.String(alice.String()), LidJID: proto.String(aliceLID.String())}}
		data.GlobalSettings = &waHistorySync.GlobalSettings{ChatDbLidMigrationTimestamp: proto.Int64(1700000000)}

		notif := blobNotification("/v/t62/history1", waE2E.HistorySyncType_INITIAL_BOOTSTRAP)
		h.m.EXPECT().Download(gomock.Any(), msgPartEq(notif)).Return(blobBytes(t, data), nil).Times(1)
		require.True(t, h.emit(watest.HistorySyncMessage(mockOwn, "HS1", epoch, notif)))
		waitHistory(t, bot)

		secret := func(chat, sender types.JID, id string) string {
			s, _, err := h.dev.MsgSecrets.GetMessageSecret(ctx, chat, sender, id)
			require.NoError(t, err)
			return string(s)
		}
		require.Equal(t, "secret-s1", secret(alice, alice, "S1"), "a peer's message: the chat is the sender")
		require.Equal(t, "secret-s2", secret(alice, mockOwn, "S2"), "the account's own message")
		require.Equal(t, "secret-g1", secret(group, bob, "G1"), "a group message: the participant")
		tok, err := h.dev.PrivacyTokens.GetPrivacyToken(ctx, alice)
		require.NoError(t, err)
		require.NotNil(t, tok)
		require.Equal(t, "alice-token", string(tok.Token))
		require.Equal(t, at(3).Unix(), tok.Timestamp.Unix())
		pn, err := h.dev.LIDs.GetPNForLID(ctx, aliceLID)
		require.NoError(t, err)
		require.Equal(t, alice, pn)
		require.EqualValues(t, 1700000000, h.dev.LIDMigrationTimestamp)

		s := feed(t, bot)
		require.Equal(t, s.msgs["S1"].ConversationID, s.msgs["L1"].ConversationID, "the mapping merged alice's two chats")
		require.Equal(t, "in the group", s.msgs["G1"].Body)
		require.Equal(t, store.JobDone, syncJobs(t, bot, store.JobHistory)[0].State)
	})
}

// TestMockHistoryPushNames: a push-name blob's names go to whatsmeow's
// contact store too ("-" is no name), and to the contacts.
func TestMockHistoryPushNames(t *testing.T) {
	t.Parallel()
	h := pairedMock(t, testdb.SQLite(t))
	bot := h.c.WithAccount("p")
	data := watest.History(waHistorySync.HistorySync_PUSH_NAME, 100).Data
	data.Pushnames = []*waHistorySync.Pushname{
		{ID: proto.String(bob.String()), Pushname: proto.String("Bobby")},
		{ID: proto.String(carol.String()), Pushname: proto.String("-")},
	}
	notif := blobNotification("/v/t62/names", waE2E.HistorySyncType_PUSH_NAME)
	h.m.EXPECT().Download(gomock.Any(), msgPartEq(notif)).Return(blobBytes(t, data), nil)
	require.True(t, h.emit(watest.HistorySyncMessage(mockOwn, "HS2", epoch, notif)))
	waitHistory(t, bot)
	ctx := ctxTimeout(t)
	c, err := h.dev.Contacts.GetContact(ctx, bob)
	require.NoError(t, err)
	require.Equal(t, "Bobby", c.PushName)
	c, err = h.dev.Contacts.GetContact(ctx, carol)
	require.NoError(t, err)
	require.Empty(t, c.PushName)
	require.Equal(t, "Bobby", feed(t, bot).contacts[bob.String()].WhatsAppPushName)
}

// TestMockHistoryInlineAndRedelivery: a blob inlined in its notification
// (the initial bootstrap's first chunk) needs no download; a notification
// delivered again (the same message, not acknowledged in time) is not
// queued twice; one from another sender than the account is ignored.
func TestMockHistoryInlineAndRedelivery(t *testing.T) {
	t.Parallel()
	h := pairedMock(t, testdb.SQLite(t))
	bot := h.c.WithAccount("p")
	data := watest.History(waHistorySync.HistorySync_INITIAL_BOOTSTRAP, 10,
		watest.HistoryConversation(alice, watest.WebMessage(alice, "I1", false, types.EmptyJID, at(1), "inline"))).Data
	notif := &waE2E.HistorySyncNotification{SyncType: waE2E.HistorySyncType_INITIAL_BOOTSTRAP.Enum(), InitialHistBootstrapInlinePayload: blobBytes(t, data)}
	// No Download is expected: gomock fails the test on one.
	msg := watest.HistorySyncMessage(mockOwn, "HS3", epoch, notif)
	require.True(t, h.emit(msg))
	waitHistory(t, bot)
	require.Equal(t, "inline", feed(t, bot).msgs["I1"].Body)
	events := eventCount(t, bot, "history.sync")
	require.Equal(t, 1, events)

	require.True(t, h.emit(msg), "a redelivered notification is acknowledged")
	waitHistory(t, bot)
	require.Len(t, syncJobs(t, bot, store.JobHistory), 1, "and not queued again")
	require.Equal(t, events, eventCount(t, bot, "history.sync"))

	notFromMe := watest.HistorySyncMessage(mockOwn, "HS4", epoch, notif)
	notFromMe.Info.IsFromMe = false
	require.True(t, h.emit(notFromMe))
	require.Len(t, syncJobs(t, bot, store.JobHistory), 1, "only the account's phone announces history")
}

// TestMockHistoryDownloadFailures: a blob gone from the servers or one
// that does not decode can never be stored: the job fails for good (and
// is kept with its reason). A transient download error is retried after
// a delay.
func TestMockHistoryDownloadFailures(t *testing.T) {
	t.Parallel()
	h := pairedMock(t, testdb.SQLite(t))
	bot := h.c.WithAccount("p")

	gone := blobNotification("/v/t62/gone", waE2E.HistorySyncType_RECENT)
	h.m.EXPECT().Download(gomock.Any(), msgPartEq(gone)).Return(nil, whatsmeow.ErrMediaDownloadFailedWith404)
	require.True(t, h.emit(watest.HistorySyncMessage(mockOwn, "GONE", epoch, gone)))
	job := waitJob(t, bot, store.JobHistory, "GONE", store.JobFailed)
	require.Contains(t, job.LastError, "gone from WhatsApp's servers")

	garbage := blobNotification("/v/t62/garbage", waE2E.HistorySyncType_RECENT)
	h.m.EXPECT().Download(gomock.Any(), msgPartEq(garbage)).Return([]byte("not zlib"), nil)
	require.True(t, h.emit(watest.HistorySyncMessage(mockOwn, "GARBAGE", epoch, garbage)))
	job = waitJob(t, bot, store.JobHistory, "GARBAGE", store.JobFailed)
	require.Contains(t, job.LastError, "malformed history sync blob")
	require.Empty(t, h.clock.Pending(), "failed jobs are not retried")

	flaky := blobNotification("/v/t62/flaky", waE2E.HistorySyncType_RECENT)
	data := watest.History(waHistorySync.HistorySync_RECENT, 100,
		watest.HistoryConversation(bob, watest.WebMessage(bob, "F1", false, types.EmptyJID, at(1), "at last"))).Data
	gomock.InOrder(
		h.m.EXPECT().Download(gomock.Any(), msgPartEq(flaky)).Return(nil, errors.New("read tcp: connection reset by peer")),
		h.m.EXPECT().Download(gomock.Any(), msgPartEq(flaky)).Return(blobBytes(t, data), nil),
	)
	require.True(t, h.emit(watest.HistorySyncMessage(mockOwn, "FLAKY", epoch, flaky)))
	st, err := bot.Status(ctxTimeout(t))
	require.NoError(t, err)
	require.Equal(t, 1, st.HistoryPending)
	harness := &harness{clock: h.clock}
	delay := waitRetry(t, harness)
	require.Equal(t, 5e9, float64(delay), "the first retry comes after 5 s")
	h.clock.Advance(delay)
	waitHistory(t, bot)
	require.Equal(t, "at last", feed(t, bot).msgs["F1"].Body)
	require.Equal(t, store.JobDone, waitJob(t, bot, store.JobHistory, "FLAKY", store.JobDone).State)
}

// TestMockAppStateResyncIsAFullSync: an archive event that cannot be
// stored makes wauser ask whatsmeow for a full sync of regular_low (the
// collection of archive actions), which delivers the archive again.
func TestMockAppStateResyncIsAFullSync(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := pairedMock(t, db)
		bot := h.c.WithAccount("p")
		h.incoming(t, alice, alice, "M1", at(1), text("hi"))
		allow := refuseArchive(t, bot, db.Dialect)
		archive := &events.Archive{JID: alice, Timestamp: at(2), Action: &waSyncAction.ArchiveChatAction{Archived: proto.Bool(true)}}
		h.m.EXPECT().FetchAppState(gomock.Any(), appstate.WAPatchRegularLow, true, false).DoAndReturn(
			func(_ any, _ appstate.WAPatchName, _, _ bool) error {
				allow()
				again := *archive
				again.FromFullSync = true
				h.emit(&again)
				return nil
			}).Times(1)
		require.False(t, h.emit(archive), "not stored")
		waitJob(t, bot, store.JobAppState, string(appstate.WAPatchRegularLow), store.JobDone)
		require.True(t, feed(t, bot).convs[alice.String()].IsArchived)
	})
}
