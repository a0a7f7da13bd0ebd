package wauser_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// searchIDs runs a search and returns the WhatsApp ids of its hits in order.
func searchIDs(t *testing.T, c *wauser.Client, o wauser.SearchMessagesOptions) []string {
	t.Helper()
	res, err := c.SearchMessages(ctxTimeout(t), o)
	require.NoError(t, err, "search %+v", o)
	ids := []string{}
	for _, h := range res.Hits {
		require.Empty(t, h.Message.MergedInto, "a merged-away message is never found")
		require.True(t, h.Message.DeletedAt.IsZero(), "a deleted message is never found")
		ids = append(ids, h.Message.WAMessageID)
	}
	return ids
}

func searchPerson(t *testing.T, c *wauser.Client, jid types.JID) wauser.PersonID {
	t.Helper()
	cs, err := c.ListContacts(ctxTimeout(t), wauser.ListContactsOptions{})
	require.NoError(t, err)
	for _, ct := range cs.Contacts {
		if ct.PhoneJID == jid.String() {
			return ct.PersonID
		}
	}
	t.Fatalf("no contact %s", jid)
	return ""
}

func TestSearchMessages(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		ctx := ctxTimeout(t)
		emit := func(evt any) { t.Helper(); require.True(t, conn.Emit(evt)) }
		emit(watest.Text(alice, alice, "A1", at(1), "the quick brown fox"))
		emit(watest.Text(alice, alice, "A2", at(2), "brown bread recipe"))
		emit(watest.Text(bob, bob, "B3", at(3), "Brown brown BROWN cow"))
		emit(watest.FromMe(watest.Text(alice, me, "M4", at(4), "fox hunting is banned")))
		emit(watest.Message(bob, bob, "B5", at(5), &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
			Caption: proto.String("photo of a brown fox"), Mimetype: proto.String("image/jpeg"),
			URL: proto.String("https://mmg.whatsapp.net/x"), DirectPath: proto.String("/x"), MediaKey: make([]byte, 32),
			FileSHA256: make([]byte, 32), FileEncSHA256: make([]byte, 32), FileLength: proto.Uint64(10),
		}}))
		emit(watest.Text(alice, alice, "A6", at(6), "nothing to see"))

		// Ranked: three browns beat one; equal scores newest first.
		all := searchIDs(t, bot, wauser.SearchMessagesOptions{Query: "brown"})
		require.ElementsMatch(t, []string{"A1", "A2", "B3", "B5"}, all)
		require.Equal(t, "B3", all[0], "the message saying brown three times ranks first")
		res, err := bot.SearchMessages(ctx, wauser.SearchMessagesOptions{Query: "BROWN"})
		require.NoError(t, err)
		require.Len(t, res.Hits, 4, "case does not matter")
		for i := 1; i < len(res.Hits); i++ {
			require.GreaterOrEqual(t, res.Hits[i-1].Score, res.Hits[i].Score, "best first")
		}
		require.Equal(t, "Brown brown BROWN cow", res.Hits[0].Message.Body)

		// Every word must occur; phrases keep their order; prefixes.
		require.ElementsMatch(t, []string{"A1", "B5"}, searchIDs(t, bot, wauser.SearchMessagesOptions{Query: "fox brown"}))
		require.ElementsMatch(t, []string{"A1", "B5"}, searchIDs(t, bot, wauser.SearchMessagesOptions{Query: `"brown fox"`}))
		require.Empty(t, searchIDs(t, bot, wauser.SearchMessagesOptions{Query: `"fox brown"`}))
		require.Equal(t, []string{"M4"}, searchIDs(t, bot, wauser.SearchMessagesOptions{Query: "hunt*"}))
		require.Empty(t, searchIDs(t, bot, wauser.SearchMessagesOptions{Query: "hunt"}), "whole words without *")

		// Filters.
		convs, err := bot.ListConversations(ctx, wauser.ListConversationsOptions{})
		require.NoError(t, err)
		var aliceConv wauser.ConversationID
		for _, c := range convs.Conversations {
			if c.ChatJID == alice.String() {
				aliceConv = c.ConversationID
			}
		}
		require.NotEmpty(t, aliceConv)
		require.ElementsMatch(t, []string{"A1", "M4"}, searchIDs(t, bot, wauser.SearchMessagesOptions{Query: "fox", ConversationID: aliceConv}))
		require.ElementsMatch(t, []string{"B3", "B5"}, searchIDs(t, bot, wauser.SearchMessagesOptions{Query: "brown", SenderID: searchPerson(t, bot, bob)}))
		require.Equal(t, []string{"M4"}, searchIDs(t, bot, wauser.SearchMessagesOptions{Query: "fox", FromMe: true}))
		require.Equal(t, []string{"B5"}, searchIDs(t, bot, wauser.SearchMessagesOptions{Query: "brown", ContentTypes: []string{"image"}}))
		require.ElementsMatch(t, []string{"A2", "B3"}, searchIDs(t, bot, wauser.SearchMessagesOptions{Query: "brown", Since: at(2), Until: at(5)}))
		require.Equal(t, []string{"B5"}, searchIDs(t, bot, wauser.SearchMessagesOptions{Query: "brown", Since: at(5)}))

		// Paging walks the same ranked order.
		var paged []string
		cur := ""
		for range 10 {
			p, err := bot.SearchMessages(ctx, wauser.SearchMessagesOptions{Query: "brown", Limit: 1, Cursor: cur})
			require.NoError(t, err)
			for _, h := range p.Hits {
				paged = append(paged, h.Message.WAMessageID)
			}
			if p.NextCursor == "" {
				break
			}
			cur = p.NextCursor
			_, err = bot.SearchMessages(ctx, wauser.SearchMessagesOptions{Query: "fox", Limit: 1, Cursor: cur})
			require.ErrorIs(t, err, wauser.ErrInvalidCursor, "a cursor of another search")
		}
		require.Equal(t, all, paged)

		// An edit re-indexes; a revoke removes.
		emit(watest.Edit(alice, alice, "A7", at(7), watest.Key(alice, "A2", false, types.EmptyJID), "white bread recipe"))
		emit(watest.Revoke(bob, bob, "B8", at(8), watest.Key(bob, "B3", false, types.EmptyJID)))
		require.ElementsMatch(t, []string{"A1", "B5"}, searchIDs(t, bot, wauser.SearchMessagesOptions{Query: "brown"}))
		require.Equal(t, []string{"A2"}, searchIDs(t, bot, wauser.SearchMessagesOptions{Query: "white"}))
		require.Empty(t, searchIDs(t, bot, wauser.SearchMessagesOptions{Query: "cow"}), "a revoked message is never found")

		// Bad arguments.
		for _, o := range []wauser.SearchMessagesOptions{
			{Query: ""}, {Query: "   "}, {Query: `!!! "" ***`}, {Query: "\x00"},
			{Query: "fox", Limit: -1},
			{Query: "fox", ContentTypes: []string{"gif"}},
			{Query: "fox", ConversationID: "not an id!"},
			{Query: "fox", Since: at(5), Until: at(5)},
			{Query: "fox", Cursor: "garbage"},
		} {
			_, err := bot.SearchMessages(ctx, o)
			require.ErrorIs(t, err, wauser.ErrInvalidArgument, "%+v", o)
		}
		_, err = bot.SearchMessages(ctx, wauser.SearchMessagesOptions{Query: "fox", ConversationID: "conv_nope"})
		require.ErrorIs(t, err, wauser.ErrNotFound)
	})
}

// TestSearchMessagesOddInput: whatever a user types, the search answers or
// says the query has no word; it never hands the database bad syntax.
func TestSearchMessagesOddInput(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		require.True(t, conn.Emit(watest.Text(alice, alice, "A1", at(1), `she said "NOT now" (or never) - fox's den: 100% AND more`)))
		require.True(t, conn.Emit(watest.Text(alice, alice, "A2", at(2), "Привет мир, नमस्ते दोस्त, 你好")))
		for _, q := range oddQueries {
			res, err := bot.SearchMessages(ctxTimeout(t), wauser.SearchMessagesOptions{Query: q})
			if err != nil {
				require.ErrorIs(t, err, wauser.ErrInvalidArgument, "%q", q)
				continue
			}
			require.NotNil(t, res, "%q", q)
		}
		// Words of other scripts, as written (PostgreSQL folds their case
		// only when the database's locale knows them).
		for _, q := range []string{"Привет", "мир", "नमस्ते", `"नमस्ते दोस्त"`, "你好", "Прив*"} {
			require.Equal(t, []string{"A2"}, searchIDs(t, bot, wauser.SearchMessagesOptions{Query: q}), "%q", q)
		}
		// Operators are words here.
		for _, q := range []string{"NOT now", `"not now"`, "fox AND more", "fox's", "(or never)", "100%", "den:", "-fox", "fox OR", "(fox) den"} {
			require.Equal(t, []string{"A1"}, searchIDs(t, bot, wauser.SearchMessagesOptions{Query: q}), "%q", q)
		}
	})
}

var oddQueries = []string{
	`"`, `""`, `"fox`, `fox"`, `AND`, `OR`, `NOT`, `fox AND`, `AND fox`, `NOT fox`, `fox NOT`, `-fox`, `+fox`,
	`fox*`, `*`, `f*`, `*fox`, `fox**`, `(`, `)`, `(fox`, `NEAR(fox den, 2)`, `body:fox`, `{body}: fox`, `^fox`,
	`fox & den`, `fox | den`, `!fox`, `fox <-> den`, `'fox'`, `fox:*`, `'; DROP TABLE wauser_messages; --`,
	"fox\x00den", "\x00", "\xff\xfe fox", "fox\\", `\"fox\"`, "🦊", "🦊 fox", "नमस्ते", "狐狸", "Ünïcödé",
	"a", "a*", "fox " + string(make([]byte, 2000)),
}

func FuzzSearchMessages(f *testing.F) {
	for _, q := range oddQueries {
		f.Add(q)
	}
	db := testdb.SQLite(f)
	h := newHarness(f, db)
	bot, conn := pair(f, h, "acc")
	if !conn.Emit(watest.Text(alice, alice, "A1", at(1), "the quick brown fox")) {
		f.Fatal("not stored")
	}
	f.Fuzz(func(t *testing.T, q string) {
		_, err := bot.SearchMessages(t.Context(), wauser.SearchMessagesOptions{Query: q})
		if err != nil && !errors.Is(err, wauser.ErrInvalidArgument) {
			t.Fatalf("search %q: %v", q, err)
		}
	})
}

// TestSearchMessagesMerges: messages stored under a person's LID and phone
// number before WhatsApp told they are one person are found once each, as
// the survivors of the merge.
func TestSearchMessagesMerges(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		require.True(t, conn.Emit(watest.Text(alice, alice, "M1", at(1), "zebra by phone")))
		require.True(t, conn.Emit(fromLID("M2", 2, "zebra by lid", types.EmptyJID)))
		before := searchIDs(t, bot, wauser.SearchMessagesOptions{Query: "zebra"})
		require.ElementsMatch(t, []string{"M1", "M2"}, before)
		require.True(t, conn.Emit(fromLID("M3", 3, "now with phone", alice)))

		res, err := bot.SearchMessages(ctxTimeout(t), wauser.SearchMessagesOptions{Query: "zebra"})
		require.NoError(t, err)
		require.Len(t, res.Hits, 2, "each message once")
		s := feed(t, bot)
		conv := unmergedDirect(s)
		require.Len(t, conv, 1)
		for _, h := range res.Hits {
			require.Empty(t, h.Message.MergedInto)
			require.Equal(t, conv[0].ConversationID, h.Message.ConversationID, "the survivor, in the merged conversation")
		}
		// And the merged-away rows exist: the index left them, not the store.
		merged := 0
		for _, m := range s.page.Messages {
			if m.MergedInto != "" {
				merged++
			}
		}
		require.Positive(t, merged, "a message row was merged away")
	})
}
