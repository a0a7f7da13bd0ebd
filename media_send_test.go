package wauser_test

import (
	"bytes"
	"image"
	"image/color"
	stdjpeg "image/jpeg"
	imgpng "image/png"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// photo is a PNG of w x h pixels.
func photo(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, imgpng.Encode(&buf, img))
	return buf.Bytes()
}

// jpegOf is a w x h JPEG.
func jpegOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, stdjpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h)), nil))
	return buf.Bytes()
}

// TestMediaAsOfficialClientsSendIt: images go with their dimensions and a
// JPEG thumbnail read from the file, voice notes as Ogg Opus push-to-talk
// with their duration, videos with what the caller gives (nothing made
// up), captioned documents wrapped, and a reply to media quotes the media.
func TestMediaAsOfficialClientsSendIt(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "bot")
		friend, _ := pairWith(t, h, "friend", friendPhone)
		to := friendPhone.JID.String()

		// An image: dimensions and a thumbnail decoded from the bytes.
		img, err := bot.SendMessage(ctx, wauser.SendMessageRequest{To: to, Image: &wauser.MediaMessage{Data: photo(t, 160, 120), Caption: "view"}})
		require.NoError(t, err)
		im := lastSent(t, conn).Message.GetImageMessage()
		require.Equal(t, uint32(160), im.GetWidth())
		require.Equal(t, uint32(120), im.GetHeight())
		thumb, format, err := image.Decode(bytes.NewReader(im.GetJPEGThumbnail()))
		require.NoError(t, err)
		require.Equal(t, "jpeg", format)
		require.Equal(t, image.Rect(0, 0, 72, 54), thumb.Bounds())
		require.Equal(t, uint32(160), img.Media.Width, "stored as sent")

		// Uploaded first, sent later by id: the same.
		media, err := bot.UploadMedia(ctx, wauser.UploadMediaRequest{Data: photo(t, 30, 90)})
		require.NoError(t, err)
		require.Equal(t, [2]int{30, 90}, [2]int{media.Width, media.Height})
		_, err = bot.SendMessage(ctx, wauser.SendMessageRequest{To: to, Image: &wauser.MediaMessage{ID: media.ID}})
		require.NoError(t, err)
		require.NotEmpty(t, lastSent(t, conn).Message.GetImageMessage().GetJPEGThumbnail())

		// A voice note: Ogg Opus, push-to-talk, its duration read from the
		// container, and the caller's waveform.
		wave := []byte{0, 10, 50, 100, 30}
		_, err = bot.SendMessage(ctx, wauser.SendMessageRequest{To: to, Audio: &wauser.MediaMessage{Data: watest.VoiceNote(7 * time.Second), Voice: true, Waveform: wave}})
		require.NoError(t, err)
		au := lastSent(t, conn).Message.GetAudioMessage()
		require.True(t, au.GetPTT())
		require.Equal(t, "audio/ogg; codecs=opus", au.GetMimetype())
		require.Equal(t, uint32(7), au.GetSeconds())
		require.Equal(t, wave, au.GetWaveform())

		// A voice note must be Ogg Opus.
		_, err = bot.SendMessage(ctx, wauser.SendMessageRequest{To: to, Audio: &wauser.MediaMessage{Data: []byte("ID3\x03\x00\x00\x00\x00\x00\x00mp3"), MIMEType: "audio/mpeg", Voice: true}})
		require.ErrorIs(t, err, wauser.ErrInvalidArgument)

		// A video: only what the caller gives.
		_, err = bot.SendMessage(ctx, wauser.SendMessageRequest{To: to, Video: &wauser.MediaMessage{Data: mp4Bytes}})
		require.NoError(t, err)
		vm := lastSent(t, conn).Message.GetVideoMessage()
		require.Nil(t, vm.Seconds, "not known: not sent")
		require.Nil(t, vm.Width)
		require.Nil(t, vm.JPEGThumbnail)
		vthumb := jpegOf(t, 64, 36)
		_, err = bot.SendMessage(ctx, wauser.SendMessageRequest{To: to, Video: &wauser.MediaMessage{Data: mp4Bytes, Seconds: 42, Width: 1280, Height: 720, Thumbnail: vthumb}})
		require.NoError(t, err)
		vm = lastSent(t, conn).Message.GetVideoMessage()
		require.Equal(t, uint32(42), vm.GetSeconds())
		require.Equal(t, [2]uint32{1280, 720}, [2]uint32{vm.GetWidth(), vm.GetHeight()})
		require.Equal(t, vthumb, vm.GetJPEGThumbnail())

		// A captioned document is wrapped; the recipient reads it as a
		// document with its caption.
		doc, err := bot.SendMessage(ctx, wauser.SendMessageRequest{To: to, Document: &wauser.MediaMessage{Data: []byte("%PDF-1.7\n"), FileName: "a.pdf", Caption: "the report"}})
		require.NoError(t, err)
		require.Equal(t, "document", doc.ContentType)
		sent := lastSent(t, conn).Message
		require.Nil(t, sent.GetDocumentMessage())
		require.Equal(t, "the report", sent.GetDocumentWithCaptionMessage().GetMessage().GetDocumentMessage().GetCaption())
		got := feed(t, friend).msgs[doc.WAMessageID]
		require.Equal(t, "document", got.ContentType)
		require.Equal(t, "the report", got.Body)

		// A reply to the image quotes the image.
		_, err = bot.SendMessage(ctx, wauser.SendMessageRequest{To: to, Text: "nice", Context: &wauser.MessageContext{MessageID: string(img.MessageID)}})
		require.NoError(t, err)
		q := lastSent(t, conn).Message.GetExtendedTextMessage().GetContextInfo().GetQuotedMessage().GetImageMessage()
		require.NotNil(t, q, "the quote is an image")
		require.Equal(t, im.GetDirectPath(), q.GetDirectPath())
		require.Equal(t, im.GetMediaKey(), q.GetMediaKey())
		require.Equal(t, "view", q.GetCaption())
		require.Equal(t, uint32(160), q.GetWidth())
	})
}

func TestMediaDetailsValidated(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	bot, conn := pair(t, h, "bot")
	sent := len(conn.Sent())
	for _, req := range []wauser.SendMessageRequest{
		{Image: &wauser.MediaMessage{Data: photo(t, 2, 2), Width: 10}},
		{Image: &wauser.MediaMessage{Data: photo(t, 2, 2), Thumbnail: jpegOf(t, 2, 2)}},
		{Video: &wauser.MediaMessage{Data: mp4Bytes, Seconds: -1}},
		{Video: &wauser.MediaMessage{Data: mp4Bytes, Width: 20000}},
		{Video: &wauser.MediaMessage{Data: mp4Bytes, Thumbnail: photo(t, 2, 2)}}, // a PNG
		{Audio: &wauser.MediaMessage{Data: watest.VoiceNote(time.Second), Waveform: []byte{1}}},
		{Audio: &wauser.MediaMessage{Data: watest.VoiceNote(time.Second), Voice: true, Waveform: []byte{101}}},
		{Audio: &wauser.MediaMessage{Data: watest.VoiceNote(time.Second), Voice: true, Waveform: make([]byte, 65)}},
		{Document: &wauser.MediaMessage{Data: []byte("x"), Seconds: 3}},
	} {
		req.To = alice.String()
		_, err := bot.SendMessage(ctx, req)
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, "%+v", req)
	}
	require.Len(t, conn.Sent(), sent, "nothing sent")
}

// mp4Bytes is the start of an MP4 file: enough to be sniffed as video.
var mp4Bytes = []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
