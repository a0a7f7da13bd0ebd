package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
)

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// hookFixture creates account "acc" with webhook "wh".
func hookFixture(t *testing.T, st *store.Store) {
	t.Helper()
	createAccounts(t, st, "acc")
	require.NoError(t, st.InsertWebhook(t.Context(), &store.Webhook{
		ID: "wh", AccountID: "acc", URL: "https://example.com/hook", Headers: map[string]string{},
		EventTypes: []string{"*"}, ChatIDs: []string{}, ChatTypes: []string{}, Mentions: []string{},
		MessageTypes: []string{}, SettingsTypes: []string{}, Secret: "whsec_x", Enabled: true,
		CreatedAt: t0, UpdatedAt: t0,
	}))
}

// queueDeliveries fans out events first..first+n-1 of conversation conv.
func queueDeliveries(t *testing.T, st *store.Store, conv string, first, n int) []*store.WebhookDelivery {
	t.Helper()
	ds := make([]*store.WebhookDelivery, n)
	for i := range ds {
		seq := first + i
		ds[i] = &store.WebhookDelivery{
			ID: fmt.Sprintf("dlv_%s_%04d", conv, seq), WebhookID: "wh", AccountID: "acc",
			EventID: fmt.Sprintf("evt_%04d", seq), EventType: "message.received", OrderingKey: conv,
			EventSeq: int64(seq), Payload: "{}", NextAttemptAt: t0, CreatedAt: t0,
		}
	}
	require.NoError(t, st.RunInTx(t.Context(), func(ctx context.Context, tx bun.Tx) error {
		return st.InsertDeliveries(ctx, tx, ds, t0)
	}))
	return ds
}

// ids returns the ids of ds, sorted.
func ids(ds []*store.WebhookDelivery) []string {
	out := idsInOrder(ds)
	slices.Sort(out)
	return out
}

func delivered(ds []*store.WebhookDelivery, at time.Time) []store.DeliveryResult {
	out := make([]store.DeliveryResult, len(ds))
	for i, d := range ds {
		out[i] = store.DeliveryResult{Delivery: d, State: store.DeliveryDelivered, Status: 200 + i, At: at}
	}
	return out
}

func TestClaimDeliveriesKeepsQueueOrder(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := t.Context()
		st := db.OpenEngine(t)
		hookFixture(t, st)
		queueDeliveries(t, st, "conv_a", 1, 3)
		queueDeliveries(t, st, "conv_b", 4, 3)
		queueDeliveries(t, st, "", 7, 1) // account events: their own queue
		lease := time.Minute

		// Only the head of each queue is claimable.
		got, err := st.ClaimDeliveries(ctx, nil, t0, lease, 100, 0)
		require.NoError(t, err)
		require.Equal(t, []string{"dlv__0007", "dlv_conv_a_0001", "dlv_conv_b_0004"}, ids(got))
		for _, d := range got {
			require.Equal(t, t0.Add(lease), d.ClaimedUntil.UTC())
			require.Equal(t, store.DeliveryPending, d.State)
		}
		again, err := st.ClaimDeliveries(ctx, nil, t0, lease, 100, 0)
		require.NoError(t, err)
		require.Empty(t, again, "claimed deliveries are not claimed twice")

		// Recording the heads promotes the next of each queue and claims it
		// in the same transaction.
		at := t0.Add(time.Second)
		next, err := st.ClaimDeliveries(ctx, delivered(got, at), at, lease, 100, 0)
		require.NoError(t, err)
		require.Equal(t, []string{"dlv_conv_a_0002", "dlv_conv_b_0005"}, ids(next))
		for _, d := range next {
			require.Equal(t, at.Add(lease), d.ClaimedUntil.UTC())
		}
		head, err := st.GetDelivery(ctx, "acc", "dlv_conv_a_0001")
		require.NoError(t, err)
		require.Equal(t, store.DeliveryDelivered, head.State)
		require.Equal(t, 1, head.Attempts)
		require.Equal(t, at, head.DeliveredAt.UTC())
		require.Equal(t, at, head.LastAttemptAt.UTC())
		require.True(t, head.ClaimedUntil.IsZero())
		require.Contains(t, []int{200, 201, 202}, head.LastStatus)

		// A retry keeps its queue blocked; a failure ends it; a released
		// delivery is claimable again at once.
		a2, b5 := next[0], next[1]
		if a2.OrderingKey != "conv_a" {
			a2, b5 = b5, a2
		}
		retryAt := at.Add(time.Hour)
		results := []store.DeliveryResult{
			{Delivery: a2, State: store.DeliveryPending, Status: 503, Error: "HTTP 503", At: at, Next: retryAt},
			{Delivery: b5, State: store.DeliveryFailed, Status: 410, Error: "HTTP 410", At: at},
		}
		next, err = st.ClaimDeliveries(ctx, results, at, lease, 100, 0)
		require.NoError(t, err)
		require.Equal(t, []string{"dlv_conv_b_0006"}, ids(next))
		retry, err := st.GetDelivery(ctx, "acc", a2.ID)
		require.NoError(t, err)
		require.Equal(t, store.DeliveryPending, retry.State)
		require.Equal(t, retryAt, retry.NextAttemptAt.UTC())
		require.Equal(t, "HTTP 503", retry.LastError)
		due, ok, err := st.NextDeliveryDue(ctx)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, retryAt, due.UTC(), "the retry; claimed deliveries do not count")

		require.NoError(t, st.RecordDeliveries(ctx, []store.DeliveryResult{{Delivery: next[0], Released: true, At: at}}))
		released, err := st.GetDelivery(ctx, "acc", next[0].ID)
		require.NoError(t, err)
		require.Equal(t, 0, released.Attempts, "a release is no attempt")
		got, err = st.ClaimDeliveries(ctx, nil, at, lease, 100, 0)
		require.NoError(t, err)
		require.Equal(t, []string{"dlv_conv_b_0006"}, ids(got))
		_, err = st.ClaimDeliveries(ctx, []store.DeliveryResult{{Delivery: got[0], State: store.DeliveryDelivered, Status: 200, At: at}}, at, lease, 100, 0)
		require.NoError(t, err)

		// An expired claim is claimable again.
		queueDeliveries(t, st, "conv_b", 8, 1)
		got, err = st.ClaimDeliveries(ctx, nil, at, lease, 100, 0)
		require.NoError(t, err)
		require.Equal(t, []string{"dlv_conv_b_0008"}, ids(got))
		later := at.Add(2 * lease)
		got, err = st.ClaimDeliveries(ctx, nil, later, lease, 100, 0)
		require.NoError(t, err)
		require.Equal(t, []string{"dlv_conv_b_0008"}, ids(got))
	})
}

func TestClaimDeliveriesSkipsLockedRows(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := testdb.Postgres(t)
	stA, stB := db.OpenEngine(t), db.OpenEngine(t) // two processes
	hookFixture(t, stA)
	for i := range 200 {
		queueDeliveries(t, stA, fmt.Sprintf("c%03d", i), i+1, 1)
	}

	// Process A holds 5 rows locked in a transaction it has not finished.
	locked := make(chan []string)
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = stA.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			var ids []string
			if err := tx.NewSelect().Model((*store.WebhookDelivery)(nil)).Column("id").
				Order("id").Limit(5).For("UPDATE").Scan(ctx, &ids); err != nil {
				return err
			}
			locked <- ids
			<-release
			return nil
		})
	})
	held := <-locked
	// B claims without waiting for A, and skips A's rows.
	bctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	got, err := stB.ClaimDeliveries(bctx, nil, t0, time.Minute, 1000, 0)
	require.NoError(t, err)
	require.Len(t, got, 195)
	for _, d := range got {
		require.NotContains(t, held, d.ID)
	}
	close(release)
	wg.Wait()

	// Both processes claiming at once never claim one delivery twice.
	later := t0.Add(2 * time.Minute) // every claim above expired
	claims := make([][]*store.WebhookDelivery, 2)
	var cwg sync.WaitGroup
	for p, st := range []*store.Store{stA, stB} {
		cwg.Go(func() {
			for {
				ds, err := st.ClaimDeliveries(ctx, nil, later, time.Minute, 7, 0)
				if err != nil || len(ds) == 0 {
					return
				}
				claims[p] = append(claims[p], ds...)
			}
		})
	}
	cwg.Wait()
	all := append(ids(claims[0]), ids(claims[1])...)
	require.Len(t, all, 200)
	slices.Sort(all)
	require.Len(t, slices.Compact(all), 200, "no delivery claimed by both")
	t.Logf("claimed %d by A, %d by B", len(claims[0]), len(claims[1]))
}

// A fan-out that queues behind a delivery whose end is being recorded at the
// same moment must not leave its queue without a pending delivery.
func TestFanoutNeverStrandsAQueue(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := testdb.Postgres(t)
	stA, stB := db.OpenEngine(t), db.OpenEngine(t)
	hookFixture(t, stA)
	queueDeliveries(t, stA, "conv", 1, 1)
	head, err := stA.ClaimDeliveries(ctx, nil, t0, time.Minute, 10, 0)
	require.NoError(t, err)
	require.Len(t, head, 1)

	// The fan-out of event 2 is in progress (not committed) while the end
	// of delivery 1 is recorded by another process.
	inserted := make(chan struct{})
	commit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		err := stA.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			z := []*store.WebhookDelivery{{
				ID: "dlv_conv_0002", WebhookID: "wh", AccountID: "acc", EventID: "evt_0002",
				EventType: "message.received", OrderingKey: "conv", EventSeq: 2, Payload: "{}",
				NextAttemptAt: t0, CreatedAt: t0,
			}}
			if err := stA.InsertDeliveries(ctx, tx, z, t0); err != nil {
				return err
			}
			close(inserted)
			<-commit
			return nil
		})
		require.NoError(t, err)
	})
	<-inserted
	recorded := make(chan []*store.WebhookDelivery)
	wg.Go(func() {
		next, err := stB.ClaimDeliveries(ctx, delivered(head, t0), t0, time.Minute, 10, 0)
		require.NoError(t, err)
		recorded <- next
	})
	// The record waits for the fan-out's lock on delivery 1...
	require.Eventually(t, func() bool {
		var waiting int
		err := stA.DB().QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&waiting)
		return err == nil && waiting > 0
	}, 10*time.Second, 5*time.Millisecond)
	select {
	case <-recorded:
		t.Fatal("the end of delivery 1 was recorded while the fan-out that saw it active was still open")
	default:
	}
	// ...and, once the fan-out committed, sees its delivery.
	close(commit)
	next := <-recorded
	wg.Wait()
	require.Equal(t, []string{"dlv_conv_0002"}, ids(next), "the record saw the committed fan-out and moved the queue on")
}

func TestPruneOutbox(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := t.Context()
		st := db.OpenEngine(t)
		hookFixture(t, st)
		// Deliveries: three finished ones and a queue that is not.
		old := queueDeliveries(t, st, "old", 1, 3)
		got, err := st.ClaimDeliveries(ctx, nil, t0, time.Minute, 10, 0)
		require.NoError(t, err)
		require.Len(t, got, 1)
		got, err = st.ClaimDeliveries(ctx, delivered(got, t0), t0, time.Minute, 10, 0)
		require.NoError(t, err)
		_, err = st.ClaimDeliveries(ctx, []store.DeliveryResult{{Delivery: got[0], State: store.DeliveryFailed, At: t0}}, t0, time.Minute, 10, 0)
		require.NoError(t, err)
		queueDeliveries(t, st, "open", 10, 2) // pending + queued: never pruned

		// Events 1..10, of which the webhooks consumer passed 8 and the
		// handlers consumer 6.
		evs := make([]*store.Event, 10)
		for i := range evs {
			evs[i] = &store.Event{AccountID: "acc", ID: fmt.Sprintf("evt_%d", i+1), Type: "message.received", Data: "{}", OccurredAt: t0}
		}
		require.NoError(t, st.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if err := store.InsertEvents(ctx, tx, evs); err != nil {
				return err
			}
			if err := store.AdvanceConsumer(ctx, tx, "acc", store.ConsumerWebhooks, 0, 8); err != nil {
				return err
			}
			return store.AdvanceConsumer(ctx, tx, "acc", store.ConsumerHandlers, 0, 6)
		}))

		n, err := st.PruneOutbox(ctx, t0) // nothing is older than t0
		require.NoError(t, err)
		require.Zero(t, n)

		n, err = st.PruneOutbox(ctx, t0.Add(time.Hour))
		require.NoError(t, err)
		require.Equal(t, 2+6, n, "2 finished deliveries, 6 consumed events")
		left, err := st.ListDeliveries(ctx, "acc", "wh", store.ListDeliveriesOptions{Limit: 100})
		require.NoError(t, err)
		require.ElementsMatch(t, []string{old[2].ID, "dlv_open_0010", "dlv_open_0011"}, ids(left),
			"the third old delivery was promoted, not finished")
		rest, err := st.ListEvents(ctx, "acc", 0, 100)
		require.NoError(t, err)
		require.Len(t, rest, 4)
		require.Equal(t, int64(7), rest[0].Seq, "only events every consumer passed are pruned")
	})
}

// The deliveries of one event to several webhooks store its body once; the
// reads return it as the payload, and the prune deletes it only once no
// delivery names it.
func TestDeliveryBodiesShared(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := t.Context()
		st := db.OpenEngine(t)
		hookFixture(t, st)
		require.NoError(t, st.InsertWebhook(ctx, &store.Webhook{
			ID: "wh2", AccountID: "acc", URL: "https://example.com/other", Headers: map[string]string{},
			EventTypes: []string{"*"}, ChatIDs: []string{}, ChatTypes: []string{}, Mentions: []string{},
			MessageTypes: []string{}, SettingsTypes: []string{}, Secret: "whsec_x", Enabled: true,
			CreatedAt: t0, UpdatedAt: t0,
		}))
		const body = `{"id":"evt_1","type":"message.received"}`
		ds := []*store.WebhookDelivery{}
		for _, hook := range []string{"wh", "wh2"} {
			ds = append(ds, &store.WebhookDelivery{
				ID: "dlv_" + hook, WebhookID: hook, AccountID: "acc", EventID: "evt_1", EventType: "message.received",
				OrderingKey: "conv", EventSeq: 1, Payload: body, BodyID: "evt_1:wauser", NextAttemptAt: t0, CreatedAt: t0,
			})
		}
		require.NoError(t, st.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			return st.InsertDeliveries(ctx, tx, ds, t0)
		}))
		require.Equal(t, body, ds[0].Payload, "the caller's deliveries keep their payload")
		count := func(query string) int {
			var n int
			require.NoError(t, st.DB().NewRaw(query).Scan(ctx, &n))
			return n
		}
		require.Equal(t, 1, count("SELECT COUNT(*) FROM wauser_webhook_bodies"), "one body for both deliveries")
		// Fanning the event out again changes nothing.
		again := []*store.WebhookDelivery{{ID: "dlv_again", WebhookID: "wh", AccountID: "acc", EventID: "evt_1",
			EventType: "message.received", OrderingKey: "conv", EventSeq: 1, Payload: "{}", BodyID: "evt_1:wauser",
			NextAttemptAt: t0, CreatedAt: t0}}
		require.NoError(t, st.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			return st.InsertDeliveries(ctx, tx, again, t0)
		}))
		require.Equal(t, 2, count("SELECT COUNT(*) FROM wauser_webhook_deliveries"))
		require.Equal(t, 1, count("SELECT COUNT(*) FROM wauser_webhook_bodies WHERE body = '"+body+"'"), "the first body stays")
		require.Equal(t, 2, count("SELECT COUNT(*) FROM wauser_webhook_deliveries WHERE payload = ''"), "not stored per delivery")

		got, err := st.ClaimDeliveries(ctx, nil, t0, time.Minute, 10, 0)
		require.NoError(t, err)
		require.Len(t, got, 2)
		for _, d := range got {
			require.Equal(t, body, d.Payload, "claimed with its body")
		}
		one, err := st.GetDelivery(ctx, "acc", "dlv_wh2")
		require.NoError(t, err)
		require.Equal(t, body, one.Payload)

		// Finish the first: the body stays, the other delivery names it.
		_, err = st.ClaimDeliveries(ctx, delivered(got[:1], t0), t0, time.Minute, 0, 0)
		require.NoError(t, err)
		_, err = st.PruneOutbox(ctx, t0.Add(time.Hour))
		require.NoError(t, err)
		require.Equal(t, 1, count("SELECT COUNT(*) FROM wauser_webhook_bodies"))
		list, err := st.ListDeliveries(ctx, "acc", got[1].WebhookID, store.ListDeliveriesOptions{Limit: 10})
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, body, list[0].Payload, "the delivery log shows the body sent")

		_, err = st.ClaimDeliveries(ctx, delivered(got[1:], t0), t0, time.Minute, 0, 0)
		require.NoError(t, err)
		n, err := st.PruneOutbox(ctx, t0.Add(time.Hour))
		require.NoError(t, err)
		require.Equal(t, 2, n, "the delivery and its body")
		require.Zero(t, count("SELECT COUNT(*) FROM wauser_webhook_bodies"))
	})
}

// A claim with followers: each head brings the next queued deliveries of
// its queue, unwritten; a chain's results end the queue where its last
// attempt ended, and a follower left unsent stays queued and heads the
// queue next.
func TestClaimDeliveriesFollowers(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := t.Context()
		st := db.OpenEngine(t)
		hookFixture(t, st)
		queueDeliveries(t, st, "conv_a", 1, 5)
		queueDeliveries(t, st, "conv_b", 6, 2)
		queueDeliveries(t, st, "", 8, 1)
		lease := time.Minute

		heads, err := st.ClaimDeliveries(ctx, nil, t0, lease, 100, 3)
		require.NoError(t, err)
		require.Equal(t, []string{"dlv__0008", "dlv_conv_a_0001", "dlv_conv_b_0006"}, ids(heads))
		byID := map[string]*store.WebhookDelivery{}
		for _, h := range heads {
			byID[h.ID] = h
		}
		a1, b6 := byID["dlv_conv_a_0001"], byID["dlv_conv_b_0006"]
		require.Equal(t, []string{"dlv_conv_a_0002", "dlv_conv_a_0003", "dlv_conv_a_0004"}, idsInOrder(a1.Followers), "oldest first, at most 3")
		require.Equal(t, []string{"dlv_conv_b_0007"}, idsInOrder(b6.Followers))
		require.Empty(t, byID["dlv__0008"].Followers)
		require.True(t, a1.Behind)
		require.True(t, b6.Behind)
		require.False(t, byID["dlv__0008"].Behind, "nothing queued behind the account queue's only delivery")
		for _, f := range append(a1.Followers, b6.Followers...) {
			require.Equal(t, store.DeliveryQueued, f.State)
			require.Equal(t, "{}", f.Payload, "a follower comes with its body")
			require.Equal(t, t0.Add(lease), f.ClaimedUntil.UTC(), "the head's claim covers it")
			stored, err := st.GetDelivery(ctx, "acc", f.ID)
			require.NoError(t, err)
			require.Equal(t, store.DeliveryQueued, stored.State, "followers are not written")
			require.True(t, stored.ClaimedUntil.IsZero())
		}
		again, err := st.ClaimDeliveries(ctx, nil, t0, lease, 100, 3)
		require.NoError(t, err)
		require.Empty(t, again, "a follower is no head: nothing more is claimable")

		// conv_a: 1 and 2 delivered, 3 to retry (4 was not sent); conv_b:
		// both delivered; the account queue's only delivery failed.
		at := t0.Add(time.Second)
		retryAt := at.Add(time.Hour)
		results := []store.DeliveryResult{
			{Delivery: a1, State: store.DeliveryDelivered, Status: 200, At: at},
			{Delivery: a1.Followers[0], State: store.DeliveryDelivered, Status: 200, At: at},
			{Delivery: a1.Followers[1], State: store.DeliveryPending, Status: 503, Error: "HTTP 503", At: at, Next: retryAt},
			{Delivery: b6, State: store.DeliveryDelivered, Status: 200, At: at},
			{Delivery: b6.Followers[0], State: store.DeliveryDelivered, Status: 204, At: at},
			{Delivery: byID["dlv__0008"], State: store.DeliveryFailed, Status: 410, At: at},
		}
		next, err := st.ClaimDeliveries(ctx, results, at, lease, 100, 3)
		require.NoError(t, err)
		require.Empty(t, next, "conv_a waits for its retry; the others are empty")
		for id, want := range map[string]string{
			"dlv_conv_a_0002": store.DeliveryDelivered, "dlv_conv_a_0003": store.DeliveryPending,
			"dlv_conv_a_0004": store.DeliveryQueued, "dlv_conv_b_0007": store.DeliveryDelivered,
		} {
			d, err := st.GetDelivery(ctx, "acc", id)
			require.NoError(t, err)
			require.Equal(t, want, d.State, id)
		}
		b7, err := st.GetDelivery(ctx, "acc", "dlv_conv_b_0007")
		require.NoError(t, err)
		require.Equal(t, 1, b7.Attempts)
		require.Equal(t, 204, b7.LastStatus)
		require.Equal(t, at, b7.DeliveredAt.UTC())
		a3, err := st.GetDelivery(ctx, "acc", "dlv_conv_a_0003")
		require.NoError(t, err)
		require.Equal(t, retryAt, a3.NextAttemptAt.UTC())
		require.Equal(t, 1, a3.Attempts)

		// The retry is due: it heads conv_a with 4 and 5 behind it. It is
		// delivered, 4 is released unsent (the worker stopped): 4 heads the
		// queue, claimed at once, with 5 behind it.
		heads, err = st.ClaimDeliveries(ctx, nil, retryAt, lease, 100, 3)
		require.NoError(t, err)
		require.Equal(t, []string{"dlv_conv_a_0003"}, ids(heads))
		require.Equal(t, []string{"dlv_conv_a_0004", "dlv_conv_a_0005"}, idsInOrder(heads[0].Followers))
		later := retryAt.Add(time.Second)
		next, err = st.ClaimDeliveries(ctx, []store.DeliveryResult{
			{Delivery: heads[0], State: store.DeliveryDelivered, Status: 200, At: later},
			{Delivery: heads[0].Followers[0], Released: true, At: later},
		}, later, lease, 100, 3)
		require.NoError(t, err)
		require.Equal(t, []string{"dlv_conv_a_0004"}, ids(next))
		require.Equal(t, store.DeliveryPending, next[0].State)
		require.Equal(t, 0, next[0].Attempts, "a release is no attempt")
		require.Equal(t, later.Add(lease), next[0].ClaimedUntil.UTC())
		require.Equal(t, []string{"dlv_conv_a_0005"}, idsInOrder(next[0].Followers))
	})
}

// idsInOrder returns the ids of ds in their order.
func idsInOrder(ds []*store.WebhookDelivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

// Followers are read only while their head is still pending: when the end
// of the head was recorded first (by a worker whose claim had run out),
// its queue moved on and the head goes alone.
func TestFollowersNeedAPendingHead(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		ctx := t.Context()
		st := db.OpenEngine(t)
		hookFixture(t, st)
		queueDeliveries(t, st, "conv_a", 1, 4)
		queueDeliveries(t, st, "conv_b", 5, 3)
		heads, err := st.ClaimDeliveries(ctx, nil, t0, time.Minute, 100, 0)
		require.NoError(t, err)
		require.Len(t, heads, 2)
		a1, b5 := heads[0], heads[1]
		if a1.OrderingKey != "conv_a" {
			a1, b5 = b5, a1
		}
		// conv_a's head and its next delivery are recorded as delivered,
		// which promotes the third.
		require.NoError(t, st.RecordDeliveries(ctx, []store.DeliveryResult{
			{Delivery: a1, State: store.DeliveryDelivered, Status: 200, At: t0},
			{Delivery: &store.WebhookDelivery{ID: "dlv_conv_a_0002", WebhookID: "wh", OrderingKey: "conv_a"}, State: store.DeliveryDelivered, Status: 200, At: t0},
		}))
		require.NoError(t, store.ReadFollowers(st, ctx, []*store.WebhookDelivery{a1, b5}, 3))
		require.Empty(t, a1.Followers, "conv_a moved on: its fourth delivery must not follow the first")
		require.Equal(t, []string{"dlv_conv_b_0006", "dlv_conv_b_0007"}, idsInOrder(b5.Followers))
	})
}
