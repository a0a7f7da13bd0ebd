package wauser

import (
	"context"
	"fmt"
	"strings"

	"go.mau.fi/whatsmeow/types"
)

// maxCheckPhones bounds CheckContacts; WhatsApp throttles large lookups.
const maxCheckPhones = 100

// ContactCheck says whether a phone number is on WhatsApp (document 003's
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
// returns ErrInvalidArgument before anything is asked.
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
