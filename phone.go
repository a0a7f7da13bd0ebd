package wauser

import "strings"

// parsePhone validates an E.164 phone number and returns its digits. A
// leading "+" is optional; spaces, dashes, dots and parentheses are ignored.
// The number must have 7 to 15 digits and not start with 0 (a national
// number).
func parsePhone(s string) (string, error) {
	orig := s
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", invalidArg("phone", "%q is not an E.164 number such as +15551234567", orig)
		}
	}
	digits := b.String()
	switch {
	case len(digits) < 7 || len(digits) > 15:
		return "", invalidArg("phone", "%q must have 7 to 15 digits in international format, such as +15551234567", orig)
	case digits[0] == '0':
		return "", invalidArg("phone", "%q starts with 0: give the international number with its country code", orig)
	}
	return digits, nil
}
