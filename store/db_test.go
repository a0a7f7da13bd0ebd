package store_test

import (
	"database/sql"
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

// Concurrent readers reuse their connections: opening one costs far more
// than a query (a server backend on PostgreSQL; pragmas on SQLite; the
// prepared statements again on both), and database/sql keeps only 2 idle
// unless told otherwise.
func TestOpenedStoreKeepsConnections(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		sqldb := db.Open(t).DB().DB
		const readers = 8
		hold := func() {
			conns := make([]*sql.Conn, readers)
			for i := range conns {
				c, err := sqldb.Conn(t.Context())
				require.NoError(t, err)
				conns[i] = c
			}
			for _, c := range conns {
				require.NoError(t, c.Close())
			}
		}
		hold()
		opened := sqldb.Stats().OpenConnections
		require.GreaterOrEqual(t, opened, readers)
		hold()
		st := sqldb.Stats()
		require.Zero(t, st.MaxIdleClosed, "no connection closed for want of idle room")
		require.Equal(t, opened, st.OpenConnections, "the second round reused the first's connections")
	})
}
