package search

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, fts, ts string
		err         error
	}{
		{in: "Fox", fts: `"Fox"`, ts: `'Fox'`},
		{in: "brown fox", fts: `"brown" "fox"`, ts: `'brown' & 'fox'`},
		{in: `"brown fox" den`, fts: `"brown fox" "den"`, ts: `('brown' <-> 'fox') & 'den'`},
		{in: `"brown fox`, fts: `"brown fox"`, ts: `('brown' <-> 'fox')`},
		{in: `"fox"`, fts: `"fox"`, ts: `'fox'`},
		{in: "hunt*", fts: `"hunt"*`, ts: `'hunt':*`},
		{in: "h*", fts: `"h"`, ts: `'h'`},
		{in: "NOT fox OR den", fts: `"NOT" "fox" "OR" "den"`, ts: `'NOT' & 'fox' & 'OR' & 'den'`},
		{in: "fox's den:(x) -y", fts: `"fox" "s" "den" "x" "y"`, ts: `'fox' & 's' & 'den' & 'x' & 'y'`},
		{in: "fox\x00den", fts: `"fox" "den"`, ts: `'fox' & 'den'`},
		{in: "\xfffox", fts: `"fox"`, ts: `'fox'`},
		{in: "Ünï", fts: `"Ünï"`, ts: `'Ünï'`},
		{in: "", err: ErrEmpty},
		{in: `!!! "" *** '`, err: ErrEmpty},
		{in: strings.Repeat("a ", MaxTerms+1), err: ErrTooMany},
		{in: strings.Repeat("a", MaxQueryBytes+1), err: ErrTooLong},
	} {
		q, err := Parse(tc.in)
		if tc.err != nil {
			require.ErrorIs(t, err, tc.err, "%q", tc.in)
			continue
		}
		require.NoError(t, err, "%q", tc.in)
		require.Equal(t, tc.fts, q.FTS5(), "%q", tc.in)
		require.Equal(t, tc.ts, q.TSQuery(), "%q", tc.in)
	}
}

// FuzzParse: whatever the input, the rendered queries hold only quoted
// words (letters, digits, marks) and the operators Parse itself writes.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"fox", `"a b" c*`, "NOT (x) OR y", "\x00", "\xff", `'; --`, "🦊", "नमस्ते", "狐狸 *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		q, err := Parse(in)
		if err != nil {
			if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrTooLong) && !errors.Is(err, ErrTooMany) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(q.Terms) == 0 || len(q.Terms) > MaxTerms {
			t.Fatalf("%d terms", len(q.Terms))
		}
		for _, term := range q.Terms {
			for _, w := range term.Words {
				if w == "" {
					t.Fatal("empty word")
				}
				for _, r := range w {
					if !isWordRune(r) {
						t.Fatalf("word %q holds %q", w, r)
					}
				}
			}
		}
		check := func(s, ops string) {
			for _, r := range s {
				if !isWordRune(r) && !strings.ContainsRune(ops, r) && !unicode.IsSpace(r) {
					t.Fatalf("%q holds %q", s, r)
				}
			}
		}
		check(q.FTS5(), `"*`)
		check(q.TSQuery(), `'&<->():*`)
		if strings.Count(q.FTS5(), `"`) != 2*len(q.Terms) {
			t.Fatalf("unbalanced quotes in %q", q.FTS5())
		}
	})
}
