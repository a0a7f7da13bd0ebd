package wauser

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
)

// Limits WhatsApp's apps apply to profile fields.
const (
	maxPushNameLen  = 25  // characters of a profile name
	maxAboutLen     = 139 // characters of an about text
	maxUserInfoJIDs = 100 // people per GetUserInfo call
	maxPhotoBytes   = 5 << 20
)

// UserInfo is what WhatsApp tells the account about a person.
type UserInfo struct {
	JID types.JID `json:"jid"`
	// LID is the person's LID, when WhatsApp shares it.
	LID types.JID `json:"lid,omitzero"`
	// About is the person's about text; "" when none is set or their
	// privacy settings hide it.
	About string `json:"about"`
	// PictureID is the id of the person's profile picture ("" when none
	// or hidden); it changes with the picture (see GetProfilePicture).
	PictureID string `json:"picture_id,omitempty"`
	// BusinessName is the verified name of a business account.
	BusinessName string `json:"business_name,omitempty"`
	// Devices are the person's devices (the phone is device 0).
	Devices []types.JID `json:"devices"`
}

// GetUserInfo asks WhatsApp about 1 to 100 people (phone numbers, phone
// JIDs or LIDs): about text, profile picture id, verified business name
// and devices. People who are not on WhatsApp are left out of the answer,
// which follows the input order otherwise.
func (c *Client) GetUserInfo(ctx context.Context, who []string) ([]UserInfo, error) {
	jids, err := parseUsers("who", who, maxUserInfoJIDs)
	if err != nil {
		return nil, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	got, err := s.conn.Client.GetUserInfo(ctx, jids)
	if err != nil {
		return nil, waError("get user info", err)
	}
	out := make([]UserInfo, 0, len(jids))
	for _, jid := range jids {
		info, ok := got[jid]
		if !ok {
			continue
		}
		u := UserInfo{JID: jid, LID: info.LID, About: info.Status, PictureID: info.PictureID, Devices: slices.Clone(info.Devices)}
		if u.Devices == nil {
			u.Devices = []types.JID{}
		}
		if info.VerifiedName != nil && info.VerifiedName.Details != nil {
			u.BusinessName = info.VerifiedName.Details.GetVerifiedName()
		}
		out = append(out, u)
	}
	return out, nil
}

// SetPushName changes the account's profile name, the name others see
// next to its messages (at most 25 characters). It is app state: the
// account's phone and linked devices take it too, and the account record
// (Account.PushName) shows it once WhatsApp has echoed it.
func (c *Client) SetPushName(ctx context.Context, name string) error {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return invalidArg("name", "empty")
	case n > maxPushNameLen || !utf8.ValidString(name) || strings.ContainsAny(name, "\r\n\x00"):
		return invalidArg("name", "at most %d characters on one line", maxPushNameLen)
	}
	s, err := c.online(ctx)
	if err != nil {
		return err
	}
	patch := appstate.BuildSettingPushName(name)
	patch.Timestamp = c.core.cfg.clock.Now()
	if err := s.conn.Client.SendAppState(ctx, patch); err != nil {
		return waError("set push name", err)
	}
	return nil
}

// SetAbout changes the account's about text (at most 139 characters; ""
// clears it). WhatsApp keeps it; GetUserInfo of the account's own number
// reads it back.
func (c *Client) SetAbout(ctx context.Context, about string) error {
	if utf8.RuneCountInString(about) > maxAboutLen || !utf8.ValidString(about) || strings.ContainsRune(about, 0) {
		return invalidArg("about", "at most %d characters of text", maxAboutLen)
	}
	s, err := c.online(ctx)
	if err != nil {
		return err
	}
	if err := s.conn.Client.SetStatusMessage(ctx, about); err != nil {
		return waError("set about", err)
	}
	return nil
}

// SetProfilePhoto sets the account's profile picture to a JPEG image (at
// most 5 MiB; WhatsApp's apps crop it square, 640x640 is what they
// upload), or removes it when photo is nil. It returns the new picture's
// id ("remove" after a removal), as GetUserInfo reports it.
func (c *Client) SetProfilePhoto(ctx context.Context, photo []byte) (string, error) {
	if photo != nil {
		switch {
		case len(photo) == 0:
			return "", invalidArg("photo", "empty; give nil to remove the picture")
		case len(photo) > maxPhotoBytes:
			return "", invalidArg("photo", "%d bytes; at most %d", len(photo), maxPhotoBytes)
		case http.DetectContentType(photo) != "image/jpeg":
			return "", invalidArg("photo", "not a JPEG image")
		}
	}
	s, err := c.online(ctx)
	if err != nil {
		return "", err
	}
	// The account's own picture is a profile picture change without a
	// target (whatsmeow's SetGroupPhoto with no JID).
	id, err := s.conn.Client.SetGroupPhoto(ctx, types.EmptyJID, photo)
	if err != nil {
		return "", waError("set profile photo", err)
	}
	return id, nil
}

// PrivacySetting names one of the account's privacy settings.
type PrivacySetting string

// Privacy settings, by WhatsApp's names.
const (
	PrivacyGroupAdd     PrivacySetting = "groupadd"     // who may add the account to groups
	PrivacyLastSeen     PrivacySetting = "last"         // who sees when it was last online
	PrivacyStatus       PrivacySetting = "status"       // who sees its about text
	PrivacyProfile      PrivacySetting = "profile"      // who sees its profile picture
	PrivacyReadReceipts PrivacySetting = "readreceipts" // whether it sends read receipts
	PrivacyOnline       PrivacySetting = "online"       // who sees that it is online
	PrivacyCallAdd      PrivacySetting = "calladd"      // who may call it
)

// PrivacySettings are the account's privacy settings. Values are WhatsApp's:
// "all", "contacts", "contact_blacklist" (contacts except some), "none",
// "match_last_seen" (online), "known" (calls: known contacts only).
type PrivacySettings struct {
	GroupAdd     string `json:"groupadd"`
	LastSeen     string `json:"last"`
	Status       string `json:"status"`
	Profile      string `json:"profile"`
	ReadReceipts string `json:"readreceipts"`
	Online       string `json:"online"`
	CallAdd      string `json:"calladd"`
}

// privacyValues are the values each setting accepts.
var privacyValues = map[PrivacySetting][]types.PrivacySetting{
	PrivacyGroupAdd:     {types.PrivacySettingAll, types.PrivacySettingContacts, types.PrivacySettingContactBlacklist, types.PrivacySettingNone},
	PrivacyLastSeen:     {types.PrivacySettingAll, types.PrivacySettingContacts, types.PrivacySettingContactBlacklist, types.PrivacySettingNone},
	PrivacyStatus:       {types.PrivacySettingAll, types.PrivacySettingContacts, types.PrivacySettingContactBlacklist, types.PrivacySettingNone},
	PrivacyProfile:      {types.PrivacySettingAll, types.PrivacySettingContacts, types.PrivacySettingContactBlacklist, types.PrivacySettingNone},
	PrivacyReadReceipts: {types.PrivacySettingAll, types.PrivacySettingNone},
	PrivacyOnline:       {types.PrivacySettingAll, types.PrivacySettingMatchLastSeen},
	PrivacyCallAdd:      {types.PrivacySettingAll, types.PrivacySettingKnown},
}

func privacyFrom(p *types.PrivacySettings) *PrivacySettings {
	return &PrivacySettings{
		GroupAdd: string(p.GroupAdd), LastSeen: string(p.LastSeen), Status: string(p.Status), Profile: string(p.Profile),
		ReadReceipts: string(p.ReadReceipts), Online: string(p.Online), CallAdd: string(p.CallAdd),
	}
}

// GetPrivacySettings asks WhatsApp for the account's privacy settings.
func (c *Client) GetPrivacySettings(ctx context.Context) (*PrivacySettings, error) {
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	got, err := s.conn.Client.TryFetchPrivacySettings(ctx, true)
	if err != nil {
		return nil, waError("get privacy settings", err)
	}
	return privacyFrom(got), nil
}

// SetPrivacySetting changes one privacy setting and returns them all as
// they are now. Each setting takes only the values WhatsApp accepts for it
// (see PrivacySettings); others return ErrInvalidArgument.
func (c *Client) SetPrivacySetting(ctx context.Context, setting PrivacySetting, value string) (*PrivacySettings, error) {
	allowed, ok := privacyValues[setting]
	if !ok {
		return nil, invalidArg("setting", "%q is not a privacy setting", setting)
	}
	if !slices.Contains(allowed, types.PrivacySetting(value)) {
		return nil, invalidArg("value", "%q is not one of %v for %s", value, allowed, setting)
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	got, err := s.conn.Client.SetPrivacySetting(ctx, types.PrivacySettingType(setting), types.PrivacySetting(value))
	if err != nil {
		return nil, waError("set privacy setting", err)
	}
	return privacyFrom(&got), nil
}

// ListBlocked returns the people the account has blocked.
func (c *Client) ListBlocked(ctx context.Context) ([]types.JID, error) {
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	got, err := s.conn.Client.GetBlocklist(ctx)
	if err != nil {
		return nil, waError("list blocked", err)
	}
	return blockedList(got), nil
}

func blockedList(b *types.Blocklist) []types.JID {
	out := []types.JID{}
	if b != nil {
		for _, j := range b.JIDs {
			out = append(out, j.ToNonAD())
		}
	}
	return out
}

// BlockContact blocks a person (a phone number, phone JID or LID): they
// can no longer message or call the account. It returns the blocklist as
// it is now; a blocklist.updated event follows when WhatsApp announces the
// change.
func (c *Client) BlockContact(ctx context.Context, who string) ([]types.JID, error) {
	return c.updateBlocklist(ctx, who, events.BlocklistChangeActionBlock)
}

// UnblockContact unblocks a person and returns the blocklist as it is now.
func (c *Client) UnblockContact(ctx context.Context, who string) ([]types.JID, error) {
	return c.updateBlocklist(ctx, who, events.BlocklistChangeActionUnblock)
}

func (c *Client) updateBlocklist(ctx context.Context, who string, action events.BlocklistChangeAction) ([]types.JID, error) {
	jid, err := parseUser("who", who)
	if err != nil {
		return nil, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	if s.isSelf(jid) {
		return nil, invalidArg("who", "%q is the account itself", who)
	}
	got, err := s.conn.Client.UpdateBlocklist(ctx, jid, action)
	if err != nil {
		return nil, waError(string(action)+" contact", err)
	}
	return blockedList(got), nil
}

// BusinessProfile is the public profile of a WhatsApp Business account.
type BusinessProfile struct {
	JID        types.JID `json:"jid"`
	Address    string    `json:"address,omitempty"`
	Email      string    `json:"email,omitempty"`
	Categories []string  `json:"categories"`
	// Profile holds the other fields WhatsApp returns (description,
	// websites, ...), by WhatsApp's names.
	Profile       map[string]string    `json:"profile,omitempty"`
	TimeZone      string               `json:"time_zone,omitempty"`
	BusinessHours []BusinessHoursOfDay `json:"business_hours,omitempty"`
}

// BusinessHoursOfDay is when a business is open on one day of the week.
type BusinessHoursOfDay struct {
	Day   string `json:"day"`  // sun, mon, ...
	Mode  string `json:"mode"` // specific_hours, open_24h, appointment_only
	Open  string `json:"open,omitempty"`
	Close string `json:"close,omitempty"`
}

// GetBusinessProfile asks WhatsApp for the business profile of a person.
// An account that is not a business has none: ErrNotFound.
func (c *Client) GetBusinessProfile(ctx context.Context, who string) (*BusinessProfile, error) {
	jid, err := parseUser("who", who)
	if err != nil {
		return nil, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	got, err := s.conn.Client.GetBusinessProfile(ctx, jid)
	if err != nil {
		return nil, waError("get business profile", err)
	}
	if got == nil || got.JID.IsEmpty() {
		return nil, fmt.Errorf("%w: %s has no business profile", ErrNotFound, jid)
	}
	out := &BusinessProfile{JID: got.JID, Address: got.Address, Email: got.Email, Categories: []string{},
		Profile: got.ProfileOptions, TimeZone: got.BusinessHoursTimeZone}
	for _, cat := range got.Categories {
		out.Categories = append(out.Categories, cat.Name)
	}
	for _, h := range got.BusinessHours {
		out.BusinessHours = append(out.BusinessHours, BusinessHoursOfDay{Day: h.DayOfWeek, Mode: h.Mode, Open: h.OpenTime, Close: h.CloseTime})
	}
	return out, nil
}

// Link prefixes WhatsApp's apps put in QR codes and share links.
const (
	contactQRLinkPrefix   = "https://wa.me/qr/"
	businessLinkPrefix    = "https://wa.me/message/"
	contactQRDirectPrefix = "https://api.whatsapp.com/qr/"
	businessDirectPrefix  = "https://api.whatsapp.com/message/"
)

// GetContactQRLink returns the account's contact link
// (https://wa.me/qr/…), the one its QR code shows; with revoke, WhatsApp
// replaces it with a new one and the old one stops working.
func (c *Client) GetContactQRLink(ctx context.Context, revoke bool) (string, error) {
	s, err := c.online(ctx)
	if err != nil {
		return "", err
	}
	code, err := s.conn.Client.GetContactQRLink(ctx, revoke)
	if err != nil {
		return "", waError("get contact link", err)
	}
	return contactQRLinkPrefix + code, nil
}

// ContactLink is the person a contact link leads to.
type ContactLink struct {
	JID      types.JID `json:"jid"`
	PushName string    `json:"push_name,omitempty"`
	Type     string    `json:"type,omitempty"` // "contact"
}

// ResolveContactQRLink returns the person a contact link (https://wa.me/qr/…,
// or its code) leads to; ErrNotFound when WhatsApp knows no such link.
func (c *Client) ResolveContactQRLink(ctx context.Context, link string) (*ContactLink, error) {
	code, err := linkCode("link", link, contactQRLinkPrefix, contactQRDirectPrefix)
	if err != nil {
		return nil, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	got, err := s.conn.Client.ResolveContactQRLink(ctx, code)
	if err != nil {
		return nil, waError("resolve contact link", err)
	}
	return &ContactLink{JID: got.JID, PushName: got.PushName, Type: got.Type}, nil
}

// BusinessLink is the business a business message link leads to, and the
// message it prefills.
type BusinessLink struct {
	JID           types.JID `json:"jid"`
	PushName      string    `json:"push_name,omitempty"`
	VerifiedName  string    `json:"verified_name,omitempty"`
	VerifiedLevel string    `json:"verified_level,omitempty"`
	Message       string    `json:"message,omitempty"`
}

// ResolveBusinessLink returns the business a business message link
// (https://wa.me/message/…, or its code) leads to, with the text it
// prefills; ErrNotFound when WhatsApp knows no such link.
func (c *Client) ResolveBusinessLink(ctx context.Context, link string) (*BusinessLink, error) {
	code, err := linkCode("link", link, businessLinkPrefix, businessDirectPrefix)
	if err != nil {
		return nil, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	got, err := s.conn.Client.ResolveBusinessMessageLink(ctx, code)
	if err != nil {
		return nil, waError("resolve business link", err)
	}
	return &BusinessLink{JID: got.JID, PushName: got.PushName, VerifiedName: got.VerifiedName,
		VerifiedLevel: got.VerifiedLevel, Message: got.Message}, nil
}

// linkCode returns the code of a share link given whole or as its code.
func linkCode(field, link string, prefixes ...string) (string, error) {
	code := strings.TrimSpace(link)
	for _, p := range prefixes {
		code = strings.TrimPrefix(code, p)
	}
	code = strings.TrimSuffix(code, "/")
	if code == "" || len(code) > 64 || strings.IndexFunc(code, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) >= 0 {
		return "", invalidArg(field, "%q is not a link of the form %s<code> or its code", link, prefixes[0])
	}
	return code, nil
}
