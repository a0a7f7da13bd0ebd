// Package ids makes the ids of rows that are written in bulk (events,
// webhook deliveries).
package ids

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"strings"
	"time"
)

// hex is base32 with the "extended hex" alphabet, whose encodings sort like
// the bytes they encode.
var hex = base32.HexEncoding.WithPadding(base32.NoPadding)

// Sortable returns prefix and 21 lowercase base32 characters: 48 bits of
// now in milliseconds, then 56 random bits. Ids made later sort after
// earlier ones (to the millisecond), so rows inserted in bulk go to the end
// of the id's index instead of all over it: a batch writes a few index
// pages, not one per row. They are opaque and unique like random ids.
func Sortable(prefix string, now time.Time) string {
	var b [13]byte
	ms := uint64(max(now.UnixMilli(), 0)) //nolint:gosec // clamped to >= 0
	binary.BigEndian.PutUint64(b[:8], ms<<16)
	_, _ = rand.Read(b[6:])
	return prefix + strings.ToLower(hex.EncodeToString(b[:]))
}
