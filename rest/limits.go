package rest

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter counts requests per bucket (an API key, or a client IP) in fixed
// windows: a bucket's window opens with its first request and lasts one
// period; within it at most limit requests pass.
type limiter struct {
	limit  int
	period time.Duration

	mu        sync.Mutex
	windows   map[string]*window
	lastSweep time.Time
}

type window struct {
	start time.Time
	used  int
}

func newLimiter(limit int, period time.Duration) *limiter {
	return &limiter{limit: limit, period: period, windows: map[string]*window{}}
}

// take counts one request of bucket at now. It returns the requests left in
// the window, when the window ends, and whether this request may pass.
func (l *limiter) take(bucket string, now time.Time) (left int, reset time.Time, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= l.period {
		for k, w := range l.windows {
			if !now.Before(w.start.Add(l.period)) {
				delete(l.windows, k)
			}
		}
		l.lastSweep = now
	}
	w := l.windows[bucket]
	if w == nil || !now.Before(w.start.Add(l.period)) || now.Before(w.start) {
		w = &window{start: now}
		l.windows[bucket] = w
	}
	reset = w.start.Add(l.period)
	if w.used >= l.limit {
		return 0, reset, false
	}
	w.used++
	return l.limit - w.used, reset, true
}

// rateLimit counts the request against bucket, sets the X-RateLimit headers
// and returns a 429 error when the bucket is exhausted.
func (h *handler) rateLimit(x *call, bucket string) error {
	if h.limiter == nil {
		return nil
	}
	left, reset, ok := h.limiter.take(bucket, x.now)
	x.rate = &rateState{limit: h.limiter.limit, left: left, reset: reset}
	hdr := x.w.Header()
	hdr.Set("X-RateLimit-Limit", strconv.Itoa(h.limiter.limit))
	hdr.Set("X-RateLimit-Remaining", strconv.Itoa(left))
	hdr.Set("X-RateLimit-Reset", strconv.FormatInt(ceilUnix(reset), 10))
	if ok {
		return nil
	}
	wait := max(reset.Sub(x.now), time.Second)
	return &apiError{status: http.StatusTooManyRequests, code: "rate_limit_exceeded",
		message:    "rate limit exceeded: " + strconv.Itoa(h.limiter.limit) + " requests per minute",
		retryAfter: wait, cause: ErrRateLimited}
}

// rateState is where a request left its rate limit bucket: what the
// X-RateLimit headers of its answer say.
type rateState struct {
	limit, left int
	reset       time.Time
}

// ceilUnix is t in Unix seconds, rounded up.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}
