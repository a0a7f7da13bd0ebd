package wauser

import (
	"context"
	"fmt"
	"time"

	"github.com/wauser/wauser/internal/pacing"
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

// paceSend waits for the account's turn to send one message.
func (co *core) paceSend(ctx context.Context, account AccountID) error {
	p := co.cfg.sendPacing
	if p.off() {
		return nil
	}
	clock := co.cfg.clock
	wait := co.pacers.Reserve(pacing.Key{Kind: pacing.Send, Account: string(account)}, pacing.Rate(p), clock.Now(), 1, false)
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
	wait := co.pacers.Reserve(pacing.Key{Kind: pacing.ContactCheck, Account: string(account)}, pacing.Rate(p), now, n, true)
	if wait <= 0 {
		return nil
	}
	return &RateLimitError{
		Limit: p.Burst, ResetAt: now.Add(wait).UTC(), wait: wait,
		reason: fmt.Sprintf("contact lookups are throttled (%d numbers at once, then one per %s; see WithContactCheckPacing): %d more can be looked up in %s",
			p.Burst, p.Interval, n, wait.Round(time.Second)),
	}
}
