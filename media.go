package wauser

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waMmsRetry"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser/internal/compose"
	"github.com/wauser/wauser/internal/fetch"
	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/internal/mediainfo"
	"github.com/wauser/wauser/internal/store"
)

// MediaID identifies a file uploaded with UploadMedia.
type MediaID string

// MediaType is the kind of message a file is sent as.
type MediaType string

// Media types.
const (
	MediaImage    MediaType = "image"
	MediaVideo    MediaType = "video"
	MediaAudio    MediaType = "audio" // audio files and voice notes
	MediaDocument MediaType = "document"
	MediaSticker  MediaType = "sticker" // a WebP image
)

// whatsmeow returns the key type whatsmeow encrypts the file for.
func (t MediaType) whatsmeow() whatsmeow.MediaType {
	switch t {
	case MediaImage, MediaSticker:
		return whatsmeow.MediaImage
	case MediaVideo:
		return whatsmeow.MediaVideo
	case MediaAudio:
		return whatsmeow.MediaAudio
	}
	return whatsmeow.MediaDocument
}

// accepts reports whether a file of MIME type mt can be sent as t.
func (t MediaType) accepts(mt string) bool {
	switch t {
	case MediaImage:
		return strings.HasPrefix(mt, "image/")
	case MediaVideo:
		return strings.HasPrefix(mt, "video/")
	case MediaAudio:
		return strings.HasPrefix(mt, "audio/")
	case MediaSticker:
		return mt == "image/webp"
	case MediaDocument:
		return true
	}
	return false
}

// mediaTypeFor returns the type a file of MIME type mt is sent as by
// default: images, videos and audio as such, everything else as a document.
func mediaTypeFor(mt string) MediaType {
	for _, t := range []MediaType{MediaImage, MediaVideo, MediaAudio} {
		if t.accepts(mt) {
			return t
		}
	}
	return MediaDocument
}

// UploadMediaRequest is the body of UploadMedia. Exactly one of Data,
// Reader and URL gives the file.
type UploadMediaRequest struct {
	// Data is the file.
	Data []byte `json:"-"`
	// Reader is read to its end for the file.
	Reader io.Reader `json:"-"`
	// URL is fetched for the file with the Client's HTTP client
	// (WithHTTPClient), following up to 5 redirects. Addresses that are not
	// public are refused unless WithPrivateMediaURLs is set.
	URL string `json:"url,omitempty"`
	// MIMEType is the file's content type, such as "image/jpeg" or
	// "audio/ogg; codecs=opus". Empty means: the type the URL's server
	// sent, or else the one sniffed from the first bytes.
	MIMEType string `json:"mime_type,omitempty"`
	// Type is how the file will be sent. Empty means: by its MIME type
	// (images, videos and audio as such, anything else as a document).
	// Stickers must be image/webp, images image/*, and so on; anything can
	// be sent as a document.
	Type MediaType `json:"type,omitempty"`
	// FileName is shown for documents. Empty means: the name the URL's
	// server gave, if any.
	FileName string `json:"file_name,omitempty"`
}

// Media is a file uploaded to WhatsApp's media servers. Messages sent later
// can point at it by ID without uploading it again (WhatsApp keeps uploads
// for a limited time, about 30 days). Its encryption keys are stored but
// never shown.
type Media struct {
	ID        MediaID   `json:"id"`
	Type      MediaType `json:"type"`
	MIMEType  string    `json:"mime_type"`
	FileName  string    `json:"file_name,omitempty"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"` // hex SHA-256 of the file
	SourceURL string    `json:"source_url,omitempty"`
	// Width and Height are an image's or sticker's pixels, and Seconds the
	// playing time of Ogg Opus audio, as read from the file when it was
	// uploaded; 0 when not known.
	Width     int       `json:"width,omitempty"`
	Height    int       `json:"height,omitempty"`
	Seconds   int       `json:"seconds,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// UploadMedia encrypts a file and uploads it to WhatsApp's media servers,
// and stores what a message needs to send it, under a new media id. Bad
// input (no file or several sources, a file larger than WithMediaLimit, a
// MIME type that does not fit Type, a URL that cannot be fetched or leads
// to a private address) returns ErrInvalidArgument before anything is
// uploaded. It needs a connection.
func (c *Client) UploadMedia(ctx context.Context, req UploadMediaRequest) (*Media, error) {
	if err := req.validate(c.core.cfg.mediaLimit); err != nil {
		return nil, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	row, err := c.upload(ctx, s, req)
	if err != nil {
		return nil, err
	}
	return mediaFromRow(row), nil
}

// upload reads, uploads and stores the file of a validated request.
func (c *Client) upload(ctx context.Context, s *session, req UploadMediaRequest) (*store.Media, error) {
	limit := c.core.cfg.mediaLimit
	data, contentType, fileName, err := c.readMedia(ctx, req, limit)
	if err != nil {
		return nil, err
	}
	if req.MIMEType != "" {
		contentType = req.MIMEType
	}
	mt, err := normalizeMIME(contentType)
	if err != nil {
		return nil, err
	}
	typ := req.Type
	if typ == "" {
		typ = mediaTypeFor(mt)
	} else if !typ.accepts(baseMIME(mt)) {
		return nil, invalidArg("type", "%s needs another kind of file; this one is %s", typ, mt)
	}
	if req.FileName != "" {
		fileName = req.FileName
	}
	info := readMediaInfo(typ, data)
	if info.opus && baseMIME(mt) == "audio/ogg" {
		mt = voiceMIME
	}

	up, err := s.conn.Client.Upload(ctx, data, typ.whatsmeow())
	if err != nil {
		return nil, waError("upload media", err)
	}
	b64 := base64.StdEncoding.EncodeToString
	row := &store.Media{
		AccountID:  string(s.id),
		MediaID:    randomID("media_"),
		MediaType:  string(typ),
		MIMEType:   mt,
		FileName:   fileName,
		Size:       int64(up.FileLength),
		SHA256:     b64(up.FileSHA256),
		EncSHA256:  b64(up.FileEncSHA256),
		MediaKey:   b64(up.MediaKey),
		URL:        up.URL,
		DirectPath: up.DirectPath,
		SourceURL:  req.URL,
		Width:      info.width,
		Height:     info.height,
		Seconds:    info.seconds,
		Thumbnail:  b64(info.thumbnail),
		CreatedAt:  c.core.cfg.clock.Now().UTC(),
	}
	if err := store.InsertMedia(ctx, c.core.st.DB(), row); err != nil {
		return nil, fmt.Errorf("wauser: upload media: %w", err)
	}
	return row, nil
}

// voiceMIME is the MIME type of voice notes: WhatsApp plays them only as
// Opus in an Ogg container, and official clients send them labeled so.
const voiceMIME = "audio/ogg; codecs=opus"

// mediaInfo is what wauser reads from a file for its message, as
// official clients send it.
type mediaInfo struct {
	width, height int
	seconds       int
	thumbnail     []byte // JPEG
	opus          bool   // Ogg Opus audio
}

// readMediaInfo reads a file about to be uploaded as typ: an image's (or
// sticker's) dimensions and an image's thumbnail, and the playing time of
// Ogg Opus audio. What cannot be read stays unknown: never made up.
func readMediaInfo(typ MediaType, data []byte) mediaInfo {
	var out mediaInfo
	switch typ {
	case MediaImage, MediaSticker:
		img, err := mediainfo.Image(data)
		if err != nil {
			return out
		}
		out.width, out.height = img.Width, img.Height
		if typ == MediaImage {
			out.thumbnail = img.Thumbnail
		}
	case MediaAudio:
		if o, err := mediainfo.OggOpus(data); err == nil {
			out.seconds, out.opus = o.Seconds, true
		}
	}
	return out
}

// GetMedia returns media uploaded with UploadMedia, or ErrNotFound.
func (c *Client) GetMedia(ctx context.Context, id MediaID) (*Media, error) {
	if id == "" {
		return nil, invalidArg("id", "empty")
	}
	account, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	row, err := store.GetMedia(ctx, c.core.st.DB(), string(account), string(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: media %q", ErrNotFound, id)
	} else if err != nil {
		return nil, fmt.Errorf("wauser: get media: %w", err)
	}
	return mediaFromRow(row), nil
}

func mediaFromRow(r *store.Media) *Media {
	sum, _ := base64.StdEncoding.DecodeString(r.SHA256)
	return &Media{
		ID:        MediaID(r.MediaID),
		Type:      MediaType(r.MediaType),
		MIMEType:  r.MIMEType,
		FileName:  r.FileName,
		Size:      r.Size,
		SHA256:    hex.EncodeToString(sum),
		SourceURL: r.SourceURL,
		Width:     r.Width,
		Height:    r.Height,
		Seconds:   r.Seconds,
		CreatedAt: r.CreatedAt.UTC(),
	}
}

// validate checks what can be checked without reading the file.
func (r *UploadMediaRequest) validate(limit int64) error {
	sources := 0
	for _, set := range []bool{r.Data != nil, r.Reader != nil, r.URL != ""} {
		if set {
			sources++
		}
	}
	if sources != 1 {
		return invalidArg("data", "give exactly one of Data, Reader and URL (got %d)", sources)
	}
	switch {
	case r.Data != nil && len(r.Data) == 0:
		return invalidArg("data", "empty file")
	case int64(len(r.Data)) > limit:
		return invalidArg("data", "%d bytes; at most %d", len(r.Data), limit)
	}
	if r.URL != "" {
		u, err := url.Parse(r.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return invalidArg("url", "%q is not an absolute http or https URL", r.URL)
		}
	}
	switch r.Type {
	case "", MediaImage, MediaVideo, MediaAudio, MediaDocument, MediaSticker:
	default:
		return invalidArg("type", "%q is not image, video, audio, document or sticker", r.Type)
	}
	if r.MIMEType != "" {
		mt, err := normalizeMIME(r.MIMEType)
		if err != nil {
			return err
		}
		if r.Type != "" && !r.Type.accepts(baseMIME(mt)) {
			return invalidArg("mime_type", "%q cannot be sent as %s", r.MIMEType, r.Type)
		}
	}
	switch {
	case len(r.FileName) > 255:
		return invalidArg("file_name", "longer than 255 bytes")
	case !utf8.ValidString(r.FileName), strings.ContainsAny(r.FileName, "/\\\x00"):
		return invalidArg("file_name", "%q must be a plain file name without slashes", r.FileName)
	}
	return nil
}

// readMedia reads the file from the request's source, bounded by limit, and
// returns the content type and file name the source suggests.
func (c *Client) readMedia(ctx context.Context, req UploadMediaRequest, limit int64) (data []byte, contentType, fileName string, err error) {
	switch {
	case req.Data != nil:
		data = req.Data
	case req.Reader != nil:
		data, err = io.ReadAll(io.LimitReader(req.Reader, limit+1))
		if err != nil {
			return nil, "", "", fmt.Errorf("wauser: upload media: read: %w", err)
		}
		if int64(len(data)) > limit {
			return nil, "", "", invalidArg("reader", "more than %d bytes", limit)
		}
	default:
		res, err := fetch.Get(ctx, c.core.cfg.httpClient, req.URL, fetch.Options{MaxBytes: limit, AllowPrivate: c.core.cfg.privateURL})
		switch {
		case err == nil:
		case ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
			return nil, "", "", fmt.Errorf("wauser: upload media: %w", ctx.Err())
		case errors.Is(err, fetch.ErrUnguardable):
			return nil, "", "", fmt.Errorf("wauser: upload media: %w", err)
		case errors.Is(err, fetch.ErrBlocked):
			// One answer for every refused target, whatever its port does:
			// nothing was connected to.
			return nil, "", "", invalidArg("url", "%q: the host is not a public address", req.URL)
		default:
			// The caller's URL failed (refused, unreachable, not found, too
			// large): a bad argument, not a fault of this server.
			return nil, "", "", invalidArg("url", "%q could not be fetched: %v", req.URL, err)
		}
		data, contentType, fileName = res.Data, res.ContentType, res.FileName
	}
	if len(data) == 0 {
		return nil, "", "", invalidArg("data", "empty file")
	}
	if contentType == "" {
		contentType = http.DetectContentType(data)
	}
	return data, contentType, fileName, nil
}

// normalizeMIME validates a MIME type and returns it in canonical form;
// application/ogg, as sniffed, becomes audio/ogg.
func normalizeMIME(s string) (string, error) {
	mt, params, err := mime.ParseMediaType(s)
	if err != nil || !strings.Contains(mt, "/") {
		return "", invalidArg("mime_type", "%q is not a MIME type such as image/jpeg", s)
	}
	if mt == "application/ogg" {
		mt = "audio/ogg"
	}
	out := mime.FormatMediaType(mt, params)
	if out == "" {
		return "", invalidArg("mime_type", "%q is not a MIME type such as image/jpeg", s)
	}
	return out, nil
}

// baseMIME returns the media type of a MIME type without its parameters.
func baseMIME(mt string) string {
	base, _, _ := strings.Cut(mt, ";")
	return strings.TrimSpace(base)
}

// retryMedia asks the phone to upload the file of row again, waits for its
// answer, stores the file's new location, and downloads it from there.
func (c *Client) retryMedia(ctx context.Context, s *session, row *store.Message, keys *store.MediaKeys) ([]byte, error) {
	chat, err := types.ParseJID(row.ChatJID)
	if err != nil {
		return nil, fmt.Errorf("wauser: download media: stored chat %q: %w", row.ChatJID, err)
	}
	var sender types.JID
	if chat.Server == types.GroupServer && !row.IsFromMe {
		if sender, err = types.ParseJID(row.SenderJID); err != nil {
			return nil, fmt.Errorf("wauser: download media: stored sender %q: %w", row.SenderJID, err)
		}
	}
	// The receipt names the message as WhatsApp addressed it.
	chat, sender = compose.WireTarget(row, chat, sender)
	info := &types.MessageInfo{
		MessageSource: types.MessageSource{Chat: chat, Sender: sender, IsFromMe: row.IsFromMe, IsGroup: chat.Server == types.GroupServer},
		ID:            row.WAMessageID,
	}
	if !info.IsGroup || row.IsFromMe {
		info.Sender = types.EmptyJID
	}
	answer, cancel := s.AwaitMediaRetry(row.WAMessageID)
	defer cancel()
	if err := s.conn.Client.SendMediaRetryReceipt(ctx, info, keys.MediaKey); err != nil {
		return nil, waError("download media: ask the phone to upload it again", err)
	}
	timer := c.core.cfg.clock.NewTimer(mediaRetryTimeout)
	defer timer.Stop()
	var evt *events.MediaRetry
	select {
	case evt = <-answer:
	case <-timer.C():
		return nil, fmt.Errorf("wauser: download media: %w: the phone did not upload the file again within %s (is it online?)", ErrNotConnected, mediaRetryTimeout)
	case <-ctx.Done():
		return nil, fmt.Errorf("wauser: download media: %w", ctx.Err())
	}
	notif, err := whatsmeow.DecryptMediaRetryNotification(evt, keys.MediaKey)
	if err != nil {
		return nil, waError("download media: media retry", err)
	}
	if notif.GetResult() != waMmsRetry.MediaRetryNotification_SUCCESS || notif.GetDirectPath() == "" {
		return nil, fmt.Errorf("%w: the phone could not upload the file again (%s)", ErrNotFound, notif.GetResult())
	}
	keys.DirectPath, keys.URL = notif.GetDirectPath(), ""
	err = c.core.ingest.Apply(context.WithoutCancel(ctx), s.ingestAccount(), func(t *ingest.Tx) error {
		m, err := t.MessageByID(row.MessageID)
		if err != nil || m == nil {
			return err
		}
		t.SetMediaKeys(m, keys)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("wauser: download media: store the new file location: %w", err)
	}
	data, err := s.conn.Client.Download(ctx, compose.Downloadable(row.ContentType, keys))
	if err != nil {
		return nil, waError("download media after a media retry", err)
	}
	return data, nil
}

// mediaRetryTimeout is how long DownloadMedia waits for the phone to
// upload an expired file again.
const mediaRetryTimeout = time.Minute

// MediaFile is the file of a message, downloaded and decrypted.
type MediaFile struct {
	Data     []byte `json:"-"`
	MIMEType string `json:"mime_type"`
	FileName string `json:"file_name,omitempty"`
}

// DownloadMedia downloads and decrypts the file of a message (image,
// video, audio, voice note, document or sticker), incoming or sent, with
// the keys stored with it (never shown). When WhatsApp's servers no longer
// have the file (403, 404, 410: files expire after some weeks), it asks the
// phone to upload it again (a media retry), waits for the answer (up to a
// minute; the phone must be online), stores the new location and downloads
// from there. A message without a file returns ErrNotFound, and so does a
// file the phone no longer has.
func (c *Client) DownloadMedia(ctx context.Context, message MessageID) (*MediaFile, error) {
	if !validRecordID(string(message)) {
		return nil, invalidArg("message_id", "%q is not a message id", message)
	}
	account, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	row, err := c.core.st.GetMessage(ctx, string(account), string(message))
	if err != nil {
		return nil, recordError("message", string(message), err)
	}
	if row.MediaKeys == "" || !row.DeletedAt.IsZero() {
		return nil, fmt.Errorf("%w: message %q has no file", ErrNotFound, message)
	}
	var keys store.MediaKeys
	if err := json.Unmarshal([]byte(row.MediaKeys), &keys); err != nil || len(keys.MediaKey) == 0 {
		return nil, fmt.Errorf("%w: message %q has no usable file keys", ErrNotFound, message)
	}
	file := &MediaFile{MIMEType: keys.MimeType}
	if m := messageFromRow(row); m.Media != nil {
		file.FileName = m.Media.FileName
		if file.MIMEType == "" {
			file.MIMEType = m.Media.MimeType
		}
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	data, err := s.conn.Client.Download(ctx, compose.Downloadable(row.ContentType, &keys))
	if errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith403) || errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith404) ||
		errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith410) {
		data, err = c.retryMedia(ctx, s, row, &keys)
	} else if err != nil {
		err = waError("download media", err)
	}
	if err != nil {
		return nil, err
	}
	file.Data = data
	return file, nil
}

// DownloadUploadedMedia downloads and decrypts a file uploaded with
// UploadMedia (by its media id), from WhatsApp's media servers, with the
// keys stored with it. It returns ErrNotFound for an unknown id, and for a
// file WhatsApp's servers no longer keep (uploads expire after some weeks;
// unlike a message's file, nothing can upload it again). It needs a
// connection.
func (c *Client) DownloadUploadedMedia(ctx context.Context, id MediaID) (*MediaFile, error) {
	if id == "" {
		return nil, invalidArg("id", "empty")
	}
	account, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	row, err := store.GetMedia(ctx, c.core.st.DB(), string(account), string(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: media %q", ErrNotFound, id)
	} else if err != nil {
		return nil, fmt.Errorf("wauser: download uploaded media: %w", err)
	}
	b64 := base64.StdEncoding.DecodeString
	key, err1 := b64(row.MediaKey)
	encSum, err2 := b64(row.EncSHA256)
	sum, err3 := b64(row.SHA256)
	if err := errors.Join(err1, err2, err3); err != nil || len(key) == 0 {
		return nil, fmt.Errorf("%w: media %q has no usable keys", ErrNotFound, id)
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	keys := &store.MediaKeys{URL: row.URL, DirectPath: row.DirectPath, MediaKey: key, FileEncSHA256: encSum,
		FileSHA256: sum, FileLength: uint64(max(row.Size, 0)), MimeType: row.MIMEType}
	data, err := s.conn.Client.Download(ctx, compose.Downloadable(uploadedContentType(MediaType(row.MediaType)), keys))
	switch {
	case errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith403), errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith404),
		errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith410):
		return nil, fmt.Errorf("%w: WhatsApp's servers no longer keep media %q; upload it again", ErrNotFound, id)
	case err != nil:
		return nil, waError("download uploaded media", err)
	}
	return &MediaFile{Data: data, MIMEType: row.MIMEType, FileName: row.FileName}, nil
}

// uploadedContentType is the message content type a file uploaded as t is
// downloaded as.
func uploadedContentType(t MediaType) string {
	switch t {
	case MediaImage:
		return ingest.TypeImage
	case MediaVideo:
		return ingest.TypeVideo
	case MediaAudio:
		return ingest.TypeAudio
	case MediaSticker:
		return ingest.TypeSticker
	}
	return ingest.TypeDocument
}
