package wauser

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/wauser/wauser/internal/compose"
)

func TestAtMentions(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"@15551234567 hi":                     {"15551234567"},
		"hi @15551234567, and @447911123456!": {"15551234567", "447911123456"},
		"(@15551234567)":                      {"15551234567"},
		"mail me@15551234567":                 nil, // an address, not a mention
		"@15551234567x":                       nil,
		"@0123456789":                         nil, // not international
		"@123":                                nil, // too short
		"@1234567890123456":                   nil, // too long
		"@15551234567 @15551234567":           {"15551234567"},
		"@":                                   nil,
		"":                                    nil,
	} {
		require.Equal(t, want, atMentions(in), "%q", in)
	}
}

func FuzzAtMentions(f *testing.F) {
	for _, s := range []string{"@15551234567 hi", "a@1555123456", "@@15551234567", "@", "é@15551234567", "@15551234567_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, d := range atMentions(s) {
			if phoneDigitsProblem(d) != "" || !strings.Contains(s, "@"+d) {
				t.Fatalf("atMentions(%q) found %q", s, d)
			}
		}
	})
}

func TestRenderTemplate(t *testing.T) {
	t.Parallel()
	tpl := &Template{Name: "t", Components: []TemplateComponent{{Type: "header", Text: "{{1}}"}, {Type: "body", Text: "Hi {{ 1 }}, {{2}} {{x}} {{1}}"}}}
	params := func(typ string, vals ...string) TemplateParams {
		p := TemplateParams{Type: typ}
		for _, v := range vals {
			p.Parameters = append(p.Parameters, TemplateParameter{Type: "text", Text: v})
		}
		return p
	}
	got, err := renderTemplate(tpl, &TemplateMessage{Components: []TemplateParams{params("body", "Ann", "{{1}}"), params("header", "H")}})
	require.NoError(t, err)
	require.Equal(t, "H\n\nHi Ann, {{1}} {{x}} Ann", got, "values are not expanded again; non-numeric braces stay")
	for _, bad := range [][]TemplateParams{
		{params("header", "H")},                                                  // body parameters missing
		{params("header", "H"), params("body", "A")},                             // {{2}} missing
		{params("header", "H"), params("body", "A", "B", "C")},                   // one too many
		{params("header", "H"), params("body", "A", "B"), params("footer", "F")}, // no footer
	} {
		_, err := renderTemplate(tpl, &TemplateMessage{Components: bad})
		require.ErrorIs(t, err, ErrInvalidArgument, "%+v", bad)
	}
}

func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"Hi {{1}}", "{{1}}{{2}}", "{{", "}}{{", "{{ 3 }} {{1}} {{2}}", "{{01}}", "{{-1}}", "{{999999}}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		comps, err := validComponents([]TemplateComponent{{Type: "body", Text: text}})
		if err != nil {
			var ae *ArgumentError
			if !errors.As(err, &ae) {
				t.Fatalf("validComponents(%q): %v", text, err)
			}
			return
		}
		n := len(scanPlaceholders(text))
		distinct, _ := placeholders(text)
		vals := make([]TemplateParameter, len(distinct))
		for i := range vals {
			vals[i] = TemplateParameter{Text: "v"}
		}
		out, err := renderTemplate(&Template{Components: comps}, &TemplateMessage{Components: []TemplateParams{{Type: "body", Parameters: vals}}})
		if err != nil {
			t.Fatalf("render %q with %d values: %v", text, len(vals), err)
		}
		if n > 0 && !strings.Contains(out, "v") {
			t.Fatalf("render %q = %q", text, out)
		}
	})
}

// FuzzSendRequest checks the validation of a send request's content as a
// REST body would fill it: any input is accepted or refused with an
// *ArgumentError, never a panic.
func FuzzSendRequest(f *testing.F) {
	for _, s := range [][4]string{{"text", "+15551234567", "hi", ""}, {"", "1@g.us", "", "ID1"}, {"image", "x", "", "bad id"}, {"status", "", "", ""}, {"poll", "a@lid", "q", ""}} {
		f.Add(s[0], s[1], s[2], s[3], 2, 37.5)
	}
	f.Fuzz(func(t *testing.T, typ, to, text, id string, n int, lat float64) {
		opts := make([]string, max(0, min(n, 20)))
		for i := range opts {
			opts[i] = text + strings.Repeat("x", i)
		}
		req := SendMessageRequest{Type: MessageType(typ), To: to, Text: text, ID: id}
		switch n % 4 {
		case 1:
			req.Poll = &Poll{Question: text, Options: opts, SelectableCount: n}
		case 2:
			req.Location = &Location{Latitude: lat, Longitude: lat, Name: text}
		case 3:
			req.Contacts = []ContactCard{{Name: text, Phones: opts}}
		}
		check := func(err error) {
			var ae *ArgumentError
			if err != nil && !errors.As(err, &ae) {
				t.Fatalf("%+v: %v is not an ArgumentError", req, err)
			}
		}
		mt, err := req.contentType()
		check(err)
		if err == nil {
			check(req.validateContent(mt, 1<<20))
		}
		_, err = ParseRecipient(to, "")
		check(err)
	})
}

// TestComposeError: a FieldError of internal/compose reaches the caller as
// the ArgumentError of its field; other errors pass unchanged.
func TestComposeError(t *testing.T) {
	t.Parallel()
	err := composeError(&compose.FieldError{Field: "audio.voice", Reason: "not Ogg Opus"})
	var ae *ArgumentError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "audio.voice", ae.Field)
	require.Equal(t, "wauser: invalid audio.voice: not Ogg Opus", err.Error())
	require.ErrorIs(t, err, ErrInvalidArgument)
	other := errors.New("x")
	require.Same(t, other, composeError(other))
	require.NoError(t, composeError(nil))
}
