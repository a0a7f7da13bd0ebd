package watest

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waVnameCert"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"
)

// profiles is what the Fake keeps of people's profiles and settings:
// about texts, profile picture ids, privacy settings, blocklists, contact
// and business links, default disappearing timers, presences and calls.
// Its maps are made on first use; f.mu guards it.
type profiles struct {
	about      map[types.JID]string                       // phone JID -> about text
	pictureIDs map[types.JID]string                       // phone JID -> profile picture id
	verified   map[types.JID]string                       // phone JID -> verified business name
	business   map[types.JID]*types.BusinessProfile       // SetBusinessProfile
	privacy    map[string]types.PrivacySettings           // account -> privacy settings
	blocked    map[string][]types.JID                     // account -> blocklist
	qrCodes    map[string]string                          // account -> its contact link code
	qrOwners   map[string]types.JID                       // contact link code -> phone JID
	bizLinks   map[string]types.BusinessMessageLinkTarget // AddBusinessLink
	timers     map[string]time.Duration                   // account -> default disappearing timer
	presences  map[types.JID]events.Presence              // SetPresence
	subscribed map[string]map[types.JID]bool              // account -> people whose presence it asked for
	calls      map[string]types.BasicCallMeta             // call id -> the call (OfferCall)
	rejected   map[string][]RejectedCall                  // account -> RejectCall calls
}

// RejectedCall is a call an account declined with RejectCall.
type RejectedCall struct {
	From   types.JID
	CallID string
}

// profiles returns the Fake's profiles, making its maps; f.mu is held.
func (f *Fake) prof() *profiles {
	p := &f.profiles
	if p.about == nil {
		p.about = map[types.JID]string{}
		p.pictureIDs = map[types.JID]string{}
		p.verified = map[types.JID]string{}
		p.business = map[types.JID]*types.BusinessProfile{}
		p.privacy = map[string]types.PrivacySettings{}
		p.blocked = map[string][]types.JID{}
		p.qrCodes = map[string]string{}
		p.qrOwners = map[string]types.JID{}
		p.bizLinks = map[string]types.BusinessMessageLinkTarget{}
		p.timers = map[string]time.Duration{}
		p.presences = map[types.JID]events.Presence{}
		p.subscribed = map[string]map[types.JID]bool{}
		p.calls = map[string]types.BasicCallMeta{}
		p.rejected = map[string][]RejectedCall{}
	}
	return p
}

// defaultPrivacy is what the Fake answers for an account that changed
// nothing: plausible defaults of a new WhatsApp account, not verified.
var defaultPrivacy = types.PrivacySettings{
	GroupAdd: types.PrivacySettingAll, LastSeen: types.PrivacySettingAll, Status: types.PrivacySettingContacts,
	Profile: types.PrivacySettingAll, ReadReceipts: types.PrivacySettingAll, CallAdd: types.PrivacySettingAll,
	Online: types.PrivacySettingAll,
}

// SetAbout gives a person (not an account: accounts use SetStatusMessage)
// an about text, as GetUserInfo answers it.
func (f *Fake) SetAbout(jid types.JID, about string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prof().about[jid.ToNonAD()] = about
}

// SetBusinessProfile makes a number a WhatsApp Business account with a
// verified name and profile: GetUserInfo reports the name and
// GetBusinessProfile the profile (its JID is set to jid).
func (f *Fake) SetBusinessProfile(jid types.JID, verifiedName string, profile types.BusinessProfile) {
	f.mu.Lock()
	defer f.mu.Unlock()
	jid = jid.ToNonAD()
	profile.JID = jid
	f.prof().verified[jid] = verifiedName
	f.prof().business[jid] = &profile
	f.registered[jid.User] = true
}

// AddBusinessLink makes a business message link (https://wa.me/message/code)
// lead to target.
func (f *Fake) AddBusinessLink(code string, target types.BusinessMessageLinkTarget) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prof().bizLinks[code] = target
}

// userJID returns the phone JID of a person given by phone JID or LID,
// and whether they are on WhatsApp; f.mu is held.
func (f *Fake) userJID(jid types.JID) (types.JID, bool) {
	jid = jid.ToNonAD()
	if jid.Server == types.HiddenUserServer {
		for _, c := range f.conns {
			if pn, lid := c.self(); lid == jid && !pn.IsEmpty() {
				return pn, true
			}
		}
		for pn, lid := range f.lids {
			if lid == jid {
				return pn, true
			}
		}
		return jid, false
	}
	return jid, jid.Server == types.DefaultUserServer && f.isRegistered(jid)
}

// GetUserInfo answers for the people on WhatsApp among jids (others are
// left out): about text, profile picture id, verified business name,
// LID and devices (the phone, and the device linked to the Fake for
// accounts).
func (c *Conn) GetUserInfo(_ context.Context, jids []types.JID) (map[types.JID]types.UserInfo, error) {
	if err := c.online("GetUserInfo"); err != nil {
		return nil, err
	}
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.prof()
	out := make(map[types.JID]types.UserInfo, len(jids))
	for _, asked := range jids {
		pn, ok := f.userJID(asked)
		if !ok {
			continue
		}
		info := types.UserInfo{Status: p.about[pn], PictureID: p.pictureIDs[pn], Devices: []types.JID{pn}, LID: f.lids[pn]}
		if _, has := f.pictures[pn]; has && info.PictureID == "" {
			info.PictureID = "1" // as GetProfilePictureInfo answers
		}
		for _, o := range f.conns {
			if opn, olid := o.self(); opn == pn {
				info.LID = olid
				if o.dev.ID != nil && o.dev.ID.Device != 0 {
					info.Devices = append(info.Devices, *o.dev.ID)
				}
			}
		}
		if name, ok := p.verified[pn]; ok {
			info.VerifiedName = &types.VerifiedName{Details: &waVnameCert.VerifiedNameCertificate_Details{VerifiedName: proto.String(name)}}
		}
		out[asked] = info
	}
	return out, nil
}

// SetStatusMessage sets the account's about text.
func (c *Conn) SetStatusMessage(_ context.Context, msg string) error {
	if err := c.online("SetStatusMessage"); err != nil {
		return err
	}
	pn, _ := c.self()
	c.fake.mu.Lock()
	defer c.fake.mu.Unlock()
	c.fake.prof().about[pn] = msg
	return nil
}

// setOwnPhoto sets (nil: removes) the account's profile picture, as
// SetGroupPhoto without a target does.
func (c *Conn) setOwnPhoto(avatar []byte) (string, error) {
	if err := c.online("SetGroupPhoto"); err != nil {
		return "", err
	}
	pn, _ := c.self()
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.prof()
	if avatar == nil {
		delete(f.pictures, pn)
		delete(p.pictureIDs, pn)
		return "remove", nil
	}
	id := fmt.Sprint(f.next())
	p.pictureIDs[pn] = id
	f.pictures[pn] = "https://pps.whatsapp.net/v/t61/" + id + ".jpg"
	return id, nil
}

// TryFetchPrivacySettings answers the account's privacy settings
// (defaults until SetPrivacySetting changes one).
func (c *Conn) TryFetchPrivacySettings(_ context.Context, _ bool) (*types.PrivacySettings, error) {
	if err := c.online("TryFetchPrivacySettings"); err != nil {
		return nil, err
	}
	c.fake.mu.Lock()
	defer c.fake.mu.Unlock()
	s, ok := c.fake.prof().privacy[c.account]
	if !ok {
		s = defaultPrivacy
	}
	return &s, nil
}

// SetPrivacySetting changes one privacy setting and answers them all, as
// whatsmeow does. WhatsApp refuses a setting it does not know (400, a
// plausible code).
func (c *Conn) SetPrivacySetting(ctx context.Context, name types.PrivacySettingType, value types.PrivacySetting) (types.PrivacySettings, error) {
	cur, err := c.TryFetchPrivacySettings(ctx, false)
	if err != nil {
		return types.PrivacySettings{}, err
	}
	s := *cur
	switch name {
	case types.PrivacySettingTypeGroupAdd:
		s.GroupAdd = value
	case types.PrivacySettingTypeLastSeen:
		s.LastSeen = value
	case types.PrivacySettingTypeStatus:
		s.Status = value
	case types.PrivacySettingTypeProfile:
		s.Profile = value
	case types.PrivacySettingTypeReadReceipts:
		s.ReadReceipts = value
	case types.PrivacySettingTypeOnline:
		s.Online = value
	case types.PrivacySettingTypeCallAdd:
		s.CallAdd = value
	default:
		return types.PrivacySettings{}, whatsmeow.ErrIQBadRequest
	}
	c.fake.mu.Lock()
	defer c.fake.mu.Unlock()
	c.fake.prof().privacy[c.account] = s
	return s, nil
}

// SetDefaultDisappearingTimer records the account's default timer (see
// Conn.DefaultDisappearingTimer).
func (c *Conn) SetDefaultDisappearingTimer(_ context.Context, timer time.Duration) error {
	if err := c.online("SetDefaultDisappearingTimer"); err != nil {
		return err
	}
	c.fake.mu.Lock()
	defer c.fake.mu.Unlock()
	c.fake.prof().timers[c.account] = timer
	return nil
}

// DefaultDisappearingTimer returns the account's default disappearing
// timer, as SetDefaultDisappearingTimer set it.
func (c *Conn) DefaultDisappearingTimer() time.Duration {
	c.fake.mu.Lock()
	defer c.fake.mu.Unlock()
	return c.fake.prof().timers[c.account]
}

// SetDisappearingTimer does what whatsmeow does: in a chat with a person
// it sends an ephemeral-setting protocol message (see Conn.Sent); in a
// group it changes the group (admins only when it is locked; only 0, 24h,
// 7 and 90 days, else ErrInvalidDisappearingTimer) and the members get
// *events.GroupInfo with Ephemeral.
func (c *Conn) SetDisappearingTimer(ctx context.Context, chat types.JID, timer time.Duration, settingTS time.Time) error {
	switch chat.Server {
	case types.DefaultUserServer, types.HiddenUserServer:
		if settingTS.IsZero() {
			settingTS = time.Now()
		}
		_, err := c.SendMessage(ctx, chat, &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
			Type:                      waE2E.ProtocolMessage_EPHEMERAL_SETTING.Enum(),
			EphemeralExpiration:       proto.Uint32(uint32(timer.Seconds())),
			EphemeralSettingTimestamp: proto.Int64(settingTS.Unix()),
		}})
		return err
	case types.GroupServer:
		switch timer {
		case 0, whatsmeow.DisappearingTimer24Hours, whatsmeow.DisappearingTimer7Days, whatsmeow.DisappearingTimer90Days:
		default:
			c.record("SetDisappearingTimer")
			return &iqError{whatsmeow.ErrInvalidDisappearingTimer, whatsmeow.ErrIQBadRequest}
		}
		eph := types.GroupEphemeral{IsEphemeral: timer > 0, DisappearingTimer: uint32(timer.Seconds())}
		return c.groupChange("SetDisappearingTimer", chat, whenLocked, func(g *group) error {
			g.info.GroupEphemeral = eph
			return nil
		}, func(e *events.GroupInfo) { e.Ephemeral = &eph })
	}
	c.record("SetDisappearingTimer")
	return fmt.Errorf("can't set disappearing time in a %s chat", chat.Server)
}

// GetBlocklist answers the account's blocklist.
func (c *Conn) GetBlocklist(_ context.Context) (*types.Blocklist, error) {
	if err := c.online("GetBlocklist"); err != nil {
		return nil, err
	}
	c.fake.mu.Lock()
	defer c.fake.mu.Unlock()
	return &types.Blocklist{JIDs: slices.Clone(c.fake.prof().blocked[c.account])}, nil
}

// UpdateBlocklist blocks or unblocks a person and answers the new list;
// then, as WhatsApp notifies the account's devices, the account gets
// *events.Blocklist with the change.
func (c *Conn) UpdateBlocklist(_ context.Context, jid types.JID, action events.BlocklistChangeAction) (*types.Blocklist, error) {
	if err := c.online("UpdateBlocklist"); err != nil {
		return nil, err
	}
	jid = jid.ToNonAD()
	f := c.fake
	f.mu.Lock()
	p := f.prof()
	list := p.blocked[c.account]
	switch action {
	case events.BlocklistChangeActionBlock:
		if !slices.Contains(list, jid) {
			list = append(list, jid)
		}
	case events.BlocklistChangeActionUnblock:
		list = slices.DeleteFunc(list, func(j types.JID) bool { return j == jid })
	default:
		f.mu.Unlock()
		return nil, whatsmeow.ErrIQBadRequest
	}
	p.blocked[c.account] = list
	out := &types.Blocklist{JIDs: slices.Clone(list)}
	f.mu.Unlock()
	c.Emit(&events.Blocklist{Changes: []events.BlocklistChange{{JID: jid, Action: action}}})
	return out, nil
}

// GetBusinessProfile answers the profile SetBusinessProfile gave a number.
// What WhatsApp answers for a number without one is not emulated.
func (c *Conn) GetBusinessProfile(_ context.Context, jid types.JID) (*types.BusinessProfile, error) {
	if err := c.online("GetBusinessProfile"); err != nil {
		return nil, err
	}
	c.fake.mu.Lock()
	defer c.fake.mu.Unlock()
	pn, _ := c.fake.userJID(jid)
	bp, ok := c.fake.prof().business[pn]
	if !ok {
		return nil, fmt.Errorf("%w: GetBusinessProfile of a number that is not a business", ErrNotEmulated)
	}
	out := *bp
	return &out, nil
}

// GetContactQRLink answers the code of the account's contact link, making
// one the first time; revoke replaces it (the old one then resolves no
// more).
func (c *Conn) GetContactQRLink(_ context.Context, revoke bool) (string, error) {
	if err := c.online("GetContactQRLink"); err != nil {
		return "", err
	}
	pn, _ := c.self()
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.prof()
	code, ok := p.qrCodes[c.account]
	if ok && !revoke {
		return code, nil
	}
	delete(p.qrOwners, code)
	code = fmt.Sprintf("WAUSERQR%06d", f.next())
	p.qrCodes[c.account], p.qrOwners[code] = code, pn
	return code, nil
}

// ResolveContactQRLink answers the account a contact link code belongs
// to; an unknown code fails with whatsmeow.ErrContactQRLinkNotFound (404).
func (c *Conn) ResolveContactQRLink(_ context.Context, code string) (*types.ContactQRLinkTarget, error) {
	if err := c.online("ResolveContactQRLink"); err != nil {
		return nil, err
	}
	f := c.fake
	f.mu.Lock()
	pn, ok := f.prof().qrOwners[code]
	if !ok {
		f.mu.Unlock()
		return nil, &iqError{whatsmeow.ErrContactQRLinkNotFound, whatsmeow.ErrIQNotFound}
	}
	target := &types.ContactQRLinkTarget{JID: pn, Type: "contact"}
	var owner *Conn
	for _, o := range f.conns {
		if opn, _ := o.self(); opn == pn {
			owner = o
		}
	}
	f.mu.Unlock()
	if owner != nil {
		target.PushName = owner.pushName()
	}
	return target, nil
}

// ResolveBusinessMessageLink answers what AddBusinessLink set; an unknown
// code fails with whatsmeow.ErrBusinessMessageLinkNotFound (404).
func (c *Conn) ResolveBusinessMessageLink(_ context.Context, code string) (*types.BusinessMessageLinkTarget, error) {
	if err := c.online("ResolveBusinessMessageLink"); err != nil {
		return nil, err
	}
	c.fake.mu.Lock()
	defer c.fake.mu.Unlock()
	t, ok := c.fake.prof().bizLinks[code]
	if !ok {
		return nil, &iqError{whatsmeow.ErrBusinessMessageLinkNotFound, whatsmeow.ErrIQNotFound}
	}
	return &t, nil
}

// available reports whether the account last announced itself available
// (SendPresence).
func (c *Conn) available() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.updates) > 0 && c.updates[len(c.updates)-1] == types.PresenceAvailable
}

// SubscribePresence records the subscription; when the Fake knows the
// person's presence (SetPresence) and the account is available, the
// account gets it at once as *events.Presence, as WhatsApp answers a
// subscription.
func (c *Conn) SubscribePresence(_ context.Context, jid types.JID) error {
	if err := c.online("SubscribePresence"); err != nil {
		return err
	}
	jid = jid.ToNonAD()
	f := c.fake
	f.mu.Lock()
	p := f.prof()
	if p.subscribed[c.account] == nil {
		p.subscribed[c.account] = map[types.JID]bool{}
	}
	p.subscribed[c.account][jid] = true
	evt, known := p.presences[jid]
	f.mu.Unlock()
	if known && c.available() {
		c.Emit(&evt)
	}
	return nil
}

// SetPresence plays a person coming online (online true) or going offline
// (lastSeen is when; zero when their privacy hides it): the accounts that
// subscribed to them (SubscribePresence) and are available get
// *events.Presence.
func (f *Fake) SetPresence(jid types.JID, online bool, lastSeen time.Time) {
	jid = jid.ToNonAD()
	evt := events.Presence{From: jid, Unavailable: !online, LastSeen: lastSeen}
	f.mu.Lock()
	p := f.prof()
	p.presences[jid] = evt
	var to []*Conn
	for account, subs := range p.subscribed {
		if c := f.conns[account]; subs[jid] && c != nil {
			to = append(to, c)
		}
	}
	f.mu.Unlock()
	for _, c := range to {
		if c.Connected() && c.available() {
			e := evt
			c.Emit(&e)
		}
	}
}

// OfferCall plays from calling the account (a video call with video): the
// account gets *events.CallOffer, and the call's id is returned for
// AcceptCall and EndCall.
func (c *Conn) OfferCall(from types.JID, video bool) string {
	f := c.fake
	f.mu.Lock()
	meta := types.BasicCallMeta{From: from, Timestamp: f.now(), CallCreator: from, CallID: fmt.Sprintf("%032X", f.next())}
	f.prof().calls[meta.CallID] = meta
	f.mu.Unlock()
	offer := &events.CallOffer{BasicCallMeta: meta, CallRemoteMeta: types.CallRemoteMeta{RemotePlatform: "android", RemoteVersion: "2.25.1.1"}}
	offer.Data = callNode("offer", meta.CallID, from, video)
	c.Emit(offer)
	return meta.CallID
}

// AcceptCall plays the account's phone answering a call: the call ends on
// the linked device, which gets *events.CallTerminate with the reason
// "accepted_elsewhere" (as whatsmeow users report WhatsApp doing; not
// verified here).
func (c *Conn) AcceptCall(callID string) {
	c.fake.mu.Lock()
	meta := c.fake.prof().calls[callID]
	meta.Timestamp = c.fake.now()
	c.fake.mu.Unlock()
	c.Emit(&events.CallTerminate{BasicCallMeta: meta, Reason: "accepted_elsewhere", Data: callNode("terminate", callID, meta.CallCreator, false)})
}

// EndCall plays a call ending (reason "" when the caller hung up,
// "timeout" when it rang out): the account gets *events.CallTerminate.
func (c *Conn) EndCall(callID, reason string) {
	c.fake.mu.Lock()
	meta := c.fake.prof().calls[callID]
	delete(c.fake.prof().calls, callID)
	meta.Timestamp = c.fake.now()
	c.fake.mu.Unlock()
	c.Emit(&events.CallTerminate{BasicCallMeta: meta, Reason: reason, Data: callNode("terminate", callID, meta.CallCreator, false)})
}

// RejectCall records the rejection (see RejectedCalls). What WhatsApp then
// sends the account's devices is not emulated: no event follows.
func (c *Conn) RejectCall(_ context.Context, from types.JID, callID string) error {
	if err := c.online("RejectCall"); err != nil {
		return err
	}
	c.fake.mu.Lock()
	defer c.fake.mu.Unlock()
	p := c.fake.prof()
	p.rejected[c.account] = append(p.rejected[c.account], RejectedCall{From: from.ToNonAD(), CallID: callID})
	return nil
}

// RejectedCalls returns the calls the account declined, in order.
func (c *Conn) RejectedCalls() []RejectedCall {
	c.fake.mu.Lock()
	defer c.fake.mu.Unlock()
	return slices.Clone(c.fake.prof().rejected[c.account])
}

// callNode builds the <offer>, <accept> or <terminate> node whatsmeow
// hands over as the Data of call events: an offer carries <audio> and,
// for a video call, <video>.
func callNode(tag, callID string, creator types.JID, video bool) *waBinary.Node {
	n := &waBinary.Node{Tag: tag, Attrs: waBinary.Attrs{"call-id": callID, "call-creator": creator}}
	if tag == "offer" {
		content := []waBinary.Node{{Tag: "audio", Attrs: waBinary.Attrs{"enc": "opus", "rate": "16000"}}}
		if video {
			content = append(content, waBinary.Node{Tag: "video", Attrs: waBinary.Attrs{"enc": "vp8", "dec": "vp8"}})
		}
		n.Content = content
	}
	return n
}

// pushName returns the device's profile name. whatsmeow writes it from its
// event goroutine and reads it when sending; the Fake guards it with c.mu.
func (c *Conn) pushName() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dev.PushName
}

// setPushName sets the device's profile name (see pushName).
func (c *Conn) setPushName(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dev.PushName = name
}
