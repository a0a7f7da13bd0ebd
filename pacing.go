package wauser

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Pacing is a rate: Burst units may go at once, after which one more
// becomes available every Interval. The zero Pacing does not limit.
type Pacing struct {
	Burst    int           `json:"burst"`
	Interval time.Duration `json:"interval"`
}

// Default pacings (see WithSendPacing and WithContactCheckPacing).
var (
	// DefaultSendPacing: an account sends up to 5 messages at once, then
	// one per second; a send beyond that waits for its turn.
	DefaultSendPacing = Pacing{Burst: 5, Interval: time.Second}
	// DefaultContactCheckPacing: an account looks up to 100 phone numbers
	// at once (one full CheckContacts call), then one more per second.
	DefaultContactCheckPacing = Pacing{Burst: 100, Interval: time.Second}
)

func (p Pacing) off() bool { return p.Burst == 0 }

func (p Pacing) validate(what string) error {
	switch {
	case p.Burst < 0 || p.Interval < 0:
		return invalidArg(what, "negative value in %+v", p)
	case p.Burst > 0 && p.Interval <= 0:
		return invalidArg(what, "a burst of %d needs a positive interval", p.Burst)
	case p.Burst == 0 && p.Interval != 0:
		return invalidArg(what, "interval %s without a burst; give Burst 0 and Interval 0 to turn pacing off", p.Interval)
	}
	return nil
}

// WithSendPacing smooths each account's sends: p.Burst messages go at
// once, then one per p.Interval, and a send beyond that waits for its turn
// (or until its ctx ends). Messages, reactions, edits, deletions and
// history requests count, one each; read receipts and presence updates do
// not. Bursts of machine-made messages are what gets accounts banned: the
// default is DefaultSendPacing. Pacing{} turns pacing off. Pacing is kept
// per process, on the Client's clock.
func WithSendPacing(p Pacing) Option {
	return func(c *config) error {
		if err := p.validate("send pacing"); err != nil {
			return err
		}
		c.sendPacing = p
		return nil
	}
}

// WithContactCheckPacing throttles CheckContacts per account: p.Burst
// phone numbers may be looked up at once, then one more per p.Interval. A
// call asking more numbers than are available returns a *RateLimitError
// (ErrRateLimited) whose RetryAfter says when they will be; nothing is
// asked. WhatsApp bans accounts that look up many numbers, as spammers do.
// The default is DefaultContactCheckPacing; Pacing{} turns it off.
func WithContactCheckPacing(p Pacing) Option {
	return func(c *config) error {
		if err := p.validate("contact check pacing"); err != nil {
			return err
		}
		c.checkPacing = p
		return nil
	}
}

// pacer meters one account's use of a Pacing with the generic cell rate
// algorithm: tat is when the bucket would be full again.
type pacer struct {
	mu  sync.Mutex
	tat time.Time
}

// reserve takes n units at now and returns how long to wait before using
// them; with refuse set, units that are not available now are not taken
// and the wait is returned alone.
func (pc *pacer) reserve(p Pacing, now time.Time, n int, refuse bool) time.Duration {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	tat := pc.tat
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(time.Duration(n) * p.Interval)
	wait := next.Sub(now) - time.Duration(p.Burst)*p.Interval
	if wait > 0 && refuse {
		return wait
	}
	pc.tat = next
	return max(wait, 0)
}

// pacers holds the pacers of every account of a Client.
type pacers struct {
	mu sync.Mutex
	m  map[string]*pacer
}

func (ps *pacers) get(key string) *pacer {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.m == nil {
		ps.m = map[string]*pacer{}
	}
	pc := ps.m[key]
	if pc == nil {
		pc = &pacer{}
		ps.m[key] = pc
	}
	return pc
}

// paceSend waits for the account's turn to send one message.
func (co *core) paceSend(ctx context.Context, account AccountID) error {
	p := co.cfg.sendPacing
	if p.off() {
		return nil
	}
	clock := co.cfg.clock
	wait := co.pacers.get("send\x00"+string(account)).reserve(p, clock.Now(), 1, false)
	if wait <= 0 {
		return nil
	}
	t := clock.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wauser: waiting for the account's turn to send (see WithSendPacing): %w", ctx.Err())
	}
}

// paceCheck takes n contact lookups of the account, or returns the
// *RateLimitError of a call that must wait.
func (co *core) paceCheck(account AccountID, n int) error {
	p := co.cfg.checkPacing
	if p.off() {
		return nil
	}
	now := co.cfg.clock.Now()
	wait := co.pacers.get("check\x00"+string(account)).reserve(p, now, n, true)
	if wait <= 0 {
		return nil
	}
	return &RateLimitError{
		Limit: p.Burst, ResetAt: now.Add(wait).UTC(), wait: wait,
		reason: fmt.Sprintf("contact lookups are throttled (%d numbers at once, then one per %s; see WithContactCheckPacing): %d more can be looked up in %s",
			p.Burst, p.Interval, n, wait.Round(time.Second)),
	}
}
