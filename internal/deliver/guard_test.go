package deliver

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser/internal/netguard"
	"github.com/wauser/wauser/internal/netguard/netguardtest"
)

// The dial-time check sees the address after DNS resolution, so a name
// that resolves to a private address when dialled is refused however it
// resolved at registration; nothing is connected to.
func TestHTTPClientRefusesAtDial(t *testing.T) {
	t.Parallel()
	l := netguardtest.Listen(t)
	strict := NewHTTPClient(&http.Client{Timeout: 5 * time.Second}, false, 4)
	for _, host := range []string{"127.0.0.1", "localhost", "127.1", "[::ffff:127.0.0.1]"} {
		resp, err := strict.Get("http://" + host + ":" + l.Port() + "/hook")
		if resp != nil {
			_ = resp.Body.Close()
		}
		require.ErrorIs(t, err, ErrForbiddenAddress, host)
		var ae *netguard.AddressError
		require.True(t, errors.As(err, &ae))
		require.Equal(t, "loopback", ae.Class)
	}
	require.Zero(t, l.Accepted(t))

	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer srv.Close()
	loose := NewHTTPClient(&http.Client{Timeout: 5 * time.Second}, true, 4)
	resp, err := loose.Get(strings.Replace(srv.URL, "127.0.0.1", "localhost", 1))
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, int32(1), hits.Load())
}

func TestHTTPClientDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.RedirectHandler("http://169.254.169.254/latest", http.StatusFound))
	defer srv.Close()
	hc := NewHTTPClient(&http.Client{}, true, 1)
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL, nil)
	resp, err := hc.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode, "a 3xx is the answer, not a hop")
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	for n, base := range []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute, time.Minute} {
		for range 50 {
			d := Backoff(n, 5*time.Second, time.Minute)
			require.GreaterOrEqual(t, d, base-base/5, "retry %d", n)
			require.LessOrEqual(t, d, base+base/5, "retry %d", n)
		}
	}
	require.Equal(t, time.Duration(4), Backoff(0, 4, 4), "tiny delays have no jitter to add")
}

var retryAfterCases = []struct {
	in   string
	want time.Duration
	ok   bool
}{
	{"", 0, false},
	{"120", 2 * time.Minute, true},
	{" 7 ", 7 * time.Second, true},
	{"0", 0, true},
	{"-5", 0, false},
	{"1e3", 0, false},
	{"99999999999", 24 * time.Hour, true},
	{"Sat, 21 Nov 2026 12:01:00 GMT", time.Minute, true},
	{"Sat, 21 Nov 2026 11:00:00 GMT", 0, true},
	{"tomorrow", 0, false},
}

var retryNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	for _, tc := range retryAfterCases {
		d, ok := ParseRetryAfter(tc.in, retryNow)
		require.Equal(t, tc.ok, ok, tc.in)
		require.Equal(t, tc.want, d, tc.in)
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, tc := range retryAfterCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d, ok := ParseRetryAfter(in, retryNow)
		if !ok {
			require.Zero(t, d)
			return
		}
		require.GreaterOrEqual(t, d, time.Duration(0))
		require.LessOrEqual(t, d, 24*time.Hour)
	})
}

func TestSignMatchesSpecExample(t *testing.T) {
	t.Parallel()
	// The example of the Standard Webhooks specification.
	key, err := SecretKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	require.NoError(t, err)
	got := Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	require.Equal(t, "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", got)
	require.Equal(t, "v1,"+got+" v1,"+got, SignatureHeader([][]byte{key, key}, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`)))
	_, err = SecretKey("whsec_")
	require.Error(t, err)
	_, err = SecretKey("whsec_not base64")
	require.Error(t, err)
}
