package wauser

import (
	"context"
	"errors"
	"fmt"
	"time"

	isession "github.com/wauser/wauser/internal/session"
	"github.com/wauser/wauser/internal/store"
)

// LeaseOptions tune account leases, which keep every account connected by
// exactly one process when several processes share one PostgreSQL store
// (see WithLeases). Zero fields keep their defaults.
type LeaseOptions struct {
	// Interval is how often a process renews its leases and looks for
	// accounts it can take over. Default 5 s.
	Interval time.Duration
	// Timeout bounds each statement on the lease connection. A renewal
	// that fails or takes longer loses every lease: the process
	// disconnects all its accounts at once, then takes back those it can.
	// Default 5 s.
	Timeout time.Duration
}

// WithLeases tunes account leases (PostgreSQL only; on SQLite every account
// is leased to the one process at once).
//
// A process connects an account only while it holds the account's lease: a
// PostgreSQL advisory lock on a connection of its own. PostgreSQL frees the
// lock when the holder closes, dies or loses that connection, and another
// process running Start takes the account over at its next look, at most
// Interval later. If the previous holder renewed its lease less than
// Interval + 2·Timeout ago (it died, or it may still be alive but cut off
// from the database), the new holder first waits out that grace period: a
// holder that cannot renew disconnects its accounts within Interval +
// Timeout, so the two never connect the same account at once. With the
// defaults a killed process's accounts are reconnected elsewhere within
// about 20 s; a process that Closes hands them over at the other's next
// look.
func WithLeases(o LeaseOptions) Option {
	return func(c *config) error {
		if o.Interval < 0 || o.Timeout < 0 {
			return invalidArg("lease options", "negative value in %+v", o)
		}
		c.leases = o
		return nil
	}
}

func (o *LeaseOptions) setDefaults() {
	if o.Interval <= 0 {
		o.Interval = 5 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
}

// takeLease takes account id's lease before its session starts. It returns
// an error matching ErrLeasedElsewhere (and ErrNotConnected) when another
// process holds it, and one matching ErrNotConnected while the account
// waits out the grace period after being taken over.
func (co *core) takeLease(ctx context.Context, id AccountID) error {
	err := co.leases.Take(ctx, string(id))
	var wait *isession.WaitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &wait):
		return fmt.Errorf("%w: account %q was taken over from a process that stopped; it connects at %s",
			ErrNotConnected, id, wait.At.UTC().Format(time.RFC3339))
	case errors.Is(err, isession.ErrLeasedElsewhere):
		return fmt.Errorf("%w (%w): account %q is connected by another process", ErrNotConnected, ErrLeasedElsewhere, id)
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%w: account %q", ErrNotFound, id)
	default:
		return fmt.Errorf("wauser: lease of account %q: %w", id, err)
	}
}

// leasedElsewhere reports whether another process held id's lease at the
// last look.
func (co *core) leasedElsewhere(id AccountID) bool { return co.leases.Elsewhere(string(id)) }

// releaseLease lets id's lease go (Logout).
func (co *core) releaseLease(ctx context.Context, id AccountID) { co.leases.Release(ctx, string(id)) }

// sessionClock is the Client's Clock as internal/session takes it.
type sessionClock struct{ Clock }

func (c sessionClock) NewTimer(d time.Duration) isession.Timer { return c.Clock.NewTimer(d) }
