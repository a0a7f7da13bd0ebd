package rest

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestLimiterMemoryBounded: the limiter keeps at most maxWindows windows.
// A flood of client IPs displaces other IPs, never the keys' windows,
// whose counts (an hour's, too) survive it; windows that ended go at the
// next minute.
func TestLimiterMemoryBounded(t *testing.T) {
	t.Parallel()
	l := newLimiter()
	l.maxWindows = 8
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	hour := rule{bucket: bucket{kind: bucketKeyHour, id: "key_a"}, limit: 3, period: time.Hour}
	minute := rule{bucket: bucket{kind: bucketKey, id: "key_a"}, limit: 100, period: time.Minute}
	for range 3 {
		_, ok := l.take(now, []rule{minute, hour})
		require.True(t, ok)
	}
	for i := range 1000 {
		ip := rule{bucket: bucket{kind: bucketIP, id: "10.0." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256)}, limit: 1, period: time.Minute}
		_, ok := l.take(now, []rule{ip})
		require.True(t, ok, "a new IP's first request")
		require.LessOrEqual(t, len(l.windows), l.maxWindows)
	}
	st, ok := l.take(now, []rule{minute, hour})
	require.False(t, ok, "the key's hour is still used up after the flood")
	require.Equal(t, rateState{limit: 3, left: 0, reset: now.Add(time.Hour), period: time.Hour}, st)

	// A minute later the IPs' and the key's minute windows have ended and
	// are dropped; the hour's stays.
	_, ok = l.take(now.Add(time.Minute), nil)
	require.True(t, ok)
	require.Len(t, l.windows, 1)
	require.Contains(t, l.windows, hour.bucket)

	// Keys alone filling it: it starts again rather than grow.
	for i := range 20 {
		k := rule{bucket: bucket{kind: bucketKey, id: "key_" + strconv.Itoa(i)}, limit: 1, period: time.Minute}
		_, ok := l.take(now.Add(time.Minute), []rule{k})
		require.True(t, ok)
		require.LessOrEqual(t, len(l.windows), l.maxWindows)
	}
}

// TestLimiterRefusedCountsNowhere: a request one rule refuses is not
// counted against the others.
func TestLimiterRefusedCountsNowhere(t *testing.T) {
	t.Parallel()
	l := newLimiter()
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	minute := rule{bucket: bucket{kind: bucketKey, id: "k"}, limit: 2, period: time.Minute}
	hour := rule{bucket: bucket{kind: bucketKeyHour, id: "k"}, limit: 1, period: time.Hour}
	_, ok := l.take(now, []rule{minute, hour})
	require.True(t, ok)
	for range 3 {
		_, ok = l.take(now, []rule{minute, hour})
		require.False(t, ok)
	}
	st, ok := l.take(now, []rule{minute})
	require.True(t, ok, "the refused requests did not use the minute")
	require.Equal(t, 0, st.left)
}
