package ingest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/store"
)

// HistoryNotification returns the history sync notification evt carries,
// or nil. Only the account's own devices (its phone) announce history, as
// whatsmeow checks too.
func HistoryNotification(evt any) *waE2E.HistorySyncNotification {
	e, ok := evt.(*events.Message)
	if !ok || !e.Info.IsFromMe {
		return nil
	}
	unwrap(e)
	return e.Message.GetProtocolMessage().GetHistorySyncNotification()
}

// queueHistory stores the history sync notification e carries, if any, as
// a job of the account's sync queue, in the transaction that acknowledges
// e: once WhatsApp has it acknowledged, the blob it announces is
// downloaded and stored by the queue, however often that has to be tried.
// The same notification delivered again is not queued twice.
func (t *Tx) queueHistory(e *events.Message) error {
	n := HistoryNotification(e)
	if n == nil {
		return nil
	}
	raw, err := proto.Marshal(n)
	if err != nil {
		return err
	}
	id := e.Info.ID
	if id == "" {
		sum := sha256.Sum256(raw)
		id = "sha256:" + hex.EncodeToString(sum[:16])
	}
	queued, err := store.QueueSyncJob(t.ctx, t.db, &store.SyncJob{
		AccountID: t.acc.ID, Kind: store.JobHistory, ID: id,
		Payload: base64.StdEncoding.EncodeToString(raw), CreatedAt: t.now,
	})
	if err != nil {
		return err
	}
	t.in.opts.Logger.Debug("ingest: history sync notification", "account", t.acc.ID, "id", id, "queued", queued,
		"sync_type", n.GetSyncType().String(), "chunk", n.GetChunkOrder(), "progress", n.GetProgress())
	return nil
}
