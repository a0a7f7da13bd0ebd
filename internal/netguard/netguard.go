// Package netguard keeps wauser's outgoing HTTP requests (media fetched from
// URLs, link previews, webhook deliveries) off loopback, private,
// link-local and other non-public networks.
//
// The guard resolves a host itself, checks every address it resolved to,
// and dials only the checked addresses, so nothing is connected to before
// the check: a refused target sees no TCP connection at all, open port or
// closed. Hosts written as IP addresses in any spelling a resolver or a
// browser accepts (127.1, 2130706433, 0177.0.0.1, 0x7f.1, 127.0.0.1.,
// [::ffff:127.0.0.1]) are read as the address they spell. Every refused
// target gets the same error, ErrForbidden, whatever the reason.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrForbidden is the error of every refused target.
var ErrForbidden = errors.New("not a public address")

// AddressError is a refused target. Its text names only the host as the
// caller wrote it, the same for every reason; Addr and Class say why, for
// logs.
type AddressError struct {
	Host  string     // the host as written in the URL
	Addr  netip.Addr // the refused address (the zero Addr for an empty host)
	Class string     // "loopback", "private", "link-local", "multicast", "unspecified", "reserved"
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("%s is %s", strconv.Quote(e.Host), ErrForbidden)
}

// Unwrap makes the error match ErrForbidden.
func (e *AddressError) Unwrap() error { return ErrForbidden }

var (
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
	shared      = netip.MustParsePrefix("100.64.0.0/10") // carrier-grade NAT (RFC 6598)
	nat64       = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
	reserved    = []netip.Prefix{
		netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
		netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
		netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and the broadcast address
		netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
		netip.MustParsePrefix("fec0::/10"),      // deprecated site-local
		netip.MustParsePrefix("100::/64"),       // discard-only
	}
)

// Classify returns why a may not be reached, or "" when it is a public
// unicast address: loopback, private (RFC 1918, RFC 6598 shared space,
// IPv6 unique local), link-local (unicast and multicast), multicast,
// unspecified (and 0.0.0.0/8), reserved ranges (benchmarking, 240.0.0.0/4
// with the broadcast address, IETF assignments, site-local, discard), and
// IPv6 addresses carrying such an IPv4 address (IPv4-mapped, NAT64, 6to4)
// are refused.
func Classify(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return "unspecified"
	case a.IsUnspecified(), a.Is4() && thisNetwork.Contains(a):
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate(), a.Is4() && shared.Contains(a):
		return "private"
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return "link-local"
	case a.IsMulticast(), a.IsInterfaceLocalMulticast():
		return "multicast"
	}
	for _, p := range reserved {
		if p.Contains(a) {
			return "reserved"
		}
	}
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64.Contains(a):
			return Classify(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(a):
			return Classify(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	return ""
}

// ParseHost reads host as an IP address, in every spelling that resolvers
// (inet_aton) and browsers accept: the canonical forms, IPv6 in brackets or
// with a zone, IPv4 with one trailing dot, and IPv4 with fewer than four
// parts or parts in octal (leading 0) or hexadecimal (0x): 127.1,
// 2130706433, 0177.0.0.1 and 0x7f.1 are all 127.0.0.1. It reports false
// for a host name.
func ParseHost(host string) (netip.Addr, bool) {
	h := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if a, err := netip.ParseAddr(h); err == nil {
		return a, true
	}
	h = strings.TrimSuffix(h, ".")
	if a, err := netip.ParseAddr(h); err == nil && a.Is4() {
		return a, true
	}
	return looseIPv4(h)
}

// looseIPv4 parses the inet_aton forms of an IPv4 address: 1 to 4 parts,
// each decimal, octal (0...) or hexadecimal (0x...); the last part fills
// the bytes the earlier ones left.
func looseIPv4(s string) (netip.Addr, bool) {
	if s == "" {
		return netip.Addr{}, false
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		v, ok := inetPart(p)
		if !ok {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var ip uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 0xff {
			return netip.Addr{}, false
		}
		ip |= v << (8 * (3 - i))
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*(5-len(vals))) {
		return netip.Addr{}, false
	}
	ip |= last
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}), true
}

func inetPart(p string) (uint64, bool) {
	base := 10
	switch {
	case p == "":
		return 0, false
	case len(p) > 2 && (p[:2] == "0x" || p[:2] == "0X"):
		base, p = 16, p[2:]
	case len(p) > 1 && p[0] == '0':
		base, p = 8, p[1:]
	}
	digits := map[int]string{8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}[base]
	for _, c := range p { // ParseUint would take "_" and signs
		if !strings.ContainsRune(digits, c) {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(p, base, 32)
	return v, err == nil
}

// CheckHost refuses host when it is, spells or resolves to an address
// Classify refuses. A name that does not resolve now passes: the dial-time
// check still guards it. It is the registration-time check of webhook
// URLs; requests are guarded at dial time by Dialer.
func CheckHost(ctx context.Context, host string) error {
	if host == "" {
		return &AddressError{Host: host, Class: "unspecified"}
	}
	if a, ok := ParseHost(host); ok {
		if class := Classify(a); class != "" {
			return &AddressError{Host: host, Addr: a, Class: class}
		}
		return nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil //nolint:nilerr // unresolvable now; checked again when dialled
	}
	for _, a := range addrs {
		if class := Classify(a); class != "" {
			return &AddressError{Host: host, Addr: a, Class: class}
		}
	}
	return nil
}

// Dialer dials only public addresses: it resolves the host itself, refuses
// the target when any address it resolved to is not public, and dials the
// checked addresses, one after the other, as literals.
type Dialer struct {
	// Dialer dials the checked addresses; its Control hook is replaced by
	// a last check of the address being connected to.
	Dialer net.Dialer
	// Resolver resolves host names; nil is net.DefaultResolver.
	Resolver *net.Resolver
}

// DialContext is net.Dialer.DialContext with the guard.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("netguard: port %q: %w", port, err)
	}
	var addrs []netip.Addr
	if host == "" {
		return nil, &AddressError{Host: host, Class: "unspecified"}
	}
	if a, ok := ParseHost(host); ok {
		addrs = []netip.Addr{a}
	} else {
		r := d.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		addrs, err = r.LookupNetIP(ctx, ipNetwork(network), host)
		if err != nil {
			return nil, err
		}
	}
	for _, a := range addrs {
		if class := Classify(a); class != "" {
			return nil, &AddressError{Host: host, Addr: a, Class: class}
		}
	}
	dialer := d.Dialer
	dialer.Control = func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &AddressError{Host: host, Class: "unspecified"}
		}
		if class := Classify(ap.Addr()); class != "" {
			return &AddressError{Host: host, Addr: ap.Addr(), Class: class}
		}
		return nil
	}
	dialer.ControlContext = nil
	var first error
	for _, a := range addrs {
		conn, err := dialer.DialContext(ctx, network, netip.AddrPortFrom(a.Unmap(), uint16(p)).String())
		if err == nil {
			return conn, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	if first == nil {
		first = &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	return nil, first
}

func ipNetwork(network string) string {
	switch network {
	case "tcp4", "udp4":
		return "ip4"
	case "tcp6", "udp6":
		return "ip6"
	}
	return "ip"
}

// Transport returns a copy of base (http.DefaultTransport when nil) that
// dials through a Dialer: without a proxy (through one, the only address
// that could be checked would be the proxy's), and with base's own dial
// functions (DialContext, DialTLSContext) replaced, since they would
// connect before anything could be checked.
func Transport(base *http.Transport) *http.Transport {
	if base == nil {
		base = http.DefaultTransport.(*http.Transport)
	}
	tr := base.Clone()
	tr.Proxy = nil
	d := &Dialer{Dialer: net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}}
	tr.DialContext = d.DialContext
	tr.DialTLSContext = nil
	//lint:ignore SA1019 cleared so that it cannot bypass the guard
	tr.DialTLS = nil
	//lint:ignore SA1019 idem
	tr.Dial = nil
	return tr
}
