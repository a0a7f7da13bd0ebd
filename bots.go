package wauser

import (
	"context"

	"go.mau.fi/whatsmeow/types"
)

// Bot is one of WhatsApp's AI bots (such as Meta AI) that the account can
// chat with: send to its JID like to a person.
type Bot struct {
	JID       types.JID `json:"jid"`
	PersonaID string    `json:"persona_id"`
	// The profile (ListBots with profiles): what WhatsApp's apps show.
	Name        string       `json:"name,omitempty"`
	Description string       `json:"description,omitempty"`
	Category    string       `json:"category,omitempty"`
	Default     bool         `json:"default,omitempty"`
	Prompts     []string     `json:"prompts,omitempty"` // suggested first messages, "emoji text"
	Commands    []BotCommand `json:"commands,omitempty"`
}

// BotCommand is a command a bot understands.
type BotCommand struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// ListBots returns the AI bots WhatsApp offers the account (none where
// WhatsApp has no bots). With profiles it asks WhatsApp for their profiles
// too (name, description, prompts, commands); bots WhatsApp has no profile
// for keep only their JID and persona.
func (c *Client) ListBots(ctx context.Context, profiles bool) ([]Bot, error) {
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	list, err := s.conn.Client.GetBotListV2(ctx)
	if err != nil {
		return nil, waError("list bots", err)
	}
	out := make([]Bot, 0, len(list))
	for _, b := range list {
		out = append(out, Bot{JID: b.BotJID, PersonaID: b.PersonaID})
	}
	if !profiles || len(list) == 0 {
		return out, nil
	}
	got, err := s.conn.Client.GetBotProfiles(ctx, list)
	if err != nil {
		return nil, waError("get bot profiles", err)
	}
	for i := range out {
		for _, p := range got {
			if p.JID != out[i].JID || (p.PersonaID != "" && p.PersonaID != out[i].PersonaID) {
				continue
			}
			b := &out[i]
			b.Name, b.Description, b.Category, b.Default, b.Prompts = p.Name, p.Description, p.Category, p.IsDefault, p.Prompts
			for _, cmd := range p.Commands {
				b.Commands = append(b.Commands, BotCommand{Name: cmd.Name, Description: cmd.Description})
			}
			break
		}
	}
	return out, nil
}
