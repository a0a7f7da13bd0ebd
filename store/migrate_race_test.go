package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/store"
	"github.com/wauser/wauser/store/postgres"
)

// TestConcurrentFirstStart starts several processes at once on a fresh
// PostgreSQL database, as a deployment of several replicas sharing one
// does: every one of them must migrate (or find migrated) both wauser's
// tables and whatsmeow's device store. Neither bun's migration tables nor
// whatsmeow's upgrade take a lock of their own, so all of it runs under
// one: otherwise two processes create the same tables at once and one of
// them fails.
func TestConcurrentFirstStart(t *testing.T) {
	t.Parallel()
	const processes, rounds = 4, 4
	for round := range rounds {
		fresh := testdb.Postgres(t)
		{
			var wg sync.WaitGroup
			errs := make([]error, processes)
			stores := make([]*store.Store, processes)
			for i := range processes {
				wg.Go(func() {
					stores[i], errs[i] = postgres.Open(context.Background(), fresh.DSN())
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
	}
}
