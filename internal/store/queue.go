package store

import (
	"context"
	"fmt"
)

// DeliveryQueue returns how many webhook deliveries are still to send: due
// or waiting to be retried (pending), and waiting behind an earlier
// delivery of their endpoint and conversation (queued). Both counts read a
// partial index of their state.
func (s *Store) DeliveryQueue(ctx context.Context) (pending, queued int64, err error) {
	for _, q := range []struct {
		state string
		n     *int64
	}{{DeliveryPending, &pending}, {DeliveryQueued, &queued}} {
		n, err := s.db.NewSelect().Table("wauser_webhook_deliveries").Where("state = ?", q.state).Count(ctx)
		if err != nil {
			return 0, 0, fmt.Errorf("store: count %s deliveries: %w", q.state, err)
		}
		*q.n = int64(n)
	}
	return pending, queued, nil
}
