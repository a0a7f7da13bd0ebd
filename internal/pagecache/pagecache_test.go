package pagecache

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCache(t *testing.T) {
	t.Parallel()
	c := New[int](40)
	c.Put(1, make([]byte, 10))
	c.Put(2, make([]byte, 10))
	c.Put(3, make([]byte, 10))
	_, ok := c.Get(1) // 1 is now the most recently used
	require.True(t, ok)
	c.Put(4, make([]byte, 10))
	c.Put(5, make([]byte, 10)) // over budget: 2, the least recently used, goes
	_, ok = c.Get(2)
	require.False(t, ok)
	for _, k := range []int{1, 3, 4, 5} {
		_, ok := c.Get(k)
		require.True(t, ok, k)
	}
	c.Put(6, make([]byte, 11)) // more than a quarter of the budget
	_, ok = c.Get(6)
	require.False(t, ok)

	off := New[int](0)
	off.Put(1, []byte{})
	_, ok = off.Get(1)
	require.True(t, ok, "an empty page costs nothing")
	off.Put(2, []byte{1})
	_, ok = off.Get(2)
	require.False(t, ok, "a zero budget keeps nothing that costs")
}
