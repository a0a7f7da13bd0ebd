package wauser

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
