package wauser_test

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/watest"
)

// Look people up, set the account's about text, and block a spammer.
func ExampleClient_BlockContact() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fake := watest.New()
	c, closeAll := pairedExample(ctx, fake, map[wauser.AccountID]string{"shop": "15550001000", "friend": "15550002000"})
	defer closeAll()
	shop := c.WithAccount("shop")

	if err := c.WithAccount("friend").SetAbout(ctx, "Busy building things"); err != nil {
		panic(err)
	}
	infos, err := shop.GetUserInfo(ctx, []string{"+15550002000", "+15559999999"})
	if err != nil {
		panic(err)
	}
	for _, u := range infos {
		fmt.Println(u.JID, u.About)
	}

	blocked, err := shop.BlockContact(ctx, "+15550003333")
	if err != nil {
		panic(err)
	}
	fmt.Println("blocked:", blocked)
	settings, err := shop.SetPrivacySetting(ctx, wauser.PrivacyLastSeen, "contacts")
	if err != nil {
		panic(err)
	}
	fmt.Println("last seen:", settings.LastSeen)
	// Output:
	// 15550002000@s.whatsapp.net Busy building things
	// blocked: [15550003333@s.whatsapp.net]
	// last seen: contacts
}

// Mute a chat for a week, star a message in it, and forward it elsewhere.
func ExampleClient_ForwardMessage() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fake := watest.New()
	c, closeAll := pairedExample(ctx, fake, map[wauser.AccountID]string{"shop": "15550001000"})
	defer closeAll()
	conn := fake.Conn("shop")
	ann := fake.AddPeer("+15550002000", "Ann")
	if _, err := ann.Direct(conn).Text("Can you deliver on Friday?"); err != nil {
		panic(err)
	}
	got, err := c.ListMessages(ctx, wauser.ListMessagesOptions{})
	if err != nil {
		panic(err)
	}
	question := got.Messages[0]

	if err := c.MuteChat(ctx, "+15550002000", 7*24*time.Hour); err != nil {
		panic(err)
	}
	starred, err := c.StarMessage(ctx, "", string(question.MessageID))
	if err != nil {
		panic(err)
	}
	fmt.Println("starred:", starred.Starred)
	fwd, err := c.ForwardMessage(ctx, string(question.MessageID), "+15550003000")
	if err != nil {
		panic(err)
	}
	fmt.Println(fwd.Direction, fwd.Body)
	sent := conn.Sent()
	fmt.Println("marked forwarded:", sent[len(sent)-1].Message.GetExtendedTextMessage().GetContextInfo().GetIsForwarded())
	// Output:
	// starred: true
	// outgoing Can you deliver on Friday?
	// marked forwarded: true
}

// Follow when a person comes online.
func ExampleClient_SubscribePresence() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fake := watest.New()
	c, closeAll := pairedExample(ctx, fake, map[wauser.AccountID]string{"shop": "15550001000"})
	defer closeAll()
	done := make(chan struct{})
	c.OnPresence(func(_ context.Context, _ wauser.Event, p *wauser.PresenceData) {
		fmt.Println(p.JID, "online:", p.Online)
		close(done)
	})

	// WhatsApp sends presences only to accounts that are online
	// themselves, which needs a profile name.
	if err := c.SetPushName(ctx, "Corner Shop"); err != nil {
		panic(err)
	}
	if err := c.SetPresence(ctx, wauser.PresenceAvailable); err != nil {
		panic(err)
	}
	if err := c.SubscribePresence(ctx, "+15550002000"); err != nil {
		panic(err)
	}
	fake.SetPresence(types.NewJID("15550002000", types.DefaultUserServer), true, time.Time{})
	<-done
	// Output:
	// 15550002000@s.whatsapp.net online: true
}

// Decline every call with a text reply, and see the calls as events.
func ExampleWithCallRejection() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fake := watest.New()
	c, closeAll := pairedExample(ctx, fake, map[wauser.AccountID]string{"shop": "15550001000"},
		wauser.WithCallRejection(wauser.CallRejection{Reply: "We can't take calls. Please write to us here."}))
	defer closeAll()
	conn := fake.Conn("shop")
	offered, missed := make(chan struct{}), make(chan struct{})
	c.OnCall(func(_ context.Context, e wauser.Event, call *wauser.CallData) {
		fmt.Println(e.Type, call.From, call.Media)
		switch e.Type {
		case wauser.EventCallOffer:
			close(offered)
		case wauser.EventCallMissed:
			close(missed)
		}
	})

	caller := types.NewJID("15550002000", types.DefaultUserServer)
	id := conn.OfferCall(caller, false)
	sent, err := conn.WaitSent(ctx, 1)
	if err != nil {
		panic(err)
	}
	<-offered
	reply := sent[0].Message
	fmt.Println("declined:", conn.RejectedCalls()[0].CallID == id)
	fmt.Println("replied:", reply.GetConversation()+reply.GetExtendedTextMessage().GetText())
	conn.EndCall(id, "")
	<-missed
	// Output:
	// call.offer 15550002000@s.whatsapp.net audio
	// declined: true
	// replied: We can't take calls. Please write to us here.
	// call.missed 15550002000@s.whatsapp.net
}
