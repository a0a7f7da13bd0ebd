package wauser_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"go.uber.org/mock/gomock"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// The calls wauser makes to whatsmeow for the profile, chat, presence and
// call operations, exactly.
func TestMockProfileAndChatCalls(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		run  func(ctx context.Context, t *testing.T, h *mockHarness)
	}{
		{"StarMessage of another's group message", func(ctx context.Context, t *testing.T, h *mockHarness) {
			require.True(t, h.emit(watest.Text(groupID, gAlice, "3EB0AA", epoch, "hi")))
			gomock.InOrder(
				h.m.EXPECT().SendAppState(gomock.Any(), patchEq(withPatchTime(appstate.BuildStar(groupID, gAlice, "3EB0AA", false, true), epoch))).Return(nil),
				h.m.EXPECT().SendAppState(gomock.Any(), patchEq(withPatchTime(appstate.BuildStar(groupID, gAlice, "3EB0AA", false, false), epoch))).Return(nil),
			)
			m, err := h.c.StarMessage(ctx, groupID.String(), "3EB0AA")
			require.NoError(t, err)
			require.True(t, m.Starred, "stored without waiting for the echo")
			m, err = h.c.UnstarMessage(ctx, "", string(m.MessageID))
			require.NoError(t, err)
			require.False(t, m.Starred)
		}},
		{"StarMessage of the account's own group message", func(ctx context.Context, t *testing.T, h *mockHarness) {
			require.True(t, h.emit(watest.FromMe(watest.Text(groupID, selfPN, "3EB0BB", epoch, "mine"))))
			want := withPatchTime(appstate.BuildStar(groupID, selfPN, "3EB0BB", true, true), epoch)
			require.Equal(t, []string{appstate.IndexStar, groupID.String(), "3EB0BB", "1", selfPN.String()}, want.Mutations[0].Index)
			h.m.EXPECT().SendAppState(gomock.Any(), patchEq(want)).Return(nil)
			m, err := h.c.StarMessage(ctx, groupID.String(), "3EB0BB")
			require.NoError(t, err)
			require.True(t, m.Starred)
		}},
		{"StarMessage in a chat with a person", func(ctx context.Context, t *testing.T, h *mockHarness) {
			require.True(t, h.emit(watest.FromMe(watest.Text(gAlice, selfPN, "3EB0CC", epoch, "mine"))))
			want := withPatchTime(appstate.BuildStar(gAlice, gAlice, "3EB0CC", true, true), epoch)
			require.Equal(t, []string{appstate.IndexStar, gAlice.String(), "3EB0CC", "1", "0"}, want.Mutations[0].Index)
			h.m.EXPECT().SendAppState(gomock.Any(), patchEq(want)).Return(nil)
			_, err := h.c.StarMessage(ctx, gAlice.String(), "3EB0CC")
			require.NoError(t, err)
		}},
		{"MuteChat", func(ctx context.Context, t *testing.T, h *mockHarness) {
			end := epoch.Add(8 * time.Hour).UnixMilli()
			gomock.InOrder(
				h.m.EXPECT().SendAppState(gomock.Any(), patchEq(withPatchTime(appstate.BuildMuteAbs(gAlice, true, &end), epoch))).Return(nil),
				h.m.EXPECT().SendAppState(gomock.Any(), patchEq(withPatchTime(appstate.BuildMuteAbs(gAlice, true, nil), epoch))).Return(nil),
				h.m.EXPECT().SendAppState(gomock.Any(), patchEq(withPatchTime(appstate.BuildMuteAbs(gAlice, false, nil), epoch))).Return(nil),
			)
			require.NoError(t, h.c.MuteChat(ctx, gAlice.String(), 8*time.Hour))
			require.NoError(t, h.c.MuteChat(ctx, gAlice.String(), 0))
			require.NoError(t, h.c.UnmuteChat(ctx, gAlice.String()))
		}},
		{"MarkChatUnread", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().SendAppState(gomock.Any(), patchEq(withPatchTime(appstate.BuildMarkChatAsRead(gAlice, false, epoch, nil), epoch))).Return(nil)
			require.NoError(t, h.c.MarkChatUnread(ctx, "+15551230001"))
		}},
		{"SetProfilePhoto", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().SetGroupPhoto(gomock.Any(), types.EmptyJID, jpeg).Return("123", nil),
				h.m.EXPECT().SetGroupPhoto(gomock.Any(), types.EmptyJID, nil).Return("remove", nil),
			)
			id, err := h.c.SetProfilePhoto(ctx, jpeg)
			require.NoError(t, err)
			require.Equal(t, "123", id)
			id, err = h.c.SetProfilePhoto(ctx, nil)
			require.NoError(t, err)
			require.Equal(t, "remove", id)
		}},
		{"SetPushName", func(ctx context.Context, t *testing.T, h *mockHarness) {
			h.m.EXPECT().SendAppState(gomock.Any(), patchEq(withPatchTime(appstate.BuildSettingPushName("Front Desk"), epoch))).Return(nil)
			require.NoError(t, h.c.SetPushName(ctx, " Front Desk "))
		}},
		{"SetDisappearingTimer", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().SetDisappearingTimer(gomock.Any(), groupID, 24*time.Hour, epoch).Return(nil),
				h.m.EXPECT().SetDefaultDisappearingTimer(gomock.Any(), 90*24*time.Hour).Return(nil),
			)
			require.NoError(t, h.c.SetDisappearingTimer(ctx, groupID.String(), wauser.Disappearing24h))
			require.NoError(t, h.c.SetDefaultDisappearingTimer(ctx, wauser.Disappearing90d))
		}},
		{"Blocklist", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().UpdateBlocklist(gomock.Any(), gAlice, events.BlocklistChangeActionBlock).Return(&types.Blocklist{JIDs: []types.JID{gAlice}}, nil),
				h.m.EXPECT().GetBlocklist(gomock.Any()).Return(&types.Blocklist{JIDs: []types.JID{gAlice}}, nil),
				h.m.EXPECT().UpdateBlocklist(gomock.Any(), gCarol, events.BlocklistChangeActionUnblock).Return(&types.Blocklist{}, nil),
			)
			list, err := h.c.BlockContact(ctx, "+15551230001")
			require.NoError(t, err)
			require.Equal(t, []types.JID{gAlice}, list)
			list, err = h.c.ListBlocked(ctx)
			require.NoError(t, err)
			require.Equal(t, []types.JID{gAlice}, list)
			list, err = h.c.UnblockContact(ctx, gCarol.String())
			require.NoError(t, err)
			require.Equal(t, []types.JID{}, list)
		}},
		{"Presence and calls", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().SubscribePresence(gomock.Any(), gCarol).Return(nil),
				h.m.EXPECT().RejectCall(gomock.Any(), gAlice, "CALL1").Return(nil),
			)
			require.NoError(t, h.c.SubscribePresence(ctx, gCarol.String()))
			require.NoError(t, h.c.RejectCall(ctx, gAlice.String(), "CALL1"))
		}},
		{"Links", func(ctx context.Context, t *testing.T, h *mockHarness) {
			gomock.InOrder(
				h.m.EXPECT().GetContactQRLink(gomock.Any(), true).Return("ABC123", nil),
				h.m.EXPECT().ResolveContactQRLink(gomock.Any(), "ABC123").Return(&types.ContactQRLinkTarget{JID: gAlice, Type: "contact"}, nil),
				h.m.EXPECT().ResolveBusinessMessageLink(gomock.Any(), "XYZ").Return(&types.BusinessMessageLinkTarget{JID: gBob, Message: "Hello"}, nil),
			)
			link, err := h.c.GetContactQRLink(ctx, true)
			require.NoError(t, err)
			require.Equal(t, "https://wa.me/qr/ABC123", link)
			target, err := h.c.ResolveContactQRLink(ctx, "https://api.whatsapp.com/qr/ABC123")
			require.NoError(t, err)
			require.Equal(t, gAlice, target.JID)
			biz, err := h.c.ResolveBusinessLink(ctx, "XYZ")
			require.NoError(t, err)
			require.Equal(t, "Hello", biz.Message)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			testdb.Each(t, func(t *testing.T, db *testdb.DB) {
				t.Parallel()
				tc.run(ctxTimeout(t), t, pairedMock(t, db))
			})
		})
	}
}
