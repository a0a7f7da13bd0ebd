// Package preview builds the link previews of sent text: WhatsApp
// clients build the preview of a link themselves (title, description) and
// send it with the text; recipients do not fetch the page. The sender
// reads the page's <title> and Open Graph tags.
package preview

import (
	"html"
	"net/url"
	"strings"
	"time"
)

const (
	MaxBytes = 512 << 10        // of a page read
	Timeout  = 10 * time.Second // of a page fetch
	MaxText  = 512              // characters kept of a title or description
)

// FirstURL returns the first http(s) link of text, or "".
func FirstURL(text string) string {
	for _, field := range strings.Fields(text) {
		i := strings.Index(field, "http://")
		if j := strings.Index(field, "https://"); j >= 0 && (i < 0 || j < i) {
			i = j
		}
		if i < 0 {
			continue
		}
		link := strings.TrimRight(field[i:], ".,;:!?)]}>'\"")
		if u, err := url.Parse(link); err == nil && u.Host != "" {
			return link
		}
	}
	return ""
}

// Parse reads a page's title and description: og:title or <title>,
// and og:description or the description meta tag.
func Parse(page string) (title, desc string) {
	var ogTitle, ogDesc, metaDesc, plainTitle string
	lower := asciiLower(page) // same byte offsets as page
	if i := strings.Index(lower, "<title"); i >= 0 {
		if j := strings.IndexByte(lower[i:], '>'); j >= 0 {
			start := i + j + 1
			if k := strings.Index(lower[start:], "</title"); k >= 0 {
				plainTitle = page[start : start+k]
			}
		}
	}
	for rest := 0; ; {
		i := strings.Index(lower[rest:], "<meta")
		if i < 0 {
			break
		}
		start := rest + i
		end := strings.IndexByte(lower[start:], '>')
		if end < 0 {
			break
		}
		attrs := tagAttrs(page[start+len("<meta") : start+end])
		key := strings.ToLower(attrs["property"])
		if key == "" {
			key = strings.ToLower(attrs["name"])
		}
		switch key {
		case "og:title":
			ogTitle = attrs["content"]
		case "og:description":
			ogDesc = attrs["content"]
		case "description":
			metaDesc = attrs["content"]
		}
		rest = start + end + 1
	}
	title = firstNonEmpty(ogTitle, plainTitle)
	desc = firstNonEmpty(ogDesc, metaDesc)
	return clip(title), clip(desc)
}

// tagAttrs parses the attributes of a tag (name="value", name='value' or
// name=value); names are lower-cased.
func tagAttrs(s string) map[string]string {
	out := map[string]string{}
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '/') {
			i++
		}
		start := i
		for i < len(s) && s[i] != '=' && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' && s[i] != '/' {
			i++
		}
		name := strings.ToLower(s[start:i])
		if i >= len(s) || s[i] != '=' {
			if name == "" {
				i++
			}
			continue
		}
		i++
		var val string
		if i < len(s) && (s[i] == '"' || s[i] == '\'') {
			q := s[i]
			end := strings.IndexByte(s[i+1:], q)
			if end < 0 {
				val, i = s[i+1:], len(s)
			} else {
				val, i = s[i+1:i+1+end], i+1+end+1
			}
		} else {
			start := i
			for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' {
				i++
			}
			val = s[start:i]
		}
		if name != "" {
			if _, dup := out[name]; !dup {
				out[name] = val
			}
		}
	}
	return out
}

// asciiLower lower-cases A-Z only, so that offsets into the result are
// offsets into s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// clip unescapes HTML entities, folds white space and keeps at most
// MaxText characters of valid UTF-8.
func clip(s string) string {
	s = strings.Join(strings.Fields(html.UnescapeString(s)), " ")
	s = strings.ToValidUTF8(s, "")
	if r := []rune(s); len(r) > MaxText {
		s = string(r[:MaxText-1]) + "…"
	}
	return s
}
