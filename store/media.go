package store

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
