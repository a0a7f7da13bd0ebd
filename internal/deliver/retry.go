package deliver

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff returns the delay before retry n (0 after the first failure):
// minDelay·2ⁿ capped at maxDelay, with ±20% jitter so that endpoints coming
// back are not hit by every retry at once.
func Backoff(n int, minDelay, maxDelay time.Duration) time.Duration {
	d := minDelay
	for i := 0; i < n && d < maxDelay; i++ {
		d *= 2
	}
	d = min(d, maxDelay)
	if spread := int64(d) / 5; spread > 0 {
		d += time.Duration(rand.Int64N(2*spread+1) - spread)
	}
	return d
}

// maxRetryAfter bounds what a Retry-After header can ask for.
const maxRetryAfter = 24 * time.Hour

// ParseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date
// (relative to now). ok is false when the header is absent or malformed; a
// date in the past gives 0. The delay is capped at 24 h.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), maxRetryAfter), true
}

// retryable reports whether a response status is worth retrying: 408, 429
// and every 5xx. Other non-2xx answers are final.
func retryable(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}
