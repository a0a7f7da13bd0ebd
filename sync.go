package wauser

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"sort"

	"github.com/wauser/wauser/internal/store"
)

// Cursor is a position in an account's change feed: the seq of the last
// change a reader has seen. The zero Cursor is the beginning.
type Cursor int64

// Page size limits of SyncPage and Changes.
const (
	DefaultSyncLimit = 100
	MaxSyncLimit     = 1000
)

// SyncPage is one page of the change feed (the WhatsApp Use sync API's GET
// /v1/whatsapp/sync): the conversations, contacts and messages that changed
// after the cursor, each in its latest state.
type SyncPage struct {
	Conversations []Conversation `json:"conversations"`
	Contacts      []Contact      `json:"contacts"`
	Messages      []Message      `json:"messages"`
	// Cursor is the highest seq in the page, or the input cursor when the
	// page is empty; pass it to the next call.
	Cursor Cursor `json:"cursor"`
	// HasMore says whether changes after Cursor exist.
	HasMore bool `json:"has_more"`
}

// ChangeKind says which record a Change carries.
type ChangeKind string

// Change kinds.
const (
	ChangeConversation ChangeKind = "conversation"
	ChangeContact      ChangeKind = "contact"
	ChangeMessage      ChangeKind = "message"
)

// Change is one changed record of the feed. Exactly one of Conversation,
// Contact and Message is set, as Kind says.
type Change struct {
	Kind         ChangeKind
	Seq          Cursor // resume after this change by passing it as the cursor
	Conversation *Conversation
	Contact      *Contact
	Message      *Message
}

// SyncPage returns the records of the account whose seq is above cursor,
// ordered by seq. limit counts the three arrays together: 0 means
// DefaultSyncLimit, values above MaxSyncLimit are clamped, negative values
// return ErrInvalidArgument.
//
// Every change of a record gives it the account's next seq, and seqs become
// visible in commit order, so a reader that pages with the returned cursor
// never misses a change: a record appears once per page sequence, in its
// latest state. Records re-keyed when a LID and a phone number turned out
// to be one person appear once more with merged_into naming their
// successor (see "Identity and merges" in the package docs).
func (c *Client) SyncPage(ctx context.Context, cursor Cursor, limit int) (*SyncPage, error) {
	id, limit, bound, err := c.syncArgs(ctx, cursor, limit)
	if err != nil {
		return nil, err
	}
	return c.core.syncPage(ctx, id, cursor, limit, bound)
}

// SyncPageJSON returns SyncPage's result encoded as the WhatsApp Use sync API's JSON.
// Pages are remembered (see WithSyncCache): a page is fully determined by
// the account, cursor, limit and the account's committed seq, so a page
// asked again before any change is served from memory. The returned bytes
// are shared: do not modify them.
func (c *Client) SyncPageJSON(ctx context.Context, cursor Cursor, limit int) ([]byte, error) {
	id, limit, bound, err := c.syncArgs(ctx, cursor, limit)
	if err != nil {
		return nil, err
	}
	key := syncKey{account: id, cursor: cursor, limit: limit, bound: bound}
	if b, ok := c.core.syncCache.Get(key); ok {
		c.core.metrics.FeedPage(true, 0, 0, 0)
		return b, nil
	}
	page, err := c.core.syncPage(ctx, id, cursor, limit, bound)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(page)
	if err != nil {
		return nil, fmt.Errorf("wauser: sync: encode: %w", err)
	}
	c.core.syncCache.Put(key, b)
	return b, nil
}

// syncArgs validates SyncPage's arguments and reads the account's change
// bound: every record with a seq at or below it is committed, so reading up
// to it means no later page can reveal a lower seq.
func (c *Client) syncArgs(ctx context.Context, cursor Cursor, limit int) (AccountID, int, int64, error) {
	switch {
	case cursor < 0:
		return "", 0, 0, invalidArg("cursor", "must not be negative, got %d", cursor)
	case limit < 0:
		return "", 0, 0, invalidArg("limit", "must be at least 1, got %d", limit)
	case limit == 0:
		limit = DefaultSyncLimit
	case limit > MaxSyncLimit:
		limit = MaxSyncLimit
	}
	id, err := c.accountID(ctx)
	if err != nil {
		return "", 0, 0, err
	}
	bound, err := c.core.st.ChangeBound(ctx, string(id))
	if err != nil {
		return "", 0, 0, fmt.Errorf("wauser: sync: %w", c.core.notFoundAccount(err, id))
	}
	return id, limit, bound, nil
}

func (co *core) syncPage(ctx context.Context, id AccountID, cursor Cursor, limit int, bound int64) (*SyncPage, error) {
	st := co.st
	rows, err := st.ChangesAfter(ctx, string(id), int64(cursor), bound, limit+1)
	if err != nil {
		return nil, fmt.Errorf("wauser: sync: %w", err)
	}
	co.metrics.FeedPage(false, len(rows.Conversations), len(rows.Contacts), len(rows.Messages))
	page := &SyncPage{Cursor: cursor}
	// The rows are the lowest limit+1 seqs, each kind ordered by seq: the
	// page is all but the highest of them, which says there is more.
	var top int64
	n := len(rows.Conversations) + len(rows.Contacts) + len(rows.Messages)
	for _, seq := range []int64{lastSeq(rows.Conversations, func(r *store.Conversation) int64 { return r.Seq }),
		lastSeq(rows.Contacts, func(r *store.Contact) int64 { return r.Seq }),
		lastSeq(rows.Messages, func(r *store.Message) int64 { return r.Seq })} {
		top = max(top, seq)
	}
	if n > limit {
		page.HasMore = true
		n--
	} else {
		top++ // keep them all
	}
	page.Conversations = pageRecords(rows.Conversations, top, &page.Cursor,
		func(r *store.Conversation) int64 { return r.Seq }, conversationFromRow)
	page.Contacts = pageRecords(rows.Contacts, top, &page.Cursor,
		func(r *store.Contact) int64 { return r.Seq }, contactFromRow)
	page.Messages = pageRecords(rows.Messages, top, &page.Cursor,
		func(r *store.Message) int64 { return r.Seq }, messageFromRow)
	if !page.HasMore {
		// Only what is committed up to the bound counts: a page is then a
		// function of (account, cursor, limit, bound), which SyncPageJSON's
		// cache relies on. Changes committed since show on the next call.
		page.HasMore = bound > int64(page.Cursor) && (n > 0 || int64(cursor) < bound)
		if page.HasMore {
			more, err := st.HasChangesBetween(ctx, string(id), int64(page.Cursor), bound)
			if err != nil {
				return nil, fmt.Errorf("wauser: sync: %w", err)
			}
			page.HasMore = more
		}
	}
	return page, nil
}

// lastSeq returns the seq of the last of rows (ordered by seq), 0 when
// there are none.
// pageRecords converts the rows of one kind with seq below top into
// records, moving cursor to the highest seq taken; never nil (the JSON has
// an empty list, not null).
func pageRecords[R, T any](rows []*R, top int64, cursor *Cursor, seq func(*R) int64, convert func(*R) T) []T {
	if len(rows) == 0 {
		return []T{}
	}
	out := make([]T, 0, len(rows))
	for _, r := range rows {
		if s := seq(r); s < top {
			out = append(out, convert(r))
			*cursor = max(*cursor, Cursor(s))
		}
	}
	return out
}

func lastSeq[T any](rows []*T, seq func(*T) int64) int64 {
	if len(rows) == 0 {
		return 0
	}
	return seq(rows[len(rows)-1])
}

// HeadCursor returns the cursor of the account's latest committed change:
// SyncPage and Changes from it return only what is committed later. A
// reader that starts live (showing only new changes) starts here.
func (c *Client) HeadCursor(ctx context.Context) (Cursor, error) {
	id, err := c.accountID(ctx)
	if err != nil {
		return 0, err
	}
	bound, err := c.core.st.ChangeBound(ctx, string(id))
	if err != nil {
		return 0, fmt.Errorf("wauser: sync: %w", c.core.notFoundAccount(err, id))
	}
	return Cursor(bound), nil
}

// ChangesWritten returns a channel that is closed the next time this
// process commits changes, of any account. Take the channel before reading
// the feed (SyncPage, Changes), then wait on it: no commit is missed.
// Changes committed by other processes on the same database do not close
// it; a reader that must see them also polls.
func (c *Client) ChangesWritten() <-chan struct{} { return c.core.st.EventsWritten() }

// Changes iterates over the account's changes after cursor, fetching pages
// of limit records lazily (see SyncPage for limit and ordering). Each Change
// carries its own seq: to resume later, store the Seq of the last change
// handled and pass it as cursor. The iterator ends when it has caught up;
// it can be run again from any cursor. On error it yields (Change{}, err)
// once and stops.
func (c *Client) Changes(ctx context.Context, cursor Cursor, limit int) iter.Seq2[Change, error] {
	return func(yield func(Change, error) bool) {
		for {
			page, err := c.SyncPage(ctx, cursor, limit)
			if err != nil {
				yield(Change{}, err)
				return
			}
			for _, ch := range page.changes() {
				if !yield(ch, nil) {
					return
				}
			}
			if !page.HasMore || page.Cursor == cursor {
				return
			}
			cursor = page.Cursor
		}
	}
}

// changes returns the page's records as Changes ordered by seq.
func (p *SyncPage) changes() []Change {
	out := make([]Change, 0, len(p.Conversations)+len(p.Contacts)+len(p.Messages))
	for i := range p.Conversations {
		out = append(out, Change{Kind: ChangeConversation, Seq: Cursor(p.Conversations[i].Seq), Conversation: &p.Conversations[i]})
	}
	for i := range p.Contacts {
		out = append(out, Change{Kind: ChangeContact, Seq: Cursor(p.Contacts[i].Seq), Contact: &p.Contacts[i]})
	}
	for i := range p.Messages {
		out = append(out, Change{Kind: ChangeMessage, Seq: Cursor(p.Messages[i].Seq), Message: &p.Messages[i]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// DefaultSyncCacheBytes is how much memory SyncPageJSON's page cache may use
// unless WithSyncCache says otherwise.
const DefaultSyncCacheBytes = 32 << 20

// WithSyncCache sets how many bytes of encoded change-feed pages
// SyncPageJSON keeps in memory, least recently used first out; 0 turns the
// cache off. The default is DefaultSyncCacheBytes.
func WithSyncCache(maxBytes int64) Option {
	return func(c *config) error {
		if maxBytes < 0 {
			return invalidArg("sync cache", "must not be negative, got %d", maxBytes)
		}
		c.syncCacheBytes = maxBytes
		c.syncCacheSet = true
		return nil
	}
}

// syncKey identifies a page of the change feed. A page is a function of
// these: any change to the account's records moves its bound.
type syncKey struct {
	account AccountID
	cursor  Cursor
	limit   int
	bound   int64
}
