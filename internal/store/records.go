package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/wauser/wauser/internal/sqldialect"
)

// Queries of the three record kinds for the ingestion path. They take a
// bun.IDB so that they run inside its transaction.

// LockCounter locks the account's counter row until the transaction ends
// and returns its value. Every writer of an account's records takes this
// lock first, so writers of one account are serialized (across processes on
// PostgreSQL) and their seqs become visible in commit order. On SQLite the
// immediate transaction already holds the database's write lock.
func (s *Store) LockCounter(ctx context.Context, tx bun.IDB, account, name string) (int64, error) {
	q := s.dialect.ForUpdate(tx.NewSelect().Model((*Counter)(nil)).Column("value").
		Where("account_id = ? AND name = ?", account, name))
	var v int64
	if err := q.Scan(ctx, &v); err != nil {
		return 0, fmt.Errorf("store: lock counter %s of %q: %w", name, account, notFound(err))
	}
	return v, nil
}

// ReadCounter returns the committed value of the account's counter without
// locking it (see LockCounter).
func (s *Store) ReadCounter(ctx context.Context, account, name string) (int64, error) {
	var v int64
	err := s.db.NewSelect().Model((*Counter)(nil)).Column("value").
		Where("account_id = ? AND name = ?", account, name).Scan(ctx, &v)
	if err != nil {
		return 0, fmt.Errorf("store: read counter %s of %q: %w", name, account, notFound(err))
	}
	return v, nil
}

// SetCounter sets the account's counter; call it in the transaction that
// locked it.
func SetCounter(ctx context.Context, tx bun.IDB, account, name string, value int64) error {
	_, err := tx.NewUpdate().Model((*Counter)(nil)).Set("value = ?", value).
		Where("account_id = ? AND name = ?", account, name).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: set counter %s of %q: %w", name, account, err)
	}
	return nil
}

// AddSkipped adds n to the account's count of records WhatsApp sent that
// could not be stored.
func AddSkipped(ctx context.Context, tx bun.IDB, account string, n int64) error {
	_, err := tx.NewUpdate().Model((*Account)(nil)).Set("skipped_records = skipped_records + ?", n).
		Where("id = ?", account).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: count skipped records of %q: %w", account, err)
	}
	return nil
}

func loadParticipants(ctx context.Context, db bun.IDB, account string, convs []*Conversation) error {
	if len(convs) == 0 {
		return nil
	}
	byID := make(map[string]*Conversation, len(convs))
	ids := make([]string, 0, len(convs))
	for _, c := range convs {
		c.Participants = []*Participant{}
		if c.Kind == "group" {
			byID[c.ConversationID] = c
			ids = append(ids, c.ConversationID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	parts := []*Participant{}
	err := db.NewSelect().Model(&parts).
		Where("account_id = ? AND conversation_id IN (?)", account, bun.List(ids)).
		Order("conversation_id", "participant_jid").Scan(ctx)
	if err != nil {
		return fmt.Errorf("store: load participants: %w", err)
	}
	for _, p := range parts {
		c := byID[p.ConversationID]
		c.Participants = append(c.Participants, p)
	}
	return nil
}

// UpsertConversations inserts or fully updates conversations (participants
// are saved with ReplaceParticipants).
func (s *Store) UpsertConversations(ctx context.Context, db bun.IDB, rows []*Conversation) error {
	return upsert(ctx, s.dialect, db, rows, "account_id, conversation_id", "conversations")
}

// UpsertContacts inserts or fully updates contacts.
func (s *Store) UpsertContacts(ctx context.Context, db bun.IDB, rows []*Contact) error {
	return upsert(ctx, s.dialect, db, rows, "account_id, person_id", "contacts")
}

// UpsertMessages inserts or fully updates messages.
func (s *Store) UpsertMessages(ctx context.Context, db bun.IDB, rows []*Message) error {
	return upsert(ctx, s.dialect, db, rows, "account_id, message_id", "messages")
}

// InsertMessages inserts messages known to be new: a plain insert, which
// the database does a little faster than an upsert.
func (s *Store) InsertMessages(ctx context.Context, db bun.IDB, rows []*Message) error {
	return upsert(ctx, s.dialect, db, rows, "", "messages")
}

func upsert[T any](ctx context.Context, d sqldialect.Dialect, db bun.IDB, rows []*T, key, what string) error {
	e, err := encode(d, db, rows, key, what, false)
	if err != nil {
		return err
	}
	if err := e.Write(ctx, db); err != nil {
		return fmt.Errorf("store: upsert %s: %w", what, err)
	}
	return nil
}

// insertNew inserts those of rows whose key is not stored yet, as they are
// (not sanitized): a few rows in one statement with the values inline (one
// round trip), more through the prepared multi-row statements of upsert
// (the database parses no values; preparing costs a round trip).
func insertNew[T any](ctx context.Context, d sqldialect.Dialect, db bun.IDB, rows []*T, key, what string) error {
	if len(rows) == 0 {
		return nil
	}
	if len(rows) < insertInline {
		if _, err := db.NewInsert().Model(&rows).On("CONFLICT (" + key + ") DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("store: insert %s: %w", what, err)
		}
		return nil
	}
	vals := make([]reflect.Value, len(rows))
	for i, r := range rows {
		vals[i] = reflect.ValueOf(r).Elem()
	}
	w := newUpsertWriter(d, db, typeOf[T](), key)
	w.ignore = true
	e, err := w.encode(vals)
	if err == nil {
		err = e.Write(ctx, db)
	}
	if err != nil {
		return fmt.Errorf("store: insert %s: %w", what, err)
	}
	return nil
}

// insertInline is the row count from which insertNew prepares.
const insertInline = 32

func encode[T any](d sqldialect.Dialect, db bun.IDB, rows []*T, key, what string, clean bool) (*Encoded, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	vals := make([]reflect.Value, len(rows))
	for i, r := range rows {
		v := reflect.ValueOf(r).Elem()
		if !clean {
			sanitize(v)
		}
		vals[i] = v
	}
	e, err := newUpsertWriter(d, db, typeOf[T](), key).encode(vals)
	if err != nil {
		return nil, fmt.Errorf("store: upsert %s: %w", what, err)
	}
	return e, nil
}

// EncodeMessages encodes messages for InsertMessages (insert set) or
// UpsertMessages, without touching the database; Write the result in a
// transaction. Unlike those, it takes the rows as they are: pass them
// through Sanitize first.
func (s *Store) EncodeMessages(rows []*Message, insert bool) (*Encoded, error) {
	key := "account_id, message_id"
	if insert {
		key = ""
	}
	return encode(s.dialect, s.db, rows, key, "messages", true)
}

// InsertParticipants inserts participants (of new conversations).
func InsertParticipants(ctx context.Context, db bun.IDB, parts []*Participant) error {
	for start := 0; start < len(parts); start += 1000 {
		chunk := parts[start:min(start+1000, len(parts))]
		if _, err := db.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return fmt.Errorf("store: insert participants: %w", err)
		}
	}
	return nil
}

// AddSenders records who sent messages where (see Sender); pairs already
// recorded are left alone.
func AddSenders(ctx context.Context, db bun.IDB, senders []*Sender) error {
	for start := 0; start < len(senders); start += 500 {
		chunk := senders[start:min(start+500, len(senders))]
		if _, err := db.NewInsert().Model(&chunk).On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
			return fmt.Errorf("store: record senders: %w", err)
		}
	}
	return nil
}

// ReplaceParticipants sets the participants of one conversation.
func ReplaceParticipants(ctx context.Context, db bun.IDB, account, conversationID string, parts []*Participant) error {
	_, err := db.NewDelete().Model((*Participant)(nil)).
		Where("account_id = ? AND conversation_id = ?", account, conversationID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: delete participants: %w", err)
	}
	if len(parts) == 0 {
		return nil
	}
	if _, err := db.NewInsert().Model(&parts).Exec(ctx); err != nil {
		return fmt.Errorf("store: insert participants: %w", err)
	}
	return nil
}

// ChangeBound returns the highest seq whose change is committed for the
// account: every record with a seq at or below it is visible to a query
// that starts now. (Writers hold the counter lock until they commit.)
func (s *Store) ChangeBound(ctx context.Context, account string) (int64, error) {
	var v int64
	st, err := s.prepared(ctx, "SELECT value FROM wauser_counters WHERE account_id = ? AND name = ?")
	if err == nil {
		err = st.QueryRowContext(ctx, account, CounterSeq).Scan(&v)
	}
	if err != nil {
		return 0, fmt.Errorf("store: change bound of %q: %w", account, notFound(err))
	}
	return v, nil
}

// HasChangesBetween reports whether any record of the account has after <
// seq <= upto.
func (s *Store) HasChangesBetween(ctx context.Context, account string, after, upto int64) (bool, error) {
	for _, model := range []any{(*Conversation)(nil), (*Contact)(nil), (*Message)(nil)} {
		ok, err := s.db.NewSelect().Model(model).Where("account_id = ? AND seq > ? AND seq <= ?", account, after, upto).Exists(ctx)
		if err != nil {
			return false, fmt.Errorf("store: changes: %w", err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// LIDMapping looks up whatsmeow's LID <-> phone-number map
// (whatsmeow_lid_map, shared by every device of the database) inside db,
// so that a transaction needs no second connection. Given the user part of
// a LID it returns the phone number's user part, or the reverse with
// fromPN; "" when unknown.
func LIDMapping(ctx context.Context, db bun.IDB, user string, fromPN bool) (string, error) {
	q := "SELECT pn FROM whatsmeow_lid_map WHERE lid = ?"
	if fromPN {
		q = "SELECT lid FROM whatsmeow_lid_map WHERE pn = ?"
	}
	var out string
	err := db.QueryRowContext(ctx, q, user).Scan(&out)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: lid map: %w", err)
	}
	return out, nil
}

// Sanitize cleans every string field of a row (a pointer to a model) in
// place, as the Upsert functions do before writing; see sanitize.
func Sanitize(row any) { sanitize(reflect.ValueOf(row).Elem()) }

// sanitize makes every string of a row storable on both databases: NUL
// bytes removed (PostgreSQL text cannot hold them, and bun refuses them)
// and invalid UTF-8 replaced. WhatsApp content is outside input; a message
// that could not be stored would be redelivered forever.
func sanitize(v reflect.Value) {
	for i := range v.NumField() {
		f := v.Field(i)
		if !f.CanSet() {
			continue
		}
		switch f.Kind() {
		case reflect.String:
			if s := f.String(); needsCleaning(s) {
				f.SetString(cleanString(s))
			}
		case reflect.Slice:
			if f.Type().Elem().Kind() == reflect.String {
				for j := range f.Len() {
					if s := f.Index(j).String(); needsCleaning(s) {
						f.Index(j).SetString(cleanString(s))
					}
				}
			}
		case reflect.Map:
			if f.Type().Key().Kind() != reflect.String || f.Len() == 0 {
				continue
			}
			iter := f.MapRange()
			var fix [][2]reflect.Value
			for iter.Next() {
				k, val := iter.Key().String(), iter.Value()
				if needsCleaning(k) || (val.Kind() == reflect.String && needsCleaning(val.String())) {
					fix = append(fix, [2]reflect.Value{iter.Key(), val})
				}
			}
			for _, kv := range fix {
				f.SetMapIndex(kv[0], reflect.Value{})
				nv := kv[1]
				if nv.Kind() == reflect.String {
					nv = reflect.ValueOf(cleanString(nv.String())).Convert(nv.Type())
				}
				f.SetMapIndex(reflect.ValueOf(cleanString(kv[0].String())).Convert(kv[0].Type()), nv)
			}
		}
	}
}

func needsCleaning(s string) bool {
	return strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s)
}

func cleanString(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// ConversationIDsOfPerson returns the conversations a person can have
// written in: their direct conversations and the groups they are a
// participant of (merged-away conversations included: their messages are
// moved lazily).
func ConversationIDsOfPerson(ctx context.Context, db bun.IDB, account, personID string) ([]string, error) {
	var ids []string
	err := db.NewSelect().Model((*Conversation)(nil)).Column("conversation_id").
		Where("account_id = ? AND direct_person_id = ?", account, personID).
		UnionAll(db.NewSelect().Model((*Participant)(nil)).Column("conversation_id").
			Where("account_id = ? AND person_id = ?", account, personID)).
		UnionAll(db.NewSelect().Model((*Sender)(nil)).Column("conversation_id").
			Where("account_id = ? AND person_id = ?", account, personID)).
		Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("store: conversations of %s: %w", personID, err)
	}
	return ids, nil
}

// LIDPairs are whatsmeow LID map entries, by phone-number user and by LID
// user.
type LIDPairs struct {
	LIDOf map[string]string // phone-number user -> LID user
	PNOf  map[string]string // LID user -> phone-number user
}

// LIDMappings looks up many LID map entries at once (see LIDMapping).
func LIDMappings(ctx context.Context, db bun.IDB, pnUsers, lidUsers []string) (*LIDPairs, error) {
	out := &LIDPairs{LIDOf: map[string]string{}, PNOf: map[string]string{}}
	if len(pnUsers)+len(lidUsers) == 0 {
		return out, nil
	}
	var rows []struct {
		LID string `bun:"lid"`
		PN  string `bun:"pn"`
	}
	err := db.NewSelect().Table("whatsmeow_lid_map").Column("lid", "pn").
		Where("pn IN (?) OR lid IN (?)", bun.List(append([]string{""}, pnUsers...)), bun.List(append([]string{""}, lidUsers...))).
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: lid map: %w", err)
	}
	for _, r := range rows {
		out.LIDOf[r.PN], out.PNOf[r.LID] = r.LID, r.PN
	}
	return out, nil
}
