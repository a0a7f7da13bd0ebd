package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser/internal/event"
	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/wa"
)

// QR code lifetimes, as whatsmeow's QR channel uses them: the first code of
// a pairing is valid for 60 s, every later one for 20 s.
const (
	firstQRTimeout = 60 * time.Second
	nextQRTimeout  = 20 * time.Second
)

// signal is a request from the event handler (or a method) to the session's
// supervisor goroutine, which owns all Connect and Disconnect calls.
type signal int

const (
	sigConnect     signal = iota // connect now (Start, pairing)
	sigRefresh                   // disconnect, then connect now (Refresh)
	sigReconnect                 // the connection was lost: reconnect after backoff
	sigHalt                      // stop connecting and disconnect (end states, pairing over)
	sigQR                        // new QR codes arrived: restart their rotation
	sigPaired                    // pairing succeeded: stop rotating QR codes
	sigConnected                 // logged in: the backoff starts over
	sigKeepAlive                 // keepalives are failing (see keepAliveSince)
	sigKeepAliveOK               // keepalives are answered again
	sigOutdated                  // WhatsApp refused the client version (405)
	sigPresence                  // (re)announce the account's presence
)

// Session is the live connection of one account: the whatsmeow client (or a
// fake), its event handler and the supervisor goroutine that connects,
// reconnects with backoff and rotates QR codes.
type Session struct {
	sv        *Supervisor
	id        string
	conn      *wa.Conn
	handlerID uint32
	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{}
	wake      chan struct{} // capacity 1

	mu          sync.Mutex
	signals     []signal
	state       State
	lastErr     string
	connectedAt time.Time
	pairing     *Pairing // nil when no pairing was started by this session
	qrCodes     []string
	qrIndex     int
	connectGen  int // completed ConnectContext calls
	loginGen    int // Connected events

	keepAliveSince time.Time // last answered keepalive while they fail; zero when they do not
	available      bool      // SetOnline(true): announce PresenceAvailable instead of unavailable
	pushName       string    // the account's profile name: the device's at the start and at pairing, then each PushNameSetting

	mediaRetries map[string][]chan *events.MediaRetry // DownloadMedia waiting for the phone, by WhatsApp message id

	queue *syncQueue // the account's sync jobs (syncqueue.go)

	reason string // why an end state is entered, while the supervisor decides (outdated)
}

// newSession makes the session for account a over conn. The caller holds
// sv.mu.
func (sv *Supervisor) newSession(a *store.Account, conn *wa.Conn, state State) *Session {
	ctx, cancel := context.WithCancel(sv.ctx)
	s := &Session{
		sv:          sv,
		id:          a.ID,
		conn:        conn,
		ctx:         ctx,
		cancel:      cancel,
		done:        make(chan struct{}),
		wake:        make(chan struct{}, 1),
		state:       state,
		lastErr:     a.LastError,
		connectedAt: a.ConnectedAt,
		queue:       newSyncQueue(),
		// Read here, before the client runs: from now on whatsmeow writes
		// the device's name on whichever goroutine applies app state (an
		// API call's SendAppState included), and the session follows it
		// through PushNameSetting instead of reading it again.
		pushName: conn.Device.PushName,
	}
	s.handlerID = conn.Client.AddEventHandlerWithSuccessStatus(s.handle)
	return s
}

// Add makes the session of account a over conn (its paired device, or a
// fresh one for pairing when fresh is set), starts its supervisor and sync
// queue, and moves it to state with lastErr. If a session of the account
// appeared meanwhile, that one is returned instead. It returns ErrClosed
// after Close and ErrNotStarted before Start.
func (sv *Supervisor) Add(a *store.Account, conn *wa.Conn, fresh bool, state State, lastErr string) (*Session, error) {
	sv.mu.Lock()
	switch {
	case sv.closed:
		sv.mu.Unlock()
		return nil, ErrClosed
	case sv.ctx == nil:
		sv.mu.Unlock()
		return nil, ErrNotStarted
	}
	if s := sv.sessions[a.ID]; s != nil {
		sv.mu.Unlock()
		return s, nil
	}
	s := sv.newSession(a, conn, State(a.State))
	if fresh {
		s.pairing = &Pairing{Status: PairingRequested}
	}
	sv.sessions[s.id] = s
	sv.wg.Go(s.run)
	sv.wg.Go(s.runSyncQueue)
	sv.mu.Unlock()
	s.transition(state, lastErr)
	return s, nil
}

// Get returns the running session of id, or nil.
func (sv *Supervisor) Get(id string) *Session {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	return sv.sessions[id]
}

// Drop stops s and removes it from the supervisor.
func (sv *Supervisor) Drop(s *Session) {
	sv.mu.Lock()
	if sv.sessions[s.id] == s {
		delete(sv.sessions, s.id)
	}
	sv.mu.Unlock()
	s.shutdown()
}

// shutdown stops the supervisor (which disconnects) and unregisters the
// event handler. It must not be called from inside the event handler.
func (s *Session) shutdown() {
	s.cancel()
	<-s.done
	<-s.queue.done
	s.conn.Client.RemoveEventHandler(s.handlerID)
}

// send queues sig for the supervisor.
func (s *Session) send(sig signal) {
	s.mu.Lock()
	s.signals = append(s.signals, sig)
	s.mu.Unlock()
	s.wakeUp()
}

// wakeUp makes the supervisor look at its queued signals.
func (s *Session) wakeUp() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Session) takeSignals() []signal {
	s.mu.Lock()
	defer s.mu.Unlock()
	sigs := s.signals
	s.signals = nil
	return sigs
}

// backoff returns the delay before reconnect attempt n (0-based): min·2ⁿ
// capped at max, with ±20% jitter.
func (sv *Supervisor) backoff(n int) time.Duration {
	d := sv.cfg.BackoffMin
	for i := 0; i < n && d < sv.cfg.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, sv.cfg.BackoffMax)
	jitter := time.Duration(rand.Int64N(int64(d)/5*2+1)) - d/5
	return d + jitter
}

// run is the supervisor: it owns ConnectContext and Disconnect, so the
// event handler never blocks on the network.
func (s *Session) run() {
	defer close(s.done)
	clock := s.sv.cfg.Clock
	var (
		retry, qr, keepAlive Timer
		connectPending       bool
		attempt              int
		versionRetried       bool // a 405 made us fetch the current version since the last login
	)
	defer func() {
		stopTimer(retry)
		stopTimer(qr)
		stopTimer(keepAlive)
	}()
	// reconnectNow drops the connection and connects again at once.
	reconnectNow := func() {
		retry = stopTimer(retry)
		keepAlive = stopTimer(keepAlive)
		s.conn.Client.Disconnect()
		connectPending, attempt = true, 0
	}
	for {
		if connectPending && retry == nil {
			connectPending = false
			if !s.isPairing() {
				s.transition(StateConnecting, "")
			}
			s.beforeConnect()
			err := s.conn.Client.ConnectContext(s.ctx)
			if errors.Is(err, whatsmeow.ErrAlreadyConnected) {
				err = nil
			}
			s.mu.Lock()
			s.connectGen++
			s.mu.Unlock()
			switch {
			case err == nil:
			case s.ctx.Err() != nil:
				s.conn.Client.Disconnect()
				return
			case s.isPairing():
				s.pairingFailed(fmt.Errorf("connect: %w", err))
			default:
				s.transition(StateReconnecting, err.Error())
				retry = clock.NewTimer(s.sv.backoff(attempt))
				attempt++
				connectPending = true
			}
			s.sv.host.Notify()
		}
		select {
		case <-s.ctx.Done():
			s.conn.Client.Disconnect()
			return
		case <-s.wake:
			for _, sig := range s.takeSignals() {
				switch sig {
				case sigConnect:
					retry = stopTimer(retry)
					connectPending, attempt = true, 0
				case sigRefresh:
					reconnectNow()
				case sigReconnect:
					keepAlive = stopTimer(keepAlive)
					if !connectPending {
						retry = clock.NewTimer(s.sv.backoff(attempt))
						attempt++
						connectPending = true
					}
				case sigHalt:
					retry = stopTimer(retry)
					qr = stopTimer(qr)
					keepAlive = stopTimer(keepAlive)
					connectPending = false
					s.conn.Client.Disconnect()
				case sigQR:
					stopTimer(qr)
					qr = nil
					// Codes may arrive after the pairing already ended.
					if s.awaitingScan() {
						qr = clock.NewTimer(firstQRTimeout)
					}
				case sigPaired:
					qr = stopTimer(qr)
				case sigConnected:
					retry = stopTimer(retry)
					keepAlive = stopTimer(keepAlive)
					attempt, versionRetried = 0, false
					s.sendPresence()
				case sigKeepAlive:
					since := s.keepAliveFailingSince()
					if since.IsZero() || connectPending {
						break // restored, or reconnecting already
					}
					switch wait := since.Add(whatsmeow.KeepAliveMaxFailTime).Sub(clock.Now()); {
					case wait <= 0:
						s.keepAliveDead(since)
						reconnectNow()
					case keepAlive == nil:
						keepAlive = clock.NewTimer(wait)
					}
				case sigKeepAliveOK:
					keepAlive = stopTimer(keepAlive)
				case sigOutdated:
					if !versionRetried && s.refreshVersionAfter405() {
						versionRetried = true
						reconnectNow()
						break
					}
					s.outdated()
					retry = stopTimer(retry)
					keepAlive = stopTimer(keepAlive)
					connectPending = false
					s.conn.Client.Disconnect()
				case sigPresence:
					s.sendPresence()
				}
			}
		case <-timerC(retry):
			retry = nil
		case <-timerC(keepAlive):
			keepAlive = nil
			if since := s.keepAliveFailingSince(); !since.IsZero() && !connectPending {
				s.keepAliveDead(since)
				reconnectNow()
			}
		case <-timerC(qr):
			qr = nil
			switch {
			case !s.awaitingScan():
				// The phone linked the device while the timer fired.
			case s.rotateQR():
				qr = clock.NewTimer(nextQRTimeout)
			default:
				s.conn.Client.Disconnect()
				s.pairingFailed(errors.New("the QR codes expired before a phone scanned one"))
			}
		}
	}
}

// beforeConnect sets what a connection announces: the current WhatsApp Web
// version (looked up once per Client, before its first connection) and,
// for a device about to be linked, how the phone will list it.
func (s *Session) beforeConnect() {
	s.sv.version.Do(func() {
		if from, to, err := s.refreshVersion(); err != nil {
			s.sv.cfg.Logger.Warn("wauser: look up the current WhatsApp Web version; keeping whatsmeow's",
				slog.String("version", from.String()), slog.Any("error", err))
		} else if from != to {
			s.sv.cfg.Logger.Info("wauser: WhatsApp Web version", slog.String("from", from.String()), slog.String("to", to.String()))
		}
	})
	if s.conn.Device.ID == nil {
		cfg := &s.sv.cfg
		s.conn.Client.SetDeviceProps(cfg.DeviceName, cfg.DevicePlatform)
	}
}

// versionTimeout bounds a lookup of the current WhatsApp Web version.
const versionTimeout = 15 * time.Second

// refreshVersion looks up the WhatsApp Web version WhatsApp serves and, if
// it is newer than the one announced, announces it from the next
// connection on.
func (s *Session) refreshVersion() (from, to wastore.WAVersionContainer, err error) {
	cli := s.conn.Client
	from = cli.Version()
	ctx, cancel := context.WithTimeout(s.ctx, versionTimeout)
	defer cancel()
	latest, err := cli.LatestVersion(ctx)
	if err != nil {
		return from, from, err
	}
	if from.LessThan(latest) {
		cli.SetVersion(latest)
		return from, latest, nil
	}
	return from, from, nil
}

// refreshVersionAfter405 handles WhatsApp refusing the client version: it
// looks up the current one and reports whether it is newer (and now
// announced), so that connecting once more may succeed.
func (s *Session) refreshVersionAfter405() bool {
	from, to, err := s.refreshVersion()
	if err != nil {
		s.setReason(fmt.Sprintf("%s; looking up the current WhatsApp Web version failed: %v", errOutdated, err))
		return false
	}
	if from == to {
		s.setReason(fmt.Sprintf("%s; %s is already the current WhatsApp Web version", errOutdated, from))
		return false
	}
	s.sv.cfg.Logger.Info("wauser: client outdated; retrying with the current WhatsApp Web version",
		slog.String("account", s.id), slog.String("from", from.String()), slog.String("to", to.String()))
	s.setLastError(fmt.Sprintf("%s; retrying with WhatsApp Web %s (was %s)", errOutdated, to, from))
	return true
}

const errOutdated = "WhatsApp rejected this client version (405 client outdated)"

// outdated ends the connection attempts after a 405 that a version refresh
// did not cure: the account stops in outdated (a pairing fails).
func (s *Session) outdated() {
	s.mu.Lock()
	reason := s.reason
	s.reason = ""
	s.mu.Unlock()
	if reason == "" {
		reason = errOutdated
	}
	if s.isPairing() {
		s.pairingFailed(errors.New(reason))
		return
	}
	s.transition(StateOutdated, reason)
}

// setReason keeps the reason of an end state being decided.
func (s *Session) setReason(reason string) {
	s.mu.Lock()
	s.reason = reason
	s.mu.Unlock()
}

// keepAliveFailingSince returns when WhatsApp last answered a keepalive,
// while keepalives fail; zero when they do not.
func (s *Session) keepAliveFailingSince() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keepAliveSince
}

// keepAliveDead records that WhatsApp stopped answering keepalives for
// longer than whatsmeow tolerates (whatsmeow.KeepAliveMaxFailTime): the
// socket is open but dead, and the supervisor connects again.
func (s *Session) keepAliveDead(since time.Time) {
	s.mu.Lock()
	s.keepAliveSince = time.Time{}
	s.mu.Unlock()
	s.sv.cfg.Logger.Warn("wauser: keepalives failing; reconnecting", slog.String("account", s.id),
		slog.Time("last_answered", since))
	s.transition(StateReconnecting, fmt.Sprintf("WhatsApp did not answer keepalives for over %s; reconnecting", whatsmeow.KeepAliveMaxFailTime))
}

// presenceTimeout bounds announcing the account's presence.
const presenceTimeout = 10 * time.Second

// sendPresence announces the account's presence, as official clients do
// once connected and whenever the profile name changes: without it others
// see "-" as its name. It is "unavailable" (no "online" shown, and the
// phone keeps getting notifications) unless SetOnline asked otherwise.
// whatsmeow cannot send it before the account's push name is known.
func (s *Session) sendPresence() {
	s.mu.Lock()
	name := s.pushName
	s.mu.Unlock()
	if name == "" || !s.conn.Client.IsLoggedIn() {
		return
	}
	s.mu.Lock()
	presence := types.PresenceUnavailable
	if s.available {
		presence = types.PresenceAvailable
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(s.ctx, presenceTimeout)
	defer cancel()
	if err := s.conn.Client.SendPresence(ctx, presence); err != nil {
		s.sv.cfg.Logger.Warn("wauser: send presence", slog.String("account", s.id), slog.Any("error", err))
	}
}

// awaitingScan reports whether QR codes are on show and nobody paired yet.
func (s *Session) awaitingScan() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == StatePairing && s.pairing != nil &&
		(s.pairing.Status == PairingQR || s.pairing.Status == PairingCode)
}

// isPairing reports whether the session is linking a new device.
func (s *Session) isPairing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == StatePairing
}

// rotateQR moves to the next QR code and reports whether there was one.
func (s *Session) rotateQR() bool {
	s.mu.Lock()
	if s.pairing == nil || s.qrIndex+1 >= len(s.qrCodes) {
		s.mu.Unlock()
		return false
	}
	s.qrIndex++
	p := *s.pairing
	p.QR = s.qrCodes[s.qrIndex]
	p.ExpiresAt = s.sv.cfg.Clock.Now().Add(nextQRTimeout).UTC()
	s.pairing = &p
	s.mu.Unlock()
	s.emit(event.AccountQR, map[string]any{"qr": p.QR, "expires_at": p.ExpiresAt})
	s.sv.host.Notify()
	return true
}

// pairingFailed ends a pairing attempt with err.
func (s *Session) pairingFailed(err error) {
	s.transitionWith(StateUnpaired, err.Error(), func() {
		if s.pairing != nil {
			s.pairing = &Pairing{Status: PairingFailed, Error: err.Error()}
		}
	})
	s.sv.host.Notify()
}

// transition moves the account to state to (if the state machine allows it)
// with lastErr, persists it, and wakes waiters. It reports whether the state
// changed.
func (s *Session) transition(to State, lastErr string) bool {
	return s.transitionWith(to, lastErr, nil)
}

// transitionWith is transition that also makes the change with (a change
// of the pairing that goes with the state) at the same moment, under s.mu:
// a snapshot shows both changes or neither. with runs even when the state
// machine refuses the transition.
func (s *Session) transitionWith(to State, lastErr string, with func()) bool {
	s.mu.Lock()
	if with != nil {
		with()
	}
	from := s.state
	if !canTransition(from, to) {
		s.mu.Unlock()
		s.sv.cfg.Logger.Debug("wauser: ignored state transition",
			slog.String("account", s.id), slog.String("from", string(from)), slog.String("to", string(to)))
		return false
	}
	changed := from != to || s.lastErr != lastErr
	s.state, s.lastErr = to, lastErr
	now := s.sv.cfg.Clock.Now().UTC()
	row := &store.Account{ID: s.id, State: string(to), LastError: lastErr, UpdatedAt: now}
	columns := []string{"state", "last_error", "updated_at"}
	if to == StateConnected && from != StateConnected {
		s.connectedAt = now
		row.ConnectedAt = now
		columns = append(columns, "connected_at")
	}
	pushName := s.pushName
	s.mu.Unlock()
	if !changed {
		return false
	}
	if err := s.sv.st.UpdateAccount(context.WithoutCancel(s.ctx), row, columns...); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.sv.cfg.Logger.Warn("wauser: persist account state", slog.String("account", s.id), slog.Any("error", err))
	}
	if from != to {
		s.logState(from, to, lastErr)
		switch {
		case to == StateConnected:
			s.emit(event.AccountConnected, map[string]any{"jid": s.ownJID(), "push_name": pushName})
		case to == StateLoggedOut:
			s.emit(event.AccountLoggedOut, map[string]any{"reason": lastErr})
		case to == StateReconnecting || to.Terminal():
			s.emit(event.AccountDisconnected, map[string]any{"state": to, "error": lastErr})
		}
	}
	s.sv.host.Notify()
	return true
}

// emit writes an account event; failures are logged, as there is nothing
// else to do with them in an event handler.
func (s *Session) emit(typ event.Type, data any) {
	if err := s.sv.host.Emit(context.WithoutCancel(s.ctx), s.id, typ, data); err != nil {
		s.sv.cfg.Logger.Warn("wauser: write event", slog.String("account", s.id),
			slog.String("type", string(typ)), slog.Any("error", err))
	}
}

// ownJID returns the account's non-device JID, or "" before pairing.
func (s *Session) ownJID() string {
	if id := s.conn.Device.ID; id != nil {
		return id.ToNonAD().String()
	}
	return ""
}

// handle is the one whatsmeow event handler of the account. It runs on
// whatsmeow's goroutines, must not block on the network, and returns true
// once the event is handled (false asks whatsmeow not to acknowledge it).
func (s *Session) handle(evt any) bool {
	if s.ctx.Err() != nil {
		return false
	}
	switch e := evt.(type) {
	case *events.QR:
		s.onQR(e.Codes)
	case *events.PairSuccess:
		s.onPairSuccess(e)
	case *events.PairError:
		s.send(sigHalt)
		s.pairingFailed(fmt.Errorf("WhatsApp rejected the pairing: %w", e.Error))
	case *events.QRScannedWithoutMultidevice:
		s.setLastError("the QR code was scanned by a phone without multi-device support")
	case *events.Connected:
		s.mu.Lock()
		s.loginGen++
		s.keepAliveSince = time.Time{}
		s.mu.Unlock()
		s.onConnected()
		s.send(sigConnected)
		s.wakeQueue() // downloads wait for the login
	case *events.Disconnected:
		if s.transition(StateReconnecting, "connection to WhatsApp lost") {
			s.send(sigReconnect)
		}
	case *events.ManualLoginReconnect:
		// WhatsApp ended the pairing stream (515): log in on a new
		// connection. wauser reconnects itself, so a failure is retried
		// with backoff instead of leaving the account connecting.
		s.send(sigRefresh)
	// The end states: the supervisor is told to halt before the state
	// changes, so that a Refresh made once the state shows is not undone
	// by the halt.
	case *events.LoggedOut:
		s.send(sigHalt)
		s.transition(StateLoggedOut, fmt.Sprintf("logged out by WhatsApp: %s", e.Reason))
	case *events.StreamReplaced:
		s.send(sigHalt)
		s.transition(StateStreamReplaced, "another client connected with this session; not reconnecting (use Refresh to take it back)")
	case *events.TemporaryBan:
		s.send(sigHalt)
		s.transition(StateBanned, e.String())
	case *events.ClientOutdated:
		s.send(sigOutdated)
	case *events.ConnectFailure:
		// whatsmeow dispatches this for the failures it does not retry.
		reason := fmt.Sprintf("WhatsApp refused the connection (%s", e.Reason)
		if e.Message != "" {
			reason += ", " + e.Message
		}
		reason += "); not reconnecting: use Refresh to try again"
		if s.isPairing() {
			s.send(sigHalt)
			s.pairingFailed(errors.New(reason))
			break
		}
		s.send(sigHalt)
		s.transition(StateFailed, reason)
	case *events.CATRefreshError:
		if s.transition(StateReconnecting, fmt.Sprintf("CAT refresh failed: %v", e.Error)) {
			s.send(sigReconnect)
		}
	case *events.StreamError:
		s.setLastError(fmt.Sprintf("stream error %s", e.Code))
	case *events.KeepAliveTimeout:
		s.mu.Lock()
		if s.keepAliveSince.IsZero() || e.LastSuccess.Before(s.keepAliveSince) {
			s.keepAliveSince = e.LastSuccess
		}
		s.mu.Unlock()
		s.setLastError(fmt.Sprintf("keepalive timeout (%d errors)", e.ErrorCount))
		s.send(sigKeepAlive)
	case *events.KeepAliveRestored:
		s.mu.Lock()
		s.keepAliveSince = time.Time{}
		s.mu.Unlock()
		s.setLastError("")
		s.send(sigKeepAliveOK)
	case *events.PushNameSetting:
		changed := s.pushNameChanged(e.Action.GetName())
		s.savePushName(e.Action.GetName())
		if changed {
			s.emit(event.AccountUpdated, map[string]any{"jid": s.ownJID(), "push_name": e.Action.GetName()})
		}
		s.send(sigPresence)
	case *events.MediaRetry:
		s.onMediaRetry(e)
	default:
		start := time.Now()
		err := s.sv.ingest.Handle(s.ctx, s.IngestAccount(), evt)
		s.sv.metrics.WhatsmeowEvent(evt, time.Since(start), err)
		if err != nil {
			// Not acknowledged: WhatsApp redelivers it, and ingestion is
			// idempotent.
			s.sv.cfg.Logger.Error("wauser: store event", slog.String("account", s.id),
				slog.String("event", fmt.Sprintf("%T", evt)), slog.Any("error", err))
			s.ingestFailed(evt)
			return false
		}
		s.ingested(evt)
	}
	return true
}

// IngestAccount describes the account to the ingester.
func (s *Session) IngestAccount() *ingest.Account {
	dev := s.conn.Device
	acc := &ingest.Account{ID: s.id, Local: s.conn.Local, OwnLID: dev.LID.ToNonAD()}
	if dev.ID != nil {
		acc.Own = dev.ID.ToNonAD()
	}
	return acc
}

func (s *Session) setLastError(msg string) {
	s.mu.Lock()
	state := s.state
	s.mu.Unlock()
	s.transition(state, msg)
}

func (s *Session) onQR(codes []string) {
	if len(codes) == 0 {
		return
	}
	expires := s.sv.cfg.Clock.Now().Add(firstQRTimeout).UTC()
	// Persist first: once the code is visible in memory, its event exists.
	s.emit(event.AccountQR, map[string]any{"qr": codes[0], "expires_at": expires})
	s.mu.Lock()
	if s.state != StatePairing || (s.pairing != nil && s.pairing.Status == PairingPaired) {
		s.mu.Unlock()
		return // codes that arrive after the pairing ended
	}
	p := Pairing{Status: PairingQR}
	if s.pairing != nil && s.pairing.Status == PairingCode {
		p = *s.pairing
	}
	p.QR, p.Error, p.ExpiresAt = codes[0], "", expires
	s.pairing = &p
	s.qrCodes, s.qrIndex = append([]string(nil), codes...), 0
	s.signals = append(s.signals, sigQR)
	s.mu.Unlock()
	s.wakeUp()
	s.sv.host.Notify()
}

func (s *Session) onPairSuccess(e *events.PairSuccess) {
	// The pairing wrote the device before dispatching this, on this path,
	// and no app state can be applied before it: the one other moment the
	// device's name is read (watest's offline pairing sets one).
	s.mu.Lock()
	s.pushName = s.conn.Device.PushName
	s.mu.Unlock()
	now := s.sv.cfg.Clock.Now().UTC()
	row := &store.Account{
		ID:           s.id,
		JID:          e.ID.String(),
		LID:          e.LID.ToNonAD().String(),
		Phone:        "+" + e.ID.User,
		BusinessName: e.BusinessName,
		Platform:     e.Platform,
		UpdatedAt:    now,
	}
	if err := s.sv.st.UpdateAccount(context.WithoutCancel(s.ctx), row, "jid", "lid", "phone", "business_name", "platform", "updated_at"); err != nil {
		s.sv.cfg.Logger.Error("wauser: persist pairing", slog.String("account", s.id), slog.Any("error", err))
	}
	s.emit(event.AccountPaired, map[string]any{
		"jid": e.ID.ToNonAD(), "lid": e.LID.ToNonAD(), "phone": row.Phone,
		"platform": e.Platform, "business_name": e.BusinessName,
	})
	s.transitionWith(StateConnecting, "", func() {
		s.pairing = &Pairing{Status: PairingPaired, JID: e.ID.ToNonAD()}
	})
	// After the pairing is marked paired: a QR signal handled from now on
	// arms no timer, and one handled before is cancelled by this.
	s.send(sigPaired)
}

func (s *Session) onConnected() {
	s.mu.Lock()
	name := s.pushName
	s.mu.Unlock()
	s.savePushName(name)
	s.transition(StateConnected, "")
}

// savePushName keeps the account's profile name, which whatsmeow has just
// stored on the device, as the session's copy (the session never reads the
// device's field after it started: whatsmeow writes it without a lock, on
// the goroutine that applies app state), and stores it.
func (s *Session) savePushName(name string) {
	s.mu.Lock()
	s.pushName = name
	s.mu.Unlock()
	if name != "" {
		row := &store.Account{ID: s.id, PushName: name}
		if err := s.sv.st.UpdateAccount(context.WithoutCancel(s.ctx), row, "push_name"); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.sv.cfg.Logger.Warn("wauser: persist push name", slog.String("account", s.id), slog.Any("error", err))
		}
	}
}

// Snapshot returns the session's live status fields.
func (s *Session) Snapshot() (state State, lastErr string, connectedAt time.Time, pairing *Pairing) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pairing != nil {
		p := *s.pairing
		pairing = &p
	}
	return s.state, s.lastErr, s.connectedAt, pairing
}

// AwaitMediaRetry registers for the phone's answer to a media retry of the
// message waID; cancel unregisters.
func (s *Session) AwaitMediaRetry(waID string) (answer <-chan *events.MediaRetry, cancel func()) {
	ch := make(chan *events.MediaRetry, 1)
	s.mu.Lock()
	if s.mediaRetries == nil {
		s.mediaRetries = map[string][]chan *events.MediaRetry{}
	}
	s.mediaRetries[waID] = append(s.mediaRetries[waID], ch)
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		list := s.mediaRetries[waID]
		for i, c := range list {
			if c == ch {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(s.mediaRetries, waID)
		} else {
			s.mediaRetries[waID] = list
		}
	}
}

// onMediaRetry hands the phone's answer to a media retry to whoever waits
// for it; answers nobody waits for are dropped.
func (s *Session) onMediaRetry(evt *events.MediaRetry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.mediaRetries[evt.MessageID] {
		select {
		case ch <- evt:
		default:
		}
	}
}
