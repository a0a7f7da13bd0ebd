package compose

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/internal/store"
)

// VoiceMIME is the MIME type of a voice note, as official clients send it.
const VoiceMIME = "audio/ogg; codecs=opus"

// Media is a media message to send: Row is the uploaded file; the rest
// comes from the request (details wauser could not read from the file are
// the caller's, or left out).
type Media struct {
	Kind     Kind // image, video, audio, document or sticker
	Row      *store.Media
	Caption  string
	Voice    bool
	FileName string

	Seconds, Width, Height int
	Thumbnail, Waveform    []byte
}

// MediaMessage builds the message of a stored upload as official clients
// send it: images with their dimensions and a JPEG thumbnail, audio with
// its playing time, voice notes as Ogg Opus push-to-talk, captioned
// documents wrapped in DocumentWithCaptionMessage; details wauser could
// not read from the file come from the caller, or are left out.
func MediaMessage(pm *Media, ci *waE2E.ContextInfo, now time.Time) (*waE2E.Message, error) {
	r := pm.Row
	dec := base64.StdEncoding.DecodeString
	key, err1 := dec(r.MediaKey)
	enc, err2 := dec(r.EncSHA256)
	sum, err3 := dec(r.SHA256)
	thumb, err4 := dec(r.Thumbnail)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return nil, fmt.Errorf("wauser: media %s: stored keys are corrupt: %w", r.MediaID, err)
	}
	size, ts := uint64(r.Size), proto.Int64(now.Unix())
	caption := optString(pm.Caption)
	switch pm.Kind {
	case KindImage:
		return &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
			URL: proto.String(r.URL), DirectPath: proto.String(r.DirectPath), MediaKey: key, FileEncSHA256: enc, FileSHA256: sum,
			FileLength: &size, Mimetype: proto.String(r.MIMEType), Caption: caption, MediaKeyTimestamp: ts, ContextInfo: ci,
			Width: optUint32(r.Width), Height: optUint32(r.Height), JPEGThumbnail: nonEmpty(thumb),
		}}, nil
	case KindVideo:
		return &waE2E.Message{VideoMessage: &waE2E.VideoMessage{
			URL: proto.String(r.URL), DirectPath: proto.String(r.DirectPath), MediaKey: key, FileEncSHA256: enc, FileSHA256: sum,
			FileLength: &size, Mimetype: proto.String(r.MIMEType), Caption: caption, MediaKeyTimestamp: ts, ContextInfo: ci,
			Seconds: optUint32(pm.Seconds), Width: optUint32(pm.Width), Height: optUint32(pm.Height), JPEGThumbnail: nonEmpty(pm.Thumbnail),
		}}, nil
	case KindAudio:
		mimeType, seconds := r.MIMEType, r.Seconds
		if seconds == 0 {
			seconds = pm.Seconds
		}
		if pm.Voice {
			if baseMIME(mimeType) != "audio/ogg" {
				return nil, invalidArg("audio.voice", "a voice note must be Ogg Opus audio (audio/ogg; codecs=opus); this file is %s", mimeType)
			}
			mimeType = VoiceMIME
		}
		return &waE2E.Message{AudioMessage: &waE2E.AudioMessage{
			URL: proto.String(r.URL), DirectPath: proto.String(r.DirectPath), MediaKey: key, FileEncSHA256: enc, FileSHA256: sum,
			FileLength: &size, Mimetype: proto.String(mimeType), PTT: proto.Bool(pm.Voice), MediaKeyTimestamp: ts, ContextInfo: ci,
			Seconds: optUint32(seconds), Waveform: nonEmpty(pm.Waveform),
		}}, nil
	case KindSticker:
		return &waE2E.Message{StickerMessage: &waE2E.StickerMessage{
			URL: proto.String(r.URL), DirectPath: proto.String(r.DirectPath), MediaKey: key, FileEncSHA256: enc, FileSHA256: sum,
			FileLength: &size, Mimetype: proto.String(r.MIMEType), MediaKeyTimestamp: ts, ContextInfo: ci,
			Width: optUint32(r.Width), Height: optUint32(r.Height),
		}}, nil
	}
	name := pm.FileName
	if name == "" {
		name = r.FileName
	}
	if name == "" {
		name = "file"
	}
	doc := &waE2E.DocumentMessage{
		URL: proto.String(r.URL), DirectPath: proto.String(r.DirectPath), MediaKey: key, FileEncSHA256: enc, FileSHA256: sum,
		FileLength: &size, Mimetype: proto.String(r.MIMEType), FileName: proto.String(name), Title: proto.String(name),
		Caption: caption, MediaKeyTimestamp: ts, ContextInfo: ci, JPEGThumbnail: nonEmpty(pm.Thumbnail),
	}
	if caption != nil {
		// Official clients wrap a captioned document; some show the
		// caption of an unwrapped one not at all.
		return &waE2E.Message{DocumentWithCaptionMessage: &waE2E.FutureProofMessage{Message: &waE2E.Message{DocumentMessage: doc}}}, nil
	}
	return &waE2E.Message{DocumentMessage: doc}, nil
}

// optUint32 is n for a proto field, nil when 0 (not known).
func optUint32(n int) *uint32 {
	if n <= 0 {
		return nil
	}
	return proto.Uint32(uint32(n))
}

// nonEmpty is b, or nil when empty.
func nonEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// baseMIME returns the media type of a MIME type without its parameters.
func baseMIME(mt string) string {
	base, _, _ := strings.Cut(mt, ";")
	return strings.TrimSpace(base)
}

// Downloadable is the proto whatsmeow downloads a file of content type typ
// with.
func Downloadable(typ string, k *store.MediaKeys) whatsmeow.DownloadableMessage {
	url, path, length, mime := optString(k.URL), optString(k.DirectPath), proto.Uint64(k.FileLength), optString(k.MimeType)
	switch typ {
	case ingest.TypeImage:
		return &waE2E.ImageMessage{URL: url, DirectPath: path, MediaKey: k.MediaKey, FileEncSHA256: k.FileEncSHA256, FileSHA256: k.FileSHA256, FileLength: length, Mimetype: mime}
	case ingest.TypeSticker:
		return &waE2E.StickerMessage{URL: url, DirectPath: path, MediaKey: k.MediaKey, FileEncSHA256: k.FileEncSHA256, FileSHA256: k.FileSHA256, FileLength: length, Mimetype: mime}
	case ingest.TypeVideo:
		return &waE2E.VideoMessage{URL: url, DirectPath: path, MediaKey: k.MediaKey, FileEncSHA256: k.FileEncSHA256, FileSHA256: k.FileSHA256, FileLength: length, Mimetype: mime}
	case ingest.TypeAudio, ingest.TypeVoice:
		return &waE2E.AudioMessage{URL: url, DirectPath: path, MediaKey: k.MediaKey, FileEncSHA256: k.FileEncSHA256, FileSHA256: k.FileSHA256, FileLength: length, Mimetype: mime}
	}
	return &waE2E.DocumentMessage{URL: url, DirectPath: path, MediaKey: k.MediaKey, FileEncSHA256: k.FileEncSHA256, FileSHA256: k.FileSHA256, FileLength: length, Mimetype: mime}
}
