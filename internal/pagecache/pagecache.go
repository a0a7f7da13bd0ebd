// Package pagecache is a byte-bounded least-recently-used cache of encoded
// pages (the change feed's, for SyncPageJSON).
package pagecache

import (
	"container/list"
	"sync"
)

// Cache is a byte-bounded LRU of encoded pages by key. The zero budget
// keeps nothing. It is safe for concurrent use.
type Cache[K comparable] struct {
	mu     sync.Mutex
	budget int64
	used   int64
	order  *list.List // of *entry[K], most recent first
	byKey  map[K]*list.Element
}

type entry[K comparable] struct {
	key  K
	data []byte
}

// New returns a cache of at most budget bytes of pages.
func New[K comparable](budget int64) *Cache[K] {
	return &Cache[K]{budget: budget, order: list.New(), byKey: map[K]*list.Element{}}
}

// Get returns the page under k, and marks it recently used.
func (c *Cache[K]) Get(k K) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[k]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*entry[K]).data, true
}

// Put keeps data under k, dropping the least recently used pages past the
// budget. A page larger than a quarter of the budget is not kept, nor one
// already there.
func (c *Cache[K]) Put(k K, data []byte) {
	size := int64(len(data))
	c.mu.Lock()
	defer c.mu.Unlock()
	if size > c.budget/4 || c.byKey[k] != nil {
		return // too large to be worth a quarter of the budget, or there already
	}
	c.byKey[k] = c.order.PushFront(&entry[K]{key: k, data: data})
	c.used += size
	for c.used > c.budget {
		last := c.order.Back()
		e := last.Value.(*entry[K])
		c.order.Remove(last)
		delete(c.byKey, e.key)
		c.used -= int64(len(e.data))
	}
}
