package wauser_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// The iterator forms of the List methods walk every page lazily, in the
// List order, and report a bad option once.
func TestListIterators(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		_, bot, conn := paired(t, db)
		ctx := ctxTimeout(t)
		dave := types.NewJID("15550000004", types.DefaultUserServer)
		people := []types.JID{alice, bob, carol, dave}
		for i, p := range people {
			require.True(t, conn.Emit(watest.Text(p, p, fmt.Sprint("first", i), at(100*i+1), "hi")))
		}
		for i := range 4 {
			require.True(t, conn.Emit(watest.Text(alice, alice, fmt.Sprint("a", i), at(1000+i), fmt.Sprint("more ", i))))
		}

		var chats []string
		for c, err := range bot.Conversations(ctx, wauser.ListConversationsOptions{Limit: 1}) {
			require.NoError(t, err)
			chats = append(chats, c.ChatJID)
		}
		require.Equal(t, []string{alice.String(), dave.String(), carol.String(), bob.String()}, chats)

		var contacts []string
		for c, err := range bot.Contacts(ctx, wauser.ListContactsOptions{Limit: 3}) {
			require.NoError(t, err)
			contacts = append(contacts, c.PhoneJID)
		}
		require.Equal(t, []string{alice.String(), bob.String(), carol.String(), dave.String()}, contacts)

		conv, err := bot.ListConversations(ctx, wauser.ListConversationsOptions{Limit: 1})
		require.NoError(t, err)
		aliceConv := conv.Conversations[0].ConversationID
		var bodies []string
		for m, err := range bot.Messages(ctx, wauser.ListMessagesOptions{ConversationID: aliceConv, Limit: 2}) {
			require.NoError(t, err)
			bodies = append(bodies, m.Body)
		}
		require.Equal(t, []string{"more 3", "more 2", "more 1", "more 0", "hi"}, bodies)

		// Starting before a message, the pages after the first follow the
		// cursor.
		first, err := bot.ListMessages(ctx, wauser.ListMessagesOptions{ConversationID: aliceConv, Limit: 1})
		require.NoError(t, err)
		bodies = nil
		for m, err := range bot.Messages(ctx, wauser.ListMessagesOptions{ConversationID: aliceConv, BeforeMessageID: first.Messages[0].MessageID, Limit: 2}) {
			require.NoError(t, err)
			bodies = append(bodies, m.Body)
		}
		require.Equal(t, []string{"more 2", "more 1", "more 0", "hi"}, bodies)

		// Stopping early stops paging.
		n := 0
		for _, err := range bot.Messages(ctx, wauser.ListMessagesOptions{Limit: 1}) {
			require.NoError(t, err)
			n++
			if n == 2 {
				break
			}
		}
		require.Equal(t, 2, n)

		// A bad option: one error, then the end.
		var errs []error
		for _, err := range bot.Conversations(ctx, wauser.ListConversationsOptions{Cursor: "bogus"}) {
			errs = append(errs, err)
		}
		require.Len(t, errs, 1)
		require.ErrorIs(t, errs[0], wauser.ErrInvalidArgument)
	})
}
