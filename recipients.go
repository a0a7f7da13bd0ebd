package wauser

import (
	"fmt"
	"strings"

	"go.mau.fi/whatsmeow/types"
)

// RecipientType says whether a recipient is a person or a group (document
// 003's recipient_type). It decides how a bare id without a server part is
// read, and must agree with the server of a full JID.
type RecipientType string

// Recipient types.
const (
	// RecipientIndividual reads a bare recipient as a phone number
	// (the Business Server API's default).
	RecipientIndividual RecipientType = "individual"
	// RecipientGroup reads a bare recipient as a group id.
	RecipientGroup RecipientType = "group"
)

// maxRecipientLen bounds a recipient string; real JIDs are far shorter.
const maxRecipientLen = 128

// ParseRecipient parses a recipient the way every method that takes one
// does, and returns its JID:
//
//   - a phone number in E.164, with or without "+" ("+15551234567",
//     "15551234567"; spaces, dashes, dots and parentheses are ignored), is
//     the person's phone JID 15551234567@s.whatsapp.net;
//   - with typ RecipientGroup, a bare group id ("120363012345678901", or the
//     older "15551234567-1600000000") is that group's JID ...@g.us;
//   - a JID is taken as it is: a person (…@s.whatsapp.net, or the legacy
//     …@c.us, which becomes …@s.whatsapp.net; …@lid), a group (…@g.us), a
//     channel (…@newsletter) or status updates (status@broadcast). JIDs
//     naming a device (user:device@…) and other broadcast lists are refused.
//
// typ may be empty (read bare ids as phone numbers, accept any JID);
// RecipientIndividual refuses groups and RecipientGroup accepts only groups.
// Errors are *ArgumentError values naming "to" or "recipient_type".
func ParseRecipient(to string, typ RecipientType) (types.JID, error) {
	switch typ {
	case "", RecipientIndividual, RecipientGroup:
	default:
		return types.EmptyJID, invalidArg("recipient_type", "%q is not %q or %q", typ, RecipientIndividual, RecipientGroup)
	}
	jid, err := parseJID("to", to, typ == RecipientGroup)
	if err != nil {
		return types.EmptyJID, err
	}
	switch {
	case typ == RecipientGroup && jid.Server != types.GroupServer:
		return types.EmptyJID, invalidArg("recipient_type", "%q, but %q is not a group", typ, to)
	case typ == RecipientIndividual && jid.Server == types.GroupServer:
		return types.EmptyJID, invalidArg("recipient_type", "%q, but %q is a group", typ, to)
	}
	return jid, nil
}

// parseJID parses s (see ParseRecipient) for the argument named field. A
// bare id is a group id when bareGroup is set, otherwise a phone number.
func parseJID(field, s string, bareGroup bool) (types.JID, error) {
	orig := s
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return types.EmptyJID, invalidArg(field, "empty; give a phone number such as +15551234567 or a JID")
	case len(s) > maxRecipientLen:
		return types.EmptyJID, invalidArg(field, "longer than %d bytes", maxRecipientLen)
	}
	user, server, hasServer := strings.Cut(s, "@")
	if !hasServer {
		if bareGroup {
			if !validGroupUser(s) {
				return types.EmptyJID, invalidArg(field, "%q is not a group id such as 120363012345678901@g.us", orig)
			}
			return types.NewJID(s, types.GroupServer), nil
		}
		digits, err := parsePhoneField(field, s)
		if err != nil {
			return types.EmptyJID, err
		}
		return types.NewJID(digits, types.DefaultUserServer), nil
	}
	if strings.ContainsAny(user, ":.") {
		return types.EmptyJID, invalidArg(field, "%q names a device; give the JID without its :device part", orig)
	}
	bad := func(format string, args ...any) (types.JID, error) {
		return types.EmptyJID, invalidArg(field, "%q %s", orig, fmt.Sprintf(format, args...))
	}
	switch server {
	case types.DefaultUserServer, types.LegacyUserServer:
		if problem := phoneDigitsProblem(user); problem != "" {
			return bad("is not a phone JID: the number %s", problem)
		}
		return types.NewJID(user, types.DefaultUserServer), nil
	case types.HiddenUserServer:
		if !digitsBetween(user, 1, 24) {
			return bad("is not a LID: the user part must be 1 to 24 digits")
		}
	case types.GroupServer:
		if !validGroupUser(user) {
			return bad("is not a group JID such as 120363012345678901@g.us")
		}
	case types.NewsletterServer:
		if !digitsBetween(user, 1, 32) {
			return bad("is not a channel JID such as 120363012345678901@newsletter")
		}
	case types.BroadcastServer:
		if user != types.StatusBroadcastJID.User {
			return bad("is a broadcast list; only status@broadcast is supported")
		}
	default:
		return bad("has an unknown server; use s.whatsapp.net, lid, g.us, newsletter or status@broadcast")
	}
	return types.NewJID(user, server), nil
}

// validGroupUser reports whether s is the user part of a group JID: digits
// ("120363012345678901"), or the older creator-timestamp form
// ("15551234567-1600000000").
func validGroupUser(s string) bool {
	first, second, dashed := strings.Cut(s, "-")
	if !dashed {
		return digitsBetween(first, 1, 32)
	}
	return digitsBetween(first, 1, 20) && digitsBetween(second, 1, 20)
}

// digitsBetween reports whether s is min to max ASCII digits.
func digitsBetween(s string, minLen, maxLen int) bool {
	return len(s) >= minLen && len(s) <= maxLen && strings.Trim(s, "0123456789") == ""
}

// parseUser parses a person: a phone number, a phone JID or a LID.
func parseUser(field, s string) (types.JID, error) {
	jid, err := parseJID(field, s, false)
	if err != nil {
		return types.EmptyJID, err
	}
	if jid.Server != types.DefaultUserServer && jid.Server != types.HiddenUserServer {
		return types.EmptyJID, invalidArg(field, "%q is not a person: give a phone number, …@s.whatsapp.net or …@lid", s)
	}
	return jid, nil
}

// parseGroup parses a group: a group JID or a bare group id.
func parseGroup(field, s string) (types.JID, error) {
	jid, err := parseJID(field, s, true)
	if err != nil {
		return types.EmptyJID, err
	}
	if jid.Server != types.GroupServer {
		return types.EmptyJID, invalidArg(field, "%q is not a group: give …@g.us or a bare group id", s)
	}
	return jid, nil
}

// parseChat parses a chat with a person or a group: bare ids are phone
// numbers.
func parseChat(field, s string) (types.JID, error) {
	jid, err := parseJID(field, s, false)
	if err != nil {
		return types.EmptyJID, err
	}
	switch jid.Server {
	case types.DefaultUserServer, types.HiddenUserServer, types.GroupServer:
		return jid, nil
	}
	return types.EmptyJID, invalidArg(field, "%q is not a chat with a person or a group", s)
}

// parseUsers parses a list of 1 to maxLen people, refusing duplicates.
func parseUsers(field string, in []string, maxLen int) ([]types.JID, error) {
	switch {
	case len(in) == 0:
		return nil, invalidArg(field, "empty; give at least one phone number or JID")
	case len(in) > maxLen:
		return nil, invalidArg(field, "%d entries; at most %d", len(in), maxLen)
	}
	out := make([]types.JID, 0, len(in))
	seen := make(map[types.JID]int, len(in))
	for i, s := range in {
		name := fmt.Sprintf("%s[%d]", field, i)
		jid, err := parseUser(name, s)
		if err != nil {
			return nil, err
		}
		if j, dup := seen[jid]; dup {
			return nil, invalidArg(name, "%q is %s[%d] again", s, field, j)
		}
		seen[jid] = i
		out = append(out, jid)
	}
	return out, nil
}

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
