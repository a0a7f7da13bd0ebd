package wauser_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// TestGroupOperationsOneByOne drives the single-setting group methods and
// invite links through the fake: each reaches WhatsApp, the other members
// hear of it, and the store reflects what WhatsApp announces.
func TestGroupOperationsOneByOne(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		h.fake.SetClock(h.clock)
		ctx := ctxTimeout(t)
		bot, _ := pair(t, h, "bot")
		friend, friendConn := pairWith(t, h, "friend", friendPhone)
		friendEvents := record(friendConn)

		g, err := bot.CreateGroup(ctx, wauser.CreateGroupRequest{Name: "Club"})
		require.NoError(t, err)
		gid := g.ID.String()

		require.NoError(t, bot.SetGroupName(ctx, gid, "  Book club "))
		require.NoError(t, bot.SetGroupDescription(ctx, gid, "Monthly"))
		photoID, err := bot.SetGroupPhoto(ctx, gid, jpeg)
		require.NoError(t, err)
		require.NotEmpty(t, photoID)
		require.NoError(t, bot.SetGroupMemberAddMode(ctx, gid, wauser.MemberAddAll))
		require.NoError(t, bot.SetGroupJoinApproval(ctx, gid, false))
		got, err := bot.GetGroup(ctx, gid)
		require.NoError(t, err)
		require.Equal(t, "Book club", got.Name, "trimmed")
		require.Equal(t, "Monthly", got.Topic)
		require.Equal(t, wauser.MemberAddAll, got.MemberAddMode)
		require.False(t, got.JoinApprovalRequired)

		// The friend looks at the invite, joins with it, and the bot's
		// store learns of the new member from WhatsApp's announcement.
		h.clock.Advance(time.Minute)
		link, err := bot.GetGroupInviteLink(ctx, gid, false)
		require.NoError(t, err)
		info, err := friend.GetGroupInviteInfo(ctx, link)
		require.NoError(t, err)
		require.Equal(t, wauser.GroupInviteInfo{ID: g.ID, Name: "Book club", Topic: "Monthly", Owner: phone.JID, Size: 1}, *info)
		joined, err := friend.JoinGroupWithLink(ctx, link[len(whatsmeow.InviteLinkPrefix):])
		require.NoError(t, err, "the bare code works too")
		require.Equal(t, g.ID, joined)
		require.Len(t, only[*events.JoinedGroup](friendEvents.take()), 1)
		conv := feed(t, bot).convs[gid]
		require.Len(t, conv.Participants, 2, "the store saw the friend join")

		// Join approval: the next joiner only asks.
		require.NoError(t, bot.SetGroupJoinApproval(ctx, gid, true))
		got, err = bot.GetGroup(ctx, gid)
		require.NoError(t, err)
		require.True(t, got.JoinApprovalRequired)

		// A plain member may not change admin settings.
		err = friend.SetGroupMemberAddMode(ctx, gid, wauser.MemberAddAdmins)
		require.ErrorIs(t, err, wauser.ErrForbidden)
		err = friend.SetGroupJoinApproval(ctx, gid, false)
		require.ErrorIs(t, err, wauser.ErrForbidden)

		// Leaving: the friend is out, the bot's store hears of it.
		h.clock.Advance(time.Minute)
		require.NoError(t, friend.LeaveGroup(ctx, gid))
		_, err = friend.GetGroup(ctx, gid)
		require.ErrorIs(t, err, wauser.ErrForbidden)
		require.Len(t, feed(t, bot).convs[gid].Participants, 1)
		err = friend.LeaveGroup(ctx, gid)
		require.ErrorIs(t, err, wauser.ErrForbidden, "not in the group any more")

		// Removing the photo.
		photoID, err = bot.SetGroupPhoto(ctx, gid, nil)
		require.NoError(t, err)
		require.Empty(t, photoID)

		// A revoked link.
		_, err = bot.GetGroupInviteLink(ctx, gid, true)
		require.NoError(t, err)
		_, err = friend.GetGroupInviteInfo(ctx, link)
		require.ErrorIs(t, err, wauser.ErrNotFound)
		_, err = friend.JoinGroupWithLink(ctx, link)
		require.ErrorIs(t, err, wauser.ErrNotFound)
		_, err = friend.GetGroupInviteInfo(ctx, "https://chat.whatsapp.com/NoSuchCode1")
		require.ErrorIs(t, err, wauser.ErrInvalidArgument)
	})
}

// TestCommunities creates a community, links and unlinks groups and lists
// them, through the fake.
func TestCommunities(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		bot, _ := pair(t, h, "bot")
		friend, _ := pairWith(t, h, "friend", friendPhone)

		com, err := bot.CreateCommunity(ctx, wauser.CreateCommunityRequest{Name: "Neighbours", Description: "Our street"})
		require.NoError(t, err)
		require.True(t, com.IsCommunity)
		require.Equal(t, "Our street", com.Topic)
		subs, err := bot.ListSubgroups(ctx, com.ID.String())
		require.NoError(t, err)
		require.Len(t, subs, 1, "WhatsApp makes the announcement group with the community")
		require.True(t, subs[0].Announcement)
		announce, err := bot.GetGroup(ctx, subs[0].ID.String())
		require.NoError(t, err)
		require.Equal(t, com.ID, announce.CommunityID)
		require.True(t, announce.Announce, "only admins write in it")

		g1, err := bot.CreateGroup(ctx, wauser.CreateGroupRequest{Name: "Garden", Members: []string{friendPhone.JID.String()}})
		require.NoError(t, err)
		g2, err := bot.CreateGroup(ctx, wauser.CreateGroupRequest{Name: "Parking", CommunityID: com.ID.String()})
		require.NoError(t, err)
		require.NoError(t, bot.LinkGroup(ctx, com.ID.String(), g1.ID.String()))
		got, err := bot.GetGroup(ctx, g1.ID.String())
		require.NoError(t, err)
		require.Equal(t, com.ID, got.CommunityID)
		subs, err = bot.ListSubgroups(ctx, com.ID.String())
		require.NoError(t, err)
		require.Len(t, subs, 3)
		require.True(t, subs[0].Announcement)
		require.ElementsMatch(t, []wauser.Subgroup{{ID: g1.ID, Name: "Garden"}, {ID: g2.ID, Name: "Parking"}}, subs[1:])
		people, err := bot.ListCommunityParticipants(ctx, com.ID.String())
		require.NoError(t, err)
		require.Equal(t, []types.JID{phone.JID, friendPhone.JID}, people, "everyone once, however many groups")

		// Linking again is refused; a member who is not an admin may not link.
		err = bot.LinkGroup(ctx, com.ID.String(), g1.ID.String())
		require.Error(t, err)
		err = friend.UnlinkGroup(ctx, com.ID.String(), g1.ID.String())
		require.ErrorIs(t, err, wauser.ErrForbidden)

		require.NoError(t, bot.UnlinkGroup(ctx, com.ID.String(), g1.ID.String()))
		got, err = bot.GetGroup(ctx, g1.ID.String())
		require.NoError(t, err)
		require.True(t, got.CommunityID.IsEmpty())
		subs, err = bot.ListSubgroups(ctx, com.ID.String())
		require.NoError(t, err)
		require.Len(t, subs, 2)
		people, err = bot.ListCommunityParticipants(ctx, com.ID.String())
		require.NoError(t, err)
		require.Equal(t, []types.JID{phone.JID}, people)

		// A plain group is no community.
		_, err = bot.ListSubgroups(ctx, g1.ID.String())
		require.Error(t, err)
	})
}

// TestGroupArgumentsAreChecked: bad arguments never reach WhatsApp.
func TestGroupArgumentsAreChecked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	bot, conn := pair(t, h, "bot")
	before := len(conn.Calls())
	gid := "120363000000000009@g.us"
	for name, err := range map[string]error{
		"name":        bot.SetGroupName(ctx, gid, " "),
		"description": bot.SetGroupDescription(ctx, gid, string(make([]byte, 5000))),
		"photo":       func() error { _, err := bot.SetGroupPhoto(ctx, gid, []byte("GIF89a")); return err }(),
		"mode":        bot.SetGroupMemberAddMode(ctx, gid, "everyone"),
		"group":       bot.LeaveGroup(ctx, "15551234567@s.whatsapp.net"),
		"link":        func() error { _, err := bot.JoinGroupWithLink(ctx, "https://example.com/x"); return err }(),
		"community":   func() error { _, err := bot.CreateCommunity(ctx, wauser.CreateCommunityRequest{}); return err }(),
		"self link":   bot.LinkGroup(ctx, gid, gid),
		"subgroups":   func() error { _, err := bot.ListSubgroups(ctx, "nope"); return err }(),
		"people":      func() error { _, err := bot.ListCommunityParticipants(ctx, ""); return err }(),
	} {
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, name)
	}
	require.Len(t, conn.Calls(), before, "nothing reached WhatsApp")
	_ = watest.ErrNotEmulated
}
