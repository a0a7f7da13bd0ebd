package watest

import (
	"context"
	"errors"
	"slices"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
)

// Communities and the group settings whatsmeow sets with their own calls.
// A community is a group with IsParent set; WhatsApp creates its
// announcement group (the default subgroup, where only admins write) with
// it, and the community's groups name it as their LinkedParentJID.

// newAnnouncementGroup makes the default subgroup of the new community
// parent; f.mu is held.
func (f *Fake) newAnnouncementGroup(parent *group) {
	owner := parent.info.OwnerJID
	g := f.newGroup(parent.info.Name, owner)
	g.info.IsAnnounce = true
	g.info.IsDefaultSubGroup = true
	g.info.LinkedParentJID = parent.info.JID
}

// SetGroupMemberAddMode sets who may add members: admins (admin_add) or
// every member (all_member_add); only admins may change it. Any other mode
// fails as in whatsmeow.
func (c *Conn) SetGroupMemberAddMode(_ context.Context, jid types.JID, mode types.GroupMemberAddMode) error {
	if mode != types.GroupMemberAddModeAdmin && mode != types.GroupMemberAddModeAllMember {
		c.record("SetGroupMemberAddMode")
		return errors.New("invalid mode, must be 'admin_add' or 'all_member_add'")
	}
	return c.groupChange("SetGroupMemberAddMode", jid, always, func(g *group) error {
		g.info.MemberAddMode = mode
		return nil
	}, func(*events.GroupInfo) {})
}

// SetGroupDescription sets a group's description as whatsmeow's
// SetGroupDescription sends it: with no previous or new topic id.
func (c *Conn) SetGroupDescription(ctx context.Context, jid types.JID, description string) error {
	return c.SetGroupTopic(ctx, jid, "", "", description)
}

// community returns the community jid for an admin of it; f.mu is held.
func (c *Conn) community(jid types.JID) (*group, error) {
	g, _, err := c.access(jid, true, false)
	if err != nil {
		return nil, err
	}
	if !g.info.IsParent {
		return nil, whatsmeow.ErrIQBadRequest
	}
	return g, nil
}

// LinkGroup adds the group child to the community parent; the account must
// be an admin of both, and child must not be in a community already.
func (c *Conn) LinkGroup(_ context.Context, parent, child types.JID) error {
	return c.link("LinkGroup", parent, child, true)
}

// UnlinkGroup removes the group child from the community parent; the
// account must be an admin of both.
func (c *Conn) UnlinkGroup(_ context.Context, parent, child types.JID) error {
	return c.link("UnlinkGroup", parent, child, false)
}

func (c *Conn) link(name string, parent, child types.JID, link bool) error {
	if err := c.online(name); err != nil {
		return err
	}
	f := c.fake
	f.mu.Lock()
	p, err := c.community(parent)
	if err != nil {
		f.mu.Unlock()
		return err
	}
	g, _, err := c.access(child, true, false)
	if err != nil {
		f.mu.Unlock()
		return err
	}
	switch {
	case g.info.IsParent || g.info.IsDefaultSubGroup:
		f.mu.Unlock()
		return whatsmeow.ErrIQBadRequest
	case link && !g.info.LinkedParentJID.IsEmpty():
		f.mu.Unlock()
		return &whatsmeow.IQError{Code: 409, Text: "conflict"}
	case !link && g.info.LinkedParentJID != parent:
		f.mu.Unlock()
		return whatsmeow.ErrIQNotFound
	}
	pn, _ := c.self()
	change := &types.GroupLinkChange{Type: types.GroupLinkChangeTypeSub,
		Group: types.GroupLinkTarget{JID: child, GroupName: g.info.GroupName}}
	evt := &events.GroupInfo{JID: parent, Sender: &pn, Timestamp: f.now()}
	if link {
		g.info.LinkedParentJID = parent
		evt.Link = change
	} else {
		g.info.LinkedParentJID = types.EmptyJID
		change.UnlinkReason = types.GroupUnlinkReasonDefault
		evt.Unlink = change
	}
	conns := f.memberConns(p)
	f.mu.Unlock()
	emitTo(conns, evt)
	return nil
}

// GetSubGroups lists the groups of a community the account is a member
// of, the announcement group first, then by JID.
func (c *Conn) GetSubGroups(_ context.Context, community types.JID) ([]*types.GroupLinkTarget, error) {
	if err := c.online("GetSubGroups"); err != nil {
		return nil, err
	}
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	p, _, err := c.access(community, false, false)
	if err != nil {
		return nil, err
	}
	if !p.info.IsParent {
		return nil, whatsmeow.ErrIQBadRequest
	}
	out := []*types.GroupLinkTarget{}
	for _, g := range f.groups {
		if g.info.LinkedParentJID == community {
			out = append(out, &types.GroupLinkTarget{JID: g.info.JID, GroupName: g.info.GroupName, GroupIsDefaultSub: g.info.GroupIsDefaultSub})
		}
	}
	slices.SortFunc(out, func(a, b *types.GroupLinkTarget) int {
		if a.IsDefaultSubGroup != b.IsDefaultSubGroup {
			if a.IsDefaultSubGroup {
				return -1
			}
			return 1
		}
		return strings.Compare(a.JID.User, b.JID.User)
	})
	return out, nil
}

// GetLinkedGroupsParticipants lists everyone in the groups of a community
// the account is a member of, each once, ordered by JID.
func (c *Conn) GetLinkedGroupsParticipants(_ context.Context, community types.JID) ([]types.JID, error) {
	if err := c.online("GetLinkedGroupsParticipants"); err != nil {
		return nil, err
	}
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	p, _, err := c.access(community, false, false)
	if err != nil {
		return nil, err
	}
	if !p.info.IsParent {
		return nil, whatsmeow.ErrIQBadRequest
	}
	seen := map[types.JID]bool{}
	out := []types.JID{}
	for _, g := range f.groups {
		if g.info.LinkedParentJID != community {
			continue
		}
		for _, m := range g.members {
			if !seen[m.JID] {
				seen[m.JID] = true
				out = append(out, m.JID)
			}
		}
	}
	slices.SortFunc(out, func(a, b types.JID) int { return strings.Compare(a.String(), b.String()) })
	return out, nil
}
