package ingest

import (
	"sync"
	"time"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser/internal/event"
)

// Calls are events, not records: an offer, its answer and its end become
// call.offer, call.accepted and call.ended or call.missed events, with
// data {"call_id", "from", "creator", "group", "media", "at", "reason"}.
//
// "Missed" is decided as WhatsApp's apps show it: a call that ended
// without being answered (on any of the account's devices) was missed,
// whether the caller gave up, it rang out ("timeout") or it was declined;
// answered on the phone, it ends on linked devices with the reason
// "accepted_elsewhere", which is call.accepted. To
// know that, the ingester remembers the calls it saw offered until they
// end, in memory: a call offered before a restart of the process and ended
// after it is reported as call.ended, as nothing is known of it.

// callBook remembers the calls of every account that rang and have not
// ended, and whether they were answered.
type callBook struct {
	mu    sync.Mutex
	calls map[callKey]*callState
}

// callKey names a call of an account.
type callKey struct{ account, id string }

type callState struct {
	answered bool
	since    time.Time
}

// maxCallAge bounds how long a call is remembered: one whose end never
// came is forgotten after it.
const maxCallAge = 12 * time.Hour

func (b *callBook) offer(account, id string, at time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.calls == nil {
		b.calls = map[callKey]*callState{}
	}
	for k, c := range b.calls {
		if at.Sub(c.since) > maxCallAge {
			delete(b.calls, k)
		}
	}
	if _, ok := b.calls[callKey{account, id}]; !ok {
		b.calls[callKey{account, id}] = &callState{since: at}
	}
}

func (b *callBook) answer(account, id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c := b.calls[callKey{account, id}]; c != nil {
		c.answered = true
	}
}

// end forgets a call and reports whether it rang here without being
// answered.
func (b *callBook) end(account, id string) (missed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.calls[callKey{account, id}]
	delete(b.calls, callKey{account, id})
	return c != nil && !c.answered
}

// call turns a whatsmeow call event into a call.* event.
func (t *Tx) call(evt any) error {
	var (
		meta  types.BasicCallMeta
		typ   event.Type
		media = ""
		group bool
		extra = map[string]any{}
	)
	book, account := &t.in.calls, t.acc.ID
	switch e := evt.(type) {
	case *events.CallOffer:
		meta, typ = e.BasicCallMeta, event.CallOffer
		media = "audio"
		if e.Data != nil {
			if _, ok := e.Data.GetOptionalChildByTag("video"); ok {
				media = "video"
			}
		}
		book.offer(account, meta.CallID, t.now)
	case *events.CallOfferNotice:
		meta, typ, media, group = e.BasicCallMeta, event.CallOffer, e.Media, e.Type == "group"
		book.offer(account, meta.CallID, t.now)
	case *events.CallAccept:
		meta, typ = e.BasicCallMeta, event.CallAccepted
		book.answer(account, meta.CallID)
	case *events.CallTerminate:
		meta, typ = e.BasicCallMeta, event.CallEnded
		if e.Reason != "" {
			extra["reason"] = e.Reason
		}
		switch {
		case e.Reason == "accepted_elsewhere":
			// Another of the account's devices (the phone) answered:
			// the call goes on there, this device is out of it.
			typ = event.CallAccepted
			book.answer(account, meta.CallID)
		case book.end(account, meta.CallID):
			typ = event.CallMissed
		}
	case *events.CallReject:
		meta, typ = e.BasicCallMeta, event.CallEnded
		extra["reason"] = "rejected"
		if book.end(account, meta.CallID) {
			typ = event.CallMissed
		}
	default:
		return nil
	}
	if meta.CallID == "" {
		return nil
	}
	data := map[string]any{"call_id": meta.CallID, "from": meta.From.ToNonAD().String(), "group": group || !meta.GroupJID.IsEmpty()}
	if !meta.CallCreator.IsEmpty() {
		data["creator"] = meta.CallCreator.ToNonAD().String()
	}
	if !meta.GroupJID.IsEmpty() {
		data["group_jid"] = meta.GroupJID.String()
	}
	if media != "" {
		data["media"] = media
	}
	if !meta.Timestamp.IsZero() {
		data["at"] = meta.Timestamp.UTC().Format(time.RFC3339)
	}
	for k, v := range extra {
		data[k] = v
	}
	t.emitData(typ, data)
	return nil
}
