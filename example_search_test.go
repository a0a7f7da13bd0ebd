package wauser_test

import (
	"context"
	"fmt"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/store/sqlite"
	"github.com/wauser/wauser/watest"
)

// Full-text search of the stored messages: best match first; edits are
// searched by their new text and deleted messages are never found.
func ExampleClient_SearchMessages() {
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

	alice := fake.AddPeer("+15550000001", "Alice").Direct(conn)
	_, _ = alice.Text("The invoice is attached")
	id, _ := alice.Text("Invoice 42: paid? The invoice was due Friday")
	_, _ = alice.Text("Lunch tomorrow?")
	lunch, _ := alice.Text("Or dinner, after the invoice review")
	_ = alice.Revoke(lunch)
	_ = alice.Edit(id, "Invoice 42: paid? The invoice was due Friday, the invoice total is 300")

	res, err := c.SearchMessages(ctx, wauser.SearchMessagesOptions{Query: "INVOICE"})
	if err != nil {
		panic(err)
	}
	for _, h := range res.Hits {
		fmt.Println(h.Message.Body)
	}
	_, err = c.SearchMessages(ctx, wauser.SearchMessagesOptions{Query: `"" -- *`})
	fmt.Println(err)
	// Output:
	// Invoice 42: paid? The invoice was due Friday, the invoice total is 300
	// The invoice is attached
	// wauser: invalid query: has no word to search for
}
