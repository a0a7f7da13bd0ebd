package watest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/watest"
)

// linked returns a started Client with the account "me" linked to
// +15550009999 through fake.
func linked(t *testing.T, fake *watest.Fake) (*wauser.Client, *watest.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	c, err := wauser.New(testdb.SQLite(t).Open(t), fake.Option())
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = c.Close()
		fake.Close()
	})
	require.NoError(t, c.Start(ctx))
	_, err = c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "me"})
	require.NoError(t, err)
	_, err = c.PairQR(ctx)
	require.NoError(t, err)
	conn, err := fake.WaitConn(ctx, "me")
	require.NoError(t, err)
	require.NoError(t, conn.Scan(watest.Phone{JID: types.NewJID("15550009999", types.DefaultUserServer), PushName: "Me"}))
	_, err = c.WaitStatus(ctx, func(s *wauser.Status) bool { return s.State == wauser.StateConnected })
	require.NoError(t, err)
	return c, conn
}

// messages returns the conversation's messages by WhatsApp id.
func messages(t *testing.T, c *wauser.Client, conv wauser.ConversationID) map[types.MessageID]wauser.Message {
	t.Helper()
	list, err := c.ListMessages(t.Context(), wauser.ListMessagesOptions{ConversationID: conv})
	require.NoError(t, err)
	out := map[types.MessageID]wauser.Message{}
	for _, m := range list.Messages {
		out[m.WAMessageID] = m
	}
	return out
}

// TestPeersTalkThroughIngestion: simulated people write, send a picture,
// react, edit and delete in a direct chat and a group; the account stores
// all of it from whatsmeow events, downloads the picture, and what it
// sends reaches the peer, whose receipts move the message's status.
func TestPeersTalkThroughIngestion(t *testing.T) {
	t.Parallel()
	fake := watest.New()
	c, conn := linked(t, fake)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	alice := fake.AddPeer("+15550000001", "Alice")
	bob := fake.AddPeer("15550000002", "Bob")
	require.Same(t, alice, fake.AddPeer("15550000001", "Alice again"))

	// Direct: a text and a picture.
	helloID, err := alice.Direct(conn).Text("hello from Alice")
	require.NoError(t, err)
	jpeg := watest.SampleJPEG(64, 48, 7)
	picID, err := alice.Direct(conn).Image(jpeg, "image/jpeg", "the view")
	require.NoError(t, err)
	convs, err := c.ListConversations(ctx, wauser.ListConversationsOptions{})
	require.NoError(t, err)
	require.Len(t, convs.Conversations, 1)
	direct := convs.Conversations[0]
	msgs := messages(t, c, direct.ConversationID)
	require.Len(t, msgs, 2)
	require.Equal(t, "hello from Alice", msgs[helloID].Body)
	require.Equal(t, "Alice", msgs[helloID].SenderPushName)
	require.Equal(t, "image", msgs[picID].ContentType)
	require.Equal(t, "the view", msgs[picID].Body)
	require.EqualValues(t, 64, msgs[picID].Media.Width)
	file, err := c.DownloadMedia(ctx, msgs[picID].MessageID)
	require.NoError(t, err)
	require.Equal(t, jpeg, file.Data, "the account downloads the peer's picture")
	contact, err := c.GetContact(ctx, "+15550000001")
	require.NoError(t, err)
	require.Equal(t, "Alice", contact.WhatsAppPushName)

	// Edit and delete.
	require.NoError(t, alice.Direct(conn).Edit(picID, "the view from the top"))
	msgs = messages(t, c, direct.ConversationID)
	require.Equal(t, "the view from the top", msgs[picID].Body)
	require.False(t, msgs[picID].EditedAt.IsZero())
	require.NoError(t, alice.Direct(conn).Revoke(picID))
	msgs = messages(t, c, direct.ConversationID)
	require.Equal(t, "deleted", msgs[picID].Status)

	// A group made by Bob with Alice and the account.
	group, err := bob.CreateGroup("Weekend hike", alice.JID(), types.NewJID("15550009999", types.DefaultUserServer))
	require.NoError(t, err)
	gconv, err := c.GetConversation(ctx, groupConversation(t, c, group))
	require.NoError(t, err)
	require.Equal(t, "Weekend hike", gconv.Subject, "the account learned the group from JoinedGroup")
	require.Len(t, gconv.Participants, 3)
	hike, err := bob.Group(group).Text("Saturday at 8?")
	require.NoError(t, err)
	require.NoError(t, alice.Group(group).React(hike, bob.JID(), "👍"))
	gmsgs := messages(t, c, gconv.ConversationID)
	require.Len(t, gmsgs, 1)
	require.Equal(t, "Bob", gmsgs[hike].SenderPushName)
	require.Equal(t, map[string]string{"15550000001@s.whatsapp.net": "👍"}, gmsgs[hike].Reactions)

	// The account writes to Alice: she gets it and answers with receipts.
	got := make(chan watest.PeerMessage, 1)
	alice.OnMessage(func(m watest.PeerMessage) { got <- m })
	sent, err := c.SendText(ctx, "+15550000001", "hi Alice")
	require.NoError(t, err)
	var m watest.PeerMessage
	select {
	case m = <-got:
	case <-ctx.Done():
		t.Fatal("the peer never got the message")
	}
	require.Equal(t, "hi Alice", m.Message.GetConversation())
	require.Equal(t, "15550009999", m.Chat.User, "the peer's chat is with the account")
	require.Same(t, conn, m.From)
	require.Equal(t, sent.WAMessageID, m.ID)
	require.NoError(t, alice.Direct(conn).Receipt(types.ReceiptTypeRead, m.ID))
	after, err := c.GetMessage(ctx, sent.MessageID)
	require.NoError(t, err)
	require.Equal(t, "read", after.Status)

	// A peer cannot reach an account that is offline, nor a group it left.
	_, err = alice.Group(types.NewJID("120363999999999999", types.GroupServer)).Text("?")
	require.ErrorIs(t, err, watest.ErrPeerUnreachable)
	conn.Drop()
	_, err = alice.Direct(conn).Text("anyone?")
	require.ErrorIs(t, err, watest.ErrPeerUnreachable)
}

// groupConversation returns the id of the conversation of group.
func groupConversation(t *testing.T, c *wauser.Client, group types.JID) wauser.ConversationID {
	t.Helper()
	convs, err := c.ListConversations(t.Context(), wauser.ListConversationsOptions{Kind: wauser.KindGroup})
	require.NoError(t, err)
	for _, conv := range convs.Conversations {
		if conv.ChatJID == group.String() {
			return conv.ConversationID
		}
	}
	t.Fatalf("no conversation for group %s", group)
	return ""
}
