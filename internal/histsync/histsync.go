// Package histsync reads WhatsApp history sync blobs as a stream.
//
// A blob, as the phone uploads it, is a zlib-compressed
// waHistorySync.HistorySync. Decoded whole, a large initial history takes
// hundreds of MiB; here it is read twice from its compressed bytes
// instead, and never held decoded:
//
//   - Scan decodes only the blob's small fields (sync type, chunk order,
//     progress, push names, phone-number-to-LID mappings, global settings)
//     and walks each conversation, without decoding it, for the keys
//     whatsmeow keeps in its device store (message secrets, privacy
//     tokens). Those must be stored before the conversations are: the
//     mappings decide which person a message belongs to.
//   - A Reader then decompresses the blob again and yields its
//     conversations and status posts one at a time.
//
// Memory is bounded by the largest conversation (at most MaxItemBytes
// encoded), not by the blob. The top-level fields may come in any order;
// unknown fields are skipped. A blob whose structure is broken (bad zlib
// data, a truncated field, an impossible length) fails Scan with an error
// matching ErrMalformed; a single conversation or status post that does
// not decode is reported by Reader.Next as ErrBadItem, and the rest of the
// blob can still be read.
package histsync

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// MaxItemBytes is the largest encoded conversation or status post read; a
// larger one is skipped as a bad item.
const MaxItemBytes = 256 << 20

// maxSmallBytes bounds the small fields (a push name, a mapping, the
// global settings).
const maxSmallBytes = 1 << 20

// maxGroupDepth bounds the nesting of (deprecated) group fields skipped at
// the top level.
const maxGroupDepth = 64

// Field numbers of waHistorySync.HistorySync.
const (
	fieldSyncType       = 1
	fieldConversations  = 2
	fieldStatuses       = 3
	fieldChunkOrder     = 5
	fieldProgress       = 6
	fieldPushnames      = 7
	fieldGlobalSettings = 8
	fieldMappings       = 15
)

var (
	// ErrMalformed is returned when a blob cannot be read at all: bad
	// zlib data or a broken structure. Nothing of such a blob should be
	// stored.
	ErrMalformed = errors.New("malformed history sync blob")
	// ErrBadItem is returned by Reader.Next for one conversation or
	// status post that does not decode (or is larger than MaxItemBytes);
	// the next call goes on with the item after it.
	ErrBadItem = errors.New("undecodable item in history sync blob")
)

// unmarshal decodes an item leniently: a conversation without its
// (required) id decodes, and is then skipped by its consumer as a chat it
// cannot name. With merge, b is merged into m (a message field given
// twice, as proto.Unmarshal merges it).
func unmarshal(b []byte, m proto.Message, merge bool) error {
	return proto.UnmarshalOptions{AllowPartial: true, DiscardUnknown: true, Merge: merge}.Unmarshal(b, m)
}

// Head holds a blob's small fields, read by Scan before any conversation.
type Head struct {
	SyncType       waHistorySync.HistorySync_HistorySyncType
	ChunkOrder     uint32
	Progress       uint32
	Pushnames      []*waHistorySync.Pushname
	Mappings       []*waHistorySync.PhoneNumberToLIDMapping
	GlobalSettings *waHistorySync.GlobalSettings // nil when absent

	// Counts of what the blob holds, as Scan saw it.
	Conversations, Messages, Statuses int
	// Skipped counts items Scan could not decode (small fields, and
	// conversations whose structure is broken or too large).
	Skipped int
}

// Item is one conversation or one status post of a blob.
type Item struct {
	Conversation *waHistorySync.Conversation
	Status       *waWeb.WebMessageInfo
}

// Source is a history blob read as a stream: its head first, then its
// items one at a time.
type Source interface {
	// Head returns the blob's small fields.
	Head() *Head
	// Next returns the next item, io.EOF after the last, or an error
	// matching ErrBadItem for one item that does not decode (call Next
	// again to go on). Any other error ends the stream.
	Next() (Item, error)
}

// Decoded returns data, a history sync already decoded (whatsmeow's
// *events.HistorySync), as a Source. Its items are data's, not copies.
func Decoded(data *waHistorySync.HistorySync) Source {
	h := &Head{
		SyncType:       data.GetSyncType(),
		ChunkOrder:     data.GetChunkOrder(),
		Progress:       data.GetProgress(),
		Pushnames:      data.GetPushnames(),
		Mappings:       data.GetPhoneNumberToLidMappings(),
		GlobalSettings: data.GetGlobalSettings(),
		Conversations:  len(data.GetConversations()),
		Statuses:       len(data.GetStatusV3Messages()),
	}
	for _, c := range data.GetConversations() {
		h.Messages += len(c.GetMessages())
	}
	return &decoded{head: h, convs: data.GetConversations(), statuses: data.GetStatusV3Messages()}
}

type decoded struct {
	head     *Head
	convs    []*waHistorySync.Conversation
	statuses []*waWeb.WebMessageInfo
}

func (d *decoded) Head() *Head { return d.head }

func (d *decoded) Next() (Item, error) {
	switch {
	case len(d.convs) > 0:
		c := d.convs[0]
		d.convs = d.convs[1:]
		return Item{Conversation: c}, nil
	case len(d.statuses) > 0:
		s := d.statuses[0]
		d.statuses = d.statuses[1:]
		return Item{Status: s}, nil
	}
	return Item{}, io.EOF
}

// ConversationKeys is what Scan reports of one conversation: what
// whatsmeow keeps of a history blob in its device store.
type ConversationKeys struct {
	ID                     string // the chat JID, as the blob names it
	TcToken                []byte // privacy token, nil when absent
	TcTokenTimestamp       uint64
	TcTokenSenderTimestamp uint64
	Secrets                []MessageSecret
}

// MessageSecret is the secret of one history message (for decrypting
// later poll votes, reactions and edits that refer to it).
type MessageSecret struct {
	ID             string // the message's WhatsApp id
	FromMe         bool
	KeyParticipant string // the key's participant (groups)
	Participant    string // the message's participant (groups)
	Secret         []byte
}

// Scan reads blob once and returns its head. For every conversation
// whose structure it can walk it calls keys (when not nil) with the
// conversation's keys; an error from keys ends the scan and is returned.
// A blob that cannot be read fails with an error matching ErrMalformed.
func Scan(blob []byte, keys func(*ConversationKeys) error) (*Head, error) {
	s, err := open(blob)
	if err != nil {
		return nil, err
	}
	h := &Head{}
	for {
		num, typ, err := s.tag()
		if err == io.EOF {
			return h, nil
		}
		if err != nil {
			return nil, err
		}
		switch {
		case typ == protowire.VarintType && (num == fieldSyncType || num == fieldChunkOrder || num == fieldProgress):
			v, err := s.varint()
			if err != nil {
				return nil, err
			}
			switch num {
			case fieldSyncType:
				// As proto.Unmarshal does: any value, known or not.
				h.SyncType = waHistorySync.HistorySync_HistorySyncType(int32(v))
			case fieldChunkOrder:
				h.ChunkOrder = uint32(v)
			case fieldProgress:
				h.Progress = uint32(v)
			}
		case typ == protowire.BytesType && num == fieldConversations:
			b, ok, err := s.item(MaxItemBytes)
			if err != nil {
				return nil, err
			}
			h.Conversations++
			if !ok {
				h.Skipped++
				continue
			}
			k, msgs, err := walkConversation(b)
			if err != nil {
				h.Skipped++
				continue
			}
			h.Messages += msgs
			if keys != nil {
				if err := keys(k); err != nil {
					return nil, err
				}
			}
		case typ == protowire.BytesType && num == fieldStatuses:
			if err := s.skip(typ, 0); err != nil {
				return nil, err
			}
			h.Statuses++
		case typ == protowire.BytesType && (num == fieldPushnames || num == fieldGlobalSettings || num == fieldMappings):
			b, ok, err := s.item(maxSmallBytes)
			if err != nil {
				return nil, err
			}
			if !ok || h.small(num, b) != nil {
				h.Skipped++
			}
		default:
			if err := s.skip(typ, 0); err != nil {
				return nil, err
			}
		}
	}
}

// small decodes one small field into h.
func (h *Head) small(num protowire.Number, b []byte) error {
	switch num {
	case fieldPushnames:
		p := new(waHistorySync.Pushname)
		if err := unmarshal(b, p, false); err != nil {
			return err
		}
		h.Pushnames = append(h.Pushnames, p)
	case fieldMappings:
		m := new(waHistorySync.PhoneNumberToLIDMapping)
		if err := unmarshal(b, m, false); err != nil {
			return err
		}
		h.Mappings = append(h.Mappings, m)
	case fieldGlobalSettings:
		// A message field given twice is merged, as proto.Unmarshal does.
		gs := h.GlobalSettings
		if gs == nil {
			gs = new(waHistorySync.GlobalSettings)
		}
		if err := unmarshal(b, gs, true); err != nil {
			return err
		}
		h.GlobalSettings = gs
	}
	return nil
}

// Reader yields a blob's conversations and status posts one at a time.
type Reader struct {
	head *Head
	s    *stream
	err  error // sticky: the stream is broken
}

var _ Source = (*Reader)(nil)

// NewReader returns a Reader over blob, whose head Scan returned.
func NewReader(blob []byte, head *Head) (*Reader, error) {
	s, err := open(blob)
	if err != nil {
		return nil, err
	}
	return &Reader{head: head, s: s}, nil
}

// Head returns the head given to NewReader.
func (r *Reader) Head() *Head { return r.head }

// Next returns the next conversation or status post (see Source).
func (r *Reader) Next() (Item, error) {
	if r.err != nil {
		return Item{}, r.err
	}
	for {
		num, typ, err := r.s.tag()
		if err != nil {
			r.err = err
			return Item{}, err
		}
		if typ != protowire.BytesType || (num != fieldConversations && num != fieldStatuses) {
			if err := r.s.skip(typ, 0); err != nil {
				r.err = err
				return Item{}, err
			}
			continue
		}
		what := "conversation"
		if num == fieldStatuses {
			what = "status post"
		}
		b, ok, err := r.s.item(MaxItemBytes)
		if err != nil {
			r.err = err
			return Item{}, err
		}
		if !ok {
			return Item{}, fmt.Errorf("%w: %s larger than %d bytes", ErrBadItem, what, MaxItemBytes)
		}
		if num == fieldConversations {
			c := new(waHistorySync.Conversation)
			if err := unmarshal(b, c, false); err != nil {
				return Item{}, fmt.Errorf("%w: %s: %w", ErrBadItem, what, err)
			}
			return Item{Conversation: c}, nil
		}
		m := new(waWeb.WebMessageInfo)
		if err := unmarshal(b, m, false); err != nil {
			return Item{}, fmt.Errorf("%w: %s: %w", ErrBadItem, what, err)
		}
		return Item{Status: m}, nil
	}
}

// stream reads the top-level fields of a decompressed blob.
type stream struct {
	br  *bufio.Reader
	buf []byte // reused for each item (proto.Unmarshal copies what it keeps)
}

func open(blob []byte) (*stream, error) {
	zr, err := zlib.NewReader(bytes.NewReader(blob))
	if err != nil {
		return nil, malformed("zlib header", err)
	}
	return &stream{br: bufio.NewReaderSize(zr, 64<<10)}, nil
}

func malformed(what string, err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: %s: %w", ErrMalformed, what, err)
}

// tag reads the next field's tag; io.EOF at the clean end of the blob.
func (s *stream) tag() (protowire.Number, protowire.Type, error) {
	v, err := binary.ReadUvarint(s.br)
	if err == io.EOF {
		return 0, 0, io.EOF
	}
	if err != nil {
		return 0, 0, malformed("field tag", err)
	}
	num, typ := protowire.DecodeTag(v)
	if num < protowire.MinValidNumber || num > protowire.MaxValidNumber {
		return 0, 0, malformed("field tag", fmt.Errorf("invalid field number %d", num))
	}
	return num, typ, nil
}

func (s *stream) varint() (uint64, error) {
	v, err := binary.ReadUvarint(s.br)
	if err != nil {
		return 0, malformed("varint", err)
	}
	return v, nil
}

// length reads the length of a bytes field.
func (s *stream) length() (int64, error) {
	n, err := s.varint()
	if err != nil {
		return 0, err
	}
	if n > math.MaxInt64 {
		return 0, malformed("length", fmt.Errorf("%d bytes", n))
	}
	return int64(n), nil
}

// item reads a bytes field of at most limit bytes into s.buf. A longer
// one is skipped (ok false). The bytes are read as they arrive, so a
// length larger than what follows costs no allocation of that size.
func (s *stream) item(limit int) (b []byte, ok bool, err error) {
	n, err := s.length()
	if err != nil {
		return nil, false, err
	}
	if n > int64(limit) {
		if err := s.discard(n); err != nil {
			return nil, false, err
		}
		return nil, false, nil
	}
	s.buf = s.buf[:0]
	for left := int(n); left > 0; {
		chunk := min(left, 1<<20)
		start := len(s.buf)
		s.buf = append(s.buf, make([]byte, chunk)...)
		if _, err := io.ReadFull(s.br, s.buf[start:]); err != nil {
			return nil, false, malformed("field value", err)
		}
		left -= chunk
	}
	return s.buf, true, nil
}

func (s *stream) discard(n int64) error {
	if _, err := io.CopyN(io.Discard, s.br, n); err != nil {
		return malformed("field value", err)
	}
	return nil
}

// skip skips the value of a field of type typ (after its tag).
func (s *stream) skip(typ protowire.Type, depth int) error {
	switch typ {
	case protowire.VarintType:
		_, err := s.varint()
		return err
	case protowire.Fixed32Type:
		return s.discard(4)
	case protowire.Fixed64Type:
		return s.discard(8)
	case protowire.BytesType:
		n, err := s.length()
		if err != nil {
			return err
		}
		return s.discard(n)
	case protowire.StartGroupType:
		if depth >= maxGroupDepth {
			return malformed("group", errors.New("nested too deep"))
		}
		for {
			v, err := binary.ReadUvarint(s.br)
			if err != nil {
				return malformed("group", err)
			}
			num, t := protowire.DecodeTag(v)
			if num < protowire.MinValidNumber || num > protowire.MaxValidNumber {
				return malformed("group", fmt.Errorf("invalid field number %d", num))
			}
			if t == protowire.EndGroupType {
				return nil
			}
			if err := s.skip(t, depth+1); err != nil {
				return err
			}
		}
	}
	return malformed("field", fmt.Errorf("unexpected wire type %d", typ))
}
