package deliver

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
)

// Deliveries the pump claimed but could not hand to a worker — Close came
// between the claim and loading their webhooks, or the webhook is gone —
// are released at once, not left leased until the lease runs out: a Client
// reopened on the database claims them again right away. (Left leased, a
// restarted Client on a manual clock waited for them forever.)
func TestDispatchReleasesWhatItCannotHandOver(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := t.Context()
		st := db.OpenEngine(t)
		t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
		require.NoError(t, st.CreateAccount(ctx, &store.Account{ID: "acc", State: "connected", CreatedAt: t0, UpdatedAt: t0}, nil))
		require.NoError(t, st.InsertWebhook(ctx, &store.Webhook{
			ID: "wh", AccountID: "acc", URL: "https://example.com/hook", Headers: map[string]string{},
			EventTypes: []string{"*"}, ChatIDs: []string{}, ChatTypes: []string{}, Mentions: []string{},
			MessageTypes: []string{}, SettingsTypes: []string{}, Secret: "whsec_x", Enabled: true,
			CreatedAt: t0, UpdatedAt: t0,
		}))
		ds := make([]*store.WebhookDelivery, 4)
		for i := range ds {
			ds[i] = &store.WebhookDelivery{
				ID: fmt.Sprintf("dlv_%d", i), WebhookID: "wh", AccountID: "acc",
				EventID: fmt.Sprintf("evt_%d", i), EventType: "message.received", OrderingKey: fmt.Sprintf("conv_%d", i),
				EventSeq: int64(i + 1), Payload: "{}", NextAttemptAt: t0, CreatedAt: t0,
			}
		}
		require.NoError(t, st.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			return st.InsertDeliveries(ctx, tx, ds, t0)
		}))

		e := New(Config{Store: st, Now: func() time.Time { return t0 }, Workers: 1})
		claimed, err := st.ClaimDeliveries(ctx, nil, t0, time.Minute, 10, 0)
		require.NoError(t, err)
		require.Len(t, claimed, len(ds))
		_, ok, err := st.NextDeliveryDue(ctx)
		require.NoError(t, err)
		require.False(t, ok, "claimed deliveries are not due")

		// One of them is already being sent (claimed again while in flight):
		// that one is not released; its attempt's result records it.
		inflight := map[string]bool{claimed[0].ID: true}
		closed, cancel := context.WithCancel(ctx)
		cancel()
		jobs := make(chan job, 10)
		released := e.dispatch(closed, claimed, inflight, jobs)
		require.Empty(t, jobs, "nothing handed to the workers after Close")
		var got []string
		for _, r := range released {
			require.True(t, r.Released)
			got = append(got, r.Delivery.ID)
		}
		require.ElementsMatch(t, []string{claimed[1].ID, claimed[2].ID, claimed[3].ID}, got)

		require.NoError(t, st.RecordDeliveries(ctx, released))
		due, ok, err := st.NextDeliveryDue(ctx)
		require.NoError(t, err)
		require.True(t, ok)
		require.True(t, due.Equal(t0), "due again now, not when the lease ends: %v", due)
		again, err := st.ClaimDeliveries(ctx, nil, t0, time.Minute, 10, 0)
		require.NoError(t, err)
		require.Len(t, again, 3, "claimable at once by the next pump")

		// A delivery whose webhook is gone is released too; the rest go to
		// the workers.
		again[0].WebhookID = "wh_deleted"
		released = e.dispatch(ctx, again, map[string]bool{}, jobs)
		require.Len(t, released, 1)
		require.Equal(t, again[0].ID, released[0].Delivery.ID)
		require.Len(t, jobs, 2)
	})
}
