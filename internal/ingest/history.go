package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser/store"
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

// historyPlan is a history blob cut into batches of about HistoryBatch
// messages. The items point into the blob; nothing is copied.
type historyPlan struct {
	data        *waHistorySync.HistorySync
	batches     [][]historyItem
	convs, msgs int
	skipped     int // records that could not be stored (see Tx.skip)
}

func planHistory(data *waHistorySync.HistorySync) *historyPlan {
	h := &historyPlan{data: data}
	var (
		batch []historyItem
		n     int
	)
	for _, conv := range data.GetConversations() {
		h.convs++
		msgs := conv.GetMessages()
		h.msgs += len(msgs)
		meta := true
		for len(msgs) > 0 || meta {
			take := min(len(msgs), HistoryBatch-n)
			batch = append(batch, historyItem{conv: conv, msgs: msgs[:take], meta: meta})
			msgs, meta, n = msgs[take:], false, n+take
			if n >= HistoryBatch {
				h.batches, batch, n = append(h.batches, batch), nil, 0
			}
		}
	}
	// The last batch also carries the status posts and the summary events,
	// so there is one even when the blob holds no conversations.
	h.batches = append(h.batches, batch)
	return h
}

// errConflict reports that the account's records changed under a pipelined
// history (another writer); the rest is stored the ordinary way.
var errConflict = errors.New("account written concurrently")

// history stores a history sync blob in batches of about HistoryBatch
// messages, each its own transaction. The blob is read in place, never
// copied. Redelivery is harmless: batches already stored change nothing.
//
// Where the database allows a read beside an open transaction, batches are
// pipelined (see historyPipelined); otherwise each is one Apply. Either
// way the account's other writers (live events, sends) wait for the blob.
func (in *Ingester) history(ctx context.Context, acc *Account, evt *events.HistorySync) error {
	if evt.Data == nil {
		return nil
	}
	h := planHistory(evt.Data)
	as := in.account(acc.ID)
	as.mu.Lock()
	defer as.mu.Unlock()
	from := 0
	if len(h.batches) > 1 && in.st.ConcurrentReads() {
		done, err := in.historyPipelined(ctx, acc, as, h)
		if err == nil {
			return nil
		}
		as.reset() // caches may hold ids of rows that were not committed
		if !errors.Is(err, errConflict) {
			return fmt.Errorf("ingest: %w", err)
		}
		in.opts.Logger.Debug("ingest: history batch conflicted; storing the rest one transaction each", "account", acc.ID, "batch", done)
		from = done
	}
	for i := from; i < len(h.batches); i++ {
		if err := in.applyLocked(ctx, acc, as, func(t *Tx) error { return t.historyStep(h, i) }); err != nil {
			return err
		}
	}
	return nil
}

// historyStep applies batch i of h to the transaction.
func (t *Tx) historyStep(h *historyPlan, i int) error {
	t.quiet = true // history reports progress, not every record
	t.hist = h
	data := h.data
	if i == 0 {
		if err := t.historyIdentities(data); err != nil {
			return err
		}
	}
	if err := t.historyBatch(h.batches[i]); err != nil {
		return err
	}
	if i < len(h.batches)-1 {
		return nil
	}
	if err := t.historyStatuses(data.GetStatusV3Messages()); err != nil {
		return err
	}
	syncType := strings.ToLower(data.GetSyncType().String())
	summary := map[string]any{"sync_type": syncType, "progress": data.GetProgress(),
		"chunk_order": data.GetChunkOrder(), "conversations": h.convs, "messages": h.msgs, "skipped": h.skipped}
	t.emitData("history.sync", summary)
	if data.GetSyncType() == waHistorySync.HistorySync_ON_DEMAND || data.GetProgress() >= 100 {
		t.emitData("history.sync_complete", map[string]any{"sync_type": syncType,
			"conversations": h.convs, "messages": h.msgs})
	}
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
// errConflict otherwise. It returns how many batches were committed.
func (in *Ingester) historyPipelined(ctx context.Context, acc *Account, as *accountState, h *historyPlan) (int, error) {
	seq, err := in.st.ReadCounter(ctx, acc.ID, store.CounterSeq)
	if err != nil {
		return 0, err
	}
	num, err := in.st.ReadCounter(ctx, acc.ID, store.CounterContact)
	if err != nil {
		return 0, err
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
	committed, inFlight := 0, false
	for i := range h.batches {
		if i > 0 {
			t.now = in.opts.Now().UTC()
			clear(t.lidCache) // whatsmeow may have learned mappings meanwhile
		}
		if err := t.historyStep(h, i); err != nil {
			return committed, err
		}
		ws, err := t.collect(true)
		if err != nil {
			return committed, err
		}
		if inFlight {
			if err := <-results; err != nil {
				return committed, err
			}
			committed++
		}
		jobs <- ws
		inFlight = true
		t.forgetStored(ws)
	}
	if err := <-results; err != nil {
		return committed, err
	}
	t.publish()
	return committed + 1, nil
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
		return ws.write(ctx, tx)
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
		k := m.ConversationID + "\x00" + m.WAMessageID
		t.byWAID[k] = append(t.byWAID[k], id)
	}
	clear(t.msgOrder[len(order):])
	t.msgOrder = order
	clear(t.fetchedWA) // its rows may be gone from t.msgs
}

// historyIdentities applies the blob's LID mappings and push names.
func (t *Tx) historyIdentities(data *waHistorySync.HistorySync) error {
	for _, m := range data.GetPhoneNumberToLidMappings() {
		pn, err1 := types.ParseJID(m.GetPnJID())
		lid, err2 := types.ParseJID(m.GetLidJID())
		if err1 != nil || err2 != nil || !isUser(pn) || !isUser(lid) {
			continue
		}
		if err := t.guard("history mapping "+pn.String(), func() error { _, err := t.Person(pn, lid); return err }); err != nil {
			return err
		}
	}
	for _, p := range data.GetPushnames() {
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
				t.fetchedWA[conv.ConversationID+"\x00"+hm.GetMessage().GetKey().GetID()] = true
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
