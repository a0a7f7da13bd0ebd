package watest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/wa"
)

// Channels an account creates and posts to. WhatsApp numbers each post of
// a channel (its server id), counts views and reactions per post, and
// keeps one reaction and one view per account.

// post is a channel post in the Fake's memory.
type post struct {
	serverID  types.MessageServerID
	id        types.MessageID
	msg       *waE2E.Message
	listing   types.NewsletterMessage // as GetNewsletterMessages lists it, but counts and message
	updated   time.Time               // when its content, views or reactions last changed (GetNewsletterMessageUpdates)
	viewers   map[string]bool
	reactions map[string]string // account -> emoji
}

// graphQLError is an error of WhatsApp's GraphQL API as whatsmeow wraps it.
func graphQLError(code int, msg string) error {
	return fmt.Errorf("graphql error: %w", types.GraphQLErrors{{
		Message:    msg,
		Extensions: types.GraphQLErrorExtensions{ErrorCode: code, Severity: "CRITICAL"},
	}})
}

// NewsletterPosts returns the posts of a channel, oldest first, as
// WhatsApp lists them (views and reaction counts included).
func (f *Fake) NewsletterPosts(jid types.JID) []*types.NewsletterMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.newsletters[jid]
	if n == nil {
		return nil
	}
	out := make([]*types.NewsletterMessage, 0, len(n.posts))
	for _, p := range n.posts {
		out = append(out, p.listed())
	}
	return out
}

// listed returns p as GetNewsletterMessages lists it; f.mu is held.
func (p *post) listed() *types.NewsletterMessage {
	m := p.listing
	m.ViewsCount = len(p.viewers)
	m.ReactionCounts = map[string]int{}
	for _, e := range p.reactions {
		m.ReactionCounts[e]++
	}
	m.Message = proto.CloneOf(p.msg)
	return &m
}

// CreateNewsletter creates a channel owned by the account, which then
// follows it.
func (c *Conn) CreateNewsletter(_ context.Context, params whatsmeow.CreateNewsletterParams) (*types.NewsletterMetadata, error) {
	if err := c.online("CreateNewsletter"); err != nil {
		return nil, err
	}
	if strings.TrimSpace(params.Name) == "" || utf8.RuneCountInString(params.Name) > 100 {
		return nil, graphQLError(400, "Invalid name")
	}
	jid := c.fake.AddNewsletter(Newsletter{Name: params.Name, Description: params.Description})
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.newsletters[jid]
	n.owner = c.account
	if params.Picture != nil {
		n.meta.ThreadMeta.Picture = &types.ProfilePictureInfo{ID: fmt.Sprint(f.next()), Type: "image", URL: "https://mmg.whatsapp.net/watest/" + jid.User + ".jpg"}
	}
	if f.following[c.account] == nil {
		f.following[c.account] = map[types.JID]bool{}
	}
	f.following[c.account][jid] = true
	return f.metaFor(c.account, n, true), nil
}

// ownNewsletter returns a channel the account owns; f.mu is held.
func (c *Conn) ownNewsletter(jid types.JID) (*newsletter, error) {
	n := c.fake.newsletters[jid]
	switch {
	case n == nil:
		return nil, notFound()
	case n.owner != c.account:
		return nil, graphQLError(403, "Not authorized")
	}
	return n, nil
}

// UpdateNewsletter changes a channel the account owns.
func (c *Conn) UpdateNewsletter(_ context.Context, jid types.JID, u wa.NewsletterUpdate) (*types.NewsletterMetadata, error) {
	if err := c.online("UpdateNewsletter"); err != nil {
		return nil, err
	}
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := c.ownNewsletter(jid)
	if err != nil {
		return nil, err
	}
	t := &n.meta.ThreadMeta
	if u.Name != nil {
		if strings.TrimSpace(*u.Name) == "" {
			return nil, graphQLError(400, "Invalid name")
		}
		t.Name.Text = *u.Name
	}
	if u.Description != nil {
		t.Description.Text = *u.Description
	}
	switch {
	case u.Picture == nil:
	case len(u.Picture) == 0:
		t.Picture = nil
	default:
		t.Picture = &types.ProfilePictureInfo{ID: fmt.Sprint(f.next()), Type: "image", URL: "https://mmg.whatsapp.net/watest/" + jid.User + ".jpg"}
	}
	return f.metaFor(c.account, n, false), nil
}

// UploadNewsletter keeps the file unencrypted, as WhatsApp's media servers
// do for channels: the answer has a handle for SendMessage and no media
// key.
func (c *Conn) UploadNewsletter(_ context.Context, data []byte, appInfo whatsmeow.MediaType) (whatsmeow.UploadResponse, error) {
	if err := c.online("UploadNewsletter"); err != nil {
		return whatsmeow.UploadResponse{}, err
	}
	resp := c.fake.putMedia(data, appInfo)
	resp.MediaKey, resp.FileEncSHA256 = nil, nil
	resp.Handle = fmt.Sprintf("watest-handle-%x", resp.FileSHA256[:8])
	c.mu.Lock()
	c.uploads = append(c.uploads, Upload{Data: slices.Clone(data), Type: appInfo, Response: resp})
	c.mu.Unlock()
	return resp, nil
}

// postNewsletter adds message as a post of channel jid by the account and
// returns its server id; f.mu is held. Only the owner may post, and media
// must come with the handle of its UploadNewsletter.
func (c *Conn) postNewsletter(jid types.JID, id types.MessageID, message *waE2E.Message, handle string) (types.MessageServerID, error) {
	n, err := c.ownNewsletter(jid)
	if err != nil {
		return 0, fmt.Errorf("%w 403", whatsmeow.ErrServerReturnedError)
	}
	media := message.GetImageMessage() != nil || message.GetVideoMessage() != nil || message.GetAudioMessage() != nil ||
		message.GetDocumentMessage() != nil || message.GetDocumentWithCaptionMessage() != nil
	if media && handle == "" {
		return 0, fmt.Errorf("%w 400", whatsmeow.ErrServerReturnedError)
	}
	sid := types.MessageServerID(100)
	if len(n.posts) > 0 {
		sid = n.posts[len(n.posts)-1].serverID + 1
	}
	p := &post{serverID: sid, id: id, msg: proto.CloneOf(message), viewers: map[string]bool{}, reactions: map[string]string{}}
	p.listing = types.NewsletterMessage{MessageServerID: sid, MessageID: id, Type: "text", Timestamp: c.fake.now()}
	p.updated = p.listing.Timestamp
	if media {
		p.listing.Type = "media"
	}
	n.posts = append(n.posts, p)
	return sid, nil
}

// followers returns the connections of the accounts that follow channel
// jid, but c; f.mu is held.
func (f *Fake) followers(jid types.JID, c *Conn) []*Conn {
	var out []*Conn
	for _, o := range f.conns {
		if o != c && f.following[o.account][jid] {
			out = append(out, o)
		}
	}
	return out
}

// findPost returns the post of channel jid with server id sid, or nil;
// f.mu is held.
func (f *Fake) findPost(jid types.JID, sid types.MessageServerID) *post {
	n := f.newsletters[jid]
	if n == nil {
		return nil
	}
	for _, p := range n.posts {
		if p.serverID == sid {
			return p
		}
	}
	return nil
}

// NewsletterSendReaction sets (or, with "", removes) the account's
// reaction on a post. Like WhatsApp, which does not answer reactions, it
// fails only when offline.
func (c *Conn) NewsletterSendReaction(_ context.Context, jid types.JID, serverID types.MessageServerID, reaction string, _ types.MessageID) error {
	if err := c.online("NewsletterSendReaction"); err != nil {
		return err
	}
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.findPost(jid, serverID); p != nil {
		if reaction == "" {
			delete(p.reactions, c.account)
		} else {
			p.reactions[c.account] = reaction
		}
		p.updated = f.now()
	}
	return nil
}

// NewsletterToggleMute mutes or unmutes a channel for the account.
func (c *Conn) NewsletterToggleMute(_ context.Context, jid types.JID, mute bool) error {
	if err := c.online("NewsletterToggleMute"); err != nil {
		return err
	}
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.newsletters[jid]
	if n == nil {
		return notFound()
	}
	if n.muted == nil {
		n.muted = map[string]bool{}
	}
	n.muted[c.account] = mute
	return nil
}

// NewsletterMarkViewed counts the account's view of posts, once per post.
func (c *Conn) NewsletterMarkViewed(_ context.Context, jid types.JID, serverIDs []types.MessageServerID) error {
	if err := c.online("NewsletterMarkViewed"); err != nil {
		return err
	}
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, sid := range serverIDs {
		if p := f.findPost(jid, sid); p != nil {
			if !p.viewers[c.account] {
				p.viewers[c.account] = true
				p.updated = f.now()
			}
		}
	}
	return nil
}

// GetNewsletterMessages lists a channel's posts, newest first: Count of
// them (default 100) before server id Before (0: from the newest).
func (c *Conn) GetNewsletterMessages(_ context.Context, jid types.JID, params *whatsmeow.GetNewsletterMessagesParams) ([]*types.NewsletterMessage, error) {
	if err := c.online("GetNewsletterMessages"); err != nil {
		return nil, err
	}
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.newsletters[jid]
	if n == nil {
		return nil, whatsmeow.ErrIQNotFound
	}
	count, before := 100, types.MessageServerID(0)
	if params != nil {
		if params.Count > 0 {
			count = params.Count
		}
		before = params.Before
	}
	out := []*types.NewsletterMessage{}
	for i := len(n.posts) - 1; i >= 0 && len(out) < count; i-- {
		if p := n.posts[i]; before == 0 || p.serverID < before {
			out = append(out, p.listed())
		}
	}
	return out, nil
}

// statusAudience returns the accounts a status update of c reaches, as
// whatsmeow picks them from the account's status privacy: the allow list,
// or the device's contacts (but those on the deny list).
func (c *Conn) statusAudience(ctx context.Context) ([]types.JID, error) {
	c.fake.mu.Lock()
	privacy := slices.Clone(c.fake.statusPrivacy)
	c.fake.mu.Unlock()
	if len(privacy) == 0 {
		return nil, fmt.Errorf("failed to get status privacy: %w", whatsmeow.ErrIQNotFound)
	}
	p := privacy[0]
	if p.Type == types.StatusPrivacyTypeWhitelist {
		return p.List, nil
	}
	contacts, err := c.dev.Contacts.GetAllContacts(ctx)
	if err != nil {
		return nil, fmt.Errorf("failed to get contact list from db: %w", err)
	}
	var out []types.JID
	for jid := range contacts {
		if p.Type == types.StatusPrivacyTypeBlacklist && slices.Contains(p.List, jid) {
			continue
		}
		out = append(out, jid)
	}
	return out, nil
}

// audienceConns returns the connections of the accounts among audience
// but c; f.mu is held.
func (f *Fake) audienceConns(audience []types.JID, c *Conn) []*Conn {
	var out []*Conn
	for _, o := range f.conns {
		pn, lid := o.self()
		if o == c || pn.IsEmpty() {
			continue
		}
		if slices.ContainsFunc(audience, func(j types.JID) bool { j = j.ToNonAD(); return j == pn || (!lid.IsEmpty() && j == lid) }) {
			out = append(out, o)
		}
	}
	return out
}
