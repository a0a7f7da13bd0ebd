package wauser_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"
	"go.uber.org/mock/gomock"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/mocks"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/internal/wa"
	"github.com/wauser/wauser/watest"
)

// mockHarness wires a gomock Client into a started wauser Client on a real
// database. The handler wauser registers is captured, so the test can feed
// it whatsmeow events the way whatsmeow would.
type mockHarness struct {
	c        *wauser.Client
	m        *mocks.MockClient
	clock    *watest.Clock
	mu       sync.Mutex
	handler  whatsmeow.EventHandlerWithSuccessStatus
	dev      *store.Device
	made     int
	loggedIn atomic.Bool       // what IsLoggedIn answers
	wireIDs  map[string]string // caller's id -> the id whatsmeow made for it (genID)
}

func newMockHarness(t *testing.T, db *testdb.DB, opts ...wauser.Option) *mockHarness {
	t.Helper()
	ctrl := gomock.NewController(t)
	h := &mockHarness{m: mocks.NewMockClient(ctrl), clock: watest.NewClock(epoch)}
	factory := func(_ string, dev *store.Device, _ waLog.Logger) wa.Client {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.dev = dev
		h.made++
		return h.m
	}
	// Sends are not paced (the clock stands still); tests of pacing turn
	// it on in opts.
	c, err := wauser.New(db.Open(t), append([]wauser.Option{wauser.WithWhatsApp(factory), wauser.WithClock(h.clock), wauser.WithSendPacing(wauser.Pacing{})}, opts...)...)
	require.NoError(t, err)
	require.NoError(t, c.Start(t.Context()))
	t.Cleanup(func() {
		// Close disconnects whatever is still running.
		h.m.EXPECT().Disconnect().AnyTimes()
		_ = c.Close()
	})
	h.c = c
	return h
}

// expectSession expects the calls every session makes: registering its
// handler (captured) and, when it ends, unregistering it.
func (h *mockHarness) expectSession() {
	h.m.EXPECT().AddEventHandlerWithSuccessStatus(gomock.Any()).DoAndReturn(func(fn whatsmeow.EventHandlerWithSuccessStatus) uint32 {
		h.mu.Lock()
		h.handler = fn
		h.mu.Unlock()
		return 42
	})
	h.m.EXPECT().RemoveEventHandler(uint32(42)).Return(true).MaxTimes(1)
	h.m.EXPECT().IsLoggedIn().DoAndReturn(h.loggedIn.Load).AnyTimes()
	// The version lookup before the first connection finds whatsmeow's
	// own; a device about to pair is named.
	h.m.EXPECT().Version().Return(store.GetWAVersion()).AnyTimes()
	h.m.EXPECT().LatestVersion(gomock.Any()).Return(store.GetWAVersion(), nil).AnyTimes()
	h.m.EXPECT().SetDeviceProps(gomock.Any(), gomock.Any()).AnyTimes()
	// Once connected with a push name, the account announces its presence.
	h.m.EXPECT().SendPresence(gomock.Any(), types.PresenceUnavailable).Return(nil).AnyTimes()
}

func (h *mockHarness) emit(evt any) bool {
	h.mu.Lock()
	fn := h.handler
	h.mu.Unlock()
	return fn(evt)
}

func TestMockPairQRThenPhoneThenLogout(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newMockHarness(t, db)
		ctx := ctxTimeout(t)
		_, err := h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "m"})
		require.NoError(t, err)

		h.expectSession()
		// Connecting an unpaired device makes WhatsApp send QR codes.
		h.m.EXPECT().ConnectContext(gomock.Any()).DoAndReturn(func(context.Context) error {
			h.emit(&events.QR{Codes: []string{"2@one", "2@two"}})
			return nil
		}).Times(1)
		p, err := h.c.PairQR(ctx)
		require.NoError(t, err)
		require.Equal(t, &wauser.Pairing{Status: wauser.PairingQR, QR: "2@one", ExpiresAt: epoch.Add(60e9)}, p)

		// Phone pairing on the same connection: exact whatsmeow arguments.
		h.m.EXPECT().PairPhone(gomock.Any(), "+15551234567", true, whatsmeow.PairClientChrome, "Chrome (Linux)").Return("ABCD-EFGH", nil)
		p, err = h.c.PairPhone(ctx, "+15551234567")
		require.NoError(t, err)
		require.Equal(t, "ABCD-EFGH", p.Code)
		require.Equal(t, wauser.PairingCode, p.Status)

		// The phone links: whatsmeow saves the device, then emits PairSuccess and Connected.
		id := types.NewADJID("15551234567", 0, 4)
		require.NoError(t, wa.SaveOfflinePairing(ctx, h.dev, id, types.EmptyJID, "M", "ios", ""))
		require.True(t, h.emit(&events.PairSuccess{ID: id, Platform: "ios"}))
		h.loggedIn.Store(true)
		require.True(t, h.emit(&events.Connected{}))
		st := waitState(t, h.c, wauser.StateConnected)
		require.True(t, st.Connected)
		require.Equal(t, id, st.JID)

		// Logout: remote logout, disconnect, device rows and account removed.
		h.m.EXPECT().Logout(gomock.Any()).Return(nil)
		h.m.EXPECT().Disconnect().MinTimes(1)
		require.NoError(t, h.c.Logout(ctx))
		dev, err := h.c.Store().Container().GetDevice(ctx, id)
		require.NoError(t, err)
		require.Nil(t, dev)
		_, err = h.c.WithAccount("m").GetAccount(ctx)
		require.ErrorIs(t, err, wauser.ErrNotFound)
	})
}

func TestMockBadPhoneMakesNoCall(t *testing.T) {
	t.Parallel()
	h := newMockHarness(t, testdb.SQLite(t)) // no EXPECT: any call on the mock fails the test
	ctx := ctxTimeout(t)
	_, err := h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "bad"})
	require.NoError(t, err)
	for _, bad := range []string{"", "+", "0123456789", "+0123456789", "12345", "+1234567890123456", "+1555abc4567", "phone"} {
		_, err := h.c.PairPhone(ctx, bad)
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, "%q", bad)
		var ae *wauser.ArgumentError
		require.ErrorAs(t, err, &ae)
		require.Equal(t, "phone", ae.Field)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	require.Zero(t, h.made, "no WhatsApp client was even created")
}

// pairedMock makes a paired account whose session is connected through the mock.
func pairedMock(t *testing.T, db *testdb.DB, opts ...wauser.Option) *mockHarness {
	t.Helper()
	ctx := ctxTimeout(t)
	h := newMockHarness(t, db, opts...)
	_, err := h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "p"})
	require.NoError(t, err)
	h.expectSession()
	h.m.EXPECT().ConnectContext(gomock.Any()).DoAndReturn(func(context.Context) error {
		h.emit(&events.QR{Codes: []string{"2@q"}})
		return nil
	})
	_, err = h.c.PairQR(ctx)
	require.NoError(t, err)
	id := types.NewADJID("15550001111", 0, 2)
	require.NoError(t, wa.SaveOfflinePairing(ctx, h.dev, id, types.EmptyJID, "", "android", ""))
	h.emit(&events.PairSuccess{ID: id})
	h.loggedIn.Store(true)
	h.emit(&events.Connected{})
	waitState(t, h.c, wauser.StateConnected)
	require.NoError(t, h.clock.Wait(ctx, func(p []time.Duration) bool { return len(p) == 0 }))
	return h
}

func TestMockEndStates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		evt   any
		state wauser.AccountState
	}{
		{"logged out", &events.LoggedOut{Reason: events.ConnectFailureLoggedOut}, wauser.StateLoggedOut},
		{"stream replaced", &events.StreamReplaced{}, wauser.StateStreamReplaced},
		{"temporary ban", &events.TemporaryBan{Code: events.TempBanBroadcastList}, wauser.StateBanned},
		{"client outdated", &events.ClientOutdated{}, wauser.StateOutdated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			testdb.Each(t, func(t *testing.T, db *testdb.DB) {
				t.Parallel()
				h := pairedMock(t, db)
				ctx := ctxTimeout(t)
				halted := make(chan struct{})
				// The supervisor disconnects once and never connects again
				// (ConnectContext was expected exactly once, for pairing).
				h.m.EXPECT().Disconnect().Do(func() { close(halted) }).Times(1)
				h.loggedIn.Store(false)
				require.True(t, h.emit(tc.evt))
				waitState(t, h.c, tc.state)
				select {
				case <-halted:
				case <-ctx.Done():
					t.Fatal("supervisor did not disconnect")
				}
				// A late Disconnected cannot move an end state.
				h.emit(&events.Disconnected{})
				st, err := h.c.Status(ctx)
				require.NoError(t, err)
				require.Equal(t, tc.state, st.State)
				require.Empty(t, h.clock.Pending(), "no reconnect is scheduled")
			})
		})
	}
}

func TestMockDisconnectedReconnects(t *testing.T) {
	t.Parallel()
	h := pairedMock(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	refused := errors.New("dial tcp: connection refused")
	h.loggedIn.Store(false)
	first := h.m.EXPECT().ConnectContext(gomock.Any()).Return(refused)
	h.m.EXPECT().ConnectContext(gomock.Any()).DoAndReturn(func(context.Context) error {
		h.emit(&events.Connected{})
		return nil
	}).After(first)

	h.emit(&events.Disconnected{})
	require.NoError(t, h.clock.WaitTimers(ctx, 1))
	h.clock.Advance(h.clock.Pending()[0]) // first retry: refused
	st, err := h.c.WaitStatus(ctx, func(s *wauser.Status) bool { return s.LastError == refused.Error() })
	require.NoError(t, err)
	require.Equal(t, wauser.StateReconnecting, st.State)
	require.NoError(t, h.clock.WaitTimers(ctx, 1))
	h.clock.Advance(h.clock.Pending()[0]) // second retry: connected
	waitState(t, h.c, wauser.StateConnected)
}

func TestMockLogoutOffline(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := pairedMock(t, db)
		ctx := ctxTimeout(t)
		acc, err := h.c.GetAccount(ctx)
		require.NoError(t, err)
		h.loggedIn.Store(false) // offline: no Logout call is expected, any would fail
		h.m.EXPECT().Disconnect().MinTimes(1)
		require.NoError(t, h.c.Logout(ctx))
		dev, err := h.c.Store().Container().GetDevice(ctx, acc.JID)
		require.NoError(t, err)
		require.Nil(t, dev, "device rows removed without WhatsApp")
		_, err = h.c.GetAccount(ctx)
		require.ErrorIs(t, err, wauser.ErrAccountRequired, "no account is left")
	})
}
