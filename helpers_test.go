package wauser_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

var epoch = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// harness is a started Client on a real database, talking to a watest.Fake
// on a manual clock.
type harness struct {
	c     *wauser.Client
	fake  *watest.Fake
	clock *watest.Clock
	db    *testdb.DB
	opts  []wauser.Option
}

func newHarness(t testing.TB, db *testdb.DB, opts ...wauser.Option) *harness {
	t.Helper()
	h := &harness{fake: watest.New(), clock: watest.NewClock(epoch), db: db, opts: opts}
	h.c = h.open(t)
	return h
}

// open starts a new Client (as after a process restart) on the harness's
// database, fake and clock.
func (h *harness) open(t testing.TB) *wauser.Client {
	t.Helper()
	st := h.db.Open(t)
	// Errors are logged to stderr: a failing test then shows why.
	logger := wauser.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	// Sends are not paced (the clock stands still); tests of pacing turn
	// it on in h.opts.
	c, err := wauser.New(st, append([]wauser.Option{h.fake.Option(), wauser.WithClock(h.clock), logger, wauser.WithSendPacing(wauser.Pacing{})}, h.opts...)...)
	require.NoError(t, err)
	require.NoError(t, c.Start(t.Context()))
	t.Cleanup(func() {
		_ = c.Close()
		h.fake.Close()
	})
	return c
}

func waitState(t testing.TB, c *wauser.Client, want wauser.AccountState) *wauser.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), testWait)
	defer cancel()
	st, err := c.WaitStatus(ctx, func(s *wauser.Status) bool { return s.State == want })
	require.NoError(t, err, "waiting for state %s; last status %+v", want, st)
	return st
}

// testWait bounds a test's waits for a condition: long enough for a
// 2-core machine under load, where a wait that takes seconds is slowness,
// not a bug (the package timeout of scripts/test.sh catches hangs).
const testWait = 30 * time.Second

func ctxTimeout(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testWait)
	t.Cleanup(cancel)
	return ctx
}
