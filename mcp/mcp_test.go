package mcp_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/mcp"
	"github.com/wauser/wauser/watest"
)

var (
	epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	phone = watest.Phone{JID: types.NewJID("15551234567", types.DefaultUserServer),
		LID: types.NewJID("123456789012345", types.HiddenUserServer), PushName: "Sales"}
)

// env is a Client with one paired account "acc" on watest, and two people
// who wrote to it: Alice (a text and a photo) and Bob (a text).
type env struct {
	t                 *testing.T
	c                 *wauser.Client
	conn              *watest.Conn
	alice, bob        *watest.Peer
	aliceConv, bobMsg string
}

func newEnv(t *testing.T, db *testdb.DB) *env {
	t.Helper()
	fake := watest.New()
	clock := watest.NewClock(epoch)
	fake.SetClock(clock)
	c, err := wauser.New(db.Open(t), fake.Option(), wauser.WithClock(clock), wauser.WithSendPacing(wauser.Pacing{}))
	require.NoError(t, err)
	require.NoError(t, c.Start(t.Context()))
	t.Cleanup(func() { _ = c.Close(); fake.Close() })
	ctx := t.Context()
	_, err = c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "acc"})
	require.NoError(t, err)
	_, err = c.PairQR(ctx)
	require.NoError(t, err)
	conn, err := fake.WaitConn(ctx, "acc")
	require.NoError(t, err)
	require.NoError(t, conn.Scan(phone))
	_, err = c.WaitStatus(ctx, func(s *wauser.Status) bool { return s.State == wauser.StateConnected })
	require.NoError(t, err)
	e := &env{t: t, c: c, conn: conn, alice: fake.AddPeer("+15550000001", "Alice"), bob: fake.AddPeer("+15550000002", "Bob")}
	_, err = e.alice.Direct(conn).Text("are we still on for the picnic?")
	require.NoError(t, err)
	clock.Advance(time.Second)
	_, err = e.alice.Direct(conn).Image(watest.SampleJPEG(40, 30, 7), "image/jpeg", "picnic spot")
	require.NoError(t, err)
	clock.Advance(time.Second)
	_, err = e.bob.Direct(conn).Text("bob says hi")
	require.NoError(t, err)
	convs, err := c.ListConversations(ctx, wauser.ListConversationsOptions{})
	require.NoError(t, err)
	for _, cv := range convs.Conversations {
		if cv.ChatJID == e.alice.JID().String() {
			e.aliceConv = string(cv.ConversationID)
		}
	}
	require.NotEmpty(t, e.aliceConv)
	res, err := c.SearchMessages(ctx, wauser.SearchMessagesOptions{Query: "bob"})
	require.NoError(t, err)
	require.Len(t, res.Hits, 1)
	e.bobMsg = string(res.Hits[0].Message.MessageID)
	return e
}

// call calls a tool; it decodes a successful result's JSON into out.
func call(t *testing.T, cs *sdk.ClientSession, name string, args map[string]any, out any) *sdk.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(t.Context(), &sdk.CallToolParams{Name: name, Arguments: args})
	require.NoError(t, err, name)
	if !res.IsError && out != nil {
		require.NotEmpty(t, res.Content, name)
		require.NoError(t, json.Unmarshal([]byte(res.Content[0].(*sdk.TextContent).Text), out), name)
	}
	return res
}

// sameJSON: the tool's answer is the Client's, as JSON.
func sameJSON(t *testing.T, want, got any) {
	t.Helper()
	w, err := json.Marshal(want)
	require.NoError(t, err)
	g, err := json.Marshal(got)
	require.NoError(t, err)
	require.JSONEq(t, string(w), string(g))
}

func errorText(t *testing.T, res *sdk.CallToolResult) string {
	t.Helper()
	require.True(t, res.IsError, "the tool refused")
	return res.Content[0].(*sdk.TextContent).Text
}

func connect(t *testing.T, srv *mcp.Server, opts *sdk.ClientOptions) *sdk.ClientSession {
	t.Helper()
	return connectClient(t, srv, sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, opts))
}

func connectClient(t *testing.T, srv *mcp.Server, client *sdk.Client) *sdk.ClientSession {
	t.Helper()
	st, ct := sdk.NewInMemoryTransports()
	_, err := srv.Connect(t.Context(), st)
	require.NoError(t, err)
	cs, err := client.Connect(t.Context(), ct, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// acknowledgements passes on the resource URIs of every
// notifications/subscriptions/acknowledged that client receives. Under the
// protocol version the SDK speaks (2026-07-28), ClientSession.Subscribe
// only sends a subscriptions/listen request and returns: the server
// honours the subscription from its acknowledgement on, not before.
func acknowledgements(client *sdk.Client) <-chan []string {
	acks := make(chan []string, 4)
	client.AddReceivingMiddleware(func(next sdk.MethodHandler) sdk.MethodHandler {
		return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
			if p, ok := req.GetParams().(*sdk.SubscriptionsAcknowledgedParams); ok {
				acks <- p.Notifications.ResourceSubscriptions
			}
			return next(ctx, method, req)
		}
	})
	return acks
}

// TestTools drives every tool with the SDK's client over the in-memory
// transport, and checks each result against the store and what reached
// WhatsApp.
func TestTools(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db)
		ctx := t.Context()
		srv, err := mcp.NewServer(e.c, mcp.Options{Scopes: []wauser.Scope{wauser.ScopeRead, wauser.ScopeWrite}, WritableChats: []string{"+15550000001"}})
		require.NoError(t, err)
		t.Cleanup(func() { _ = srv.Close() })
		updated := make(chan string, 16)
		client := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, &sdk.ClientOptions{
			ResourceUpdatedHandler: func(_ context.Context, r *sdk.ResourceUpdatedNotificationRequest) {
				updated <- r.Params.URI
			}})
		acks := acknowledgements(client)
		cs := connectClient(t, srv, client)

		tools, err := cs.ListTools(ctx, nil)
		require.NoError(t, err)
		names := map[string]string{}
		for _, tl := range tools.Tools {
			names[tl.Name] = tl.Description
		}
		for _, n := range []string{"list_conversations", "search_conversations", "list_messages", "search_messages", "get_contact", "download_media"} {
			require.Contains(t, names[n], "whatsapp:read", n)
		}
		for _, n := range []string{"send_text", "send_media", "react", "mark_read", "request_history"} {
			require.Contains(t, names[n], "whatsapp:write", n)
		}
		require.Contains(t, names["send_text"], "recipient sees it")
		require.Contains(t, names["search_messages"], "sends nothing to WhatsApp")

		// Reads, checked against the Client's own answers.
		var convs wauser.ConversationList
		call(t, cs, "list_conversations", nil, &convs)
		want, err := e.c.ListConversations(ctx, wauser.ListConversationsOptions{})
		require.NoError(t, err)
		sameJSON(t, want.Conversations, convs.Conversations)
		var found struct{ Conversations []wauser.Conversation }
		call(t, cs, "search_conversations", map[string]any{"query": "alic"}, &found)
		require.Len(t, found.Conversations, 1)
		require.Equal(t, e.aliceConv, string(found.Conversations[0].ConversationID))
		var msgs wauser.MessageList
		call(t, cs, "list_messages", map[string]any{"conversation_id": e.aliceConv}, &msgs)
		wantMsgs, err := e.c.ListMessages(ctx, wauser.ListMessagesOptions{ConversationID: wauser.ConversationID(e.aliceConv)})
		require.NoError(t, err)
		sameJSON(t, wantMsgs.Messages, msgs.Messages)
		require.Equal(t, "picnic spot", msgs.Messages[0].Body, "newest first")
		var hits wauser.MessageSearchResult
		call(t, cs, "search_messages", map[string]any{"query": "picnic", "content_types": []string{"image"}}, &hits)
		require.Len(t, hits.Hits, 1)
		require.Equal(t, msgs.Messages[0].MessageID, hits.Hits[0].Message.MessageID)
		require.Contains(t, errorText(t, call(t, cs, "search_messages", map[string]any{"query": "!!!"}, nil)), "invalid query")
		var ct wauser.Contact
		call(t, cs, "get_contact", map[string]any{"who": "+15550000001"}, &ct)
		require.Equal(t, e.alice.JID().String(), ct.PhoneJID)

		// The photo as an embedded resource, and as a resource.
		res := call(t, cs, "download_media", map[string]any{"message_id": string(msgs.Messages[0].MessageID)}, nil)
		require.False(t, res.IsError, "%v", res.Content)
		blob := res.Content[0].(*sdk.EmbeddedResource).Resource
		require.Equal(t, watest.SampleJPEG(40, 30, 7), blob.Blob)
		require.Equal(t, "image/jpeg", blob.MIMEType)
		rr, err := cs.ReadResource(ctx, &sdk.ReadResourceParams{URI: blob.URI})
		require.NoError(t, err)
		require.Equal(t, blob.Blob, rr.Contents[0].Blob)

		// Sending, to the chat the agent may write to.
		before := len(e.conn.Sent())
		var sent wauser.Message
		call(t, cs, "send_text", map[string]any{"to": "+15550000001", "text": "yes, at noon", "reply_to": string(msgs.Messages[1].MessageID)}, &sent)
		stored, err := e.c.GetMessage(ctx, sent.MessageID)
		require.NoError(t, err)
		require.Equal(t, "yes, at noon", stored.Body)
		require.Equal(t, msgs.Messages[1].WAMessageID, stored.ReplyToWAID)
		out := e.conn.Sent()
		require.Len(t, out, before+1)
		require.Equal(t, "yes, at noon", out[before].Message.GetExtendedTextMessage().GetText())
		require.Equal(t, e.alice.JID(), out[before].To)

		var media wauser.Message
		jpeg := watest.SampleJPEG(20, 20, 3)
		call(t, cs, "send_media", map[string]any{"to": e.aliceConv, "kind": "image", "data": base64.StdEncoding.EncodeToString(jpeg), "caption": "the map"}, &media)
		require.Equal(t, "image", media.ContentType)
		require.Equal(t, "the map", e.conn.Sent()[before+1].Message.GetImageMessage().GetCaption())

		var reacted wauser.Message
		call(t, cs, "react", map[string]any{"message_id": string(msgs.Messages[1].MessageID), "emoji": "👍"}, &reacted)
		stored, err = e.c.GetMessage(ctx, msgs.Messages[1].MessageID)
		require.NoError(t, err)
		require.Contains(t, stored.Reactions, phone.JID.String())
		require.Equal(t, "👍", e.conn.Sent()[before+2].Message.GetReactionMessage().GetText())

		call(t, cs, "mark_read", map[string]any{"message_ids": []string{string(msgs.Messages[1].MessageID)}}, nil)
		reads := e.conn.Reads()
		require.NotEmpty(t, reads)
		require.Equal(t, []types.MessageID{types.MessageID(msgs.Messages[1].WAMessageID)}, reads[len(reads)-1].IDs)

		var hist wauser.HistoryRequest
		call(t, cs, "request_history", map[string]any{"conversation_id": e.aliceConv, "count": 10}, &hist)
		require.Len(t, hist.Chats, 1)
		require.True(t, e.conn.Sent()[before+3].Peer, "the request went to the account's own phone")
		nSent := len(e.conn.Sent())

		// A restricted agent cannot write to another chat.
		require.Contains(t, errorText(t, call(t, cs, "send_text", map[string]any{"to": "+15550000002", "text": "hi bob"}, nil)), "may not write")
		require.Contains(t, errorText(t, call(t, cs, "send_text", map[string]any{"to": e.bob.JID().String(), "text": "hi bob"}, nil)), "may not write")
		require.Contains(t, errorText(t, call(t, cs, "react", map[string]any{"message_id": e.bobMsg, "emoji": "👍"}, nil)), "may not write")
		require.Contains(t, errorText(t, call(t, cs, "mark_read", map[string]any{"message_ids": []string{e.bobMsg}}, nil)), "may not write")
		require.Len(t, e.conn.Sent(), nSent, "nothing reached WhatsApp")
		bobStored, err := e.c.GetMessage(ctx, wauser.MessageID(e.bobMsg))
		require.NoError(t, err)
		require.Empty(t, bobStored.Reactions)

		// Conversations are resources; subscribers hear of new messages.
		uri := "whatsapp://conversations/" + e.aliceConv
		require.NoError(t, cs.Subscribe(ctx, &sdk.SubscribeParams{URI: uri}))
		select {
		case got := <-acks:
			require.Equal(t, []string{uri}, got, "the server takes the subscription")
		case <-time.After(30 * time.Second):
			t.Fatal("the subscription was not acknowledged")
		}
		_, err = e.alice.Direct(e.conn).Text("see you there")
		require.NoError(t, err)
		select {
		case got := <-updated:
			require.Equal(t, uri, got)
		case <-time.After(30 * time.Second):
			t.Fatal("no resource update")
		}
		rr, err = cs.ReadResource(ctx, &sdk.ReadResourceParams{URI: uri})
		require.NoError(t, err)
		var body struct {
			Conversation wauser.Conversation
			Messages     []wauser.Message
		}
		require.NoError(t, json.Unmarshal([]byte(rr.Contents[0].Text), &body))
		bodies := []string{}
		for _, m := range body.Messages {
			bodies = append(bodies, m.Body)
		}
		require.Contains(t, bodies, "see you there", "the resource shows the new message")
		require.Equal(t, e.aliceConv, string(body.Conversation.ConversationID))
		_, err = cs.ReadResource(ctx, &sdk.ReadResourceParams{URI: "whatsapp://conversations/conv_nope"})
		require.Error(t, err)
	})
}

// TestReadOnlyAgent: without whatsapp:write the sending tools refuse and
// nothing reaches WhatsApp.
func TestReadOnlyAgent(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db)
		srv, err := mcp.NewServer(e.c, mcp.Options{})
		require.NoError(t, err)
		cs := connect(t, srv, nil)
		before := len(e.conn.Sent())
		var hits wauser.MessageSearchResult
		call(t, cs, "search_messages", map[string]any{"query": "picnic"}, &hits)
		require.Len(t, hits.Hits, 2)
		for tool, args := range map[string]map[string]any{
			"send_text":       {"to": "+15550000001", "text": "hi"},
			"send_media":      {"to": "+15550000001", "kind": "image", "url": "https://example.com/x.jpg"},
			"react":           {"message_id": e.bobMsg, "emoji": "👍"},
			"mark_read":       {"message_ids": []string{e.bobMsg}},
			"request_history": {"count": 5},
		} {
			require.Contains(t, errorText(t, call(t, cs, tool, args, nil)), "whatsapp:write", tool)
		}
		require.Len(t, e.conn.Sent(), before)
		require.Empty(t, e.conn.Reads())
	})
}

type headerTransport struct {
	key  string
	base http.RoundTripper
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Api-Key", h.key)
	return h.base.RoundTrip(r)
}

// TestHTTP: the streamable HTTP transport behind API keys: a read-only key
// reads and cannot send, a write key sends, no key gets nowhere.
func TestHTTP(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db)
		srv, err := mcp.NewServer(e.c, mcp.Options{})
		require.NoError(t, err)
		hs := httptest.NewServer(srv.Handler())
		t.Cleanup(hs.Close)
		session := func(key string) (*sdk.ClientSession, error) {
			tr := &sdk.StreamableClientTransport{Endpoint: hs.URL, MaxRetries: -1,
				HTTPClient: &http.Client{Transport: headerTransport{key: key, base: http.DefaultTransport}}}
			cs, err := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil).Connect(t.Context(), tr, nil)
			if err == nil {
				t.Cleanup(func() { _ = cs.Close() })
			}
			return cs, err
		}
		mkKey := func(scopes ...wauser.Scope) string {
			k, err := e.c.CreateAPIKey(t.Context(), wauser.CreateAPIKeyRequest{Name: "agent", Scopes: scopes, Accounts: []wauser.AccountID{"acc"}})
			require.NoError(t, err)
			return k.Key
		}

		_, err = session("")
		require.Error(t, err, "no key")
		_, err = session("wrong")
		require.Error(t, err, "a wrong key")

		ro, err := session(mkKey(wauser.ScopeRead))
		require.NoError(t, err)
		var hits wauser.MessageSearchResult
		call(t, ro, "search_messages", map[string]any{"query": "bob"}, &hits)
		require.Len(t, hits.Hits, 1)
		before := len(e.conn.Sent())
		require.Contains(t, errorText(t, call(t, ro, "send_text", map[string]any{"to": "+15550000001", "text": "hi"}, nil)), "whatsapp:write")
		require.Len(t, e.conn.Sent(), before, "a read-only key sent nothing")

		rw, err := session(mkKey(wauser.ScopeRead, wauser.ScopeWrite))
		require.NoError(t, err)
		var sent wauser.Message
		call(t, rw, "send_text", map[string]any{"to": "+15550000002", "text": "hi bob"}, &sent)
		stored, err := e.c.GetMessage(t.Context(), sent.MessageID)
		require.NoError(t, err)
		require.Equal(t, "hi bob", stored.Body)
		require.Len(t, e.conn.Sent(), before+1)

		// A write-only key cannot read.
		wo, err := session(mkKey(wauser.ScopeWrite))
		require.NoError(t, err)
		require.Contains(t, errorText(t, call(t, wo, "list_conversations", nil, nil)), "whatsapp:read")
	})
}
