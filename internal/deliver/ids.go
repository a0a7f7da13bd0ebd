package deliver

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewDeliveryID returns a fresh delivery id: "dlv_" and 20 random base32
// characters.
func NewDeliveryID() string {
	var b [13]byte
	_, _ = rand.Read(b[:])
	return "dlv_" + strings.ToLower(idEncoding.EncodeToString(b[:])[:20])
}
