package netguard_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser/internal/netguard"
	"github.com/wauser/wauser/internal/netguard/netguardtest"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"127.0.0.1": "loopback", "127.9.9.9": "loopback", "::1": "loopback", "::ffff:127.0.0.1": "loopback",
		"10.0.0.1": "private", "172.16.5.4": "private", "172.31.255.255": "private", "192.168.0.1": "private",
		"fc00::1": "private", "fd12:3456::1": "private", "100.64.0.1": "private", "::ffff:10.1.1.1": "private",
		"169.254.169.254": "link-local", "fe80::1": "link-local", "224.0.0.251": "link-local", "ff02::1": "link-local",
		"0.0.0.0": "unspecified", "::": "unspecified", "0.1.2.3": "unspecified",
		"239.1.1.1": "multicast", "ff05::1": "multicast",
		"255.255.255.255": "reserved", "240.0.0.1": "reserved", "198.18.0.1": "reserved", "192.0.0.8": "reserved",
		"fec0::1": "reserved", "100::1": "reserved",
		"64:ff9b::7f00:1": "loopback", "64:ff9b::a00:1": "private", "2002:c0a8:101::1": "private", // NAT64, 6to4
		"8.8.8.8": "", "93.184.215.14": "", "172.32.0.1": "", "100.128.0.1": "", "2606:4700::1111": "",
		"64:ff9b::808:808": "", "2002:808:808::1": "", "::ffff:157.240.1.1": "",
	} {
		require.Equal(t, want, netguard.Classify(netip.MustParseAddr(addr)), addr)
	}
	require.Equal(t, "unspecified", netguard.Classify(netip.Addr{}))
}

// loopbackSpellings are ways to write 127.0.0.1 that resolvers (inet_aton)
// or browsers accept.
var loopbackSpellings = []string{
	"127.0.0.1", "127.1", "127.0.1", "2130706433", "0177.0.0.1", "0177.1", "0x7f.1", "0x7F.0.0.1",
	"0x7f000001", "017700000001", "127.0.0.1.", "[::ffff:127.0.0.1]", "::ffff:7f00:1", "[::1]", "0:0:0:0:0:0:0:1",
}

func TestParseHost(t *testing.T) {
	t.Parallel()
	for _, h := range loopbackSpellings {
		a, ok := netguard.ParseHost(h)
		require.True(t, ok, h)
		require.True(t, a.Unmap().IsLoopback(), "%s is %s", h, a)
	}
	for h, want := range map[string]string{
		"10.1": "10.0.0.1", "192.168.257": "192.168.1.1", "0xa.0x1.0x2.0x3": "10.1.2.3", "8.8.8.8": "8.8.8.8",
		"0": "0.0.0.0", "134744072": "8.8.8.8", "fe80::1%eth0": "fe80::1%eth0",
	} {
		a, ok := netguard.ParseHost(h)
		require.True(t, ok, h)
		require.Equal(t, want, a.String(), h)
	}
	for _, h := range []string{
		"example.com", "localhost", "", "1.2.3.4.5", "256.1.1.1", "1.2.3.0x100", "08.1.1.1", "0x", "1..2", "4294967296",
		"+1.2.3.4", "1_0.0.0.1", "0xg.1", "1.2.3.4..", "a.b.c.d",
	} {
		_, ok := netguard.ParseHost(h)
		require.False(t, ok, "%q is no address", h)
	}
}

func TestCheckHost(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	for _, h := range append([]string{"localhost", "10.2.3.4", "", "169.254.169.254"}, loopbackSpellings...) {
		err := netguard.CheckHost(ctx, h)
		require.ErrorIs(t, err, netguard.ErrForbidden, h)
	}
	// One text for every reason: the host as written.
	require.EqualError(t, netguard.CheckHost(ctx, "localhost"), `"localhost" is not a public address`)
	require.EqualError(t, netguard.CheckHost(ctx, "0x7f.1"), `"0x7f.1" is not a public address`)
	var ae *netguard.AddressError
	require.True(t, errors.As(netguard.CheckHost(ctx, "0x7f.1"), &ae))
	require.Equal(t, "loopback", ae.Class)
	require.NoError(t, netguard.CheckHost(ctx, "8.8.8.8"))
	require.NoError(t, netguard.CheckHost(ctx, "134744072"), "8.8.8.8 spelled as a number")
	require.NoError(t, netguard.CheckHost(ctx, "no-such-host.invalid"), "an unresolvable name is left to the dial-time check")
}

// TestDialerConnectsToNothingRefused: every spelling of the listener's
// address, and a name resolving to it, is refused before any connection is
// made, with the same error whether the port is open or closed.
func TestDialerConnectsToNothingRefused(t *testing.T) {
	t.Parallel()
	l := netguardtest.Listen(t)
	closed := closedPort(t)
	d := &netguard.Dialer{Dialer: net.Dialer{Timeout: 5 * time.Second}}
	for _, h := range append([]string{"localhost"}, loopbackSpellings...) {
		var texts []string
		for _, port := range []string{l.Port(), closed} {
			addr := net.JoinHostPort(strings.Trim(h, "[]"), port)
			conn, err := d.DialContext(t.Context(), "tcp", addr)
			if conn != nil {
				_ = conn.Close()
			}
			require.ErrorIs(t, err, netguard.ErrForbidden, addr)
			texts = append(texts, err.Error())
		}
		require.Equal(t, texts[0], texts[1], "open and closed ports get the same error")
	}
	_, err := d.DialContext(t.Context(), "tcp", ":"+l.Port())
	require.ErrorIs(t, err, netguard.ErrForbidden, "an empty host is the local system")
	require.Zero(t, l.Accepted(t), "no connection reached the listener")
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	_, port, err := net.SplitHostPort(ln.Addr().String())
	require.NoError(t, err)
	require.NoError(t, ln.Close())
	return port
}

func TestTransport(t *testing.T) {
	t.Parallel()
	l := netguardtest.Listen(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	// A host transport with its own dialer and proxy: both are replaced,
	// since they would connect before anything is checked.
	base := &http.Transport{
		Proxy: http.ProxyURL(mustURL(t, srv.URL)),
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, "127.0.0.1:"+l.Port())
		},
	}
	hc := &http.Client{Transport: netguard.Transport(base), Timeout: 5 * time.Second}
	for _, u := range []string{"http://127.1:" + l.Port() + "/", "http://localhost:" + l.Port() + "/", "https://[::ffff:127.0.0.1]:" + l.Port() + "/"} {
		resp, err := hc.Get(u)
		if resp != nil {
			_ = resp.Body.Close()
		}
		require.ErrorIs(t, err, netguard.ErrForbidden, u)
	}
	require.Zero(t, l.Accepted(t))
	require.NotNil(t, base.DialContext, "the host's transport is not changed")
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}
