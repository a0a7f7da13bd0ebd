package watest

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/wauser/wauser"
)

// Clock is a manual clock for wauser.WithClock: time moves only when the
// test calls Advance, so reconnect backoff and QR rotation can be tested
// without sleeping.
type Clock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*timer
	changed chan struct{}
}

var _ wauser.Clock = (*Clock)(nil)

// NewClock returns a Clock reading start.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start, changed: make(chan struct{})}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer returns a timer that fires when Advance passes d from now.
func (c *Clock) NewTimer(d time.Duration) wauser.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &timer{clock: c, when: c.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.fired = true
		t.ch <- c.now
	} else {
		c.timers = append(c.timers, t)
	}
	c.signal()
	return t
}

// Advance moves the clock forward by d and fires, in order, every timer
// that falls due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	sort.SliceStable(c.timers, func(i, j int) bool { return c.timers[i].when.Before(c.timers[j].when) })
	kept := c.timers[:0]
	for _, t := range c.timers {
		if !t.when.After(c.now) {
			t.fired = true
			t.ch <- t.when
			continue
		}
		kept = append(kept, t)
	}
	c.timers = kept
	c.signal()
}

// Pending returns the durations from now until each pending timer fires,
// soonest first.
func (c *Clock) Pending() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]time.Duration, 0, len(c.timers))
	for _, t := range c.timers {
		out = append(out, t.when.Sub(c.now))
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// WaitTimers blocks until at least n timers are pending, so that a test can
// Advance only after the code under test armed its timer.
func (c *Clock) WaitTimers(ctx context.Context, n int) error {
	return c.Wait(ctx, func(pending []time.Duration) bool { return len(pending) >= n })
}

// Wait blocks until cond holds for the pending timers (as Pending returns
// them), re-checking whenever a timer is armed, stopped or fired.
func (c *Clock) Wait(ctx context.Context, cond func(pending []time.Duration) bool) error {
	for {
		c.mu.Lock()
		ch := c.changed
		c.mu.Unlock()
		if cond(c.Pending()) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// signal wakes WaitTimers; c.mu is held.
func (c *Clock) signal() {
	close(c.changed)
	c.changed = make(chan struct{})
}

type timer struct {
	clock *Clock
	when  time.Time
	ch    chan time.Time
	fired bool
}

func (t *timer) C() <-chan time.Time { return t.ch }

func (t *timer) Stop() bool {
	c := t.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.fired {
		return false
	}
	for i, o := range c.timers {
		if o == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			c.signal()
			return true
		}
	}
	return false
}
