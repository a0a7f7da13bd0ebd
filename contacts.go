package wauser

import (
	"context"
	"fmt"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser/internal/ingest"
)

// maxCheckPhones bounds CheckContacts; WhatsApp throttles large lookups.
const maxCheckPhones = 100

// ContactCheck says whether a phone number is on WhatsApp (the Business Server API's
// contact check).
type ContactCheck struct {
	// Input is the number as given; Phone is it in E.164 (+15551234567).
	Input      string `json:"input"`
	Phone      string `json:"phone"`
	OnWhatsApp bool   `json:"on_whatsapp"`
	// JID is the account to message, set when OnWhatsApp.
	JID types.JID `json:"jid,omitzero"`
	// BusinessName is the verified name of a business account.
	BusinessName string `json:"business_name,omitempty"`
}

// CheckContacts asks WhatsApp which of up to 100 phone numbers (E.164, with
// or without "+") have an account. The results follow the input order, one
// per number; a number given twice is asked once. A malformed number
// returns ErrInvalidArgument before anything is asked. Lookups are
// throttled per account (WithContactCheckPacing): past the budget it
// returns a *RateLimitError saying when to try again.
func (c *Client) CheckContacts(ctx context.Context, phones []string) ([]ContactCheck, error) {
	switch {
	case len(phones) == 0:
		return nil, invalidArg("phones", "empty; give at least one phone number")
	case len(phones) > maxCheckPhones:
		return nil, invalidArg("phones", "%d numbers; at most %d per call", len(phones), maxCheckPhones)
	}
	out := make([]ContactCheck, len(phones))
	var query []string
	asked := map[string]bool{}
	for i, p := range phones {
		digits, err := parsePhoneField(fmt.Sprintf("phones[%d]", i), p)
		if err != nil {
			return nil, err
		}
		out[i] = ContactCheck{Input: p, Phone: "+" + digits}
		if !asked[digits] {
			asked[digits] = true
			query = append(query, "+"+digits) // whatsmeow wants the leading +
		}
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.core.paceCheck(s.id, len(query)); err != nil {
		return nil, err
	}
	got, err := s.conn.Client.IsOnWhatsApp(ctx, query)
	if err != nil {
		return nil, waError("check contacts", err)
	}
	byDigits := make(map[string]types.IsOnWhatsAppResponse, len(got))
	for _, r := range got {
		byDigits[strings.TrimPrefix(r.Query, "+")] = r
	}
	for i := range out {
		r, ok := byDigits[strings.TrimPrefix(out[i].Phone, "+")]
		if !ok || !r.IsIn {
			continue
		}
		out[i].OnWhatsApp, out[i].JID = true, r.JID.ToNonAD()
		if r.VerifiedName != nil && r.VerifiedName.Details != nil {
			out[i].BusinessName = r.VerifiedName.Details.GetVerifiedName()
		}
	}
	return out, nil
}

// Limits of UpdateContact.
const (
	maxNameLen = 256 // characters of a first or last name
	maxTags    = 100
	maxTagLen  = 64
)

// UpdateContactRequest is the body of UpdateContact. Nil fields are not
// changed.
type UpdateContactRequest struct {
	// FirstName and LastName are the account's own name for the person
	// (the Business Server API's contact name); the display name follows them.
	FirstName *string `json:"first_name,omitempty"`
	LastName  *string `json:"last_name,omitempty"`
	// Tags replaces the contact's tags (an empty list removes them all).
	Tags *[]string `json:"tags,omitempty"`
}

// UpdateContact renames a contact or sets its tags, in the store only (the
// phone's address book is not changed), and returns it. contact is what
// GetContact takes: a person id, a phone number, a JID or the contact's
// number. Tags also come from the account's WhatsApp labels (Business
// app): the name of each label on the person's chat is a tag, added and
// removed as the labels change on the phone; UpdateContact replaces the
// whole list, so it may remove a label's tag until that label changes
// again.
func (c *Client) UpdateContact(ctx context.Context, contact string, req UpdateContactRequest) (*Contact, error) {
	if req.FirstName == nil && req.LastName == nil && req.Tags == nil {
		return nil, invalidArg("request", "nothing to change: set first_name, last_name or tags")
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"first_name", req.FirstName}, {"last_name", req.LastName}} {
		if f.v == nil {
			continue
		}
		if err := validText(f.name, *f.v, false, maxNameLen); err != nil {
			return nil, err
		}
		if strings.ContainsAny(*f.v, "\r\n") {
			return nil, invalidArg(f.name, "contains a line break")
		}
	}
	if req.Tags != nil {
		if len(*req.Tags) > maxTags {
			return nil, invalidArg("tags", "%d tags; at most %d", len(*req.Tags), maxTags)
		}
		for i, tag := range *req.Tags {
			field := fmt.Sprintf("tags[%d]", i)
			if err := validText(field, tag, true, maxTagLen); err != nil {
				return nil, err
			}
		}
	}
	ct, err := c.GetContact(ctx, contact)
	if err != nil {
		return nil, err
	}
	acc, err := c.ingestAccount(ctx)
	if err != nil {
		return nil, err
	}
	err = c.core.ingest.Apply(ctx, acc, func(t *ingest.Tx) error {
		row, err := t.Contact(string(ct.PersonID))
		if err != nil || row == nil {
			return err
		}
		if req.FirstName != nil || req.LastName != nil {
			first, last := row.FirstName, row.LastName
			if req.FirstName != nil {
				first = *req.FirstName
			}
			if req.LastName != nil {
				last = *req.LastName
			}
			t.SetContactName(row, first, last)
		}
		if req.Tags != nil {
			t.SetContactTags(row, *req.Tags)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("wauser: update contact: %w", err)
	}
	return c.GetContact(ctx, string(ct.PersonID))
}

// ingestAccount describes the account c acts on to the ingester, from its
// live session or, when it has none, from the store.
func (c *Client) ingestAccount(ctx context.Context) (*ingest.Account, error) {
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	if s := c.core.getSession(id); s != nil {
		return s.ingestAccount(), nil
	}
	row, err := c.core.account(ctx, id)
	if err != nil {
		return nil, err
	}
	acc := &ingest.Account{ID: row.ID}
	if j, err := types.ParseJID(row.JID); err == nil {
		acc.Own = j.ToNonAD()
	}
	if j, err := types.ParseJID(row.LID); err == nil {
		acc.OwnLID = j.ToNonAD()
	}
	return acc, nil
}

// ProfilePicture is a person's or group's profile picture. URL is a plain
// HTTPS address that expires after a while; ask again for a fresh one.
type ProfilePicture struct {
	URL  string `json:"url"`
	ID   string `json:"id"`
	Type string `json:"type"` // "image" (full size) or "preview" (thumbnail)
}

// GetProfilePicture asks WhatsApp for the profile picture of a person or
// group (a phone number or JID), full size or, with preview, the
// thumbnail. It returns ErrNotFound when there is none, and ErrForbidden
// when the person's privacy settings hide it from the account.
func (c *Client) GetProfilePicture(ctx context.Context, who string, preview bool) (*ProfilePicture, error) {
	jid, err := parseChat("who", who)
	if err != nil {
		return nil, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	info, err := s.conn.Client.GetProfilePictureInfo(ctx, jid, &whatsmeow.GetProfilePictureParams{Preview: preview})
	if err != nil {
		return nil, waError("get profile picture", err)
	}
	if info == nil || info.URL == "" {
		return nil, fmt.Errorf("%w: %s has no profile picture", ErrNotFound, jid)
	}
	return &ProfilePicture{URL: info.URL, ID: info.ID, Type: info.Type}, nil
}
