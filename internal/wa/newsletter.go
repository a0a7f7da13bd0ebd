package wa

import (
	"context"
	"encoding/json"
	"errors"

	"go.mau.fi/whatsmeow/types"
)

// mutationUpdateNewsletter is the GraphQL query id WhatsApp Web uses to
// change a channel's metadata (whatsmeow lists it, but the pinned version
// has no function for it).
const mutationUpdateNewsletter = "7150902998257522"

// NewsletterUpdate is a change to a channel's metadata. Nil fields stay as
// they are; a non-nil empty Picture removes the picture.
type NewsletterUpdate struct {
	Name        *string
	Description *string
	Picture     []byte // a JPEG
}

// UpdateNewsletter sends WhatsApp Web's channel update mutation.
func (c whatsmeowClient) UpdateNewsletter(ctx context.Context, jid types.JID, u NewsletterUpdate) (*types.NewsletterMetadata, error) {
	updates := map[string]any{"settings": nil} // as WhatsApp Web sends it
	if u.Name != nil {
		updates["name"] = *u.Name
	}
	if u.Description != nil {
		updates["description"] = *u.Description
	}
	if u.Picture != nil {
		updates["picture"] = u.Picture // base64 in JSON, as in CreateNewsletter
	}
	//lint:ignore SA1019 the pinned whatsmeow has no UpdateNewsletter.
	raw, err := c.DangerousInternals().SendMexIQ(ctx, mutationUpdateNewsletter, map[string]any{
		"newsletter_id": jid.String(),
		"updates":       updates,
	})
	if err != nil {
		return nil, err
	}
	var resp struct {
		Newsletter *types.NewsletterMetadata `json:"xwa2_newsletter_update"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		return nil, err
	}
	if resp.Newsletter == nil {
		return nil, errors.New("wa: newsletter update: no newsletter in the answer")
	}
	return resp.Newsletter, nil
}
