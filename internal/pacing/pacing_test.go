package pacing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestReserve(t *testing.T) {
	t.Parallel()
	var ps Pacers
	r := Rate{Burst: 2, Interval: time.Second}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := Key{Send, "a"}
	require.Zero(t, ps.Reserve(a, r, now, 1, false))
	require.Zero(t, ps.Reserve(a, r, now, 1, false), "the burst")
	require.Equal(t, time.Second, ps.Reserve(a, r, now, 1, false), "then one per interval")
	require.Equal(t, 2*time.Second, ps.Reserve(a, r, now, 1, true), "refused: the wait alone")
	require.Equal(t, 2*time.Second, ps.Reserve(a, r, now, 1, true), "and nothing taken")
	require.Zero(t, ps.Reserve(Key{ContactCheck, "a"}, r, now, 2, true), "another kind has its own")
	require.Zero(t, ps.Reserve(Key{Send, "b"}, r, now, 2, true), "another account too")
	require.Zero(t, ps.Reserve(a, r, now.Add(10*time.Second), 2, true), "the bucket refills")
}
