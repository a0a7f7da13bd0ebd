package watest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
)

// group is a group in the Fake's memory.
type group struct {
	info      types.GroupInfo // Participants unused: see members
	members   []types.GroupParticipant
	requests  []types.GroupParticipantRequest
	invite    string
	pictureID string
}

// snapshot returns the group's info with a copy of its participants.
func (g *group) snapshot() types.GroupInfo {
	info := g.info
	info.Participants = slices.Clone(g.members)
	info.ParticipantCount = len(g.members)
	return info
}

// find returns the index of the participant who is any of jids, or -1.
func (g *group) find(jids ...types.JID) int {
	for i, p := range g.members {
		for _, j := range jids {
			j = j.ToNonAD()
			if !j.IsEmpty() && (p.JID == j || p.PhoneNumber == j || p.LID == j) {
				return i
			}
		}
	}
	return -1
}

// iqError mirrors whatsmeow's wrapped IQ errors: errors.Is finds both the
// named error (ErrGroupNotFound...) and the *whatsmeow.IQError.
type iqError struct{ named, iq error }

func (e *iqError) Error() string        { return e.named.Error() }
func (e *iqError) Is(target error) bool { return errors.Is(target, e.named) }
func (e *iqError) Unwrap() error        { return e.iq }

// self returns the account's phone JID and LID.
func (c *Conn) self() (pn, lid types.JID) {
	if c.dev.ID != nil {
		pn = c.dev.ID.ToNonAD()
	}
	return pn, c.dev.LID.ToNonAD()
}

// GroupSpec describes a group made with Fake.AddGroup.
type GroupSpec struct {
	Name     string
	Owner    types.JID   // the creator (superadmin); need not be an account
	Admins   []types.JID // other admins
	Members  []types.JID // plain members
	Announce bool
	Locked   bool
	// JoinApprovalRequired makes joining by invite link a request.
	JoinApprovalRequired bool
	// LIDAddressed makes a group whose participants WhatsApp addresses by
	// LID (AddressingMode "lid"), as it does for more and more groups:
	// members are listed by LID (with their phone number where the Fake
	// knows both, see Fake.SetLID), and messages in it come from the
	// sender's LID, with the phone number as SenderAlt.
	LIDAddressed bool
}

// AddGroup makes a group that someone else created, e.g. to test what an
// account that is a plain member may do. It returns the group's JID.
func (f *Fake) AddGroup(spec GroupSpec) types.JID {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.newGroup(spec.Name, spec.Owner)
	g.info.IsAnnounce, g.info.IsLocked, g.info.IsJoinApprovalRequired = spec.Announce, spec.Locked, spec.JoinApprovalRequired
	if spec.LIDAddressed {
		g.info.AddressingMode = types.AddressingModeLID
		g.members[0] = f.lidParticipant(g.members[0])
	}
	for _, a := range spec.Admins {
		p := f.participant(a)
		p.IsAdmin = true
		if spec.LIDAddressed {
			p = f.lidParticipant(p)
		}
		g.members = append(g.members, p)
	}
	for _, m := range spec.Members {
		p := f.participant(m)
		if spec.LIDAddressed {
			p = f.lidParticipant(p)
		}
		g.members = append(g.members, p)
	}
	return g.info.JID
}

// lidParticipant lists p by LID, as in a LID-addressed group, when its LID
// is known; f.mu is held.
func (f *Fake) lidParticipant(p types.GroupParticipant) types.GroupParticipant {
	if !p.LID.IsEmpty() {
		p.JID = p.LID
	}
	return p
}

// SetLID tells the Fake the LID of the person with phone number pn (who
// need not be an account): groups list them with both forms.
func (f *Fake) SetLID(pn, lid types.JID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lids == nil {
		f.lids = map[types.JID]types.JID{}
	}
	f.lids[pn.ToNonAD()] = lid.ToNonAD()
}

// Group returns a group as the Fake holds it, participants included.
func (f *Fake) Group(jid types.JID) (types.GroupInfo, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.groups[jid]
	if !ok {
		return types.GroupInfo{}, false
	}
	return g.snapshot(), true
}

// RequestJoin plays who asking to join a group that requires approval.
func (f *Fake) RequestJoin(group, who types.JID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.groups[group]
	if !ok {
		return fmt.Errorf("watest: no group %s", group)
	}
	g.requests = append(g.requests, types.GroupParticipantRequest{JID: who.ToNonAD(), RequestedAt: f.now()})
	return nil
}

// newGroup adds an empty group owned by owner; f.mu is held.
func (f *Fake) newGroup(name string, owner types.JID) *group {
	now := f.now()
	jid := types.NewJID(fmt.Sprintf("120363%012d", f.next()), types.GroupServer)
	g := &group{info: types.GroupInfo{
		JID:            jid,
		OwnerJID:       owner,
		GroupName:      types.GroupName{Name: name, NameSetAt: now, NameSetBy: owner},
		AddressingMode: types.AddressingModePN,
		GroupCreated:   now,
	}}
	creator := f.participant(owner)
	creator.IsAdmin, creator.IsSuperAdmin = true, true
	g.members = []types.GroupParticipant{creator}
	f.groups[jid] = g
	return g
}

// participant describes jid as a group member, filling in the other
// addressing form for accounts of the Fake; f.mu is held.
func (f *Fake) participant(jid types.JID) types.GroupParticipant {
	jid = jid.ToNonAD()
	p := types.GroupParticipant{JID: jid}
	for _, c := range f.conns {
		pn, lid := c.self()
		switch {
		case jid.Server == types.DefaultUserServer && jid == pn:
			p.LID = lid
		case jid.Server == types.HiddenUserServer && jid == lid:
			p.PhoneNumber = pn
		}
	}
	switch jid.Server {
	case types.DefaultUserServer:
		p.PhoneNumber = jid
		if lid, ok := f.lids[jid]; ok && p.LID.IsEmpty() {
			p.LID = lid
		}
	case types.HiddenUserServer:
		p.LID = jid
		for pn, lid := range f.lids {
			if lid == jid && p.PhoneNumber.IsEmpty() {
				p.PhoneNumber = pn
			}
		}
	}
	return p
}

// memberConns returns the connections of accounts in g (and in extra);
// f.mu is held.
func (f *Fake) memberConns(g *group, extra ...types.JID) []*Conn {
	var out []*Conn
	for _, c := range f.conns {
		pn, lid := c.self()
		if pn.IsEmpty() {
			continue
		}
		in := g.find(pn, lid) >= 0
		for _, e := range extra {
			in = in || e.ToNonAD() == pn || (!lid.IsEmpty() && e.ToNonAD() == lid)
		}
		if in {
			out = append(out, c)
		}
	}
	return out
}

// emitTo dispatches evt to each connection; no lock is held.
func emitTo(conns []*Conn, evt any) {
	for _, c := range conns {
		c.Emit(evt)
	}
}

// access checks that the account may act on group jid; f.mu is held. With
// admin, only admins may; named errors are whatsmeow's for group info.
func (c *Conn) access(jid types.JID, admin, named bool) (*group, int, error) {
	g, ok := c.fake.groups[jid]
	if !ok {
		if named {
			return nil, -1, &iqError{whatsmeow.ErrGroupNotFound, whatsmeow.ErrIQNotFound}
		}
		return nil, -1, whatsmeow.ErrIQNotFound
	}
	me := g.find(c.self())
	if me < 0 {
		if named {
			return nil, -1, &iqError{whatsmeow.ErrNotInGroup, whatsmeow.ErrIQForbidden}
		}
		return nil, -1, whatsmeow.ErrIQForbidden
	}
	if admin && !g.members[me].IsAdmin {
		return nil, -1, whatsmeow.ErrIQForbidden
	}
	return g, me, nil
}

// lockGroup records the call name, checks that the account is online and
// may act on group jid (see access), and returns with f.mu held; on error
// f.mu is not held.
func (c *Conn) lockGroup(name string, jid types.JID, admin, named bool) (*group, int, error) {
	if err := c.online(name); err != nil {
		return nil, -1, err
	}
	c.fake.mu.Lock()
	g, me, err := c.access(jid, admin, named)
	if err != nil {
		c.fake.mu.Unlock()
		return nil, -1, err
	}
	return g, me, nil
}

// groupChange applies change to group jid as the account, then emits a
// GroupInfo event built by evt to the accounts in the group.
func (c *Conn) groupChange(name string, jid types.JID, admin func(*group) bool, change func(*group) error, evt func(*events.GroupInfo)) error {
	g, me, err := c.lockGroup(name, jid, false, false)
	if err != nil {
		return err
	}
	f := c.fake
	if admin(g) && !g.members[me].IsAdmin {
		err = whatsmeow.ErrIQForbidden
	} else {
		err = change(g)
	}
	if err != nil {
		f.mu.Unlock()
		return err
	}
	pn, _ := c.self()
	e := &events.GroupInfo{JID: jid, Sender: &pn, Timestamp: f.now()}
	evt(e)
	conns := f.memberConns(g)
	f.mu.Unlock()
	emitTo(conns, e)
	return nil
}

func always(*group) bool       { return true }
func whenLocked(g *group) bool { return g.info.IsLocked }

// CreateGroup creates a group with the account as its creator and adds the
// participants it can (see the package doc for the per-participant codes).
// The account, and every other account added, gets *events.JoinedGroup.
func (c *Conn) CreateGroup(_ context.Context, req whatsmeow.ReqCreateGroup) (*types.GroupInfo, error) {
	if err := c.online("CreateGroup"); err != nil {
		return nil, err
	}
	if req.Name == "" || utf8.RuneCountInString(req.Name) > 100 {
		return nil, whatsmeow.ErrIQNotAcceptable
	}
	f := c.fake
	f.mu.Lock()
	pn, _ := c.self()
	g := f.newGroup(req.Name, pn)
	g.info.GroupEphemeral = req.GroupEphemeral
	g.info.GroupAnnounce = req.GroupAnnounce
	g.info.GroupLocked = req.GroupLocked
	g.info.GroupMembershipApprovalMode = req.GroupMembershipApprovalMode
	g.info.GroupLinkedParent = req.GroupLinkedParent
	g.info.GroupParent = req.GroupParent
	if req.IsParent {
		f.newAnnouncementGroup(g) // see communities.go
	}
	results := []types.GroupParticipant{g.members[0]}
	for _, p := range req.Participants {
		results = append(results, f.add(g, p))
	}
	info := g.snapshot()
	info.Participants = results
	joined := &events.JoinedGroup{Type: "new", CreateKey: req.CreateKey, Sender: &pn, GroupInfo: g.snapshot()}
	conns := f.memberConns(g)
	f.mu.Unlock()
	emitTo(conns, joined)
	return &info, nil
}

// add adds jid to g, or returns why not in the result's Error; f.mu is
// held.
func (f *Fake) add(g *group, jid types.JID) types.GroupParticipant {
	jid = jid.ToNonAD()
	switch {
	case g.find(jid) >= 0:
		return types.GroupParticipant{JID: jid, Error: 409}
	case !f.isRegistered(jid):
		return types.GroupParticipant{JID: jid, Error: 404}
	case jid.Server == types.DefaultUserServer && f.inviteOnly[jid.User]:
		return types.GroupParticipant{JID: jid, Error: 403, AddRequest: &types.GroupParticipantAddRequest{
			Code:       fmt.Sprintf("watestadd%08d", f.next()),
			Expiration: f.now().Add(3 * 24 * time.Hour),
		}}
	}
	p := f.participant(jid)
	g.members = append(g.members, p)
	return p
}

// GetJoinedGroups returns the groups the account is in, ordered by JID.
func (c *Conn) GetJoinedGroups(_ context.Context) ([]*types.GroupInfo, error) {
	if err := c.online("GetJoinedGroups"); err != nil {
		return nil, err
	}
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*types.GroupInfo
	for _, g := range f.groups {
		if g.find(c.self()) >= 0 {
			info := g.snapshot()
			out = append(out, &info)
		}
	}
	slices.SortFunc(out, func(a, b *types.GroupInfo) int { return strings.Compare(a.JID.User, b.JID.User) })
	return out, nil
}

// GetGroupInfo returns a group the account is in: ErrGroupNotFound and
// ErrNotInGroup otherwise, as in whatsmeow.
func (c *Conn) GetGroupInfo(_ context.Context, jid types.JID) (*types.GroupInfo, error) {
	g, _, err := c.lockGroup("GetGroupInfo", jid, false, true)
	if err != nil {
		return nil, err
	}
	defer c.fake.mu.Unlock()
	info := g.snapshot()
	return &info, nil
}

// SetGroupName renames a group; in a locked group only admins may.
func (c *Conn) SetGroupName(_ context.Context, jid types.JID, name string) error {
	if name == "" || utf8.RuneCountInString(name) > 100 {
		c.record("SetGroupName")
		return whatsmeow.ErrIQNotAcceptable
	}
	var set types.GroupName
	return c.groupChange("SetGroupName", jid, whenLocked, func(g *group) error {
		pn, _ := c.self()
		g.info.GroupName = types.GroupName{Name: name, NameSetAt: c.fake.now(), NameSetBy: pn}
		set = g.info.GroupName
		return nil
	}, func(e *events.GroupInfo) { e.Name = &set })
}

// SetGroupTopic sets (or, when empty, deletes) a group's description; in a
// locked group only admins may.
func (c *Conn) SetGroupTopic(_ context.Context, jid types.JID, _, newID, topic string) error {
	var set types.GroupTopic
	return c.groupChange("SetGroupTopic", jid, whenLocked, func(g *group) error {
		if newID == "" {
			newID = fmt.Sprintf("WATESTTOPIC%08d", c.fake.next())
		}
		pn, _ := c.self()
		g.info.GroupTopic = types.GroupTopic{Topic: topic, TopicID: newID, TopicSetAt: c.fake.now(), TopicSetBy: pn, TopicDeleted: topic == ""}
		set = g.info.GroupTopic
		return nil
	}, func(e *events.GroupInfo) { e.Topic = &set })
}

// SetGroupPhoto sets a group's picture (a JPEG; nil removes it) and emits
// *events.Picture to the accounts in the group. Without a group (EmptyJID)
// it sets the account's own profile picture, as whatsmeow does.
func (c *Conn) SetGroupPhoto(_ context.Context, jid types.JID, avatar []byte) (string, error) {
	if jid.IsEmpty() && (avatar == nil || http.DetectContentType(avatar) == "image/jpeg") {
		return c.setOwnPhoto(avatar)
	}
	if avatar != nil && http.DetectContentType(avatar) != "image/jpeg" {
		c.record("SetGroupPhoto")
		return "", &iqError{whatsmeow.ErrInvalidImageFormat, whatsmeow.ErrIQNotAcceptable}
	}
	g, me, err := c.lockGroup("SetGroupPhoto", jid, false, false)
	if err != nil {
		return "", err
	}
	f := c.fake
	if g.info.IsLocked && !g.members[me].IsAdmin {
		f.mu.Unlock()
		return "", whatsmeow.ErrIQForbidden
	}
	id := "remove"
	g.pictureID = ""
	if avatar != nil {
		id = fmt.Sprint(f.next())
		g.pictureID = id
	}
	pn, _ := c.self()
	evt := &events.Picture{JID: jid, Author: pn, Timestamp: f.now(), Remove: avatar == nil, PictureID: g.pictureID}
	conns := f.memberConns(g)
	f.mu.Unlock()
	emitTo(conns, evt)
	return id, nil
}

// SetGroupLocked locks or unlocks a group; only admins may.
func (c *Conn) SetGroupLocked(_ context.Context, jid types.JID, locked bool) error {
	return c.groupChange("SetGroupLocked", jid, always, func(g *group) error {
		g.info.IsLocked = locked
		return nil
	}, func(e *events.GroupInfo) { e.Locked = &types.GroupLocked{IsLocked: locked} })
}

// SetGroupAnnounce turns announce mode on or off; only admins may.
func (c *Conn) SetGroupAnnounce(_ context.Context, jid types.JID, announce bool) error {
	return c.groupChange("SetGroupAnnounce", jid, always, func(g *group) error {
		g.info.IsAnnounce = announce
		return nil
	}, func(e *events.GroupInfo) { e.Announce = &types.GroupAnnounce{IsAnnounce: announce} })
}

// SetGroupJoinApprovalMode turns join approval on or off; only admins may.
func (c *Conn) SetGroupJoinApprovalMode(_ context.Context, jid types.JID, mode bool) error {
	return c.groupChange("SetGroupJoinApprovalMode", jid, always, func(g *group) error {
		g.info.IsJoinApprovalRequired = mode
		return nil
	}, func(e *events.GroupInfo) {
		e.MembershipApprovalMode = &types.GroupMembershipApprovalMode{IsJoinApprovalRequired: mode}
	})
}

// UpdateGroupParticipants adds, removes, promotes or demotes participants;
// only admins may. Each participant gets a result (see the package doc for
// the codes); accounts added get *events.JoinedGroup, and the accounts in
// the group *events.GroupInfo with the change.
func (c *Conn) UpdateGroupParticipants(_ context.Context, jid types.JID, changes []types.JID, action whatsmeow.ParticipantChange) ([]types.GroupParticipant, error) {
	g, _, err := c.lockGroup("UpdateGroupParticipants", jid, true, false)
	if err != nil {
		return nil, err
	}
	f := c.fake
	results := make([]types.GroupParticipant, 0, len(changes))
	var changed []types.JID
	for _, p := range changes {
		var r types.GroupParticipant
		if action == whatsmeow.ParticipantChangeAdd {
			r = f.add(g, p)
		} else {
			r = changeMember(g, p.ToNonAD(), action)
		}
		results = append(results, r)
		if r.Error == 0 {
			changed = append(changed, r.JID)
		}
	}
	pn, _ := c.self()
	evt := &events.GroupInfo{JID: jid, Sender: &pn, Timestamp: f.now()}
	switch action {
	case whatsmeow.ParticipantChangeAdd:
		evt.Join = changed
	case whatsmeow.ParticipantChangeRemove:
		evt.Leave = changed
	case whatsmeow.ParticipantChangePromote:
		evt.Promote = changed
	case whatsmeow.ParticipantChangeDemote:
		evt.Demote = changed
	}
	conns := f.memberConns(g, changed...)
	var joined []*Conn
	if action == whatsmeow.ParticipantChangeAdd {
		// Accounts that were added learn of the group itself instead.
		joined = f.memberConns(&group{members: participantsOf(changed)})
		conns = slices.DeleteFunc(conns, func(c *Conn) bool { return slices.Contains(joined, c) })
	}
	joinedEvt := &events.JoinedGroup{Sender: &pn, GroupInfo: g.snapshot()}
	f.mu.Unlock()
	if len(changed) > 0 {
		emitTo(conns, evt)
		emitTo(joined, joinedEvt)
	}
	return results, nil
}

// participantsOf makes a participant list of jids, to match accounts.
func participantsOf(jids []types.JID) []types.GroupParticipant {
	out := make([]types.GroupParticipant, 0, len(jids))
	for _, j := range jids {
		out = append(out, types.GroupParticipant{JID: j})
	}
	return out
}

// changeMember removes, promotes or demotes jid in g.
func changeMember(g *group, jid types.JID, action whatsmeow.ParticipantChange) types.GroupParticipant {
	i := g.find(jid)
	if i < 0 {
		return types.GroupParticipant{JID: jid, Error: 404}
	}
	p := g.members[i]
	if p.IsSuperAdmin && action != whatsmeow.ParticipantChangePromote {
		return types.GroupParticipant{JID: p.JID, Error: 403} // the creator stays
	}
	switch action {
	case whatsmeow.ParticipantChangeRemove:
		g.members = slices.Delete(g.members, i, i+1)
		p.IsAdmin = false
	case whatsmeow.ParticipantChangePromote:
		g.members[i].IsAdmin = true
		p = g.members[i]
	case whatsmeow.ParticipantChangeDemote:
		g.members[i].IsAdmin = false
		p = g.members[i]
	}
	return p
}

// GetGroupRequestParticipants returns the pending join requests; only
// admins may.
func (c *Conn) GetGroupRequestParticipants(_ context.Context, jid types.JID) ([]types.GroupParticipantRequest, error) {
	g, _, err := c.lockGroup("GetGroupRequestParticipants", jid, true, false)
	if err != nil {
		return nil, err
	}
	defer c.fake.mu.Unlock()
	return slices.Clone(g.requests), nil
}

// UpdateGroupRequestParticipants approves or rejects join requests; only
// admins may. A JID without a request gets Error 404.
func (c *Conn) UpdateGroupRequestParticipants(_ context.Context, jid types.JID, changes []types.JID, action whatsmeow.ParticipantRequestChange) ([]types.GroupParticipant, error) {
	g, _, err := c.lockGroup("UpdateGroupRequestParticipants", jid, true, false)
	if err != nil {
		return nil, err
	}
	f := c.fake
	var results []types.GroupParticipant
	var joined []types.JID
	for _, p := range changes {
		p = p.ToNonAD()
		i := slices.IndexFunc(g.requests, func(r types.GroupParticipantRequest) bool { return r.JID == p })
		if i < 0 {
			results = append(results, types.GroupParticipant{JID: p, Error: 404})
			continue
		}
		g.requests = slices.Delete(g.requests, i, i+1)
		r := types.GroupParticipant{JID: p}
		if action == whatsmeow.ParticipantChangeApprove {
			r = f.participant(p)
			g.members = append(g.members, r)
			joined = append(joined, p)
		}
		results = append(results, r)
	}
	pn, _ := c.self()
	evt := &events.GroupInfo{JID: jid, Sender: &pn, Timestamp: f.now(), Join: joined, JoinReason: "approval"}
	conns := f.memberConns(g)
	f.mu.Unlock()
	if len(joined) > 0 {
		emitTo(conns, evt)
	}
	return results, nil
}

// GetGroupInviteLink returns the group's invite link, making a new code
// when reset (the old one is then revoked); only admins may.
func (c *Conn) GetGroupInviteLink(_ context.Context, jid types.JID, reset bool) (string, error) {
	g, me, err := c.lockGroup("GetGroupInviteLink", jid, false, true)
	if err != nil {
		return "", err
	}
	f := c.fake
	if !g.members[me].IsAdmin {
		f.mu.Unlock()
		return "", &iqError{whatsmeow.ErrGroupInviteLinkUnauthorized, whatsmeow.ErrIQNotAuthorized}
	}
	var evt *events.GroupInfo
	if g.invite == "" || reset {
		if g.invite != "" {
			f.revoked[g.invite] = true
			pn, _ := c.self()
			evt = &events.GroupInfo{JID: jid, Sender: &pn, Timestamp: f.now()}
		}
		g.invite = fmt.Sprintf("WaTest%016d", f.next())
	}
	link := whatsmeow.InviteLinkPrefix + g.invite
	conns := f.memberConns(g)
	f.mu.Unlock()
	if evt != nil {
		evt.NewInviteLink = &link
		emitTo(conns, evt)
	}
	return link, nil
}

// byInvite finds the group of an invite code or link; f.mu is held.
func (f *Fake) byInvite(code string) (*group, error) {
	code = strings.TrimPrefix(code, whatsmeow.InviteLinkPrefix)
	if f.revoked[code] {
		return nil, &iqError{whatsmeow.ErrInviteLinkRevoked, whatsmeow.ErrIQGone}
	}
	for _, g := range f.groups {
		if g.invite != "" && g.invite == code {
			return g, nil
		}
	}
	return nil, &iqError{whatsmeow.ErrInviteLinkInvalid, whatsmeow.ErrIQNotAcceptable}
}

// GetGroupInfoFromLink returns the group an invite link leads to.
func (c *Conn) GetGroupInfoFromLink(_ context.Context, code string) (*types.GroupInfo, error) {
	if err := c.online("GetGroupInfoFromLink"); err != nil {
		return nil, err
	}
	c.fake.mu.Lock()
	defer c.fake.mu.Unlock()
	g, err := c.fake.byInvite(code)
	if err != nil {
		return nil, err
	}
	info := g.snapshot()
	return &info, nil
}

// JoinGroupWithLink joins the group of an invite link, or asks to when it
// requires approval; it returns the group's JID either way.
func (c *Conn) JoinGroupWithLink(_ context.Context, code string) (types.JID, error) {
	if err := c.online("JoinGroupWithLink"); err != nil {
		return types.EmptyJID, err
	}
	f := c.fake
	f.mu.Lock()
	g, err := f.byInvite(code)
	if err != nil {
		f.mu.Unlock()
		return types.EmptyJID, err
	}
	pn, _ := c.self()
	jid := g.info.JID
	if g.find(c.self()) >= 0 {
		f.mu.Unlock()
		return jid, nil
	}
	if g.info.IsJoinApprovalRequired {
		g.requests = append(g.requests, types.GroupParticipantRequest{JID: pn, RequestedAt: f.now()})
		f.mu.Unlock()
		return jid, nil
	}
	others := f.memberConns(g)
	g.members = append(g.members, f.participant(pn))
	joined := &events.JoinedGroup{Reason: "invite", GroupInfo: g.snapshot()}
	evt := &events.GroupInfo{JID: jid, Sender: &pn, Timestamp: f.now(), Join: []types.JID{pn}, JoinReason: "invite"}
	f.mu.Unlock()
	c.Emit(joined)
	emitTo(others, evt)
	return jid, nil
}

// LeaveGroup leaves a group; the account and those left in the group get
// *events.GroupInfo with the account in Leave.
func (c *Conn) LeaveGroup(_ context.Context, jid types.JID) error {
	g, me, err := c.lockGroup("LeaveGroup", jid, false, false)
	if err != nil {
		return err
	}
	f := c.fake
	conns := f.memberConns(g)
	left := g.members[me].JID
	g.members = slices.Delete(g.members, me, me+1)
	pn, _ := c.self()
	evt := &events.GroupInfo{JID: jid, Sender: &pn, Timestamp: f.now(), Leave: []types.JID{left}}
	f.mu.Unlock()
	emitTo(conns, evt)
	return nil
}
