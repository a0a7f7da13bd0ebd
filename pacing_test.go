package wauser_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
)

// TestSendPacing: past its burst an account's sends wait their turn on the
// Client's clock, one per interval; a send whose ctx ends while waiting
// sends and stores nothing.
func TestSendPacing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t), wauser.WithSendPacing(wauser.Pacing{Burst: 2, Interval: 3 * time.Second}))
	ctx := ctxTimeout(t)
	bot, conn := pair(t, h, "bot")
	to := friendPhone.JID.String()
	h.fake.Register(to)
	for _, text := range []string{"one", "two"} {
		_, err := bot.SendText(ctx, to, text)
		require.NoError(t, err)
	}
	require.Len(t, conn.Sent(), 2, "the burst goes at once")

	done := make(chan error, 1)
	go func() {
		_, err := bot.SendText(ctx, to, "three")
		done <- err
	}()
	require.NoError(t, h.clock.WaitTimers(ctx, 1))
	require.Equal(t, []time.Duration{3 * time.Second}, h.clock.Pending(), "the third waits one interval")
	require.Len(t, conn.Sent(), 2)
	h.clock.Advance(3 * time.Second)
	require.NoError(t, <-done)
	require.Len(t, conn.Sent(), 3)

	// Reactions count too; this one gives up while waiting.
	msgs := feed(t, bot).page.Messages
	wait, cancel := context.WithCancel(ctx)
	go func() {
		_ = h.clock.WaitTimers(ctx, 1)
		cancel()
	}()
	_, err := bot.SendReaction(wait, "", string(msgs[0].MessageID), "👍")
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, conn.Sent(), 3, "nothing sent")
	require.Empty(t, feed(t, bot).msgs[msgs[0].WAMessageID].Reactions, "nothing stored")
}

// TestContactCheckThrottle: lookups past the budget are refused with a
// *RateLimitError saying when to retry, and nothing is asked.
func TestContactCheckThrottle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t), wauser.WithContactCheckPacing(wauser.Pacing{Burst: 3, Interval: time.Minute}))
	ctx := ctxTimeout(t)
	bot, conn := pair(t, h, "bot")
	_, err := bot.CheckContacts(ctx, []string{"+15550000001", "+15550000002", "+15550000003"})
	require.NoError(t, err)
	asked := count(conn.Calls(), "IsOnWhatsApp")

	_, err = bot.CheckContacts(ctx, []string{"+15550000004", "+15550000005"})
	require.ErrorIs(t, err, wauser.ErrRateLimited)
	var rl *wauser.RateLimitError
	require.True(t, errors.As(err, &rl))
	require.Equal(t, 2*time.Minute, rl.RetryAfter(), "two numbers' worth")
	require.Contains(t, err.Error(), "WithContactCheckPacing")
	require.Equal(t, asked, count(conn.Calls(), "IsOnWhatsApp"), "nothing asked")

	h.clock.Advance(2 * time.Minute)
	_, err = bot.CheckContacts(ctx, []string{"+15550000004", "+15550000005"})
	require.NoError(t, err)

	// The default lets one full call through at once, not two.
	h2 := newHarness(t, testdb.SQLite(t))
	bot2, _ := pair(t, h2, "bot2")
	phones := make([]string, 100)
	for i := range phones {
		phones[i] = fmt.Sprintf("+1555%07d", 1000000+i)
	}
	_, err = bot2.CheckContacts(ctx, phones)
	require.NoError(t, err)
	_, err = bot2.CheckContacts(ctx, phones[:1])
	require.ErrorIs(t, err, wauser.ErrRateLimited)
}

func TestPacingOptionsValidated(t *testing.T) {
	t.Parallel()
	st := testdb.Memory(t).Open(t) // New does no I/O: one store serves every attempt
	for _, p := range []wauser.Pacing{{Burst: -1, Interval: time.Second}, {Burst: 1}, {Interval: time.Second}, {Burst: 1, Interval: -time.Second}} {
		_, err := wauser.New(st, wauser.WithSendPacing(p))
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, "%+v", p)
		_, err = wauser.New(st, wauser.WithContactCheckPacing(p))
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, "%+v", p)
	}
}
