package wauser

import (
	"context"
	"net/http"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
)

// Group operations one at a time, and communities. A community is a group
// with IsCommunity set that holds other groups (its subgroups); WhatsApp
// creates its announcement group, where only admins write, with it. Every
// change reaches the store as WhatsApp announces it to the account's
// devices (group.updated and conversation.updated events), as for
// UpdateGroup.

// GroupMemberAddMode says who may add members to a group.
type GroupMemberAddMode string

// Member add modes.
const (
	MemberAddAdmins GroupMemberAddMode = "admin_add"      // only admins (WhatsApp's default)
	MemberAddAll    GroupMemberAddMode = "all_member_add" // every member
)

// GroupInviteInfo is what an invite link shows before joining: the group,
// its size and whether joining needs an admin's approval.
type GroupInviteInfo struct {
	ID                   types.JID `json:"id"`
	Name                 string    `json:"name"`
	Topic                string    `json:"topic"`
	Owner                types.JID `json:"owner,omitzero"`
	Size                 int       `json:"size"`
	JoinApprovalRequired bool      `json:"join_approval_required"`
	CommunityID          types.JID `json:"community_id,omitzero"`
	IsCommunity          bool      `json:"is_community"`
}

// Subgroup is a group of a community.
type Subgroup struct {
	ID   types.JID `json:"id"`
	Name string    `json:"name"`
	// Announcement marks the community's announcement group.
	Announcement bool `json:"announcement"`
}

// CreateCommunityRequest is the body of CreateCommunity.
type CreateCommunityRequest struct {
	// Name is the community's name: 1 to 100 characters.
	Name string `json:"name"`
	// Description is set right after creating it.
	Description string `json:"description,omitempty"`
	// JoinApprovalRequired makes an admin approve everyone who asks to join.
	JoinApprovalRequired bool `json:"join_approval_required,omitempty"`
}

// parseInviteCode reads a group invite link (https://chat.whatsapp.com/CODE)
// or its bare code.
func parseInviteCode(field, s string) (string, error) {
	code := strings.TrimSpace(s)
	for _, prefix := range []string{whatsmeow.InviteLinkPrefix, "http://chat.whatsapp.com/", "chat.whatsapp.com/"} {
		if rest, ok := strings.CutPrefix(code, prefix); ok {
			code = strings.TrimSuffix(rest, "/")
			break
		}
	}
	if !validInviteCode(code) {
		return "", invalidArg(field, "%q is not a group invite link (https://chat.whatsapp.com/…) or code", s)
	}
	return code, nil
}

// LeaveGroup leaves a group; the chat stays in the chat list (see
// DeleteGroup to remove it too). Leaving a group the account is not in
// fails with ErrForbidden.
func (c *Client) LeaveGroup(ctx context.Context, group string) error {
	s, jid, err := c.groupOnline(ctx, group)
	if err != nil {
		return err
	}
	if err := s.conn.Client.LeaveGroup(ctx, jid); err != nil {
		return waError("leave group", err)
	}
	return nil
}

// GetGroupInviteInfo returns the group an invite link
// (https://chat.whatsapp.com/…, or its code) leads to, without joining it.
// A revoked link is ErrNotFound, a malformed or unknown one
// ErrInvalidArgument.
func (c *Client) GetGroupInviteInfo(ctx context.Context, link string) (*GroupInviteInfo, error) {
	code, err := parseInviteCode("link", link)
	if err != nil {
		return nil, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	info, err := s.conn.Client.GetGroupInfoFromLink(ctx, code)
	if err != nil {
		return nil, waError("get group invite info", err)
	}
	size := info.ParticipantCount
	if size == 0 {
		size = len(info.Participants)
	}
	return &GroupInviteInfo{
		ID: info.JID, Name: info.Name, Topic: info.Topic, Owner: info.OwnerJID, Size: size,
		JoinApprovalRequired: info.IsJoinApprovalRequired, CommunityID: info.LinkedParentJID, IsCommunity: info.IsParent,
	}, nil
}

// JoinGroupWithLink joins the group of an invite link
// (https://chat.whatsapp.com/…, or its code) and returns the group's JID.
// When the group requires approval, this asks to join instead: the
// account is in the group once an admin approves (group.joined).
func (c *Client) JoinGroupWithLink(ctx context.Context, link string) (types.JID, error) {
	code, err := parseInviteCode("link", link)
	if err != nil {
		return types.EmptyJID, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return types.EmptyJID, err
	}
	jid, err := s.conn.Client.JoinGroupWithLink(ctx, code)
	if err != nil {
		return types.EmptyJID, waError("join group with link", err)
	}
	return jid, nil
}

// SetGroupName renames a group (1 to 100 characters). In a locked group
// only admins may.
func (c *Client) SetGroupName(ctx context.Context, group, name string) error {
	_, err := c.UpdateGroup(ctx, group, UpdateGroupRequest{Name: &name})
	return err
}

// SetGroupDescription sets a group's description (its topic, at most 2048
// characters); "" removes it. In a locked group only admins may.
func (c *Client) SetGroupDescription(ctx context.Context, group, description string) error {
	_, err := c.UpdateGroup(ctx, group, UpdateGroupRequest{Topic: &description})
	return err
}

// SetGroupPhoto sets a group's picture, a JPEG of at most 5 MiB; nil
// removes it. In a locked group only admins may. It returns WhatsApp's id
// of the new picture ("" when removed).
func (c *Client) SetGroupPhoto(ctx context.Context, group string, jpeg []byte) (string, error) {
	jid, err := parseGroup("group", group)
	if err != nil {
		return "", err
	}
	switch {
	case jpeg != nil && len(jpeg) == 0:
		return "", invalidArg("photo", "empty; pass nil to remove the picture")
	case len(jpeg) > maxGroupPhoto:
		return "", invalidArg("photo", "%d bytes; at most %d", len(jpeg), maxGroupPhoto)
	case jpeg != nil && http.DetectContentType(jpeg) != "image/jpeg":
		return "", invalidArg("photo", "must be a JPEG image, not %s", http.DetectContentType(jpeg))
	}
	s, err := c.online(ctx)
	if err != nil {
		return "", err
	}
	id, err := s.conn.Client.SetGroupPhoto(ctx, jid, jpeg)
	if err != nil {
		return "", waError("set group photo", err)
	}
	if jpeg == nil {
		id = ""
	}
	return id, nil
}

// SetGroupJoinApproval makes an admin approve (or stops making them
// approve) everyone who asks to join through the invite link. It needs an
// admin.
func (c *Client) SetGroupJoinApproval(ctx context.Context, group string, required bool) error {
	s, jid, err := c.groupOnline(ctx, group)
	if err != nil {
		return err
	}
	if err := s.conn.Client.SetGroupJoinApprovalMode(ctx, jid, required); err != nil {
		return waError("set group join approval", err)
	}
	return nil
}

// SetGroupMemberAddMode sets who may add members: MemberAddAdmins or
// MemberAddAll. It needs an admin.
func (c *Client) SetGroupMemberAddMode(ctx context.Context, group string, mode GroupMemberAddMode) error {
	if mode != MemberAddAdmins && mode != MemberAddAll {
		return invalidArg("mode", "%q is not %s or %s", mode, MemberAddAdmins, MemberAddAll)
	}
	s, jid, err := c.groupOnline(ctx, group)
	if err != nil {
		return err
	}
	if err := s.conn.Client.SetGroupMemberAddMode(ctx, jid, types.GroupMemberAddMode(mode)); err != nil {
		return waError("set group member add mode", err)
	}
	return nil
}

// CreateCommunity creates a community with the account as its creator and
// returns it (IsCommunity set). WhatsApp creates the community's
// announcement group with it (see ListSubgroups).
func (c *Client) CreateCommunity(ctx context.Context, req CreateCommunityRequest) (*Group, error) {
	if err := validGroupName("name", req.Name); err != nil {
		return nil, err
	}
	if err := validGroupTopic("description", req.Description); err != nil {
		return nil, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	create := whatsmeow.ReqCreateGroup{Name: strings.TrimSpace(req.Name), Participants: []types.JID{}}
	create.IsParent = true
	if req.JoinApprovalRequired {
		create.DefaultMembershipApprovalMode = "request_required"
		create.IsJoinApprovalRequired = true
	}
	info, err := s.conn.Client.CreateGroup(ctx, create)
	if err != nil {
		return nil, waError("create community", err)
	}
	if req.Description != "" {
		if err := s.conn.Client.SetGroupDescription(ctx, info.JID, req.Description); err != nil {
			return nil, waError("create community: community "+info.JID.String()+" was created, but setting its description failed", err)
		}
		info.Topic = req.Description
	}
	return s.group(ctx, info), nil
}

// LinkGroup adds an existing group to a community; the account must be an
// admin of both. A group already in a community is refused by WhatsApp.
func (c *Client) LinkGroup(ctx context.Context, community, group string) error {
	return c.linkGroup(ctx, community, group, true)
}

// UnlinkGroup removes a group from a community; the group itself stays.
func (c *Client) UnlinkGroup(ctx context.Context, community, group string) error {
	return c.linkGroup(ctx, community, group, false)
}

func (c *Client) linkGroup(ctx context.Context, community, group string, link bool) error {
	parent, err := parseGroup("community", community)
	if err != nil {
		return err
	}
	child, err := parseGroup("group", group)
	if err != nil {
		return err
	}
	if parent == child {
		return invalidArg("group", "%q is the community itself", group)
	}
	s, err := c.online(ctx)
	if err != nil {
		return err
	}
	if link {
		err = s.conn.Client.LinkGroup(ctx, parent, child)
	} else {
		err = s.conn.Client.UnlinkGroup(ctx, parent, child)
	}
	if err != nil {
		op := "link group"
		if !link {
			op = "unlink group"
		}
		return waError(op, err)
	}
	return nil
}

// ListSubgroups returns the groups of a community, the announcement group
// first.
func (c *Client) ListSubgroups(ctx context.Context, community string) ([]Subgroup, error) {
	s, jid, err := c.communityOnline(ctx, community)
	if err != nil {
		return nil, err
	}
	got, err := s.conn.Client.GetSubGroups(ctx, jid)
	if err != nil {
		return nil, waError("list subgroups", err)
	}
	out := make([]Subgroup, 0, len(got))
	for _, g := range got {
		if g != nil {
			out = append(out, Subgroup{ID: g.JID, Name: g.Name, Announcement: g.IsDefaultSubGroup})
		}
	}
	return out, nil
}

// ListCommunityParticipants returns everyone in the groups of a community,
// each once.
func (c *Client) ListCommunityParticipants(ctx context.Context, community string) ([]types.JID, error) {
	s, jid, err := c.communityOnline(ctx, community)
	if err != nil {
		return nil, err
	}
	got, err := s.conn.Client.GetLinkedGroupsParticipants(ctx, jid)
	if err != nil {
		return nil, waError("list community participants", err)
	}
	if got == nil {
		got = []types.JID{}
	}
	return got, nil
}

func (c *Client) communityOnline(ctx context.Context, community string) (*session, types.JID, error) {
	jid, err := parseGroup("community", community)
	if err != nil {
		return nil, types.EmptyJID, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, types.EmptyJID, err
	}
	return s, jid, nil
}
