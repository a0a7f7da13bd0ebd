package wauser_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/types"
	"go.uber.org/mock/gomock"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
)

// The account of pairedMock, and people and groups the tests use.
var (
	selfPN  = types.NewJID("15550001111", types.DefaultUserServer)
	gAlice  = types.NewJID("15551230001", types.DefaultUserServer)
	gBob    = types.NewJID("15551230002", types.DefaultUserServer)
	gCarol  = types.NewJID("987654321098765", types.HiddenUserServer)
	groupID = types.NewJID("120363012345678901", types.GroupServer)
	jpeg    = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01")
)

// patchEq matches an app state patch by value, comparing the protos with
// proto.Equal.
func patchEq(want appstate.PatchInfo) gomock.Matcher { return patchMatcher{want} }

type patchMatcher struct{ want appstate.PatchInfo }

func (m patchMatcher) Matches(x any) bool {
	got, ok := x.(appstate.PatchInfo)
	if !ok || got.Type != m.want.Type || !got.Timestamp.Equal(m.want.Timestamp) || len(got.Mutations) != len(m.want.Mutations) {
		return false
	}
	for i, g := range got.Mutations {
		w := m.want.Mutations[i]
		if !slices.Equal(g.Index, w.Index) || g.Version != w.Version || !proto.Equal(g.Value, w.Value) {
			return false
		}
	}
	return true
}

func (m patchMatcher) String() string { return fmt.Sprintf("is the patch %+v", m.want) }

// withPatchTime returns p stamped with at, as wauser sends patches.
func withPatchTime(p appstate.PatchInfo, at time.Time) appstate.PatchInfo {
	p.Timestamp = at
	return p
}

func groupInfo(participants ...types.GroupParticipant) *types.GroupInfo {
	return &types.GroupInfo{
		JID:            groupID,
		OwnerJID:       selfPN,
		GroupName:      types.GroupName{Name: "Team"},
		GroupTopic:     types.GroupTopic{Topic: "About", TopicID: "T1"},
		GroupAnnounce:  types.GroupAnnounce{IsAnnounce: true},
		GroupEphemeral: types.GroupEphemeral{IsEphemeral: true, DisappearingTimer: 86400},
		AddressingMode: types.AddressingModePN,
		GroupCreated:   epoch.Add(-time.Hour),
		Participants:   participants,
	}
}

func member(jid types.JID, admin, super bool) types.GroupParticipant {
	return types.GroupParticipant{JID: jid, PhoneNumber: jid, IsAdmin: admin || super, IsSuperAdmin: super}
}

// TestMockGroupOperations asserts, for each group and chat operation, the
// exact whatsmeow call and arguments, and the result.
func TestMockGroupOperations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		run  func(ctx context.Context, t *testing.T, h *mockHarness)
	}{
		{"ListGroups", func(ctx context.Context, t *testing.T, h *mockHarness) {
			other := &types.GroupInfo{JID: types.NewJID("120363000000000001", types.GroupServer), GroupName: types.GroupName{Name: "A"}}
			h.m.EXPECT().GetJoinedGroups(gomock.Any()).Return([]*types.GroupInfo{groupInfo(member(selfPN, false, true), member(gAlice, true, false), member(gBob, false, false)), other}, nil)
			require.NoError(t, h.dev.ChatSettings.PutArchived(ctx, groupID, true))
			require.NoError(t, h.dev.ChatSettings.PutMutedUntil(ctx, groupID, epoch.Add(time.Hour)))
			groups, err := h.c.ListGroups(ctx)
			require.NoError(t, err)
			require.Len(t, groups, 2)
			require.Equal(t, other.JID, groups[0].ID, "ordered by JID")
			require.Equal(t, []types.JID{}, groups[0].Members, "empty lists, not null")
			g := groups[1]
			require.Equal(t, &wauser.Group{
				ID: groupID, Name: "Team", Topic: "About", Owner: selfPN, Created: epoch.Add(-time.Hour),
				Announce: true, Ephemeral: true, EphemeralSeconds: 86400, AddressingMode: "pn",
				Archived: true, Muted: true,
				Members: []types.JID{selfPN, gAlice, gBob},
				Admins:  []types.JID{selfPN, gAlice},
				Participants: []wauser.GroupParticipant{
					{JID: selfPN, Phone: selfPN, Role: wauser.RoleSuperAdmin},
					{JID: gAlice, Phone: gAlice, Role: wauser.RoleAdmin},
					{JID: gBob, Phone: gBob, Role: wauser.RoleMember},
				},
			}, g)
		}},
		{"CreateGroup", func(ctx context.Context, t *testing.T, h *mockHarness) {
			community := types.NewJID("120363099999999999", types.GroupServer)
			expiry := epoch.Add(72 * time.Hour)
			h.m.EXPECT().CreateGroup(gomock.Any(), whatsmeow.ReqCreateGroup{
				Name:                        "Team",
				Participants:                []types.JID{gAlice, gCarol, gBob},
				GroupEphemeral:              types.GroupEphemeral{IsEphemeral: true, DisappearingTimer: 7 * 24 * 3600},
				GroupAnnounce:               types.GroupAnnounce{IsAnnounce: true},
				GroupLocked:                 types.GroupLocked{IsLocked: true},
				GroupMembershipApprovalMode: types.GroupMembershipApprovalMode{IsJoinApprovalRequired: true},
				GroupLinkedParent:           types.GroupLinkedParent{LinkedParentJID: community},
			}).Return(&types.GroupInfo{JID: groupID, GroupName: types.GroupName{Name: "Team"}, Participants: []types.GroupParticipant{
				member(selfPN, true, true), member(gAlice, false, false), {JID: gCarol, LID: gCarol},
				{JID: gBob, Error: 403, AddRequest: &types.GroupParticipantAddRequest{Code: "INV", Expiration: expiry}},
			}}, nil)
			h.m.EXPECT().SetGroupTopic(gomock.Any(), groupID, "", "", "About us").Return(nil)
			g, err := h.c.CreateGroup(ctx, wauser.CreateGroupRequest{
				Name: " Team ", Members: []string{"+15551230001", "987654321098765@lid", "15551230002@s.whatsapp.net"},
				Topic: "About us", Announce: true, Locked: true, Ephemeral: true, JoinApprovalRequired: true,
				CommunityID: community.String(),
			})
			require.NoError(t, err)
			require.Equal(t, groupID, g.ID)
			require.Equal(t, "About us", g.Topic)
			require.Equal(t, wauser.GroupParticipant{JID: gBob, Role: wauser.RoleMember, Error: 403, InviteCode: "INV", InviteExpiration: expiry}, g.Participants[3])
			require.Equal(t, wauser.GroupParticipant{JID: gCarol, LID: gCarol, Role: wauser.RoleMember}, g.Participants[2])
		}},
		{"GetGroup", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().GetGroupInfo(gomock.Any(), groupID).Return(groupInfo(member(selfPN, true, false)), nil)
			g, err := h.c.GetGroup(ctx, "120363012345678901") // a bare group id
			require.NoError(t, err)
			require.Equal(t, "Team", g.Name)
			require.Equal(t, []types.JID{selfPN}, g.Admins)
		}},
		{"UpdateGroup", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().SetGroupName(gomock.Any(), groupID, "New name").Return(nil),
				h.m.EXPECT().SetGroupTopic(gomock.Any(), groupID, "", "", "").Return(nil),
				h.m.EXPECT().SetGroupPhoto(gomock.Any(), groupID, jpeg).Return("pic1", nil),
				h.m.EXPECT().SetGroupLocked(gomock.Any(), groupID, true).Return(nil),
				h.m.EXPECT().GetGroupInfo(gomock.Any(), groupID).Return(groupInfo(), nil),
			)
			name, topic, locked := "New name ", "", true
			g, err := h.c.UpdateGroup(ctx, groupID.String(), wauser.UpdateGroupRequest{Name: &name, Topic: &topic, Photo: jpeg, Locked: &locked})
			require.NoError(t, err)
			require.Equal(t, groupID, g.ID, "the group as WhatsApp reports it afterwards")
		}},
		{"UpdateGroup remove photo", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().SetGroupPhoto(gomock.Any(), groupID, []byte(nil)).Return("remove", nil),
				h.m.EXPECT().GetGroupInfo(gomock.Any(), groupID).Return(groupInfo(), nil),
			)
			_, err := h.c.UpdateGroup(ctx, groupID.String(), wauser.UpdateGroupRequest{RemovePhoto: true})
			require.NoError(t, err)
		}},
		{"DeleteGroup as admin", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().GetGroupInfo(gomock.Any(), groupID).Return(groupInfo(member(gAlice, false, true), member(selfPN, true, false), member(gBob, false, false)), nil),
				h.m.EXPECT().UpdateGroupParticipants(gomock.Any(), groupID, []types.JID{gAlice, gBob}, whatsmeow.ParticipantChangeRemove).
					Return([]types.GroupParticipant{{JID: gAlice, Error: 403}, {JID: gBob}}, nil),
				h.m.EXPECT().LeaveGroup(gomock.Any(), groupID).Return(nil),
				h.m.EXPECT().SendAppState(gomock.Any(), patchEq(withPatchTime(deleteChatPatch(groupID, epoch), epoch))).Return(nil),
			)
			require.NoError(t, h.c.DeleteGroup(ctx, groupID.String()))
		}},
		{"DeleteGroup as member", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().GetGroupInfo(gomock.Any(), groupID).Return(groupInfo(member(gAlice, true, true), member(selfPN, false, false)), nil),
				h.m.EXPECT().LeaveGroup(gomock.Any(), groupID).Return(nil),
				h.m.EXPECT().SendAppState(gomock.Any(), patchEq(withPatchTime(deleteChatPatch(groupID, epoch), epoch))).Return(nil),
			)
			require.NoError(t, h.c.DeleteGroup(ctx, groupID.String()))
		}},
		{"DeleteGroup already left", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().GetGroupInfo(gomock.Any(), groupID).Return(nil, fmt.Errorf("%w: %w", whatsmeow.ErrNotInGroup, whatsmeow.ErrIQForbidden)),
				h.m.EXPECT().SendAppState(gomock.Any(), patchEq(withPatchTime(deleteChatPatch(groupID, epoch), epoch))).Return(nil),
			)
			require.NoError(t, h.c.DeleteGroup(ctx, groupID.String()))
		}},
		{"AddGroupMembers", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().UpdateGroupParticipants(gomock.Any(), groupID, []types.JID{gAlice, gCarol}, whatsmeow.ParticipantChangeAdd).
				Return([]types.GroupParticipant{member(gAlice, false, false), {JID: gCarol, Error: 403, AddRequest: &types.GroupParticipantAddRequest{Code: "C"}}}, nil)
			got, err := h.c.AddGroupMembers(ctx, groupID.String(), []string{"+1 555 123 0001", gCarol.String()})
			require.NoError(t, err)
			require.Equal(t, []wauser.GroupParticipant{
				{JID: gAlice, Phone: gAlice, Role: wauser.RoleMember},
				{JID: gCarol, Role: wauser.RoleMember, Error: 403, InviteCode: "C"},
			}, got)
		}},
		{"RemoveGroupMembers", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().UpdateGroupParticipants(gomock.Any(), groupID, []types.JID{gBob}, whatsmeow.ParticipantChangeRemove).Return([]types.GroupParticipant{{JID: gBob}}, nil)
			got, err := h.c.RemoveGroupMembers(ctx, groupID.String(), []string{gBob.String()})
			require.NoError(t, err)
			require.Equal(t, gBob, got[0].JID)
			require.Zero(t, got[0].Error)
		}},
		{"PromoteGroupAdmins", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().UpdateGroupParticipants(gomock.Any(), groupID, []types.JID{gBob}, whatsmeow.ParticipantChangePromote).Return([]types.GroupParticipant{member(gBob, true, false)}, nil)
			got, err := h.c.PromoteGroupAdmins(ctx, groupID.String(), []string{"+15551230002"})
			require.NoError(t, err)
			require.Equal(t, wauser.RoleAdmin, got[0].Role)
		}},
		{"DemoteGroupAdmins", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().UpdateGroupParticipants(gomock.Any(), groupID, []types.JID{gBob}, whatsmeow.ParticipantChangeDemote).Return([]types.GroupParticipant{{JID: gBob, Error: 404}}, nil)
			got, err := h.c.DemoteGroupAdmins(ctx, groupID.String(), []string{"+15551230002"})
			require.NoError(t, err)
			require.Equal(t, 404, got[0].Error, "per-participant failures are results, not errors")
		}},
		{"ListGroupJoinRequests", func(ctx context.Context, t *testing.T, h *mockHarness) {
			at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.FixedZone("x", 3600))
			h.m.EXPECT().GetGroupRequestParticipants(gomock.Any(), groupID).Return([]types.GroupParticipantRequest{{JID: gAlice, RequestedAt: at}}, nil)
			got, err := h.c.ListGroupJoinRequests(ctx, groupID.String())
			require.NoError(t, err)
			require.Equal(t, []wauser.GroupJoinRequest{{JID: gAlice, RequestedAt: at.UTC()}}, got)
		}},
		{"ApproveGroupJoinRequests", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().UpdateGroupRequestParticipants(gomock.Any(), groupID, []types.JID{gAlice, gBob}, whatsmeow.ParticipantChangeApprove).Return([]types.GroupParticipant{{JID: gAlice}, {JID: gBob}}, nil)
			got, err := h.c.ApproveGroupJoinRequests(ctx, groupID.String(), []string{"+15551230001", "+15551230002"})
			require.NoError(t, err)
			require.Len(t, got, 2)
		}},
		{"RejectGroupJoinRequests", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().UpdateGroupRequestParticipants(gomock.Any(), groupID, []types.JID{gAlice}, whatsmeow.ParticipantChangeReject).Return([]types.GroupParticipant{{JID: gAlice}}, nil)
			_, err := h.c.RejectGroupJoinRequests(ctx, groupID.String(), []string{"+15551230001"})
			require.NoError(t, err)
		}},
		{"SetGroupAnnounce", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().SetGroupAnnounce(gomock.Any(), groupID, true).Return(nil),
				h.m.EXPECT().SetGroupAnnounce(gomock.Any(), groupID, false).Return(nil),
			)
			require.NoError(t, h.c.SetGroupAnnounce(ctx, groupID.String(), true))
			require.NoError(t, h.c.SetGroupAnnounce(ctx, groupID.String(), false))
		}},
		{"SetGroupLocked", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().SetGroupLocked(gomock.Any(), groupID, true).Return(nil),
				h.m.EXPECT().SetGroupLocked(gomock.Any(), groupID, false).Return(nil),
			)
			require.NoError(t, h.c.SetGroupLocked(ctx, groupID.String(), true))
			require.NoError(t, h.c.SetGroupLocked(ctx, groupID.String(), false))
		}},
		{"GetGroupInviteLink", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().GetGroupInviteLink(gomock.Any(), groupID, false).Return("https://chat.whatsapp.com/A", nil),
				h.m.EXPECT().GetGroupInviteLink(gomock.Any(), groupID, true).Return("https://chat.whatsapp.com/B", nil),
			)
			link, err := h.c.GetGroupInviteLink(ctx, groupID.String(), false)
			require.NoError(t, err)
			require.Equal(t, "https://chat.whatsapp.com/A", link)
			link, err = h.c.GetGroupInviteLink(ctx, groupID.String(), true)
			require.NoError(t, err)
			require.Equal(t, "https://chat.whatsapp.com/B", link)
		}},
		{"ArchiveChat", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().SendAppState(gomock.Any(), patchEq(withPatchTime(appstate.BuildArchive(gAlice, true, epoch, nil), epoch))).Return(nil),
				h.m.EXPECT().SendAppState(gomock.Any(), patchEq(withPatchTime(appstate.BuildArchive(groupID, false, epoch, nil), epoch))).Return(nil),
			)
			require.NoError(t, h.c.ArchiveChat(ctx, "+15551230001"))
			require.NoError(t, h.c.UnarchiveChat(ctx, groupID.String()))
		}},
		{"PinChat", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().SendAppState(gomock.Any(), patchEq(withPatchTime(appstate.BuildPin(groupID, true), epoch))).Return(nil),
				h.m.EXPECT().SendAppState(gomock.Any(), patchEq(withPatchTime(appstate.BuildPin(groupID, false), epoch))).Return(nil),
			)
			require.NoError(t, h.c.PinChat(ctx, groupID.String()))
			require.NoError(t, h.c.UnpinChat(ctx, groupID.String()))
		}},
		{"ClearChat", func(ctx context.Context, t *testing.T, h *mockHarness) {
			clear := func(starred string) appstate.PatchInfo {
				return appstate.PatchInfo{
					Timestamp: epoch,
					Type:      appstate.WAPatchRegularHigh,
					Mutations: []appstate.MutationInfo{{
						Index:   []string{"clearChat", groupID.String(), starred, "0"},
						Version: 6,
						Value: &waSyncAction.SyncActionValue{ClearChatAction: &waSyncAction.ClearChatAction{
							MessageRange: &waSyncAction.SyncActionMessageRange{LastMessageTimestamp: proto.Int64(epoch.Unix())},
						}},
					}},
				}
			}
			gomock.InOrder(
				h.m.EXPECT().SendAppState(gomock.Any(), patchEq(clear("0"))).Return(nil),
				h.m.EXPECT().SendAppState(gomock.Any(), patchEq(clear("1"))).Return(nil),
			)
			require.NoError(t, h.c.ClearChat(ctx, groupID.String(), false))
			require.NoError(t, h.c.ClearChat(ctx, groupID.String(), true))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(ctxTimeout(t), t, pairedMock(t, testdb.SQLite(t)))
		})
	}
}

// deleteChatPatch is the delete-chat patch of WhatsApp's current protocol
// (collection regular_high, index [deleteChat, jid, "1"]: media deleted
// too), which the pinned whatsmeow's appstate.BuildDeleteChat does not
// build.
func deleteChatPatch(jid types.JID, last time.Time) appstate.PatchInfo {
	return appstate.PatchInfo{
		Type: appstate.WAPatchRegularHigh,
		Mutations: []appstate.MutationInfo{{
			Index:   []string{appstate.IndexDeleteChat, jid.String(), "1"},
			Version: 6,
			Value: &waSyncAction.SyncActionValue{DeleteChatAction: &waSyncAction.DeleteChatAction{
				MessageRange: &waSyncAction.SyncActionMessageRange{LastMessageTimestamp: proto.Int64(last.Unix())},
			}},
		}},
	}
}
