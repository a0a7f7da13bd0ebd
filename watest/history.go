package watest

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// HistoryBlob is a history sync blob as the phone uploads it to WhatsApp's
// media servers: a zlib-compressed waHistorySync.HistorySync. Build one
// conversation at a time with NewHistoryBlob and AddConversation (a large
// history need never be held decoded), or from a whole HistorySync with
// HistoryBlobOf; deliver it with Conn.EmitHistoryBlob.
type HistoryBlob struct {
	syncType   waHistorySync.HistorySync_HistorySyncType
	chunkOrder uint32
	progress   uint32

	buf   bytes.Buffer
	zw    *zlib.Writer // nil once finished
	field []byte
	data  []byte
}

// NewHistoryBlob starts a blob of the given sync type, chunk order and
// progress (100 on the last chunk of a sync).
func NewHistoryBlob(syncType waHistorySync.HistorySync_HistorySyncType, chunkOrder, progress uint32) *HistoryBlob {
	b := &HistoryBlob{syncType: syncType, chunkOrder: chunkOrder, progress: progress}
	b.zw = zlib.NewWriter(&b.buf)
	var head []byte
	head = protowire.AppendTag(head, 1, protowire.VarintType)
	head = protowire.AppendVarint(head, uint64(syncType))
	head = protowire.AppendTag(head, 5, protowire.VarintType)
	head = protowire.AppendVarint(head, uint64(chunkOrder))
	head = protowire.AppendTag(head, 6, protowire.VarintType)
	head = protowire.AppendVarint(head, uint64(progress))
	_, _ = b.zw.Write(head) // a bytes.Buffer does not fail
	return b
}

// HistoryBlobOf returns data as a blob.
func HistoryBlobOf(data *waHistorySync.HistorySync) (*HistoryBlob, error) {
	raw, err := proto.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("watest: marshal history sync: %w", err)
	}
	b := &HistoryBlob{syncType: data.GetSyncType(), chunkOrder: data.GetChunkOrder(), progress: data.GetProgress()}
	zw := zlib.NewWriter(&b.buf)
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	b.data = b.buf.Bytes()
	return b, nil
}

// AddConversation appends conv to the blob (field 2 of the HistorySync,
// as proto.Marshal would write it).
func (b *HistoryBlob) AddConversation(conv *waHistorySync.Conversation) error {
	if b.zw == nil {
		return errors.New("watest: history blob already finished")
	}
	raw, err := proto.Marshal(conv)
	if err != nil {
		return fmt.Errorf("watest: marshal conversation: %w", err)
	}
	b.field = protowire.AppendTag(b.field[:0], 2, protowire.BytesType)
	b.field = protowire.AppendVarint(b.field, uint64(len(raw)))
	if _, err := b.zw.Write(b.field); err != nil {
		return err
	}
	_, err = b.zw.Write(raw)
	return err
}

// Bytes finishes the blob and returns its compressed bytes; nothing can
// be added after.
func (b *HistoryBlob) Bytes() ([]byte, error) {
	if b.zw != nil {
		if err := b.zw.Close(); err != nil {
			return nil, err
		}
		b.zw = nil
		b.data = b.buf.Bytes()
	}
	return b.data, nil
}

// UploadHistory puts blob on the Fake's media servers, as the phone does
// before it tells the account, and returns the notification the phone then
// sends (see HistorySyncMessage). The file's direct path and media key
// derive from its bytes, so a Fake made anew (a test of a process that
// restarts) serves a blob uploaded again at the same address, as
// WhatsApp's servers keep it across the account's restarts.
func (f *Fake) UploadHistory(blob *HistoryBlob) (*waE2E.HistorySyncNotification, error) {
	data, err := blob.Bytes()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	key := sha256.Sum256(append([]byte("watest history media key\x00"), sum[:]...))
	path := "/v/t62.15575-24/" + hex.EncodeToString(sum[:12]) + "_watest_history.enc?ccb=11-4"
	f.mu.Lock()
	f.media[path] = &mediaFile{data: data, key: key[:], typ: whatsmeow.MediaHistory}
	f.mu.Unlock()
	return &waE2E.HistorySyncNotification{
		FileSHA256:    sum[:],
		FileEncSHA256: sum[:],
		FileLength:    proto.Uint64(uint64(len(data))),
		MediaKey:      key[:],
		DirectPath:    proto.String(path),
		SyncType:      waE2E.HistorySyncType(blob.syncType).Enum(),
		ChunkOrder:    proto.Uint32(blob.chunkOrder),
		Progress:      proto.Uint32(blob.progress),
	}, nil
}

// HistorySyncMessage returns the *events.Message whatsmeow dispatches when
// the account's phone (own, its phone-number JID) announces a history
// blob: a peer protocol message carrying notif. (wauser has whatsmeow
// dispatch that message rather than download the blob itself.)
func HistorySyncMessage(own types.JID, id string, at time.Time, notif *waE2E.HistorySyncNotification) *events.Message {
	evt := Message(own.ToNonAD(), own.ToNonAD(), id, at, &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
		Type:                    waE2E.ProtocolMessage_HISTORY_SYNC_NOTIFICATION.Enum(),
		HistorySyncNotification: notif,
	}})
	evt.Info.IsFromMe = true
	evt.Info.Category = "peer"
	return evt
}

// EmitHistoryBlob plays the phone sending the account a history blob:
// the blob is uploaded (UploadHistory) and the account gets the message
// announcing it (HistorySyncMessage). It reports whether every handler
// returned true, that is, whether the notification was stored: a wauser
// Client then downloads and stores the blob in the background
// (wauser.Status.HistoryPending counts the blobs not stored yet).
func (c *Conn) EmitHistoryBlob(blob *HistoryBlob) bool {
	notif, err := c.fake.UploadHistory(blob)
	if err != nil {
		return false
	}
	pn, _ := c.self()
	c.fake.mu.Lock()
	ts := c.fake.now()
	c.fake.mu.Unlock()
	return c.Emit(HistorySyncMessage(pn, nextID(), ts, notif))
}
