package rest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestExplain: the errors the Client reports, as they come from whatsmeow
// and the network, become sentences without Go's error chain.
func TestExplain(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"": "",
		"connect: failed to dial whatsapp web websocket: dial tcp: lookup web.whatsapp.com on 127.0.0.53:53: no such host":        "WhatsApp is unreachable from this server: DNS lookup failed. Check the server's network and DNS settings.",
		"failed to dial whatsapp web websocket: dial tcp 157.240.0.53:443: connect: connection refused":                           "WhatsApp is unreachable from this server: the connection was refused. A firewall or proxy may be blocking it.",
		"failed to dial whatsapp web websocket: dial tcp: connect: network is unreachable":                                        "WhatsApp is unreachable from this server: it has no network route. Check its internet connection.",
		"failed to dial whatsapp web websocket: dial tcp 157.240.0.53:443: i/o timeout":                                           "WhatsApp did not answer in time: the connection timed out. Check the server's internet connection.",
		"failed to dial whatsapp web websocket: tls: failed to verify certificate: x509: certificate signed by unknown authority": "The connection to WhatsApp failed a security check: a proxy or firewall may be intercepting this server's connections.",
		"the QR codes expired before a phone scanned one":                                                                         "The QR codes expired before a phone scanned one. Start again for a new code.",
		"logged out by WhatsApp: 401": "The phone unlinked this account. Link it again to use it.",
		"unlinked":                    "This account was unlinked from this server. Link it again to use it.",
		"connection to WhatsApp lost": "The connection to WhatsApp was lost. It is retried by itself.",
		"You've been temporarily banned: 101: you sent too many messages": "WhatsApp banned this account for a while. Wait until the ban ends.",
		"send message: server returned error 479":                         "WhatsApp reported a problem: Server returned error 479.",
	} {
		require.Equal(t, want, explain(in), in)
	}
}

func TestExplainDelivery(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":              "",
		"HTTP 410 Gone": "The endpoint answered 410 Gone.",
		"HTTP 503 Service Unavailable (giving up: undelivered for 24h0m0s)":                                          "The endpoint answered 503 Service Unavailable.",
		`Post "http://10.0.0.1/hook": dial tcp 10.0.0.1:80: connect: connection refused`:                             "The endpoint refused the connection: nothing listens at that address.",
		`Post "https://hooks.example/x": dial tcp: lookup hooks.example: no such host`:                               "The endpoint's host name does not resolve (DNS lookup failed).",
		`Post "https://hooks.example/x": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`: "The endpoint did not answer in time.",
	} {
		require.Equal(t, want, explainDelivery(in), in)
	}
}

// FuzzExplain: any error text becomes one sentence, never empty for a
// non-empty error, never the error's chain of "op: op: cause" parts.
func FuzzExplain(f *testing.F) {
	for _, s := range []string{"", "a: b: c", "connect: failed to dial whatsapp web websocket: dial tcp: lookup x: no such host",
		"HTTP 500 Internal Server Error", ": ", "x: ", "ünïcode: ∂", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		for _, fn := range []func(string) string{explain, explainDelivery} {
			out := fn(msg)
			if strings.TrimSpace(msg) == "" {
				continue
			}
			if out == "" {
				t.Fatalf("no sentence for %q", msg)
			}
			if strings.Count(out, ": ") > 2 {
				t.Fatalf("%q kept the chain of %q", out, msg)
			}
		}
	})
}
