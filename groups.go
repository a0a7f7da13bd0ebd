package wauser

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
)

// Limits checked before a group operation reaches WhatsApp.
const (
	maxGroupNameLen  = 100     // characters; WhatsApp's current subject limit
	maxGroupTopicLen = 2048    // characters
	maxGroupSize     = 1024    // participants in one request
	maxGroupPhoto    = 5 << 20 // bytes
)

// Disappearing-message timers WhatsApp accepts for groups, in seconds.
const (
	timer24h    = 24 * 3600
	timer7days  = 7 * 24 * 3600
	timer90days = 90 * 24 * 3600
)

// GroupRole is a participant's role in a group.
type GroupRole string

// Group roles.
const (
	RoleMember     GroupRole = "member"
	RoleAdmin      GroupRole = "admin"
	RoleSuperAdmin GroupRole = "superadmin" // the creator
)

// Group is a WhatsApp group (the Business Server API's group). Archived, Pinned and
// Muted come from the account's chat settings as last synced from the
// phone.
type Group struct {
	ID       types.JID `json:"id"`
	Name     string    `json:"name"`
	Topic    string    `json:"topic"`
	Owner    types.JID `json:"owner,omitzero"`
	Created  time.Time `json:"created,omitzero"`
	Announce bool      `json:"announce"` // only admins send messages
	Locked   bool      `json:"locked"`   // only admins edit the group's info
	// Ephemeral says whether messages disappear, after EphemeralSeconds.
	Ephemeral            bool      `json:"ephemeral"`
	EphemeralSeconds     uint32    `json:"ephemeral_seconds,omitempty"`
	JoinApprovalRequired bool      `json:"join_approval_required"`
	CommunityID          types.JID `json:"community_id,omitzero"` // the community the group belongs to
	IsCommunity          bool      `json:"is_community"`
	AddressingMode       string    `json:"addressing_mode,omitempty"` // "pn" or "lid": how members are addressed
	Archived             bool      `json:"archived"`
	Pinned               bool      `json:"pinned"`
	Muted                bool      `json:"muted"`
	// Members lists every participant's JID; Admins those of admins and the
	// creator. Participants gives the details.
	Members      []types.JID        `json:"members"`
	Admins       []types.JID        `json:"admins"`
	Participants []GroupParticipant `json:"participants"`

	// MemberAddMode says who may add members: admin_add or all_member_add
	// (see SetGroupMemberAddMode); empty when WhatsApp does not tell.
	MemberAddMode GroupMemberAddMode `json:"member_add_mode,omitempty"`
}

// GroupParticipant is a member of a group, or the result for one member of
// a change (adding, removing, promoting, approving...).
type GroupParticipant struct {
	JID         types.JID `json:"jid"`
	Phone       types.JID `json:"phone,omitzero"` // the phone JID, when WhatsApp tells
	LID         types.JID `json:"lid,omitzero"`
	Role        GroupRole `json:"role"`
	DisplayName string    `json:"display_name,omitempty"`
	// Error is WhatsApp's status for this participant in a change; 0 means
	// it succeeded. 403 when adding usually means the person's privacy
	// settings need an invite: InviteCode and InviteExpiration are then set
	// for a group invite message.
	Error            int       `json:"error,omitempty"`
	InviteCode       string    `json:"invite_code,omitempty"`
	InviteExpiration time.Time `json:"invite_expiration,omitzero"`
}

// GroupJoinRequest is a request to join a group that needs an admin's
// approval.
type GroupJoinRequest struct {
	JID         types.JID `json:"jid"`
	RequestedAt time.Time `json:"requested_at"`
}

// CreateGroupRequest is the body of CreateGroup (the Business Server API's group
// fields).
type CreateGroupRequest struct {
	// Name is the group's subject: 1 to 100 characters.
	Name string `json:"name"`
	// Members are phone numbers or JIDs of the people to add, not the
	// account itself (WhatsApp adds it as the creator). May be empty.
	Members []string `json:"members"`
	// Topic is the group's description, set right after creating it.
	Topic string `json:"topic,omitempty"`
	// Announce: only admins can send messages.
	Announce bool `json:"announce"`
	// Locked: only admins can edit the group's info.
	Locked bool `json:"locked"`
	// Ephemeral turns disappearing messages on, after EphemeralSeconds:
	// 86400 (24 h), 604800 (7 days, the default) or 7776000 (90 days).
	Ephemeral        bool   `json:"ephemeral"`
	EphemeralSeconds uint32 `json:"ephemeral_seconds,omitempty"`
	// JoinApprovalRequired makes an admin approve everyone who asks to join
	// through the invite link.
	JoinApprovalRequired bool `json:"join_approval_required,omitempty"`
	// CommunityID creates the group inside this community (…@g.us).
	CommunityID string `json:"community_id,omitempty"`
}

// UpdateGroupRequest is the body of UpdateGroup (the Business Server API's update
// fields). Fields left nil (or false, for RemovePhoto) are not changed.
type UpdateGroupRequest struct {
	Name  *string `json:"name,omitempty"`
	Topic *string `json:"topic,omitempty"` // "" removes the description
	// Photo is the new group picture, a JPEG of at most 5 MiB (base64 in
	// JSON).
	Photo       []byte `json:"photo,omitempty"`
	RemovePhoto bool   `json:"remove_photo,omitempty"`
	Locked      *bool  `json:"locked,omitempty"`
}

func validGroupName(field, name string) error {
	switch n := utf8.RuneCountInString(strings.TrimSpace(name)); {
	case !utf8.ValidString(name):
		return invalidArg(field, "not valid UTF-8")
	case n == 0:
		return invalidArg(field, "empty")
	case n > maxGroupNameLen:
		return invalidArg(field, "%d characters; at most %d", n, maxGroupNameLen)
	}
	return nil
}

func validGroupTopic(field, topic string) error {
	switch n := utf8.RuneCountInString(topic); {
	case !utf8.ValidString(topic):
		return invalidArg(field, "not valid UTF-8")
	case n > maxGroupTopicLen:
		return invalidArg(field, "%d characters; at most %d", n, maxGroupTopicLen)
	}
	return nil
}

// ListGroups returns the groups the account is a member of, ordered by JID.
// It needs a connection.
func (c *Client) ListGroups(ctx context.Context) ([]*Group, error) {
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	infos, err := s.conn.Client.GetJoinedGroups(ctx)
	if err != nil {
		return nil, waError("list groups", err)
	}
	out := make([]*Group, 0, len(infos))
	for _, info := range infos {
		if info != nil {
			out = append(out, s.group(ctx, info))
		}
	}
	slices.SortFunc(out, func(a, b *Group) int { return strings.Compare(a.ID.String(), b.ID.String()) })
	return out, nil
}

// CreateGroup creates a group with the account as its creator and returns
// it. Members WhatsApp could not add have a non-zero Error in Participants
// (403 with an InviteCode: their privacy settings require an invite).
// WhatsApp then announces the group to the account (group.joined).
func (c *Client) CreateGroup(ctx context.Context, req CreateGroupRequest) (*Group, error) {
	if err := validGroupName("name", req.Name); err != nil {
		return nil, err
	}
	if err := validGroupTopic("topic", req.Topic); err != nil {
		return nil, err
	}
	members := []types.JID{}
	if len(req.Members) > 0 {
		var err error
		if members, err = parseUsers("members", req.Members, maxGroupSize); err != nil {
			return nil, err
		}
	}
	timer := req.EphemeralSeconds
	switch {
	case !req.Ephemeral && timer != 0:
		return nil, invalidArg("ephemeral_seconds", "set, but ephemeral is false")
	case req.Ephemeral && timer == 0:
		timer = timer7days
	case req.Ephemeral && timer != timer24h && timer != timer7days && timer != timer90days:
		return nil, invalidArg("ephemeral_seconds", "%d is not %d (24 h), %d (7 days) or %d (90 days)", timer, timer24h, timer7days, timer90days)
	}
	var community types.JID
	if req.CommunityID != "" {
		var err error
		if community, err = parseGroup("community_id", req.CommunityID); err != nil {
			return nil, err
		}
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	for i, m := range members {
		if s.isSelf(m) {
			return nil, invalidArg(fmt.Sprintf("members[%d]", i), "%q is the account itself; WhatsApp adds it as the creator", req.Members[i])
		}
	}
	info, err := s.conn.Client.CreateGroup(ctx, whatsmeow.ReqCreateGroup{
		Name:                        strings.TrimSpace(req.Name),
		Participants:                members,
		GroupEphemeral:              types.GroupEphemeral{IsEphemeral: req.Ephemeral, DisappearingTimer: timer},
		GroupAnnounce:               types.GroupAnnounce{IsAnnounce: req.Announce},
		GroupLocked:                 types.GroupLocked{IsLocked: req.Locked},
		GroupMembershipApprovalMode: types.GroupMembershipApprovalMode{IsJoinApprovalRequired: req.JoinApprovalRequired},
		GroupLinkedParent:           types.GroupLinkedParent{LinkedParentJID: community},
	})
	if err != nil {
		return nil, waError("create group", err)
	}
	if req.Topic != "" {
		if err := s.conn.Client.SetGroupTopic(ctx, info.JID, info.TopicID, "", req.Topic); err != nil {
			return nil, waError(fmt.Sprintf("create group: group %s was created, but setting its topic failed", info.JID), err)
		}
		info.Topic = req.Topic
	}
	return s.group(ctx, info), nil
}

// GetGroup returns a group the account is a member of. It returns
// ErrNotFound for an unknown group and ErrForbidden when the account is not
// a member.
func (c *Client) GetGroup(ctx context.Context, group string) (*Group, error) {
	s, jid, err := c.groupOnline(ctx, group)
	if err != nil {
		return nil, err
	}
	info, err := s.conn.Client.GetGroupInfo(ctx, jid)
	if err != nil {
		return nil, waError("get group", err)
	}
	return s.group(ctx, info), nil
}

// UpdateGroup changes a group's name, topic, photo and locked setting, in
// that order, and returns the group as WhatsApp then reports it. If a change
// fails, the ones before it stay applied. Changing a locked group's info
// needs an admin (ErrForbidden otherwise).
func (c *Client) UpdateGroup(ctx context.Context, group string, req UpdateGroupRequest) (*Group, error) {
	jid, err := parseGroup("group", group)
	if err != nil {
		return nil, err
	}
	if req.Name == nil && req.Topic == nil && req.Photo == nil && !req.RemovePhoto && req.Locked == nil {
		return nil, invalidArg("request", "nothing to change")
	}
	if req.Name != nil {
		if err := validGroupName("name", *req.Name); err != nil {
			return nil, err
		}
	}
	if req.Topic != nil {
		if err := validGroupTopic("topic", *req.Topic); err != nil {
			return nil, err
		}
	}
	switch {
	case req.Photo != nil && req.RemovePhoto:
		return nil, invalidArg("photo", "given together with remove_photo")
	case req.Photo != nil && len(req.Photo) == 0:
		return nil, invalidArg("photo", "empty")
	case len(req.Photo) > maxGroupPhoto:
		return nil, invalidArg("photo", "%d bytes; at most %d", len(req.Photo), maxGroupPhoto)
	case req.Photo != nil && http.DetectContentType(req.Photo) != "image/jpeg":
		return nil, invalidArg("photo", "must be a JPEG image, not %s", http.DetectContentType(req.Photo))
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	cli := s.conn.Client
	if req.Name != nil {
		if err := cli.SetGroupName(ctx, jid, strings.TrimSpace(*req.Name)); err != nil {
			return nil, waError("update group name", err)
		}
	}
	if req.Topic != nil {
		if err := cli.SetGroupTopic(ctx, jid, "", "", *req.Topic); err != nil {
			return nil, waError("update group topic", err)
		}
	}
	if req.Photo != nil || req.RemovePhoto {
		if _, err := cli.SetGroupPhoto(ctx, jid, req.Photo); err != nil {
			return nil, waError("update group photo", err)
		}
	}
	if req.Locked != nil {
		if err := cli.SetGroupLocked(ctx, jid, *req.Locked); err != nil {
			return nil, waError("update group locked", err)
		}
	}
	info, err := cli.GetGroupInfo(ctx, jid)
	if err != nil {
		return nil, waError("update group: read it back", err)
	}
	return s.group(ctx, info), nil
}

// DeleteGroup does what WhatsApp offers instead of deleting a group: when
// the account is an admin it removes every other participant, then it
// leaves the group, then it deletes the chat from the account's chat list
// (on the phone and linked devices too). A group the account has already
// left is only deleted from the chat list, so calling DeleteGroup again
// finishes an interrupted deletion. Participants WhatsApp refuses to remove
// are logged and left in the group.
func (c *Client) DeleteGroup(ctx context.Context, group string) error {
	s, jid, err := c.groupOnline(ctx, group)
	if err != nil {
		return err
	}
	cli := s.conn.Client
	info, err := cli.GetGroupInfo(ctx, jid)
	switch {
	case errors.Is(err, whatsmeow.ErrNotInGroup):
		// Already left: only the chat is left to delete.
	case err != nil:
		return waError("delete group", err)
	default:
		var others []types.JID
		admin := false
		for _, p := range info.Participants {
			if s.isSelf(p.JID) || s.isSelf(p.PhoneNumber) || s.isSelf(p.LID) {
				admin = p.IsAdmin || p.IsSuperAdmin
			} else {
				others = append(others, p.JID)
			}
		}
		if admin && len(others) > 0 {
			results, err := cli.UpdateGroupParticipants(ctx, jid, others, whatsmeow.ParticipantChangeRemove)
			if err != nil {
				return waError("delete group: remove participants", err)
			}
			for _, r := range results {
				if r.Error != 0 {
					c.core.cfg.logger.Warn("wauser: delete group: participant not removed", slog.String("account", string(s.id)),
						slog.String("group", jid.String()), slog.String("participant", r.JID.String()), slog.Int("error", r.Error))
				}
			}
		}
		if err := cli.LeaveGroup(ctx, jid); err != nil {
			return waError("delete group: leave", err)
		}
	}
	last, err := s.lastMessage(ctx, jid)
	if err != nil {
		return fmt.Errorf("wauser: delete group: left the group, but deleting the chat failed: %w", err)
	}
	patch := buildDeleteChat(last.chat, last.at, last.key, true)
	patch.Timestamp = c.core.cfg.clock.Now()
	if err := cli.SendAppState(ctx, patch); err != nil {
		return waError("delete group: left the group, but deleting the chat failed", err)
	}
	return nil
}

// AddGroupMembers adds people (phone numbers or JIDs) to a group and
// returns one result per person: Error 0 when added, 403 with an
// InviteCode when their privacy settings require an invite, 409 when
// already a member (codes are WhatsApp's).
func (c *Client) AddGroupMembers(ctx context.Context, group string, members []string) ([]GroupParticipant, error) {
	return c.changeMembers(ctx, group, members, string(whatsmeow.ParticipantChangeAdd))
}

// RemoveGroupMembers removes people from a group; one result per person.
func (c *Client) RemoveGroupMembers(ctx context.Context, group string, members []string) ([]GroupParticipant, error) {
	return c.changeMembers(ctx, group, members, string(whatsmeow.ParticipantChangeRemove))
}

// PromoteGroupAdmins makes members of a group admins; one result per
// person.
func (c *Client) PromoteGroupAdmins(ctx context.Context, group string, members []string) ([]GroupParticipant, error) {
	return c.changeMembers(ctx, group, members, string(whatsmeow.ParticipantChangePromote))
}

// DemoteGroupAdmins makes admins of a group plain members; one result per
// person.
func (c *Client) DemoteGroupAdmins(ctx context.Context, group string, members []string) ([]GroupParticipant, error) {
	return c.changeMembers(ctx, group, members, string(whatsmeow.ParticipantChangeDemote))
}

// changeMembers validates group and members, then asks WhatsApp to apply
// action (whatsmeow's participant change, or a join request answer) to
// them.
func (c *Client) changeMembers(ctx context.Context, group string, members []string, action string) ([]GroupParticipant, error) {
	jid, err := parseGroup("group", group)
	if err != nil {
		return nil, err
	}
	jids, err := parseUsers("members", members, maxGroupSize)
	if err != nil {
		return nil, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, err
	}
	var got []types.GroupParticipant
	switch req := whatsmeow.ParticipantRequestChange(action); req {
	case whatsmeow.ParticipantChangeApprove, whatsmeow.ParticipantChangeReject:
		got, err = s.conn.Client.UpdateGroupRequestParticipants(ctx, jid, jids, req)
	default:
		got, err = s.conn.Client.UpdateGroupParticipants(ctx, jid, jids, whatsmeow.ParticipantChange(action))
	}
	if err != nil {
		return nil, waError(action+" group members", err)
	}
	return participants(got), nil
}

// ListGroupJoinRequests returns the pending requests to join a group.
func (c *Client) ListGroupJoinRequests(ctx context.Context, group string) ([]GroupJoinRequest, error) {
	s, jid, err := c.groupOnline(ctx, group)
	if err != nil {
		return nil, err
	}
	got, err := s.conn.Client.GetGroupRequestParticipants(ctx, jid)
	if err != nil {
		return nil, waError("list group join requests", err)
	}
	out := make([]GroupJoinRequest, 0, len(got))
	for _, r := range got {
		out = append(out, GroupJoinRequest{JID: r.JID, RequestedAt: r.RequestedAt.UTC()})
	}
	return out, nil
}

// ApproveGroupJoinRequests lets people who asked to join a group in; one
// result per person.
func (c *Client) ApproveGroupJoinRequests(ctx context.Context, group string, members []string) ([]GroupParticipant, error) {
	return c.changeMembers(ctx, group, members, string(whatsmeow.ParticipantChangeApprove))
}

// RejectGroupJoinRequests turns down requests to join a group; one result
// per person.
func (c *Client) RejectGroupJoinRequests(ctx context.Context, group string, members []string) ([]GroupParticipant, error) {
	return c.changeMembers(ctx, group, members, string(whatsmeow.ParticipantChangeReject))
}

// SetGroupAnnounce turns announce mode on (only admins send messages) or
// off. It needs an admin.
func (c *Client) SetGroupAnnounce(ctx context.Context, group string, announce bool) error {
	s, jid, err := c.groupOnline(ctx, group)
	if err != nil {
		return err
	}
	if err := s.conn.Client.SetGroupAnnounce(ctx, jid, announce); err != nil {
		return waError("set group announce", err)
	}
	return nil
}

// SetGroupLocked locks a group (only admins edit its name, topic and photo)
// or unlocks it. It needs an admin.
func (c *Client) SetGroupLocked(ctx context.Context, group string, locked bool) error {
	s, jid, err := c.groupOnline(ctx, group)
	if err != nil {
		return err
	}
	if err := s.conn.Client.SetGroupLocked(ctx, jid, locked); err != nil {
		return waError("set group locked", err)
	}
	return nil
}

// GetGroupInviteLink returns the group's invite link
// (https://chat.whatsapp.com/…). With reset the old link is revoked and a
// new one made. It needs an admin (ErrForbidden otherwise).
func (c *Client) GetGroupInviteLink(ctx context.Context, group string, reset bool) (string, error) {
	s, jid, err := c.groupOnline(ctx, group)
	if err != nil {
		return "", err
	}
	link, err := s.conn.Client.GetGroupInviteLink(ctx, jid, reset)
	if err != nil {
		return "", waError("get group invite link", err)
	}
	return link, nil
}

// groupOnline validates a group argument, then returns the account's live
// session.
func (c *Client) groupOnline(ctx context.Context, group string) (*session, types.JID, error) {
	jid, err := parseGroup("group", group)
	if err != nil {
		return nil, types.EmptyJID, err
	}
	s, err := c.online(ctx)
	if err != nil {
		return nil, types.EmptyJID, err
	}
	return s, jid, nil
}

// isSelf reports whether jid is the account (by phone JID or LID).
func (s *session) isSelf(jid types.JID) bool {
	if jid.IsEmpty() {
		return false
	}
	jid = jid.ToNonAD()
	dev := s.conn.Device
	return (dev.ID != nil && jid == dev.ID.ToNonAD()) || (!dev.LID.IsEmpty() && jid == dev.LID.ToNonAD())
}

// group converts whatsmeow's group info, adding the chat settings kept in
// the device store.
func (s *session) group(ctx context.Context, info *types.GroupInfo) *Group {
	g := &Group{
		ID:                   info.JID,
		Name:                 info.Name,
		Topic:                info.Topic,
		Owner:                info.OwnerJID,
		Announce:             info.IsAnnounce,
		Locked:               info.IsLocked,
		Ephemeral:            info.IsEphemeral,
		EphemeralSeconds:     info.DisappearingTimer,
		JoinApprovalRequired: info.IsJoinApprovalRequired,
		CommunityID:          info.LinkedParentJID,
		IsCommunity:          info.IsParent,
		AddressingMode:       string(info.AddressingMode),
		MemberAddMode:        GroupMemberAddMode(info.MemberAddMode),
		Participants:         participants(info.Participants),
		Members:              []types.JID{},
		Admins:               []types.JID{},
	}
	if !info.GroupCreated.IsZero() {
		g.Created = info.GroupCreated.UTC()
	}
	for _, p := range g.Participants {
		g.Members = append(g.Members, p.JID)
		if p.Role != RoleMember {
			g.Admins = append(g.Admins, p.JID)
		}
	}
	settings, err := s.conn.Device.ChatSettings.GetChatSettings(ctx, info.JID)
	if err != nil {
		s.co.cfg.logger.Warn("wauser: read chat settings", slog.String("account", string(s.id)), slog.Any("error", err))
	} else if settings.Found {
		g.Archived, g.Pinned = settings.Archived, settings.Pinned
		g.Muted = settings.MutedUntil.After(s.co.cfg.clock.Now())
	}
	return g
}

func participants(in []types.GroupParticipant) []GroupParticipant {
	out := make([]GroupParticipant, 0, len(in))
	for _, p := range in {
		gp := GroupParticipant{
			JID:         p.JID,
			Phone:       p.PhoneNumber,
			LID:         p.LID,
			Role:        RoleMember,
			DisplayName: p.DisplayName,
			Error:       p.Error,
		}
		switch {
		case p.IsSuperAdmin:
			gp.Role = RoleSuperAdmin
		case p.IsAdmin:
			gp.Role = RoleAdmin
		}
		if p.AddRequest != nil {
			gp.InviteCode = p.AddRequest.Code
			if !p.AddRequest.Expiration.IsZero() {
				gp.InviteExpiration = p.AddRequest.Expiration.UTC()
			}
		}
		out = append(out, gp)
	}
	return out
}
