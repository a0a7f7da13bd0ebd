package wauser

import (
	"encoding/base64"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/wauser/wauser/internal/store"
)

// Page sizes of the List methods.
const (
	DefaultListLimit = 50
	MaxListLimit     = 500
)

// listLimit validates a List limit: 0 means the default, larger than the
// maximum is clamped, negative is invalid.
func listLimit(n int) (int, error) {
	switch {
	case n < 0:
		return 0, invalidArg("limit", "must be at least 1, got %d", n)
	case n == 0:
		return DefaultListLimit, nil
	}
	return min(n, MaxListLimit), nil
}

// List cursors are opaque to callers: a kind letter, then base64 of the
// position. A cursor of one list is refused by another.

func encodeCursor(kind byte, pos string) string {
	return string(kind) + base64.RawURLEncoding.EncodeToString([]byte(pos))
}

func decodeCursor(kind byte, cur string) (string, error) {
	if len(cur) < 2 || cur[0] != kind {
		return "", &ArgumentError{Field: "cursor", Reason: "not a cursor of this list", Err: ErrInvalidCursor}
	}
	b, err := base64.RawURLEncoding.DecodeString(cur[1:])
	if err != nil {
		return "", &ArgumentError{Field: "cursor", Reason: "malformed", Err: ErrInvalidCursor}
	}
	return string(b), nil
}

func timeCursor(kind byte, at time.Time, id string) string {
	return encodeCursor(kind, strconv.FormatInt(at.UnixNano(), 10)+"|"+id)
}

func parseTimeCursor(kind byte, cur string) (*store.KeysetTime, error) {
	if cur == "" {
		return nil, nil
	}
	pos, err := decodeCursor(kind, cur)
	if err != nil {
		return nil, err
	}
	ns, id, ok := strings.Cut(pos, "|")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || !validRecordID(id) {
		return nil, &ArgumentError{Field: "cursor", Reason: "malformed", Err: ErrInvalidCursor}
	}
	return &store.KeysetTime{At: time.Unix(0, n).UTC(), ID: id}, nil
}

// validRecordID reports whether id can be a record id (conv_…, msg_…,
// person_…): 1 to 64 ASCII letters, digits and underscores.
func validRecordID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// recordError maps a store error about a record to the API's errors.
func recordError(what, id string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %s %q", ErrNotFound, what, id)
	}
	return fmt.Errorf("wauser: get %s: %w", what, err)
}

// Iterators: every ListXxx method that pages by cursor has an iterator
// form named for what it yields (Messages for ListMessages, Contacts,
// Conversations), as Changes is for SyncPage. It takes the same options,
// starts at opts.Cursor (or the first page), fetches pages of opts.Limit
// lazily as the loop asks for more, and ends after the last page. On error
// it yields (zero, err) once and stops.

// pages yields the items of page after page, from cursor until a page
// has no next cursor.
func pages[T any](cursor string, page func(cursor string) ([]T, string, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			items, next, err := page(cursor)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == "" || next == cursor {
				return
			}
			cursor = next
		}
	}
}
