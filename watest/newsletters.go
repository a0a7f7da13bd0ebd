package watest

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
)

// Newsletter describes a channel made with Fake.AddNewsletter.
type Newsletter struct {
	Name        string
	Description string
	InviteCode  string // default: generated
	Subscribers int
	Verified    bool
}

type newsletter struct {
	meta  types.NewsletterMetadata // ViewerMeta unused
	owner string                   // the account that created it (CreateNewsletter), or ""
	posts []*post                  // oldest first; see channels.go
	muted map[string]bool          // by account
}

// AddNewsletter makes a channel that accounts can look up and follow, and
// returns its JID.
func (f *Fake) AddNewsletter(n Newsletter) types.JID {
	f.mu.Lock()
	defer f.mu.Unlock()
	serial := f.next()
	jid := types.NewJID(fmt.Sprintf("120363%012d", serial), types.NewsletterServer)
	if n.InviteCode == "" {
		n.InviteCode = fmt.Sprintf("0029WaTest%014d", serial)
	}
	m := types.NewsletterMetadata{ID: jid, State: types.WrappedNewsletterState{Type: types.NewsletterStateActive}}
	m.ThreadMeta.CreationTime.Time = f.now()
	m.ThreadMeta.InviteCode = n.InviteCode
	m.ThreadMeta.Name.Text = n.Name
	m.ThreadMeta.Description.Text = n.Description
	m.ThreadMeta.SubscriberCount = n.Subscribers
	m.ThreadMeta.VerificationState = types.NewsletterVerificationStateUnverified
	if n.Verified {
		m.ThreadMeta.VerificationState = types.NewsletterVerificationStateVerified
	}
	f.newsletters[jid] = &newsletter{meta: m}
	return jid
}

// notFound is the error WhatsApp's GraphQL API answers for an unknown
// channel, as whatsmeow wraps it.
func notFound() error {
	return fmt.Errorf("graphql error: %w", types.GraphQLErrors{{
		Message:    "Not found",
		Extensions: types.GraphQLErrorExtensions{ErrorCode: 404, Severity: "CRITICAL"},
	}})
}

// metaFor returns a channel as account sees it; f.mu is held.
func (f *Fake) metaFor(account string, n *newsletter, viewer bool) *types.NewsletterMetadata {
	m := n.meta
	if viewer {
		role := types.NewsletterRoleGuest
		if f.following[account][m.ID] {
			role = types.NewsletterRoleSubscriber
		}
		mute := types.NewsletterMuteOff
		if n.muted[account] {
			mute = types.NewsletterMuteOn
		}
		if n.owner == account {
			role = types.NewsletterRoleOwner
		}
		m.ViewerMeta = &types.NewsletterViewerMetadata{Mute: mute, Role: role}
	}
	return &m
}

// GetSubscribedNewsletters returns the channels the account follows,
// ordered by JID.
func (c *Conn) GetSubscribedNewsletters(_ context.Context) ([]*types.NewsletterMetadata, error) {
	if err := c.online("GetSubscribedNewsletters"); err != nil {
		return nil, err
	}
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []*types.NewsletterMetadata{}
	for jid := range f.following[c.account] {
		if n := f.newsletters[jid]; n != nil {
			out = append(out, f.metaFor(c.account, n, true))
		}
	}
	slices.SortFunc(out, func(a, b *types.NewsletterMetadata) int { return strings.Compare(a.ID.User, b.ID.User) })
	return out, nil
}

// FollowNewsletter follows a channel and emits *events.NewsletterJoin.
func (c *Conn) FollowNewsletter(_ context.Context, jid types.JID) error {
	return c.follow("FollowNewsletter", jid, true)
}

// UnfollowNewsletter unfollows a channel and emits *events.NewsletterLeave.
func (c *Conn) UnfollowNewsletter(_ context.Context, jid types.JID) error {
	return c.follow("UnfollowNewsletter", jid, false)
}

func (c *Conn) follow(name string, jid types.JID, follow bool) error {
	if err := c.online(name); err != nil {
		return err
	}
	f := c.fake
	f.mu.Lock()
	n := f.newsletters[jid]
	if n == nil {
		f.mu.Unlock()
		return notFound()
	}
	following := f.following[c.account]
	if following == nil {
		following = map[types.JID]bool{}
		f.following[c.account] = following
	}
	var evt any
	switch {
	case follow && !following[jid]:
		following[jid] = true
		n.meta.ThreadMeta.SubscriberCount++
		evt = &events.NewsletterJoin{NewsletterMetadata: *f.metaFor(c.account, n, true)}
	case !follow && following[jid]:
		delete(following, jid)
		n.meta.ThreadMeta.SubscriberCount--
		evt = &events.NewsletterLeave{ID: jid, Role: types.NewsletterRoleGuest}
	}
	f.mu.Unlock()
	if evt != nil {
		c.Emit(evt)
	}
	return nil
}

// GetNewsletterInfo returns a channel, with the account's role in it.
func (c *Conn) GetNewsletterInfo(_ context.Context, jid types.JID) (*types.NewsletterMetadata, error) {
	if err := c.online("GetNewsletterInfo"); err != nil {
		return nil, err
	}
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.newsletters[jid]
	if n == nil {
		return nil, notFound()
	}
	return f.metaFor(c.account, n, true), nil
}

// GetNewsletterInfoWithInvite returns the channel of an invite code or link
// (https://whatsapp.com/channel/…), without the account's role, as
// whatsmeow does.
func (c *Conn) GetNewsletterInfoWithInvite(_ context.Context, key string) (*types.NewsletterMetadata, error) {
	if err := c.online("GetNewsletterInfoWithInvite"); err != nil {
		return nil, err
	}
	code := strings.TrimPrefix(key, whatsmeow.NewsletterLinkPrefix)
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.newsletters {
		if n.meta.ThreadMeta.InviteCode == code {
			return f.metaFor(c.account, n, false), nil
		}
	}
	return nil, notFound()
}
