package wauser_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestIngestGolden feeds a day of WhatsApp events through the account's
// handler and compares the whole change feed, byte for byte, with
// testdata/ingest.golden: the same on SQLite and PostgreSQL. Run with
// -update to rewrite the file after an intended change, and review the diff.
func TestIngestGolden(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		evs := []any{
			&events.PushName{JID: alice, NewPushName: "Ali"},
			watest.Text(alice, alice, "G1", at(10), "hi, photo coming"),
			watest.Message(alice, alice, "G2", at(20), &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
				Caption: proto.String("the cat"), Mimetype: proto.String("image/jpeg"), FileLength: proto.Uint64(2048),
				FileSHA256: []byte{1, 2, 3}, Width: proto.Uint32(800), Height: proto.Uint32(600),
				DirectPath: proto.String("/secret"), MediaKey: []byte("k")}}),
			watest.FromMe(watest.Message(alice, me, "G3", at(30), &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{
				Text: proto.String("cute!"), ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String("G2"), Participant: proto.String(alice.String())}}})),
			watest.Receipt(alice, alice, types.ReceiptTypeRead, at(31), false, "G3"),
			watest.Reaction(alice, alice, "G4", at(32), watest.Key(alice, "G3", true, types.EmptyJID), "❤️"),
			watest.Edit(alice, alice, "G5", at(40), watest.Key(alice, "G1", false, types.EmptyJID), "hi, photos coming"),
			&events.JoinedGroup{GroupInfo: types.GroupInfo{JID: group, GroupName: types.GroupName{Name: "Family"},
				Participants: []types.GroupParticipant{{JID: me}, {JID: alice, IsAdmin: true}, {JID: bob}}}},
			watest.Text(group, bob, "G6", at(50), "dinner at 8"),
			watest.Revoke(group, bob, "G7", at(55), watest.Key(group, "G6", false, bob)),
			&events.Archive{JID: group, Timestamp: at(60), Action: &waSyncAction.ArchiveChatAction{Archived: proto.Bool(true)}},
		}
		for i, e := range evs {
			require.True(t, conn.Emit(e), "event %d", i)
		}
		got, err := json.MarshalIndent(feed(t, bot).page, "", "  ")
		require.NoError(t, err)
		golden := filepath.Join("testdata", "ingest.golden")
		if *update && db.Dialect == "sqlite" {
			require.NoError(t, os.MkdirAll("testdata", 0o755))
			require.NoError(t, os.WriteFile(golden, append(got, '\n'), 0o644))
		}
		want, err := os.ReadFile(golden)
		require.NoError(t, err, "run go test -run TestIngestGolden -update to create it")
		require.Equal(t, string(want), string(got)+"\n")
	})
}
