package wauser

import (
	"context"
	"fmt"
	"slices"

	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/compose"
	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/internal/store"
)

// Polls. A stored poll message's Extra["poll"] holds its question and
// options, every voter's latest choice ("votes": voter JID -> options) and
// the tally ("results": one {option, count, voters} per option, in the
// poll's order). Votes arrive encrypted with the poll's secret; wauser
// decrypts them with the secret whatsmeow keeps, and a voter's latest vote
// wins whatever order votes arrive in. The account's own votes, from
// VotePoll or from its phone, count like anyone's.

// VotePoll votes in a poll: options are the names of the chosen options
// (at most the poll's selectable count, when it has one); none withdraws
// the account's vote. poll is a stored poll message's id ("msg_…", chat
// may then be "") or its WhatsApp id in chat. The vote is encrypted with
// the poll's secret (whatsmeow's BuildPollVote), so the poll must have
// been received or sent by this account. It returns the poll with the
// vote counted.
func (c *Client) VotePoll(ctx context.Context, chat, poll string, options []string) (*Message, error) {
	p, err := c.messageTarget(ctx, chat, poll)
	if err != nil {
		return nil, err
	}
	if p.target == nil {
		return nil, fmt.Errorf("%w: poll %q is not stored; its options and secret are needed to vote", ErrNotFound, poll)
	}
	choices, err := pollChoices(p.target, options)
	if err != nil {
		return nil, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	wireChat, author := compose.WireTarget(p.target, p.chat, p.targetSender)
	info := &types.MessageInfo{ID: p.targetWAID, MessageSource: types.MessageSource{
		Chat: wireChat, Sender: author, IsFromMe: p.target.IsFromMe, IsGroup: wireChat.Server == types.GroupServer}}
	if p.target.IsFromMe {
		// The secret of an own poll is kept under the JID it was sent as.
		info.Sender = s.ownSender(p.target)
	}
	msg, err := s.conn.Local.BuildPollVote(ctx, info, choices)
	if err != nil {
		return nil, fmt.Errorf("wauser: vote poll: %w: cannot encrypt the vote (the poll's secret is not known to this device): %w", ErrInvalidArgument, err)
	}
	at := c.core.cfg.clock.Now()
	msg.PollUpdateMessage.SenderTimestampMS = proto.Int64(at.UnixMilli())
	if err := c.core.paceSend(ctx, s.id); err != nil {
		return nil, err
	}
	if _, err := s.conn.Client.SendMessage(ctx, p.chat, msg); err != nil {
		return nil, waError("vote poll", err)
	}
	m, err := c.onMessage(ctx, s, p.chat, p.target, p.targetSender, p.targetWAID, func(t *ingest.Tx, m *store.Message) error {
		t.Vote(m, choices, at)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("wauser: vote poll: voted, but storing it failed: %w", err)
	}
	return m, nil
}

// pollChoices checks options against the stored poll m.
func pollChoices(m *store.Message, options []string) ([]string, error) {
	if m.ContentType != ingest.TypePoll {
		return nil, invalidArg("poll", "message %s is a %s message, not a poll", m.MessageID, m.ContentType)
	}
	if !m.DeletedAt.IsZero() {
		return nil, invalidArg("poll", "poll %s was deleted", m.MessageID)
	}
	row := messageFromRow(m)
	p, _ := row.Extra["poll"].(map[string]any)
	var names []string
	if raw, ok := p["options"].([]any); ok {
		for _, o := range raw {
			if s, ok := o.(string); ok {
				names = append(names, s)
			}
		}
	}
	choices := []string{}
	for i, o := range options {
		switch {
		case !slices.Contains(names, o):
			return nil, invalidArg(fmt.Sprintf("options[%d]", i), "%q is not an option of the poll (%q)", o, names)
		case slices.Contains(choices, o):
			return nil, invalidArg(fmt.Sprintf("options[%d]", i), "%q chosen twice", o)
		}
		choices = append(choices, o)
	}
	if n, _ := p["selectable_count"].(float64); n > 0 && len(choices) > int(n) {
		return nil, invalidArg("options", "%d chosen; the poll allows at most %d", len(choices), int(n))
	}
	return choices, nil
}

// ownSender returns the JID the account sent its message m as.
func (s *session) ownSender(m *store.Message) types.JID {
	if m.WireSenderJID != "" {
		if j, err := types.ParseJID(m.WireSenderJID); err == nil {
			return j.ToNonAD()
		}
	}
	if s.conn.Device.ID != nil {
		return s.conn.Device.ID.ToNonAD()
	}
	return types.EmptyJID
}
