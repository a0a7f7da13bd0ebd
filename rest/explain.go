package rest

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// explanation maps a known cause, found in an error's text, to what the
// console tells a person.
type explanation struct {
	any      []string // any of these, lower case, in the error's text
	sentence string
}

// explanations are tried in order: the first match wins. Network causes
// come first, since they are wrapped in pairing and reconnect errors.
var explanations = []explanation{
	{[]string{"no such host", "server misbehaving", "lookup ", "dns"},
		"WhatsApp is unreachable from this server: DNS lookup failed. Check the server's network and DNS settings."},
	{[]string{"connection refused"},
		"WhatsApp is unreachable from this server: the connection was refused. A firewall or proxy may be blocking it."},
	{[]string{"network is unreachable", "no route to host", "network is down"},
		"WhatsApp is unreachable from this server: it has no network route. Check its internet connection."},
	{[]string{"i/o timeout", "deadline exceeded", "timed out", "timeout awaiting"},
		"WhatsApp did not answer in time: the connection timed out. Check the server's internet connection."},
	{[]string{"x509", "certificate", "tls:"},
		"The connection to WhatsApp failed a security check: a proxy or firewall may be intercepting this server's connections."},
	{[]string{"connection reset", "broken pipe", "unexpected eof", "websocket: close"},
		"The connection to WhatsApp was cut off. It is retried by itself."},
	{[]string{"qr codes expired", "codes expired"},
		"The QR codes expired before a phone scanned one. Start again for a new code."},
	{[]string{"rejected the pairing", "pair error"},
		"WhatsApp refused to link this phone. Start again."},
	{[]string{"without multi-device"},
		"The phone that scanned the code does not support linked devices. Update WhatsApp on the phone."},
	{[]string{"unlinked"},
		"This account was unlinked from this server. Link it again to use it."},
	{[]string{"logged out by whatsapp", "no longer linked"},
		"The phone unlinked this account. Link it again to use it."},
	{[]string{"connection to whatsapp lost"},
		"The connection to WhatsApp was lost. It is retried by itself."},
	{[]string{"another client connected"},
		"Another program connected with this account's session, so this server stepped back. Reconnect to take it back."},
	{[]string{"client outdated", "client version"},
		"WhatsApp refused this version of the client: update wauser."},
	{[]string{"temporarily banned"},
		"WhatsApp banned this account for a while. Wait until the ban ends."},
	{[]string{"keepalive timeout", "stream error"},
		"WhatsApp stopped answering for a moment. The connection recovers by itself."},
	{[]string{"not logged in", "pair the account first"},
		"This account is not linked yet: link it first."},
	{[]string{"not connected to whatsapp right now", "not connected"},
		"This account is not connected to WhatsApp right now. Try again once it is connected."},
	{[]string{"not emulated"},
		"The simulated WhatsApp of this demo cannot do that."},
}

// explain turns an error's text, as the Client reports it (a state's last
// error, a pairing error, a failed send), into a sentence for a person: a
// known cause in plain words, or else the error's last part (its cause)
// as a sentence, without the chain of Go packages and operations that led
// there. It returns "" for "".
func explain(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return ""
	}
	lower := strings.ToLower(msg)
	for _, e := range explanations {
		for _, s := range e.any {
			if strings.Contains(lower, s) {
				return e.sentence
			}
		}
	}
	return "WhatsApp reported a problem: " + sentence(lastCause(msg))
}

// lastCause returns the innermost part of an error chain "a: b: c": c.
func lastCause(msg string) string {
	parts := strings.Split(msg, ": ")
	for i := len(parts) - 1; i >= 0; i-- {
		if p := strings.TrimSpace(strings.Trim(parts[i], ": ")); p != "" {
			return p
		}
	}
	return "no details"
}

// sentence makes s a sentence: first letter upper case, a final period.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}
