package lograte_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser/internal/lograte"
)

// manual is a clock the test moves.
type manual struct{ t time.Time }

func (m *manual) now() time.Time { return m.t }

// TestLimiterWritesARepeatedLineAtGrowingIntervals plays a loop that fails
// the same way every 10 s for 3 hours: its line is written at once, then
// after 1, 2, 4, 8... minutes, capped at 1 h, each time with the number of
// repeats it stood for; another line is news at once.
func TestLimiterWritesARepeatedLineAtGrowingIntervals(t *testing.T) {
	t.Parallel()
	clk := &manual{t: time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)}
	start := clk.t
	l := lograte.New[string](clk.now, 0, 0)

	var written []time.Duration
	var total int
	for i := 0; i < 3*360; i++ { // every 10 s for 3 h
		ok, suppressed := l.Allow("reconnecting: dial tcp: lookup web.whatsapp.com: no such host")
		if ok {
			written = append(written, clk.t.Sub(start))
			total += 1 + suppressed
		}
		clk.t = clk.t.Add(10 * time.Second)
	}
	want := []time.Duration{0, time.Minute, 3 * time.Minute, 7 * time.Minute, 15 * time.Minute,
		31 * time.Minute, 63 * time.Minute, 123 * time.Minute}
	require.Equal(t, want, written, "written at once, then after 1, 2, 4, 8, 16, 32 min, then every hour")
	require.Less(t, total, 3*360, "the repeats since the last line are not reported yet")
	require.Equal(t, 123*6+1, total, "the last line (at 123 min) stands for every attempt up to it")

	// Another line is news.
	ok, _ := l.Allow("reconnecting: dial tcp 157.240.0.53:443: connect: connection refused")
	require.True(t, ok)

	// After a success, the first line is news again.
	l.Reset()
	ok, suppressed := l.Allow("reconnecting: dial tcp: lookup web.whatsapp.com: no such host")
	require.True(t, ok)
	require.Zero(t, suppressed)
	ok, _ = l.Allow("reconnecting: dial tcp: lookup web.whatsapp.com: no such host")
	require.False(t, ok)
}

// TestLimiterRemembersFewLines: a loop whose errors all differ is not
// silenced, and the Limiter's memory stays bounded.
func TestLimiterRemembersFewLines(t *testing.T) {
	t.Parallel()
	clk := &manual{t: time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)}
	l := lograte.New[string](clk.now, time.Second, time.Minute)
	for i := range 200 {
		ok, _ := l.Allow(fmt.Sprintf("error %d", i))
		require.True(t, ok, "line %d", i)
	}
	ok, _ := l.Allow("error 1")
	require.False(t, ok, "remembered lines are still limited")
}
