package wauser_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waCompanionReg"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// fastForward fires every timer of the harness's clock as soon as it is
// armed (reconnect backoff and the like), until the returned stop is
// called or the test ends.
func fastForward(t *testing.T, h *harness) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if h.clock.Wait(ctx, func(p []time.Duration) bool { return len(p) > 0 }) != nil {
				return
			}
			if p := h.clock.Pending(); len(p) > 0 {
				h.clock.Advance(p[0])
			}
		}
	}()
	stop = func() {
		cancel()
		<-done
	}
	t.Cleanup(stop)
	return stop
}

// waitFor waits until cond holds for the account's status, with the
// clock fast-forwarded meanwhile.
func waitFor(t *testing.T, h *harness, bot *wauser.Client, cond func(*wauser.Status) bool) *wauser.Status {
	t.Helper()
	stop := fastForward(t, h)
	defer stop()
	st, err := bot.WaitStatus(ctxTimeout(t), cond)
	require.NoError(t, err, "last status %+v", st)
	return st
}

// reconnected waits, with the clock fast-forwarded, until the account is
// connected again on a ConnectContext after the first before.
func reconnected(t *testing.T, h *harness, bot *wauser.Client, conn *watest.Conn, before int) {
	t.Helper()
	waitFor(t, h, bot, func(s *wauser.Status) bool {
		return count(conn.Calls(), "ConnectContext") > before && s.State == wauser.StateConnected
	})
}

// TestKeepAliveSilenceReconnects: WhatsApp stops answering on an open
// socket. whatsmeow only reports the failed keepalives (its own forced
// reconnect is off under wauser), so the Client reconnects once they have
// failed for longer than whatsmeow.KeepAliveMaxFailTime.
func TestKeepAliveSilenceReconnects(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		h.fake.SetClock(h.clock)
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "ka")

		// Keepalives fail, then come back in time: nothing happens.
		conn.StallKeepAlives()
		require.NoError(t, h.clock.WaitTimers(ctx, 1))
		require.Equal(t, []time.Duration{whatsmeow.KeepAliveMaxFailTime}, h.clock.Pending(), "a watchdog until the limit")
		conn.ResumeKeepAlives()
		require.NoError(t, h.clock.Wait(ctx, func(p []time.Duration) bool { return len(p) == 0 }), "restored: the watchdog stops")
		st, err := bot.Status(ctx)
		require.NoError(t, err)
		require.Equal(t, wauser.StateConnected, st.State)

		// They fail for good: past the limit the dead socket is dropped and
		// a new connection made.
		connects := count(conn.Calls(), "ConnectContext")
		conn.StallKeepAlives()
		require.NoError(t, h.clock.WaitTimers(ctx, 1))
		h.clock.Advance(whatsmeow.KeepAliveMaxFailTime)
		_, err = bot.WaitStatus(ctx, func(*wauser.Status) bool { return count(conn.Calls(), "ConnectContext") > connects })
		require.NoError(t, err)
		waitState(t, bot, wauser.StateConnected)
		require.False(t, conn.Stalled(), "a new, healthy connection")
		evs := eventTypesOf(t, h.c, "ka")
		require.Contains(t, evs, string(wauser.EventAccountDisconnected), "the reconnect is reported")

		// A timeout reported after the limit already passed (whatsmeow
		// reports every failed ping) reconnects at once.
		connects = count(conn.Calls(), "ConnectContext")
		require.True(t, conn.Emit(&events.KeepAliveTimeout{ErrorCount: 9, LastSuccess: h.clock.Now().Add(-whatsmeow.KeepAliveMaxFailTime - time.Second)}))
		_, err = bot.WaitStatus(ctx, func(s *wauser.Status) bool {
			return count(conn.Calls(), "ConnectContext") > connects && s.State == wauser.StateConnected
		})
		require.NoError(t, err)
	})
}

// TestPresenceAnnounced: once connected, and whenever the profile name
// arrives, the account announces itself unavailable, as official linked
// devices do (others otherwise see "-" as its name); SetOnline switches
// to available, which reconnects keep.
func TestPresenceAnnounced(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		noName := phone
		noName.PushName = ""
		bot, conn := pairWith(t, h, "pr", noName)
		require.Empty(t, conn.PresenceUpdates(), "whatsmeow cannot send a presence without a push name")

		require.NoError(t, conn.SetPushName("Sales"))
		require.NoError(t, conn.WaitCalls(ctx, "SendPresence", 1))
		// (Announced once or twice: the supervisor may handle the login
		// after the name arrived.)
		require.Equal(t, []types.Presence{types.PresenceUnavailable}, slices.Compact(conn.PresenceUpdates()))
		acc, err := bot.GetAccount(ctx)
		require.NoError(t, err)
		require.Equal(t, "Sales", acc.PushName, "the profile name is stored")

		require.NoError(t, bot.SetOnline(ctx, true))
		require.Equal(t, []types.Presence{types.PresenceUnavailable, types.PresenceAvailable}, slices.Compact(conn.PresenceUpdates()))
		sent := count(conn.Calls(), "SendPresence")
		before := count(conn.Calls(), "ConnectContext")
		conn.Drop()
		reconnected(t, h, bot, conn, before)
		require.NoError(t, conn.WaitCalls(ctx, "SendPresence", sent+1))
		updates := conn.PresenceUpdates()
		require.Equal(t, types.PresenceAvailable, updates[len(updates)-1], "the choice outlives a reconnect")
	})
}

// TestClientOutdatedRefreshesVersion: WhatsApp refuses the client version
// (405). The Client looks up the current WhatsApp Web version, announces
// it, and connects once more; only when that cannot help does the account
// stop in outdated, saying why.
func TestClientOutdatedRefreshesVersion(t *testing.T) {
	t.Parallel()
	builtIn := store.GetWAVersion()
	newer := store.WAVersionContainer{builtIn[0], builtIn[1], builtIn[2] + 1000}
	newest := store.WAVersionContainer{builtIn[0], builtIn[1], builtIn[2] + 2000}
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "ver")
		require.Equal(t, builtIn, h.fake.ClientVersion())

		// WhatsApp Web moves on; the next connection gets 405, then the
		// Client retries with the new version.
		h.fake.SetWebVersion(newer, nil)
		before := count(conn.Calls(), "ConnectContext")
		conn.Drop()
		waitFor(t, h, bot, func(s *wauser.Status) bool {
			return count(conn.Calls(), "ConnectContext") >= before+2 && s.State == wauser.StateConnected
		})
		require.Equal(t, newer, h.fake.ClientVersion(), "the current version is announced")

		// Moves on again, and the version cannot be looked up: outdated.
		h.fake.SetWebVersion(newest, errors.New("web.whatsapp.com: 503 Service Unavailable"))
		before = count(conn.Calls(), "ConnectContext")
		conn.Drop()
		waitFor(t, h, bot, func(s *wauser.Status) bool { return s.State == wauser.StateOutdated })
		st, err := bot.Status(ctx)
		require.NoError(t, err)
		require.Contains(t, st.LastError, "405")
		require.Contains(t, st.LastError, "503 Service Unavailable", "says why the refresh did not help")
		require.Empty(t, h.clock.Pending(), "no more attempts")

		// Once the lookup works, Refresh gets the account back.
		h.fake.SetWebVersion(newest, nil)
		require.NoError(t, bot.Refresh(ctx, false))
		require.Equal(t, newest, h.fake.ClientVersion())
	})
}

// TestVersionCheckedAtStart: before its first connection the Client looks
// up the current WhatsApp Web version, so a fresh start pairs and
// connects without a 405 first.
func TestVersionCheckedAtStart(t *testing.T) {
	t.Parallel()
	builtIn := store.GetWAVersion()
	newer := store.WAVersionContainer{builtIn[0], builtIn[1], builtIn[2] + 1000}
	h := &harness{fake: watest.New(), clock: watest.NewClock(epoch), db: testdb.SQLite(t)}
	h.fake.SetWebVersion(newer, nil)
	h.c = h.open(t)
	bot, conn := pair(t, h, "start")
	require.Equal(t, newer, h.fake.ClientVersion())
	require.Equal(t, 2, count(conn.Calls(), "ConnectContext"), "to pair and to log in; never refused")
	evs := eventTypesOf(t, h.c, "start")
	require.NotContains(t, evs, string(wauser.EventAccountDisconnected))
	_ = bot
}

// TestFinalConnectFailureStops: a failure whatsmeow does not retry (here
// 409, the user agent refused) ends in the failed state with the reason,
// instead of being retried forever; Refresh tries again.
func TestFinalConnectFailureStops(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "cf")

		h.fake.RefuseConnections(events.ConnectFailureBadUserAgent, "bad user agent")
		conn.Drop()
		waitFor(t, h, bot, func(s *wauser.Status) bool { return s.State == wauser.StateFailed })
		st, err := bot.Status(ctx)
		require.NoError(t, err)
		require.Contains(t, st.LastError, "409")
		require.Contains(t, st.LastError, "bad user agent")
		require.Empty(t, h.clock.Pending(), "not retried")
		connects := count(conn.Calls(), "ConnectContext")
		require.Equal(t, connects, count(conn.Calls(), "ConnectContext"))

		// A failure whatsmeow retries (503) goes on with backoff instead.
		h.fake.RefuseConnections(events.ConnectFailureServiceUnavailable, "")
		require.ErrorIs(t, bot.Refresh(ctx, false), wauser.ErrNotConnected)
		st = waitState(t, bot, wauser.StateReconnecting)
		require.NoError(t, h.clock.WaitTimers(ctx, 1), "retried with backoff")

		h.fake.RefuseConnections(0, "")
		reconnected(t, h, bot, conn, count(conn.Calls(), "ConnectContext"))
		_ = st
	})
}

// TestLoginAfterPairingRetried: after the phone links the device,
// WhatsApp ends the pairing stream (515) and the device logs in on a new
// connection. When that connection fails, the Client retries with backoff
// instead of staying in connecting.
func TestLoginAfterPairingRetried(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		_, err := h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "515"})
		require.NoError(t, err)
		bot := h.c.WithAccount("515")
		_, err = bot.PairQR(ctx)
		require.NoError(t, err)
		conn, err := h.fake.WaitConn(ctx, "515")
		require.NoError(t, err)

		h.fake.SetOffline(true)
		require.NoError(t, conn.Scan(phone))
		st := waitState(t, bot, wauser.StateReconnecting)
		require.Contains(t, st.LastError, "network is unreachable")
		require.True(t, st.Paired)

		h.fake.SetOffline(false)
		reconnected(t, h, bot, conn, count(conn.Calls(), "ConnectContext"))
	})
}

// TestDeviceProps: the phone lists a device linked by wauser under the
// configured name and platform, and whatsmeow's name never shows.
func TestDeviceProps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts []wauser.Option
		want watest.DeviceProps
	}{
		{"default", nil, watest.DeviceProps{Name: "Linux", Platform: waCompanionReg.DeviceProps_CHROME}},
		{"configured", []wauser.Option{wauser.WithDevice("Mac OS", wauser.PlatformSafari)}, watest.DeviceProps{Name: "Mac OS", Platform: waCompanionReg.DeviceProps_SAFARI}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, testdb.SQLite(t), tc.opts...)
			_, conn := pair(t, h, "dev")
			require.Equal(t, tc.want, conn.DeviceProps())
		})
	}
	st := testdb.Memory(t).Open(t)
	for _, bad := range []struct {
		name     string
		platform wauser.DevicePlatform
	}{{"", wauser.PlatformChrome}, {"Linux (x86)", wauser.PlatformChrome}, {"Linux", "netscape"}} {
		_, err := wauser.New(st, wauser.WithDevice(bad.name, bad.platform))
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, "%+v", bad)
	}
}
