package wauser

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseInviteCode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://chat.whatsapp.com/AbCd123":  "AbCd123",
		"https://chat.whatsapp.com/AbCd123/": "AbCd123",
		"chat.whatsapp.com/AbCd123":          "AbCd123",
		" AbCd123 ":                          "AbCd123",
	} {
		got, err := parseInviteCode("link", in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "https://chat.whatsapp.com/", "https://example.com/AbCd", "a b", "Ab-Cd", strings.Repeat("a", 65)} {
		_, err := parseInviteCode("link", bad)
		require.ErrorIs(t, err, ErrInvalidArgument, "%q", bad)
	}
}

func FuzzParseInviteCode(f *testing.F) {
	for _, s := range []string{"https://chat.whatsapp.com/AbCd123", "AbCd123", "", "chat.whatsapp.com/x/", "http://chat.whatsapp.com/é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := parseInviteCode("link", s)
		if err != nil {
			var ae *ArgumentError
			if !errors.As(err, &ae) || ae.Field != "link" {
				t.Fatalf("parseInviteCode(%q): %v is not an ArgumentError for link", s, err)
			}
			return
		}
		if !validInviteCode(code) {
			t.Fatalf("parseInviteCode(%q) = %q", s, code)
		}
	})
}

func TestParseARGB(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]uint32{"#336699": 0xFF336699, "#80ffffff": 0x80FFFFFF, "#00000000": 0} {
		got, err := parseARGB("c", in)
		require.NoError(t, err, in)
		require.Equal(t, want, *got, in)
	}
	got, err := parseARGB("c", "")
	require.NoError(t, err)
	require.Nil(t, got, "not given")
	for _, bad := range []string{"336699", "#FFF", "#GGGGGG", "#1234567", "#+12345", "#123456789"} {
		_, err := parseARGB("c", bad)
		require.ErrorIs(t, err, ErrInvalidArgument, bad)
	}
}

func FuzzParseARGB(f *testing.F) {
	for _, s := range []string{"#336699", "#80FFFFFF", "", "#", "#-1234567", "#+FFFFFF"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseARGB("colour", s)
		switch {
		case err != nil:
			var ae *ArgumentError
			if !errors.As(err, &ae) || ae.Field != "colour" {
				t.Fatalf("parseARGB(%q): %v", s, err)
			}
		case s == "" && v != nil, s != "" && v == nil:
			t.Fatalf("parseARGB(%q) = %v", s, v)
		case s != "" && len(s) == 7 && *v>>24 != 0xFF:
			t.Fatalf("parseARGB(%q) = %08X: #RRGGBB is opaque", s, *v)
		}
	})
}
