package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/wauser/wauser/internal/sqldialect"
)

// ErrLeaseLost is returned when the lease connection failed: every lease
// held on it was lost with it (the database freed the advisory locks).
var ErrLeaseLost = errors.New("store: account leases lost with their connection")

// leaseNamespace is the first key of wauser's advisory locks ("waus"); the
// second is a hash of the account id. The two-key form keeps wauser's locks
// apart from locks taken with one bigint key.
const leaseNamespace = 0x77617573

// leaseKey returns the second advisory-lock key of account. Two accounts
// may share a key: one process then holds both, which costs balance, never
// safety.
func leaseKey(account string) int32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(account))
	return int32(h.Sum32()) //nolint:gosec // a hash; wrapping is intended
}

// LeaseConfig configures Leases.
type LeaseConfig struct {
	// Holder names this process in wauser_leases (unique per process run).
	Holder string
	// Grace is how long after the last renewal of a previous holder a new
	// holder waits before connecting: the longest a live holder may take to
	// notice that it lost its lease connection.
	Grace time.Duration
	// Timeout bounds each statement on the lease connection; a statement
	// that fails or takes longer loses every lease (ErrLeaseLost).
	Timeout time.Duration
	// KeepAlive is the TCP keepalive idle time PostgreSQL uses on the lease
	// connection: a holder whose host vanished is detected (and its locks
	// freed) about KeepAlive + 3·Timeout later.
	KeepAlive time.Duration
	// OnLost is called, outside any lock, with the accounts whose leases
	// were lost when the lease connection failed.
	OnLost func(accounts []string)
}

// Leases are the account leases of one process: a
// process connects an account only while it holds the account's lease.
//
// On PostgreSQL a lease is a session-level advisory lock held on one
// dedicated connection, so PostgreSQL frees it the moment the holder's
// process dies or its connection breaks, plus a row in wauser_leases that
// the holder renews (Renew) over the same connection. Acquire tells a new
// holder how long to wait before connecting: until the previous holder's
// last renewal plus the grace period, by when a holder that is alive but
// lost its connection has noticed (Renew failed) and disconnected.
//
// On SQLite (one process) every lease is granted at once and nothing is
// stored.
//
// Leases is safe for concurrent use. Statements on the lease connection run
// one at a time.
type Leases struct {
	st    *Store
	cfg   LeaseConfig
	locks sqldialect.Locks // nil on SQLite

	mu   sync.Mutex
	conn *bun.Conn
	held map[string]bool // accounts
	keys map[int32]int   // advisory locks held on conn: how many held accounts share each
}

// NewLeases returns the leases of one process. It does no I/O: the lease
// connection is opened by the first Acquire.
func (s *Store) NewLeases(cfg LeaseConfig) *Leases {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.KeepAlive <= 0 {
		cfg.KeepAlive = 10 * time.Second
	}
	return &Leases{st: s, cfg: cfg, locks: s.dialect.Locks(), held: map[string]bool{}, keys: map[int32]int{}}
}

// Distributed reports whether leases exclude other processes (PostgreSQL,
// whose dialect has advisory locks); on SQLite they are local and always
// granted.
func (l *Leases) Distributed() bool { return l.locks != nil }

// Holder returns the name of this process in wauser_leases.
func (l *Leases) Holder() string { return l.cfg.Holder }

// Held reports whether this process holds account's lease.
func (l *Leases) Held(account string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held[account]
}

// HeldAccounts returns the accounts whose leases this process holds, sorted.
func (l *Leases) HeldAccounts() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.heldLocked()
}

func (l *Leases) heldLocked() []string {
	out := make([]string, 0, len(l.held))
	for a := range l.held {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Acquire takes account's lease when no other process holds it. ok is false
// when another process does. When ok, wait is how long the caller must wait
// before connecting (zero unless another process held the lease within the
// grace period). Acquiring a lease already held succeeds with no wait.
// Acquire returns ErrNotFound when the account does not exist, and an error
// matching ErrLeaseLost when the lease connection failed.
func (l *Leases) Acquire(ctx context.Context, account string) (ok bool, wait time.Duration, err error) {
	l.mu.Lock()
	defer func() {
		lost := l.failed(err)
		l.mu.Unlock()
		l.notifyLost(lost)
	}()
	if l.held[account] {
		return true, 0, nil
	}
	if !l.Distributed() {
		l.held[account] = true
		return true, 0, nil
	}
	ctx, cancel := l.opContext(ctx)
	defer cancel()
	if err := l.connect(ctx); err != nil {
		return false, 0, err
	}
	key := leaseKey(account)
	if l.keys[key] == 0 {
		got, err := l.locks.TryLock(ctx, l.conn, leaseNamespace, key)
		if err != nil {
			return false, 0, fmt.Errorf("%w: lock account %q: %w", ErrLeaseLost, account, err)
		}
		if !got {
			return false, 0, nil
		}
	}
	l.keys[key]++
	l.held[account] = true
	var (
		prev      sql.NullString
		renewedAt sql.NullTime
		now       time.Time
	)
	err = l.conn.QueryRowContext(ctx, `SELECT (SELECT holder FROM wauser_leases WHERE account_id = ?),
		(SELECT renewed_at FROM wauser_leases WHERE account_id = ?), now()`, account, account).Scan(&prev, &renewedAt, &now)
	if err != nil {
		return false, 0, fmt.Errorf("%w: read lease of %q: %w", ErrLeaseLost, account, err)
	}
	res, err := l.conn.ExecContext(ctx, `INSERT INTO wauser_leases (account_id, holder, renewed_at)
		SELECT id, ?, now() FROM wauser_accounts WHERE id = ?
		ON CONFLICT (account_id) DO UPDATE SET holder = EXCLUDED.holder, renewed_at = EXCLUDED.renewed_at`,
		l.cfg.Holder, account)
	if err != nil {
		return false, 0, fmt.Errorf("%w: record lease of %q: %w", ErrLeaseLost, account, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// The account is gone: let its lock go again.
		if err := l.releaseLocked(ctx, account); err != nil {
			return false, 0, err
		}
		return false, 0, fmt.Errorf("store: lease account %q: %w", account, ErrNotFound)
	}
	if prev.Valid && prev.String != l.cfg.Holder && renewedAt.Valid {
		wait = max(renewedAt.Time.Add(l.cfg.Grace).Sub(now), 0)
	}
	return true, wait, nil
}

// Release lets account's lease go: its row is deleted, then its lock
// released, so the next holder need not wait. The caller must have
// disconnected the account first.
func (l *Leases) Release(ctx context.Context, account string) (err error) {
	l.mu.Lock()
	defer func() {
		lost := l.failed(err)
		l.mu.Unlock()
		l.notifyLost(lost)
	}()
	if !l.held[account] {
		return nil
	}
	if !l.Distributed() {
		delete(l.held, account)
		return nil
	}
	ctx, cancel := l.opContext(ctx)
	defer cancel()
	if _, err := l.conn.ExecContext(ctx, "DELETE FROM wauser_leases WHERE account_id = ? AND holder = ?", account, l.cfg.Holder); err != nil {
		return fmt.Errorf("%w: release %q: %w", ErrLeaseLost, account, err)
	}
	return l.releaseLocked(ctx, account)
}

// releaseLocked drops account from the held set and unlocks its key when no
// other held account shares it. l.mu is held and the leases Distributed.
func (l *Leases) releaseLocked(ctx context.Context, account string) error {
	delete(l.held, account)
	key := leaseKey(account)
	l.keys[key]--
	if l.keys[key] > 0 {
		return nil
	}
	delete(l.keys, key)
	if err := l.locks.Unlock(ctx, l.conn, leaseNamespace, key); err != nil {
		return fmt.Errorf("%w: unlock %q: %w", ErrLeaseLost, account, err)
	}
	return nil
}

// Renew proves this process alive: it stamps the rows of its held leases
// with the database's clock, over the lease connection (so it also checks
// that connection). An error matches ErrLeaseLost: every lease is gone, and
// OnLost has been called.
func (l *Leases) Renew(ctx context.Context) (err error) {
	l.mu.Lock()
	defer func() {
		lost := l.failed(err)
		l.mu.Unlock()
		l.notifyLost(lost)
	}()
	if l.conn == nil {
		return nil
	}
	ctx, cancel := l.opContext(ctx)
	defer cancel()
	if len(l.held) == 0 {
		if err := l.conn.PingContext(ctx); err != nil {
			return fmt.Errorf("%w: ping: %w", ErrLeaseLost, err)
		}
		return nil
	}
	_, err = l.conn.NewUpdate().Table("wauser_leases").Set("renewed_at = now()").
		Where("holder = ?", l.cfg.Holder).Where("account_id IN (?)", bun.List(l.heldLocked())).Exec(ctx)
	if err != nil {
		return fmt.Errorf("%w: renew: %w", ErrLeaseLost, err)
	}
	return nil
}

// LeaseInfo is what wauser_leases says about an account.
type LeaseInfo struct {
	Holder string        // "" when no process holds it
	Age    time.Duration // since the holder's last renewal, by the database's clock
}

// Lease returns the lease row of account, read through the pool (any
// process may ask). On SQLite it is always empty.
func (s *Store) Lease(ctx context.Context, account string) (LeaseInfo, error) {
	if s.dialect.Locks() == nil {
		return LeaseInfo{}, nil
	}
	var (
		holder    sql.NullString
		renewedAt sql.NullTime
		now       time.Time
	)
	err := s.db.QueryRowContext(ctx, `SELECT (SELECT holder FROM wauser_leases WHERE account_id = ?),
		(SELECT renewed_at FROM wauser_leases WHERE account_id = ?), now()`, account, account).Scan(&holder, &renewedAt, &now)
	if err != nil {
		return LeaseInfo{}, fmt.Errorf("store: lease of %q: %w", account, err)
	}
	if !holder.Valid {
		return LeaseInfo{}, nil
	}
	return LeaseInfo{Holder: holder.String, Age: now.Sub(renewedAt.Time)}, nil
}

// Close lets every lease go (rows deleted, connection closed, which frees
// the locks) without calling OnLost. The caller must have disconnected the
// accounts first. Leases can be used again after Close.
func (l *Leases) Close(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.held = map[string]bool{}
	l.keys = map[int32]int{}
	if l.conn == nil {
		return nil
	}
	ctx, cancel := l.opContext(ctx)
	defer cancel()
	_, err := l.conn.ExecContext(ctx, "DELETE FROM wauser_leases WHERE holder = ?", l.cfg.Holder)
	if err == nil {
		// Closing the connection frees the locks too, but only once the
		// server process has ended; this frees them before Close returns.
		err = l.locks.UnlockAll(ctx, l.conn)
	}
	l.discard()
	if err != nil {
		return fmt.Errorf("store: release leases: %w", err)
	}
	return nil
}

// opContext bounds a statement on the lease connection. It is detached from
// the caller's cancellation: a cancelled request must not break the
// connection that holds every lease.
func (l *Leases) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), l.cfg.Timeout)
}

// connect opens the dedicated lease connection if there is none. l.mu is
// held.
func (l *Leases) connect(ctx context.Context) error {
	if l.conn != nil {
		return nil
	}
	conn, err := l.st.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("%w: open the lease connection: %w", ErrLeaseLost, err)
	}
	l.conn = &conn
	// Let the database notice a vanished holder (power off, partition)
	// and free its locks in bounded time.
	if err := l.locks.Setup(ctx, l.conn, "wauser lease "+l.cfg.Holder, l.cfg.KeepAlive, l.cfg.Timeout); err != nil {
		return fmt.Errorf("%w: %w", ErrLeaseLost, err)
	}
	return nil
}

// failed handles an error of a lease operation: one matching ErrLeaseLost
// closes the connection and forgets every lease, which it returns for
// OnLost. l.mu is held.
func (l *Leases) failed(err error) []string {
	if err == nil || !errors.Is(err, ErrLeaseLost) {
		return nil
	}
	lost := l.heldLocked()
	l.held = map[string]bool{}
	l.keys = map[int32]int{}
	if l.conn != nil {
		l.discard()
	}
	return lost
}

// discard closes the lease connection for good: never back to the pool,
// where its advisory locks would outlive the leases. l.mu is held.
func (l *Leases) discard() {
	_ = l.conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = l.conn.Close()
	l.conn = nil
}

func (l *Leases) notifyLost(accounts []string) {
	if len(accounts) > 0 && l.cfg.OnLost != nil {
		l.cfg.OnLost(accounts)
	}
}
