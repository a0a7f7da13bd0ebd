package wauser_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
)

// lockedBuffer is a log destination shared with the Client's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines returns the logged lines containing s.
func (l *lockedBuffer) lines(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for line := range strings.SplitSeq(l.b.String(), "\n") {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return out
}

// TestFailingReconnectLoopLogsAtGrowingIntervals: an account that cannot
// reach WhatsApp retries every 20 s; over 10 minutes (30 attempts) each of
// its two state changes is logged when it first happens and then after 1,
// 3 and 7 minutes, not 30 times, and the later lines say how often they
// repeated. Once connected, the next failure is logged at once.
func TestFailingReconnectLoopLogsAtGrowingIntervals(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	h := newHarness(t, testdb.SQLite(t), wauser.WithLogger(logger), wauser.WithReconnectBackoff(20*time.Second, 20*time.Second))
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second) // 30 attempts on a busy machine
	defer cancel()
	bot, conn := pair(t, h, "loop")

	h.fake.SetOffline(true)
	conn.Drop()
	waitState(t, bot, wauser.StateReconnecting)
	const attempts = 30
	for range attempts {
		require.NoError(t, h.clock.WaitTimers(ctx, 1))
		before := count(conn.Calls(), "ConnectContext")
		h.clock.Advance(h.clock.Pending()[0])
		_, err := bot.WaitStatus(ctx, func(s *wauser.Status) bool {
			return count(conn.Calls(), "ConnectContext") > before && s.State == wauser.StateReconnecting
		})
		require.NoError(t, err)
	}
	failed := logs.lines(`from=connecting to=reconnecting error="failed to dial`)
	retried := logs.lines(`from=reconnecting to=connecting`)
	require.Len(t, failed, 4, "logged at once, then after 1, 3 and 7 min: %q", failed)
	require.Len(t, retried, 4, "%q", retried)
	require.Contains(t, failed[0], "network is unreachable")
	require.NotContains(t, failed[0], "repeated=")
	require.Contains(t, failed[1], "repeated=", "a later line says how often it repeated")
	require.Contains(t, failed[2], "repeated=")

	// Back online: connected is logged, and the next failure is news.
	h.fake.SetOffline(false)
	require.NoError(t, h.clock.WaitTimers(ctx, 1))
	h.clock.Advance(h.clock.Pending()[0])
	waitState(t, bot, wauser.StateConnected)
	// The line is written right after the state changes: wait for it.
	require.Eventually(t, func() bool { return len(logs.lines(`to=connected`)) == 2 }, 10*time.Second, time.Millisecond,
		"paired, then reconnected: %q", logs.lines(`to=connected`))
	h.fake.SetOffline(true)
	conn.Drop()
	waitState(t, bot, wauser.StateReconnecting)
	require.NoError(t, h.clock.WaitTimers(ctx, 1))
	before := count(conn.Calls(), "ConnectContext")
	h.clock.Advance(h.clock.Pending()[0])
	_, err := bot.WaitStatus(ctx, func(s *wauser.Status) bool {
		return count(conn.Calls(), "ConnectContext") > before && s.State == wauser.StateReconnecting
	})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(logs.lines(`from=connecting to=reconnecting error="failed to dial`)) == 5 },
		10*time.Second, time.Millisecond, "the first failure after a success is logged")
}
