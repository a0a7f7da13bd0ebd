package wauser_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

func TestBrowseConversationsMessagesContacts(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		ctx := ctxTimeout(t)
		// Five people write, each later than the one before; alice writes 7 messages.
		people := []types.JID{alice, bob, carol, types.NewJID("15550000004", types.DefaultUserServer), types.NewJID("15550000005", types.DefaultUserServer)}
		for i, p := range people {
			require.True(t, conn.Emit(watest.Text(p, p, fmt.Sprint("first", i), at(100*i+1), "hi")))
		}
		for i := range 6 {
			require.True(t, conn.Emit(watest.Text(alice, alice, fmt.Sprint("a", i), at(1000+i), fmt.Sprint("more ", i))))
		}

		// Conversations: newest activity first, paged.
		page, err := bot.ListConversations(ctx, wauser.ListConversationsOptions{Limit: 2})
		require.NoError(t, err)
		require.Len(t, page.Conversations, 2)
		require.Equal(t, alice.String(), page.Conversations[0].ChatJID, "alice wrote last")
		var all []string
		for cur := ""; ; {
			p, err := bot.ListConversations(ctx, wauser.ListConversationsOptions{Limit: 2, Cursor: cur})
			require.NoError(t, err)
			for _, c := range p.Conversations {
				all = append(all, c.ChatJID)
			}
			if p.NextCursor == "" {
				break
			}
			cur = p.NextCursor
		}
		require.Equal(t, []string{alice.String(), people[4].String(), people[3].String(), carol.String(), bob.String()}, all)

		conv, err := bot.GetConversation(ctx, page.Conversations[0].ConversationID)
		require.NoError(t, err)
		require.Equal(t, alice.String(), conv.ChatJID)
		_, err = bot.GetConversation(ctx, "conv_nope")
		require.ErrorIs(t, err, wauser.ErrNotFound)

		// Messages of one conversation, newest first, across pages.
		var bodies []string
		for cur := ""; ; {
			p, err := bot.ListMessages(ctx, wauser.ListMessagesOptions{ConversationID: conv.ConversationID, Limit: 3, Cursor: cur})
			require.NoError(t, err)
			for _, m := range p.Messages {
				bodies = append(bodies, m.Body)
			}
			if p.NextCursor == "" {
				break
			}
			cur = p.NextCursor
		}
		require.Equal(t, []string{"more 5", "more 4", "more 3", "more 2", "more 1", "more 0", "hi"}, bodies)
		msg, err := bot.GetMessage(ctx, "msg_nope")
		require.ErrorIs(t, err, wauser.ErrNotFound)
		require.Nil(t, msg)

		// Contacts in order of appearance, with their last direct message.
		cs, err := bot.ListContacts(ctx, wauser.ListContactsOptions{Limit: 3})
		require.NoError(t, err)
		require.Len(t, cs.Contacts, 3)
		require.NotEmpty(t, cs.NextCursor)
		require.Equal(t, alice.String(), cs.Contacts[0].PhoneJID)
		require.Equal(t, at(1005), cs.Contacts[0].LastMessageAt)
		rest, err := bot.ListContacts(ctx, wauser.ListContactsOptions{Limit: 3, Cursor: cs.NextCursor})
		require.NoError(t, err)
		require.Len(t, rest.Contacts, 2)
		require.Empty(t, rest.NextCursor)

		for _, who := range []string{"+15550000002", "15550000002", bob.String(), string(cs.Contacts[1].PersonID), fmt.Sprint(cs.Contacts[1].Num)} {
			ct, err := bot.GetContact(ctx, who)
			require.NoError(t, err, who)
			require.Equal(t, bob.String(), ct.PhoneJID, who)
		}
		_, err = bot.GetContact(ctx, "+15559999999")
		require.ErrorIs(t, err, wauser.ErrNotFound)

		// Cursors are validated, and one list's cursor is refused by another.
		for _, bad := range []string{"x", "c!!!", cs.NextCursor} {
			_, err := bot.ListConversations(ctx, wauser.ListConversationsOptions{Cursor: bad})
			require.ErrorIs(t, err, wauser.ErrInvalidCursor, bad)
			require.ErrorIs(t, err, wauser.ErrInvalidArgument, bad)
		}
		_, err = bot.ListMessages(ctx, wauser.ListMessagesOptions{Limit: -1})
		require.ErrorIs(t, err, wauser.ErrInvalidArgument)
		_, err = bot.ListConversations(ctx, wauser.ListConversationsOptions{Kind: "chat"})
		require.ErrorIs(t, err, wauser.ErrInvalidArgument)
	})
}

// TestListMessagesByPersonAndBefore: the direct conversation of a person,
// paged by the last message seen instead of a cursor.
func TestListMessagesByPersonAndBefore(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		ctx := ctxTimeout(t)
		for i := range 5 {
			require.True(t, conn.Emit(watest.Text(alice, alice, fmt.Sprint("a", i), at(10+i), fmt.Sprint("alice ", i))))
		}
		require.True(t, conn.Emit(watest.Text(bob, bob, "b0", at(20), "bob 0")))
		ann, err := bot.GetContact(ctx, alice.String())
		require.NoError(t, err)
		bobby, err := bot.GetContact(ctx, bob.String())
		require.NoError(t, err)

		page, err := bot.ListMessages(ctx, wauser.ListMessagesOptions{PersonID: ann.PersonID, Limit: 2})
		require.NoError(t, err)
		require.Equal(t, []string{"alice 4", "alice 3"}, bodiesOf(page.Messages))
		page, err = bot.ListMessages(ctx, wauser.ListMessagesOptions{PersonID: ann.PersonID, BeforeMessageID: page.Messages[1].MessageID})
		require.NoError(t, err)
		require.Equal(t, []string{"alice 2", "alice 1", "alice 0"}, bodiesOf(page.Messages))
		require.Empty(t, page.NextCursor)

		// The same by conversation.
		byConv, err := bot.ListMessages(ctx, wauser.ListMessagesOptions{ConversationID: page.Messages[0].ConversationID, BeforeMessageID: page.Messages[0].MessageID})
		require.NoError(t, err)
		require.Equal(t, []string{"alice 1", "alice 0"}, bodiesOf(byConv.Messages))

		// A message of another conversation is refused; an unknown one is not found.
		_, err = bot.ListMessages(ctx, wauser.ListMessagesOptions{PersonID: bobby.PersonID, BeforeMessageID: page.Messages[0].MessageID})
		require.ErrorIs(t, err, wauser.ErrInvalidArgument)
		_, err = bot.ListMessages(ctx, wauser.ListMessagesOptions{BeforeMessageID: "msg_nope"})
		require.ErrorIs(t, err, wauser.ErrNotFound)
		for name, opts := range map[string]wauser.ListMessagesOptions{
			"both":           {PersonID: ann.PersonID, ConversationID: page.Messages[0].ConversationID},
			"cursor, before": {BeforeMessageID: page.Messages[0].MessageID, Cursor: "m"},
			"person id":      {PersonID: "person x"},
			"message id":     {BeforeMessageID: "msg/1"},
		} {
			_, err := bot.ListMessages(ctx, opts)
			require.ErrorIs(t, err, wauser.ErrInvalidArgument, name)
		}

		// A person without a direct conversation has no messages.
		none, err := bot.ListMessages(ctx, wauser.ListMessagesOptions{PersonID: "person_unknown"})
		require.NoError(t, err)
		require.Empty(t, none.Messages)
		require.NotNil(t, none.Messages)
	})
}

func bodiesOf(msgs []wauser.Message) []string {
	out := []string{}
	for _, m := range msgs {
		out = append(out, m.Body)
	}
	return out
}

func FuzzListCursor(f *testing.F) {
	h := newHarness(f, testdb.SQLite(f))
	bot, conn := pair(f, h, "fz")
	conn.Emit(watest.Text(alice, alice, "F1", at(1), "x"))
	conn.Emit(watest.Text(bob, bob, "F2", at(2), "y"))
	ctx := f.Context()
	p, _ := bot.ListConversations(ctx, wauser.ListConversationsOptions{Limit: 1})
	cs, _ := bot.ListContacts(ctx, wauser.ListContactsOptions{Limit: 1})
	for _, s := range []string{"", p.NextCursor, cs.NextCursor, "c", "m" + "MTIzfA", "p-1", "c!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cur string) {
		for _, err := range []error{
			func() error {
				_, err := bot.ListConversations(ctx, wauser.ListConversationsOptions{Cursor: cur})
				return err
			}(),
			func() error { _, err := bot.ListMessages(ctx, wauser.ListMessagesOptions{Cursor: cur}); return err }(),
			func() error { _, err := bot.ListContacts(ctx, wauser.ListContactsOptions{Cursor: cur}); return err }(),
		} {
			if err != nil && !errorsIsInvalid(err) {
				t.Fatalf("cursor %q: %v is not an invalid-argument error", cur, err)
			}
		}
	})
}

func errorsIsInvalid(err error) bool { return errors.Is(err, wauser.ErrInvalidArgument) }
