package wauser

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/internal/store"
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

// ListContactsOptions selects contacts.
type ListContactsOptions struct {
	Cursor string // NextCursor of the previous page
	Limit  int    // 0 means DefaultListLimit; at most MaxListLimit
}

// ContactList is a page of contacts.
type ContactList struct {
	Contacts   []Contact `json:"contacts"`
	NextCursor string    `json:"next_cursor,omitempty"` // empty on the last page
}

// ListContacts returns the account's contacts in the order they became
// known, with the time of their latest direct message.
func (c *Client) ListContacts(ctx context.Context, opts ListContactsOptions) (*ContactList, error) {
	limit, err := listLimit(opts.Limit)
	if err != nil {
		return nil, err
	}
	var after int64
	if opts.Cursor != "" {
		pos, err := decodeCursor('p', opts.Cursor)
		if err != nil {
			return nil, err
		}
		if after, err = strconv.ParseInt(pos, 10, 64); err != nil || after < 0 {
			return nil, &ArgumentError{Field: "cursor", Reason: "malformed", Err: ErrInvalidCursor}
		}
	}
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := c.core.st.ListContacts(ctx, string(id), store.ListContactsQuery{AfterNum: after, Limit: limit + 1})
	if err != nil {
		return nil, fmt.Errorf("wauser: list contacts: %w", err)
	}
	if len(rows) > limit {
		rows = rows[:limit+1]
	}
	people := make([]string, 0, len(rows))
	for _, r := range rows {
		people = append(people, r.PersonID)
	}
	active, err := c.core.st.DirectActivity(ctx, string(id), people)
	if err != nil {
		return nil, fmt.Errorf("wauser: list contacts: %w", err)
	}
	out := &ContactList{Contacts: make([]Contact, 0, min(len(rows), limit))}
	for i, r := range rows {
		if i == limit {
			out.NextCursor = encodeCursor('p', strconv.FormatInt(rows[i-1].Num, 10))
			break
		}
		ct := contactFromRow(r)
		ct.LastMessageAt = active[r.PersonID]
		out.Contacts = append(out.Contacts, ct)
	}
	return out, nil
}

// GetContact returns a contact by person id, or by who: a phone number
// (E.164 or digits), a phone or LID JID, or the contact's number (Num).
func (c *Client) GetContact(ctx context.Context, who string) (*Contact, error) {
	id, err := c.accountID(ctx)
	if err != nil {
		return nil, err
	}
	var r *store.Contact
	switch {
	case who == "":
		return nil, invalidArg("contact", "empty")
	case strings.HasPrefix(who, "person_"):
		if !validRecordID(who) {
			return nil, invalidArg("contact", "%q is not a person id", who)
		}
		r, err = c.core.st.GetContact(ctx, string(id), who)
	case strings.Contains(who, "@"):
		j, perr := parseUser("contact", who)
		if perr != nil {
			return nil, perr
		}
		r, err = c.core.st.ContactByJID(ctx, string(id), j.String())
	default:
		if n, nerr := strconv.ParseInt(who, 10, 64); nerr == nil && n > 0 && !strings.HasPrefix(who, "+") && len(who) < 7 {
			r, err = c.core.st.ContactByNum(ctx, string(id), n)
			break
		}
		digits, perr := parsePhone(who)
		if perr != nil {
			return nil, invalidArg("contact", "%q is neither a person id, a JID, a contact number nor a phone number", who)
		}
		r, err = c.core.st.ContactByJID(ctx, string(id), digits+"@s.whatsapp.net")
	}
	if err != nil {
		return nil, recordError("contact", who, err)
	}
	act, err := c.core.st.DirectActivity(ctx, string(id), []string{r.PersonID})
	if err != nil {
		return nil, fmt.Errorf("wauser: get contact: %w", err)
	}
	ct := contactFromRow(r)
	ct.LastMessageAt = act[r.PersonID]
	return &ct, nil
}

// Contacts iterates over the contacts ListContacts lists, in the order
// they became known, across every page.
func (c *Client) Contacts(ctx context.Context, opts ListContactsOptions) iter.Seq2[Contact, error] {
	return pages(opts.Cursor, func(cursor string) ([]Contact, string, error) {
		o := opts
		o.Cursor = cursor
		l, err := c.ListContacts(ctx, o)
		if err != nil {
			return nil, "", err
		}
		return l.Contacts, l.NextCursor, nil
	})
}
