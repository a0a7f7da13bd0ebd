package wauser_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.uber.org/mock/gomock"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/internal/wa"
)

// TestMockSocialOperations asserts, for the community, channel and invite
// operations, the exact whatsmeow call and arguments, and the result.
func TestMockSocialOperations(t *testing.T) {
	t.Parallel()
	community := types.NewJID("120363099999999999", types.GroupServer)
	channel := types.NewJID("120363088888888888", types.NewsletterServer)
	for _, tc := range []struct {
		name string
		run  func(ctx context.Context, t *testing.T, h *mockHarness)
	}{
		{"CreateCommunity", func(ctx context.Context, t *testing.T, h *mockHarness) {
			req := whatsmeow.ReqCreateGroup{Name: "Street", Participants: []types.JID{}}
			req.IsParent, req.DefaultMembershipApprovalMode, req.IsJoinApprovalRequired = true, "request_required", true
			gomock.InOrder(
				h.m.EXPECT().CreateGroup(gomock.Any(), req).Return(&types.GroupInfo{JID: community, GroupName: types.GroupName{Name: "Street"},
					GroupParent: types.GroupParent{IsParent: true}}, nil),
				h.m.EXPECT().SetGroupDescription(gomock.Any(), community, "Neighbours").Return(nil),
			)
			g, err := h.c.CreateCommunity(ctx, wauser.CreateCommunityRequest{Name: " Street", Description: "Neighbours", JoinApprovalRequired: true})
			require.NoError(t, err)
			require.True(t, g.IsCommunity)
			require.Equal(t, "Neighbours", g.Topic)
		}},
		{"LinkGroup", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().LinkGroup(gomock.Any(), community, groupID).Return(nil)
			h.m.EXPECT().UnlinkGroup(gomock.Any(), community, groupID).Return(whatsmeow.ErrIQForbidden)
			require.NoError(t, h.c.LinkGroup(ctx, community.String(), groupID.String()))
			require.ErrorIs(t, h.c.UnlinkGroup(ctx, community.String(), groupID.String()), wauser.ErrForbidden)
		}},
		{"ListSubgroups", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().GetSubGroups(gomock.Any(), community).Return([]*types.GroupLinkTarget{
				{JID: groupID, GroupName: types.GroupName{Name: "News"}, GroupIsDefaultSub: types.GroupIsDefaultSub{IsDefaultSubGroup: true}}, nil}, nil)
			h.m.EXPECT().GetLinkedGroupsParticipants(gomock.Any(), community).Return(nil, nil)
			subs, err := h.c.ListSubgroups(ctx, community.String())
			require.NoError(t, err)
			require.Equal(t, []wauser.Subgroup{{ID: groupID, Name: "News", Announcement: true}}, subs)
			people, err := h.c.ListCommunityParticipants(ctx, community.String())
			require.NoError(t, err)
			require.Equal(t, []types.JID{}, people, "empty, not null")
		}},
		{"GroupSettings", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().SetGroupMemberAddMode(gomock.Any(), groupID, types.GroupMemberAddModeAdmin).Return(nil),
				h.m.EXPECT().SetGroupJoinApprovalMode(gomock.Any(), groupID, true).Return(nil),
				h.m.EXPECT().SetGroupPhoto(gomock.Any(), groupID, []byte(nil)).Return("remove", nil),
				h.m.EXPECT().LeaveGroup(gomock.Any(), groupID).Return(nil),
			)
			require.NoError(t, h.c.SetGroupMemberAddMode(ctx, groupID.String(), wauser.MemberAddAdmins))
			require.NoError(t, h.c.SetGroupJoinApproval(ctx, groupID.String(), true))
			id, err := h.c.SetGroupPhoto(ctx, groupID.String(), nil)
			require.NoError(t, err)
			require.Empty(t, id, "removed")
			require.NoError(t, h.c.LeaveGroup(ctx, groupID.String()))
		}},
		{"Invites", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().GetGroupInfoFromLink(gomock.Any(), "AbCd123").Return(&types.GroupInfo{JID: groupID, GroupName: types.GroupName{Name: "Team"},
				ParticipantCount: 7, GroupMembershipApprovalMode: types.GroupMembershipApprovalMode{IsJoinApprovalRequired: true}}, nil)
			h.m.EXPECT().JoinGroupWithLink(gomock.Any(), "AbCd123").Return(groupID, nil)
			info, err := h.c.GetGroupInviteInfo(ctx, "https://chat.whatsapp.com/AbCd123")
			require.NoError(t, err)
			require.Equal(t, wauser.GroupInviteInfo{ID: groupID, Name: "Team", Size: 7, JoinApprovalRequired: true}, *info)
			jid, err := h.c.JoinGroupWithLink(ctx, "chat.whatsapp.com/AbCd123/")
			require.NoError(t, err)
			require.Equal(t, groupID, jid)
		}},
		{"UpdateNewsletter", func(ctx context.Context, t *testing.T, h *mockHarness) {
			name := " Daily "
			meta := &types.NewsletterMetadata{ID: channel}
			meta.ThreadMeta.Name.Text = "Daily"
			gomock.InOrder(
				h.m.EXPECT().UpdateNewsletter(gomock.Any(), channel, wa.NewsletterUpdate{Name: new("Daily")}).Return(meta, nil),
				h.m.EXPECT().UpdateNewsletter(gomock.Any(), channel, wa.NewsletterUpdate{Picture: []byte{}}).Return(meta, nil),
			)
			n, err := h.c.UpdateNewsletter(ctx, channel.String(), wauser.UpdateNewsletterRequest{Name: &name})
			require.NoError(t, err)
			require.Equal(t, "Daily", n.Name)
			_, err = h.c.UpdateNewsletter(ctx, channel.String(), wauser.UpdateNewsletterRequest{RemovePicture: true})
			require.NoError(t, err, "an empty picture removes it")
		}},
		{"NewsletterPosts", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().GetNewsletterMessages(gomock.Any(), channel, &whatsmeow.GetNewsletterMessagesParams{Count: 20, Before: 300}).
					Return([]*types.NewsletterMessage{{MessageServerID: 250, MessageID: "A", ViewsCount: 3, ReactionCounts: map[string]int{"👍": 2}}, nil}, nil),
				h.m.EXPECT().NewsletterSendReaction(gomock.Any(), channel, types.MessageServerID(250), "👍", types.MessageID("")).Return(nil),
				h.m.EXPECT().NewsletterMarkViewed(gomock.Any(), channel, []types.MessageServerID{250, 251}).Return(nil),
				h.m.EXPECT().NewsletterToggleMute(gomock.Any(), channel, true).Return(nil),
			)
			posts, err := h.c.ListNewsletterMessages(ctx, channel.String(), 20, 300)
			require.NoError(t, err)
			require.Equal(t, []wauser.NewsletterPost{{ServerID: 250, ID: "A", Views: 3, Reactions: map[string]int{"👍": 2}}}, posts)
			require.NoError(t, h.c.ReactNewsletterMessage(ctx, channel.String(), 250, "👍"))
			require.NoError(t, h.c.MarkNewsletterViewed(ctx, channel.String(), []int{250, 251}))
			require.NoError(t, h.c.MuteNewsletter(ctx, channel.String(), true))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(ctxTimeout(t), t, pairedMock(t, testdb.SQLite(t)))
		})
	}
}
