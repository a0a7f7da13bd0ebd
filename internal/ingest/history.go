package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser/internal/event"
	"github.com/wauser/wauser/internal/histsync"
	"github.com/wauser/wauser/internal/store"
)

// HistoryBatch is how many history messages one transaction stores:
// large enough that index pages touched by a batch are written once for
// many rows, small enough to keep a transaction short.
const HistoryBatch = 2000

// historyItem is a slice of one conversation's history to store.
type historyItem struct {
	conv *waHistorySync.Conversation
	msgs []*waHistorySync.HistorySyncMsg
	meta bool // apply the conversation's settings (its first item)
}

// historyChunk is one batch of a history blob: about HistoryBatch messages
// of its conversations, and status posts. The items point into the
// conversations read from the blob; nothing is copied.
type historyChunk struct {
	index    int // 0 for the blob's first batch
	items    []historyItem
	statuses []*waWeb.WebMessageInfo
	last     bool // the blob's last batch: it carries the summary events
}

// historyCutter cuts a history blob into batches as it reads it, so that
// only the conversations of the batches being built and written are in
// memory, never the whole blob.
type historyCutter struct {
	in  *Ingester
	acc *Account
	src histsync.Source

	conv   *waHistorySync.Conversation // the conversation being cut
	rest   []*waHistorySync.HistorySyncMsg
	meta   bool
	peeked *histsync.Item
	eof    bool
	n      int // batches cut

	convs, msgs int // read so far
	bad         int // items that did not decode, skipped
}

// pull returns the blob's next item, or io.EOF. An item that does not
// decode is logged and skipped.
func (c *historyCutter) pull() (*histsync.Item, error) {
	if it := c.peeked; it != nil {
		c.peeked = nil
		return it, nil
	}
	for !c.eof {
		it, err := c.src.Next()
		switch {
		case err == io.EOF:
			c.eof = true
		case errors.Is(err, histsync.ErrBadItem):
			c.in.opts.Logger.Warn("ingest: skipped a history item that does not decode", "account", c.acc.ID, "error", err)
			c.bad++
		case err != nil:
			return nil, err
		default:
			return &it, nil
		}
	}
	return nil, io.EOF
}

// next cuts the next batch.
func (c *historyCutter) next() (*historyChunk, error) {
	b := &historyChunk{index: c.n}
	c.n++
	for n := 0; n < HistoryBatch; {
		if c.conv != nil {
			take := min(len(c.rest), HistoryBatch-n)
			b.items = append(b.items, historyItem{conv: c.conv, msgs: c.rest[:take], meta: c.meta})
			c.rest, c.meta, n = c.rest[take:], false, n+take
			if len(c.rest) == 0 {
				c.conv, c.rest = nil, nil
			}
			continue
		}
		it, err := c.pull()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch {
		case it.Conversation != nil:
			c.convs++
			c.msgs += len(it.Conversation.GetMessages())
			c.conv, c.rest, c.meta = it.Conversation, it.Conversation.GetMessages(), true
		case it.Status != nil:
			b.statuses = append(b.statuses, it.Status)
			n++
		}
	}
	if c.conv == nil {
		// The last batch carries the status posts' and the summary
		// events, so there is one even when the blob holds nothing.
		it, err := c.pull()
		switch {
		case err == io.EOF:
			b.last = true
		case err != nil:
			return nil, err
		default:
			c.peeked = it
		}
	}
	return b, nil
}

// historyRun is one history blob being stored.
type historyRun struct {
	head    *histsync.Head
	cut     *historyCutter
	finish  func(ctx context.Context, tx bun.IDB) error
	skipped int // records that could not be stored (see Tx.skip)
}

// errConflict reports that the account's records changed under a pipelined
// history (another writer); the rest is stored the ordinary way.
var errConflict = errors.New("account written concurrently")

// History stores a history sync blob read from src, in batches of about
// HistoryBatch messages, each its own transaction. The blob is read as a
// stream: conversations are read as batches need them, so memory holds a
// batch or two, not the blob. Redelivery is harmless: batches already
// stored change nothing. It returns nil once the last batch committed; on
// an error the batches before the failed one stay stored.
//
// finish, when not nil, runs in the transaction that stores the last
// batch: what must commit with the blob's end (the queue marking it done).
//
// Where the database allows a read beside an open transaction, batches are
// pipelined (see historyPipelined); otherwise each is one Apply. Either
// way the account's other writers (live events, sends) wait for the blob.
//
// It returns how many messages the blob held.
func (in *Ingester) History(ctx context.Context, acc *Account, src histsync.Source, finish func(ctx context.Context, tx bun.IDB) error) (int, error) {
	h := &historyRun{head: src.Head(), cut: &historyCutter{in: in, acc: acc, src: src}, finish: finish}
	err := in.history(ctx, acc, h)
	return h.cut.msgs, err
}

func (in *Ingester) history(ctx context.Context, acc *Account, h *historyRun) error {
	first, err := h.cut.next()
	if err != nil {
		return fmt.Errorf("ingest: read history: %w", err)
	}
	as := in.account(acc.ID)
	as.mu.Lock()
	defer as.mu.Unlock()
	pending := []*historyChunk{first}
	if !first.last && in.st.ConcurrentReads() {
		rest, err := in.historyPipelined(ctx, acc, as, h, first)
		if err == nil {
			return nil
		}
		as.reset() // caches may hold ids of rows that were not committed
		if !errors.Is(err, errConflict) {
			return fmt.Errorf("ingest: %w", err)
		}
		in.opts.Logger.Debug("ingest: history batch conflicted; storing the rest one transaction each", "account", acc.ID, "batch", rest[0].index)
		pending = rest
	}
	for {
		var b *historyChunk
		if len(pending) > 0 {
			b, pending = pending[0], pending[1:]
		} else if b, err = h.cut.next(); err != nil {
			return fmt.Errorf("ingest: read history: %w", err)
		}
		if err := in.applyLocked(ctx, acc, as, func(t *Tx) error { return t.historyStep(h, b) }); err != nil {
			return err
		}
		if b.last {
			return nil
		}
	}
}

// historyStep applies batch b of h to the transaction.
func (t *Tx) historyStep(h *historyRun, b *historyChunk) error {
	t.quiet = true // history reports progress, not every record
	t.hist = h
	head := h.head
	if b.index == 0 {
		if err := t.historyIdentities(head.Mappings, head.Pushnames); err != nil {
			return err
		}
	}
	if err := t.historyBatch(b.items); err != nil {
		return err
	}
	if err := t.historyStatuses(b.statuses); err != nil {
		return err
	}
	if !b.last {
		return nil
	}
	// Items of the blob that did not decode count as skipped records, once
	// the whole blob has been read.
	t.skipped += h.cut.bad
	h.skipped += h.cut.bad
	syncType := strings.ToLower(head.SyncType.String())
	summary := map[string]any{"sync_type": syncType, "progress": head.Progress,
		"chunk_order": head.ChunkOrder, "conversations": h.cut.convs, "messages": h.cut.msgs, "skipped": h.skipped}
	t.emitData(event.HistorySync, summary)
	if head.SyncType == waHistorySync.HistorySync_ON_DEMAND || head.Progress >= 100 {
		t.emitData(event.HistorySyncComplete, map[string]any{"sync_type": syncType,
			"conversations": h.cut.convs, "messages": h.cut.msgs})
	}
	t.finish = h.finish
	return nil
}

// historyPipelined stores the batches of h with two goroutines: while a
// writer stores and commits batch i, this one reads and builds batch i+1.
// That is one transaction per batch, as without the pipeline, built the
// way one transaction over the whole blob would be: the rows of batch i
// stay tracked (and win over what a read returns) until batch i has
// committed, and every other row is the same before and after that commit.
// The caller holds the account's lock, so no other writer of this process
// comes in between; each batch's transaction checks that the seq counter
// is still where this one left it (another process), and reports
// errConflict otherwise. On an error it returns the batches read but not
// committed, in order (to store them the ordinary way after a conflict).
func (in *Ingester) historyPipelined(ctx context.Context, acc *Account, as *accountState, h *historyRun, first *historyChunk) ([]*historyChunk, error) {
	seq, err := in.st.ReadCounter(ctx, acc.ID, store.CounterSeq)
	if err != nil {
		return []*historyChunk{first}, err
	}
	num, err := in.st.ReadCounter(ctx, acc.ID, store.CounterContact)
	if err != nil {
		return []*historyChunk{first}, err
	}
	t := in.newTx(ctx, acc, as, in.st.DB(), seq)
	t.nextNum = num + 1

	jobs := make(chan *writeSet)
	results := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		for ws := range jobs {
			results <- in.writeBatch(ctx, ws)
		}
	})
	defer func() {
		close(jobs)
		wg.Wait()
	}()
	var inFlight *historyChunk // being written
	unsaved := func(b *historyChunk) []*historyChunk {
		if inFlight != nil {
			return []*historyChunk{inFlight, b}
		}
		return []*historyChunk{b}
	}
	for b := first; ; {
		if b.index > 0 {
			t.now = in.opts.Now().UTC()
			clear(t.lidCache) // whatsmeow may have learned mappings meanwhile
		}
		if err := t.historyStep(h, b); err != nil {
			return unsaved(b), err
		}
		ws, err := t.collect(true)
		if err != nil {
			return unsaved(b), err
		}
		if inFlight != nil {
			if err := <-results; err != nil {
				return unsaved(b), err
			}
			inFlight = nil
		}
		jobs <- ws
		inFlight = b
		t.forgetStored(ws)
		if b.last {
			break
		}
		// Read the next batch while this one is written.
		if b, err = h.cut.next(); err != nil {
			if werr := <-results; werr != nil {
				return []*historyChunk{inFlight}, werr
			}
			return nil, fmt.Errorf("read history: %w", err)
		}
	}
	if err := <-results; err != nil {
		return []*historyChunk{inFlight}, err
	}
	t.publish()
	return nil, nil
}

// writeBatch stores one batch of a pipelined history in its own
// transaction. A panic there is an error of the batch, as it would be on
// the event handler's goroutine (whatsmeow recovers those); the
// transaction is rolled back.
func (in *Ingester) writeBatch(ctx context.Context, ws *writeSet) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic storing a history batch: %v", r)
		}
	}()
	return in.st.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		seq, err := in.st.LockCounter(ctx, tx, ws.account, store.CounterSeq)
		if err != nil {
			return err
		}
		if seq != ws.baseSeq {
			return errConflict
		}
		return ws.write(ctx, in.st, tx)
	})
}

// forgetStored drops the tracked messages that are stored as they are:
// every one but those of ws, which is being written. (The batch before ws
// has committed.) Later lookups read them from the database again, so the
// transaction holds one batch of messages, not the whole history.
func (t *Tx) forgetStored(ws *writeSet) {
	keep := make(map[string]bool, len(ws.newMsgs)+len(ws.msgRows))
	for _, ms := range [][]*store.Message{ws.newMsgs, ws.msgRows} {
		for _, m := range ms {
			keep[m.MessageID] = true
		}
	}
	order := t.msgOrder[:0]
	clear(t.byWAID)
	for _, id := range t.msgOrder {
		if !keep[id] {
			delete(t.msgs, id)
			continue
		}
		order = append(order, id)
		m := t.msgs[id].cur
		k := waKey{m.ConversationID, m.WAMessageID}
		t.byWAID[k] = append(t.byWAID[k], id)
	}
	clear(t.msgOrder[len(order):])
	t.msgOrder = order
	clear(t.fetchedWA) // its rows may be gone from t.msgs
}

// historyIdentities applies the blob's LID mappings and push names.
func (t *Tx) historyIdentities(mappings []*waHistorySync.PhoneNumberToLIDMapping, pushnames []*waHistorySync.Pushname) error {
	for _, m := range mappings {
		pn, err1 := types.ParseJID(m.GetPnJID())
		lid, err2 := types.ParseJID(m.GetLidJID())
		if err1 != nil || err2 != nil || !isUser(pn) || !isUser(lid) {
			continue
		}
		if err := t.guard("history mapping "+pn.String(), func() error { _, err := t.Person(pn, lid); return err }); err != nil {
			return err
		}
	}
	for _, p := range pushnames {
		j, err := types.ParseJID(p.GetID())
		if err != nil || !isUser(j) || p.GetPushname() == "" {
			continue
		}
		if err := t.guard("history push name of "+j.String(), func() error { return t.pushName(j, types.EmptyJID, p.GetPushname(), 0) }); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tx) historyBatch(items []historyItem) error {
	// Everything the batch's chats and senders will look up, in bulk.
	chats := make([]types.JID, len(items))
	var lookup, alts []types.JID
	for i, it := range items {
		chat, err := types.ParseJID(it.conv.GetID())
		if err != nil || ChatKind(chat) == "" {
			if it.meta {
				t.skip("history conversation %q: not a chat JID", it.conv.GetID())
			}
			continue
		}
		chats[i] = chat
		alt := types.EmptyJID
		for _, s := range []string{it.conv.GetPnJID(), it.conv.GetLidJID()} {
			if j, err := types.ParseJID(s); err == nil && isUser(j) && j.Server != chat.Server {
				alt = j
			}
		}
		lookup, alts = append(lookup, chat), append(alts, alt)
		if chat.Server == types.GroupServer {
			for _, hm := range it.msgs {
				for _, p := range []string{hm.GetMessage().GetParticipant(), hm.GetMessage().GetKey().GetParticipant()} {
					if j, err := types.ParseJID(p); err == nil && isUser(j) {
						lookup, alts = append(lookup, j), append(alts, types.EmptyJID)
					}
				}
			}
		}
	}
	if err := t.prefetchChats(lookup, alts); err != nil {
		return err
	}
	// Conversations first (their settings, and the ids to prefetch by).
	var convIDs, ids []string
	for i, it := range items {
		chat := chats[i]
		if chat.IsEmpty() {
			continue
		}
		var conv *store.Conversation
		err := t.guard("history conversation "+chat.String(), func() error {
			if it.meta {
				if err := t.historyConversation(chat, it.conv); err != nil {
					return err
				}
			}
			var err error
			conv, _, err = t.Chat(chat, types.EmptyJID)
			return err
		})
		if err != nil {
			return err
		}
		if conv == nil {
			chats[i] = types.EmptyJID // skipped: so are its messages
			continue
		}
		if r := t.convs[conv.ConversationID]; r != nil && r.isNew {
			// A conversation made in this transaction has no stored messages.
			for _, hm := range it.msgs {
				t.fetchedWA[waKey{conv.ConversationID, hm.GetMessage().GetKey().GetID()}] = true
			}
			continue
		}
		convIDs = append(convIDs, conv.ConversationID)
		for _, hm := range it.msgs {
			if id := hm.GetMessage().GetKey().GetID(); id != "" {
				ids = append(ids, id)
			}
		}
	}
	if err := t.prefetchMessages(convIDs, ids); err != nil {
		return err
	}
	for i, it := range items {
		if chats[i].IsEmpty() {
			continue
		}
		for _, hm := range it.msgs {
			wm := hm.GetMessage()
			if err := t.guard("history message "+wm.GetKey().GetID()+" of "+chats[i].String(), func() error {
				return t.historyMessage(chats[i], wm)
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

// historyConversation applies a conversation's settings from history: the
// fields the record states, as of the conversation's last activity (see
// the merge rules in state.go). A field it does not state is left alone.
func (t *Tx) historyConversation(chat types.JID, hc *waHistorySync.Conversation) error {
	alt := types.EmptyJID
	for _, s := range []string{hc.GetPnJID(), hc.GetLidJID()} {
		if j, err := types.ParseJID(s); err == nil && isUser(j) && j.Server != chat.Server {
			alt = j
		}
	}
	conv, peer, err := t.Chat(chat, alt)
	if err != nil {
		return err
	}
	ts := int64(max(hc.GetConversationTimestamp(), hc.GetLastMsgTimestamp())) * 1000
	ft := &conv.FieldTimes
	if conv.Kind == KindGroup && hc.GetName() != "" {
		setString(ft, fieldSubject, ts, &conv.Subject, hc.GetName())
	}
	if conv.Kind == KindGroup && hc.Description != nil {
		setString(ft, fieldTopic, ts, &conv.Topic, hc.GetDescription())
	}
	if conv.Kind == KindGroup && len(hc.GetParticipant()) > 0 && stated(ft, fieldParticipants, ts, 0, 0) {
		parts := make([]*store.Participant, 0, len(hc.GetParticipant()))
		for _, gp := range hc.GetParticipant() {
			j, err := types.ParseJID(gp.GetUserJID())
			if err != nil || !isUser(j) {
				t.skip("history participant %q of %s is not a user JID", gp.GetUserJID(), chat)
				continue
			}
			r := "member"
			switch gp.GetRank() {
			case waHistorySync.GroupParticipant_ADMIN:
				r = "admin"
			case waHistorySync.GroupParticipant_SUPERADMIN:
				r = "superadmin"
			}
			p, err := t.participant(conv, j, types.EmptyJID, r)
			if isSkip(err) {
				t.skip("%v", err)
				continue
			} else if err != nil {
				return err
			}
			parts = append(parts, p)
		}
		conv.Participants = dedupParticipants(parts)
	}
	if peer != nil && hc.GetDisplayName() != "" {
		// The name the phone shows for the chat: older than any push name.
		t.setPushName(peer, hc.GetDisplayName(), -1)
	}
	if hc.Archived != nil {
		setBool(ft, fieldArchived, ts, &conv.IsArchived, hc.GetArchived())
	}
	if hc.Pinned != nil {
		setBool(ft, fieldPinned, ts, &conv.IsPinned, hc.GetPinned() > 0)
	}
	if hc.UnreadCount != nil || hc.MarkedAsUnread != nil {
		unread := int(hc.GetUnreadCount())
		if hc.GetMarkedAsUnread() && unread == 0 {
			unread = 1
		}
		setInt(ft, fieldUnread, ts, &conv.UnreadCount, unread)
	}
	if hc.MuteEndTime != nil {
		var until time.Time
		if end := hc.GetMuteEndTime(); end > 0 {
			until = muteTime(int64(end))
		}
		setTime(ft, fieldMuted, ts, &conv.MutedUntil, until)
	}
	if hc.EphemeralExpiration != nil {
		ets := ts
		if hc.EphemeralSettingTimestamp != nil {
			ets = hc.GetEphemeralSettingTimestamp() * 1000
		}
		setInt(ft, fieldEphemeral, ets, &conv.EphemeralSecs, int(hc.GetEphemeralExpiration()))
	}
	if at := hc.GetLastMsgTimestamp(); at > 0 {
		t.touch(conv, muteTime(int64(at)))
	}
	return nil
}

var historyStatus = map[waWeb.WebMessageInfo_Status]string{
	waWeb.WebMessageInfo_ERROR:        StatusFailed,
	waWeb.WebMessageInfo_PENDING:      StatusPending,
	waWeb.WebMessageInfo_SERVER_ACK:   StatusSent,
	waWeb.WebMessageInfo_DELIVERY_ACK: StatusDelivered,
	waWeb.WebMessageInfo_READ:         StatusRead,
	waWeb.WebMessageInfo_PLAYED:       StatusPlayed,
}

// historyMessage stores one history message through the live path.
func (t *Tx) historyMessage(chat types.JID, wm *waWeb.WebMessageInfo) error {
	if wm == nil || t.acc.Local == nil {
		return nil
	}
	evt, err := t.acc.Local.ParseWebMessage(chat, wm)
	if err != nil {
		// Unattributable messages (no sender) cannot be stored; skip them.
		t.in.opts.Logger.Debug("ingest: skip history message", "account", t.acc.ID, "id", wm.GetKey().GetID(), "error", err)
		return nil
	}
	if evt.Message == nil {
		return t.historyStub(evt, wm)
	}
	raw := &events.Message{RawMessage: evt.RawMessage}
	raw.UnwrapRaw()
	if raw.Message.GetProtocolMessage().GetType() == waE2E.ProtocolMessage_MESSAGE_EDIT { // rewritten by ParseWebMessage
		return t.edit(evt, evt.Info.ID, evt.Message, false)
	}
	if err := t.message(evt, false); err != nil {
		return err
	}
	if len(wm.GetReactions()) == 0 && (!evt.Info.IsFromMe || wm.Status == nil) {
		return nil
	}
	src, err := t.resolveSource(&evt.Info)
	if err != nil {
		return err
	}
	fromMe := src.fromMe
	m, err := t.findMessage(src.conv, evt.Info.ID, &fromMe, src.senderKey())
	if err != nil || m == nil {
		return err
	}
	if fromMe && wm.Status != nil {
		if s, ok := historyStatus[wm.GetStatus()]; ok && m.DeletedAt.IsZero() {
			advance(m, s)
		}
	}
	for _, r := range wm.GetReactions() {
		if r.GetText() == "" {
			continue
		}
		who, err := t.historyReactor(src, r.GetKey().GetFromMe(), r.GetKey().GetParticipant())
		if err != nil {
			return err
		}
		if who != "" {
			setReaction(m, who, r.GetText(), r.GetSenderTimestampMS())
		}
	}
	return nil
}

// historyStub stores a history stub: a REVOKE is a tombstone of the
// message its key names, the notices a chat shows are system messages (see
// stubs.go), others are not stored.
func (t *Tx) historyStub(evt *events.Message, wm *waWeb.WebMessageInfo) error {
	switch st := wm.GetMessageStubType(); st {
	case waWeb.WebMessageInfo_UNKNOWN:
		return nil
	case waWeb.WebMessageInfo_REVOKE, waWeb.WebMessageInfo_ADMIN_REVOKE:
		src, err := t.resolveSource(&evt.Info)
		if err != nil {
			return err
		}
		m, err := t.messageRow(src, evt.Info.ID)
		if err != nil {
			return err
		}
		if m.SentAt.IsZero() {
			m.SentAt = evt.Info.Timestamp.UTC()
		}
		if m.ReceivedAt.IsZero() {
			m.ReceivedAt = m.SentAt
		}
		tombstone(m, evt.Info.Timestamp)
		if m.SentAt.After(src.conv.LastMessageAt) {
			src.conv.LastMessageAt = m.SentAt
		}
		return nil
	}
	c := t.stubContent(&evt.Info, wm)
	if c == nil {
		return nil
	}
	_, err := t.storeMessage(evt, c, false)
	return err
}

// historyReactor names who reacted, as a reactions-map key.
func (t *Tx) historyReactor(src *source, fromMe bool, participant string) (string, error) {
	if fromMe {
		return t.acc.Own.String(), nil
	}
	if j, err := types.ParseJID(participant); err == nil && isUser(j) {
		if t.isOwn(j) {
			return t.acc.Own.String(), nil
		}
		c, err := t.Person(j, types.EmptyJID)
		if err != nil {
			return "", err
		}
		return preferredJID(c), nil
	}
	if src.conv.Kind == KindDirect {
		c, err := t.contactByID(src.conv.DirectPersonID)
		if err != nil || c == nil {
			return "", err
		}
		return preferredJID(c), nil
	}
	return "", nil
}

// historyStatuses stores status posts from history.
func (t *Tx) historyStatuses(msgs []*waWeb.WebMessageInfo) error {
	for _, wm := range msgs {
		if err := t.guard("history status "+wm.GetKey().GetID(), func() error { return t.historyMessage(types.StatusBroadcastJID, wm) }); err != nil {
			return err
		}
	}
	return nil
}
