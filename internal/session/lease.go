package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/wauser/wauser/internal/store"
)

// LeaseConfig configures Leases. Interval and Timeout are
// wauser.LeaseOptions with their defaults applied.
type LeaseConfig struct {
	Interval time.Duration // how often leases are renewed and free ones looked for
	Timeout  time.Duration // bounds each statement on the lease connection
	Clock    Clock
	Logger   *slog.Logger
	// OnLost is called with the accounts whose leases were lost with the
	// lease connection; it disconnects them.
	OnLost func(accounts []string)
}

// ErrLeasedElsewhere is returned by Take when another process holds the
// account's lease.
var ErrLeasedElsewhere = errors.New("leased by another process")

// WaitError is returned by Take while the account waits out the grace
// period after being taken over: it connects at At.
type WaitError struct{ At time.Time }

// Error says when the account connects.
func (e *WaitError) Error() string {
	return "taken over from a process that stopped; it connects at " + e.At.UTC().Format(time.RFC3339)
}

// Leases are the account leases of the process (see wauser.WithLeases),
// and what it knows about the leases of accounts it does not connect.
type Leases struct {
	st        *store.Leases
	cfg       LeaseConfig
	mu        sync.Mutex
	elsewhere map[string]bool      // another process held the lease at the last look
	taking    map[string]time.Time // leased, but connecting only at this time (grace period)
	wake      chan struct{}        // capacity 1: look now
}

// NewLeases sets up the process's leases on st (no I/O).
func NewLeases(st *store.Store, cfg LeaseConfig) *Leases {
	l := &Leases{cfg: cfg, elsewhere: map[string]bool{}, taking: map[string]time.Time{}, wake: make(chan struct{}, 1)}
	l.st = st.NewLeases(store.LeaseConfig{
		Holder:    holderName(),
		Grace:     l.Grace(),
		Timeout:   cfg.Timeout,
		KeepAlive: cfg.Interval + cfg.Timeout,
		OnLost:    l.lost,
	})
	return l
}

// Grace is how long a new holder waits after the previous holder's last
// renewal.
func (l *Leases) Grace() time.Duration { return l.cfg.Interval + 2*l.cfg.Timeout }

// Distributed reports whether leases are shared with other processes
// (PostgreSQL).
func (l *Leases) Distributed() bool { return l.st.Distributed() }

// Holder names this process in wauser_leases.
func (l *Leases) Holder() string { return l.st.Holder() }

// Close lets every lease go.
func (l *Leases) Close(ctx context.Context) error { return l.st.Close(ctx) }

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

// Take takes account id's lease before its session starts. It returns
// ErrLeasedElsewhere when another process holds it, a *WaitError while the
// account waits out the grace period after being taken over, and
// store.ErrNotFound when the account does not exist.
func (l *Leases) Take(ctx context.Context, id string) error {
	l.mu.Lock()
	at, taking := l.taking[id]
	l.mu.Unlock()
	now := l.cfg.Clock.Now()
	if taking && now.Before(at) {
		return &WaitError{At: at}
	}
	ok, wait, err := l.st.Acquire(ctx, id)
	switch {
	case err != nil:
		return err
	case !ok:
		l.mu.Lock()
		l.elsewhere[id] = true
		delete(l.taking, id)
		l.mu.Unlock()
		return ErrLeasedElsewhere
	case wait > 0 && !taking:
		at := now.Add(wait)
		l.mu.Lock()
		l.taking[id] = at
		delete(l.elsewhere, id)
		l.mu.Unlock()
		l.cfg.Logger.Info("wauser: took over an account's lease; waiting for the previous holder to disconnect",
			slog.String("account", id), slog.Duration("wait", wait))
		l.Wake()
		return &WaitError{At: at}
	}
	l.mu.Lock()
	delete(l.elsewhere, id)
	delete(l.taking, id)
	l.mu.Unlock()
	return nil
}

// Elsewhere reports whether another process held id's lease at the last
// look.
func (l *Leases) Elsewhere(id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.elsewhere[id]
}

// Wake makes the lease loop look now.
func (l *Leases) Wake() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// lost disconnects the accounts whose leases were lost with the lease
// connection.
func (l *Leases) lost(accounts []string) {
	l.cfg.Logger.Warn("wauser: lost the lease connection; disconnecting its accounts", slog.Int("accounts", len(accounts)))
	l.cfg.OnLost(accounts)
}

// Release lets id's lease go (Logout).
func (l *Leases) Release(ctx context.Context, id string) {
	if err := l.st.Release(ctx, id); err != nil {
		l.cfg.Logger.Warn("wauser: release lease", slog.String("account", id), slog.Any("error", err))
	}
	l.mu.Lock()
	delete(l.elsewhere, id)
	delete(l.taking, id)
	l.mu.Unlock()
}

// Renew renews the process's leases every interval (real time: it is
// a liveness check of the lease connection, bounded against PostgreSQL's
// own timeouts) until ctx ends. A failed renewal has already disconnected
// the accounts (OnLost).
func (l *Leases) Renew(ctx context.Context) {
	tick := time.NewTicker(l.cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := l.st.Renew(ctx); err != nil && ctx.Err() == nil {
				l.cfg.Logger.Warn("wauser: renew leases", slog.Any("error", err))
			}
		}
	}
}

// Look runs round every interval (real time, like the webhook workers'
// poll for other processes' rows), when woken, and when a grace period
// ends (on the Client's clock), until ctx ends: round connects the
// accounts whose lease it can take.
func (l *Leases) Look(ctx context.Context, round func(context.Context)) {
	tick := time.NewTicker(l.cfg.Interval)
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
		case <-l.wake:
		case <-timerC(grace):
			grace, graceAt = nil, time.Time{}
		}
		round(ctx)
		if next := l.nextTakeOver(); !next.Equal(graceAt) {
			grace = stopTimer(grace)
			graceAt = next
			if !next.IsZero() {
				grace = l.cfg.Clock.NewTimer(max(next.Sub(l.cfg.Clock.Now()), 0))
			}
		}
	}
}

// nextTakeOver returns the earliest end of a grace period, or zero.
func (l *Leases) nextTakeOver() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	var next time.Time
	for _, at := range l.taking {
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next
}

// Forget drops what is known about the leases of accounts not in exists
// (deleted by another process).
func (l *Leases) Forget(exists map[string]bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id := range l.elsewhere {
		if !exists[id] {
			delete(l.elsewhere, id)
		}
	}
	for id := range l.taking {
		if !exists[id] {
			delete(l.taking, id)
		}
	}
}
