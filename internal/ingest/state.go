package ingest

import (
	"cmp"
	"time"
)

// Merge rules for the state of a conversation or a contact (archived,
// pinned, muted, unread, disappearing timer, subject, participants, names).
// WhatsApp states these fields in many places: history blobs (one record per
// addressing form of a chat), app-state actions, group notifications,
// messages. Each statement has a time: the action's, the message's, or for a
// history conversation its last activity (0 when a source has none). A
// field takes a stated value when the statement is at least as recent as the
// one that set it (on a tie the larger value wins, so that the result does
// not depend on which came first), and a source that does not state a field
// leaves it alone. The times are kept per row (FieldTimes), so merging two
// rows of one chat or person field by field gives what applying every
// statement to one row would have given, in any order.

// Field names in FieldTimes.
const (
	fieldArchived     = "archived"
	fieldPinned       = "pinned"
	fieldMuted        = "muted"
	fieldUnread       = "unread"
	fieldEphemeral    = "ephemeral"
	fieldSubject      = "subject"
	fieldTopic        = "topic"
	fieldAnnounce     = "announce"
	fieldLocked       = "locked"
	fieldParticipants = "participants"
	fieldPushName     = "push_name"
	fieldBusinessName = "business_name"
	fieldName         = "name"
)

// stated reports whether a statement at ts with value v replaces the value
// cur of field f, set at times[f] (absent: never stated), and records ts
// when it does. key orders values for ties.
func stated[K cmp.Ordered](times *map[string]int64, f string, ts int64, cur, v K) bool {
	if *times == nil {
		*times = map[string]int64{}
	}
	last, ok := (*times)[f]
	switch {
	case !ok, ts > last:
	case ts == last && v > cur:
	default:
		return false
	}
	(*times)[f] = ts
	return true
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// setBool applies a statement of a boolean field.
func setBool(times *map[string]int64, f string, ts int64, dst *bool, v bool) bool {
	if !stated(times, f, ts, b2i(*dst), b2i(v)) {
		return false
	}
	*dst = v
	return true
}

// setInt applies a statement of an integer field.
func setInt(times *map[string]int64, f string, ts int64, dst *int, v int) bool {
	if !stated(times, f, ts, *dst, v) {
		return false
	}
	*dst = v
	return true
}

// setString applies a statement of a text field.
func setString(times *map[string]int64, f string, ts int64, dst *string, v string) bool {
	if !stated(times, f, ts, *dst, v) {
		return false
	}
	*dst = v
	return true
}

// setTime applies a statement of a time field.
func setTime(times *map[string]int64, f string, ts int64, dst *time.Time, v time.Time) bool {
	if !stated(times, f, ts, unixNano(*dst), unixNano(v)) {
		return false
	}
	*dst = v
	return true
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// mergeField merges field f of row gone into row keep: keep takes gone's
// value when gone stated it more recently (see stated). take copies the
// value; it runs only then.
func mergeField[K cmp.Ordered](keep, gone map[string]int64, f string, cur, v K, take func()) map[string]int64 {
	ts, ok := gone[f]
	if !ok {
		return keep
	}
	if stated(&keep, f, ts, cur, v) {
		take()
	}
	return keep
}

// ms is t in unix milliseconds, 0 for the zero time.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
