package wauser

import "strings"

// parsePhone validates an E.164 phone number and returns its digits. A
// leading "+" is optional; spaces, dashes, dots and parentheses are ignored.
// The number must have 7 to 15 digits and not start with 0 (a national
// number).
func parsePhone(s string) (string, error) { return parsePhoneField("phone", s) }

// parsePhoneField is parsePhone for the argument named field.
func parsePhoneField(field, s string) (string, error) {
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
			return "", invalidArg(field, "%q is not an E.164 number such as +15551234567", orig)
		}
	}
	if problem := phoneDigitsProblem(b.String()); problem != "" {
		return "", invalidArg(field, "%q %s", orig, problem)
	}
	return b.String(), nil
}

// phoneDigitsProblem says what is wrong with digits as the digits of an
// E.164 number, or returns "" when nothing is.
func phoneDigitsProblem(digits string) string {
	switch {
	case strings.Trim(digits, "0123456789") != "":
		return "must be digits only, such as 15551234567"
	case len(digits) < 7 || len(digits) > 15:
		return "must have 7 to 15 digits in international format, such as +15551234567"
	case digits[0] == '0':
		return "starts with 0: give the international number with its country code"
	}
	return ""
}
