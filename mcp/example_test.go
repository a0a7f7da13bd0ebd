package mcp_test

import (
	"context"
	"fmt"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/mcp"
	"github.com/wauser/wauser/store/sqlite"
	"github.com/wauser/wauser/watest"
)

// An agent searches the account's messages and answers in the one chat it
// may write to, through the SDK's own client (here in-process; a desktop
// assistant uses stdio, a remote one the HTTP handler).
func ExampleNewServer() {
	ctx := context.Background()
	fake := watest.New()
	defer fake.Close()
	c, err := wauser.Open(ctx, sqlite.File(":memory:"), fake.Option())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	_ = c.Start(ctx)
	_, _ = c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "bot"})
	_, _ = c.PairQR(ctx)
	conn, _ := fake.WaitConn(ctx, "bot")
	_ = conn.Scan(watest.Phone{JID: types.NewJID("15550009999", types.DefaultUserServer)})
	_, _ = c.WaitStatus(ctx, func(s *wauser.Status) bool { return s.State == wauser.StateConnected })
	alice := fake.AddPeer("+15550000001", "Alice")
	_, _ = alice.Direct(conn).Text("Where is the picnic on Sunday?")

	srv, err := mcp.NewServer(c, mcp.Options{
		Scopes:        []wauser.Scope{wauser.ScopeRead, wauser.ScopeWrite},
		WritableChats: []string{"+15550000001"},
	})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	serverSide, clientSide := sdk.NewInMemoryTransports()
	if _, err := srv.Connect(ctx, serverSide); err != nil {
		panic(err)
	}
	agent, err := sdk.NewClient(&sdk.Implementation{Name: "agent", Version: "1"}, nil).Connect(ctx, clientSide, nil)
	if err != nil {
		panic(err)
	}
	defer agent.Close()

	res, _ := agent.CallTool(ctx, &sdk.CallToolParams{Name: "search_messages", Arguments: map[string]any{"query": "picnic"}})
	found := res.StructuredContent.(map[string]any)["hits"].([]any)
	fmt.Println("found:", found[0].(map[string]any)["message"].(map[string]any)["body"])

	res, _ = agent.CallTool(ctx, &sdk.CallToolParams{Name: "send_text", Arguments: map[string]any{"to": "+15550000001", "text": "At the lake!"}})
	fmt.Println("sent:", !res.IsError)
	res, _ = agent.CallTool(ctx, &sdk.CallToolParams{Name: "send_text", Arguments: map[string]any{"to": "+15550000002", "text": "Hi"}})
	fmt.Println("refused:", res.Content[0].(*sdk.TextContent).Text)
	// Output:
	// found: Where is the picnic on Sunday?
	// sent: true
	// refused: mcp: not allowed: this agent may not write to 15550000002@s.whatsapp.net (it may write only to the chats it was given)
}
