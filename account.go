package wauser

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waCompanionReg"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser/internal/ingest"
	isession "github.com/wauser/wauser/internal/session"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/wa"
)

// Account is a linked WhatsApp device and its settings (the Business Server API
// "account").
type Account struct {
	ID                AccountID    `json:"id"`
	JID               types.JID    `json:"jid,omitzero"` // the device JID, set once paired
	LID               types.JID    `json:"lid,omitzero"`
	Phone             string       `json:"phone,omitempty"` // E.164, set once paired
	PushName          string       `json:"push_name,omitempty"`
	BusinessName      string       `json:"business_name,omitempty"`
	Platform          string       `json:"platform,omitempty"`
	State             AccountState `json:"state"`
	LastError         string       `json:"last_error,omitempty"`
	OnlyStatusUpdates bool         `json:"only_status_updates"`
	ConnectedAt       time.Time    `json:"connected_at,omitzero"` // last successful login
	// SkippedRecords counts the records WhatsApp sent that could not be
	// stored (a chat or person JID that addresses nothing, ...); each was
	// skipped with a logged reason, and the rest of its batch was stored.
	SkippedRecords int64     `json:"skipped_records"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	// Webhooks are the webhooks registered by CreateAccount, with their
	// signing secrets (shown only there); other methods leave it empty.
	Webhooks []*Webhook `json:"webhooks,omitempty"`
}

// CreateAccountRequest is the body of CreateAccount.
type CreateAccountRequest struct {
	// ID names the account: 1 to 64 of A-Z a-z 0-9 _ . - . Empty means a
	// generated id.
	ID AccountID `json:"id"`
	// OnlyStatusUpdates limits the account's webhooks to status updates
	// (receipts) of the messages it sends.
	OnlyStatusUpdates bool `json:"only_status_updates"`
	// Webhooks are registered with the account, as by CreateWebhook.
	Webhooks []WebhookRequest `json:"webhooks"`
}

// CreateAccount stores a new, unpaired account. Pair it with PairQR or
// PairPhone. It returns ErrAccountExists when the id is taken, and
// ErrInvalidArgument for a malformed id or webhook; either way nothing is
// written.
func (c *Client) CreateAccount(ctx context.Context, req CreateAccountRequest) (*Account, error) {
	if err := c.core.checkOpen(); err != nil {
		return nil, err
	}
	id := req.ID
	if id == "" {
		id = AccountID(randomID("acc_"))
	}
	if !validAccountID(id) {
		return nil, invalidArg("id", "%q: use 1 to 64 of A-Z a-z 0-9 _ . -", id)
	}
	now := c.core.cfg.clock.Now().UTC()
	hooks := make([]*store.Webhook, 0, len(req.Webhooks))
	for i, wr := range req.Webhooks {
		h, err := c.core.webhookRow(ctx, id, wr, now)
		if err != nil {
			var ae *ArgumentError
			if errors.As(err, &ae) {
				ae.Field = fmt.Sprintf("webhooks[%d].%s", i, ae.Field)
			}
			return nil, err
		}
		if slices.ContainsFunc(hooks, func(o *store.Webhook) bool { return o.URL == h.URL }) {
			return nil, invalidArg(fmt.Sprintf("webhooks[%d].url", i), "%q is listed twice; a URL is unique per account", h.URL)
		}
		hooks = append(hooks, h)
	}
	row := &store.Account{
		ID:                string(id),
		State:             string(StateUnpaired),
		OnlyStatusUpdates: req.OnlyStatusUpdates,
		CreatedAt:         now,
		UpdatedAt:         now,
	}
	if err := c.core.st.CreateAccount(ctx, row, hooks); err != nil {
		if errors.Is(err, store.ErrExists) {
			return nil, fmt.Errorf("%w: %q", ErrAccountExists, id)
		}
		return nil, fmt.Errorf("wauser: create account: %w", err)
	}
	c.core.notify()
	acc := c.core.accountFromRow(row)
	for _, h := range hooks {
		acc.Webhooks = append(acc.Webhooks, c.core.webhookFromRow(h, true))
	}
	return acc, nil
}

// ListAccounts returns every account, ordered by id.
func (c *Client) ListAccounts(ctx context.Context) ([]*Account, error) {
	if err := c.core.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := c.core.st.ListAccounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("wauser: list accounts: %w", err)
	}
	out := make([]*Account, 0, len(rows))
	for _, r := range rows {
		out = append(out, c.core.accountFromRow(r))
	}
	return out, nil
}

// GetAccount returns the account c acts on (see Client).
func (c *Client) GetAccount(ctx context.Context) (*Account, error) {
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	row, err := c.core.account(ctx, id)
	if err != nil {
		return nil, err
	}
	return c.core.accountFromRow(row), nil
}

func (co *core) account(ctx context.Context, id AccountID) (*store.Account, error) {
	row, err := co.st.GetAccount(ctx, string(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: account %q", ErrNotFound, id)
	} else if err != nil {
		return nil, fmt.Errorf("wauser: %w", err)
	}
	return row, nil
}

// accountFromRow converts a stored account, overlaying the live state of
// its session (which is persisted, but may be a moment ahead).
func (co *core) accountFromRow(r *store.Account) *Account {
	a, _ := co.liveAccount(r)
	return a
}

// liveAccount is accountFromRow, with the pairing of the account's session
// in this process (nil without one) from the same snapshot as its state.
func (co *core) liveAccount(r *store.Account) (*Account, *Pairing) {
	a := &Account{
		ID:                AccountID(r.ID),
		Phone:             r.Phone,
		PushName:          r.PushName,
		BusinessName:      r.BusinessName,
		Platform:          r.Platform,
		State:             AccountState(r.State),
		LastError:         r.LastError,
		OnlyStatusUpdates: r.OnlyStatusUpdates,
		SkippedRecords:    r.SkippedRecords,
		ConnectedAt:       utc(r.ConnectedAt),
		CreatedAt:         utc(r.CreatedAt),
		UpdatedAt:         utc(r.UpdatedAt),
	}
	a.JID, _ = types.ParseJID(r.JID)
	a.LID, _ = types.ParseJID(r.LID)
	var pairing *Pairing
	if s := co.getSession(a.ID); s != nil {
		a.State, a.LastError, a.ConnectedAt, pairing = s.snapshot()
	}
	return a, pairing
}

// PairingStatus is the progress of linking a phone to an account.
type PairingStatus string

// Pairing statuses.
const (
	PairingRequested PairingStatus = "requested" // connecting to WhatsApp to get a code
	PairingQR        PairingStatus = "qr"        // a QR code is ready to scan
	PairingCode      PairingStatus = "code"      // a phone link code is ready to type in
	PairingPaired    PairingStatus = "paired"    // the phone linked this device
	PairingFailed    PairingStatus = "failed"    // see Error; start again
)

// Pairing is the state of a pairing (the WhatsApp Use sync API's PairState).
type Pairing struct {
	Status    PairingStatus `json:"status"`
	QR        string        `json:"qr,omitempty"`   // QR payload to render while Status is qr (or code)
	Code      string        `json:"code,omitempty"` // link code XXXX-XXXX when pairing by phone number
	JID       types.JID     `json:"jid,omitzero"`   // the account's JID once paired
	Error     string        `json:"error,omitempty"`
	ExpiresAt time.Time     `json:"expires_at,omitzero"` // when the current QR code is replaced
}

// PairQR starts linking a phone by QR code, or joins the pairing already
// under way, and waits (bounded by ctx) until the first QR code is ready.
// The code rotates while nobody scans it (first after 60 s, then every
// 20 s, six codes in all); read the current one with Status, or wait for
// changes with WaitStatus. It returns ErrAlreadyPaired for a paired account
// and ErrNotStarted before Start.
func (c *Client) PairQR(ctx context.Context) (*Pairing, error) {
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	s, err := c.core.pairingSession(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.waitPairing(ctx, func(p *Pairing) bool { return p.Status != PairingRequested })
}

// PairPhone starts linking a phone by typing a code on it instead of
// scanning, and returns the code (Pairing.Code, "XXXX-XXXX"). phone is the
// number of the phone to link, in E.164 (+15551234567; spaces, dashes and
// parentheses are ignored). A malformed number returns ErrInvalidArgument
// before anything is sent to WhatsApp. The code is valid while the pairing
// connection lives (about 160 s).
func (c *Client) PairPhone(ctx context.Context, phone string) (*Pairing, error) {
	digits, err := parsePhone(phone)
	if err != nil {
		return nil, err
	}
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	s, err := c.core.pairingSession(ctx, id)
	if err != nil {
		return nil, err
	}
	// whatsmeow can ask for a phone code only once the first QR code arrived.
	if _, err := s.waitPairing(ctx, func(p *Pairing) bool { return p.Status != PairingRequested }); err != nil {
		return nil, err
	}
	cfg := &c.core.cfg
	code, err := s.conn.Client.PairPhone(ctx, "+"+digits, true, platforms[cfg.devicePlatform].pair, cfg.pairDisplayName())
	if err != nil {
		return nil, waError("pair phone", err)
	}
	p := s.SetPhoneCode(code)
	c.core.notify()
	return pairingOf(&p), nil
}

// pairingSession returns the session pairing account id, starting one (with
// a fresh device) when none is under way.
func (co *core) pairingSession(ctx context.Context, id AccountID) (*session, error) {
	if s := co.getSession(id); s != nil {
		state, _, _, pairing := s.snapshot()
		switch {
		case state == StatePairing:
			return s, nil
		case state == StateUnpaired && s.conn.Device.ID == nil:
			// An earlier pairing failed: start over on the same device.
			s.RestartPairing()
			return s, nil
		case state == StateLoggedOut:
			// whatsmeow wants a fresh device to pair again.
			co.dropSession(s)
		default:
			_ = pairing
			return nil, fmt.Errorf("%w: account %q is %s", ErrAlreadyPaired, id, state)
		}
	}
	a, err := co.account(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.JID != "" && AccountState(a.State) != StateLoggedOut {
		return nil, fmt.Errorf("%w: account %q is %s", ErrAlreadyPaired, id, a.State)
	}
	s, err := co.startSession(ctx, a, true)
	if err != nil {
		return nil, err
	}
	s.Connect()
	return s, nil
}

// waitPairing waits until the session's pairing satisfies done, and fails
// with ErrPairingFailed when it failed instead.
func (s *session) waitPairing(ctx context.Context, done func(*Pairing) bool) (*Pairing, error) {
	for {
		ch := s.co.changes()
		_, _, _, p := s.snapshot()
		if p == nil {
			return nil, fmt.Errorf("%w: no pairing under way", ErrPairingFailed)
		}
		if p.Status == PairingFailed {
			return p, fmt.Errorf("%w: %s", ErrPairingFailed, p.Error)
		}
		if done(p) {
			return p, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wauser: wait for pairing: %w", ctx.Err())
		case <-ch:
		}
	}
}

// changes returns a channel closed at the next status change.
func (co *core) changes() <-chan struct{} {
	co.mu.Lock()
	defer co.mu.Unlock()
	return co.changed
}

// Status is an account's connection status (the WhatsApp Use sync API's WhatsAppStatus,
// the Business Server API's account status).
type Status struct {
	Account         AccountID    `json:"account_id"`
	State           AccountState `json:"state"`
	Paired          bool         `json:"paired"`
	Connected       bool         `json:"connected"` // logged in and online
	JID             types.JID    `json:"jid,omitzero"`
	LastConnectedAt time.Time    `json:"last_connected_at,omitzero"`
	LastError       string       `json:"last_error,omitempty"`
	Pairing         *Pairing     `json:"pairing,omitempty"` // the latest pairing of this process, if any
	// HeldElsewhere is true when another process sharing the PostgreSQL
	// store holds the account's lease and runs its connection (see
	// WithLeases). State, LastError and LastConnectedAt are then what that
	// process last stored, and Connected says whether it is connected
	// there. It is not a state of the account: the account stays in its
	// state machine, driven by the process that holds it.
	HeldElsewhere bool `json:"held_elsewhere,omitempty"`
	// HistoryPending is how many history sync blobs WhatsApp announced
	// that are not stored yet: queued to be downloaded and stored, or
	// waiting to be tried again after a failure (see the package
	// documentation's History section). The records of a blob appear in
	// the change feed once it is stored.
	HistoryPending int `json:"history_pending"`
}

// Status returns the account's connection status. It is live: a new state
// shows here as soon as the connection reaches it, a moment before its
// account.* event is in the outbox (handlers and webhooks see the event
// after that).
func (c *Client) Status(ctx context.Context) (*Status, error) {
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	row, err := c.core.account(ctx, id)
	if err != nil {
		return nil, err
	}
	return c.core.status(ctx, row), nil
}

func (co *core) status(ctx context.Context, row *store.Account) *Status {
	// The state and the pairing come from one snapshot of the session: a
	// session changes them together (transitionWith), so a failed pairing
	// never shows with the account still pairing, nor an unpaired account
	// with its expired code.
	a, pairing := co.liveAccount(row)
	st := &Status{
		Account:         a.ID,
		State:           a.State,
		JID:             a.JID,
		LastConnectedAt: a.ConnectedAt,
		LastError:       a.LastError,
	}
	st.Paired = !a.JID.IsEmpty() && a.State != StateLoggedOut && a.State != StateUnpaired && a.State != StatePairing
	if n, err := co.historyPending(ctx, a.ID); err != nil {
		co.cfg.logger.Warn("wauser: count pending history", slog.String("account", string(a.ID)), slog.Any("error", err))
	} else {
		st.HistoryPending = n
	}
	if s := co.getSession(a.ID); s != nil {
		st.Pairing = pairing // nil when the session started after the snapshot
		st.Connected = a.State == StateConnected && s.conn.Client.IsLoggedIn()
		if st.Pairing != nil && st.Pairing.Status == PairingPaired {
			st.Paired = a.State != StateLoggedOut
		}
	} else if held, err := co.heldElsewhere(ctx, a.ID); err != nil {
		co.cfg.logger.Warn("wauser: read lease", slog.String("account", string(a.ID)), slog.Any("error", err))
	} else if held {
		st.HeldElsewhere = true
		st.Connected = a.State == StateConnected
	}
	return st
}

// heldElsewhere reports whether another live process holds the account's
// lease (only with several processes on PostgreSQL). A holder that has not
// renewed within the grace period is gone.
func (co *core) heldElsewhere(ctx context.Context, id AccountID) (bool, error) {
	if !co.leases.Distributed() {
		return false, nil
	}
	lease, err := co.st.Lease(ctx, string(id))
	if err != nil {
		return false, err
	}
	return lease.Holder != "" && lease.Holder != co.leases.Holder() && lease.Age < co.leases.Grace(), nil
}

// WaitStatus blocks until the account's status satisfies cond, and returns
// that status; it fails with ctx's error when ctx ends first. cond must not
// block.
func (c *Client) WaitStatus(ctx context.Context, cond func(*Status) bool) (*Status, error) {
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	for {
		ch := c.core.changes()
		row, err := c.core.account(ctx, id)
		if err != nil {
			return nil, err
		}
		st := c.core.status(ctx, row)
		if cond(st) {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, fmt.Errorf("wauser: wait for status: %w", ctx.Err())
		case <-ch:
		}
	}
}

// Logout unlinks the account's device from WhatsApp (when it is online),
// then deletes the device's keys and the account with everything stored for
// it. It works offline too: the local data is removed, and the phone then
// shows the device in its linked-devices list until WhatsApp drops it or the
// user removes it there.
func (c *Client) Logout(ctx context.Context) error {
	id, err := c.accountID(ctx)
	if err != nil {
		return err
	}
	row, err := c.core.account(ctx, id)
	if err != nil {
		return err
	}
	if err := c.core.unlinkDevice(ctx, id, row); err != nil {
		return fmt.Errorf("wauser: logout: %w", err)
	}
	if err := c.core.st.DeleteAccount(ctx, string(id)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("wauser: logout: %w", err)
	}
	// An API key must not reach a later account created under the same id:
	// the account leaves every key's list, and keys left with no account are
	// revoked.
	if err := c.core.st.RemoveAccountFromAPIKeys(ctx, string(id), c.core.cfg.clock.Now().UTC()); err != nil {
		return fmt.Errorf("wauser: logout: %w", err)
	}
	c.core.apiKeys.clear()
	c.core.ingest.Forget(string(id))
	c.core.releaseLease(ctx, id)
	c.core.notify()
	return nil
}

// Unlink unlinks the account's device from WhatsApp (when it is online) and
// deletes the device's keys, but keeps the account: its settings, webhooks,
// API keys and stored records stay, and the account is logged_out, ready to
// be paired again with PairQR or PairPhone (the phone then linked may be
// another one). Like Logout, it works offline.
func (c *Client) Unlink(ctx context.Context) error {
	id, err := c.accountID(ctx)
	if err != nil {
		return err
	}
	row, err := c.core.account(ctx, id)
	if err != nil {
		return err
	}
	if err := c.core.unlinkDevice(ctx, id, row); err != nil {
		return fmt.Errorf("wauser: unlink: %w", err)
	}
	now := c.core.cfg.clock.Now().UTC()
	upd := &store.Account{ID: string(id), JID: "", LID: "", State: string(StateLoggedOut), LastError: "unlinked", UpdatedAt: now}
	if err := c.core.st.UpdateAccount(ctx, upd, "jid", "lid", "state", "last_error", "updated_at"); err != nil {
		return fmt.Errorf("wauser: unlink: %w", err)
	}
	if err := c.core.emit(ctx, id, EventAccountLoggedOut, map[string]any{"reason": "unlinked"}); err != nil {
		return fmt.Errorf("wauser: unlink: %w", err)
	}
	c.core.notify()
	return nil
}

// unlinkDevice logs the account's device out of WhatsApp when it is online,
// stops its session, and deletes the device's rows. When another process
// holds the account (several processes on PostgreSQL) it refuses with
// ErrLeasedElsewhere: that process is using the device, and only it can
// tell WhatsApp.
func (co *core) unlinkDevice(ctx context.Context, id AccountID, row *store.Account) error {
	if co.getSession(id) == nil {
		held, err := co.heldElsewhere(ctx, id)
		if err != nil {
			return err
		}
		if held {
			return fmt.Errorf("%w: account %q is connected by another process; log it out there", ErrLeasedElsewhere, id)
		}
	}
	if s := co.getSession(id); s != nil {
		if s.conn.Client.IsLoggedIn() {
			if err := s.conn.Client.Logout(ctx); err != nil {
				co.cfg.logger.Warn("wauser: remote logout failed; removing the device locally",
					"account", string(id), "error", err)
			}
		}
		co.dropSession(s)
	}
	if row.JID != "" {
		jid, err := types.ParseJID(row.JID)
		if err == nil {
			if err := co.devices.Delete(ctx, jid); err != nil {
				return err
			}
		}
	}
	return nil
}

// Refresh reconnects the account and waits until it is logged in again (or
// the attempt failed: then the error wraps ErrNotConnected and the Client
// keeps retrying with backoff). With force it then re-fetches the whole app
// state (contacts, chat settings) from WhatsApp. Refresh also resumes an
// account that stopped in stream_replaced, banned or outdated.
func (c *Client) Refresh(ctx context.Context, force bool) error {
	id, err := c.accountID(ctx)
	if err != nil {
		return err
	}
	s, err := c.core.paired(ctx, id)
	if err != nil {
		return err
	}
	_, _, connectGen, loginGen := s.Progress()
	s.Reconnect()
	for {
		ch := c.core.changes()
		st, lastErr, cg, lg := s.Progress()
		state := AccountState(st)
		switch {
		case lg > loginGen && state == StateConnected:
			if force {
				return s.fetchAppState(ctx)
			}
			return nil
		case state == StateLoggedOut:
			return fmt.Errorf("%w: account %q was logged out", ErrNotLoggedIn, id)
		case cg > connectGen && state == StateReconnecting:
			return fmt.Errorf("wauser: refresh: %w: %s", ErrNotConnected, lastErr)
		case cg > connectGen && st.Terminal():
			return fmt.Errorf("wauser: refresh: %w: account is %s: %s", ErrNotConnected, state, lastErr)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wauser: refresh: %w", ctx.Err())
		case <-ch:
		}
	}
}

func (s *session) fetchAppState(ctx context.Context) error {
	for _, name := range appstate.AllPatchNames {
		if err := s.conn.Client.FetchAppState(ctx, name, true, false); err != nil {
			return waError(fmt.Sprintf("fetch app state %s", name), err)
		}
	}
	return nil
}

// paired returns the session of a paired account, starting it if needed.
func (co *core) paired(ctx context.Context, id AccountID) (*session, error) {
	if s := co.getSession(id); s != nil {
		state, _, _, _ := s.snapshot()
		if state == StateLoggedOut || state == StateUnpaired || state == StatePairing {
			return nil, fmt.Errorf("%w: account %q is %s", ErrNotLoggedIn, id, state)
		}
		return s, nil
	}
	a, err := co.account(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.JID == "" || AccountState(a.State) == StateLoggedOut {
		return nil, fmt.Errorf("%w: account %q is %s", ErrNotLoggedIn, id, a.State)
	}
	s, err := co.startSession(ctx, a, false)
	if err != nil {
		return nil, err
	}
	if state, _, _, _ := s.snapshot(); state == StateLoggedOut {
		return nil, fmt.Errorf("%w: account %q is logged out", ErrNotLoggedIn, id)
	}
	return s, nil
}

// connect starts (or pokes) the connection of a paired account.
func (co *core) connect(ctx context.Context, id AccountID) (*session, error) {
	s, err := co.paired(ctx, id)
	if err != nil {
		return nil, err
	}
	s.Connect()
	return s, nil
}

// online returns the session of a logged-in account, or ErrNotLoggedIn /
// ErrNotConnected.
func (c *Client) online(ctx context.Context) (*session, error) {
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	s, err := c.core.paired(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.conn.Client.IsLoggedIn() {
		state, lastErr, _, _ := s.snapshot()
		return nil, fmt.Errorf("%w: account %q is %s %s", ErrNotConnected, id, state, lastErr)
	}
	return s, nil
}

// StatusPrivacy is who may see the account's status updates (stories).
type StatusPrivacy struct {
	Type      string      `json:"type"` // contacts, blacklist (contacts except List) or whitelist (only List)
	List      []types.JID `json:"list"`
	IsDefault bool        `json:"is_default"`
}

// StatusPrivacy returns the account's status audience settings; the first
// element is the default. It needs a connection.
func (c *Client) StatusPrivacy(ctx context.Context) ([]StatusPrivacy, error) {
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	got, err := s.conn.Client.GetStatusPrivacy(ctx)
	if err != nil {
		return nil, waError("status privacy", err)
	}
	out := make([]StatusPrivacy, 0, len(got))
	for _, p := range got {
		list := p.List
		if list == nil {
			list = []types.JID{}
		}
		out = append(out, StatusPrivacy{Type: string(p.Type), List: list, IsDefault: p.IsDefault})
	}
	return out, nil
}

// StatusViewer is a contact who can see the account's status updates.
type StatusViewer struct {
	JID  types.JID `json:"jid"`
	Name string    `json:"name,omitempty"`
}

// StatusAudience returns the contacts that can see the account's status
// updates, computed like WhatsApp does: the allow-list when the default
// privacy is "whitelist", otherwise every address-book contact, minus the
// deny-list for "blacklist". It needs a connection and the address book
// (synced from the phone after pairing).
func (c *Client) StatusAudience(ctx context.Context) ([]StatusViewer, error) {
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	privacy, err := s.conn.Client.GetStatusPrivacy(ctx)
	if err != nil {
		return nil, waError("status audience", err)
	}
	def := types.StatusPrivacy{Type: types.StatusPrivacyTypeContacts}
	for _, p := range privacy {
		if p.IsDefault {
			def = p
			break
		}
	}
	contacts, err := s.conn.Device.Contacts.GetAllContacts(ctx)
	if err != nil {
		return nil, fmt.Errorf("wauser: status audience: read contacts: %w", err)
	}
	name := func(j types.JID) string { return contacts[j.ToNonAD()].FullName }
	out := []StatusViewer{}
	if def.Type == types.StatusPrivacyTypeWhitelist {
		for _, j := range def.List {
			out = append(out, StatusViewer{JID: j.ToNonAD(), Name: name(j)})
		}
	} else {
		deny := map[types.JID]bool{}
		if def.Type == types.StatusPrivacyTypeBlacklist {
			for _, j := range def.List {
				deny[j.ToNonAD()] = true
			}
		}
		for j, info := range contacts {
			if info.FullName != "" && !deny[j] {
				out = append(out, StatusViewer{JID: j, Name: info.FullName})
			}
		}
	}
	slices.SortFunc(out, func(a, b StatusViewer) int { return strings.Compare(a.JID.String(), b.JID.String()) })
	return out, nil
}

// notFoundAccount turns a store.ErrNotFound about an account into
// ErrNotFound.
func (co *core) notFoundAccount(err error, id AccountID) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: account %q", ErrNotFound, id)
	}
	return err
}

// DevicePlatform is the kind of client the account's phone shows a linked
// device as (the icon on its "Linked devices" list).
type DevicePlatform string

// Device platforms.
const (
	PlatformChrome  DevicePlatform = "chrome"
	PlatformFirefox DevicePlatform = "firefox"
	PlatformSafari  DevicePlatform = "safari"
	PlatformEdge    DevicePlatform = "edge"
	PlatformOpera   DevicePlatform = "opera"
	PlatformDesktop DevicePlatform = "desktop" // the WhatsApp desktop app
)

// Defaults of WithDevice: a device linked by wauser is listed on the phone
// as WhatsApp Web in Chrome on Linux, not under whatsmeow's own name.
const (
	DefaultDeviceName     = "Linux"
	DefaultDevicePlatform = PlatformChrome
)

var platforms = map[DevicePlatform]struct {
	props   waCompanionReg.DeviceProps_PlatformType
	pair    whatsmeow.PairClientType
	display string
}{
	PlatformChrome:  {waCompanionReg.DeviceProps_CHROME, whatsmeow.PairClientChrome, "Chrome"},
	PlatformFirefox: {waCompanionReg.DeviceProps_FIREFOX, whatsmeow.PairClientFirefox, "Firefox"},
	PlatformSafari:  {waCompanionReg.DeviceProps_SAFARI, whatsmeow.PairClientSafari, "Safari"},
	PlatformEdge:    {waCompanionReg.DeviceProps_EDGE, whatsmeow.PairClientEdge, "Edge"},
	PlatformOpera:   {waCompanionReg.DeviceProps_OPERA, whatsmeow.PairClientOpera, "Opera"},
	PlatformDesktop: {waCompanionReg.DeviceProps_DESKTOP, whatsmeow.PairClientElectron, "Desktop"},
}

// WithDevice sets how the account's phone lists devices linked from now on
// (it cannot change for a device already linked): name is the operating
// system shown next to the platform's browser, as in "Chrome (Linux)", 1
// to 50 characters; platform is one of the Platform constants. Phone-code
// pairing (PairPhone) shows the same "<Browser> (<name>)". The defaults
// are DefaultDeviceName and DefaultDevicePlatform.
//
// whatsmeow keeps these settings process-wide: Clients of one process that
// pair at the same time with different settings each set theirs before
// connecting, without racing, but a pairing reads whatever was set last.
func WithDevice(name string, platform DevicePlatform) Option {
	return func(c *config) error {
		name = strings.TrimSpace(name)
		switch n := utf8.RuneCountInString(name); {
		case n == 0 || n > 50 || !utf8.ValidString(name) || strings.ContainsAny(name, "()\r\n\t"):
			return invalidArg("device name", "%q: give 1 to 50 characters without parentheses or line breaks", name)
		}
		if _, ok := platforms[platform]; !ok {
			return invalidArg("device platform", "%q is not chrome, firefox, safari, edge, opera or desktop", platform)
		}
		c.deviceName, c.devicePlatform = name, platform
		return nil
	}
}

// pairDisplayName is the name PairPhone shows on the phone: whatsmeow
// requires "Browser (OS)".
func (c *config) pairDisplayName() string {
	return platforms[c.devicePlatform].display + " (" + c.deviceName + ")"
}

// AccountState is where an account stands with WhatsApp. The states form an
// explicit state machine: an event that would make a transition not listed
// below (a late "disconnected" after a logout, say) is ignored, so an account
// never loops between states on its own.
//
//	unpaired        -> pairing
//	pairing         -> unpaired (pairing failed or expired), connecting, connected
//	connecting      -> connected, reconnecting, and the end states
//	connected       -> connecting (Refresh), reconnecting, and the end states
//	reconnecting    -> connecting, connected, and the end states
//	logged_out      -> pairing
//	stream_replaced, banned, outdated, failed -> connecting (Start or Refresh), logged_out
//
// The end states are logged_out, stream_replaced, banned, outdated and
// failed: the Client does not reconnect from them by itself, and
// Status.LastError says why it stopped.
//
// When several processes share a PostgreSQL store, only the process that
// holds an account's lease (see WithLeases) drives its state machine and
// stores its state. Being connected by another process is not a state:
// elsewhere, Status reports the state that process stored, with
// HeldElsewhere set; a process that takes an account over continues from
// the stored state (connected -> connecting, and so on).
type AccountState string

// Account states.
const (
	StateUnpaired       AccountState = "unpaired"        // created, never paired
	StatePairing        AccountState = "pairing"         // showing a QR code or phone code
	StateConnecting     AccountState = "connecting"      // paired; connecting to WhatsApp
	StateConnected      AccountState = "connected"       // logged in and online
	StateReconnecting   AccountState = "reconnecting"    // connection lost or refused; retrying with backoff (see LastError)
	StateLoggedOut      AccountState = "logged_out"      // the phone unlinked this device; pair again
	StateStreamReplaced AccountState = "stream_replaced" // another client connected with this session; not retried
	StateBanned         AccountState = "banned"          // temporarily banned by WhatsApp
	StateOutdated       AccountState = "outdated"        // WhatsApp rejected this client version, also after a version refresh
	// StateFailed: WhatsApp refused the connection with a failure it gives
	// no retry for (400 generic, 409 bad user agent, 415, 418, 501 and
	// other codes whatsmeow does not retry); LastError has the code and
	// WhatsApp's message. Refresh tries again.
	StateFailed AccountState = "failed"
)

// session is an account's live connection (internal/session), as the API
// files use it.
type session struct {
	*isession.Session
	co   *core
	id   AccountID
	conn *wa.Conn
}

// wrap returns s as the API files use it, or nil.
func (co *core) wrap(s *isession.Session) *session {
	if s == nil {
		return nil
	}
	return &session{Session: s, co: co, id: AccountID(s.ID()), conn: s.Conn()}
}

// getSession returns the running session of id, or nil.
func (co *core) getSession(id AccountID) *session {
	return co.wrap(co.sessions.Get(string(id)))
}

// dropSession stops s and removes it from the client.
func (co *core) dropSession(s *session) { co.sessions.Drop(s.Session) }

// startSession opens a connection for account a (its paired device, or a
// fresh one for pairing when fresh is set) and starts the supervisor, once
// it holds the account's lease (see WithLeases). If a session appeared
// meanwhile, that one is returned instead.
func (co *core) startSession(ctx context.Context, a *store.Account, fresh bool) (*session, error) {
	co.mu.Lock()
	switch {
	case co.closed:
		co.mu.Unlock()
		return nil, ErrClosed
	case !co.started:
		co.mu.Unlock()
		return nil, ErrNotStarted
	}
	co.mu.Unlock()
	if s := co.getSession(AccountID(a.ID)); s != nil {
		return s, nil
	}
	// Only the holder of the account's lease may connect it.
	if err := co.takeLease(ctx, AccountID(a.ID)); err != nil {
		return nil, err
	}

	var jid types.JID
	if !fresh && a.JID != "" {
		parsed, err := types.ParseJID(a.JID)
		if err != nil {
			return nil, fmt.Errorf("wauser: account %s has a malformed device JID %q: %w", a.ID, a.JID, err)
		}
		jid = parsed
	}
	conn, paired, err := co.devices.Open(ctx, a.ID, jid)
	if err != nil {
		return nil, fmt.Errorf("wauser: open device: %w", err)
	}
	state, lastErr := isession.State(a.State), a.LastError
	switch {
	case fresh:
		state, lastErr = isession.StatePairing, ""
	case !paired:
		// The device rows are gone: WhatsApp logged it out while we were away.
		state, lastErr = isession.StateLoggedOut, "the device is no longer linked; pair again"
	}
	s, err := co.sessions.Add(a, conn, fresh, state, lastErr)
	switch {
	case errors.Is(err, isession.ErrClosed):
		return nil, ErrClosed
	case errors.Is(err, isession.ErrNotStarted):
		return nil, ErrNotStarted
	case err != nil:
		return nil, err
	}
	return co.wrap(s), nil
}

// snapshot returns the session's live status fields.
func (s *session) snapshot() (state AccountState, lastErr string, connectedAt time.Time, pairing *Pairing) {
	st, lastErr, connectedAt, p := s.Snapshot()
	return AccountState(st), lastErr, connectedAt, pairingOf(p)
}

// pairingOf returns the public form of a session's pairing.
func pairingOf(p *isession.Pairing) *Pairing {
	if p == nil {
		return nil
	}
	return &Pairing{Status: PairingStatus(p.Status), QR: p.QR, Code: p.Code, JID: p.JID, Error: p.Error, ExpiresAt: p.ExpiresAt}
}

// ingestAccount describes the account to the ingester.
func (s *session) ingestAccount() *ingest.Account { return s.IngestAccount() }

// historyPending counts the account's history blobs not stored yet.
func (co *core) historyPending(ctx context.Context, id AccountID) (int, error) {
	return store.CountSyncJobs(ctx, co.st.DB(), string(id), store.JobHistory, store.JobQueued)
}

// newSupervisor makes the supervisor of the Client's sessions.
func (co *core) newSupervisor() *isession.Supervisor {
	cfg := &co.cfg
	return isession.New(co.st, co.ingest, co.metrics, sessionHost{co}, isession.Config{
		Logger:         cfg.logger,
		Clock:          sessionClock{cfg.clock},
		BackoffMin:     cfg.backoffMin,
		BackoffMax:     cfg.backoffMax,
		Retention:      cfg.retention,
		DeviceName:     cfg.deviceName,
		DevicePlatform: platforms[cfg.devicePlatform].props,
		Leases:         isession.LeaseConfig{Interval: cfg.leases.Interval, Timeout: cfg.leases.Timeout},
	})
}

// sessionHost is the Client as the session supervisor sees it.
type sessionHost struct{ co *core }

func (h sessionHost) Emit(ctx context.Context, account string, typ EventType, data any) error {
	return h.co.emit(ctx, AccountID(account), typ, data)
}

func (h sessionHost) Notify() { h.co.notify() }

func (h sessionHost) Connect(ctx context.Context, account string) {
	if _, err := h.co.connect(ctx, AccountID(account)); err != nil && ctx.Err() == nil && !errors.Is(err, ErrNotConnected) && !errors.Is(err, ErrNotFound) {
		h.co.cfg.logger.Warn("wauser: connect account", slog.String("account", account), slog.Any("error", err))
	}
}
