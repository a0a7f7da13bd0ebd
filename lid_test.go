package wauser_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// fromLID is a message alice sends addressed by her LID; alt is her phone
// JID when WhatsApp includes it (SenderAlt), or empty.
func fromLID(id string, sec int, text string, alt types.JID) any {
	evt := watest.Text(aliceLID, aliceLID, id, at(sec), text)
	evt.Info.SenderAlt = alt
	return evt
}

// unmergedDirect returns the unmerged direct conversations.
func unmergedDirect(s *snapshot) []wauser.Conversation {
	var out []wauser.Conversation
	for _, c := range s.page.Conversations {
		if c.MergedInto == "" && c.Kind == wauser.KindDirect {
			out = append(out, c)
		}
	}
	return out
}

// TestLIDAndPhoneAreOnePerson is acceptance 4 of issue 3: a DM first seen
// by phone JID, later by LID, with a reaction and an edit addressed by the
// other form.
func TestLIDAndPhoneAreOnePerson(t *testing.T) {
	t.Parallel()
	each := func(name string, fn func(t *testing.T, db *testdb.DB)) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testdb.Each(t, func(t *testing.T, db *testdb.DB) {
				t.Parallel()
				fn(t, db)
			})
		})
	}
	{
		each("mapping arrives with the first LID message", func(t *testing.T, db *testdb.DB) {
			_, bot, conn := paired(t, db)
			require.True(t, conn.Emit(watest.Text(alice, alice, "L1", at(1), "by phone")))
			require.True(t, conn.Emit(fromLID("L2", 2, "by lid", alice)))
			// Reaction by LID to the message that came by phone; edit by
			// phone of the message that came by LID.
			require.True(t, conn.Emit(watest.Reaction(aliceLID, aliceLID, "L3", at(3), watest.Key(aliceLID, "L1", false, types.EmptyJID), "👍")))
			require.True(t, conn.Emit(watest.Edit(alice, alice, "L4", at(4), watest.Key(alice, "L2", false, types.EmptyJID), "by lid, edited")))

			s := feed(t, bot)
			convs := unmergedDirect(s)
			require.Len(t, convs, 1, "one direct conversation")
			conv := convs[0]
			require.Equal(t, alice.String(), conv.ChatJID, "the phone number form is preferred")
			require.Len(t, s.page.Contacts, 1, "one contact")
			ct := s.page.Contacts[0]
			require.Equal(t, alice.String(), ct.PhoneJID)
			require.Equal(t, aliceLID.String(), ct.LIDJID)
			require.Equal(t, conv.ConversationID, s.msgs["L1"].ConversationID)
			require.Equal(t, conv.ConversationID, s.msgs["L2"].ConversationID)
			require.Equal(t, map[string]string{alice.String(): "👍"}, s.msgs["L1"].Reactions)
			require.Equal(t, "by lid, edited", s.msgs["L2"].Body)
			require.Equal(t, alice.String(), s.msgs["L2"].SenderJID)
		})

		each("rows made under both forms are merged when the mapping is learned", func(t *testing.T, db *testdb.DB) {
			_, bot, conn := paired(t, db)
			require.True(t, conn.Emit(watest.Text(alice, alice, "M1", at(1), "by phone")))
			require.True(t, conn.Emit(fromLID("M2", 2, "by lid, unknown yet", types.EmptyJID)))
			before := feed(t, bot)
			require.Len(t, unmergedDirect(before), 2, "not known to be one person yet")
			cursor := before.page.Cursor

			// The mapping arrives with a later message.
			require.True(t, conn.Emit(fromLID("M3", 3, "now with phone", alice)))
			require.True(t, conn.Emit(watest.Reaction(aliceLID, aliceLID, "M4", at(4), watest.Key(aliceLID, "M1", false, types.EmptyJID), "❤️")))
			require.True(t, conn.Emit(watest.Edit(alice, alice, "M5", at(5), watest.Key(alice, "M2", false, types.EmptyJID), "edited by phone")))

			s := feed(t, bot)
			convs := unmergedDirect(s)
			require.Len(t, convs, 1, "merged into one conversation")
			conv := convs[0]
			var live []wauser.Contact
			for _, c := range s.page.Contacts {
				if c.MergedInto == "" {
					live = append(live, c)
				}
			}
			require.Len(t, live, 1, "one contact")
			require.Equal(t, alice.String(), live[0].PhoneJID)
			require.Equal(t, aliceLID.String(), live[0].LIDJID)
			for _, id := range []string{"M1", "M2", "M3"} {
				require.Equal(t, conv.ConversationID, s.msgs[id].ConversationID, id)
				require.Equal(t, alice.String(), s.msgs[id].SenderJID, id)
			}
			require.Equal(t, map[string]string{alice.String(): "❤️"}, s.msgs["M1"].Reactions)
			require.Equal(t, "edited by phone", s.msgs["M2"].Body)

			// The change feed after the old cursor shows the merge: both
			// contacts and both conversations (the merged-away ones with
			// merged_into), and the message that moved.
			page, err := bot.SyncPage(ctxTimeout(t), cursor, 1000)
			require.NoError(t, err)
			mergedConv, mergedContact, movedMsg := false, false, false
			for _, c := range page.Conversations {
				if c.MergedInto == conv.ConversationID {
					mergedConv = true
				}
			}
			for _, c := range page.Contacts {
				if c.MergedInto == live[0].PersonID {
					mergedContact = true
				}
			}
			for _, m := range page.Messages {
				if m.WAMessageID == "M2" && m.ConversationID == conv.ConversationID {
					movedMsg = true
				}
			}
			require.True(t, mergedConv, "the merged-away conversation is re-emitted with merged_into")
			require.True(t, mergedContact, "the merged-away contact is re-emitted with merged_into")
			require.True(t, movedMsg, "the moved message is re-emitted in its new conversation")
			for _, c := range page.Conversations {
				require.Greater(t, c.Seq, int64(cursor))
			}
		})

		each("whatsmeow's LID map resolves a LID without alt", func(t *testing.T, db *testdb.DB) {
			_, bot, conn := paired(t, db)
			require.True(t, conn.Emit(watest.Text(alice, alice, "W1", at(1), "by phone")))
			require.NoError(t, conn.Device().LIDs.PutLIDMapping(ctxTimeout(t), aliceLID, alice))
			require.True(t, conn.Emit(fromLID("W2", 2, "by lid", types.EmptyJID)))
			s := feed(t, bot)
			require.Len(t, unmergedDirect(s), 1)
			require.Equal(t, s.msgs["W1"].ConversationID, s.msgs["W2"].ConversationID)
		})

		each("history PhoneNumberToLidMappings merges", func(t *testing.T, db *testdb.DB) {
			_, bot, conn := paired(t, db)
			require.True(t, conn.Emit(watest.Text(bob, bob, "H1", at(1), "phone")))
			evt := watest.Text(bobLID, bobLID, "H2", at(2), "lid")
			require.True(t, conn.Emit(evt))
			hist := watest.History(waHistorySync.HistorySync_RECENT, 10)
			hist.Data.PhoneNumberToLidMappings = []*waHistorySync.PhoneNumberToLIDMapping{{PnJID: proto.String(bob.String()), LidJID: proto.String(bobLID.String())}}
			emitHistory(t, bot, conn, hist)
			s := feed(t, bot)
			require.Len(t, unmergedDirect(s), 1)
			require.Equal(t, s.msgs["H1"].ConversationID, s.msgs["H2"].ConversationID)
			require.Equal(t, bobLID.String(), s.contacts[bob.String()].LIDJID)
		})
	}
}

// TestOwnSendsAcrossMerges: the account's own messages, sent while a
// person was known only by one form, stay editable, revocable and
// reactable by either form of the chat after a mapping merges the two.
func TestOwnSendsAcrossMerges(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		for _, sendTo := range []types.JID{alice, aliceLID} {
			for _, chat := range []types.JID{alice, aliceLID} {
				t.Run("sent to "+sendTo.Server+", addressed by "+chat.Server, func(t *testing.T) {
					h := newHarness(t, db)
					h.fake.Register(alice.User)
					ctx := ctxTimeout(t)
					bot, conn := pairWith(t, h, wauser.AccountID("acc"+sendTo.Server[:1]+chat.Server[:1]), phone)
					// alice writes by LID, the account answers, then a LID
					// message naming her phone number merges the two.
					require.True(t, conn.Emit(fromLID("O1", 1, "hi, by lid", types.EmptyJID)))
					sent, err := bot.SendText(ctx, sendTo.String(), "hello")
					require.NoError(t, err)
					require.True(t, conn.Emit(fromLID("O2", 3, "and again", alice)))

					s := feed(t, bot)
					require.Len(t, unmergedDirect(s), 1, "one conversation")
					conv := unmergedDirect(s)[0]
					require.Equal(t, alice.String(), conv.ChatJID, "a direct chat is addressed by phone number once known")
					mine := s.msgs[sent.WAMessageID]
					require.Equal(t, conv.ConversationID, mine.ConversationID)

					// By the id SendText returned (merged away since) and by
					// the WhatsApp id, in either form of the chat.
					edited, err := bot.EditMessage(ctx, chat.String(), string(sent.MessageID), "hello, edited")
					require.NoError(t, err)
					require.Equal(t, "hello, edited", edited.Body)
					require.Equal(t, mine.MessageID, edited.MessageID, "the surviving record")

					reacted, err := bot.SendReaction(ctx, chat.String(), sent.WAMessageID, "👍")
					require.NoError(t, err)
					require.Equal(t, mine.MessageID, reacted.MessageID, "no phantom incoming message")
					out := conn.Sent()
					key := out[len(out)-1].Message.GetReactionMessage().GetKey()
					require.True(t, key.GetFromMe(), "a reaction to the account's own message says so")
					require.Equal(t, sent.WAMessageID, key.GetID())

					gone, err := bot.RevokeMessage(ctx, chat.String(), sent.WAMessageID)
					require.NoError(t, err)
					require.Equal(t, "deleted", gone.Status)
					require.Equal(t, mine.MessageID, gone.MessageID)

					after := feed(t, bot)
					n := 0
					for _, m := range after.page.Messages {
						if m.MergedInto == "" && m.WAMessageID == sent.WAMessageID {
							n++
						}
					}
					require.Equal(t, 1, n, "one record of the sent message")
					require.Equal(t, "deleted", after.msgs[sent.WAMessageID].Status)
				})
			}
		}
	})
}
