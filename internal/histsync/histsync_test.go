package histsync_test

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/histsync"
)

func compress(t testing.TB, raw []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	_, err := w.Write(raw)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func webMessage(chat, id string, fromMe bool, participant string, secret []byte, text string) *waWeb.WebMessageInfo {
	wm := &waWeb.WebMessageInfo{
		Key:              &waCommon.MessageKey{RemoteJID: proto.String(chat), FromMe: proto.Bool(fromMe), ID: proto.String(id)},
		Message:          &waE2E.Message{Conversation: proto.String(text)},
		MessageTimestamp: proto.Uint64(1700000000),
		MessageSecret:    secret,
	}
	if participant != "" {
		wm.Participant = proto.String(participant)
	}
	return wm
}

func conversation(id string, msgs ...*waWeb.WebMessageInfo) *waHistorySync.Conversation {
	c := &waHistorySync.Conversation{ID: proto.String(id)}
	for i, m := range msgs {
		c.Messages = append(c.Messages, &waHistorySync.HistorySyncMsg{Message: m, MsgOrderID: proto.Uint64(uint64(i + 1))})
	}
	return c
}

// sample is a history sync with every field the package reads.
func sample() *waHistorySync.HistorySync {
	dm := conversation("15550000001@s.whatsapp.net",
		webMessage("15550000001@s.whatsapp.net", "A1", false, "", []byte("secret-a1"), "hi"),
		webMessage("15550000001@s.whatsapp.net", "A2", true, "", nil, "hello"),
		webMessage("15550000001@s.whatsapp.net", "A3", true, "", []byte("secret-a3"), "poll?"))
	dm.TcToken = []byte("token")
	dm.TcTokenTimestamp = proto.Uint64(1700000100)
	gm := conversation("120363000000000001@g.us",
		webMessage("120363000000000001@g.us", "G1", false, "15550000002@s.whatsapp.net", []byte("secret-g1"), "in the group"))
	gm.Name = proto.String("Crew")
	gm.Messages[0].Message.Key.Participant = proto.String("200000000000002@lid")
	empty := conversation("15550000003@s.whatsapp.net")
	return &waHistorySync.HistorySync{
		SyncType:         waHistorySync.HistorySync_RECENT.Enum(),
		ChunkOrder:       proto.Uint32(3),
		Progress:         proto.Uint32(40),
		Conversations:    []*waHistorySync.Conversation{dm, gm, empty},
		StatusV3Messages: []*waWeb.WebMessageInfo{webMessage("status@broadcast", "S1", false, "15550000002@s.whatsapp.net", nil, "my status")},
		Pushnames:        []*waHistorySync.Pushname{{ID: proto.String("15550000002@s.whatsapp.net"), Pushname: proto.String("Bob")}},
		GlobalSettings:   &waHistorySync.GlobalSettings{ChatDbLidMigrationTimestamp: proto.Int64(1700000200)},
		PhoneNumberToLidMappings: []*waHistorySync.PhoneNumberToLIDMapping{
			{PnJID: proto.String("15550000002@s.whatsapp.net"), LidJID: proto.String("200000000000002@lid")},
		},
	}
}

// readAll reads every item of blob after scanning it.
func readAll(t testing.TB, blob []byte) (*histsync.Head, []*histsync.ConversationKeys, []histsync.Item) {
	t.Helper()
	var keys []*histsync.ConversationKeys
	head, err := histsync.Scan(blob, func(k *histsync.ConversationKeys) error {
		keys = append(keys, k)
		return nil
	})
	require.NoError(t, err)
	r, err := histsync.NewReader(blob, head)
	require.NoError(t, err)
	var items []histsync.Item
	for {
		it, err := r.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		items = append(items, it)
	}
	return head, keys, items
}

func TestScanAndRead(t *testing.T) {
	t.Parallel()
	data := sample()
	raw, err := proto.Marshal(data)
	require.NoError(t, err)
	head, keys, items := readAll(t, compress(t, raw))

	require.Equal(t, waHistorySync.HistorySync_RECENT, head.SyncType)
	require.EqualValues(t, 3, head.ChunkOrder)
	require.EqualValues(t, 40, head.Progress)
	require.Equal(t, 3, head.Conversations)
	require.Equal(t, 4, head.Messages)
	require.Equal(t, 1, head.Statuses)
	require.Zero(t, head.Skipped)
	require.Len(t, head.Pushnames, 1)
	require.True(t, proto.Equal(data.Pushnames[0], head.Pushnames[0]))
	require.Len(t, head.Mappings, 1)
	require.True(t, proto.Equal(data.PhoneNumberToLidMappings[0], head.Mappings[0]))
	require.EqualValues(t, 1700000200, head.GlobalSettings.GetChatDbLidMigrationTimestamp())

	require.Equal(t, []*histsync.ConversationKeys{
		{ID: "15550000001@s.whatsapp.net", TcToken: []byte("token"), TcTokenTimestamp: 1700000100, Secrets: []histsync.MessageSecret{
			{ID: "A1", Secret: []byte("secret-a1")},
			{ID: "A3", FromMe: true, Secret: []byte("secret-a3")},
		}},
		{ID: "120363000000000001@g.us", Secrets: []histsync.MessageSecret{
			{ID: "G1", KeyParticipant: "200000000000002@lid", Participant: "15550000002@s.whatsapp.net", Secret: []byte("secret-g1")},
		}},
		{ID: "15550000003@s.whatsapp.net"},
	}, keys)

	require.Len(t, items, 4)
	for i, c := range data.Conversations {
		require.True(t, proto.Equal(c, items[i].Conversation), "conversation %d", i)
		require.Nil(t, items[i].Status)
	}
	require.True(t, proto.Equal(data.StatusV3Messages[0], items[3].Status))
}

// appendField appends a length-delimited field.
func appendField(b []byte, num protowire.Number, m proto.Message) []byte {
	v, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

// TestFieldOrderAndUnknownFields: the small fields may follow, precede or
// interleave the conversations on the wire, and unknown fields of every
// wire type are skipped.
func TestFieldOrderAndUnknownFields(t *testing.T) {
	t.Parallel()
	data := sample()
	var b []byte
	b = appendField(b, 2, data.Conversations[0])
	b = protowire.AppendTag(b, 99, protowire.VarintType)
	b = protowire.AppendVarint(b, 12345)
	b = appendField(b, 15, data.PhoneNumberToLidMappings[0])
	b = protowire.AppendTag(b, 98, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, 7)
	b = protowire.AppendTag(b, 97, protowire.StartGroupType)
	b = protowire.AppendTag(b, 1, protowire.Fixed32Type)
	b = protowire.AppendFixed32(b, 1)
	b = protowire.AppendTag(b, 97, protowire.EndGroupType)
	b = appendField(b, 3, data.StatusV3Messages[0])
	b = appendField(b, 2, data.Conversations[1])
	b = protowire.AppendTag(b, 6, protowire.VarintType)
	b = protowire.AppendVarint(b, 100)
	b = appendField(b, 7, data.Pushnames[0])
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(waHistorySync.HistorySync_ON_DEMAND))

	head, keys, items := readAll(t, compress(t, b))
	require.Equal(t, waHistorySync.HistorySync_ON_DEMAND, head.SyncType)
	require.EqualValues(t, 100, head.Progress)
	require.Len(t, head.Mappings, 1)
	require.Len(t, head.Pushnames, 1)
	require.Len(t, keys, 2)
	require.Len(t, items, 3)
	require.True(t, proto.Equal(data.Conversations[0], items[0].Conversation))
	require.True(t, proto.Equal(data.StatusV3Messages[0], items[1].Status))
	require.True(t, proto.Equal(data.Conversations[1], items[2].Conversation))

	var whole waHistorySync.HistorySync
	require.NoError(t, proto.Unmarshal(b, &whole))
	require.Equal(t, whole.GetSyncType(), head.SyncType)
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	raw, err := proto.Marshal(sample())
	require.NoError(t, err)
	good := compress(t, raw)
	huge := protowire.AppendTag(nil, 2, protowire.BytesType)
	huge = protowire.AppendVarint(huge, 1<<62) // a conversation claiming 4 EiB
	for _, tc := range []struct {
		name string
		blob []byte
	}{
		{"empty", nil},
		{"not zlib", []byte("hello, world")},
		{"truncated zlib", good[:len(good)/2]},
		{"bad checksum", append(good[:len(good)-1:len(good)-1], good[len(good)-1]^0xff)},
		{"truncated field", compress(t, raw[:len(raw)-3])},
		{"huge length", compress(t, huge)},
		{"field zero", compress(t, []byte{0x02, 0x00})},
		{"end group at top", compress(t, protowire.AppendTag(nil, 4, protowire.EndGroupType))},
		{"bad wire type", compress(t, []byte{0x0f})},
		{"unterminated varint", compress(t, []byte{0x08, 0xff, 0xff})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := histsync.Scan(tc.blob, nil)
			require.ErrorIs(t, err, histsync.ErrMalformed)
		})
	}
}

// TestBadItem: one conversation that does not decode is skipped; the rest
// of the blob is read.
func TestBadItem(t *testing.T) {
	t.Parallel()
	data := sample()
	var b []byte
	b = appendField(b, 2, data.Conversations[0])
	// A conversation whose message field holds a truncated message.
	bad := protowire.AppendTag(nil, 1, protowire.BytesType)
	bad = protowire.AppendString(bad, "15550000009@s.whatsapp.net")
	bad = protowire.AppendTag(bad, 2, protowire.BytesType)
	bad = protowire.AppendBytes(bad, []byte{0x0a, 0x05, 0x01})
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendBytes(b, bad)
	b = appendField(b, 2, data.Conversations[1])
	blob := compress(t, b)

	head, err := histsync.Scan(blob, nil)
	require.NoError(t, err)
	require.Equal(t, 3, head.Conversations)
	require.Equal(t, 1, head.Skipped)
	r, err := histsync.NewReader(blob, head)
	require.NoError(t, err)
	it, err := r.Next()
	require.NoError(t, err)
	require.True(t, proto.Equal(data.Conversations[0], it.Conversation))
	_, err = r.Next()
	require.ErrorIs(t, err, histsync.ErrBadItem)
	it, err = r.Next()
	require.NoError(t, err)
	require.True(t, proto.Equal(data.Conversations[1], it.Conversation))
	_, err = r.Next()
	require.Equal(t, io.EOF, err)
}

func TestDecoded(t *testing.T) {
	t.Parallel()
	data := sample()
	src := histsync.Decoded(data)
	require.Equal(t, 4, src.Head().Messages)
	require.Equal(t, waHistorySync.HistorySync_RECENT, src.Head().SyncType)
	var n int
	for {
		it, err := src.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if n < 3 {
			require.Same(t, data.Conversations[n], it.Conversation, "items are the decoded ones, not copies")
		} else {
			require.Same(t, data.StatusV3Messages[0], it.Status)
		}
		n++
	}
	require.Equal(t, 4, n)
}

func TestScanKeysError(t *testing.T) {
	t.Parallel()
	raw, err := proto.Marshal(sample())
	require.NoError(t, err)
	boom := errors.New("boom")
	_, err = histsync.Scan(compress(t, raw), func(*histsync.ConversationKeys) error { return boom })
	require.ErrorIs(t, err, boom)
}

// FuzzStream feeds arbitrary decompressed bytes through Scan and a Reader.
// Neither may panic, nor allocate what a length claims before the bytes
// arrive; and whenever proto.Unmarshal decodes the bytes whole, the
// stream must yield exactly what it decoded.
func FuzzStream(f *testing.F) {
	raw, err := proto.Marshal(sample())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add(raw[:len(raw)/2])
	f.Add([]byte{})
	f.Add(protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.BytesType), 1<<62))
	f.Add(protowire.AppendVarint(protowire.AppendTag(nil, 7, protowire.BytesType), 1<<40))
	f.Add([]byte{0x0b, 0x0b, 0x0b, 0x0c, 0x0c, 0x0c})
	f.Add(protowire.AppendTag(nil, 2, protowire.StartGroupType))
	for i := range 3 {
		f.Add(append(raw, byte(i), 0xff))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		blob := compress(t, raw)
		var keys int
		head, err := histsync.Scan(blob, func(*histsync.ConversationKeys) error { keys++; return nil })
		var whole waHistorySync.HistorySync
		wholeErr := proto.UnmarshalOptions{AllowPartial: true, DiscardUnknown: true}.Unmarshal(raw, &whole)
		if err != nil {
			require.ErrorIs(t, err, histsync.ErrMalformed)
			require.Error(t, wholeErr, "the stream failed where proto.Unmarshal did not: %v", err)
			return
		}
		r, err := histsync.NewReader(blob, head)
		require.NoError(t, err)
		var convs []*waHistorySync.Conversation
		var statuses []*waWeb.WebMessageInfo
		bad := 0
		for {
			it, err := r.Next()
			if err == io.EOF {
				break
			}
			if errors.Is(err, histsync.ErrBadItem) {
				bad++
				continue
			}
			require.NoError(t, err)
			if it.Conversation != nil {
				convs = append(convs, it.Conversation)
			} else {
				statuses = append(statuses, it.Status)
			}
		}
		require.Equal(t, head.Conversations+head.Statuses, len(convs)+len(statuses)+bad)
		if wholeErr != nil {
			return
		}
		require.Zero(t, bad)
		require.Zero(t, head.Skipped)
		require.Equal(t, len(whole.Conversations), keys)
		require.Equal(t, whole.GetSyncType(), head.SyncType)
		require.Equal(t, whole.GetChunkOrder(), head.ChunkOrder)
		require.Equal(t, whole.GetProgress(), head.Progress)
		require.True(t, proto.Equal(whole.GetGlobalSettings(), head.GlobalSettings))
		require.Equal(t, len(whole.Pushnames), len(head.Pushnames))
		for i := range whole.Pushnames {
			require.True(t, proto.Equal(whole.Pushnames[i], head.Pushnames[i]))
		}
		require.Equal(t, len(whole.PhoneNumberToLidMappings), len(head.Mappings))
		for i := range whole.PhoneNumberToLidMappings {
			require.True(t, proto.Equal(whole.PhoneNumberToLidMappings[i], head.Mappings[i]))
		}
		require.Equal(t, len(whole.Conversations), len(convs))
		msgs := 0
		for i := range convs {
			require.True(t, proto.Equal(whole.Conversations[i], convs[i]), fmt.Sprint("conversation ", i))
			msgs += len(convs[i].Messages)
		}
		require.Equal(t, msgs, head.Messages)
		require.Equal(t, len(whole.StatusV3Messages), len(statuses))
		for i := range statuses {
			require.True(t, proto.Equal(whole.StatusV3Messages[i], statuses[i]))
		}
	})
}

// FuzzCompressed feeds arbitrary compressed bytes: errors, never panics.
func FuzzCompressed(f *testing.F) {
	raw, err := proto.Marshal(sample())
	if err != nil {
		f.Fatal(err)
	}
	good := compress(f, raw)
	f.Add(good)
	f.Add(good[:len(good)-4])
	f.Add([]byte{0x78, 0x9c})
	f.Fuzz(func(t *testing.T, blob []byte) {
		head, err := histsync.Scan(blob, nil)
		if err != nil {
			require.ErrorIs(t, err, histsync.ErrMalformed)
			return
		}
		r, err := histsync.NewReader(blob, head)
		require.NoError(t, err)
		for {
			if _, err := r.Next(); err == io.EOF {
				return
			} else if err != nil && !errors.Is(err, histsync.ErrBadItem) {
				t.Fatalf("Next after a clean Scan: %v", err)
			}
		}
	})
}
