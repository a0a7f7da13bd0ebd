package wauser_test

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/watest"
)

// List WhatsApp's AI bots with their profiles.
func ExampleClient_ListBots() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fake := watest.New()
	fake.AddBot(watest.Bot{JID: types.NewJID("867051314767696", types.BotServer), PersonaID: "meta_ai",
		Name: "Meta AI", Description: "Ask Meta AI anything"})
	c, closeAll := pairedExample(ctx, fake, map[wauser.AccountID]string{"shop": "15550001000"})
	defer closeAll()
	shop := c.WithAccount("shop")

	bots, err := shop.ListBots(ctx, true)
	if err != nil {
		panic(err)
	}
	for _, b := range bots {
		fmt.Printf("%s (%s): %s\n", b.Name, b.JID, b.Description)
	}
	// Output:
	// Meta AI (867051314767696@bot): Ask Meta AI anything
}
