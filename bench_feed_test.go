package wauser_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// feedStore pairs account "bench" on db and stores a history of convs
// direct conversations of perConv messages through the real ingestion, so
// that the feed holds conversations, contacts and messages with their seqs
// interleaved as WhatsApp's history leaves them.
func feedStore(tb testing.TB, db *testdb.DB, convs, perConv int) (*wauser.Client, *watest.Conn, *sql.DB) {
	tb.Helper()
	h := newHarness(tb, db)
	bot, conn := pair(tb, h, "bench")
	const chunks = 10
	per := convs / chunks
	for i := range chunks {
		if !conn.Emit(watest.HistoryData(watest.SyntheticHistory(uint32(i+1), i*per, per, perConv, uint32((i+1)*100/chunks), epoch))) {
			tb.Fatal("history chunk not stored")
		}
	}
	waitHistory(tb, bot)
	return bot, conn, bot.Store().DB().DB
}

// BenchmarkFeedWalk walks the change feed of an account holding 100,000
// messages (1,000 conversations and contacts, stored through the real
// history ingestion) page by page, each page read and encoded as the
// WhatsApp Use sync API's JSON, at limits 100 and 1,000, on SQLite and
// PostgreSQL. "wauser" is Client.SyncPageJSON with the page cache off;
// "floor" is what the page costs with nothing but database/sql and
// encoding/json (feedFloor): the same columns of the three tables read by
// (account_id, seq), encoded into the same JSON (TestFeedFloorMatches
// checks that the bytes are equal). Both walk in the same loop, one page
// each in turn, so that the machine's drift hits both alike; x-floor is
// the floor's time over wauser's (1 means wauser costs what the floor
// does).
func BenchmarkFeedWalk(b *testing.B) {
	benchDBs(b, func(b *testing.B, db *testdb.DB) {
		bot, _, sqldb := feedStore(b, db, 1000, 100)
		c, err := wauser.New(bot.Store(), wauser.WithSyncCache(0))
		require.NoError(b, err)
		c = c.WithAccount("bench")
		floor, err := newFeedFloor(sqldb, db.Dialect)
		require.NoError(b, err)
		b.Cleanup(floor.close)
		ctx := context.Background()
		top, err := c.HeadCursor(ctx)
		require.NoError(b, err)
		for _, limit := range []int{100, 1000} {
			b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) {
				var (
					ours, theirs     time.Duration
					records          int
					oursA, theirsA   uint64 // allocations
					oursB, theirsB   uint64 // bytes allocated
					ms0, ms1, ms2    runtime.MemStats
					cursor, fcursor  = wauser.Cursor(0), top / 2
					readMore, fMore  bool
					page, floorPage  []byte
					walkErr, fWalkEr error
				)
				for b.Loop() {
					runtime.ReadMemStats(&ms0)
					t0 := time.Now()
					page, walkErr = c.SyncPageJSON(ctx, cursor, limit)
					t1 := time.Now()
					runtime.ReadMemStats(&ms1)
					t2 := time.Now()
					floorPage, fWalkEr = floor.page(ctx, "bench", int64(fcursor), limit)
					t3 := time.Now()
					runtime.ReadMemStats(&ms2)
					if walkErr != nil || fWalkEr != nil {
						b.Fatal(walkErr, fWalkEr)
					}
					ours += t1.Sub(t0)
					theirs += t3.Sub(t2)
					oursA += ms1.Mallocs - ms0.Mallocs
					theirsA += ms2.Mallocs - ms1.Mallocs
					oursB += ms1.TotalAlloc - ms0.TotalAlloc
					theirsB += ms2.TotalAlloc - ms1.TotalAlloc
					records += limit
					cursor, readMore = pageEnd(b, page)
					fcursor, fMore = pageEnd(b, floorPage)
					if !readMore {
						cursor = 0
					}
					if !fMore {
						fcursor = 0
					}
				}
				b.ReportMetric(float64(records)/ours.Seconds(), "records/s")
				b.ReportMetric(float64(records)/theirs.Seconds(), "floor-records/s")
				b.ReportMetric(theirs.Seconds()/ours.Seconds(), "x-floor")
				b.ReportMetric(float64(oursB)/float64(records), "B/record")
				b.ReportMetric(float64(theirsB)/float64(records), "floor-B/record")
				b.ReportMetric(float64(oursA)/float64(records), "allocs/record")
				b.ReportMetric(float64(theirsA)/float64(records), "floor-allocs/record")
			})
		}
	})
}

// pageEnd reads a page's cursor and has_more.
func pageEnd(tb testing.TB, page []byte) (wauser.Cursor, bool) {
	var end struct {
		Cursor  wauser.Cursor `json:"cursor"`
		HasMore bool          `json:"has_more"`
	}
	i := strings.LastIndex(string(page), `],"cursor":`)
	if i < 0 {
		tb.Fatalf("not a page: %.200s", page)
	}
	if err := json.Unmarshal(append([]byte{'{'}, page[i+2:]...), &end); err != nil {
		tb.Fatal(err)
	}
	return end.Cursor, end.HasMore
}

// The floor's pages are the product's pages, byte for byte, at every limit
// and cursor tried, on both databases: the floor does the same work.
func TestFeedFloorMatches(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		bot, conn, sqldb := feedStore(t, db, 40, 10)
		// A group with participants, a reply with mentions, a reaction
		// and an image, so that every kind of column is compared.
		peer := types.NewJID("15550000001", types.DefaultUserServer)
		other := types.NewJID("15550000002", types.DefaultUserServer)
		group := types.NewJID("120363000000000001", types.GroupServer)
		gc := watest.HistoryConversation(group, watest.WebMessage(group, "3EB0GROUP0001", false, peer, epoch, "hello group"))
		gc.Name = proto.String("Team")
		gc.Participant = []*waHistorySync.GroupParticipant{
			{UserJID: proto.String(peer.String()), Rank: waHistorySync.GroupParticipant_ADMIN.Enum()},
			{UserJID: proto.String(other.String()), Rank: waHistorySync.GroupParticipant_REGULAR.Enum()},
		}
		require.True(t, conn.Emit(watest.History(waHistorySync.HistorySync_RECENT, 100, gc)))
		waitHistory(t, bot)
		at := epoch.Add(time.Hour)
		require.True(t, conn.Emit(watest.Message(group, other, "3EB0GROUP0002", at, &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{
			Text:        proto.String("@15550000001 look"),
			ContextInfo: &waE2E.ContextInfo{MentionedJID: []string{peer.String()}, StanzaID: proto.String("3EB0GROUP0001"), Participant: proto.String(peer.String())},
		}})))
		require.True(t, conn.Emit(watest.Reaction(group, other, "3EB0GROUP0003", at.Add(time.Second), watest.Key(group, "3EB0GROUP0001", false, peer), "👍")))
		require.True(t, conn.Emit(watest.Message(peer, peer, "3EB0IMAGE0001", at.Add(2*time.Second), &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
			Caption: proto.String("a photo"), Mimetype: proto.String("image/jpeg"), FileLength: proto.Uint64(1234),
			Width: proto.Uint32(640), Height: proto.Uint32(480), URL: proto.String("https://mmg.whatsapp.net/x"),
			DirectPath: proto.String("/v/x"), MediaKey: make([]byte, 32), FileSHA256: make([]byte, 32), FileEncSHA256: make([]byte, 32),
		}})))
		page, err := bot.SyncPage(t.Context(), 0, wauser.MaxSyncLimit)
		require.NoError(t, err)
		var groups, reacted, mentions, media int
		for _, c := range page.Conversations {
			if c.Kind == wauser.KindGroup && len(c.Participants) == 2 {
				groups++
			}
		}
		for _, m := range page.Messages {
			reacted += len(m.Reactions)
			mentions += len(m.Mentions)
			if m.Media != nil {
				media++
			}
		}
		require.Equal(t, []int{1, 1, 1, 1}, []int{groups, reacted, mentions, media}, "the feed shows each kind of column")
		floor, err := newFeedFloor(sqldb, db.Dialect)
		require.NoError(t, err)
		defer floor.close()
		ctx := t.Context()
		for _, limit := range []int{1, 7, 100, 1000} {
			var cursor wauser.Cursor
			for pages := 0; ; pages++ {
				want, err := bot.SyncPageJSON(ctx, cursor, limit)
				require.NoError(t, err)
				got, err := floor.page(ctx, "bench", int64(cursor), limit)
				require.NoError(t, err)
				require.JSONEq(t, string(want), string(got), "limit %d cursor %d", limit, cursor)
				require.Equal(t, string(want), string(got), "limit %d cursor %d: the same bytes", limit, cursor)
				next, more := pageEnd(t, want)
				if !more {
					require.Equal(t, limit == 1, pages > 100, "limit %d: %d pages", limit, pages)
					break
				}
				cursor = next
			}
		}
	})
}

// feedFloor reads and encodes a page of the change feed with nothing but
// database/sql and encoding/json: three range queries by (account_id,
// seq) with a limit, merged by seq and cut at the limit, the participants
// of the page's groups, and the JSON of the WhatsApp Use sync API.
type feedFloor struct {
	convs, contacts, msgs *sql.Stmt
	pg                    bool
	db                    *sql.DB
}

const (
	floorConvCols    = "conversation_id, chat_jid, kind, subject, topic, direct_person_id, is_archived, is_pinned, is_announce, is_locked, muted_until, unread_count, last_message_at, deleted_at, merged_into, ephemeral_seconds, seq"
	floorContactCols = "person_id, display_name, first_name, last_name, company, whatsapp_push_name, phone_e164, phone_jid, lid_jid, tags, merged_into, seq"
	floorMsgCols     = "message_id, conversation_id, chat_jid, wa_message_id, client_id, sender_jid, sender_push_name, direction, is_from_me, content_type, body, status, error, reply_to_wa_id, mentions, reactions, media, extra, sent_at, received_at, edited_at, deleted_at, starred, merged_into, seq"
)

func newFeedFloor(db *sql.DB, dialect string) (*feedFloor, error) {
	f := &feedFloor{pg: dialect == "postgres", db: db}
	prep := func(q string) *sql.Stmt {
		if f.pg {
			for i := 1; strings.Contains(q, "?"); i++ {
				q = strings.Replace(q, "?", "$"+strconv.Itoa(i), 1)
			}
		}
		st, err := db.Prepare(q)
		if err != nil {
			panic(err)
		}
		return st
	}
	rangeOf := func(cols, table string) string {
		return "SELECT " + cols + " FROM " + table + " WHERE account_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?"
	}
	f.convs = prep(rangeOf(floorConvCols, "wauser_conversations"))
	f.contacts = prep(rangeOf(floorContactCols, "wauser_contacts"))
	f.msgs = prep(rangeOf(floorMsgCols, "wauser_messages"))
	return f, nil
}

func (f *feedFloor) close() {
	for _, st := range []*sql.Stmt{f.convs, f.contacts, f.msgs} {
		_ = st.Close()
	}
}

type floorParticipant struct {
	ParticipantJID string `json:"participant_jid"`
	PersonID       string `json:"person_id"`
	Role           string `json:"role"`
}

type floorConversation struct {
	ConversationID   string             `json:"conversation_id"`
	ChatJID          string             `json:"chat_jid"`
	Kind             string             `json:"kind"`
	Subject          string             `json:"subject"`
	Topic            string             `json:"topic,omitempty"`
	DirectPersonID   string             `json:"direct_person_id,omitempty"`
	IsArchived       bool               `json:"is_archived"`
	IsPinned         bool               `json:"is_pinned"`
	IsAnnounce       bool               `json:"is_announce,omitempty"`
	IsLocked         bool               `json:"is_locked,omitempty"`
	MutedUntil       time.Time          `json:"muted_until,omitzero"`
	UnreadCount      int                `json:"unread_count"`
	LastMessageAt    time.Time          `json:"last_message_at,omitzero"`
	DeletedAt        time.Time          `json:"deleted_at,omitzero"`
	Participants     []floorParticipant `json:"participants"`
	MergedInto       string             `json:"merged_into,omitempty"`
	Seq              int64              `json:"seq"`
	EphemeralSeconds int                `json:"ephemeral_seconds,omitempty"`
}

type floorContact struct {
	PersonID         string   `json:"person_id"`
	DisplayName      string   `json:"display_name"`
	FirstName        string   `json:"first_name"`
	LastName         string   `json:"last_name"`
	Company          string   `json:"company"`
	WhatsAppPushName string   `json:"whatsapp_push_name"`
	PhoneE164        string   `json:"phone_e164"`
	PhoneJID         string   `json:"phone_jid"`
	LIDJID           string   `json:"lid_jid"`
	Tags             []string `json:"tags,omitempty"`
	MergedInto       string   `json:"merged_into,omitempty"`
	Seq              int64    `json:"seq"`
}

type floorMessage struct {
	MessageID      string               `json:"message_id"`
	ConversationID string               `json:"conversation_id"`
	ChatJID        string               `json:"chat_jid"`
	WAMessageID    string               `json:"wa_message_id"`
	ClientID       string               `json:"client_id,omitempty"`
	SenderJID      string               `json:"sender_jid"`
	SenderPushName string               `json:"sender_push_name"`
	Direction      string               `json:"direction"`
	IsFromMe       bool                 `json:"is_from_me"`
	ContentType    string               `json:"content_type"`
	Body           string               `json:"body"`
	Status         string               `json:"status"`
	Error          string               `json:"error,omitempty"`
	ReplyToWAID    string               `json:"reply_to_wa_id"`
	Mentions       []string             `json:"mentions,omitempty"`
	Reactions      map[string]string    `json:"reactions"`
	Media          *wauser.MessageMedia `json:"media,omitempty"`
	Extra          map[string]any       `json:"extra,omitempty"`
	SentAt         time.Time            `json:"sent_at,omitzero"`
	ReceivedAt     time.Time            `json:"received_at,omitzero"`
	EditedAt       time.Time            `json:"edited_at,omitzero"`
	DeletedAt      time.Time            `json:"deleted_at,omitzero"`
	Starred        bool                 `json:"starred,omitempty"`
	MergedInto     string               `json:"merged_into,omitempty"`
	Seq            int64                `json:"seq"`
}

type floorPage struct {
	Conversations []floorConversation `json:"conversations"`
	Contacts      []floorContact      `json:"contacts"`
	Messages      []floorMessage      `json:"messages"`
	Cursor        int64               `json:"cursor"`
	HasMore       bool                `json:"has_more"`
}

// floorTime is a nullable timestamp read as UTC.
type floorTime struct{ t *time.Time }

func (ft *floorTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
	case time.Time:
		*ft.t = x.UTC()
	case string: // SQLite keeps times as text
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
			if t, err := time.Parse(layout, x); err == nil {
				*ft.t = t.UTC()
				return nil
			}
		}
		return fmt.Errorf("time column: %q", x)
	default:
		return fmt.Errorf("time column: %T", v)
	}
	return nil
}

// floorJSON is a JSON text column decoded into v.
type floorJSON struct{ v any }

func (fj *floorJSON) Scan(v any) error {
	var s sql.RawBytes
	switch x := v.(type) {
	case string:
		s = sql.RawBytes(x)
	case []byte:
		s = x
	default:
		return fmt.Errorf("JSON column: %T", v)
	}
	if len(s) == 0 {
		return nil
	}
	return json.Unmarshal(s, fj.v)
}

func (f *feedFloor) page(ctx context.Context, account string, cursor int64, limit int) ([]byte, error) {
	p := floorPage{Conversations: []floorConversation{}, Contacts: []floorContact{}, Messages: []floorMessage{}, Cursor: cursor}
	// The page is the lowest limit seqs of the three tables' union (one
	// more says whether there is more). Messages are most of any feed, so
	// they are read first; their limit+1-th seq bounds what the other two
	// tables can add, and each table read lowers the bound further.
	n := limit + 1
	var seqs []int64
	upto := int64(math.MaxInt64)
	bound := func(more []int64) {
		seqs = append(seqs, more...)
		if len(seqs) >= n {
			slices.Sort(seqs)
			seqs = seqs[:n]
			upto = seqs[n-1]
		}
	}
	var (
		times [4]floorTime
		jsons [2]floorJSON
	)
	rows, err := f.msgs.QueryContext(ctx, account, cursor, upto, n)
	if err != nil {
		return nil, err
	}
	p.Messages = make([]floorMessage, 0, n)
	for rows.Next() {
		var media, extra string
		p.Messages = append(p.Messages, floorMessage{})
		m := &p.Messages[len(p.Messages)-1]
		times[0].t, times[1].t, times[2].t, times[3].t = &m.SentAt, &m.ReceivedAt, &m.EditedAt, &m.DeletedAt
		jsons[0].v, jsons[1].v = &m.Mentions, &m.Reactions
		if err := rows.Scan(&m.MessageID, &m.ConversationID, &m.ChatJID, &m.WAMessageID, &m.ClientID, &m.SenderJID, &m.SenderPushName,
			&m.Direction, &m.IsFromMe, &m.ContentType, &m.Body, &m.Status, &m.Error, &m.ReplyToWAID, &jsons[0],
			&jsons[1], &media, &extra, &times[0], &times[1], &times[2], &times[3], &m.Starred, &m.MergedInto, &m.Seq); err != nil {
			_ = rows.Close()
			return nil, err
		}
		if m.Reactions == nil {
			m.Reactions = map[string]string{}
		}
		if media != "" {
			m.Media = new(wauser.MessageMedia)
			if json.Unmarshal([]byte(media), m.Media) != nil {
				m.Media = nil
			}
		}
		if extra != "" {
			_ = json.Unmarshal([]byte(extra), &m.Extra)
			if poll, ok := m.Extra["poll"].(map[string]any); ok {
				delete(poll, "vote_times")
			}
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	seqs = make([]int64, 0, 2*n)
	for i := range p.Messages {
		seqs = append(seqs, p.Messages[i].Seq)
	}
	bound(nil)

	rows, err = f.convs.QueryContext(ctx, account, cursor, upto, n)
	if err != nil {
		return nil, err
	}
	var more []int64
	for rows.Next() {
		p.Conversations = append(p.Conversations, floorConversation{Participants: []floorParticipant{}})
		c := &p.Conversations[len(p.Conversations)-1]
		times[0].t, times[1].t, times[2].t = &c.MutedUntil, &c.LastMessageAt, &c.DeletedAt
		if err := rows.Scan(&c.ConversationID, &c.ChatJID, &c.Kind, &c.Subject, &c.Topic, &c.DirectPersonID, &c.IsArchived, &c.IsPinned,
			&c.IsAnnounce, &c.IsLocked, &times[0], &c.UnreadCount, &times[1], &times[2],
			&c.MergedInto, &c.EphemeralSeconds, &c.Seq); err != nil {
			_ = rows.Close()
			return nil, err
		}
		more = append(more, c.Seq)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	bound(more)

	rows, err = f.contacts.QueryContext(ctx, account, cursor, upto, n)
	if err != nil {
		return nil, err
	}
	more = more[:0]
	for rows.Next() {
		p.Contacts = append(p.Contacts, floorContact{})
		c := &p.Contacts[len(p.Contacts)-1]
		jsons[0].v = &c.Tags
		if err := rows.Scan(&c.PersonID, &c.DisplayName, &c.FirstName, &c.LastName, &c.Company, &c.WhatsAppPushName, &c.PhoneE164,
			&c.PhoneJID, &c.LIDJID, &jsons[0], &c.MergedInto, &c.Seq); err != nil {
			_ = rows.Close()
			return nil, err
		}
		more = append(more, c.Seq)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	bound(more)
	if len(seqs) == 0 {
		return json.Marshal(p)
	}
	slices.Sort(seqs)
	if len(seqs) > limit {
		seqs, p.HasMore = seqs[:limit], true
	}
	last := seqs[len(seqs)-1]
	p.Cursor = last
	p.Conversations = cut(p.Conversations, last, func(c floorConversation) int64 { return c.Seq })
	p.Contacts = cut(p.Contacts, last, func(c floorContact) int64 { return c.Seq })
	p.Messages = cut(p.Messages, last, func(m floorMessage) int64 { return m.Seq })
	if err := f.participants(ctx, account, p.Conversations); err != nil {
		return nil, err
	}
	return json.Marshal(p)
}

// cut keeps the rows (ordered by seq) up to seq last.
func cut[T any](rows []T, last int64, seq func(T) int64) []T {
	n := 0
	for n < len(rows) && seq(rows[n]) <= last {
		n++
	}
	return rows[:n]
}

// participants fills in the participants of the groups among convs.
func (f *feedFloor) participants(ctx context.Context, account string, convs []floorConversation) error {
	byID := map[string]*floorConversation{}
	args := []any{account}
	marks := []string{}
	for i := range convs {
		if convs[i].Kind == "group" {
			byID[convs[i].ConversationID] = &convs[i]
			args = append(args, convs[i].ConversationID)
			if f.pg {
				marks = append(marks, "$"+strconv.Itoa(len(args)))
			} else {
				marks = append(marks, "?")
			}
		}
	}
	if len(byID) == 0 {
		return nil
	}
	first := "?"
	if f.pg {
		first = "$1"
	}
	rows, err := f.db.QueryContext(ctx, "SELECT conversation_id, participant_jid, person_id, role FROM wauser_participants WHERE account_id = "+first+
		" AND conversation_id IN ("+strings.Join(marks, ", ")+") ORDER BY conversation_id, participant_jid", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var conv string
		var p floorParticipant
		if err := rows.Scan(&conv, &p.ParticipantJID, &p.PersonID, &p.Role); err != nil {
			return err
		}
		c := byID[conv]
		c.Participants = append(c.Participants, p)
	}
	return rows.Err()
}
