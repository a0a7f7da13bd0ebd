package wauser_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// Addresses used by the ingestion tests. The account is phone.JID
// (15551234567) with LID phone.LID.
var (
	alice    = types.NewJID("15550000001", types.DefaultUserServer)
	aliceLID = types.NewJID("200000000000001", types.HiddenUserServer)
	bob      = types.NewJID("15550000002", types.DefaultUserServer)
	bobLID   = types.NewJID("200000000000002", types.HiddenUserServer)
	carol    = types.NewJID("15550000003", types.DefaultUserServer)
	group    = types.NewJID("120363000000000001", types.GroupServer)
	me       = phone.JID
)

// paired returns a started client with one paired account "acc".
func paired(t *testing.T, db *testdb.DB) (*harness, *wauser.Client, *watest.Conn) {
	t.Helper()
	h := newHarness(t, db)
	bot, conn := pair(t, h, "acc")
	return h, bot, conn
}

// waitHistory waits until the account stored every history blob WhatsApp
// announced (Status.HistoryPending is 0).
func waitHistory(t testing.TB, c *wauser.Client) {
	t.Helper()
	// Thousands of messages take longer than ctxTimeout under -race on a
	// busy machine.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	st, err := c.WaitStatus(ctx, func(s *wauser.Status) bool { return s.HistoryPending == 0 })
	require.NoError(t, err, "history still pending: %+v", st)
}

// emitHistory plays WhatsApp delivering a history blob (the phone uploads
// it and announces it; the Client downloads and stores it) and waits until
// it is stored.
func emitHistory(t testing.TB, c *wauser.Client, conn *watest.Conn, evt *events.HistorySync) {
	t.Helper()
	require.True(t, conn.Emit(evt), "the history notification was stored")
	waitHistory(t, c)
}

// waitRetry waits until the sync queue failed an attempt and sleeps until
// the next (the harness's clock has no other timer then), and returns the
// delay.
func waitRetry(t testing.TB, h *harness) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	require.NoError(t, h.clock.WaitTimers(ctx, 1), "the queue waits to try again")
	p := h.clock.Pending()
	require.Len(t, p, 1)
	return p[0]
}

// snapshot is the account's whole feed, indexed.
type snapshot struct {
	page     *wauser.SyncPage
	convs    map[string]wauser.Conversation // by chat_jid (unmerged only)
	contacts map[string]wauser.Contact      // by phone_jid or lid_jid (unmerged only)
	msgs     map[string]wauser.Message      // by wa_message_id (unmerged only)
}

func feed(t *testing.T, c *wauser.Client) *snapshot {
	t.Helper()
	p, err := c.SyncPage(ctxTimeout(t), 0, wauser.MaxSyncLimit)
	require.NoError(t, err)
	require.False(t, p.HasMore, "test stores fit in one page")
	s := &snapshot{page: p, convs: map[string]wauser.Conversation{}, contacts: map[string]wauser.Contact{}, msgs: map[string]wauser.Message{}}
	for _, cv := range p.Conversations {
		if cv.MergedInto == "" {
			s.convs[cv.ChatJID] = cv
		}
	}
	for _, ct := range p.Contacts {
		if ct.MergedInto != "" {
			continue
		}
		if ct.PhoneJID != "" {
			s.contacts[ct.PhoneJID] = ct
		}
		if ct.LIDJID != "" {
			s.contacts[ct.LIDJID] = ct
		}
	}
	for _, m := range p.Messages {
		if m.MergedInto == "" {
			s.msgs[m.WAMessageID] = m
		}
	}
	return s
}

// eventTypes returns the outbox event types of the account after seq.
func eventTypes(t *testing.T, c *wauser.Client, after int64) []string {
	t.Helper()
	evs, err := store.Unwrap(c.Store()).ListEvents(ctxTimeout(t), string(c.Account()), after, 1000)
	require.NoError(t, err)
	out := []string{}
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

// lastEventSeq returns the seq of the account's newest outbox event.
func lastEventSeq(t *testing.T, c *wauser.Client) int64 {
	t.Helper()
	evs, err := store.Unwrap(c.Store()).ListEvents(ctxTimeout(t), string(c.Account()), 0, 100000)
	require.NoError(t, err)
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].Seq
}

// refuseBody makes the account's database refuse messages with body (a
// real constraint, not a mock) until the returned func is called.
func refuseBody(t *testing.T, c *wauser.Client, dialect, body string) (allow func()) {
	t.Helper()
	db := c.Store().DB()
	exec := func(q string) {
		t.Helper()
		_, err := db.ExecContext(ctxTimeout(t), q)
		require.NoError(t, err)
	}
	if dialect == "sqlite" {
		exec(`CREATE TRIGGER refuse BEFORE INSERT ON wauser_messages WHEN NEW.body = '` + body + `' BEGIN SELECT RAISE(ABORT, 'disk full'); END`)
		return func() { exec(`DROP TRIGGER refuse`) }
	}
	exec(`ALTER TABLE wauser_messages ADD CONSTRAINT refuse CHECK (body <> '` + body + `') NOT VALID`)
	return func() { exec(`ALTER TABLE wauser_messages DROP CONSTRAINT refuse`) }
}
