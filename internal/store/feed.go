package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun/dialect"
)

// The change feed is the hottest read: its rows are scanned with
// database/sql directly, into reused scanners, rather than through bun's
// reflection. The columns are listed here, in the order the scan functions
// read them; TestFeedColumnsCoverTheModels fails when a model gains a
// column that is neither here nor listed as one the feed does not show.
const (
	feedConversationColumns = "conversation_id, chat_jid, kind, subject, topic, direct_person_id, is_archived, is_pinned, " +
		"is_announce, is_locked, muted_until, unread_count, last_message_at, deleted_at, merged_into, ephemeral_seconds, seq"
	feedContactColumns = "person_id, num, display_name, first_name, last_name, company, whatsapp_push_name, business_name, " +
		"phone_e164, phone_jid, lid_jid, tags, merged_into, seq"
	feedMessageColumns = "message_id, conversation_id, chat_jid, wa_message_id, client_id, sender_jid, sender_push_name, " +
		"direction, is_from_me, content_type, body, status, error, reply_to_wa_id, mentions, reactions, media, extra, " +
		"sent_at, received_at, edited_at, deleted_at, starred, merged_into, seq"
)

// ChangesPage holds the rows of one page of the change feed: the columns
// the feed shows (feed*Columns; AccountID set), conversations with their
// participants.
type ChangesPage struct {
	Conversations []*Conversation
	Contacts      []*Contact
	Messages      []*Message
}

// ChangesAfter returns up to limit rows of the account with
// after < seq <= upto, the three kinds counted together: the ones with the
// lowest seqs, ordered by seq within each kind; conversations come with
// their participants.
//
// Messages are most of any feed, so they are read first, limit of them at
// most; the limit-th lowest seq read so far bounds what the conversations
// and then the contacts can add, so those reads usually find nothing past
// an index probe. A page costs the same whatever the store's size.
func (s *Store) ChangesAfter(ctx context.Context, account string, after, upto int64, limit int) (*ChangesPage, error) {
	p := &ChangesPage{Conversations: []*Conversation{}, Contacts: []*Contact{}, Messages: []*Message{}}
	if limit <= 0 {
		return p, nil
	}
	var (
		f    feedScan
		seqs = make([]int64, 0, limit) // the lowest seqs read so far, at most limit
		more []int64
	)
	// bound merges a kind's seqs (ascending) into seqs and returns the
	// highest seq the page can still take.
	bound := func(kind []int64) int64 {
		seqs = mergeLowest(seqs, kind, limit, &more)
		if len(seqs) == limit {
			return seqs[limit-1]
		}
		return upto
	}

	msgs, err := scanFeed(ctx, s, "wauser_messages", feedMessageColumns, account, after, upto, limit, limit, f.message)
	if err != nil {
		return nil, err
	}
	top := bound(seqsOf(msgs, func(m *Message) int64 { return m.Seq }))
	convs, err := scanFeed(ctx, s, "wauser_conversations", feedConversationColumns, account, after, top, limit, min(limit, 64), f.conversation)
	if err != nil {
		return nil, err
	}
	top = bound(seqsOf(convs, func(c *Conversation) int64 { return c.Seq }))
	contacts, err := scanFeed(ctx, s, "wauser_contacts", feedContactColumns, account, after, top, limit, min(limit, 64), f.contact)
	if err != nil {
		return nil, err
	}
	top = bound(seqsOf(contacts, func(c *Contact) int64 { return c.Seq }))

	p.Messages = pointersUpTo(msgs, top, func(m *Message) int64 { return m.Seq }, p.Messages)
	p.Conversations = pointersUpTo(convs, top, func(c *Conversation) int64 { return c.Seq }, p.Conversations)
	p.Contacts = pointersUpTo(contacts, top, func(c *Contact) int64 { return c.Seq }, p.Contacts)
	for _, m := range p.Messages {
		m.AccountID = account
	}
	for _, c := range p.Contacts {
		c.AccountID = account
	}
	for _, c := range p.Conversations {
		c.AccountID = account
	}
	if err := loadParticipants(ctx, s.db, account, p.Conversations); err != nil {
		return nil, fmt.Errorf("store: changes: %w", err)
	}
	return p, nil
}

// scanFeed reads up to limit rows of table with after < seq <= upto,
// ordered by seq, through a prepared statement, scanning each with scan
// into a slice of room rows to start with.
func scanFeed[T any](ctx context.Context, s *Store, table, cols, account string, after, upto int64, limit, room int, scan func(*sql.Rows, *T) error) ([]T, error) {
	query := "SELECT " + cols + " FROM " + table + " WHERE account_id = ? AND seq > ? AND seq <= ? ORDER BY seq"
	args := []any{account, after, upto}
	if s.db.Dialect().Name() != dialect.SQLite {
		query += " LIMIT ?"
		args = append(args, limit)
	}
	// SQLite reads the index lazily, so stopping after limit rows is the
	// limit; a LIMIT bound as a parameter would make it prepare the
	// statement again on every call (its planner looks at the value).
	st, err := s.prepared(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: changes: %w", err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("store: changes: %w", err)
	}
	var out []T
	for len(out) < limit && rows.Next() {
		if out == nil {
			out = make([]T, 0, room)
		}
		out = append(out, *new(T))
		if err := scan(rows, &out[len(out)-1]); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("store: changes: %s: %w", table, err)
		}
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("store: changes: %w", err)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: changes: %w", err)
	}
	return out, nil
}

func seqsOf[T any](rows []T, seq func(*T) int64) []int64 {
	out := make([]int64, len(rows))
	for i := range rows {
		out[i] = seq(&rows[i])
	}
	return out
}

// pointersUpTo appends to dst pointers to the rows (ordered by seq) up to
// seq top.
func pointersUpTo[T any](rows []T, top int64, seq func(*T) int64, dst []*T) []*T {
	for i := range rows {
		if seq(&rows[i]) > top {
			break
		}
		dst = append(dst, &rows[i])
	}
	return dst
}

// mergeLowest merges the ascending seqs a and b and keeps the lowest n; tmp
// is scratch space reused between calls.
func mergeLowest(a, b []int64, n int, tmp *[]int64) []int64 {
	if len(b) == 0 {
		return a
	}
	out := (*tmp)[:0]
	i, j := 0, 0
	for len(out) < n && (i < len(a) || j < len(b)) {
		if j == len(b) || (i < len(a) && a[i] < b[j]) {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	*tmp = a
	return out
}

// feedScan holds the scanners of the feed's time and JSON columns, reused
// from row to row.
type feedScan struct {
	times [4]timeColumn
	json  [2]jsonColumn
	n     [2]int64
}

func (f *feedScan) message(rows *sql.Rows, m *Message) error {
	f.times[0].t, f.times[1].t, f.times[2].t, f.times[3].t = &m.SentAt, &m.ReceivedAt, &m.EditedAt, &m.DeletedAt
	f.json[0].v, f.json[1].v = &m.Mentions, &m.Reactions
	return rows.Scan(&m.MessageID, &m.ConversationID, &m.ChatJID, &m.WAMessageID, &m.ClientID, &m.SenderJID, &m.SenderPushName,
		&m.Direction, &m.IsFromMe, &m.ContentType, &m.Body, &m.Status, &m.Error, &m.ReplyToWAID, &f.json[0], &f.json[1],
		&m.Media, &m.Extra, &f.times[0], &f.times[1], &f.times[2], &f.times[3], &m.Starred, &m.MergedInto, &m.Seq)
}

func (f *feedScan) conversation(rows *sql.Rows, c *Conversation) error {
	f.times[0].t, f.times[1].t, f.times[2].t = &c.MutedUntil, &c.LastMessageAt, &c.DeletedAt
	err := rows.Scan(&c.ConversationID, &c.ChatJID, &c.Kind, &c.Subject, &c.Topic, &c.DirectPersonID, &c.IsArchived, &c.IsPinned,
		&c.IsAnnounce, &c.IsLocked, &f.times[0], &f.n[0], &f.times[1], &f.times[2], &c.MergedInto, &f.n[1], &c.Seq)
	c.UnreadCount, c.EphemeralSecs = int(f.n[0]), int(f.n[1])
	return err
}

func (f *feedScan) contact(rows *sql.Rows, c *Contact) error {
	f.json[0].v = &c.Tags
	return rows.Scan(&c.PersonID, &c.Num, &c.DisplayName, &c.FirstName, &c.LastName, &c.Company, &c.WhatsAppPushName,
		&c.BusinessName, &c.PhoneE164, &c.PhoneJID, &c.LIDJID, &f.json[0], &c.MergedInto, &c.Seq)
}

// timeColumn scans a nullable timestamp as bun does: NULL is the zero
// time; SQLite hands back text in the layouts bun writes.
type timeColumn struct{ t *time.Time }

func (c *timeColumn) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.t = time.Time{}
	case time.Time:
		*c.t = x
	case string:
		return c.parse(x)
	case []byte:
		return c.parse(string(x))
	default:
		return fmt.Errorf("time column: cannot scan %T", v)
	}
	return nil
}

func (c *timeColumn) parse(s string) error {
	var (
		t   time.Time
		err error
	)
	n := len(s)
	switch {
	case n >= 19 && s[10] == 'T':
		t, err = time.Parse(time.RFC3339Nano, s)
	case n >= 19 && (s[n-6] == '+' || s[n-6] == '-'):
		t, err = time.Parse("2006-01-02 15:04:05.999999999-07:00", s)
	case n >= 19 && (s[n-3] == '+' || s[n-3] == '-'):
		t, err = time.Parse("2006-01-02 15:04:05.999999999-07", s)
	case n >= 19 && (s[n-9] == '+' || s[n-9] == '-'):
		t, err = time.Parse("2006-01-02 15:04:05.999999999-07:00:00", s)
	default:
		t, err = time.ParseInLocation("2006-01-02 15:04:05.999999999", s, time.UTC)
	}
	if err != nil {
		return fmt.Errorf("time column: %w", err)
	}
	*c.t = t
	return nil
}

// jsonColumn scans a JSON text column (bun's type:text slices and maps)
// into v, a pointer to a []string, map[string]string or map[string]int64:
// NULL leaves the zero value; the empty array and object, most rows' value,
// are made without decoding.
type jsonColumn struct{ v any }

func (c *jsonColumn) Scan(v any) error {
	var b []byte
	switch x := v.(type) {
	case nil:
		return c.zero()
	case string:
		if x == "[]" || x == "{}" {
			return c.empty()
		}
		b = []byte(x)
	case []byte:
		if s := string(x); s == "[]" || s == "{}" {
			return c.empty()
		}
		b = x
	default:
		return fmt.Errorf("JSON column: cannot scan %T", v)
	}
	if err := c.zero(); err != nil {
		return err
	}
	return json.Unmarshal(b, c.v)
}

func (c *jsonColumn) zero() error {
	switch d := c.v.(type) {
	case *[]string:
		*d = nil
	case *map[string]string:
		*d = nil
	case *map[string]int64:
		*d = nil
	default:
		return fmt.Errorf("JSON column: cannot scan into %T", c.v)
	}
	return nil
}

func (c *jsonColumn) empty() error {
	switch d := c.v.(type) {
	case *[]string:
		*d = []string{}
	case *map[string]string:
		*d = map[string]string{}
	case *map[string]int64:
		*d = map[string]int64{}
	default:
		return fmt.Errorf("JSON column: cannot scan into %T", c.v)
	}
	return nil
}
