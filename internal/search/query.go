// Package search turns what a user types into a search box into the
// full-text query syntax of each database: SQLite FTS5 MATCH expressions
// and PostgreSQL tsquery text.
//
// Nothing the user types reaches a database as syntax. The query is read
// as words (runs of letters, digits and combining marks), "quoted phrases"
// and word* prefixes; every other character, operators included, only
// separates words. Every word must occur (AND). Words are re-emitted
// quoted, so FTS5 and tsquery operators in the input (AND, OR, NOT, NEAR,
// -, ^, :, parentheses, quotes) are searched as plain words or ignored, and
// a NUL byte or invalid UTF-8 is a separator. Words keep their case: each
// database folds the query's case as it folds the indexed text's.
package search

import (
	"errors"
	"strings"
	"unicode"
)

// Limits of a query.
const (
	MaxQueryBytes = 1024 // longer queries are refused
	MaxTerms      = 32   // words and phrases past this many are refused
	maxWordRunes  = 64   // longer words are cut: no chat word is longer
)

// Errors of Parse.
var (
	ErrEmpty   = errors.New("no word to search for")
	ErrTooLong = errors.New("query too long")
	ErrTooMany = errors.New("too many words")
)

// Term is one thing every match contains: a word, a prefix of a word, or
// a phrase of words in this order.
type Term struct {
	Words  []string // as typed; more than one for a phrase
	Prefix bool     // the last word is a prefix (word*); only for single words
}

// Query is a parsed search query: every term must match.
type Query struct {
	Terms []Term
}

func isWordRune(r rune) bool {
	return r != unicode.ReplacementChar && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
}

// Parse reads a user's query. It fails with ErrEmpty when the query holds
// no word, ErrTooLong or ErrTooMany when it is too big.
func Parse(q string) (Query, error) {
	if len(q) > MaxQueryBytes {
		return Query{}, ErrTooLong
	}
	var out Query
	rs := []rune(q)
	word := func(i int) (string, int) {
		j := i
		for j < len(rs) && isWordRune(rs[j]) {
			j++
		}
		w := rs[i:j]
		if len(w) > maxWordRunes {
			w = w[:maxWordRunes]
		}
		return string(w), j
	}
	for i := 0; i < len(rs); {
		switch {
		case rs[i] == '"':
			// A phrase runs to the next quote, or to the end.
			var words []string
			i++
			for i < len(rs) && rs[i] != '"' {
				if isWordRune(rs[i]) {
					var w string
					w, i = word(i)
					words = append(words, w)
					continue
				}
				i++
			}
			i++ // the closing quote
			if len(words) > 0 {
				out.Terms = append(out.Terms, Term{Words: words})
			}
		case isWordRune(rs[i]):
			var w string
			w, i = word(i)
			t := Term{Words: []string{w}}
			if i < len(rs) && rs[i] == '*' && len([]rune(w)) >= 2 {
				t.Prefix = true
				i++
			}
			out.Terms = append(out.Terms, t)
		default:
			i++
		}
		if len(out.Terms) > MaxTerms {
			return Query{}, ErrTooMany
		}
	}
	if len(out.Terms) == 0 {
		return Query{}, ErrEmpty
	}
	return out, nil
}

// FTS5 renders the query as an SQLite FTS5 MATCH expression: each term a
// double-quoted string (a phrase when it holds several words), a prefix
// term followed by *, terms joined by spaces (AND).
func (q Query) FTS5() string {
	var b strings.Builder
	for i, t := range q.Terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		b.WriteString(strings.Join(t.Words, " "))
		b.WriteByte('"')
		if t.Prefix {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// TSQuery renders the query as PostgreSQL tsquery text for to_tsquery:
// each word a quoted lexeme, a phrase its words joined by <->, a prefix
// term marked :*, terms joined by &.
func (q Query) TSQuery() string {
	var b strings.Builder
	for i, t := range q.Terms {
		if i > 0 {
			b.WriteString(" & ")
		}
		if len(t.Words) > 1 {
			b.WriteByte('(')
		}
		for j, w := range t.Words {
			if j > 0 {
				b.WriteString(" <-> ")
			}
			b.WriteByte('\'')
			b.WriteString(w)
			b.WriteByte('\'')
		}
		if len(t.Words) > 1 {
			b.WriteByte(')')
		}
		if t.Prefix {
			b.WriteString(":*")
		}
	}
	return b.String()
}

// String is the canonical form of the query (the FTS5 expression): two
// queries that search for the same thing have the same String.
func (q Query) String() string { return q.FTS5() }
