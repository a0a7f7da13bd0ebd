package ids_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser/internal/ids"
)

func TestSortable(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	var got []string
	seen := map[string]bool{}
	for i := range 2000 {
		id := ids.Sortable("evt_", t0.Add(time.Duration(i/10)*time.Millisecond))
		require.True(t, strings.HasPrefix(id, "evt_"))
		require.Len(t, id, 4+21)
		require.Equal(t, strings.ToLower(id), id)
		require.False(t, seen[id], "unique")
		seen[id] = true
		got = append(got, id)
	}
	// Sorted by time: every id of a later millisecond sorts after every id
	// of an earlier one.
	for i := 10; i < len(got); i++ {
		require.Less(t, got[i-10], got[i], "id %d vs %d", i-10, i)
	}
	require.False(t, slices.IsSorted(got[:10]) && slices.IsSorted(got[10:20]) && slices.IsSorted(got[20:30]),
		"ids of one millisecond are random among themselves")
	// The epoch and before clamp to zero rather than wrapping.
	require.Less(t, ids.Sortable("", time.Unix(-5, 0)), ids.Sortable("", time.Unix(0, int64(time.Millisecond))))
}
