package deliver

import (
	"time"

	"github.com/wauser/wauser/internal/ids"
)

// NewDeliveryID returns a fresh delivery id: "dlv_" and 21 base32
// characters that sort by now (see ids.Sortable), so a fan-out appends to
// the id index instead of writing one index page per delivery.
func NewDeliveryID(now time.Time) string { return ids.Sortable("dlv_", now) }
