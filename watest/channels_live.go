package watest

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
)

// Channel updates, terms of service notices and AI bots, as WhatsApp
// answers them.

// SetLiveUpdatesDuration sets how long WhatsApp keeps a channel's live
// updates subscription (NewsletterSubscribeLiveUpdates): the server says,
// and what it says is not documented, so a test chooses it. Until it is
// set, subscribing returns ErrNotEmulated.
func (f *Fake) SetLiveUpdatesDuration(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.extra().liveUpdates = d
}

// extras are the Fake's state of this file.
type extras struct {
	liveUpdates time.Duration
	live        map[string]map[types.JID]time.Time // account -> channel -> subscribed until
	tos         map[string]map[string]string       // account -> notice id -> stage accepted
	bots        []Bot
}

// extra returns the Fake's extras; f.mu is held.
func (f *Fake) extra() *extras {
	if f.more == nil {
		f.more = &extras{live: map[string]map[types.JID]time.Time{}, tos: map[string]map[string]string{}}
	}
	return f.more
}

// NewsletterSubscribeLiveUpdates subscribes the account to a channel's
// live updates for the duration SetLiveUpdatesDuration chose.
func (c *Conn) NewsletterSubscribeLiveUpdates(_ context.Context, jid types.JID) (time.Duration, error) {
	if err := c.online("NewsletterSubscribeLiveUpdates"); err != nil {
		return 0, err
	}
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.newsletters[jid] == nil {
		return 0, whatsmeow.ErrIQNotFound
	}
	x := f.extra()
	if x.liveUpdates <= 0 {
		return 0, fmt.Errorf("%w: NewsletterSubscribeLiveUpdates: the duration WhatsApp grants is unknown; set it with SetLiveUpdatesDuration", ErrNotEmulated)
	}
	if x.live[c.account] == nil {
		x.live[c.account] = map[types.JID]time.Time{}
	}
	x.live[c.account][jid] = f.now().Add(x.liveUpdates)
	return x.liveUpdates.Truncate(time.Second), nil
}

// LiveUpdatesUntil reports until when account is subscribed to channel
// jid's live updates (zero: never subscribed).
func (f *Fake) LiveUpdatesUntil(account string, jid types.JID) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.extra().live[account][jid]
}

// GetNewsletterMessageUpdates lists the posts of a channel whose views or
// reactions changed (or that were posted) at or after Since, with server
// ids above After, newest first, Count of them (default 100), with their
// current counts.
func (c *Conn) GetNewsletterMessageUpdates(_ context.Context, jid types.JID, params *whatsmeow.GetNewsletterUpdatesParams) ([]*types.NewsletterMessage, error) {
	if err := c.online("GetNewsletterMessageUpdates"); err != nil {
		return nil, err
	}
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.newsletters[jid]
	if n == nil {
		return nil, whatsmeow.ErrIQNotFound
	}
	count, since, after := 100, time.Time{}, types.MessageServerID(0)
	if params != nil {
		if params.Count > 0 {
			count = params.Count
		}
		// whatsmeow sends seconds.
		since, after = params.Since.Truncate(time.Second), params.After
	}
	out := []*types.NewsletterMessage{}
	for i := len(n.posts) - 1; i >= 0 && len(out) < count; i-- {
		p := n.posts[i]
		if p.serverID > after && !p.updated.Before(since) {
			out = append(out, p.listed())
		}
	}
	return out, nil
}

// The terms of service notice WhatsApp asks to accept before an account
// creates channels, and its stage, as whatsmeow documents them.
const (
	NewsletterTOSNotice = "20601218"
	NewsletterTOSStage  = "5"
)

// AcceptTOSNotice records the account's acceptance of a notice. WhatsApp's
// answer to unknown notices is not known: the Fake accepts only the
// channel creation notice (NewsletterTOSNotice, NewsletterTOSStage) and
// answers others with ErrNotEmulated.
func (c *Conn) AcceptTOSNotice(_ context.Context, noticeID, stage string) error {
	if err := c.online("AcceptTOSNotice"); err != nil {
		return err
	}
	if noticeID != NewsletterTOSNotice || stage != NewsletterTOSStage {
		return fmt.Errorf("%w: AcceptTOSNotice of notice %q stage %q", ErrNotEmulated, noticeID, stage)
	}
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	x := f.extra()
	if x.tos[c.account] == nil {
		x.tos[c.account] = map[string]string{}
	}
	x.tos[c.account][noticeID] = stage
	return nil
}

// AcceptedTOS returns the stage of notice the account accepted ("" if
// none).
func (f *Fake) AcceptedTOS(account, notice string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.extra().tos[account][notice]
}

// Bot is one of WhatsApp's AI bots, as its bot list and profiles show it.
type Bot struct {
	JID         types.JID // on the bot server (types.BotServer)
	PersonaID   string
	Name        string
	Description string
	Category    string
	Default     bool
	Prompts     []string // "emoji text", as whatsmeow joins them
	Commands    []types.BotProfileCommand
}

// AddBot lists a bot in WhatsApp's bot list. Until one is added the list
// is empty, as for accounts in countries without the bots.
func (f *Fake) AddBot(b Bot) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.extra().bots = append(f.extra().bots, b)
}

// GetBotListV2 lists the bots AddBot added, as the "all" section of
// WhatsApp's list.
func (c *Conn) GetBotListV2(context.Context) ([]types.BotListInfo, error) {
	if err := c.online("GetBotListV2"); err != nil {
		return nil, err
	}
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []types.BotListInfo
	for _, b := range f.extra().bots {
		out = append(out, types.BotListInfo{BotJID: b.JID, PersonaID: b.PersonaID})
	}
	return out, nil
}

// GetBotProfiles answers the profiles of the bots asked for, by JID and
// persona; WhatsApp leaves unknown ones out.
func (c *Conn) GetBotProfiles(_ context.Context, botInfo []types.BotListInfo) ([]types.BotProfileInfo, error) {
	if err := c.online("GetBotProfiles"); err != nil {
		return nil, err
	}
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []types.BotProfileInfo
	for _, want := range botInfo {
		for _, b := range f.extra().bots {
			if b.JID == want.BotJID && b.PersonaID == want.PersonaID {
				out = append(out, types.BotProfileInfo{JID: b.JID, Name: b.Name, Description: b.Description, Category: b.Category,
					IsDefault: b.Default, Prompts: b.Prompts, PersonaID: b.PersonaID, Commands: b.Commands})
			}
		}
	}
	return out, nil
}
