package wauser

import (
	"context"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"go.mau.fi/whatsmeow/types"
)

// CallData is the data of call.* events.
type CallData struct {
	CallID string `json:"call_id"`
	// From is who the call came from; Creator who started it (the same
	// in a call between two people).
	From    string `json:"from"`
	Creator string `json:"creator,omitempty"`
	// Group is set for group calls; GroupJID names the group when
	// WhatsApp says.
	Group    bool   `json:"group"`
	GroupJID string `json:"group_jid,omitempty"`
	// Media is "audio" or "video", on call.offer.
	Media string `json:"media,omitempty"`
	// At is when WhatsApp says it happened.
	At time.Time `json:"at,omitzero"`
	// Reason is why a call ended, when WhatsApp says ("timeout": it rang
	// out; "rejected": declined).
	Reason string `json:"reason,omitempty"`
}

func isCallEvent(t EventType) bool { return strings.HasPrefix(string(t), "call.") }

// Call decodes the data of a call.* event.
func (e Event) Call() (*CallData, error) {
	return decodeData[CallData](e, "call", isCallEvent)
}

// OnCall registers fn for call.* events (offer, accepted, ended, missed)
// with their decoded data, as OnEvent does.
func (c *Client) OnCall(fn func(ctx context.Context, e Event, call *CallData)) (remove func()) {
	return onTyped(c, Event.Call, fn, EventCallOffer, EventCallAccepted, EventCallEnded, EventCallMissed)
}

// RejectCall declines a call ringing on the account (from and callID as a
// call.offer event gives them): the caller sees it declined. When WhatsApp
// reports the call's end to the account, that is a call.missed event.
func (c *Client) RejectCall(ctx context.Context, from, callID string) error {
	jid, err := parseUser("from", from)
	if err != nil {
		return err
	}
	if callID == "" || len(callID) > 128 || strings.ContainsAny(callID, " \r\n\x00") {
		return invalidArg("call_id", "%q is not a call id", callID)
	}
	s, err := c.online(ctx)
	if err != nil {
		return err
	}
	if err := s.conn.Client.RejectCall(ctx, jid, callID); err != nil {
		return waError("reject call", err)
	}
	return nil
}

// CallRejection configures WithCallRejection.
type CallRejection struct {
	// Reply, when not empty, is sent to the caller as a text message after
	// the call is declined (at most 4096 characters).
	Reply string
	// MaxAge is how old a call.offer may be and still be declined
	// (default 45 seconds, about how long WhatsApp lets a call ring):
	// offers handled late, after a restart, are left alone.
	MaxAge time.Duration
}

// WithCallRejection makes the Client decline every call offered to its
// accounts between two people (group calls are left to ring), and send
// the caller r.Reply. Off by default: without it, calls ring on the
// account's phone as usual. Declining runs as an event handler (OnEvent)
// on the call.offer event: the call.offer, and the call.missed that
// follows, are still delivered to handlers and webhooks.
func WithCallRejection(r CallRejection) Option {
	return func(c *config) error {
		if utf8.RuneCountInString(r.Reply) > maxTextLen || !utf8.ValidString(r.Reply) {
			return invalidArg("reply", "at most %d characters of text", maxTextLen)
		}
		if r.MaxAge < 0 {
			return invalidArg("max_age", "negative")
		}
		if r.MaxAge == 0 {
			r.MaxAge = 45 * time.Second
		}
		c.callRejection = &r
		return nil
	}
}

// rejectCalls registers the handler of WithCallRejection.
func (c *Client) rejectCalls() {
	r := c.core.cfg.callRejection
	if r == nil {
		return
	}
	log := c.core.cfg.logger
	onTyped(c, Event.Call, func(ctx context.Context, e Event, call *CallData) {
		if call.Group {
			return
		}
		if c.core.cfg.clock.Now().Sub(e.OccurredAt) > r.MaxAge {
			return
		}
		bound := c.WithAccount(e.AccountID)
		if err := bound.RejectCall(ctx, call.From, call.CallID); err != nil {
			log.Warn("wauser: reject call", slog.String("account", string(e.AccountID)), slog.Any("error", err))
			return
		}
		if r.Reply == "" {
			return
		}
		to := call.From
		if j, err := types.ParseJID(call.Creator); err == nil && call.Creator != "" {
			to = j.String()
		}
		if _, err := bound.SendText(ctx, to, r.Reply); err != nil {
			log.Warn("wauser: reply to rejected call", slog.String("account", string(e.AccountID)), slog.Any("error", err))
		}
	}, EventCallOffer)
}
