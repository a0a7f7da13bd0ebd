// Package session is the session supervisor of package wauser: the live
// connection of each account (connecting, reconnecting with backoff,
// pairing and its QR codes, the account's state machine and the events it
// writes), the account leases that decide which process connects an
// account, and each account's sync queue (history blobs, app state
// resyncs). The root package keeps the public methods and turns this
// package's State, Pairing and errors into its public types.
package session

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"go.mau.fi/whatsmeow/proto/waCompanionReg"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser/internal/event"
	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/internal/metrics"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/wa"
)

// Host is what the supervisor needs of the Client that runs it.
type Host interface {
	// Emit writes an account event in its own transaction.
	Emit(ctx context.Context, account string, typ event.Type, data any) error
	// Notify wakes everyone waiting for a change of an account's status.
	Notify()
	// Connect connects a paired account that a lease round found free
	// (starting its session with Add); it logs its own failures.
	Connect(ctx context.Context, account string)
}

// Config is the configuration the supervisor reads, from the Client's
// options.
type Config struct {
	Logger     *slog.Logger
	Clock      Clock
	BackoffMin time.Duration // reconnect backoff: from BackoffMin, doubling up to BackoffMax
	BackoffMax time.Duration
	Retention  time.Duration // finished sync jobs are pruned after this long

	// How a device about to be linked is listed on the phone.
	DeviceName     string
	DevicePlatform waCompanionReg.DeviceProps_PlatformType

	Leases LeaseConfig // its Clock, Logger and OnLost are set by New
}

// Errors of Add.
var (
	ErrClosed     = errors.New("session: supervisor closed")
	ErrNotStarted = errors.New("session: supervisor not started")
)

// Supervisor owns the sessions of a Client's accounts, their leases and
// their sync queues.
type Supervisor struct {
	host    Host
	cfg     Config
	st      *store.Store
	ingest  *ingest.Ingester
	metrics *metrics.Metrics // nil: off
	leases  *Leases

	mu       sync.Mutex
	ctx      context.Context // set by Start; the sessions' parent
	closed   bool
	sessions map[string]*Session
	wg       sync.WaitGroup

	stateLogs sync.Map  // account id -> *lograte.Limiter[stateLine] of state change logs (statelog.go)
	version   sync.Once // the first connection looks up the current WhatsApp Web version
}

// New returns a supervisor over st (no I/O, no goroutines).
func New(st *store.Store, ing *ingest.Ingester, m *metrics.Metrics, host Host, cfg Config) *Supervisor {
	sv := &Supervisor{host: host, cfg: cfg, st: st, ingest: ing, metrics: m, sessions: map[string]*Session{}}
	lc := cfg.Leases
	lc.Clock, lc.Logger, lc.OnLost = cfg.Clock, cfg.Logger, sv.leasesLost
	sv.leases = NewLeases(st, lc)
	return sv
}

// Leases returns the process's account leases.
func (sv *Supervisor) Leases() *Leases { return sv.leases }

// Start lets sessions be added; they live until ctx ends or Close. With
// leases shared with other processes it starts renewing them and looking
// for accounts to take over (Host.Connect), until ctx ends.
func (sv *Supervisor) Start(ctx context.Context) {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	if sv.ctx != nil || sv.closed {
		return
	}
	sv.ctx = ctx
	if sv.leases.Distributed() {
		sv.wg.Go(func() { sv.leases.Renew(ctx) })
		sv.wg.Go(func() { sv.leases.Look(ctx, sv.leaseRound) })
	}
}

// Close stops every session (which disconnects) and waits for the
// supervisor's goroutines; the leases stay held (Leases().Close lets them
// go). Cancel the context given to Start first, or the lease loops keep
// Close waiting.
func (sv *Supervisor) Close() {
	sv.mu.Lock()
	sv.closed = true
	sessions := make([]*Session, 0, len(sv.sessions))
	for _, s := range sv.sessions {
		sessions = append(sessions, s)
	}
	sv.sessions = map[string]*Session{}
	sv.mu.Unlock()
	for _, s := range sessions {
		s.shutdown()
	}
	sv.wg.Wait()
}

// leasesLost disconnects the accounts whose leases were lost with the lease
// connection.
func (sv *Supervisor) leasesLost(accounts []string) {
	for _, id := range accounts {
		if s := sv.Get(id); s != nil {
			sv.Drop(s)
		}
	}
	sv.host.Notify()
}

// leaseRound connects every paired account that has no session here and
// whose lease is free, and stops the sessions of accounts deleted by
// another process.
func (sv *Supervisor) leaseRound(ctx context.Context) {
	// Sessions first: one started after this snapshot belongs to an account
	// that exists in the list read next.
	sv.mu.Lock()
	if sv.closed {
		sv.mu.Unlock()
		return
	}
	running := make([]*Session, 0, len(sv.sessions))
	for _, s := range sv.sessions {
		running = append(running, s)
	}
	sv.mu.Unlock()
	accounts, err := sv.st.ListAccounts(ctx)
	if err != nil {
		if ctx.Err() == nil {
			sv.cfg.Logger.Warn("wauser: look for accounts to connect", slog.Any("error", err))
		}
		return
	}
	exists := make(map[string]bool, len(accounts))
	for _, a := range accounts {
		exists[a.ID] = true
		if a.JID == "" || State(a.State) == StateLoggedOut || sv.Get(a.ID) != nil {
			continue
		}
		sv.host.Connect(ctx, a.ID)
	}
	sv.leases.Forget(exists)
	for _, s := range running {
		if !exists[s.id] {
			sv.Drop(s)
			sv.leases.Release(ctx, s.id)
		}
	}
}

// State is where an account stands with WhatsApp (wauser.AccountState,
// which documents the state machine).
type State string

// Account states, as wauser.AccountState names them.
const (
	StateUnpaired       State = "unpaired"
	StatePairing        State = "pairing"
	StateConnecting     State = "connecting"
	StateConnected      State = "connected"
	StateReconnecting   State = "reconnecting"
	StateLoggedOut      State = "logged_out"
	StateStreamReplaced State = "stream_replaced"
	StateBanned         State = "banned"
	StateOutdated       State = "outdated"
	StateFailed         State = "failed"
)

// Terminal reports whether the supervisor stops reconnecting in state s.
func (s State) Terminal() bool {
	switch s {
	case StateLoggedOut, StateStreamReplaced, StateBanned, StateOutdated, StateFailed:
		return true
	}
	return false
}

// canTransition reports whether the state machine allows from -> to.
func canTransition(from, to State) bool {
	if from == to {
		return true
	}
	switch from {
	case StateUnpaired:
		return to == StatePairing
	case StatePairing:
		return to == StateUnpaired || to == StateConnecting || to == StateConnected
	case StateConnecting:
		return to == StateConnected || to == StateReconnecting || to.Terminal()
	case StateConnected:
		return to == StateConnecting || to == StateReconnecting || to.Terminal()
	case StateReconnecting:
		return to == StateConnecting || to == StateConnected || to.Terminal()
	case StateLoggedOut:
		return to == StatePairing
	case StateStreamReplaced, StateBanned, StateOutdated, StateFailed:
		return to == StateConnecting || to == StateLoggedOut
	}
	return false
}

// PairingStatus is the progress of a pairing (wauser.PairingStatus).
type PairingStatus string

// Pairing statuses, as wauser names them.
const (
	PairingRequested PairingStatus = "requested"
	PairingQR        PairingStatus = "qr"
	PairingCode      PairingStatus = "code"
	PairingPaired    PairingStatus = "paired"
	PairingFailed    PairingStatus = "failed"
)

// Pairing is the state of a pairing (wauser.Pairing).
type Pairing struct {
	Status    PairingStatus
	QR        string
	Code      string
	JID       types.JID
	Error     string
	ExpiresAt time.Time
}

// Conn returns the session's connection.
func (s *Session) Conn() *wa.Conn { return s.conn }

// ID returns the session's account id.
func (s *Session) ID() string { return s.id }

// Connect asks the supervisor goroutine to connect now.
func (s *Session) Connect() { s.send(sigConnect) }

// Reconnect asks the supervisor goroutine to disconnect, then connect now.
func (s *Session) Reconnect() { s.send(sigRefresh) }

// Progress returns the state, the last error, and how many connection
// attempts ended and logins happened so far.
func (s *Session) Progress() (state State, lastErr string, connectGen, loginGen int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state, s.lastErr, s.connectGen, s.loginGen
}

// RestartPairing starts a failed pairing over on the same device.
func (s *Session) RestartPairing() {
	s.transitionWith(StatePairing, "", func() { s.pairing = &Pairing{Status: PairingRequested} })
	s.send(sigConnect)
}

// SetPhoneCode records the phone link code of the pairing, keeping its QR
// code, and returns the pairing.
func (s *Session) SetPhoneCode(code string) Pairing {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := Pairing{Status: PairingCode, Code: code}
	if s.pairing != nil {
		p.QR, p.ExpiresAt = s.pairing.QR, s.pairing.ExpiresAt
	}
	s.pairing = &p
	return p
}

// SetAvailable sets the presence announced on every connection: available
// (online) or unavailable.
func (s *Session) SetAvailable(online bool) {
	s.mu.Lock()
	s.available = online
	s.mu.Unlock()
}

// pushNameChanged reports whether name differs from the account's profile
// name as the session knows it.
func (s *Session) pushNameChanged(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return name != "" && name != s.pushName
}
