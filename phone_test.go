package wauser

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParsePhone(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"+15551234567":       "15551234567",
		"15551234567":        "15551234567",
		" +1 (555) 123-4567": "15551234567",
		"+44.20.7946.0958":   "442079460958",
		"+4915123456789":     "4915123456789",
	} {
		got, err := parsePhone(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "+", "012345678", "+0123456789", "123456", "+1234567890123456", "+1555abc4567", "++15551234567", "+1555\x001234567"} {
		_, err := parsePhone(bad)
		require.ErrorIs(t, err, ErrInvalidArgument, "%q", bad)
	}
}

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"+15551234567", "0123", " +1 (555) 123-4567", "", "+", "1\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		digits, err := parsePhone(s)
		if err != nil {
			var ae *ArgumentError
			if !errors.As(err, &ae) || ae.Field != "phone" {
				t.Fatalf("error %v is not an ArgumentError for phone", err)
			}
			return
		}
		if len(digits) < 7 || len(digits) > 15 || digits[0] == '0' || strings.Trim(digits, "0123456789") != "" {
			t.Fatalf("parsePhone(%q) accepted %q", s, digits)
		}
	})
}
