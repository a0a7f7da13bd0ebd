package wauser

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

// AccountID names an account (a linked WhatsApp device) in the store.
type AccountID string

// validAccountID reports whether id is usable in URLs and headers as is:
// 1 to 64 of A-Z a-z 0-9 _ . -
func validAccountID(id AccountID) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
		default:
			return false
		}
	}
	return true
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// randomID returns prefix followed by 20 random base32 characters.
func randomID(prefix string) string {
	var b [13]byte
	_, _ = rand.Read(b[:])
	return prefix + strings.ToLower(idEncoding.EncodeToString(b[:])[:20])
}
