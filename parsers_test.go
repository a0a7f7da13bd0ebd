package wauser

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"
)

func TestParseNewsletter(t *testing.T) {
	t.Parallel()
	jid := types.NewJID("120363098765432109", types.NewsletterServer)
	for in, want := range map[string]struct {
		jid  types.JID
		code string
	}{
		"120363098765432109@newsletter":            {jid: jid},
		" 120363098765432109@newsletter ":          {jid: jid},
		"https://whatsapp.com/channel/0029VaAbCd":  {code: "0029VaAbCd"},
		"https://whatsapp.com/channel/0029VaAbCd/": {code: "0029VaAbCd"},
		"whatsapp.com/channel/0029VaAbCd":          {code: "0029VaAbCd"},
		"0029VaAbCd":                               {code: "0029VaAbCd"},
	} {
		gotJID, gotCode, err := parseNewsletter("newsletter", in)
		require.NoError(t, err, in)
		require.Equal(t, want.jid, gotJID, in)
		require.Equal(t, want.code, gotCode, in)
	}
	for _, bad := range []string{"", "120363012345678901@g.us", "https://example.com/channel/x", "https://whatsapp.com/channel/", "a b", "x@newsletter", "0029-Va"} {
		_, _, err := parseNewsletter("newsletter", bad)
		require.ErrorIs(t, err, ErrInvalidArgument, "%q", bad)
	}
}

func FuzzParseNewsletter(f *testing.F) {
	for _, s := range []string{"120363098765432109@newsletter", "https://whatsapp.com/channel/0029VaAbCd", "0029VaAbCd", "", "@", "a@newsletter", "whatsapp.com/channel/x/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		jid, code, err := parseNewsletter("newsletter", s)
		if err != nil {
			var ae *ArgumentError
			if !errors.As(err, &ae) || ae.Field != "newsletter" {
				t.Fatalf("parseNewsletter(%q): %v is not an ArgumentError for newsletter", s, err)
			}
			return
		}
		switch {
		case code == "" && jid.Server != types.NewsletterServer:
			t.Fatalf("parseNewsletter(%q) = %v, %q", s, jid, code)
		case code != "" && (!jid.IsEmpty() || !validInviteCode(code)):
			t.Fatalf("parseNewsletter(%q) = %v, %q", s, jid, code)
		}
	})
}

func FuzzNormalizeMIME(f *testing.F) {
	for _, s := range []string{"image/jpeg", "audio/ogg; codecs=opus", "application/ogg", "text/plain; charset=UTF-8", "jpeg", "", ";", "a/b; c=\"d\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		mt, err := normalizeMIME(s)
		if err != nil {
			var ae *ArgumentError
			if !errors.As(err, &ae) || ae.Field != "mime_type" {
				t.Fatalf("normalizeMIME(%q): %v", s, err)
			}
			return
		}
		again, err := normalizeMIME(mt)
		if err != nil || again != mt {
			t.Fatalf("normalizeMIME(%q) = %q, but that normalizes to %q, %v", s, mt, again, err)
		}
		_ = mediaTypeFor(mt)
	})
}
