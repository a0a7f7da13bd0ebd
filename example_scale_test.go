package wauser_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/store/postgres"
)

// Run the same program in several processes on one PostgreSQL database:
// each account is connected by one of them, and sending from another one
// says where the account is. Reads work in every process.
func ExampleWithLeases() {
	ctx := context.Background()
	c, err := wauser.Open(ctx, postgres.DSN(os.Getenv("WAUSER_DSN")), // e.g. postgres://wauser@db.internal/wauser
		wauser.WithLeases(wauser.LeaseOptions{Interval: 5 * time.Second, Timeout: 5 * time.Second}))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil { // connects the accounts no other process holds
		log.Fatal(err)
	}

	sales := c.WithAccount("sales")
	st, err := sales.Status(ctx)
	if err != nil {
		log.Fatal(err)
	}
	if st.HeldElsewhere {
		fmt.Println("another process connects sales; it is", st.State, "there")
	}
	_, err = sales.StatusPrivacy(ctx) // needs the WhatsApp connection
	if errors.Is(err, wauser.ErrLeasedElsewhere) {
		fmt.Println("ask the process that holds sales")
	}
	page, err := sales.SyncPage(ctx, 0, 100) // the change feed: any process
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(page.Messages), "messages")
}
