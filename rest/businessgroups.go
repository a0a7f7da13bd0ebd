package rest

import (
	"context"
	"slices"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
)

// Groups of the business dialect (the Business Server API). The group id in paths is
// a group JID (…@g.us) or its bare id. Create, get and update answer
// {groups, message, success}, as the document shows.

// businessGroup is a group with the Business Server API's fields always
// present: owner ("" when WhatsApp does not tell) and created (RFC 3339,
// "" when unknown), beside the Client's Group fields (id, name, topic,
// admins, members, ephemeral, locked, ...).
type businessGroup struct {
	*wauser.Group
	Owner   string `json:"owner"`
	Created string `json:"created"`
}

func businessGroupOf(g *wauser.Group, err error) (*businessGroup, error) {
	if err != nil {
		return nil, err
	}
	out := &businessGroup{Group: g}
	if !g.Owner.IsEmpty() {
		out.Owner = g.Owner.String()
	}
	if !g.Created.IsZero() {
		out.Created = g.Created.UTC().Format(time.RFC3339Nano)
	}
	return out, nil
}

func businessListGroups() operation {
	return do(func(x *call) ([]*businessGroup, error) {
		list, err := x.c.ListGroups(x.ctx)
		if err != nil {
			return nil, err
		}
		out := make([]*businessGroup, len(list))
		for i, g := range list {
			out[i], _ = businessGroupOf(g, nil)
		}
		return out, nil
	})
}

// groupBody is the Business Server API's group info for creating a group. The fields
// WhatsApp sets itself (id, owner, created, broadcast) are accepted and
// ignored, so that a group read from this API can be sent back.
type groupBody struct {
	ID          string   `json:"id,omitempty"`
	Name        string   `json:"name"`
	Topic       string   `json:"topic,omitempty"`
	Members     []string `json:"members,omitempty"`
	Admins      []string `json:"admins,omitempty"` // members made admins once the group exists
	Announce    bool     `json:"announce,omitempty"`
	Locked      bool     `json:"locked,omitempty"`
	Ephemeral   bool     `json:"ephemeral,omitempty"`
	Archived    bool     `json:"archived,omitempty"` // archive the new chat
	Muted       bool     `json:"muted,omitempty"`    // not supported: false only
	CommunityID string   `json:"community_id,omitempty"`
	Photo       []byte   `json:"photo,omitempty"` // a JPEG, base64
	Owner       string   `json:"owner,omitempty"`
	Created     string   `json:"created,omitempty"`
	Broadcast   bool     `json:"broadcast,omitempty"`
	// Beyond the Business Server API: the fields of wauser.CreateGroupRequest.
	EphemeralSeconds     uint32 `json:"ephemeral_seconds,omitempty"`
	JoinApprovalRequired bool   `json:"join_approval_required,omitempty"`
}

// businessCreateGroup creates the group, then applies admins, photo and
// archived. Those are checked first, and the group is answered as
// WhatsApp reports it at the end.
func businessCreateGroup() operation {
	return doBody(func(x *call, in *groupBody) (*businessGroup, error) {
		return businessGroupOf(createGroup(x, in))
	})
}

func createGroup(x *call, in *groupBody) (*wauser.Group, error) {
	if in.Muted {
		return nil, badRequest("invalid_argument", "muted: wauser cannot mute chats; leave it false")
	}
	for i, a := range in.Admins {
		if !slices.Contains(in.Members, a) {
			return nil, badRequest("invalid_argument", "admins[%d]: %q is not one of the members", i, a)
		}
	}
	g, err := x.c.CreateGroup(x.ctx, wauser.CreateGroupRequest{
		Name: in.Name, Members: in.Members, Topic: in.Topic, Announce: in.Announce, Locked: in.Locked,
		Ephemeral: in.Ephemeral, EphemeralSeconds: in.EphemeralSeconds,
		JoinApprovalRequired: in.JoinApprovalRequired, CommunityID: in.CommunityID,
	})
	if err != nil {
		return nil, err
	}
	jid := g.ID.String()
	if len(in.Admins) > 0 {
		if _, err := x.c.PromoteGroupAdmins(x.ctx, jid, in.Admins); err != nil {
			return nil, err
		}
	}
	if in.Photo != nil {
		if g, err = x.c.UpdateGroup(x.ctx, jid, wauser.UpdateGroupRequest{Photo: in.Photo}); err != nil {
			return nil, err
		}
	}
	if in.Archived {
		if err := x.c.ArchiveChat(x.ctx, jid); err != nil {
			return nil, err
		}
	}
	if len(in.Admins) > 0 || in.Archived {
		return x.c.GetGroup(x.ctx, jid)
	}
	return g, nil
}

// groupChat is the chat JID of a group id given bare or as a JID, for the
// Client's chat methods (which read bare ids as phone numbers).
func groupChat(id string) string {
	if strings.Contains(id, "@") {
		return id
	}
	return id + "@" + types.GroupServer
}

func businessGetGroup() operation {
	return do(func(x *call) (*businessGroup, error) {
		return businessGroupOf(x.c.GetGroup(x.ctx, x.r.PathValue("groupId")))
	})
}

func businessUpdateGroup() operation {
	return doBody(func(x *call, in *wauser.UpdateGroupRequest) (*businessGroup, error) {
		return businessGroupOf(x.c.UpdateGroup(x.ctx, x.r.PathValue("groupId"), *in))
	})
}

func businessDeleteGroup() operation {
	return do(func(x *call) (noData, error) {
		return noData{}, x.c.DeleteGroup(x.ctx, x.r.PathValue("groupId"))
	})
}

// memberFunc is a change to the people of a group (a Client method): one
// result per person.
type memberFunc = func(ctx context.Context, group string, members []string) ([]wauser.GroupParticipant, error)

// businessGroupMembers applies change to the people of a body [{"id"}]
// and answers one result per person.
func businessGroupMembers(change func(c *wauser.Client) memberFunc) operation {
	return doBody(func(x *call, in *[]idRef) ([]wauser.GroupParticipant, error) {
		return change(x.c)(x.ctx, x.r.PathValue("groupId"), ids(*in))
	})
}

// businessMemberChange applies change to the people of a body [{"id"}]
// and answers data as an object, as the Business Server API shows for
// member and admin changes: each id as given maps to its result (its
// participant, with WhatsApp's error code for that person, 0 when it
// succeeded).
func businessMemberChange(change func(c *wauser.Client) memberFunc) operation {
	return doBody(func(x *call, in *[]idRef) (map[string]wauser.GroupParticipant, error) {
		want := ids(*in)
		got, err := change(x.c)(x.ctx, x.r.PathValue("groupId"), want)
		if err != nil {
			return nil, err
		}
		given := map[types.JID]string{} // the ids as given, by their JID
		for _, id := range want {
			if j, err := wauser.ParseRecipient(id, wauser.RecipientIndividual); err == nil {
				given[j.ToNonAD()] = id
			}
		}
		out := make(map[string]wauser.GroupParticipant, len(got))
		for _, p := range got {
			key := p.JID.String()
			for _, j := range []types.JID{p.JID, p.Phone, p.LID} {
				if id, ok := given[j.ToNonAD()]; ok && !j.IsEmpty() {
					key = id
					break
				}
			}
			out[key] = p
		}
		return out, nil
	})
}

func businessJoinRequests() operation {
	return do(func(x *call) ([]wauser.GroupJoinRequest, error) {
		return x.c.ListGroupJoinRequests(x.ctx, x.r.PathValue("groupId"))
	})
}

// businessGroupSetting switches a group setting on (POST) or off (DELETE).
func businessGroupSetting(set func(c *wauser.Client, ctx context.Context, group string) error) operation {
	return do(func(x *call) (noData, error) {
		return noData{}, set(x.c, x.ctx, x.r.PathValue("groupId"))
	})
}

func businessClearGroup() operation {
	return do(func(x *call) (noData, error) {
		return noData{}, x.c.ClearChat(x.ctx, groupChat(x.r.PathValue("groupId")), false)
	})
}

func businessGroupInvite() operation {
	return do(func(x *call) (string, error) {
		reset, err := queryBool(x.r, "reset")
		if err != nil {
			return "", err
		}
		return x.c.GetGroupInviteLink(x.ctx, x.r.PathValue("groupId"), reset)
	})
}
