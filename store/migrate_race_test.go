package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/store"
	"github.com/wauser/wauser/store/postgres"
	"github.com/wauser/wauser/store/sqlite"
)

// TestConcurrentFirstStart starts several processes at once on a fresh
// database, as a deployment of several replicas does: every one of them
// must migrate (or find migrated) both wauser's tables and whatsmeow's
// device store. whatsmeow's upgrade takes no lock of its own, so it must
// run under wauser's migration lock, or two processes create its tables at
// once and one of them fails.
func TestConcurrentFirstStart(t *testing.T) {
	t.Parallel()
	const processes, rounds = 4, 4
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		for round := range rounds {
			fresh := db
			if round > 0 {
				fresh = freshDB(t, db)
			}
			var wg sync.WaitGroup
			errs := make([]error, processes)
			stores := make([]*store.Store, processes)
			for i := range processes {
				wg.Go(func() {
					var err error
					if fresh.Dialect == "sqlite" {
						stores[i], err = sqlite.Open(context.Background(), fresh.DSN())
					} else {
						stores[i], err = postgres.Open(context.Background(), fresh.DSN())
					}
					errs[i] = err
				})
			}
			wg.Wait()
			for i, st := range stores {
				if st != nil {
					t.Cleanup(func() { _ = st.Close() })
				}
				require.NoError(t, errs[i], "round %d, process %d", round, i)
			}
			var version int
			require.NoError(t, stores[0].DB().QueryRowContext(t.Context(), "SELECT version FROM whatsmeow_version").Scan(&version))
			require.Positive(t, version, "whatsmeow's device store is upgraded")
		}
	})
}

// freshDB returns another fresh database of db's dialect.
func freshDB(t *testing.T, db *testdb.DB) *testdb.DB {
	if db.Dialect == "sqlite" {
		return testdb.SQLite(t)
	}
	return testdb.Postgres(t)
}
