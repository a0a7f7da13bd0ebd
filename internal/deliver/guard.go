package deliver

import (
	"net"
	"net/http"
	"time"

	"github.com/wauser/wauser/internal/netguard"
)

// ErrForbiddenAddress is returned when a webhook target is, or resolves to,
// an address that webhooks may not reach (see netguard.Classify).
var ErrForbiddenAddress = netguard.ErrForbidden

// NewHTTPClient returns the client deliveries use: base's settings (timeout,
// TLS) with a transport that, unless allowPrivate, resolves each target
// itself and dials only public addresses (netguard: nothing is connected
// to before the check, so a name that resolved to a public address when
// the webhook was registered and to a private one now is refused too),
// keeps up to conns idle connections per host, and does not follow
// redirects (a 3xx is a failed delivery). Deliveries go straight to the
// target, never through a proxy. A base whose Transport is neither nil
// nor an *http.Transport is used as is: the address check is then the
// caller's business.
func NewHTTPClient(base *http.Client, allowPrivate bool, conns int) *http.Client {
	hc := *base
	hc.CheckRedirect = noRedirect
	var tr *http.Transport
	switch t := base.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport)
	case *http.Transport:
		tr = t
	default:
		return &hc
	}
	if allowPrivate {
		tr = tr.Clone()
		tr.Proxy = nil
		tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	} else {
		tr = netguard.Transport(tr)
	}
	tr.MaxIdleConnsPerHost = max(tr.MaxIdleConnsPerHost, conns)
	tr.MaxIdleConns = max(tr.MaxIdleConns, 4*conns)
	hc.Transport = tr
	return &hc
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
