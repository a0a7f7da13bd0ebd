package wauser_test

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/store/sqlite"
	"github.com/wauser/wauser/watest"
)

// Walk every message of the account, newest first, without handling
// cursors: the iterator fetches the next page when the loop needs it.
// Contacts and Conversations work the same way.
func ExampleClient_Messages() {
	ctx := context.Background()
	fake := watest.New()
	c, err := wauser.Open(ctx, sqlite.File(":memory:"), fake.Option())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	_ = c.Start(ctx)
	_, _ = c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "support"})
	_, _ = c.PairQR(ctx)
	conn, _ := fake.WaitConn(ctx, "support")
	_ = conn.Scan(watest.Phone{JID: types.NewJID("15550009999", types.DefaultUserServer)})
	_, _ = c.WaitStatus(ctx, func(s *wauser.Status) bool { return s.Connected })

	alice := types.NewJID("15551112222", types.DefaultUserServer)
	for i, text := range []string{"hello", "are you there?", "never mind"} {
		conn.Emit(watest.Text(alice, alice, fmt.Sprint("A", i), time.Unix(1700000000+int64(i)*60, 0), text))
	}

	for m, err := range c.Messages(ctx, wauser.ListMessagesOptions{Limit: 2}) { // pages of 2
		if err != nil {
			panic(err)
		}
		fmt.Println(m.Body)
	}
	// Output:
	// never mind
	// are you there?
	// hello
}
