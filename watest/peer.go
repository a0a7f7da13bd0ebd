package watest

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"
)

// Peer is a simulated WhatsApp user who is not an account of the Fake: a
// contact for demos and for tests of bots that converse. It has a number
// on WhatsApp and a name (its push name). What an account sends to it, or
// to a group it is in, reaches its OnMessage function; what it sends
// (Peer.Direct, Peer.Group) reaches the accounts as WhatsApp delivers it:
// whatsmeow events on their connections, stored by the same ingestion as a
// real connection's.
type Peer struct {
	fake *Fake
	jid  types.JID
	name string

	mu        sync.Mutex
	onMessage func(PeerMessage)
}

// PeerMessage is a message an account sent to a Peer (directly, or to a
// group the peer is in).
type PeerMessage struct {
	From      *Conn     // the account's connection
	Chat      types.JID // where the peer sees it: the account's JID, or the group
	ID        types.MessageID
	Message   *waE2E.Message
	Timestamp time.Time
}

// ErrPeerUnreachable is returned when a Peer writes to an account that is
// not online, or to a group it is not in.
var ErrPeerUnreachable = errors.New("watest: the peer cannot reach that chat")

// AddPeer adds a simulated user with phone number phone (E.164, digits or
// a phone JID) and push name name, registered on WhatsApp (see Register).
// Adding a number again returns the same Peer.
func (f *Fake) AddPeer(phone, name string) *Peer {
	f.mu.Lock()
	defer f.mu.Unlock()
	user := digits(phone)
	if p := f.peers[user]; p != nil {
		return p
	}
	f.registered[user] = true
	p := &Peer{fake: f, jid: types.NewJID(user, types.DefaultUserServer), name: name}
	f.peers[user] = p
	return p
}

// JID returns the peer's phone-number JID.
func (p *Peer) JID() types.JID { return p.jid }

// Name returns the peer's push name.
func (p *Peer) Name() string { return p.name }

// OnMessage makes the Fake call fn for every message an account sends to
// the peer or to a group the peer is in, from
// its own goroutine (an answer from a phone comes later). fn may answer
// with the peer's methods. Fake.Close waits for the calls in flight.
func (p *Peer) OnMessage(fn func(PeerMessage)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.onMessage = fn
}

// received hands a message an account sent to OnMessage.
func (p *Peer) received(m PeerMessage) {
	p.mu.Lock()
	fn := p.onMessage
	p.mu.Unlock()
	if fn != nil {
		p.fake.wg.Go(func() { fn(m) })
	}
}

// peerRecipients returns the peers a message to jid reaches; f.mu is held.
func (f *Fake) peerRecipients(to types.JID) []*Peer {
	switch to.Server {
	case types.DefaultUserServer:
		if p := f.peers[to.User]; p != nil {
			return []*Peer{p}
		}
	case types.GroupServer:
		g := f.groups[to]
		if g == nil {
			return nil
		}
		var out []*Peer
		for _, m := range g.members {
			if p := f.peers[m.JID.User]; p != nil && m.JID.Server == types.DefaultUserServer {
				out = append(out, p)
			}
		}
		return out
	}
	return nil
}

// CreateGroup plays the peer creating a group named name with members
// (accounts' and peers' phone JIDs): every account added gets
// *events.JoinedGroup, as from WhatsApp.
func (p *Peer) CreateGroup(name string, members ...types.JID) (types.JID, error) {
	f := p.fake
	f.mu.Lock()
	g := f.newGroup(name, p.jid)
	for _, m := range members {
		if r := f.add(g, m); r.Error != 0 {
			delete(f.groups, g.info.JID)
			f.mu.Unlock()
			return types.EmptyJID, fmt.Errorf("watest: create group: cannot add %s (%d)", m, r.Error)
		}
	}
	joined := &events.JoinedGroup{Type: "new", Sender: &p.jid, GroupInfo: g.snapshot()}
	conns := f.memberConns(g)
	f.mu.Unlock()
	emitTo(conns, joined)
	return g.info.JID, nil
}

// PeerChat is a chat a Peer writes in: with one account (Peer.Direct) or
// a group (Peer.Group).
type PeerChat struct {
	peer    *Peer
	account *Conn     // direct chats
	group   types.JID // group chats
}

// Direct returns the peer's direct chat with the account of conn.
func (p *Peer) Direct(conn *Conn) *PeerChat { return &PeerChat{peer: p, account: conn} }

// Group returns group as the peer writes in it: its messages reach every
// account in the group.
func (p *Peer) Group(group types.JID) *PeerChat { return &PeerChat{peer: p, group: group} }

// target returns the chat as the accounts see it, the connections it
// reaches, and the time; an account offline or a group without the peer
// is ErrPeerUnreachable.
func (c *PeerChat) target() (chat types.JID, conns []*Conn, now time.Time, err error) {
	f := c.peer.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	now = f.now()
	if c.account != nil {
		if !c.account.IsLoggedIn() {
			return chat, nil, now, fmt.Errorf("%w: account %q is not online", ErrPeerUnreachable, c.account.account)
		}
		return c.peer.jid, []*Conn{c.account}, now, nil
	}
	g := f.groups[c.group]
	if g == nil || g.find(c.peer.jid) < 0 {
		return chat, nil, now, fmt.Errorf("%w: %s is not in group %s", ErrPeerUnreachable, c.peer.jid, c.group)
	}
	for _, conn := range f.memberConns(g) {
		if conn.IsLoggedIn() {
			conns = append(conns, conn)
		}
	}
	return c.group, conns, now, nil
}

// Send sends msg (any waE2E message) in the chat and returns its id: the
// accounts get it as *events.Message with the peer's push name.
func (c *PeerChat) Send(msg *waE2E.Message) (types.MessageID, error) {
	chat, conns, now, err := c.target()
	if err != nil {
		return "", err
	}
	id := nextID()
	for _, conn := range conns {
		evt := Message(chat, c.peer.jid, id, now, proto.CloneOf(msg))
		evt.Info.PushName = c.peer.name
		conn.Emit(evt)
	}
	return id, nil
}

// Text sends a text message.
func (c *PeerChat) Text(text string) (types.MessageID, error) {
	return c.Send(&waE2E.Message{Conversation: proto.String(text)})
}

// Image sends an image (JPEG or PNG bytes) with a caption: the file is put
// on the Fake's media servers first, so that accounts can download it.
func (c *PeerChat) Image(data []byte, mimeType, caption string) (types.MessageID, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("watest: image: %w", err)
	}
	up := c.peer.fake.putMedia(data, whatsmeow.MediaImage)
	msg := &waE2E.ImageMessage{
		URL:           proto.String(up.URL),
		DirectPath:    proto.String(up.DirectPath),
		MediaKey:      up.MediaKey,
		FileEncSHA256: up.FileEncSHA256,
		FileSHA256:    up.FileSHA256,
		FileLength:    proto.Uint64(up.FileLength),
		Mimetype:      proto.String(mimeType),
		Width:         proto.Uint32(uint32(cfg.Width)),
		Height:        proto.Uint32(uint32(cfg.Height)),
	}
	if caption != "" {
		msg.Caption = proto.String(caption)
	}
	return c.Send(&waE2E.Message{ImageMessage: msg})
}

// key returns the key of message id of the chat as the peer's phone writes
// it: author is who sent the message (empty: the peer itself).
func (c *PeerChat) key(id types.MessageID, author types.JID) (chat types.JID, fromMe bool, participant types.JID) {
	fromMe = author.IsEmpty() || author.ToNonAD() == c.peer.jid
	if c.account != nil {
		pn, _ := c.account.self()
		return pn, fromMe, types.EmptyJID
	}
	if !fromMe {
		participant = author.ToNonAD()
	}
	return c.group, fromMe, participant
}

// React reacts with emoji (empty removes the reaction) to message id of
// the chat, sent by author (an account's JID or a peer's; empty: the peer).
func (c *PeerChat) React(id types.MessageID, author types.JID, emoji string) error {
	chat, fromMe, participant := c.key(id, author)
	_, conns, now, err := c.target()
	if err != nil {
		return err
	}
	k := Key(chat, id, fromMe, participant)
	for _, conn := range conns {
		evt := Reaction(c.recipientChat(), c.peer.jid, nextID(), now, k, emoji)
		evt.Info.PushName = c.peer.name
		conn.Emit(evt)
	}
	return nil
}

// Edit replaces the text of the peer's message id.
func (c *PeerChat) Edit(id types.MessageID, text string) error {
	chat, _, _ := c.key(id, types.EmptyJID)
	_, conns, now, err := c.target()
	if err != nil {
		return err
	}
	for _, conn := range conns {
		evt := Edit(c.recipientChat(), c.peer.jid, nextID(), now, Key(chat, id, true, types.EmptyJID), text)
		evt.Info.PushName = c.peer.name
		conn.Emit(evt)
	}
	return nil
}

// Revoke deletes the peer's message id for everyone.
func (c *PeerChat) Revoke(id types.MessageID) error {
	chat, _, _ := c.key(id, types.EmptyJID)
	_, conns, now, err := c.target()
	if err != nil {
		return err
	}
	for _, conn := range conns {
		evt := Revoke(c.recipientChat(), c.peer.jid, nextID(), now, Key(chat, id, true, types.EmptyJID))
		evt.Info.PushName = c.peer.name
		conn.Emit(evt)
	}
	return nil
}

// Receipt sends a receipt of typ (types.ReceiptTypeDelivered,
// ReceiptTypeRead...) for messages ids that accounts sent in the chat.
func (c *PeerChat) Receipt(typ types.ReceiptType, ids ...types.MessageID) error {
	_, conns, now, err := c.target()
	if err != nil {
		return err
	}
	for _, conn := range conns {
		conn.Emit(Receipt(c.recipientChat(), c.peer.jid, typ, now, false, ids...))
	}
	return nil
}

// recipientChat is the chat as the accounts see it.
func (c *PeerChat) recipientChat() types.JID {
	if c.account != nil {
		return c.peer.jid
	}
	return c.group
}

// SampleJPEG returns a small JPEG picture of width by height pixels (a
// gradient), for Peer images in demos and tests.
func SampleJPEG(width, height int, seed byte) []byte {
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	for y := range height {
		for x := range width {
			i := img.PixOffset(x, y)
			img.Pix[i+0] = byte(x*255/max(width-1, 1)) ^ seed
			img.Pix[i+1] = byte(y * 255 / max(height-1, 1))
			img.Pix[i+2] = 160 + seed/4
			img.Pix[i+3] = 255
		}
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}) // writing to memory cannot fail
	return b.Bytes()
}
