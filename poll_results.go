package wauser

import (
	"context"
	"encoding/json"
	"fmt"
)

// PollResults is the tally of a stored poll: every voter's latest choice,
// counted per option in the poll's order (the account's own vote
// included).
type PollResults struct {
	MessageID       MessageID          `json:"message_id"`
	WAMessageID     string             `json:"wa_message_id"`
	ChatJID         string             `json:"chat_jid"`
	Question        string             `json:"question"`
	SelectableCount int                `json:"selectable_count"` // 0: any number of options
	Options         []PollOptionResult `json:"options"`
	Voters          int                `json:"voters"` // people whose latest vote chose at least one option
}

// PollOptionResult is one option of a poll and who chose it.
type PollOptionResult struct {
	Option string   `json:"option"`
	Count  int      `json:"count"`
	Voters []string `json:"voters"` // JIDs
}

// GetPollResults returns the results of a poll from the votes stored for
// it: poll is a stored poll's id ("msg_…", chat may then be "") or its
// WhatsApp id in chat. Votes are counted as they arrive (see VotePoll), so
// this needs no connection. It returns ErrInvalidArgument for an unknown
// stored id or a message that is not a poll, and ErrNotFound for a
// WhatsApp id that is not stored.
func (c *Client) GetPollResults(ctx context.Context, chat, poll string) (*PollResults, error) {
	p, err := c.messageTarget(ctx, chat, poll)
	if err != nil {
		return nil, err
	}
	if p.target == nil {
		return nil, fmt.Errorf("%w: poll %q is not stored", ErrNotFound, poll)
	}
	var extra struct {
		Poll *struct {
			Question        string             `json:"question"`
			SelectableCount int                `json:"selectable_count"`
			Votes           map[string][]any   `json:"votes"`
			Results         []PollOptionResult `json:"results"`
		} `json:"poll"`
	}
	if p.target.Extra != "" {
		_ = json.Unmarshal([]byte(p.target.Extra), &extra)
	}
	if extra.Poll == nil {
		return nil, invalidArg("poll", "message %s is not a poll", p.target.MessageID)
	}
	out := &PollResults{MessageID: MessageID(p.target.MessageID), WAMessageID: p.target.WAMessageID, ChatJID: p.target.ChatJID,
		Question: extra.Poll.Question, SelectableCount: extra.Poll.SelectableCount, Options: extra.Poll.Results}
	if out.Question == "" {
		out.Question = p.target.Body
	}
	if out.Options == nil {
		out.Options = []PollOptionResult{}
	}
	for i := range out.Options {
		if out.Options[i].Voters == nil {
			out.Options[i].Voters = []string{}
		}
	}
	for _, chosen := range extra.Poll.Votes {
		if len(chosen) > 0 {
			out.Voters++
		}
	}
	return out, nil
}
