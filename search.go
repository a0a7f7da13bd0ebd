package wauser

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wauser/wauser/internal/search"
	"github.com/wauser/wauser/internal/store"
)

// Page sizes of SearchMessages.
const (
	DefaultSearchLimit = 20
	MaxSearchLimit     = 100
)

// searchContentTypes are the content types a search can filter on.
var searchContentTypes = []string{"text", "image", "video", "audio", "voice", "document", "sticker", "location", "contact", "poll", "system", "unknown"}

// SearchMessagesOptions is a full-text search of the account's messages.
//
// Query is what a user types into a search box: words, "quoted phrases"
// and word* prefixes (at least two letters before the *). A message
// matches when its body (a media message's caption is its body; a poll's
// question, a location's name, a contact card's name) contains every word
// and phrase, whatever the case and, on SQLite, the accents. Everything
// else in the query only separates words: search operators (AND, OR, NOT,
// NEAR, -, parentheses) are searched as plain words or ignored, so no input
// is a syntax error. A query without a word is an ErrInvalidArgument.
type SearchMessagesOptions struct {
	Query          string
	ConversationID ConversationID // only this conversation; "" for all
	SenderID       PersonID       // only messages this person sent; "" for all
	FromMe         bool           // only messages the account sent
	ContentTypes   []string       // only these content types (Message.ContentType); empty for all
	Since          time.Time      // only messages sent at or after Since; zero for no bound
	Until          time.Time      // only messages sent before Until; zero for no bound
	Cursor         string         // NextCursor of the previous page of the same search
	Limit          int            // 0 means DefaultSearchLimit; at most MaxSearchLimit
}

// MessageSearchHit is a message a search found, with its score.
type MessageSearchHit struct {
	Message Message `json:"message"`
	// Score says how well the message matches: higher is better. Scores
	// compare hits of one search only (SQLite ranks with FTS5's bm25,
	// PostgreSQL with ts_rank).
	Score float64 `json:"score"`
}

// MessageSearchResult is a page of search hits, best first.
type MessageSearchResult struct {
	Hits       []MessageSearchHit `json:"hits"`
	NextCursor string             `json:"next_cursor,omitempty"` // empty on the last page
}

// SearchMessages finds the account's stored messages whose body matches a
// query, ranked best first (equal scores newest first), optionally only in
// one conversation, from one sender or the account itself, of some content
// types, or sent within a time range. It reads the store only: it sends
// nothing to WhatsApp and finds what history sync and live traffic stored.
//
// The index follows the messages: an edited message is found by its new
// text only, a deleted (revoked) message is never found, and a message
// merged into another (one person seen by phone number and by LID) is found
// once, as the survivor.
//
// Pages: pass the result's NextCursor as Cursor with the same query and
// filters (a cursor of another search is ErrInvalidCursor). A page is a
// position in the ranked order, so messages that arrive between two pages
// can shift a hit from one page to the next. SQLite matches words as its
// FTS5 unicode61 tokenizer splits them (case and diacritics folded);
// PostgreSQL as its 'simple' text search configuration does (case folded
// as the database's locale folds it: a database created with the C locale
// folds only ASCII letters; no stemming, so a multilingual chat store is
// searched alike in every language; e-mail addresses and host names stay
// whole words there). Scripts written without spaces (Chinese, Japanese,
// Thai) are matched by whole runs of text between spaces and punctuation,
// not by single words.
func (c *Client) SearchMessages(ctx context.Context, opts SearchMessagesOptions) (*MessageSearchResult, error) {
	q, err := search.Parse(opts.Query)
	switch {
	case errors.Is(err, search.ErrEmpty):
		return nil, invalidArg("query", "has no word to search for")
	case err != nil:
		return nil, invalidArg("query", "%v", err)
	}
	limit := opts.Limit
	switch {
	case limit < 0:
		return nil, invalidArg("limit", "must be at least 1, got %d", limit)
	case limit == 0:
		limit = DefaultSearchLimit
	}
	limit = min(limit, MaxSearchLimit)
	convID, sender := string(opts.ConversationID), string(opts.SenderID)
	switch {
	case convID != "" && !validRecordID(convID):
		return nil, invalidArg("conversation_id", "%q is not a conversation id", convID)
	case sender != "" && !validRecordID(sender):
		return nil, invalidArg("sender_id", "%q is not a person id", sender)
	case sender != "" && opts.FromMe:
		return nil, invalidArg("from_me", "give a sender or from_me, not both")
	case !opts.Since.IsZero() && !opts.Until.IsZero() && !opts.Until.After(opts.Since):
		return nil, invalidArg("until", "must be after since")
	}
	for _, t := range opts.ContentTypes {
		if !slices.Contains(searchContentTypes, t) {
			return nil, invalidArg("content_types", "%q is not a content type (one of %s)", t, strings.Join(searchContentTypes, ", "))
		}
	}
	key := searchKey(q, opts)
	offset := 0
	if opts.Cursor != "" {
		pos, err := decodeCursor('s', opts.Cursor)
		if err != nil {
			return nil, err
		}
		n, k, ok := strings.Cut(pos, "|")
		off, perr := strconv.Atoi(n)
		if !ok || perr != nil || off < 0 || k != key {
			return nil, &ArgumentError{Field: "cursor", Reason: "not a cursor of this search", Err: ErrInvalidCursor}
		}
		offset = off
	}
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	if convID != "" {
		conv, err := c.core.st.GetConversation(ctx, string(id), convID)
		if err != nil {
			return nil, recordError("conversation", convID, err)
		}
		convID = conv.ConversationID
	}
	if sender != "" {
		ct, err := c.core.st.GetContact(ctx, string(id), sender)
		if err != nil {
			return nil, recordError("contact", sender, err)
		}
		sender = ct.PersonID
	}
	hits, err := c.core.st.SearchMessages(ctx, string(id), store.SearchMessagesQuery{
		Query:          q,
		ConversationID: convID,
		SenderPersonID: sender,
		FromMe:         opts.FromMe,
		ContentTypes:   opts.ContentTypes,
		Since:          opts.Since,
		Until:          opts.Until,
		Offset:         offset,
		Limit:          limit + 1,
	})
	if err != nil {
		return nil, fmt.Errorf("wauser: search messages: %w", err)
	}
	out := &MessageSearchResult{Hits: make([]MessageSearchHit, 0, min(len(hits), limit))}
	if len(hits) > limit {
		hits = hits[:limit]
		out.NextCursor = encodeCursor('s', strconv.Itoa(offset+limit)+"|"+key)
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.MessageID
	}
	rows, err := c.core.st.MessagesByID(ctx, string(id), ids)
	if err != nil {
		return nil, fmt.Errorf("wauser: search messages: %w", err)
	}
	byID := make(map[string]*store.Message, len(rows))
	for _, r := range rows {
		byID[r.MessageID] = r
	}
	for _, h := range hits {
		if r, ok := byID[h.MessageID]; ok {
			out.Hits = append(out.Hits, MessageSearchHit{Message: messageFromRow(r), Score: h.Score})
		}
	}
	return out, nil
}

// searchKey identifies a search (its query and filters) in its cursors.
func searchKey(q search.Query, o SearchMessagesOptions) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%t\x00%s\x00%d\x00%d", q, o.ConversationID, o.SenderID, o.FromMe,
		strings.Join(o.ContentTypes, ","), o.Since.UnixNano(), o.Until.UnixNano())
	return strconv.FormatUint(h.Sum64(), 36)
}
