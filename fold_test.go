package wauser_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/testdb"
)

// associated wraps child as a message associated with parent (in alice's
// direct chat), as WhatsApp sends albums' items and HD versions.
func associated(typ waE2E.MessageAssociation_AssociationType, parent string, msg *waE2E.Message) *waE2E.Message {
	msg.MessageContextInfo = &waE2E.MessageContextInfo{MessageAssociation: &waE2E.MessageAssociation{
		AssociationType:  typ.Enum(),
		ParentMessageKey: &waCommon.MessageKey{RemoteJID: proto.String(alice.String()), ID: proto.String(parent)},
	}}
	return msg
}

func imageMsg(sha byte, size uint64, caption string) *waE2E.Message {
	return &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
		URL: proto.String("https://mmg.whatsapp.net/x"), DirectPath: proto.String("/x"), Mimetype: proto.String("image/jpeg"),
		MediaKey: []byte{sha}, FileSHA256: []byte{sha}, FileEncSHA256: []byte{sha}, FileLength: proto.Uint64(size),
		Caption: optional(caption), Width: proto.Uint32(uint32(size)), Height: proto.Uint32(uint32(size)),
	}}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return proto.String(s)
}

// TestWrappersFoldIntoTheirMessage: one message, one record. An album
// announcement, an image's HD version and a secret-encrypted edit belong
// to other messages; none is stored as an "unknown" record of its own.
func TestWrappersFoldIntoTheirMessage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)

		// An album of two images: the announcement, then the items.
		require.True(t, conn.Emit(fromAlice("A0", 1, &waE2E.Message{AlbumMessage: &waE2E.AlbumMessage{ExpectedImageCount: proto.Uint32(2)}})))
		require.True(t, conn.Emit(fromAlice("A1", 2, associated(waE2E.MessageAssociation_MEDIA_ALBUM, "A0", imageMsg(1, 100, "first")))))
		require.True(t, conn.Emit(fromAlice("A2", 3, associated(waE2E.MessageAssociation_MEDIA_ALBUM, "A0", imageMsg(2, 100, "")))))

		// An image, then its HD version.
		require.True(t, conn.Emit(fromAlice("P1", 4, imageMsg(3, 320, "sunset"))))
		hd := &waE2E.Message{AssociatedChildMessage: &waE2E.FutureProofMessage{Message: imageMsg(4, 2048, "")}}
		require.True(t, conn.Emit(fromAlice("C1", 5, associated(waE2E.MessageAssociation_HD_IMAGE_DUAL_UPLOAD, "P1", hd))))

		// A secret-encrypted edit that cannot be decrypted (no secret).
		require.True(t, conn.Emit(fromAlice("S1", 6, &waE2E.Message{SecretEncryptedMessage: &waE2E.SecretEncryptedMessage{
			TargetMessageKey: &waCommon.MessageKey{RemoteJID: proto.String(alice.String()), ID: proto.String("EV1")},
			EncPayload:       []byte("x"), EncIV: []byte("y"), SecretEncType: waE2E.SecretEncryptedMessage_EVENT_EDIT.Enum(),
		}})))

		s := feed(t, bot)
		ids := []string{}
		for _, m := range s.page.Messages {
			ids = append(ids, m.WAMessageID)
			require.NotEqual(t, "unknown", m.ContentType, "no record of unknown content (%s)", m.WAMessageID)
		}
		require.ElementsMatch(t, []string{"A1", "A2", "P1"}, ids)
		p1 := s.msgs["P1"]
		require.Equal(t, "sunset", p1.Body, "the caption stays")
		require.Equal(t, uint64(2048), p1.Media.Size, "the HD file replaced the first")
		require.Equal(t, "sunset", p1.Media.Caption)

		// The HD version coming first is stored under its parent's id.
		hd = &waE2E.Message{AssociatedChildMessage: &waE2E.FutureProofMessage{Message: imageMsg(6, 4096, "")}}
		require.True(t, conn.Emit(fromAlice("C2", 8, associated(waE2E.MessageAssociation_HD_IMAGE_DUAL_UPLOAD, "P2", hd))))
		s = feed(t, bot)
		require.NotContains(t, s.msgs, "C2")
		require.Equal(t, "image", s.msgs["P2"].ContentType)
	})
}
