// Package watest is a fake WhatsApp for tests: of wauser itself, and of
// programs and bots built on it. It needs no phone and no network.
//
// A Fake plugs into a wauser.Client in place of WhatsApp's servers
// (wauser.New(st, fake.Option())). For every account the Client connects,
// the Fake makes a Conn that behaves like whatsmeow's client and emits
// whatsmeow's own event types: connecting an unpaired account shows QR
// codes, Conn.Scan plays the phone that scans one, and Conn.LogOut,
// Conn.ReplaceStream and Conn.Drop play WhatsApp ending the session.
//
//	fake := watest.New()
//	c, _ := wauser.New(st, fake.Option())
//	c.Start(ctx)
//	c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "bot"})
//	c.PairQR(ctx)                       // the fake shows QR codes
//	conn, _ := fake.WaitConn(ctx, "bot")
//	conn.Scan(watest.Phone{JID: types.NewJID("15551234567", types.DefaultUserServer)})
//
// Operations the Fake does not emulate return an error matching
// ErrNotEmulated, never a made-up answer.
package watest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	waLog "go.mau.fi/whatsmeow/util/log"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/wa"
)

// ErrNotEmulated is returned by WhatsApp operations the Fake does not
// emulate.
var ErrNotEmulated = errors.New("watest: operation not emulated by the fake")

// Fake is a fake WhatsApp shared by every account of a Client. It is safe
// for concurrent use.
type Fake struct {
	mu            sync.Mutex
	conns         map[string]*Conn
	changed       chan struct{}
	offline       error
	phoneCode     string
	statusPrivacy []types.StatusPrivacy
	qrSerial      int
	wg            sync.WaitGroup
}

// New returns a Fake that is online, answers phone pairing with the code
// "WAUS-ER01" and has the default status privacy (contacts).
func New() *Fake {
	return &Fake{
		conns:         map[string]*Conn{},
		changed:       make(chan struct{}),
		phoneCode:     "WAUS-ER01",
		statusPrivacy: []types.StatusPrivacy{{Type: types.StatusPrivacyTypeContacts, IsDefault: true}},
	}
}

// Option plugs the Fake into a wauser.Client.
func (f *Fake) Option() wauser.Option { return wauser.WithWhatsApp(f.factory) }

func (f *Fake) factory(account string, dev *store.Device, _ waLog.Logger) wa.Client {
	c := &Conn{fake: f, account: account, dev: dev, changed: make(chan struct{})}
	f.mu.Lock()
	f.conns[account] = c
	close(f.changed)
	f.changed = make(chan struct{})
	f.mu.Unlock()
	return c
}

// Conn returns the latest connection the Client made for account, or nil.
func (f *Fake) Conn(account string) *Conn {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns[account]
}

// WaitConn waits until the Client made a connection for account.
func (f *Fake) WaitConn(ctx context.Context, account string) (*Conn, error) {
	for {
		f.mu.Lock()
		c, ch := f.conns[account], f.changed
		f.mu.Unlock()
		if c != nil {
			return c, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("watest: wait for connection of %q: %w", account, ctx.Err())
		case <-ch:
		}
	}
}

// SetOffline(true) makes every connection attempt fail as when the network
// is down (a dial error saying "network is unreachable"); SetOffline(false)
// brings the Fake back online.
func (f *Fake) SetOffline(offline bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if offline {
		f.offline = &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: network is unreachable")}
	} else {
		f.offline = nil
	}
}

// SetPhoneCode sets the code PairPhone answers with.
func (f *Fake) SetPhoneCode(code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.phoneCode = code
}

// SetStatusPrivacy sets what GetStatusPrivacy answers.
func (f *Fake) SetStatusPrivacy(p []types.StatusPrivacy) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statusPrivacy = p
}

// Close waits for the events the Fake is still dispatching in the
// background. Call it after closing the Client.
func (f *Fake) Close() { f.wg.Wait() }

func (f *Fake) nextQRCodes(account string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	codes := make([]string, 6)
	for i := range codes {
		f.qrSerial++
		codes[i] = fmt.Sprintf("2@watest/%s/%d,noise,identity,adv", account, f.qrSerial)
	}
	return codes
}
