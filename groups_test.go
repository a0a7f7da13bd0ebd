package wauser_test

import (
	"encoding/json"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

var friendPhone = watest.Phone{
	JID:      types.NewJID("15557654321", types.DefaultUserServer),
	LID:      types.NewJID("223456789012345", types.HiddenUserServer),
	PushName: "Friend",
}

// recorder collects the whatsmeow events a fake connection dispatches.
type recorder struct {
	mu     sync.Mutex
	events []any
}

func record(conn *watest.Conn) *recorder {
	r := &recorder{}
	conn.AddEventHandlerWithSuccessStatus(func(evt any) bool {
		r.mu.Lock()
		r.events = append(r.events, evt)
		r.mu.Unlock()
		return true
	})
	return r
}

func (r *recorder) take() []any {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

// only returns the events of type T among evts.
func only[T any](evts []any) []T {
	var out []T
	for _, e := range evts {
		if t, ok := e.(T); ok {
			out = append(out, t)
		}
	}
	return out
}

func TestGroupLifecycleWithFake(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		h.fake.SetClock(h.clock)
		ctx := ctxTimeout(t)
		bot, botConn := pair(t, h, "bot")
		friend, friendConn := pairWith(t, h, "friend", friendPhone)
		botEvents, friendEvents := record(botConn), record(friendConn)
		h.fake.Register("+15551230001")
		h.fake.RequireInvite("+15551230002")

		// Create: the friend (an account) and gAlice are added, gBob needs an
		// invite, a number not on WhatsApp is refused.
		g, err := bot.CreateGroup(ctx, wauser.CreateGroupRequest{
			Name:    "Team",
			Members: []string{"+15557654321", "+15551230001", "+15551230002", "+15559999999"},
			Topic:   "Plans",
		})
		require.NoError(t, err)
		require.Equal(t, "Team", g.Name)
		require.Equal(t, "Plans", g.Topic)
		require.Equal(t, wauser.RoleSuperAdmin, g.Participants[0].Role)
		require.Equal(t, phone.JID, g.Participants[0].JID)
		require.Equal(t, phone.LID, g.Participants[0].LID, "the fake knows its accounts' LIDs")
		errs := []int{}
		for _, p := range g.Participants {
			errs = append(errs, p.Error)
		}
		require.Equal(t, []int{0, 0, 0, 403, 404}, errs)
		require.NotEmpty(t, g.Participants[3].InviteCode, "privacy: an invite is needed")
		joined := only[*events.JoinedGroup](botEvents.take())
		require.Len(t, joined, 1, "WhatsApp announces the new group to its creator")
		require.Equal(t, "new", joined[0].Type)
		require.Equal(t, g.ID, joined[0].JID)
		require.Len(t, only[*events.JoinedGroup](friendEvents.take()), 1, "and to the accounts added")

		got, err := friend.GetGroup(ctx, g.ID.String())
		require.NoError(t, err)
		require.Equal(t, []types.JID{phone.JID, friendPhone.JID, types.NewJID("15551230001", types.DefaultUserServer)}, got.Members)
		require.Equal(t, []types.JID{phone.JID}, got.Admins)
		groups, err := friend.ListGroups(ctx)
		require.NoError(t, err)
		require.Len(t, groups, 1)

		// A plain member may rename an unlocked group, not a locked one, and
		// may not add people.
		name := "Team 2"
		_, err = friend.UpdateGroup(ctx, g.ID.String(), wauser.UpdateGroupRequest{Name: &name})
		require.NoError(t, err)
		renames := only[*events.GroupInfo](botEvents.take())
		require.Len(t, renames, 1)
		require.Equal(t, "Team 2", renames[0].Name.Name, "members see the change as a group info event")
		require.NoError(t, bot.SetGroupLocked(ctx, g.ID.String(), true))
		_, err = friend.UpdateGroup(ctx, g.ID.String(), wauser.UpdateGroupRequest{Name: &name})
		require.ErrorIs(t, err, wauser.ErrForbidden)
		require.ErrorIs(t, err, whatsmeow.ErrIQForbidden)
		_, err = friend.AddGroupMembers(ctx, g.ID.String(), []string{"+15551230001"})
		require.ErrorIs(t, err, wauser.ErrForbidden)
		_, err = friend.GetGroupInviteLink(ctx, g.ID.String(), false)
		require.ErrorIs(t, err, wauser.ErrForbidden)
		require.ErrorIs(t, err, whatsmeow.ErrGroupInviteLinkUnauthorized)

		// Promoted, the friend may; the group's info shows it all.
		res, err := bot.PromoteGroupAdmins(ctx, g.ID.String(), []string{friendPhone.JID.String(), "+15551230002"})
		require.NoError(t, err)
		require.Equal(t, wauser.RoleAdmin, res[0].Role)
		require.Equal(t, 404, res[1].Error, "bob is not in the group")
		require.NoError(t, friend.SetGroupAnnounce(ctx, g.ID.String(), true))
		topic := ""
		got, err = friend.UpdateGroup(ctx, g.ID.String(), wauser.UpdateGroupRequest{Name: &name, Topic: &topic, Photo: jpeg})
		require.NoError(t, err)
		require.Equal(t, "Team 2", got.Name)
		require.Empty(t, got.Topic)
		require.True(t, got.Locked)
		require.True(t, got.Announce)
		require.Equal(t, []types.JID{phone.JID, friendPhone.JID}, got.Admins)

		link, err := friend.GetGroupInviteLink(ctx, g.ID.String(), false)
		require.NoError(t, err)
		require.Contains(t, link, whatsmeow.InviteLinkPrefix)
		again, err := bot.GetGroupInviteLink(ctx, g.ID.String(), false)
		require.NoError(t, err)
		require.Equal(t, link, again)
		reset, err := bot.GetGroupInviteLink(ctx, g.ID.String(), true)
		require.NoError(t, err)
		require.NotEqual(t, link, reset, "reset revokes the old link")

		// Join requests.
		gCarol := types.NewJID("15551230003", types.DefaultUserServer)
		dave := types.NewJID("15551230004", types.DefaultUserServer)
		require.NoError(t, h.fake.RequestJoin(g.ID, gCarol))
		require.NoError(t, h.fake.RequestJoin(g.ID, dave))
		reqs, err := bot.ListGroupJoinRequests(ctx, g.ID.String())
		require.NoError(t, err)
		require.Equal(t, []wauser.GroupJoinRequest{{JID: gCarol, RequestedAt: epoch}, {JID: dave, RequestedAt: epoch}}, reqs)
		res, err = bot.ApproveGroupJoinRequests(ctx, g.ID.String(), []string{gCarol.String(), "+15551230005"})
		require.NoError(t, err)
		require.Zero(t, res[0].Error)
		require.Equal(t, 404, res[1].Error, "no such request")
		_, err = bot.RejectGroupJoinRequests(ctx, g.ID.String(), []string{dave.String()})
		require.NoError(t, err)
		reqs, err = bot.ListGroupJoinRequests(ctx, g.ID.String())
		require.NoError(t, err)
		require.Empty(t, reqs)
		info, ok := h.fake.Group(g.ID)
		require.True(t, ok)
		require.Len(t, info.Participants, 4, "bot, friend, gAlice and carol")

		// Remove and demote.
		res, err = bot.RemoveGroupMembers(ctx, g.ID.String(), []string{gCarol.String()})
		require.NoError(t, err)
		require.Zero(t, res[0].Error)
		res, err = bot.DemoteGroupAdmins(ctx, g.ID.String(), []string{friendPhone.JID.String()})
		require.NoError(t, err)
		require.Equal(t, wauser.RoleMember, res[0].Role)

		// Chat state through app state patches: the fake applies them to the
		// device's chat settings, as whatsmeow does.
		require.NoError(t, bot.PinChat(ctx, g.ID.String()))
		got, err = bot.GetGroup(ctx, g.ID.String())
		require.NoError(t, err)
		require.True(t, got.Pinned)
		require.NoError(t, bot.ArchiveChat(ctx, g.ID.String()))
		got, err = bot.GetGroup(ctx, g.ID.String())
		require.NoError(t, err)
		require.True(t, got.Archived)
		require.False(t, got.Pinned, "archiving unpins")
		require.NoError(t, bot.UnarchiveChat(ctx, g.ID.String()))
		require.NoError(t, bot.ClearChat(ctx, g.ID.String(), false))
		evts := botEvents.take()
		require.Len(t, only[*events.Archive](evts), 2)
		require.Len(t, only[*events.ClearChat](evts), 1)

		// Delete: the others are removed, the account leaves, the chat goes.
		require.NoError(t, bot.DeleteGroup(ctx, g.ID.String()))
		info, ok = h.fake.Group(g.ID)
		require.True(t, ok)
		require.Empty(t, info.Participants)
		patches := botConn.AppStatePatches()
		last := patches[len(patches)-1]
		require.Equal(t, appstate.WAPatchRegularHigh, last.Type, "the current protocol's collection")
		require.Equal(t, []string{appstate.IndexDeleteChat, g.ID.String(), "1"}, last.Mutations[0].Index, "media go with the chat")
		leaves := only[*events.GroupInfo](friendEvents.take())
		require.True(t, slices.ContainsFunc(leaves, func(e *events.GroupInfo) bool { return slices.Contains(e.Leave, friendPhone.JID) }),
			"the friend was told it was removed")
		_, err = friend.GetGroup(ctx, g.ID.String())
		require.ErrorIs(t, err, wauser.ErrForbidden)
		require.ErrorIs(t, err, whatsmeow.ErrNotInGroup)
		// Deleting again only deletes the chat.
		require.NoError(t, bot.DeleteGroup(ctx, g.ID.String()))
		require.Len(t, botConn.AppStatePatches(), len(patches)+1)
		_, err = bot.GetGroup(ctx, types.NewJID("120363999999999999", types.GroupServer).String())
		require.ErrorIs(t, err, wauser.ErrNotFound)
		require.ErrorIs(t, err, whatsmeow.ErrGroupNotFound)
	})
}

func TestDeleteGroupAsMemberLeavesOthers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	bot, _ := pair(t, h, "bot")
	gid := h.fake.AddGroup(watest.GroupSpec{Name: "Theirs", Owner: gAlice, Members: []types.JID{phone.JID, gBob}})
	require.NoError(t, bot.DeleteGroup(ctx, gid.String()))
	info, _ := h.fake.Group(gid)
	require.Equal(t, []types.JID{gAlice, gBob}, []types.JID{info.Participants[0].JID, info.Participants[1].JID},
		"a plain member cannot remove anyone: it only leaves")
	require.Len(t, info.Participants, 2)
}

// TestGroupJSONUsesDocumentNames pins the JSON field names the REST layer
// serves: document 003's where it has them.
func TestGroupJSONUsesDocumentNames(t *testing.T) {
	t.Parallel()
	raw, err := json.Marshal(wauser.Group{ID: groupID, Owner: selfPN, Created: epoch, Members: []types.JID{selfPN}, Admins: []types.JID{selfPN}, Participants: []wauser.GroupParticipant{{JID: selfPN, Role: wauser.RoleSuperAdmin}}})
	require.NoError(t, err)
	var fields map[string]any
	require.NoError(t, json.Unmarshal(raw, &fields))
	for _, name := range []string{"id", "name", "topic", "owner", "created", "announce", "locked", "ephemeral", "members", "admins", "archived", "muted", "pinned", "participants"} {
		require.Contains(t, fields, name)
	}
	require.Equal(t, "120363012345678901@g.us", fields["id"])
	require.Equal(t, []any{"15550001111@s.whatsapp.net"}, fields["members"])
	require.Equal(t, "2026-11-21T12:00:00Z", fields["created"])
	require.NotContains(t, fields, "community_id", "omitted when empty")
	require.JSONEq(t, `{"jid":"15550001111@s.whatsapp.net","role":"superadmin"}`, string(mustJSON(t, fields["participants"].([]any)[0])))
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return raw
}
