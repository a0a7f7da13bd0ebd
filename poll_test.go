package wauser_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/internal/wa"
	"github.com/wauser/wauser/watest"
)

// TestPollVotesAreDecrypted delivers a poll and a vote encrypted by the
// voter's own whatsmeow client with the poll's secret; ingestion decrypts
// the vote with the secret in the account's device store and records it.
func TestPollVotesAreDecrypted(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		ctx := ctxTimeout(t)
		secret := []byte("0123456789abcdef0123456789abcdef")

		// Alice's poll in the group, as whatsmeow delivers it; whatsmeow keeps
		// its secret in the device store.
		poll := watest.Message(group, alice, "POLL1", at(1), &waE2E.Message{
			PollCreationMessageV3: &waE2E.PollCreationMessage{Name: proto.String("Lunch?"),
				Options: []*waE2E.PollCreationMessage_Option{{OptionName: proto.String("pizza")}, {OptionName: proto.String("sushi")}}},
			MessageContextInfo: &waE2E.MessageContextInfo{MessageSecret: secret},
		})
		require.NoError(t, conn.Device().MsgSecrets.PutMessageSecret(ctx, group, alice, "POLL1", secret))
		require.True(t, conn.Emit(poll))

		// Bob votes from his own phone: a real whatsmeow client of his encrypts it.
		voterStore := testdb.SQLite(t).Open(t)
		voterDev := voterStore.Container().NewDevice()
		require.NoError(t, wa.SaveOfflinePairing(ctx, voterDev, types.NewADJID(bob.User, 0, 1), types.EmptyJID, "Bob", "android", ""))
		require.NoError(t, voterDev.MsgSecrets.PutMessageSecret(ctx, group, alice, "POLL1", secret))
		voter := whatsmeow.NewClient(voterDev, nil)
		pollInfo := &types.MessageInfo{MessageSource: types.MessageSource{Chat: group, Sender: alice, IsGroup: true}, ID: "POLL1"}
		vote, err := voter.BuildPollVote(ctx, pollInfo, []string{"sushi"})
		require.NoError(t, err)
		require.True(t, conn.Emit(watest.Message(group, bob, "VOTE1", at(2), vote)))

		s := feed(t, bot)
		p := s.msgs["POLL1"].Extra["poll"].(map[string]any)
		require.Equal(t, map[string]any{bob.String(): []any{"sushi"}}, p["votes"])
		require.NotContains(t, s.msgs, "VOTE1", "a vote is not a message of its own")

		// Bob changes his vote.
		vote, err = voter.BuildPollVote(ctx, pollInfo, []string{"pizza"})
		require.NoError(t, err)
		require.True(t, conn.Emit(watest.Message(group, bob, "VOTE2", at(3), vote)))
		p = feed(t, bot).msgs["POLL1"].Extra["poll"].(map[string]any)
		require.Equal(t, map[string]any{bob.String(): []any{"pizza"}}, p["votes"])
	})
}
