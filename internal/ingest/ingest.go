// Package ingest turns whatsmeow events into wauser's three record kinds
// (conversations, contacts, messages) and their outbox events.
//
// Every event is applied in one transaction: rows are loaded, changed in Go,
// and only rows that really changed are written back with the account's
// next seqs, together with the events describing the change. Delivering an
// event twice therefore changes nothing the second time. A writer first
// locks the account's seq counter, so writers of one account are
// serialized, also across processes on PostgreSQL, and seqs become visible
// in commit order. The package does no network I/O. The one goroutine it
// starts lives for one history blob: it writes each batch while the next
// is built (see historyPipelined).
//
// Identity (identity.go): records are keyed by canonical ids, a person's
// derived from their phone number when known, else their LID; learning a
// mapping re-keys what was stored under the other form (mergePersons,
// moveMessage). State merge rules (state.go): every conversation and
// contact field remembers the time of the statement that set it, so that
// any order of the same events gives the same record. Records that cannot
// be stored are skipped and counted (skip.go); history notices become system
// messages (stubs.go).
//
// History. A message carrying a history sync notification (the phone
// announcing a blob) queues the notification as a sync job in the
// message's transaction (queueHistory); the caller downloads the blob
// later and hands it to History as a histsync.Source, which reads it
// conversation by conversation. History cuts batches of about HistoryBatch
// messages from the stream as it reads it, so only the conversations of
// the batch being built and of the one being written are in memory, never
// the whole blob; each batch is one transaction, and the caller's finish
// func commits with the last (the queue marks the job done there). A
// failed batch leaves the batches before it stored and the job queued: the
// blob is stored again from the start, and what was stored changes
// nothing. A decoded *events.HistorySync (delivered by a Factory that
// downloads history itself) is read the same way.
package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser/internal/event"
	"github.com/wauser/wauser/internal/histsync"
	"github.com/wauser/wauser/internal/ids"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/wa"
)

// Account is what the ingester needs to know about the account an event
// belongs to.
type Account struct {
	ID     string
	Own    types.JID // the account's phone-number JID without device; empty before pairing
	OwnLID types.JID
	Local  wa.Local // parses history messages and decrypts votes/reactions; may be nil
}

// Options configure an Ingester.
type Options struct {
	Now    func() time.Time
	Logger *slog.Logger
	// Encode returns the public form of a *store.Conversation,
	// *store.Contact or *store.Message, marshalled as event data.
	Encode func(row any) (any, error)
}

// Ingester applies events to the store.
type Ingester struct {
	st   *store.Store
	opts Options

	mu       sync.Mutex
	accounts map[string]*accountState
	calls    callBook // calls ringing or answered (see calls.go)
}

// accountState caches identity lookups of one account. Its mutex is held
// for the whole of each transaction of the account in this process.
type accountState struct {
	mu       sync.Mutex
	person   map[string]string  // user JID -> person id
	conv     map[convKey]string // a person's direct chat or a chat JID -> conversation id
	contacts map[string]bool    // person ids known to exist (unmerged)

	// Derived ids, never wrong: kept across resets.
	personIDs map[string]string // user JID -> the person id a new contact gets
	directIDs map[string]string // person id -> the canonical id of their direct conversation
}

// convKey names a conversation in the identity caches: a person's direct
// conversation (person set) or a group, newsletter or broadcast chat (chat
// set to its JID).
type convKey struct {
	person string
	chat   string
}

func directKey(person string) convKey { return convKey{person: person} }
func chatKey(jid string) convKey      { return convKey{chat: jid} }

// lidKey names a lookup in whatsmeow's LID map: user is a phone number
// (fromPN) or a LID user.
type lidKey struct {
	user   string
	fromPN bool
}

// personID is personID(account, jid), remembered: a history hashes the same
// few people for every message.
func (a *accountState) personID(account, jid string) string {
	if id, ok := a.personIDs[jid]; ok {
		return id
	}
	id := personID(account, jid)
	a.personIDs[jid] = id
	return id
}

// directID is the id of the person's direct conversation, remembered.
func (a *accountState) directID(account, person string) string {
	if id, ok := a.directIDs[person]; ok {
		return id
	}
	id := directConversationID(account, person)
	a.directIDs[person] = id
	return id
}

func (a *accountState) reset() {
	if a.personIDs == nil {
		a.personIDs = map[string]string{} // derived, never wrong: kept across resets
		a.directIDs = map[string]string{}
	}
	a.person = map[string]string{}
	a.conv = map[convKey]string{}
	a.contacts = map[string]bool{}
}

// New returns an Ingester writing to st.
func New(st *store.Store, opts Options) *Ingester {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Encode == nil {
		opts.Encode = func(row any) (any, error) { return row, nil }
	}
	return &Ingester{st: st, opts: opts, accounts: map[string]*accountState{}}
}

func (in *Ingester) account(id string) *accountState {
	in.mu.Lock()
	defer in.mu.Unlock()
	a := in.accounts[id]
	if a == nil {
		a = &accountState{}
		a.reset()
		in.accounts[id] = a
	}
	return a
}

// Forget drops what the ingester caches for an account (after Logout).
func (in *Ingester) Forget(account string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	delete(in.accounts, account)
}

// Handle applies one whatsmeow event. It returns nil once the change is
// committed, or when the event does not concern the store; any error means
// nothing of the event was written (for history, nothing of the failed
// batch), and the event should not be acknowledged.
func (in *Ingester) Handle(ctx context.Context, acc *Account, evt any) error {
	err := in.handle(ctx, acc, evt)
	if isSkip(err) {
		// A record that cannot be stored: acknowledged, counted, logged.
		return in.countSkipped(ctx, acc, err)
	}
	return err
}

func (in *Ingester) handle(ctx context.Context, acc *Account, evt any) error {
	switch e := evt.(type) {
	case *events.Message:
		d := in.decrypt(ctx, acc, e)
		return in.Apply(ctx, acc, func(t *Tx) error {
			t.decrypted = d
			if err := t.message(e, true); err != nil {
				return err
			}
			return t.queueHistory(e)
		})
	case *events.UndecryptableMessage:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.undecryptable(e) })
	case *events.Receipt:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.receipt(e) })
	case *events.HistorySync:
		if e.Data == nil {
			return nil
		}
		_, err := in.History(ctx, acc, histsync.Decoded(e.Data), nil)
		return err
	case *events.PushName:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.pushName(e.JID, e.JIDAlt, e.NewPushName, msgTime(e.Message)) })
	case *events.BusinessName:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.businessName(e.JID, e.NewBusinessName, msgTime(e.Message)) })
	case *events.Contact:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.contactAction(e) })
	case *events.JoinedGroup:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.joinedGroup(e) })
	case *events.GroupInfo:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.groupInfo(e) })
	case *events.Archive:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.archive(e) })
	case *events.Pin:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.pin(e) })
	case *events.Mute:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.mute(e) })
	case *events.MarkChatAsRead:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.markChatAsRead(e) })
	case *events.DeleteForMe:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.deleteForMe(e) })
	case *events.DeleteChat:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.deleteChat(e) })
	case *events.ClearChat:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.clearChat(e) })
	case *events.LabelEdit:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.labelEdit(e) })
	case *events.LabelAssociationChat:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.labelChat(e) })
	case *events.Star:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.star(e) })
	case *events.Presence:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.presence(e) })
	case *events.Blocklist:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.blocklist(e) })
	case *events.CallOffer, *events.CallOfferNotice, *events.CallAccept, *events.CallTerminate, *events.CallReject:
		return in.Apply(ctx, acc, func(t *Tx) error { return t.call(e) })
	}
	return nil
}

// Apply runs fn in one transaction holding the account's seq counter, then
// writes every row fn changed and the events it emitted. Other writers of
// records (outgoing messages, contact edits) use it too.
func (in *Ingester) Apply(ctx context.Context, acc *Account, fn func(t *Tx) error) error {
	as := in.account(acc.ID)
	as.mu.Lock()
	defer as.mu.Unlock()
	return in.applyLocked(ctx, acc, as, fn)
}

// applyLocked is Apply for a caller holding as.mu.
func (in *Ingester) applyLocked(ctx context.Context, acc *Account, as *accountState, fn func(t *Tx) error) error {
	err := in.st.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		seq, err := in.st.LockCounter(ctx, tx, acc.ID, store.CounterSeq)
		if err != nil {
			return err
		}
		t := in.newTx(ctx, acc, as, tx, seq)
		if err := fn(t); err != nil {
			return err
		}
		ws, err := t.collect(false)
		if err != nil {
			return err
		}
		if err := ws.write(ctx, in.st, tx); err != nil {
			return err
		}
		t.publish()
		return nil
	})
	if err != nil {
		// Caches may hold ids of rows that were rolled back.
		as.reset()
		return fmt.Errorf("ingest: %w", err)
	}
	return nil
}

// newTx returns an empty transaction state reading through db, whose
// account's seq counter stood at seq.
func (in *Ingester) newTx(ctx context.Context, acc *Account, as *accountState, db bun.IDB, seq int64) *Tx {
	return &Tx{
		in: in, acc: acc, as: as, ctx: ctx, db: db, now: in.opts.Now().UTC(), seq: seq,
		convs: map[string]*tracked[*store.Conversation]{}, contacts: map[string]*tracked[*store.Contact]{},
		msgs: map[string]*tracked[*store.Message]{}, byWAID: map[waKey][]string{}, fetchedWA: map[waKey]bool{},
		persons: map[string]string{}, convKeys: map[convKey]string{}, lidCache: map[lidKey]string{}, absent: map[rowKey]bool{},
	}
}

// tracked is a row loaded (orig is a copy as loaded; nil for a new row) and
// its current state.
type tracked[T any] struct {
	orig, cur T
	isNew     bool
}

type pendingEvent struct {
	typ   event.Type
	kind  event.Kind // "" for data-only events
	id    string
	extra map[string]any
	data  any // for data-only events
}

// rowKey names a row of a kind: the events' rows, and rows known not to
// be stored.
type rowKey struct {
	kind event.Kind
	id   string
}

// waKey names the messages of a conversation with one WhatsApp message id.
type waKey struct{ conv, wa string }

// Tx is one transaction of the ingester: the rows it touched and the
// events it will write.
type Tx struct {
	in  *Ingester
	acc *Account
	as  *accountState
	ctx context.Context
	db  bun.IDB // the transaction; for a pipelined history, the database (reads only)
	now time.Time
	seq int64

	// nextNum is the number the next new contact gets in a pipelined
	// history (see historyPipelined), which hands each batch to a writer
	// and goes on.
	nextNum int64

	convOrder, contactOrder, msgOrder []string
	convs                             map[string]*tracked[*store.Conversation]
	contacts                          map[string]*tracked[*store.Contact]
	msgs                              map[string]*tracked[*store.Message]
	byWAID                            map[waKey][]string // message ids in this tx
	fetchedWA                         map[waKey]bool     // whose rows are all loaded

	persons   map[string]string // cache entries to publish on commit
	convKeys  map[convKey]string
	events    []pendingEvent
	quiet     bool              // history: record changes emit no per-record events
	lidCache  map[lidKey]string // LID map lookups of this transaction
	absent    map[rowKey]bool   // conversations and contacts known not to be stored (prefetched)
	decrypted decrypted         // of the live message being applied

	skipped int         // records skipped (see skip) since the last collect
	hist    *historyRun // the history blob being stored, if any
	// finish, when set, runs last in the transaction that writes what
	// the Tx collected (a history blob's last batch: its queue entry).
	finish func(ctx context.Context, tx bun.IDB) error
}

// writeSet is what one transaction writes: the changed rows with their
// seqs, and the events.
type writeSet struct {
	account          string
	convRows         []*store.Conversation
	partsFor         []*store.Conversation // changed participants: replaced
	newParts         []*store.Participant  // participants of new conversations: inserted at once
	conRows, newCons []*store.Contact
	msgRows          []*store.Message // changed rows
	newMsgs          []*store.Message // new rows
	msgEnc, newEnc   *store.Encoded   // msgRows and newMsgs, encoded by collect
	baseSeq, seq     int64            // the seq counter before and after
	firstNum         int64            // detached: the number given to newCons[0]
	events           []*store.Event
	skipped          int                                         // records skipped: counted on the account
	senders          []*store.Sender                             // who sent in which conversation, for rows of new pairs
	finish           func(ctx context.Context, tx bun.IDB) error // see Tx.finish
}

// rows reports whether the set changes any record.
func (ws *writeSet) rows() bool {
	return len(ws.convRows)+len(ws.conRows)+len(ws.msgRows)+len(ws.newMsgs) > 0
}

// collect assigns seqs to the rows changed since they were loaded (or
// since the last collect) and builds the events. Detached, as for a
// pipelined history, the set holds copies of the rows, the tracked rows
// become the new baseline, and new contacts are numbered here: the
// transaction goes on changing its rows while the set is written.
func (t *Tx) collect(detach bool) (*writeSet, error) {
	ws := &writeSet{account: t.acc.ID, baseSeq: t.seq, finish: t.finish}
	t.finish = nil
	changed := map[rowKey]bool{}
	for _, id := range t.convOrder {
		r := t.convs[id]
		store.Sanitize(r.cur)
		for _, p := range r.cur.Participants {
			store.Sanitize(p)
		}
		if !r.isNew && r.orig.Equal(r.cur) {
			continue
		}
		t.seq++
		r.cur.Seq, r.cur.UpdatedAt = t.seq, t.now
		if r.isNew {
			r.cur.CreatedAt = t.now
		}
		row := r.cur
		if detach {
			row = r.cur.Clone()
		}
		ws.convRows = append(ws.convRows, row)
		switch {
		case r.isNew:
			ws.newParts = append(ws.newParts, row.Participants...)
		case !participantsEqual(r.orig.Participants, r.cur.Participants):
			ws.partsFor = append(ws.partsFor, row)
		}
		changed[rowKey{event.KindConversation, id}] = true
	}
	for _, id := range t.contactOrder {
		r := t.contacts[id]
		store.Sanitize(r.cur)
		if !r.isNew && r.orig.Equal(r.cur) {
			continue
		}
		t.seq++
		r.cur.Seq, r.cur.UpdatedAt = t.seq, t.now
		if r.isNew {
			r.cur.CreatedAt = t.now
			if detach {
				if ws.firstNum == 0 {
					ws.firstNum = t.nextNum
				}
				r.cur.Num = t.nextNum
				t.nextNum++
			}
		}
		row := r.cur
		if detach {
			row = r.cur.Clone()
		}
		if r.isNew {
			ws.newCons = append(ws.newCons, row)
		}
		ws.conRows = append(ws.conRows, row)
		changed[rowKey{event.KindContact, id}] = true
	}
	for _, id := range t.msgOrder {
		r := t.msgs[id]
		store.Sanitize(r.cur) // before comparing: what is stored is the cleaned text
		if !r.isNew && r.orig.Equal(r.cur) {
			continue
		}
		t.seq++
		r.cur.Seq, r.cur.UpdatedAt = t.seq, t.now
		if r.isNew {
			r.cur.CreatedAt = t.now
		}
		row := r.cur
		if detach {
			row = r.cur.Clone()
		}
		if r.isNew {
			ws.newMsgs = append(ws.newMsgs, row)
		} else {
			ws.msgRows = append(ws.msgRows, row)
		}
		changed[rowKey{event.KindMessage, id}] = true
	}
	ws.seq = t.seq
	ws.skipped, t.skipped = t.skipped, 0
	ws.senders = t.newSenders(ws)
	evs, err := t.buildEvents(changed)
	if err != nil {
		return nil, err
	}
	ws.events = evs
	// Encoding the messages (most of a history batch) needs no database:
	// a pipelined history does it here, beside the write of the batch before.
	if ws.newEnc, err = t.in.st.EncodeMessages(ws.newMsgs, true); err != nil {
		return nil, err
	}
	if ws.msgEnc, err = t.in.st.EncodeMessages(ws.msgRows, false); err != nil {
		return nil, err
	}
	if detach {
		t.events = nil
		t.rebase(ws)
	}
	return ws, nil
}

// newSenders returns the (sender, conversation) pairs of the messages ws
// writes, once each.
func (t *Tx) newSenders(ws *writeSet) []*store.Sender {
	var out []*store.Sender
	seen := map[[2]string]bool{}
	for _, ms := range [][]*store.Message{ws.newMsgs, ws.msgRows} {
		for _, m := range ms {
			k := [2]string{m.SenderPersonID, m.ConversationID}
			if m.SenderPersonID == "" || m.MergedInto != "" || seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, &store.Sender{AccountID: t.acc.ID, PersonID: m.SenderPersonID, ConversationID: m.ConversationID})
		}
	}
	return out
}

// rebase makes the rows of ws, as written, what later changes are compared
// with: the next collect writes only what changed after this one.
func (t *Tx) rebase(ws *writeSet) {
	for _, c := range ws.convRows {
		r := t.convs[c.ConversationID]
		r.orig, r.isNew = c, false
	}
	for _, c := range ws.conRows {
		r := t.contacts[c.PersonID]
		r.orig, r.isNew = c, false
	}
	for _, ms := range [][]*store.Message{ws.newMsgs, ws.msgRows} {
		for _, m := range ms {
			r := t.msgs[m.MessageID]
			r.orig, r.isNew = m, false
		}
	}
}

// write stores ws in tx.
func (ws *writeSet) write(ctx context.Context, st *store.Store, tx bun.IDB) error {
	if len(ws.newCons) > 0 {
		first, err := store.NextCounter(ctx, tx, ws.account, store.CounterContact, int64(len(ws.newCons)))
		if err != nil {
			return err
		}
		switch {
		case ws.firstNum == 0:
			for i, c := range ws.newCons {
				c.Num = first + int64(i)
			}
		case first != ws.firstNum:
			return errConflict
		}
	}
	if err := st.UpsertConversations(ctx, tx, ws.convRows); err != nil {
		return err
	}
	for _, c := range ws.partsFor {
		if err := store.ReplaceParticipants(ctx, tx, ws.account, c.ConversationID, c.Participants); err != nil {
			return err
		}
	}
	if err := store.InsertParticipants(ctx, tx, ws.newParts); err != nil {
		return err
	}
	if err := st.UpsertContacts(ctx, tx, ws.conRows); err != nil {
		return err
	}
	if err := store.AddSenders(ctx, tx, ws.senders); err != nil {
		return err
	}
	if err := ws.newEnc.Write(ctx, tx); err != nil {
		return fmt.Errorf("store: insert messages: %w", err)
	}
	if err := ws.msgEnc.Write(ctx, tx); err != nil {
		return fmt.Errorf("store: upsert messages: %w", err)
	}
	if ws.rows() {
		if err := store.SetCounter(ctx, tx, ws.account, store.CounterSeq, ws.seq); err != nil {
			return err
		}
	}
	if ws.skipped > 0 {
		if err := store.AddSkipped(ctx, tx, ws.account, int64(ws.skipped)); err != nil {
			return err
		}
	}
	if err := store.InsertEvents(ctx, tx, ws.events); err != nil {
		return err
	}
	if ws.finish != nil {
		return ws.finish(ctx, tx)
	}
	return nil
}

// publish makes the transaction's identity cache entries the account's;
// they are valid once it commits, and Apply resets the cache if the commit
// fails.
func (t *Tx) publish() {
	for k, v := range t.persons {
		t.as.person[k] = v
	}
	for k, v := range t.convKeys {
		t.as.conv[k] = v
	}
}

func participantsEqual(a, b []*store.Participant) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if *a[i] != *b[i] {
			return false
		}
	}
	return true
}

func (t *Tx) buildEvents(changed map[rowKey]bool) ([]*store.Event, error) {
	out := make([]*store.Event, 0, len(t.events))
	for _, pe := range t.events {
		var (
			data      any
			convID    string
			chatJID   string
			err       error
			rowExists bool
		)
		switch pe.kind {
		case event.KindConversation:
			if r := t.convs[pe.id]; r != nil {
				rowExists = true
				data, err = t.in.opts.Encode(r.cur)
				convID, chatJID = r.cur.ConversationID, r.cur.ChatJID
			}
		case event.KindContact:
			if r := t.contacts[pe.id]; r != nil {
				rowExists = true
				data, err = t.in.opts.Encode(r.cur)
			}
		case event.KindMessage:
			if r := t.msgs[pe.id]; r != nil {
				rowExists = true
				data, err = t.in.opts.Encode(r.cur)
				convID, chatJID = r.cur.ConversationID, r.cur.ChatJID
			}
		default:
			rowExists, data = true, pe.data
		}
		if err != nil {
			return nil, err
		}
		if !rowExists || (pe.kind != "" && !changed[rowKey{pe.kind, pe.id}]) {
			continue
		}
		raw, err := json.Marshal(data)
		if err != nil {
			return nil, fmt.Errorf("encode %s event: %w", pe.typ, err)
		}
		if len(pe.extra) > 0 {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				return nil, fmt.Errorf("encode %s event: %w", pe.typ, err)
			}
			for k, v := range pe.extra {
				b, err := json.Marshal(v)
				if err != nil {
					return nil, fmt.Errorf("encode %s event: %w", pe.typ, err)
				}
				m[k] = b
			}
			if raw, err = json.Marshal(m); err != nil {
				return nil, fmt.Errorf("encode %s event: %w", pe.typ, err)
			}
		}
		out = append(out, &store.Event{
			AccountID: t.acc.ID, ID: ids.Sortable("evt_", t.now), // sorted: appends to the id index
			Type: string(pe.typ), ConversationID: convID, ChatJID: chatJID, Data: string(raw), OccurredAt: t.now,
		})
	}
	return out, nil
}

// emit queues an event about a row; it is written only if the row changed
// in this transaction.
func (t *Tx) emit(typ event.Type, kind event.Kind, id string, extra map[string]any) {
	if t.quiet {
		return
	}
	t.events = append(t.events, pendingEvent{typ: typ, kind: kind, id: id, extra: extra})
}

// emitData queues an event with its own data.
func (t *Tx) emitData(typ event.Type, data any) {
	t.events = append(t.events, pendingEvent{typ: typ, data: data})
}

// Now returns the transaction's timestamp.
func (t *Tx) Now() time.Time { return t.now }

// Context returns the transaction's context, and DB the transaction, for
// queries of other tables that must commit with the records (such as the
// send quota).
func (t *Tx) Context() context.Context { return t.ctx }

// DB returns the transaction; see Context.
func (t *Tx) DB() bun.IDB { return t.db }

// --- tracked rows ---

// track registers row (loaded, or new) under key, keeping a copy of a
// loaded row to compare with at flush; a row already tracked wins.
func track[T interface{ Clone() T }](rows map[string]*tracked[T], order *[]string, key string, row T, isNew bool) T {
	if r := rows[key]; r != nil {
		return r.cur
	}
	r := &tracked[T]{cur: row, isNew: isNew}
	if !isNew {
		r.orig = row.Clone()
	}
	rows[key] = r
	*order = append(*order, key)
	return row
}

func (t *Tx) trackConversation(c *store.Conversation, isNew bool) *store.Conversation {
	return track(t.convs, &t.convOrder, c.ConversationID, c, isNew)
}

func (t *Tx) trackContact(c *store.Contact, isNew bool) *store.Contact {
	return track(t.contacts, &t.contactOrder, c.PersonID, c, isNew)
}

func (t *Tx) trackMessage(m *store.Message, isNew bool) *store.Message {
	if t.msgs[m.MessageID] != nil {
		return t.msgs[m.MessageID].cur
	}
	track(t.msgs, &t.msgOrder, m.MessageID, m, isNew)
	k := waKey{m.ConversationID, m.WAMessageID}
	t.byWAID[k] = append(t.byWAID[k], m.MessageID)
	return m
}

// untrackMessage forgets message m, made in this transaction and never
// written (it was merged into another row before it was stored).
func (t *Tx) untrackMessage(m *store.Message) {
	delete(t.msgs, m.MessageID)
	t.msgOrder = slices.DeleteFunc(t.msgOrder, func(id string) bool { return id == m.MessageID })
	k := waKey{m.ConversationID, m.WAMessageID}
	t.byWAID[k] = slices.DeleteFunc(t.byWAID[k], func(id string) bool { return id == m.MessageID })
}

// reindex records that message m moved to another conversation.
func (t *Tx) reindex(m *store.Message, oldConv string) {
	k := waKey{oldConv, m.WAMessageID}
	ids := t.byWAID[k]
	for i, id := range ids {
		if id == m.MessageID {
			t.byWAID[k] = append(ids[:i], ids[i+1:]...)
			break
		}
	}
	nk := waKey{m.ConversationID, m.WAMessageID}
	t.byWAID[nk] = append(t.byWAID[nk], m.MessageID)
}

// conversationByID loads a conversation by id (nil if absent).
func (t *Tx) conversationByID(id string) (*store.Conversation, error) {
	if r := t.convs[id]; r != nil {
		return r.cur, nil
	}
	if t.absent[rowKey{event.KindConversation, id}] {
		return nil, nil
	}
	rows, err := store.ConversationRows(t.ctx, t.db, t.acc.ID, id)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return t.trackConversation(rows[0], false), nil
}

// contactByID loads a contact by id (nil if absent).
func (t *Tx) contactByID(id string) (*store.Contact, error) {
	if r := t.contacts[id]; r != nil {
		return r.cur, nil
	}
	if t.absent[rowKey{event.KindContact, id}] {
		return nil, nil
	}
	rows, err := store.ContactRows(t.ctx, t.db, t.acc.ID, id)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return t.trackContact(rows[0], false), nil
}

// prefetchMessages loads the messages of these conversations with these
// WhatsApp ids into the transaction in one query (history batches).
func (t *Tx) prefetchMessages(convIDs, waIDs []string) error {
	if len(waIDs) == 0 || len(convIDs) == 0 {
		return nil
	}
	rows, err := store.MessageRowsByWAIDs(t.ctx, t.db, t.acc.ID, convIDs, waIDs)
	if err != nil {
		return err
	}
	for _, m := range rows {
		t.trackMessage(m, false)
	}
	for _, c := range convIDs {
		for _, id := range waIDs {
			t.fetchedWA[waKey{c, id}] = true
		}
	}
	return nil
}
