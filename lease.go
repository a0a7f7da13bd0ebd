package wauser

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

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

// leaseGrace is how long a new holder waits after the previous holder's
// last renewal.
func (o LeaseOptions) grace() time.Duration { return o.Interval + 2*o.Timeout }

func (o *LeaseOptions) setDefaults() {
	if o.Interval <= 0 {
		o.Interval = 5 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
}

// leaseState is what the Client knows about the leases of accounts it does
// not connect.
type leaseState struct {
	mu        sync.Mutex
	elsewhere map[AccountID]bool      // another process held the lease at the last look
	taking    map[AccountID]time.Time // leased, but connecting only at this time (grace period)
	wake      chan struct{}           // capacity 1: look now
}

// newLeases sets up the Client's leases (no I/O).
func (co *core) newLeases() {
	co.lease = leaseState{elsewhere: map[AccountID]bool{}, taking: map[AccountID]time.Time{}, wake: make(chan struct{}, 1)}
	co.leases = co.st.NewLeases(store.LeaseConfig{
		Holder:    holderName(),
		Grace:     co.cfg.leases.grace(),
		Timeout:   co.cfg.leases.Timeout,
		KeepAlive: co.cfg.leases.Interval + co.cfg.leases.Timeout,
		OnLost:    co.leasesLost,
	})
}

// holderName names this process in wauser_leases: host, pid and a random
// suffix (a restarted process is a new holder).
func holderName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return host + "/" + strconv.Itoa(os.Getpid()) + "/" + hex.EncodeToString(b[:])
}

// takeLease takes account id's lease before its session starts. It returns
// an error matching ErrLeasedElsewhere (and ErrNotConnected) when another
// process holds it, and one matching ErrNotConnected while the account
// waits out the grace period after being taken over.
func (co *core) takeLease(ctx context.Context, id AccountID) error {
	co.lease.mu.Lock()
	at, taking := co.lease.taking[id]
	co.lease.mu.Unlock()
	now := co.cfg.clock.Now()
	if taking && now.Before(at) {
		return fmt.Errorf("%w: account %q was taken over from a process that stopped; it connects at %s",
			ErrNotConnected, id, at.UTC().Format(time.RFC3339))
	}
	ok, wait, err := co.leases.Acquire(ctx, string(id))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%w: account %q", ErrNotFound, id)
	case err != nil:
		return fmt.Errorf("wauser: lease of account %q: %w", id, err)
	case !ok:
		co.lease.mu.Lock()
		co.lease.elsewhere[id] = true
		delete(co.lease.taking, id)
		co.lease.mu.Unlock()
		return fmt.Errorf("%w (%w): account %q is connected by another process", ErrNotConnected, ErrLeasedElsewhere, id)
	case wait > 0 && !taking:
		at := now.Add(wait)
		co.lease.mu.Lock()
		co.lease.taking[id] = at
		delete(co.lease.elsewhere, id)
		co.lease.mu.Unlock()
		co.cfg.logger.Info("wauser: took over an account's lease; waiting for the previous holder to disconnect",
			slog.String("account", string(id)), slog.Duration("wait", wait))
		co.wakeLeases()
		return fmt.Errorf("%w: account %q was taken over from a process that stopped; it connects at %s",
			ErrNotConnected, id, at.UTC().Format(time.RFC3339))
	}
	co.lease.mu.Lock()
	delete(co.lease.elsewhere, id)
	delete(co.lease.taking, id)
	co.lease.mu.Unlock()
	return nil
}

// leasedElsewhere reports whether another process held id's lease at the
// last look.
func (co *core) leasedElsewhere(id AccountID) bool {
	co.lease.mu.Lock()
	defer co.lease.mu.Unlock()
	return co.lease.elsewhere[id]
}

// wakeLeases makes the lease loop look now.
func (co *core) wakeLeases() {
	select {
	case co.lease.wake <- struct{}{}:
	default:
	}
}

// leasesLost disconnects the accounts whose leases were lost with the lease
// connection.
func (co *core) leasesLost(accounts []string) {
	co.cfg.logger.Warn("wauser: lost the lease connection; disconnecting its accounts", slog.Int("accounts", len(accounts)))
	for _, id := range accounts {
		if s := co.getSession(AccountID(id)); s != nil {
			co.dropSession(s)
		}
	}
	co.notify()
}

// releaseLease lets id's lease go (Logout).
func (co *core) releaseLease(ctx context.Context, id AccountID) {
	if err := co.leases.Release(ctx, string(id)); err != nil {
		co.cfg.logger.Warn("wauser: release lease", slog.String("account", string(id)), slog.Any("error", err))
	}
	co.lease.mu.Lock()
	delete(co.lease.elsewhere, id)
	delete(co.lease.taking, id)
	co.lease.mu.Unlock()
}

// renewLeases renews the process's leases every interval (real time: it is
// a liveness check of the lease connection, bounded against PostgreSQL's
// own timeouts). A failed renewal has already disconnected the accounts
// (leasesLost).
func (co *core) renewLeases(ctx context.Context) {
	tick := time.NewTicker(co.cfg.leases.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := co.leases.Renew(ctx); err != nil && ctx.Err() == nil {
				co.cfg.logger.Warn("wauser: renew leases", slog.Any("error", err))
			}
		}
	}
}

// takeLeases looks for accounts to connect every interval (real time, like
// the webhook workers' poll for other processes' rows) and connects those
// whose lease it can take; the grace period of a take-over runs on the
// Client's clock.
func (co *core) takeLeases(ctx context.Context) {
	tick := time.NewTicker(co.cfg.leases.Interval)
	defer tick.Stop()
	var (
		grace   Timer
		graceAt time.Time
	)
	defer func() { stopTimer(grace) }()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-co.lease.wake:
		case <-timerC(grace):
			grace, graceAt = nil, time.Time{}
		}
		co.leaseRound(ctx)
		if next := co.nextTakeOver(); !next.Equal(graceAt) {
			grace = stopTimer(grace)
			graceAt = next
			if !next.IsZero() {
				grace = co.cfg.clock.NewTimer(max(next.Sub(co.cfg.clock.Now()), 0))
			}
		}
	}
}

// nextTakeOver returns the earliest end of a grace period, or zero.
func (co *core) nextTakeOver() time.Time {
	co.lease.mu.Lock()
	defer co.lease.mu.Unlock()
	var next time.Time
	for _, at := range co.lease.taking {
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next
}

// leaseRound connects every paired account that has no session here and
// whose lease is free, and stops the sessions of accounts deleted by
// another process.
func (co *core) leaseRound(ctx context.Context) {
	if co.checkOpen() != nil {
		return
	}
	// Sessions first: one started after this snapshot belongs to an account
	// that exists in the list read next.
	co.mu.Lock()
	running := make([]*session, 0, len(co.sessions))
	for _, s := range co.sessions {
		running = append(running, s)
	}
	co.mu.Unlock()
	accounts, err := co.st.ListAccounts(ctx)
	if err != nil {
		if ctx.Err() == nil {
			co.cfg.logger.Warn("wauser: look for accounts to connect", slog.Any("error", err))
		}
		return
	}
	exists := make(map[AccountID]bool, len(accounts))
	for _, a := range accounts {
		id := AccountID(a.ID)
		exists[id] = true
		if a.JID == "" || AccountState(a.State) == StateLoggedOut || co.getSession(id) != nil {
			continue
		}
		if _, err := co.connect(ctx, id); err != nil && ctx.Err() == nil && !errors.Is(err, ErrNotConnected) && !errors.Is(err, ErrNotFound) {
			co.cfg.logger.Warn("wauser: connect account", slog.String("account", a.ID), slog.Any("error", err))
		}
	}
	co.lease.mu.Lock()
	for id := range co.lease.elsewhere {
		if !exists[id] {
			delete(co.lease.elsewhere, id)
		}
	}
	for id := range co.lease.taking {
		if !exists[id] {
			delete(co.lease.taking, id)
		}
	}
	co.lease.mu.Unlock()
	for _, s := range running {
		if !exists[s.id] {
			co.dropSession(s)
			co.releaseLease(ctx, s.id)
		}
	}
}
