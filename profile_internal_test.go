package wauser

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLinkCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"https://wa.me/qr/ABCDEF123", "ABCDEF123"},
		{"https://api.whatsapp.com/qr/ABC-_9/", "ABC-_9"},
		{"  XYZ  ", "XYZ"},
		{"https://wa.me/message/XYZ", ""}, // another kind of link
		{"https://wa.me/qr/", ""},
		{"https://wa.me/qr/a b", ""},
		{"https://evil.example/qr/ABC", ""},
		{strings.Repeat("A", 65), ""},
	} {
		got, err := linkCode("link", tc.in, contactQRLinkPrefix, contactQRDirectPrefix)
		if tc.want == "" {
			require.ErrorIs(t, err, ErrInvalidArgument, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got)
	}
}

// FuzzLinkCode: whatever a caller gives, the code sent to WhatsApp is a
// short run of letters, digits, - and _, or the input is refused.
func FuzzLinkCode(f *testing.F) {
	for _, s := range []string{"https://wa.me/qr/ABC", "https://api.whatsapp.com/message/X_1", "", "/", "ü", "https://wa.me/qr/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := linkCode("link", s, businessLinkPrefix, businessDirectPrefix)
		if err != nil {
			if !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("%q: %v is not ErrInvalidArgument", s, err)
			}
			return
		}
		if code == "" || len(code) > 64 || strings.Trim(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			t.Fatalf("%q gave the code %q", s, code)
		}
	})
}
