package wauser

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waMmsRetry"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser/internal/compose"
	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/store"
)

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
	answer, cancel := s.awaitMediaRetry(row.WAMessageID)
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

// awaitMediaRetry registers for the phone's answer to a media retry of the
// message waID; cancel unregisters.
func (s *session) awaitMediaRetry(waID string) (answer <-chan *events.MediaRetry, cancel func()) {
	ch := make(chan *events.MediaRetry, 1)
	s.mu.Lock()
	if s.mediaRetries == nil {
		s.mediaRetries = map[string][]chan *events.MediaRetry{}
	}
	s.mediaRetries[waID] = append(s.mediaRetries[waID], ch)
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		list := s.mediaRetries[waID]
		for i, c := range list {
			if c == ch {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(s.mediaRetries, waID)
		} else {
			s.mediaRetries[waID] = list
		}
	}
}

// onMediaRetry hands the phone's answer to a media retry to whoever waits
// for it; answers nobody waits for are dropped.
func (s *session) onMediaRetry(evt *events.MediaRetry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.mediaRetries[evt.MessageID] {
		select {
		case ch <- evt:
		default:
		}
	}
}
