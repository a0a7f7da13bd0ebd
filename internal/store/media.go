package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Media is a file uploaded to WhatsApp's media servers, with what a message
// needs to point at it (whatsmeow's UploadResponse). Binary fields are
// base64 (standard encoding).
type Media struct {
	bun.BaseModel `bun:"table:wauser_media"`

	AccountID  string    `bun:"account_id,pk"`
	MediaID    string    `bun:"media_id,pk"`
	MediaType  string    `bun:"media_type,notnull"` // image, video, audio, document, sticker
	MIMEType   string    `bun:"mime_type,notnull"`
	FileName   string    `bun:"file_name,notnull"`
	Size       int64     `bun:"size,notnull"`        // FileLength
	SHA256     string    `bun:"sha256,notnull"`      // FileSHA256 of the plaintext
	EncSHA256  string    `bun:"enc_sha256,notnull"`  // FileEncSHA256 of the encrypted file
	MediaKey   string    `bun:"media_key,notnull"`   // secret: never in API output or logs
	URL        string    `bun:"url,notnull"`         // where the encrypted file was uploaded
	DirectPath string    `bun:"direct_path,notnull"` // URL path on WhatsApp's media hosts
	SourceURL  string    `bun:"source_url,notnull"`  // the URL it was fetched from, if any
	Width      int       `bun:"width,notnull"`       // image pixels, 0 when not known
	Height     int       `bun:"height,notnull"`
	Seconds    int       `bun:"seconds,notnull"`   // playing time of Ogg Opus audio, 0 when not known
	Thumbnail  string    `bun:"thumbnail,notnull"` // JPEG thumbnail of an image, "" when none
	CreatedAt  time.Time `bun:"created_at,notnull"`
}

// InsertMedia stores m. It returns ErrExists when the account already has
// media with that id.
func InsertMedia(ctx context.Context, db bun.IDB, m *Media) error {
	res, err := db.NewInsert().Model(m).On("CONFLICT (account_id, media_id) DO NOTHING").Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: insert media: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: insert media: %w", err)
	} else if n == 0 {
		return fmt.Errorf("store: insert media %q: %w", m.MediaID, ErrExists)
	}
	return nil
}

// GetMedia returns the media id of account, or ErrNotFound.
func GetMedia(ctx context.Context, db bun.IDB, account, id string) (*Media, error) {
	m := new(Media)
	if err := db.NewSelect().Model(m).Where("account_id = ? AND media_id = ?", account, id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: get media %q: %w", id, notFound(err))
	}
	return m, nil
}

// MediaInfo is the public metadata of a message's media, stored as JSON in
// Message.Media. It never holds keys.
type MediaInfo struct {
	MimeType string `json:"mime_type,omitempty"`
	FileName string `json:"file_name,omitempty"`
	Size     uint64 `json:"size,omitempty"`
	SHA256   string `json:"sha256,omitempty"` // hex of the plaintext's SHA-256
	Width    uint32 `json:"width,omitempty"`
	Height   uint32 `json:"height,omitempty"`
	Seconds  uint32 `json:"seconds,omitempty"`
	Caption  string `json:"caption,omitempty"`
}

// MediaKeys is what downloading a message's media needs, stored as JSON in
// Message.MediaKeys. It is never part of API output.
type MediaKeys struct {
	MediaType     string `json:"media_type"` // whatsmeow.MediaType: "WhatsApp Image Keys", ...
	URL           string `json:"url,omitempty"`
	DirectPath    string `json:"direct_path,omitempty"`
	MediaKey      []byte `json:"media_key,omitempty"`
	FileEncSHA256 []byte `json:"file_enc_sha256,omitempty"`
	FileSHA256    []byte `json:"file_sha256,omitempty"`
	FileLength    uint64 `json:"file_length,omitempty"`
	MimeType      string `json:"mime_type,omitempty"`
	KeyTimestamp  int64  `json:"key_timestamp,omitempty"`
}
