package wa

import (
	"context"
	"fmt"
	"sync"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
	waLog "go.mau.fi/whatsmeow/util/log"
)

// Factory builds the network client for one account's device. The account id
// lets fakes tell accounts apart; the real factory ignores it.
type Factory func(account string, dev *store.Device, log waLog.Logger) Client

// Conn is one account's link to WhatsApp: the network client (whose
// sends run one at a time, see Serial), the offline helpers and the device
// store they share.
type Conn struct {
	Client Client
	Local  Local
	Device *store.Device
}

// NewWhatsmeow is the default Factory: a real *whatsmeow.Client configured
// for at-least-once ingestion.
//
//   - SynchronousAck and EnableDecryptedEventBuffer: a message is acknowledged
//     only after the event handler returned true, and a redelivered message
//     can still be decrypted (whatsmeow-mapping section 8).
//   - EnableAutoReconnect and login auto-reconnect are off: wauser
//     supervises reconnects itself, with backoff on its own clock and an
//     explicit account state: after failed keepalives, and after the
//     stream error 515 that follows pairing (ManualLoginReconnect).
//   - AutomaticMessageRerequestFromPhone: a message that cannot be
//     decrypted is asked again from the account's phone, as official
//     clients do.
//   - EmitAppStateEventsOnFullSync: a full app-state sync dispatches the
//     archive/pin/mute/contact events that the store is built from.
//   - ManualHistorySyncDownload: whatsmeow dispatches the message carrying
//     a history sync notification instead of downloading the blob and
//     dispatching *events.HistorySync. It acknowledges history before the
//     handler runs and ignores the handler's answer, so wauser stores the
//     notification with the message and downloads the blob itself from a
//     durable queue, as mautrix-whatsapp does.
func NewWhatsmeow(_ string, dev *store.Device, log waLog.Logger) Client {
	cli := whatsmeow.NewClient(dev, log)
	Configure(cli)
	return whatsmeowClient{cli}
}

// Configure applies wauser's settings to a whatsmeow client (see NewWhatsmeow).
func Configure(cli *whatsmeow.Client) {
	cli.SynchronousAck = true
	cli.EnableDecryptedEventBuffer = true
	cli.EnableAutoReconnect = false
	cli.DisableLoginAutoReconnect = true
	cli.AutomaticMessageRerequestFromPhone = true
	cli.EmitAppStateEventsOnFullSync = true
	cli.ManualHistorySyncDownload = true
}

// warmLibsignal makes one signature before any device exists. libsignal
// sets its package-level logger lazily on the first signature, so two
// devices made at once (two accounts pairing) race on it; after the first
// signature it is only read. This is the one package-level variable in
// wauser, and it guards third-party state, not ours.
var warmLibsignal = sync.OnceFunc(func() {
	_ = keys.NewKeyPair().CreateSignedPreKey(1)
})

// Devices opens account connections over one sqlstore container, shared by
// every account of a database (never one container per connection).
type Devices struct {
	container *sqlstore.Container
	factory   Factory
	log       waLog.Logger
}

// NewDevices returns Devices over container; a nil factory means NewWhatsmeow
// and a nil log discards.
func NewDevices(container *sqlstore.Container, factory Factory, log waLog.Logger) *Devices {
	if factory == nil {
		factory = NewWhatsmeow
	}
	if log == nil {
		log = waLog.Noop
	}
	return &Devices{container: container, factory: factory, log: log}
}

// Open returns a connection for account. With a non-empty jid it loads that
// paired device; paired reports whether it was found. With an empty jid, or
// when the device rows are gone (WhatsApp logged it out), it returns a fresh,
// unpaired device that is saved only when pairing succeeds.
func (d *Devices) Open(ctx context.Context, account string, jid types.JID) (conn *Conn, paired bool, err error) {
	warmLibsignal()
	var dev *store.Device
	if !jid.IsEmpty() {
		dev, err = d.container.GetDevice(ctx, jid)
		if err != nil {
			return nil, false, fmt.Errorf("load device %s: %w", jid, err)
		}
	}
	if dev == nil {
		dev = d.container.NewDevice()
	}
	log := d.log.Sub(account)
	cli := d.factory(account, dev, log)
	var local Local
	switch c := cli.(type) {
	case whatsmeowClient:
		local = c.Client
	case Local:
		local = c
	default:
		offline := whatsmeow.NewClient(dev, log)
		Configure(offline)
		local = offline
	}
	return &Conn{Client: Serial(cli), Local: local, Device: dev}, dev.ID != nil, nil
}

// Delete removes the rows of the device jid (keys, sessions, contacts...).
// It needs no network, and deleting a device that is already gone succeeds.
func (d *Devices) Delete(ctx context.Context, jid types.JID) error {
	if jid.IsEmpty() {
		return nil
	}
	dev, err := d.container.GetDevice(ctx, jid)
	if err != nil {
		return fmt.Errorf("load device %s: %w", jid, err)
	}
	if dev == nil {
		return nil
	}
	if err := dev.Delete(ctx); err != nil {
		return fmt.Errorf("delete device %s: %w", jid, err)
	}
	return nil
}
