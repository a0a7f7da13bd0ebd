package deliver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned when a webhook target is, or resolves to,
// an address that webhooks may not reach (see Classify).
var ErrForbiddenAddress = errors.New("forbidden address")

// AddressError says which address of a target was refused and why.
type AddressError struct {
	Host  string     // the host as written in the URL
	Addr  netip.Addr // the refused address
	Class string     // "loopback", "private", "link-local", ...
}

func (e *AddressError) Error() string {
	if e.Host != "" && e.Host != e.Addr.String() {
		return fmt.Sprintf("%s resolves to %s, a %s address", e.Host, e.Addr, e.Class)
	}
	return fmt.Sprintf("%s is a %s address", e.Addr, e.Class)
}

// Unwrap makes the error match ErrForbiddenAddress.
func (e *AddressError) Unwrap() error { return ErrForbiddenAddress }

var (
	sharedPrefix = netip.MustParsePrefix("100.64.0.0/10") // carrier-grade NAT (RFC 6598)
	thisNetwork  = netip.MustParsePrefix("0.0.0.0/8")
	broadcast    = netip.MustParseAddr("255.255.255.255")
)

// Classify returns why webhooks may not reach a, or "" when they may:
// loopback, private (RFC 1918, RFC 6598 shared space, IPv6 unique local),
// link-local (unicast and multicast), unspecified (and 0.0.0.0/8),
// multicast and broadcast addresses are refused. IPv4-mapped IPv6 addresses
// are judged as the IPv4 address they carry.
func Classify(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return "invalid"
	case a.IsUnspecified(), a.Is4() && thisNetwork.Contains(a):
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate(), a.Is4() && sharedPrefix.Contains(a):
		return "private"
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return "link-local"
	case a.IsMulticast(), a.IsInterfaceLocalMulticast(), a == broadcast:
		return "multicast"
	}
	return ""
}

// CheckHost refuses host when it is, or resolves to, a forbidden address.
// A name that does not resolve now passes: the dial-time check still guards
// it.
func CheckHost(ctx context.Context, host string) error {
	if a, err := netip.ParseAddr(host); err == nil {
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

// control runs after DNS resolution, just before each connect: the address
// here is the one actually dialled, so a name that resolved to a public
// address when the webhook was registered and to a private one now (DNS
// rebinding) is still refused.
func control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook dial %s: %w", address, err)
	}
	if class := Classify(ap.Addr()); class != "" {
		return &AddressError{Addr: ap.Addr().Unmap(), Class: class}
	}
	return nil
}

// NewHTTPClient returns the client deliveries use: base's settings (timeout,
// TLS) with a transport that refuses forbidden addresses at dial time unless
// allowPrivate, keeps up to conns idle connections per host, and does not
// follow redirects (a 3xx is a failed delivery). A base whose Transport is
// neither nil nor an *http.Transport is used as is: the dial-time check is
// then the caller's business.
func NewHTTPClient(base *http.Client, allowPrivate bool, conns int) *http.Client {
	hc := *base
	var tr *http.Transport
	switch t := base.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = nil // deliveries go straight to the target, where the guard sees them
	case *http.Transport:
		tr = t.Clone()
	default:
		hc.CheckRedirect = noRedirect
		return &hc
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = control
	}
	tr.DialContext = dialer.DialContext
	tr.MaxIdleConnsPerHost = max(tr.MaxIdleConnsPerHost, conns)
	tr.MaxIdleConns = max(tr.MaxIdleConns, 4*conns)
	hc.Transport = tr
	hc.CheckRedirect = noRedirect
	return &hc
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
