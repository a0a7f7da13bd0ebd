package wauser_test

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/watest"
)

// Build a community: the announcement group comes with it, and existing
// groups are linked in.
func ExampleClient_CreateCommunity() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fake := watest.New()
	c, closeAll := pairedExample(ctx, fake, map[wauser.AccountID]string{"hoa": "15550001000", "neighbour": "15550002000"})
	defer closeAll()
	hoa := c.WithAccount("hoa")

	com, err := hoa.CreateCommunity(ctx, wauser.CreateCommunityRequest{Name: "Elm Street", Description: "Residents"})
	if err != nil {
		panic(err)
	}
	garden, err := hoa.CreateGroup(ctx, wauser.CreateGroupRequest{Name: "Garden", Members: []string{"+15550002000"}})
	if err != nil {
		panic(err)
	}
	if err := hoa.LinkGroup(ctx, com.ID.String(), garden.ID.String()); err != nil {
		panic(err)
	}
	subs, _ := hoa.ListSubgroups(ctx, com.ID.String())
	for _, g := range subs {
		fmt.Println(g.Name, g.Announcement)
	}
	people, _ := hoa.ListCommunityParticipants(ctx, com.ID.String())
	fmt.Println(len(people), "people")

	// The neighbour looks at an invite link before joining with it.
	link, _ := hoa.GetGroupInviteLink(ctx, garden.ID.String(), true)
	info, _ := c.WithAccount("neighbour").GetGroupInviteInfo(ctx, link)
	fmt.Println(info.Name, info.Size, info.CommunityID == com.ID)
	// Output:
	// Elm Street true
	// Garden false
	// 2 people
	// Garden 2 true
}

// Vote in a poll: the vote is encrypted with the poll's secret, and the
// poll's results count it on both sides.
func ExampleClient_VotePoll() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fake := watest.New()
	c, closeAll := pairedExample(ctx, fake, map[wauser.AccountID]string{"team": "15550001000", "member": "15550002000"})
	defer closeAll()
	team, member := c.WithAccount("team"), c.WithAccount("member")

	poll, err := team.SendMessage(ctx, wauser.SendMessageRequest{To: "+15550002000",
		Poll: &wauser.Poll{Question: "Offsite?", Options: []string{"June", "July"}, SelectableCount: 1}})
	if err != nil {
		panic(err)
	}
	// The member votes on the poll it received, by its WhatsApp id.
	if _, err := member.VotePoll(ctx, "+15550001000", poll.WAMessageID, []string{"July"}); err != nil {
		panic(err)
	}
	got, _ := team.GetMessage(ctx, poll.MessageID)
	for _, r := range got.Extra["poll"].(map[string]any)["results"].([]any) {
		r := r.(map[string]any)
		fmt.Println(r["option"], r["count"], r["voters"])
	}
	// Output:
	// June 0 []
	// July 1 [15550002000@s.whatsapp.net]
}

// Run a channel: create it, post a text and an image (channel media is
// uploaded unencrypted), and read the views.
func ExampleClient_SendNewsletterMessage() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fake := watest.New()
	c, closeAll := pairedExample(ctx, fake, map[wauser.AccountID]string{"brand": "15550001000", "fan": "15550002000"})
	defer closeAll()
	brand, fan := c.WithAccount("brand"), c.WithAccount("fan")

	ch, err := brand.CreateNewsletter(ctx, wauser.CreateNewsletterRequest{Name: "Brand news"})
	if err != nil {
		panic(err)
	}
	if err := fan.FollowNewsletter(ctx, ch.InviteLink); err != nil {
		panic(err)
	}
	post, err := brand.SendNewsletterMessage(ctx, wauser.SendNewsletterMessageRequest{Newsletter: ch.ID.String(), Text: "New colours are in"})
	if err != nil {
		panic(err)
	}
	_ = fan.MarkNewsletterViewed(ctx, ch.ID.String(), []int{post.ServerID})
	_ = fan.ReactNewsletterMessage(ctx, ch.ID.String(), post.ServerID, "❤️")
	posts, _ := brand.ListNewsletterMessages(ctx, ch.ID.String(), 10, 0)
	fmt.Println(posts[0].Body, posts[0].Views, posts[0].Reactions["❤️"])
	// Output:
	// New colours are in 1 1
}

// Post a text status with colours: the contacts in the account's status
// audience store it in their status conversation.
func ExampleClient_PostStatus() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fake := watest.New()
	c, closeAll := pairedExample(ctx, fake, map[wauser.AccountID]string{"cafe": "15550001000", "regular": "15550002000"})
	defer closeAll()
	// The café's status privacy: only the regular sees its statuses.
	fake.SetStatusPrivacy([]types.StatusPrivacy{{Type: types.StatusPrivacyTypeWhitelist, List: []types.JID{types.NewJID("15550002000", types.DefaultUserServer)}, IsDefault: true}})

	st, err := c.WithAccount("cafe").PostStatus(ctx, wauser.PostStatusRequest{
		Text: "Fresh croissants", BackgroundColor: "#FFB347", Font: wauser.FontSystemBold})
	if err != nil {
		panic(err)
	}
	got, _ := c.WithAccount("regular").ListMessages(ctx, wauser.ListMessagesOptions{})
	for _, m := range got.Messages {
		fmt.Println(m.ChatJID, m.Body, m.WAMessageID == st.WAMessageID)
	}
	// Output:
	// status@broadcast Fresh croissants true
}
