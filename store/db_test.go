package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	istore "github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/store"
)

// The library's view of a Store (internal/store) is the same database and
// device store as the public one, which stays usable after it.
func TestStoreAndTheEngineShareOneDatabase(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		st := db.Open(t)
		eng := istore.Unwrap(st)
		require.NotNil(t, eng)
		require.Same(t, st.DB(), eng.DB(), "one database")
		require.Same(t, st.Container(), eng.Container(), "one device store")
		require.NoError(t, st.DB().PingContext(t.Context()))
		require.NoError(t, st.Migrate(t.Context()), "migrating again is a no-op")
		var none *store.Store
		require.Nil(t, istore.Unwrap(none))
	})
}
