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

// Follow the change feed live: start at the head (only what changes from
// now on), and wait for this process's commits between reads.
func ExampleClient_ChangesWritten() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	defer st.Close()
	fake := watest.New()
	c, _ := wauser.New(st, fake.Option())
	defer c.Close()
	_ = c.Start(ctx)
	_, _ = c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "support"})
	_, _ = c.PairQR(ctx)
	conn, _ := fake.WaitConn(ctx, "support")
	_ = conn.Scan(watest.Phone{JID: types.NewJID("15550009999", types.DefaultUserServer)})
	_, _ = c.WaitStatus(ctx, func(s *wauser.Status) bool { return s.Connected })
	alice := types.NewJID("15551112222", types.DefaultUserServer)
	conn.Emit(watest.Text(alice, alice, "A1", time.Unix(1700000000, 0), "old news"))

	cursor, err := c.HeadCursor(ctx)
	if err != nil {
		panic(err)
	}
	written := c.ChangesWritten() // taken before reading: no commit is missed
	go conn.Emit(watest.Text(alice, alice, "A2", time.Unix(1700000060, 0), "breaking"))
	for {
		page, err := c.SyncPage(ctx, cursor, 100)
		if err != nil {
			panic(err)
		}
		for _, m := range page.Messages {
			fmt.Println("new message:", m.Body)
		}
		cursor = page.Cursor
		if len(page.Messages) > 0 {
			break
		}
		select {
		case <-written:
			written = c.ChangesWritten()
		case <-time.After(time.Second): // commits of other processes
		case <-ctx.Done():
			panic(ctx.Err())
		}
	}
	// Output: new message: breaking
}
