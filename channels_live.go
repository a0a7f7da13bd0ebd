package wauser

import (
	"context"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
)

// SubscribeNewsletterLiveUpdates asks WhatsApp to push a channel's live
// updates (its posts' view and reaction counts) to the account for a
// while, and returns how long WhatsApp grants: subscribe again before it
// ends to keep them coming.
func (c *Client) SubscribeNewsletterLiveUpdates(ctx context.Context, newsletter string) (time.Duration, error) {
	jid, err := newsletterJID("newsletter", newsletter)
	if err != nil {
		return 0, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return 0, err
	}
	d, err := s.conn.Client.NewsletterSubscribeLiveUpdates(ctx, jid)
	if err != nil {
		return 0, waError("subscribe to newsletter live updates", err)
	}
	return d, nil
}

// NewsletterUpdatesOptions selects the posts ListNewsletterUpdates
// returns.
type NewsletterUpdatesOptions struct {
	// Count of posts: 1 to 100; 0 means 100.
	Count int
	// Since: posts whose counts changed at or after this time (zero: any
	// time). WhatsApp takes it in seconds.
	Since time.Time
	// After: posts with a server id above this one (0: any).
	After int
}

// ListNewsletterUpdates returns the posts of a channel whose view or
// reaction counts changed (the updates live updates push), newest first,
// with their counts now.
func (c *Client) ListNewsletterUpdates(ctx context.Context, newsletter string, opts NewsletterUpdatesOptions) ([]NewsletterPost, error) {
	jid, err := newsletterJID("newsletter", newsletter)
	if err != nil {
		return nil, err
	}
	if opts.Count == 0 {
		opts.Count = maxNewsletterList
	}
	if opts.Count < 1 || opts.Count > maxNewsletterList {
		return nil, invalidArg("count", "%d; give 1 to %d", opts.Count, maxNewsletterList)
	}
	if opts.After < 0 {
		return nil, invalidArg("after", "%d is negative", opts.After)
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	got, err := s.conn.Client.GetNewsletterMessageUpdates(ctx, jid, &whatsmeow.GetNewsletterUpdatesParams{
		Count: opts.Count, Since: opts.Since, After: types.MessageServerID(opts.After)})
	if err != nil {
		return nil, waError("list newsletter updates", err)
	}
	return newsletterPosts(got), nil
}

// AcceptTOSNotice accepts a WhatsApp terms of service notice at a stage,
// as WhatsApp's apps do before the features it gates: the notice
// "20601218", stage "5", before creating channels. Both are WhatsApp's
// identifiers, 1 to 32 characters.
func (c *Client) AcceptTOSNotice(ctx context.Context, noticeID, stage string) error {
	for field, v := range map[string]string{"notice_id": noticeID, "stage": stage} {
		if !validNoticeField(v) {
			return invalidArg(field, "%q is not a notice identifier (1 to 32 letters, digits, '_' or '-')", v)
		}
	}
	s, err := c.online(ctx)
	if err != nil {
		return err
	}
	if err := s.conn.Client.AcceptTOSNotice(ctx, noticeID, stage); err != nil {
		return waError("accept terms of service notice", err)
	}
	return nil
}

// validNoticeField reports whether s can be a notice id or stage.
func validNoticeField(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
