package watest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waCompanionReg"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/wa"
)

// Conn is the Fake's stand-in for one account's *whatsmeow.Client. Its
// exported methods other than the whatsmeow ones let a test play the phone
// and the server.
type Conn struct {
	fake    *Fake
	account string
	dev     *store.Device

	mu        sync.Mutex
	handlers  []handler
	nextID    uint32
	connected bool
	loggedIn  bool
	qrShown   bool
	calls     []string
	changed   chan struct{} // closed and replaced on every call
	uploads   []Upload
	presences []SentPresence
	patches   []appstate.PatchInfo
	sent      []SentMessage
	reads     []SentRead
	history   map[types.JID][]*waWeb.WebMessageInfo // the phone's older messages, by chat
	updates   []types.Presence                      // SendPresence calls (PresenceUpdates)
	stalled   bool                                  // WhatsApp stopped answering on this connection
	retries   []types.MessageInfo                   // SendMediaRetryReceipt calls (MediaRetries)
	props     DeviceProps
}

// DeviceProps is how the phone lists a device linked through the Fake.
type DeviceProps struct {
	Name     string
	Platform waCompanionReg.DeviceProps_PlatformType
}

type handler struct {
	id uint32
	fn whatsmeow.EventHandlerWithSuccessStatus
}

var _ wa.Client = (*Conn)(nil)

// Phone describes the phone that links the account in Scan.
type Phone struct {
	JID          types.JID // the phone's user JID, e.g. types.NewJID("15551234567", types.DefaultUserServer)
	LID          types.JID // optional
	PushName     string
	Platform     string // default "android"
	BusinessName string
}

// Account returns the account id the connection belongs to.
func (c *Conn) Account() string { return c.account }

// Device returns the whatsmeow device store of the connection.
func (c *Conn) Device() *store.Device { return c.dev }

// Calls returns the names of the whatsmeow methods called so far, in order.
func (c *Conn) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

func (c *Conn) record(name string) {
	c.mu.Lock()
	c.calls = append(c.calls, name)
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

// WaitCalls blocks until the whatsmeow method name was called at least n
// times in all.
func (c *Conn) WaitCalls(ctx context.Context, name string, n int) error {
	for {
		c.mu.Lock()
		have, ch := 0, c.changed
		for _, call := range c.calls {
			if call == name {
				have++
			}
		}
		c.mu.Unlock()
		if have >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("watest: wait for %d calls of %s (have %d): %w", n, name, have, ctx.Err())
		case <-ch:
		}
	}
}

// Emit dispatches evt to the registered handlers synchronously, as
// whatsmeow does, and reports whether every handler returned true.
//
// An *events.HistorySync is delivered the way WhatsApp delivers history
// to wauser, which has whatsmeow hand it the announcement instead of the
// blob (see EmitHistoryBlob): the blob is uploaded, compressed as the
// phone does, and the account gets the message announcing it. True then
// means the announcement was stored; the Client stores the blob itself in
// the background (wait for wauser.Status.HistoryPending to be 0).
func (c *Conn) Emit(evt any) bool {
	if h, ok := evt.(*events.HistorySync); ok && h.Data != nil {
		blob, err := HistoryBlobOf(h.Data)
		if err != nil {
			return false
		}
		return c.EmitHistoryBlob(blob)
	}
	c.mu.Lock()
	hs := slices.Clone(c.handlers)
	c.mu.Unlock()
	ok := true
	for _, h := range hs {
		if !h.fn(evt) {
			ok = false
		}
	}
	return ok
}

// emitAsync dispatches evt from a goroutine, as whatsmeow does for
// connection events.
func (c *Conn) emitAsync(evt any) {
	c.fake.wg.Go(func() { c.Emit(evt) })
}

// ShowQR emits a QR event with codes, as WhatsApp does when an unpaired
// device connects (ConnectContext shows six generated codes by itself).
func (c *Conn) ShowQR(codes ...string) {
	c.mu.Lock()
	c.qrShown = true
	c.mu.Unlock()
	c.Emit(&events.QR{Codes: codes})
}

// Scan plays the phone scanning the QR code (or entering the phone code):
// the device is saved as paired to p.JID and PairSuccess is emitted. Then
// WhatsApp ends the pairing stream (stream error 515) and waits for the
// device to log in on a new connection: whatsmeow, configured by wauser
// not to reconnect by itself, emits ManualLoginReconnect, and Connected
// follows once the Client has connected again. While the Fake is offline
// (SetOffline) that connection fails, as a real reconnect after pairing
// can.
func (c *Conn) Scan(p Phone) error {
	c.mu.Lock()
	connected := c.connected
	c.mu.Unlock()
	if !connected {
		return fmt.Errorf("watest: scan: account %q is not connected to pair", c.account)
	}
	if p.Platform == "" {
		p.Platform = "android"
	}
	id := types.NewADJID(p.JID.User, 0, 7)
	if err := wa.SaveOfflinePairing(context.Background(), c.dev, id, p.LID, p.PushName, p.Platform, p.BusinessName); err != nil {
		return err
	}
	c.Emit(&events.PairSuccess{ID: id, LID: p.LID, BusinessName: p.BusinessName, Platform: p.Platform})
	// The socket stays open until the client closes it: connecting again
	// without closing it first fails with ErrAlreadyConnected.
	c.Emit(&events.ManualLoginReconnect{})
	return nil
}

// DeviceProps returns the name and platform the phone lists the device
// under: what the Client set before pairing.
func (c *Conn) DeviceProps() DeviceProps {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.props
}

// StallKeepAlives plays a connection that stays open while WhatsApp stops
// answering on it: whatsmeow's keepalive pings time out, and it emits
// *events.KeepAliveTimeout (the first one now, with the time of the last
// answered ping). Nothing reaches the account until it connects again; a
// new connection is healthy. whatsmeow reconnects by itself only when its
// own auto-reconnect is on, which wauser turns off.
func (c *Conn) StallKeepAlives() {
	c.fake.mu.Lock()
	now := c.fake.now()
	c.fake.mu.Unlock()
	c.mu.Lock()
	c.stalled = true
	c.mu.Unlock()
	c.Emit(&events.KeepAliveTimeout{ErrorCount: 1, LastSuccess: now})
}

// ResumeKeepAlives plays WhatsApp answering keepalives again on a stalled
// connection: whatsmeow emits *events.KeepAliveRestored.
func (c *Conn) ResumeKeepAlives() {
	c.mu.Lock()
	was := c.stalled
	c.stalled = false
	c.mu.Unlock()
	if was {
		c.Emit(&events.KeepAliveRestored{})
	}
}

// Stalled reports whether WhatsApp stopped answering on the connection
// (StallKeepAlives) and it is still open.
func (c *Conn) Stalled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stalled && c.connected
}

// SetPushName plays the account's phone syncing its profile name (the
// push name setting of app state): whatsmeow stores it on the device and
// emits *events.PushNameSetting.
func (c *Conn) SetPushName(name string) error {
	c.setPushName(name)
	if c.dev.ID != nil {
		if err := c.dev.Save(context.Background()); err != nil {
			return err
		}
	}
	c.fake.mu.Lock()
	ts := c.fake.now()
	c.fake.mu.Unlock()
	c.Emit(&events.PushNameSetting{Timestamp: ts, Action: &waSyncAction.PushNameSetting{Name: proto.String(name)}})
	return nil
}

// PresenceUpdates returns the presences (available, unavailable) sent
// with SendPresence, in order.
func (c *Conn) PresenceUpdates() []types.Presence {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.updates)
}

// LogOut plays the phone unlinking the device: like whatsmeow, the device
// rows are deleted before LoggedOut is emitted.
func (c *Conn) LogOut() error {
	c.hangUp()
	if c.dev.ID != nil {
		if err := c.dev.Delete(context.Background()); err != nil {
			return err
		}
	}
	c.Emit(&events.LoggedOut{Reason: events.ConnectFailureLoggedOut})
	return nil
}

// ReplaceStream plays another client connecting with the same session.
func (c *Conn) ReplaceStream() {
	c.hangUp()
	c.Emit(&events.StreamReplaced{})
}

// Drop plays a lost connection: the socket closes and Disconnected is
// emitted.
func (c *Conn) Drop() {
	c.hangUp()
	c.Emit(&events.Disconnected{})
}

// Ban plays WhatsApp banning the account temporarily.
func (c *Conn) Ban(expire time.Duration) {
	c.hangUp()
	c.Emit(&events.TemporaryBan{Code: events.TempBanSentToTooManyPeople, Expire: expire})
}

// hangUp closes the connection (the socket, and the login with it) and
// reports it when it was open.
func (c *Conn) hangUp() {
	c.mu.Lock()
	was := c.connected
	c.connected, c.loggedIn, c.stalled = false, false, false
	c.mu.Unlock()
	if was {
		c.fake.connectionChanged(c.account, false)
	}
}

// Connected reports whether the Client holds the connection open.
func (c *Conn) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.connected
}

// --- whatsmeow.Client methods ---

// ConnectContext connects; an unpaired device then gets QR codes, a paired
// one logs in and gets Connected, both from a goroutine as in whatsmeow.
// Like WhatsApp, the Fake answers a client announcing an outdated version
// (see Fake.SetWebVersion) with 405, and applies Fake.RefuseConnections.
func (c *Conn) ConnectContext(_ context.Context) error {
	c.record("ConnectContext")
	c.mu.Lock()
	connected := c.connected
	c.mu.Unlock()
	if connected {
		return whatsmeow.ErrAlreadyConnected
	}
	f := c.fake
	f.mu.Lock()
	offline, refusal := f.offline, f.refusal
	outdated := f.clientVersion.LessThan(f.webVersion)
	f.mu.Unlock()
	if offline != nil {
		return fmt.Errorf("failed to dial whatsapp web websocket: %w", offline)
	}
	c.mu.Lock()
	c.connected = true
	paired := c.dev.ID != nil
	if paired && !outdated && refusal == nil {
		c.loggedIn = true
	} else if !paired {
		c.qrShown = !outdated
	}
	c.mu.Unlock()
	c.fake.connectionChanged(c.account, true)
	switch {
	case outdated:
		c.refuse(&events.ClientOutdated{})
	case paired && refusal != nil:
		evt := any(&events.ConnectFailure{Reason: refusal.Reason, Message: refusal.Message})
		if refusal.Reason == events.ConnectFailureInternalServerError || refusal.Reason == events.ConnectFailureServiceUnavailable {
			evt = &events.Disconnected{}
		}
		c.refuse(evt)
	case paired:
		c.emitAsync(&events.Connected{})
	default:
		c.emitAsync(&events.QR{Codes: c.fake.nextQRCodes(c.account)})
	}
	return nil
}

// refuse plays WhatsApp answering the handshake with a <failure>: the
// socket closes and whatsmeow emits evt, from a goroutine.
func (c *Conn) refuse(evt any) {
	c.fake.wg.Go(func() {
		c.hangUp()
		c.Emit(evt)
	})
}

// Disconnect closes the connection without an event.
func (c *Conn) Disconnect() {
	c.record("Disconnect")
	c.hangUp()
}

// Logout unlinks the device and deletes its rows; offline it fails like
// whatsmeow and deletes nothing.
func (c *Conn) Logout(ctx context.Context) error {
	c.record("Logout")
	c.mu.Lock()
	connected := c.connected
	c.mu.Unlock()
	if c.dev.ID == nil {
		return whatsmeow.ErrNotLoggedIn
	}
	if !connected {
		return fmt.Errorf("error sending logout request: %w", whatsmeow.ErrNotConnected)
	}
	c.Disconnect()
	return c.dev.Delete(ctx)
}

// IsConnected reports whether the socket is up.
func (c *Conn) IsConnected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.connected
}

// IsLoggedIn reports whether the device is logged in.
func (c *Conn) IsLoggedIn() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.loggedIn
}

// PairPhone returns the Fake's phone code; like whatsmeow it needs a
// connection that has shown a QR code.
func (c *Conn) PairPhone(_ context.Context, phone string, _ bool, _ whatsmeow.PairClientType, _ string) (string, error) {
	c.record("PairPhone")
	c.mu.Lock()
	ready := c.connected && c.qrShown
	c.mu.Unlock()
	if !ready {
		return "", whatsmeow.ErrNotConnected
	}
	if len(phone) <= 6 {
		return "", whatsmeow.ErrPhoneNumberTooShort
	}
	c.fake.mu.Lock()
	defer c.fake.mu.Unlock()
	return c.fake.phoneCode, nil
}

// AddEventHandlerWithSuccessStatus registers an event handler.
func (c *Conn) AddEventHandlerWithSuccessStatus(fn whatsmeow.EventHandlerWithSuccessStatus) uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextID++
	c.handlers = append(c.handlers, handler{id: c.nextID, fn: fn})
	return c.nextID
}

// RemoveEventHandler unregisters an event handler.
func (c *Conn) RemoveEventHandler(id uint32) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, h := range c.handlers {
		if h.id == id {
			c.handlers = append(c.handlers[:i], c.handlers[i+1:]...)
			return true
		}
	}
	return false
}

func (c *Conn) online(name string) error {
	c.record(name)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.dev.ID == nil:
		return whatsmeow.ErrNotLoggedIn
	case !c.loggedIn:
		return whatsmeow.ErrNotConnected
	}
	return nil
}

// GetStatusPrivacy returns what Fake.SetStatusPrivacy set.
func (c *Conn) GetStatusPrivacy(_ context.Context) ([]types.StatusPrivacy, error) {
	if err := c.online("GetStatusPrivacy"); err != nil {
		return nil, err
	}
	c.fake.mu.Lock()
	defer c.fake.mu.Unlock()
	return slices.Clone(c.fake.statusPrivacy), nil
}

// SendPresence records the presence (see PresenceUpdates) when logged in.
// Like whatsmeow, it fails with ErrNoPushName while the device has no push
// name.
func (c *Conn) SendPresence(_ context.Context, state types.Presence) error {
	if err := c.online("SendPresence"); err != nil {
		return err
	}
	if c.pushName() == "" {
		return whatsmeow.ErrNoPushName
	}
	c.mu.Lock()
	c.updates = append(c.updates, state)
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	return nil
}

// LatestVersion answers what Fake.SetWebVersion set.
func (c *Conn) LatestVersion(_ context.Context) (store.WAVersionContainer, error) {
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.versionErr != nil {
		return store.WAVersionContainer{}, f.versionErr
	}
	return f.webVersion, nil
}

// Version returns the version the Client announces (Fake.ClientVersion).
func (c *Conn) Version() store.WAVersionContainer { return c.fake.ClientVersion() }

// SetVersion sets the version the Client announces, for every account of
// the Fake (in whatsmeow it is process-wide).
func (c *Conn) SetVersion(v store.WAVersionContainer) {
	if v.IsZero() {
		return
	}
	c.fake.mu.Lock()
	defer c.fake.mu.Unlock()
	c.fake.clientVersion = v
}

// SetDeviceProps records how the phone will list the device (see
// Conn.DeviceProps).
func (c *Conn) SetDeviceProps(name string, platform waCompanionReg.DeviceProps_PlatformType) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.props = DeviceProps{Name: name, Platform: platform}
}
