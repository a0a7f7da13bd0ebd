package wauser

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
)

// Newsletter is a WhatsApp channel (the Business Server API's newsletter).
type Newsletter struct {
	ID          types.JID `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	// InviteCode is the code of the channel's link, InviteLink the link
	// itself (https://whatsapp.com/channel/…).
	InviteCode      string    `json:"invite_code,omitempty"`
	InviteLink      string    `json:"invite_link,omitempty"`
	SubscriberCount int       `json:"subscriber_count"`
	Verified        bool      `json:"verified"`
	State           string    `json:"state,omitempty"` // active, suspended, geosuspended
	PictureURL      string    `json:"picture_url,omitempty"`
	PreviewURL      string    `json:"preview_url,omitempty"`
	CreatedAt       time.Time `json:"created_at,omitzero"`
	// Role and Muted are the account's relation to the channel: role is
	// subscriber, guest, admin or owner. WhatsApp does not tell them when
	// the channel was looked up by invite link.
	Role  string `json:"role,omitempty"`
	Muted bool   `json:"muted"`
}

func newsletterFromMeta(m *types.NewsletterMetadata) *Newsletter {
	t := m.ThreadMeta
	n := &Newsletter{
		ID:              m.ID,
		Name:            t.Name.Text,
		Description:     t.Description.Text,
		InviteCode:      t.InviteCode,
		SubscriberCount: t.SubscriberCount,
		Verified:        t.VerificationState == types.NewsletterVerificationStateVerified,
		State:           string(m.State.Type),
		PreviewURL:      t.Preview.URL,
	}
	if t.InviteCode != "" {
		n.InviteLink = whatsmeow.NewsletterLinkPrefix + t.InviteCode
	}
	if t.Picture != nil {
		n.PictureURL = t.Picture.URL
	}
	if !t.CreationTime.IsZero() {
		n.CreatedAt = t.CreationTime.UTC()
	}
	if m.ViewerMeta != nil {
		n.Role = string(m.ViewerMeta.Role)
		n.Muted = m.ViewerMeta.Mute == types.NewsletterMuteOn
	}
	return n
}

// parseNewsletter reads a channel reference: a channel JID (…@newsletter)
// or an invite link (https://whatsapp.com/channel/CODE, or the bare CODE).
// Exactly one of jid and code is set.
func parseNewsletter(field, s string) (jid types.JID, code string, err error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "@") {
		jid, err := parseJID(field, s, false)
		if err != nil {
			return types.EmptyJID, "", err
		}
		if jid.Server != types.NewsletterServer {
			return types.EmptyJID, "", invalidArg(field, "%q is not a channel JID (…@newsletter) or invite link", s)
		}
		return jid, "", nil
	}
	code = s
	for _, prefix := range []string{whatsmeow.NewsletterLinkPrefix, "http://whatsapp.com/channel/", "whatsapp.com/channel/"} {
		if rest, ok := strings.CutPrefix(s, prefix); ok {
			code = strings.TrimSuffix(rest, "/")
			break
		}
	}
	if !validInviteCode(code) {
		return types.EmptyJID, "", invalidArg(field, "%q is not a channel JID (…@newsletter) or invite link (https://whatsapp.com/channel/…)", s)
	}
	return types.EmptyJID, code, nil
}

// validInviteCode reports whether s looks like a channel or group invite
// code: 1 to 64 ASCII letters and digits.
func validInviteCode(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// ListNewsletters returns the channels the account follows, ordered by JID.
func (c *Client) ListNewsletters(ctx context.Context) ([]*Newsletter, error) {
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	got, err := s.conn.Client.GetSubscribedNewsletters(ctx)
	if err != nil {
		return nil, waError("list newsletters", err)
	}
	out := make([]*Newsletter, 0, len(got))
	for _, m := range got {
		if m != nil {
			out = append(out, newsletterFromMeta(m))
		}
	}
	slices.SortFunc(out, func(a, b *Newsletter) int { return strings.Compare(a.ID.String(), b.ID.String()) })
	return out, nil
}

// GetNewsletter returns a channel by JID (…@newsletter) or invite link
// (https://whatsapp.com/channel/…, or its code). It returns ErrNotFound
// when WhatsApp knows no such channel.
func (c *Client) GetNewsletter(ctx context.Context, newsletter string) (*Newsletter, error) {
	jid, code, err := parseNewsletter("newsletter", newsletter)
	if err != nil {
		return nil, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.newsletterInfo(ctx, jid, code)
	if err != nil {
		return nil, err
	}
	return newsletterFromMeta(m), nil
}

// FollowNewsletter follows a channel, given by JID or invite link; its
// posts then arrive like messages.
func (c *Client) FollowNewsletter(ctx context.Context, newsletter string) error {
	return c.followNewsletter(ctx, newsletter, true)
}

// UnfollowNewsletter stops following a channel, given by JID or invite
// link.
func (c *Client) UnfollowNewsletter(ctx context.Context, newsletter string) error {
	return c.followNewsletter(ctx, newsletter, false)
}

func (c *Client) followNewsletter(ctx context.Context, newsletter string, follow bool) error {
	jid, code, err := parseNewsletter("newsletter", newsletter)
	if err != nil {
		return err
	}
	s, err := c.online(ctx)
	if err != nil {
		return err
	}
	if code != "" {
		m, err := s.newsletterInfo(ctx, jid, code)
		if err != nil {
			return err
		}
		jid = m.ID
	}
	op := "follow newsletter"
	if follow {
		err = s.conn.Client.FollowNewsletter(ctx, jid)
	} else {
		op = "unfollow newsletter"
		err = s.conn.Client.UnfollowNewsletter(ctx, jid)
	}
	if err != nil {
		return waError(op, err)
	}
	return nil
}

// newsletterInfo looks a channel up by JID or by invite code.
func (s *session) newsletterInfo(ctx context.Context, jid types.JID, code string) (*types.NewsletterMetadata, error) {
	var (
		m   *types.NewsletterMetadata
		err error
	)
	if code != "" {
		m, err = s.conn.Client.GetNewsletterInfoWithInvite(ctx, code)
	} else {
		m, err = s.conn.Client.GetNewsletterInfo(ctx, jid)
	}
	if err != nil {
		return nil, waError("get newsletter", err)
	}
	if m == nil {
		ref := code
		if ref == "" {
			ref = jid.String()
		}
		return nil, fmt.Errorf("%w: newsletter %q", ErrNotFound, ref)
	}
	return m, nil
}
