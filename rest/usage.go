package rest

import (
	"encoding/json"
	"time"

	"github.com/wauser/wauser"
)

// GET /v1/usage (whatsapp-use.openapi.yaml's listUsage), from what wauser
// counts: the daily message quota of each connection the key reaches, kept
// in the store, and the key's request limit, kept in this handler's
// memory. wauser keeps no log of requests, so the specification's items
// (one APIUsageRecord per request) are always empty.

// usageAnswer answers GET /v1/usage.
type usageAnswer struct {
	// Items are always empty: wauser keeps no record of each request.
	Items   []json.RawMessage `json:"items"`
	Summary usageSummary      `json:"summary"`
}

// usageSummary is what wauser counts for the key.
type usageSummary struct {
	// APIKeyID is the key the usage is of.
	APIKeyID wauser.APIKeyID `json:"api_key_id"`
	// RateLimit is the key's request limit after this request, as the
	// X-RateLimit headers say; absent when rate limiting is off.
	RateLimit *usageRateLimit `json:"rate_limit,omitempty"`
	// Connections are the accounts the key reaches (or the one
	// X-WhatsApp-Use-Connection-Id names), by id.
	Connections []connectionUsage `json:"connections"`
}

// usageRateLimit is a key's request limit closest to running out
// (Options.RequestsPerMinute, or the key's own hourly limit), counted in
// the memory of the handler: each process counts its own, and a restart
// starts again.
type usageRateLimit struct {
	Limit     int       `json:"limit"`     // requests per window (a minute, or an hour)
	Remaining int       `json:"remaining"` // requests left in the window
	ResetAt   time.Time `json:"reset_at"`  // when the window ends
}

// connectionUsage is an account's daily message quota
// (Client.GetMessageQuota) and its history (Client.ListMessageCounts),
// counted in the store in the transaction that stores each message sent.
type connectionUsage struct {
	ConnectionID wauser.AccountID `json:"connection_id"`
	// MessagesSentToday are the messages counted today (UTC): every
	// message stored to be sent, including those WhatsApp then refused;
	// reactions, edits, deletions and read marks are not counted.
	MessagesSentToday int `json:"messages_sent_today"`
	// DailyMessageLimit is the quota (wauser.WithDailyMessageLimit); 0 is
	// none.
	DailyMessageLimit int `json:"daily_message_limit"`
	// MessagesRemainingToday is what is left of the quota; absent without
	// one.
	MessagesRemainingToday *int `json:"messages_remaining_today,omitempty"`
	// QuotaResetsAt is the next midnight UTC, when the count starts again.
	QuotaResetsAt time.Time `json:"quota_resets_at"`
	// Days are the counts of the most recent days with messages sent,
	// newest first, as many as the limit parameter asks.
	Days []wauser.DailyMessageCount `json:"days"`
}

// defaultUsageDays is how many days of message counts GET /v1/usage shows
// per connection without a limit parameter.
const defaultUsageDays = 30

func syncUsage() operation {
	return do(func(x *call) (*usageAnswer, error) {
		days, err := queryInt(x.r.URL.Query(), "limit", defaultUsageDays, 1)
		if err != nil {
			return nil, err
		}
		days = min(days, wauser.MaxMessageCountDays)
		accounts, err := x.reachable()
		if err != nil {
			return nil, err
		}
		out := &usageAnswer{Items: []json.RawMessage{}, Summary: usageSummary{APIKeyID: x.key.ID, Connections: []connectionUsage{}}}
		if x.rate != nil {
			out.Summary.RateLimit = &usageRateLimit{Limit: x.rate.limit, Remaining: x.rate.left, ResetAt: x.rate.reset.UTC()}
		}
		header := x.r.Header.Get(HeaderConnectionID) != ""
		for _, id := range accounts {
			c := x.c.WithAccount(id)
			if header {
				if _, err := c.GetAccount(x.ctx); err != nil {
					return nil, err
				}
			}
			q, err := c.GetMessageQuota(x.ctx)
			if err != nil {
				return nil, err
			}
			counts, err := c.ListMessageCounts(x.ctx, int(days))
			if err != nil {
				return nil, err
			}
			u := connectionUsage{ConnectionID: id, MessagesSentToday: q.Sent, DailyMessageLimit: q.Limit, QuotaResetsAt: q.ResetAt.UTC(), Days: counts}
			if q.Limit > 0 {
				left := max(q.Limit-q.Sent, 0)
				u.MessagesRemainingToday = &left
			}
			out.Summary.Connections = append(out.Summary.Connections, u)
		}
		return out, nil
	})
}
