package wauser

import (
	"container/list"
	"sync"
)

// DefaultSyncCacheBytes is how much memory SyncPageJSON's page cache may use
// unless WithSyncCache says otherwise.
const DefaultSyncCacheBytes = 32 << 20

// WithSyncCache sets how many bytes of encoded change-feed pages
// SyncPageJSON keeps in memory, least recently used first out; 0 turns the
// cache off. The default is DefaultSyncCacheBytes.
func WithSyncCache(maxBytes int64) Option {
	return func(c *config) error {
		if maxBytes < 0 {
			return invalidArg("sync cache", "must not be negative, got %d", maxBytes)
		}
		c.syncCacheBytes = maxBytes
		c.syncCacheSet = true
		return nil
	}
}

// syncKey identifies a page of the change feed. A page is a function of
// these: any change to the account's records moves its bound.
type syncKey struct {
	account AccountID
	cursor  Cursor
	limit   int
	bound   int64
}

// pageCache is a byte-bounded LRU of encoded pages. The zero budget keeps
// nothing.
type pageCache struct {
	mu     sync.Mutex
	budget int64
	used   int64
	order  *list.List // of *pageEntry, most recent first
	byKey  map[syncKey]*list.Element
}

type pageEntry struct {
	key  syncKey
	data []byte
}

func newPageCache(budget int64) *pageCache {
	return &pageCache{budget: budget, order: list.New(), byKey: map[syncKey]*list.Element{}}
}

func (c *pageCache) get(k syncKey) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[k]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*pageEntry).data, true
}

func (c *pageCache) put(k syncKey, data []byte) {
	size := int64(len(data))
	c.mu.Lock()
	defer c.mu.Unlock()
	if size > c.budget/4 || c.byKey[k] != nil {
		return // too large to be worth a quarter of the budget, or there already
	}
	c.byKey[k] = c.order.PushFront(&pageEntry{key: k, data: data})
	c.used += size
	for c.used > c.budget {
		last := c.order.Back()
		e := last.Value.(*pageEntry)
		c.order.Remove(last)
		delete(c.byKey, e.key)
		c.used -= int64(len(e.data))
	}
}
