package watest

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
)

// Demo is a scripted conversation for demonstrations (examples/server
// -demo) and for tests of programs that show conversations. Three
// simulated people (Peers) talk to each account it plays for: Alice and
// Bob write, send a picture, react, edit and delete; Carla makes a group,
// "Weekend hike", where they all talk; and each answers what an account
// sends them, with delivery and read receipts first. After the script,
// someone says something every few minutes.
//
// Time comes from a wauser.Clock: with a watest.Clock, a test moves the
// script step by step (see DemoSteps), so what it shows is deterministic.
type Demo struct {
	fake  *Fake
	clock wauser.Clock

	Alice, Bob, Carla *Peer
}

// DemoStep is one step of the demo's script: after Wait (from the
// previous step), Who does something in a chat.
type DemoStep struct {
	Wait time.Duration
	Who  string // "Alice", "Bob" or "Carla"
	What string // what the step does, in words
}

// DemoSteps is the script Demo.Play runs for each account, in order.
// After the last step, the chatter of DemoChatter repeats.
func DemoSteps() []DemoStep {
	return []DemoStep{
		{2 * time.Second, "Alice", `writes "Hi! I'm Alice, a simulated contact..."`},
		{3 * time.Second, "Bob", "sends a picture"},
		{3 * time.Second, "Carla", `creates the group "Weekend hike" with everyone`},
		{time.Second, "Carla", `asks "Who's in for Saturday?" in the group`},
		{2 * time.Second, "Bob", `answers "Me! Leaving at 8." in the group`},
		{2 * time.Second, "Alice", "reacts 👍 to Carla's question"},
		{2 * time.Second, "Bob", `edits his answer to "Me! Leaving at 9."`},
		{2 * time.Second, "Alice", `writes "Oops, wrong chat"`},
		{2 * time.Second, "Alice", "deletes it for everyone"},
		{2 * time.Second, "Alice", `writes "Send me a message: I answer everything."`},
	}
}

// DemoChatter is how often someone speaks up once the script is over.
const DemoChatter = 3 * time.Minute

// Delays of an answer to a message an account sends a demo person.
const (
	demoDelivered = 1 * time.Second
	demoRead      = 2 * time.Second
	demoAnswer    = 3 * time.Second
)

// NewDemo adds the demo's people to the Fake (Alice +15550100001, Bob
// +15550100002, Carla +15550100003) and makes them answer what accounts
// send them while ctx lasts. A nil clock is the wall clock.
func NewDemo(ctx context.Context, f *Fake, clock wauser.Clock) *Demo {
	if clock == nil {
		clock = wallClock{}
	}
	d := &Demo{
		fake:  f,
		clock: clock,
		Alice: f.AddPeer("+15550100001", "Alice"),
		Bob:   f.AddPeer("+15550100002", "Bob"),
		Carla: f.AddPeer("+15550100003", "Carla"),
	}
	for _, p := range []*Peer{d.Alice, d.Bob, d.Carla} {
		p.OnMessage(func(m PeerMessage) { d.answer(ctx, p, m) })
	}
	return d
}

// Phone returns the simulated phone that links account in a demo: a
// number made from the account's id (+1555 and 7 digits), and a push name
// saying what it is.
func (d *Demo) Phone(account string) Phone {
	h := fnv.New32a()
	_, _ = h.Write([]byte(account))
	number := fmt.Sprintf("1555%07d", h.Sum32()%10_000_000)
	return Phone{JID: types.NewJID(number, types.DefaultUserServer), PushName: "Demo phone (" + account + ")"}
}

// Link plays the simulated phone scanning the QR code that account shows
// (its pairing must have started: wauser.Client.PairQR).
func (d *Demo) Link(account string) error {
	conn := d.fake.Conn(account)
	if conn == nil || !conn.Connected() {
		return fmt.Errorf("watest: demo: account %q shows no QR code to scan: start linking it first", account)
	}
	return conn.Scan(d.Phone(account))
}

// wait waits for d on the demo's clock; false when ctx ended first.
func (d *Demo) wait(ctx context.Context, dur time.Duration) bool {
	t := d.clock.NewTimer(dur)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	}
}

// Play runs the script (DemoSteps) with the account of conn, then the
// chatter, until ctx ends. A step that fails (the account went offline)
// is skipped; Play returns ctx's error.
func (d *Demo) Play(ctx context.Context, conn *Conn) error {
	me, _ := conn.self()
	var group types.JID
	var question, answer, oops types.MessageID
	steps := []func() error{
		func() error {
			_, err := d.Alice.Direct(conn).Text("Hi! I'm Alice, a simulated contact: this conversation comes from watest, " +
				"wauser's fake WhatsApp, through the same path as real messages. Nothing here leaves this server.")
			return err
		},
		func() error {
			_, err := d.Bob.Direct(conn).Image(SampleJPEG(320, 200, 7), "image/jpeg", "The view from the top")
			return err
		},
		func() (err error) {
			group, err = d.Carla.CreateGroup("Weekend hike", d.Alice.JID(), d.Bob.JID(), me)
			return err
		},
		func() (err error) { question, err = d.Carla.Group(group).Text("Who's in for Saturday?"); return err },
		func() (err error) { answer, err = d.Bob.Group(group).Text("Me! Leaving at 8."); return err },
		func() error { return d.Alice.Group(group).React(question, d.Carla.JID(), "👍") },
		func() error { return d.Bob.Group(group).Edit(answer, "Me! Leaving at 9.") },
		func() (err error) { oops, err = d.Alice.Direct(conn).Text("Oops, wrong chat"); return err },
		func() error { return d.Alice.Direct(conn).Revoke(oops) },
		func() error {
			_, err := d.Alice.Direct(conn).Text("Send me a message: I answer everything.")
			return err
		},
	}
	for i, step := range DemoSteps() {
		if !d.wait(ctx, step.Wait) {
			return ctx.Err()
		}
		_ = steps[i]() // an offline account misses it, as a real one would not see it live
	}
	chatter := []func() error{
		func() error {
			_, err := d.Bob.Direct(conn).Text("Still there? The weather looks good for Saturday.")
			return err
		},
		func() error { _, err := d.Carla.Group(group).Text("Reminder: bring water and a snack."); return err },
		func() error { _, err := d.Alice.Direct(conn).Text("Try sending me a picture."); return err },
	}
	for i := 0; ; i++ {
		if !d.wait(ctx, DemoChatter) {
			return ctx.Err()
		}
		_ = chatter[i%len(chatter)]()
	}
}

// answer is what a demo person does with a message an account sent: a
// delivery receipt, a read receipt, then an answer (in a group, only the
// group's creator answers).
func (d *Demo) answer(ctx context.Context, p *Peer, m PeerMessage) {
	chat := p.Direct(m.From)
	if m.Chat.Server == types.GroupServer {
		chat = p.Group(m.Chat)
		if info, ok := d.fake.Group(m.Chat); !ok || info.OwnerJID != p.JID() {
			return
		}
	}
	if !d.wait(ctx, demoDelivered) || chat.Receipt(types.ReceiptTypeDelivered, m.ID) != nil {
		return
	}
	if !d.wait(ctx, demoRead-demoDelivered) || chat.Receipt(types.ReceiptTypeRead, m.ID) != nil {
		return
	}
	if !d.wait(ctx, demoAnswer-demoRead) {
		return
	}
	_, _ = chat.Text(demoReply(p.Name(), m))
}

// demoReply is a demo person's answer to a message.
func demoReply(name string, m PeerMessage) string {
	msg := m.Message
	switch {
	case msg.GetImageMessage() != nil:
		return "Nice picture! (" + name + ", simulated)"
	case msg.GetConversation() != "" || msg.GetExtendedTextMessage().GetText() != "":
		text := msg.GetConversation()
		if text == "" {
			text = msg.GetExtendedTextMessage().GetText()
		}
		if len([]rune(text)) > 80 {
			text = string([]rune(text)[:80]) + "…"
		}
		return fmt.Sprintf("You said: %q. (%s, simulated)", strings.TrimSpace(text), name)
	default:
		return "Got it! (" + name + ", simulated)"
	}
}

// wallClock is the wall clock, for a Demo without one.
type wallClock struct{}

func (wallClock) Now() time.Time                        { return time.Now() }
func (wallClock) NewTimer(d time.Duration) wauser.Timer { return &wallTimer{t: time.NewTimer(d)} }

type wallTimer struct{ t *time.Timer }

func (w *wallTimer) C() <-chan time.Time { return w.t.C }
func (w *wallTimer) Stop() bool          { return w.t.Stop() }
