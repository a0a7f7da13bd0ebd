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

// Pair an account by QR code. The fake WhatsApp of package watest plays the
// phone here; with a real phone, render p.QR as a QR code and scan it in
// WhatsApp's "Linked devices".
func ExampleClient_PairQR() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	defer st.Close()
	fake := watest.New()
	c, err := wauser.New(st, fake.Option())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		panic(err)
	}

	if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "sales"}); err != nil {
		panic(err)
	}
	sales := c.WithAccount("sales")
	p, err := sales.PairQR(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("pairing:", p.Status)

	conn, _ := fake.WaitConn(ctx, "sales")
	_ = conn.Scan(watest.Phone{JID: types.NewJID("15551234567", types.DefaultUserServer)})

	status, err := sales.WaitStatus(ctx, func(s *wauser.Status) bool { return s.State == wauser.StateConnected })
	if err != nil {
		panic(err)
	}
	fmt.Println("state:", status.State, "as", status.JID.User)
	// Output:
	// pairing: qr
	// state: connected as 15551234567
}

// Open a Client on an embedded SQLite database and connect every paired
// account.
func ExampleOpen() {
	ctx := context.Background()
	c, err := wauser.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		panic(err)
	}
	accounts, _ := c.ListAccounts(ctx)
	fmt.Println(len(accounts), "accounts")
	// Output: 0 accounts
}
