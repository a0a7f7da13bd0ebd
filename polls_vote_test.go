package wauser_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/internal/wa"
	"github.com/wauser/wauser/watest"
)

// results returns the aggregated view of a stored poll.
func results(t *testing.T, m wauser.Message) []any {
	t.Helper()
	p, ok := m.Extra["poll"].(map[string]any)
	require.True(t, ok, "a poll: %v", m.Extra)
	r, ok := p["results"].([]any)
	require.True(t, ok, "results: %v", p)
	return r
}

func result(option string, voters ...types.JID) map[string]any {
	vs := []any{}
	for _, v := range voters {
		vs = append(vs, v.String())
	}
	return map[string]any{"option": option, "count": float64(len(voters)), "voters": vs}
}

// TestVotePollAggregates: two accounts vote in a poll, each with whatsmeow's
// encrypted votes; both stores and feeds hold the same tally, own votes
// included, and the latest vote of each voter wins.
func TestVotePollAggregates(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		h.fake.SetClock(h.clock)
		ctx := ctxTimeout(t)
		bot, conn := pair(t, h, "bot")
		friend, _ := pairWith(t, h, "friend", friendPhone)
		g, err := bot.CreateGroup(ctx, wauser.CreateGroupRequest{Name: "Lunch", Members: []string{friendPhone.JID.String()}})
		require.NoError(t, err)
		poll, err := bot.SendMessage(ctx, wauser.SendMessageRequest{To: g.ID.String(),
			Poll: &wauser.Poll{Question: "Where?", Options: []string{"Pizza", "Sushi", "Tacos"}, SelectableCount: 2}})
		require.NoError(t, err)
		require.Equal(t, []any{result("Pizza"), result("Sushi"), result("Tacos")}, results(t, *poll), "no votes yet")

		// The friend votes on the bot's poll, by its WhatsApp id.
		h.clock.Advance(time.Second)
		got, err := friend.VotePoll(ctx, g.ID.String(), poll.WAMessageID, []string{"Sushi", "Tacos"})
		require.NoError(t, err)
		require.Equal(t, []any{result("Pizza"), result("Sushi", friendPhone.JID), result("Tacos", friendPhone.JID)}, results(t, *got),
			"the voter's own store counts its vote")
		mine := feed(t, bot).msgs[poll.WAMessageID]
		require.Equal(t, []any{result("Pizza"), result("Sushi", friendPhone.JID), result("Tacos", friendPhone.JID)}, results(t, mine),
			"the poll's author decrypted the vote with the poll's secret")
		sent := conn.Sent()
		require.NotNil(t, sent[len(sent)-1].Message.GetPollCreationMessage(), "the bot sent nothing for the friend's vote")

		// The bot votes on its own poll, by stored id; the friend's store
		// counts it too.
		h.clock.Advance(time.Second)
		got, err = bot.VotePoll(ctx, "", string(poll.MessageID), []string{"Sushi"})
		require.NoError(t, err)
		want := []any{result("Pizza"), result("Sushi", phone.JID, friendPhone.JID), result("Tacos", friendPhone.JID)}
		require.Equal(t, want, results(t, *got))
		vote := conn.Sent()[len(conn.Sent())-1].Message.GetPollUpdateMessage()
		require.NotNil(t, vote, "an encrypted poll update")
		require.Equal(t, poll.WAMessageID, vote.GetPollCreationMessageKey().GetID())
		require.True(t, vote.GetPollCreationMessageKey().GetFromMe())
		require.NotEmpty(t, vote.GetVote().GetEncPayload())
		require.Equal(t, want, results(t, feed(t, friend).msgs[poll.WAMessageID]))

		// A changed vote replaces the old one; withdrawing removes it.
		h.clock.Advance(time.Second)
		_, err = friend.VotePoll(ctx, g.ID.String(), poll.WAMessageID, []string{"Pizza"})
		require.NoError(t, err)
		h.clock.Advance(time.Second)
		_, err = bot.VotePoll(ctx, "", string(poll.MessageID), nil)
		require.NoError(t, err)
		want = []any{result("Pizza", friendPhone.JID), result("Sushi"), result("Tacos")}
		require.Equal(t, want, results(t, feed(t, bot).msgs[poll.WAMessageID]))
		require.Equal(t, want, results(t, feed(t, friend).msgs[poll.WAMessageID]))
		p := feed(t, bot).msgs[poll.WAMessageID].Extra["poll"].(map[string]any)
		require.Equal(t, map[string]any{friendPhone.JID.String(): []any{"Pizza"}}, p["votes"], "votes keep their per-voter form")

		// Bad votes never reach WhatsApp.
		before := len(conn.Sent())
		for name, opts := range map[string][]string{"unknown": {"Curry"}, "twice": {"Pizza", "Pizza"}, "too many": {"Pizza", "Sushi", "Tacos"}} {
			_, err = bot.VotePoll(ctx, "", string(poll.MessageID), opts)
			require.ErrorIs(t, err, wauser.ErrInvalidArgument, name)
		}
		text, err := bot.SendText(ctx, g.ID.String(), "not a poll")
		require.NoError(t, err)
		_, err = bot.VotePoll(ctx, "", string(text.MessageID), []string{"Pizza"})
		require.ErrorIs(t, err, wauser.ErrInvalidArgument)
		_, err = bot.VotePoll(ctx, g.ID.String(), "3EB0UNKNOWNPOLL", []string{"Pizza"})
		require.ErrorIs(t, err, wauser.ErrInvalidArgument, "in a group, the author of an unstored message is unknown")
		_, err = bot.VotePoll(ctx, friendPhone.JID.String(), "3EB0UNKNOWNPOLL", []string{"Pizza"})
		require.ErrorIs(t, err, wauser.ErrNotFound, "an unstored poll has no known options")
		require.Len(t, conn.Sent(), before+1, "only the text went")
	})
}

// TestPollResultsIgnoreArrivalOrder: a voter's latest vote wins in the
// results even when an older one arrives after it (WhatsApp redelivers).
func TestPollResultsIgnoreArrivalOrder(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		ctx := ctxTimeout(t)
		secret := []byte("0123456789abcdef0123456789abcdef")
		poll := watest.Message(group, alice, "POLL2", at(1), &waE2E.Message{
			PollCreationMessageV3: &waE2E.PollCreationMessage{Name: proto.String("Day?"),
				Options: []*waE2E.PollCreationMessage_Option{{OptionName: proto.String("Mon")}, {OptionName: proto.String("Tue")}}},
			MessageContextInfo: &waE2E.MessageContextInfo{MessageSecret: secret},
		})
		require.NoError(t, conn.Device().MsgSecrets.PutMessageSecret(ctx, group, alice, "POLL2", secret))
		require.True(t, conn.Emit(poll))

		voterStore := testdb.SQLite(t).Open(t)
		voterDev := voterStore.Container().NewDevice()
		require.NoError(t, wa.SaveOfflinePairing(ctx, voterDev, types.NewADJID(bob.User, 0, 1), types.EmptyJID, "Bob", "android", ""))
		require.NoError(t, voterDev.MsgSecrets.PutMessageSecret(ctx, group, alice, "POLL2", secret))
		voter := whatsmeow.NewClient(voterDev, nil)
		info := &types.MessageInfo{MessageSource: types.MessageSource{Chat: group, Sender: alice, IsGroup: true}, ID: "POLL2"}
		vote := func(ms int64, opts ...string) *waE2E.Message {
			v, err := voter.BuildPollVote(ctx, info, opts)
			require.NoError(t, err)
			v.PollUpdateMessage.SenderTimestampMS = proto.Int64(ms)
			return v
		}
		newer, older := vote(at(3).UnixMilli(), "Tue"), vote(at(2).UnixMilli(), "Mon")
		require.True(t, conn.Emit(watest.Message(group, bob, "V2", at(3), newer)))
		require.True(t, conn.Emit(watest.Message(group, bob, "V1", at(2), older)))
		require.Equal(t, []any{result("Mon"), result("Tue", bob)}, results(t, feed(t, bot).msgs["POLL2"]))
	})
}
