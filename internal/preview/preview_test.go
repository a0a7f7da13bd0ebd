package preview

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestFirstURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"see https://example.com/a?b=c.":       "https://example.com/a?b=c",
		"(http://example.com)":                 "http://example.com",
		"none here":                            "",
		"https:// broken":                      "",
		"x https://a.example/p, y http://b.ex": "https://a.example/p",
	} {
		require.Equal(t, want, FirstURL(in), "%q", in)
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	title, desc := Parse(`<HTML><head><TITLE> Plain  Title </title>
		<meta name=description content='Short &amp; sweet'>
		<meta property="og:title" content="OG title" />`)
	require.Equal(t, "OG title", title, "og:title wins over <title>")
	require.Equal(t, "Short & sweet", desc)
	title, desc = Parse(`<title>Only title</title><meta property="og:description" content="OG desc"><meta name="description" content="plain">`)
	require.Equal(t, "Only title", title)
	require.Equal(t, "OG desc", desc)
	title, _ = Parse("<title>" + strings.Repeat("é", 600) + "</title>")
	require.Equal(t, MaxText, utf8.RuneCountInString(title), "clipped")
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`<title>a</title>`, `<meta property="og:title" content="x">`, `<meta name=description content='y`, `<meta`, `<title>`, "<TİTLE>İ</title>", `<meta content= name="description">`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		title, desc := Parse(s)
		for _, v := range []string{title, desc} {
			if !utf8.ValidString(v) || utf8.RuneCountInString(v) > MaxText || strings.ContainsAny(v, "\n\t") {
				t.Fatalf("Parse(%q) = %q", s, v)
			}
		}
	})
}
