package wauser_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

var phone = watest.Phone{
	JID:      types.NewJID("15551234567", types.DefaultUserServer),
	LID:      types.NewJID("123456789012345", types.HiddenUserServer),
	PushName: "Sales",
}

// pair creates account id and pairs it through the fake with phone.
func pair(t testing.TB, h *harness, id wauser.AccountID) (*wauser.Client, *watest.Conn) {
	t.Helper()
	return pairWith(t, h, id, phone)
}

// pairWith creates account id and pairs it through the fake with p.
func pairWith(t testing.TB, h *harness, id wauser.AccountID, p watest.Phone) (*wauser.Client, *watest.Conn) {
	t.Helper()
	ctx := ctxTimeout(t)
	_, err := h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: id})
	require.NoError(t, err)
	bot := h.c.WithAccount(id)
	pairing, err := bot.PairQR(ctx)
	require.NoError(t, err)
	require.Equal(t, wauser.PairingQR, pairing.Status)
	conn, err := h.fake.WaitConn(ctx, string(id))
	require.NoError(t, err)
	require.NoError(t, conn.Scan(p))
	waitState(t, bot, wauser.StateConnected)
	if p.PushName != "" {
		// Once connected, the account announces its presence.
		require.NoError(t, conn.WaitCalls(ctx, "SendPresence", 1))
	}
	// The supervisor stopped rotating QR codes and has nothing scheduled.
	require.NoError(t, h.clock.Wait(ctx, func(p []time.Duration) bool { return len(p) == 0 }))
	return bot, conn
}

func TestPairQRToConnected(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		acc, err := h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "sales"})
		require.NoError(t, err)
		require.Equal(t, wauser.StateUnpaired, acc.State)

		p, err := h.c.PairQR(ctx) // unbound client, only account
		require.NoError(t, err)
		require.Equal(t, wauser.PairingQR, p.Status)
		require.Contains(t, p.QR, "2@watest/sales/")
		require.Equal(t, epoch.Add(60*time.Second), p.ExpiresAt)

		st, err := h.c.Status(ctx)
		require.NoError(t, err)
		require.Equal(t, wauser.StatePairing, st.State)
		require.False(t, st.Paired)
		require.Equal(t, p.QR, st.Pairing.QR, "the current code is readable at any time")

		conn := h.fake.Conn("sales")
		require.NoError(t, conn.Scan(phone))
		st = waitState(t, h.c, wauser.StateConnected)
		require.True(t, st.Paired)
		require.True(t, st.Connected)
		require.Equal(t, wauser.PairingPaired, st.Pairing.Status)
		require.Equal(t, "15551234567", st.JID.User)

		got, err := h.c.GetAccount(ctx)
		require.NoError(t, err)
		require.Equal(t, "+15551234567", got.Phone)
		require.Equal(t, types.NewADJID("15551234567", 0, 7), got.JID)
		require.Equal(t, phone.LID, got.LID)
		require.Equal(t, "android", got.Platform)
		require.Equal(t, epoch, got.ConnectedAt)

		// Each step wrote its event to the outbox, in order. The session
		// shows a new state before it has written the state's event, so
		// the last one may come a moment after the status.
		var evs []*store.Event
		var kinds []string
		require.Eventually(t, func() bool {
			evs, err = store.Unwrap(h.c.Store()).ListEvents(ctx, "sales", 0, 100)
			require.NoError(t, err)
			kinds = kinds[:0]
			for _, e := range evs {
				kinds = append(kinds, e.Type)
			}
			return len(kinds) >= 3
		}, 30*time.Second, time.Millisecond)
		require.Equal(t, []string{"account.qr", "account.paired", "account.connected"}, kinds)
		require.Contains(t, evs[0].Data, p.QR)
		require.Contains(t, evs[1].Data, `"phone":"+15551234567"`)

		// Pairing a paired account is refused.
		_, err = h.c.PairQR(ctx)
		require.ErrorIs(t, err, wauser.ErrAlreadyPaired)
	})
}

func TestQRCodesRotateThenExpire(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	_, err := h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "a"})
	require.NoError(t, err)
	first, err := h.c.PairQR(ctx)
	require.NoError(t, err)

	seen := map[string]bool{first.QR: true}
	require.NoError(t, h.clock.WaitTimers(ctx, 1))
	require.Equal(t, []time.Duration{60 * time.Second}, h.clock.Pending(), "the first code lives 60 s")
	for i := range 5 {
		prev := first.QR
		if i > 0 {
			st, _ := h.c.Status(ctx)
			prev = st.Pairing.QR
		}
		h.clock.Advance(h.clock.Pending()[0])
		st, err := h.c.WaitStatus(ctx, func(s *wauser.Status) bool { return s.Pairing != nil && s.Pairing.QR != prev })
		require.NoError(t, err)
		require.False(t, seen[st.Pairing.QR], "each rotation shows a new code")
		seen[st.Pairing.QR] = true
		require.NoError(t, h.clock.WaitTimers(ctx, 1))
		require.Equal(t, []time.Duration{20 * time.Second}, h.clock.Pending(), "later codes live 20 s")
	}
	// The sixth code expires: pairing fails and the socket is closed. The
	// store is kept busy meanwhile, which holds the session between its
	// state change and the writes that follow it: a status that shows the
	// account unpaired shows the failed pairing with it, never the expired
	// code.
	release := holdStore(t, store.Unwrap(h.c.Store()))
	h.clock.Advance(20 * time.Second)
	var st *wauser.Status
	require.Eventually(t, func() bool {
		s, err := h.c.Status(ctx)
		if err != nil || s.State == wauser.StatePairing {
			return false
		}
		st = s
		return true
	}, testWait, time.Millisecond)
	require.Equal(t, wauser.StateUnpaired, st.State)
	require.Equal(t, wauser.PairingFailed, st.Pairing.Status, "the pairing of the same moment as the state")
	release()
	st = waitState(t, h.c, wauser.StateUnpaired)
	require.Equal(t, wauser.PairingFailed, st.Pairing.Status)
	require.Contains(t, st.Pairing.Error, "expired")
	require.False(t, h.fake.Conn("a").Connected())

	// Pairing can start again.
	again, err := h.c.PairQR(ctx)
	require.NoError(t, err)
	require.Equal(t, wauser.PairingQR, again.Status)
	require.False(t, seen[again.QR])
}

// holdStore keeps a write transaction of st open until release: the
// Client's writes wait for it, its reads do not.
func holdStore(t *testing.T, st *store.Store) (release func()) {
	t.Helper()
	entered, done, finished := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		finished <- st.RunInTx(context.Background(), func(context.Context, bun.Tx) error {
			close(entered)
			<-done
			return nil
		})
	}()
	<-entered
	var once sync.Once
	release = func() {
		once.Do(func() {
			close(done)
			require.NoError(t, <-finished)
		})
	}
	t.Cleanup(release) // before the Client closes, should the test stop early
	return release
}

func TestPairPhone(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		_, err := h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "p"})
		require.NoError(t, err)
		h.fake.SetPhoneCode("ABCD-EFGH")
		p, err := h.c.PairPhone(ctx, "+1 (555) 123-4567")
		require.NoError(t, err)
		require.Equal(t, wauser.PairingCode, p.Status)
		require.Equal(t, "ABCD-EFGH", p.Code)

		st, err := h.c.Status(ctx)
		require.NoError(t, err)
		require.Equal(t, "ABCD-EFGH", st.Pairing.Code)
		require.Equal(t, wauser.PairingCode, st.Pairing.Status, "QR rotation keeps the code status")

		require.NoError(t, h.fake.Conn("p").Scan(phone))
		waitState(t, h.c, wauser.StateConnected)
	})
}

func TestLogoutRemovesAccountAndDevice(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		for _, offline := range []bool{false, true} {
			name := map[bool]string{false: "online", true: "offline"}[offline]
			t.Run(name, func(t *testing.T) {
				h := newHarness(t, db)
				ctx := ctxTimeout(t)
				id := wauser.AccountID("logout-" + name)
				bot, conn := pair(t, h, id)
				acc, err := bot.GetAccount(ctx)
				require.NoError(t, err)
				if offline {
					conn.Drop()
					h.fake.SetOffline(true)
					waitState(t, bot, wauser.StateReconnecting)
				}
				require.NoError(t, bot.Logout(ctx))

				if offline {
					require.NotContains(t, conn.Calls(), "Logout", "no remote logout while offline")
				} else {
					require.Contains(t, conn.Calls(), "Logout")
				}
				_, err = bot.GetAccount(ctx)
				require.ErrorIs(t, err, wauser.ErrNotFound)
				dev, err := bot.Store().Container().GetDevice(ctx, acc.JID)
				require.NoError(t, err)
				require.Nil(t, dev, "the device rows are gone")
				require.ErrorIs(t, bot.Logout(ctx), wauser.ErrNotFound)
			})
		}
	})
}

func TestLogoutWithoutStart(t *testing.T) {
	t.Parallel()
	ctx := ctxTimeout(t)
	db := testdb.SQLite(t)
	h := newHarness(t, db)
	bot, _ := pair(t, h, "x")
	acc, err := bot.GetAccount(ctx)
	require.NoError(t, err)
	require.NoError(t, h.c.Close())

	// A fresh client that was never started: no connection at all.
	c, err := wauser.New(db.Open(t), h.fake.Option())
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Logout(ctx))
	dev, err := c.Store().Container().GetDevice(ctx, acc.JID)
	require.NoError(t, err)
	require.Nil(t, dev)
	list, err := c.ListAccounts(ctx)
	require.NoError(t, err)
	require.Empty(t, list)
}

func TestLoggedOutByPhone(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "lo")
		calls := len(conn.Calls())
		disconnects := count(conn.Calls(), "Disconnect")
		require.NoError(t, conn.LogOut())
		st := waitState(t, bot, wauser.StateLoggedOut)
		require.False(t, st.Paired)
		require.Contains(t, st.LastError, "logged out")
		// The supervisor halts: it disconnects and schedules nothing.
		require.NoError(t, conn.WaitCalls(ctx, "Disconnect", disconnects+1))
		require.Empty(t, h.clock.Pending(), "no reconnect is scheduled")
		require.Equal(t, []string{"Disconnect"}, conn.Calls()[calls:])

		// The account stays, logged out, and can be paired again.
		acc, err := bot.GetAccount(ctx)
		require.NoError(t, err)
		require.Equal(t, wauser.StateLoggedOut, acc.State)
		p, err := bot.PairQR(ctx)
		require.NoError(t, err)
		require.Equal(t, wauser.PairingQR, p.Status)
		require.NotSame(t, conn, h.fake.Conn("lo"), "pairing again uses a fresh device")
	})
}

func TestStreamReplacedDoesNotReconnect(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "sr")
		connects := count(conn.Calls(), "ConnectContext")
		conn.ReplaceStream()
		st := waitState(t, bot, wauser.StateStreamReplaced)
		require.Contains(t, st.LastError, "another client")
		require.NoError(t, conn.WaitCalls(ctx, "Disconnect", 1))
		require.Empty(t, h.clock.Pending(), "no reconnect loop")
		// A late Disconnected (the socket closing) does not restart it either.
		conn.Emit(&events.Disconnected{})
		st, err := bot.Status(ctx)
		require.NoError(t, err)
		require.Equal(t, wauser.StateStreamReplaced, st.State)
		require.Empty(t, h.clock.Pending())
		require.Equal(t, connects, count(conn.Calls(), "ConnectContext"))

		// Refresh takes the session back.
		require.NoError(t, bot.Refresh(ctx, false))
		waitState(t, bot, wauser.StateConnected)
	})
}

func TestReconnectWithBackoff(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "rc")
		h.fake.SetOffline(true)
		conn.Drop()
		st := waitState(t, bot, wauser.StateReconnecting)
		require.NotEmpty(t, st.LastError)

		// Each failed attempt doubles the delay (1 s, 2 s, 4 s ± 20%).
		for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
			require.NoError(t, h.clock.WaitTimers(ctx, 1))
			d := h.clock.Pending()[0]
			require.InDelta(t, float64(want), float64(d), float64(want)/5+1, "attempt %d", i)
			before := count(conn.Calls(), "ConnectContext")
			h.clock.Advance(d)
			_, err := bot.WaitStatus(ctx, func(*wauser.Status) bool { return count(conn.Calls(), "ConnectContext") > before })
			require.NoError(t, err)
			st := waitState(t, bot, wauser.StateReconnecting)
			require.Contains(t, st.LastError, "network is unreachable")
		}
		h.fake.SetOffline(false)
		require.NoError(t, h.clock.WaitTimers(ctx, 1))
		h.clock.Advance(h.clock.Pending()[0])
		waitState(t, bot, wauser.StateConnected)
		require.Empty(t, h.clock.Pending())
	})
}

func TestRestartReconnectsPairedAccounts(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		pair(t, h, "one")
		_, err := h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "two"}) // never paired
		require.NoError(t, err)
		require.NoError(t, h.c.Close())
		require.ErrorIs(t, h.c.Close(), net.ErrClosed)

		c2 := h.open(t)
		st := waitState(t, c2.WithAccount("one"), wauser.StateConnected)
		require.Equal(t, "15551234567", st.JID.User)
		st2, err := c2.WithAccount("two").Status(ctx)
		require.NoError(t, err)
		require.Equal(t, wauser.StateUnpaired, st2.State)
		require.Nil(t, h.fake.Conn("two"), "unpaired accounts are not connected at start")
	})
}

func TestStartOfflineReportsReconnecting(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	h := newHarness(t, db)
	pair(t, h, "off")
	require.NoError(t, h.c.Close())
	h.fake.SetOffline(true)
	c2 := h.open(t)
	st := waitState(t, c2, wauser.StateReconnecting)
	require.Contains(t, st.LastError, "network is unreachable")
	require.False(t, st.Connected)
	require.True(t, st.Paired)
}

func TestAccountValidationAndResolution(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)

	_, err := h.c.Status(ctx)
	require.ErrorIs(t, err, wauser.ErrAccountRequired, "no account yet")

	for _, bad := range []wauser.AccountID{"has space", "slash/es", wauser.AccountID(make([]byte, 65))} {
		_, err := h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: bad})
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, "%q", bad)
	}
	_, err = h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "w", Webhooks: []wauser.WebhookRequest{{URL: "ftp://x"}}})
	var ae *wauser.ArgumentError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "webhooks[0].url", ae.Field)

	gen, err := h.c.CreateAccount(ctx, wauser.CreateAccountRequest{})
	require.NoError(t, err)
	require.Regexp(t, `^acc_[a-z2-7]{20}$`, string(gen.ID))
	_, err = h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: gen.ID})
	require.ErrorIs(t, err, wauser.ErrAccountExists)

	_, err = h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "b"})
	require.NoError(t, err)
	_, err = h.c.Status(ctx)
	require.ErrorIs(t, err, wauser.ErrAccountRequired, "two accounts and none bound")
	_, err = h.c.WithAccount("nope").Status(ctx)
	require.ErrorIs(t, err, wauser.ErrNotFound)
	// Ids no account can have (from a REST header, say) are not found,
	// without reaching the store, which could not even hold a NUL byte.
	for _, bad := range []wauser.AccountID{"nul\x00", "a b", wauser.AccountID(make([]byte, 65))} {
		_, err = h.c.WithAccount(bad).GetAccount(ctx)
		require.ErrorIs(t, err, wauser.ErrNotFound, "%q", bad)
		require.ErrorIs(t, h.c.WithAccount(bad).ClearChat(ctx, "15550000001@s.whatsapp.net", false), wauser.ErrNotFound, "%q", bad)
	}

	list, err := h.c.ListAccounts(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, wauser.AccountID("b"), list[1].ID)

	// Operations that need WhatsApp refuse unpaired accounts.
	require.ErrorIs(t, h.c.WithAccount("b").Refresh(ctx, false), wauser.ErrNotLoggedIn)
	_, err = h.c.WithAccount("b").StatusPrivacy(ctx)
	require.ErrorIs(t, err, wauser.ErrNotLoggedIn)
}

func TestStatusPrivacyAndAudience(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	bot, conn := pair(t, h, "st")
	friend := types.NewJID("15550000001", types.DefaultUserServer)
	blocked := types.NewJID("15550000002", types.DefaultUserServer)
	stranger := types.NewJID("15550000003", types.DefaultUserServer)
	require.NoError(t, conn.Device().Contacts.PutContactName(ctx, friend, "Fran", "Fran Friend"))
	require.NoError(t, conn.Device().Contacts.PutContactName(ctx, blocked, "Bo", "Bo Blocked"))
	_, _, err := conn.Device().Contacts.PutPushName(ctx, stranger, "not in address book")
	require.NoError(t, err)

	h.fake.SetStatusPrivacy([]types.StatusPrivacy{{Type: types.StatusPrivacyTypeBlacklist, List: []types.JID{blocked}, IsDefault: true}})
	p, err := bot.StatusPrivacy(ctx)
	require.NoError(t, err)
	require.Equal(t, []wauser.StatusPrivacy{{Type: "blacklist", List: []types.JID{blocked}, IsDefault: true}}, p)

	aud, err := bot.StatusAudience(ctx)
	require.NoError(t, err)
	require.Equal(t, []wauser.StatusViewer{{JID: friend, Name: "Fran Friend"}}, aud)

	h.fake.SetStatusPrivacy([]types.StatusPrivacy{{Type: types.StatusPrivacyTypeWhitelist, List: []types.JID{stranger}, IsDefault: true}})
	aud, err = bot.StatusAudience(ctx)
	require.NoError(t, err)
	require.Equal(t, []wauser.StatusViewer{{JID: stranger}}, aud)

	conn.Drop()
	h.fake.SetOffline(true)
	waitState(t, bot, wauser.StateReconnecting)
	_, err = bot.StatusPrivacy(ctx)
	require.ErrorIs(t, err, wauser.ErrNotConnected)
}

func count(calls []string, name string) int {
	n := 0
	for _, c := range calls {
		if c == name {
			n++
		}
	}
	return n
}

func TestUnlinkKeepsAccountDataAndKeys(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h, bot, conn := paired(t, db)
		ctx := ctxTimeout(t)
		require.True(t, conn.Emit(watest.Text(alice, alice, "U1", at(1), "keep me")))
		key, err := h.c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{Name: "k", Scopes: []wauser.Scope{wauser.ScopeRead}, Accounts: []wauser.AccountID{"acc"}})
		require.NoError(t, err)
		acc, err := bot.GetAccount(ctx)
		require.NoError(t, err)

		require.NoError(t, bot.Unlink(ctx))
		dev, err := bot.Store().Container().GetDevice(ctx, acc.JID)
		require.NoError(t, err)
		require.Nil(t, dev, "the device's keys are deleted")
		st, err := bot.Status(ctx)
		require.NoError(t, err)
		require.Equal(t, wauser.StateLoggedOut, st.State)
		require.False(t, st.Paired)
		require.Equal(t, "keep me", feed(t, bot).msgs["U1"].Body, "records stay")
		_, err = h.c.AuthenticateAPIKey(ctx, key.Key)
		require.NoError(t, err, "API keys stay")

		// It can be paired again.
		p, err := bot.PairQR(ctx)
		require.NoError(t, err)
		require.Equal(t, wauser.PairingQR, p.Status)
	})
}

func TestLogoutRevokesKeysOfTheAccount(t *testing.T) {
	t.Parallel()
	h, bot, _ := paired(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	only, err := h.c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{Name: "only", Scopes: []wauser.Scope{wauser.ScopeRead}, Accounts: []wauser.AccountID{"acc"}})
	require.NoError(t, err)
	_, err = h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "other"})
	require.NoError(t, err)
	both, err := h.c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{Name: "both", Scopes: []wauser.Scope{wauser.ScopeRead}, Accounts: []wauser.AccountID{"acc", "other"}})
	require.NoError(t, err)

	require.NoError(t, bot.Logout(ctx))
	_, err = h.c.AuthenticateAPIKey(ctx, only.Key)
	require.ErrorIs(t, err, wauser.ErrInvalidAPIKey, "a key for the removed account only is revoked")
	k, err := h.c.AuthenticateAPIKey(ctx, both.Key)
	require.NoError(t, err)
	require.Equal(t, []wauser.AccountID{"other"}, k.Accounts)

	// A new account under the old id is not reachable by old keys.
	_, err = h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "acc"})
	require.NoError(t, err)
	require.False(t, k.CanAccess("acc"))
}
