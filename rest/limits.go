package rest

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/wauser/wauser"
)

// limiter counts requests per bucket in fixed windows: a bucket's window
// opens with its first request and lasts the bucket's period; within it at
// most the bucket's limit of requests pass. A request counts against every
// bucket it falls in (a key's minute and its hour), and passes only when
// all of them have room: a refused request counts against none.
//
// Its memory is bounded: windows that ended are dropped at the first
// request of each minute, and at most maxWindows are kept. When that many
// are open, those that ended go first, then the client IPs' (whose windows
// restart: an unauthenticated caller gains at most a fresh minute), and
// only when keys alone fill it, all of them.
type limiter struct {
	maxWindows int
	creators   hourlyLimits // the hourly limits of keys that created tokens

	mu        sync.Mutex
	windows   map[bucket]*window
	lastSweep time.Time
}

// defaultMaxWindows bounds the limiter: about 100 bytes each.
const defaultMaxWindows = 100_000

// sweepEvery is how often the limiter drops the windows that ended.
const sweepEvery = time.Minute

// bucketKind is what a bucket counts.
type bucketKind uint8

const (
	bucketIP      bucketKind = iota // the requests of a client IP that did not authenticate
	bucketKey                       // an API key's requests per minute (Options.RequestsPerMinute)
	bucketKeyHour                   // an API key's own hourly limit (wauser.APIKey.RateLimitPerHour), its tokens' requests included
)

// bucket is one count of requests.
type bucket struct {
	kind bucketKind
	id   string // the client IP or the key's id
}

// rule is one limit a request counts against.
type rule struct {
	bucket bucket
	limit  int
	period time.Duration
}

type window struct {
	start  time.Time
	period time.Duration
	used   int
}

func (w *window) end() time.Time { return w.start.Add(w.period) }

func newLimiter() *limiter {
	return &limiter{maxWindows: defaultMaxWindows, windows: map[bucket]*window{}}
}

// take counts one request at now against every rule. It passes when each
// rule's window has room, and then counts it in all of them; otherwise it
// counts nowhere. The state it returns is the rule closest to running out:
// when refused, the exhausted rule whose window ends last (the time to wait);
// when passed, the rule with the fewest requests left, the one whose
// window ends last among equals.
func (l *limiter) take(now time.Time, rules []rule) (st rateState, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= sweepEvery || now.Before(l.lastSweep) {
		l.sweep(now)
		l.lastSweep = now
	}
	windows := make([]*window, len(rules))
	refused := false
	for i, r := range rules {
		w := l.windows[r.bucket]
		if w == nil || !now.Before(w.end()) || now.Before(w.start) || w.period != r.period {
			if w == nil && len(l.windows) >= l.maxWindows {
				l.makeRoom(now)
			}
			w = &window{start: now, period: r.period}
			l.windows[r.bucket] = w
		}
		windows[i] = w
		if w.used >= r.limit {
			refused = true
		}
	}
	first := true
	for i, r := range rules {
		w := windows[i]
		if refused && w.used < r.limit {
			continue
		}
		if !refused {
			w.used++
		}
		s := rateState{limit: r.limit, left: r.limit - w.used, reset: w.end(), period: r.period}
		if first || s.left < st.left || (s.left == st.left && s.reset.After(st.reset)) {
			st, first = s, false
		}
	}
	return st, !refused
}

// sweep drops the windows that ended.
func (l *limiter) sweep(now time.Time) {
	for b, w := range l.windows {
		if !now.Before(w.end()) || now.Before(w.start) {
			delete(l.windows, b)
		}
	}
}

// makeRoom frees room for a window when maxWindows are open.
func (l *limiter) makeRoom(now time.Time) {
	l.sweep(now)
	if len(l.windows) < l.maxWindows {
		return
	}
	for b := range l.windows {
		if b.kind == bucketIP {
			delete(l.windows, b)
		}
	}
	if len(l.windows) >= l.maxWindows {
		clear(l.windows)
	}
}

// ipRules are the limits of a request that did not authenticate: its
// client IP's, per minute.
func (h *handler) ipRules(r *http.Request) []rule {
	if h.opts.RequestsPerMinute <= 0 {
		return nil
	}
	return []rule{{bucket: bucket{kind: bucketIP, id: clientIP(r)}, limit: h.opts.RequestsPerMinute, period: time.Minute}}
}

// keyRules are the limits of a request made with key: its requests per
// minute (Options.RequestsPerMinute), its own hourly limit, and the hourly
// limit of the key that created it (a device's token counts against its
// creator's, with the creator's own requests and its other tokens').
func (h *handler) keyRules(x *call, key *wauser.APIKey) ([]rule, error) {
	var rules []rule
	if h.opts.RequestsPerMinute > 0 {
		rules = append(rules, rule{bucket: bucket{kind: bucketKey, id: string(key.ID)}, limit: h.opts.RequestsPerMinute, period: time.Minute})
	}
	if key.RateLimitPerHour > 0 {
		rules = append(rules, rule{bucket: bucket{kind: bucketKeyHour, id: string(key.ID)}, limit: key.RateLimitPerHour, period: time.Hour})
	}
	if key.CreatedBy != "" {
		perHour, err := h.hourlyLimitOf(x, key.CreatedBy)
		if err != nil {
			return nil, err
		}
		if perHour > 0 {
			rules = append(rules, rule{bucket: bucket{kind: bucketKeyHour, id: string(key.CreatedBy)}, limit: perHour, period: time.Hour})
		}
	}
	return rules, nil
}

// hourlyLimits remembers the hourly limits of keys that created tokens,
// for hourlyLimitTTL, so that a token's request costs no store read: like
// the Client's own cache of authenticated keys, a change made through this
// handler applies at once (forget), one made elsewhere within the TTL.
type hourlyLimits struct {
	mu     sync.Mutex
	limits map[wauser.APIKeyID]cachedLimit
}

type cachedLimit struct {
	perHour int
	at      time.Time
}

const (
	hourlyLimitTTL    = 5 * time.Second
	maxCachedCreators = 10_000
)

// hourlyLimitOf is the hourly limit of key id (0: none, or no such key).
func (h *handler) hourlyLimitOf(x *call, id wauser.APIKeyID) (int, error) {
	hl := &h.limiter.creators
	hl.mu.Lock()
	c, ok := hl.limits[id]
	hl.mu.Unlock()
	if ok && x.now.Sub(c.at) < hourlyLimitTTL && !x.now.Before(c.at) {
		return c.perHour, nil
	}
	k, err := x.root.GetAPIKey(x.ctx, id)
	perHour := 0
	switch {
	case err == nil:
		perHour = k.RateLimitPerHour
	case !errors.Is(err, wauser.ErrNotFound):
		return 0, err
	}
	hl.mu.Lock()
	defer hl.mu.Unlock()
	if hl.limits == nil || len(hl.limits) >= maxCachedCreators {
		hl.limits = map[wauser.APIKeyID]cachedLimit{}
	}
	hl.limits[id] = cachedLimit{perHour: perHour, at: x.now}
	return perHour, nil
}

// forget drops what hourlyLimitOf remembers, after a key's limit changed.
func (hl *hourlyLimits) forget() {
	hl.mu.Lock()
	defer hl.mu.Unlock()
	clear(hl.limits)
}

// rateLimit counts the request against rules, sets the X-RateLimit headers
// to the rule closest to running out, and returns a 429 error when a rule
// is exhausted. Without rules (rate limiting off, and no hourly limit of
// the key's) it does nothing.
func (h *handler) rateLimit(x *call, rules []rule) error {
	if len(rules) == 0 {
		return nil
	}
	st, ok := h.limiter.take(x.now, rules)
	x.rate = &st
	hdr := x.w.Header()
	hdr.Set("X-RateLimit-Limit", strconv.Itoa(st.limit))
	hdr.Set("X-RateLimit-Remaining", strconv.Itoa(st.left))
	hdr.Set("X-RateLimit-Reset", strconv.FormatInt(ceilUnix(st.reset), 10))
	if ok {
		return nil
	}
	per := "minute"
	if st.period == time.Hour {
		per = "hour"
	}
	wait := max(st.reset.Sub(x.now), time.Second)
	return &apiError{status: http.StatusTooManyRequests, code: "rate_limit_exceeded",
		message:    "rate limit exceeded: " + strconv.Itoa(st.limit) + " requests per " + per,
		retryAfter: wait, cause: ErrRateLimited}
}

// rateState is where a request left the rate limit closest to running out:
// what the X-RateLimit headers of its answer say.
type rateState struct {
	limit, left int
	reset       time.Time
	period      time.Duration
}

// ceilUnix is t in Unix seconds, rounded up.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}
