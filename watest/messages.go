package watest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/proto/waMmsRetry"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"go.mau.fi/whatsmeow/util/gcmutil"
	"go.mau.fi/whatsmeow/util/hkdfutil"
	"google.golang.org/protobuf/proto"
)

// SentMessage is a message the account sent through the Fake, with the
// answer it got.
type SentMessage struct {
	To        types.JID
	Message   *waE2E.Message
	ID        types.MessageID
	Timestamp time.Time // the server's time
	Peer      bool      // a peer message to the account's own phone (history requests)
}

// SentRead is a read (or played) receipt the account sent with MarkRead.
type SentRead struct {
	Chat   types.JID
	Sender types.JID
	IDs    []types.MessageID
	Type   types.ReceiptType // ReceiptTypeRead or ReceiptTypePlayed
}

// mediaFile is an uploaded file the Fake serves to Download.
type mediaFile struct {
	data    []byte
	key     []byte
	typ     whatsmeow.MediaType
	expired bool
}

// Sent returns the messages sent through this connection, in order.
func (c *Conn) Sent() []SentMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sent)
}

// WaitSent blocks until at least n messages were sent through this
// connection, and returns them.
func (c *Conn) WaitSent(ctx context.Context, n int) ([]SentMessage, error) {
	for {
		c.mu.Lock()
		sent, ch := slices.Clone(c.sent), c.changed
		c.mu.Unlock()
		if len(sent) >= n {
			return sent, nil
		}
		select {
		case <-ctx.Done():
			return sent, fmt.Errorf("watest: wait for %d sent messages (have %d): %w", n, len(sent), ctx.Err())
		case <-ch:
		}
	}
}

// Reads returns the read receipts sent through this connection, in order.
func (c *Conn) Reads() []SentRead {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.reads)
}

// nextID returns a message id in whatsmeow's format ("3EB0" and hex).
func nextID() types.MessageID {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return types.MessageID(fmt.Sprintf("3EB0%X", b))
}

// SendMessage sends like WhatsApp: it answers with the message id (the one
// asked for, or a new one) and the server's time, and delivers the message
// as *events.Message to the accounts of the Fake it was sent to (the
// person, or the group's other members). A group the account is not in
// fails as in whatsmeow. Receipts come on request (Conn.Receipt, and
// MarkRead of the recipient).
func (c *Conn) SendMessage(ctx context.Context, to types.JID, message *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
	if err := c.online("SendMessage"); err != nil {
		return whatsmeow.SendResponse{}, err
	}
	if len(extra) > 1 {
		return whatsmeow.SendResponse{}, errors.New("only one extra parameter may be provided to SendMessage")
	}
	var req whatsmeow.SendRequestExtra
	if len(extra) == 1 {
		req = extra[0]
	}
	if req.Peer {
		return c.sendPeer(ctx, to, message)
	}
	switch {
	case message == nil:
		return whatsmeow.SendResponse{}, errors.New("watest: nil message (whatsmeow panics on it)")
	case to.Device != 0 || to.RawAgent != 0:
		return whatsmeow.SendResponse{}, whatsmeow.ErrRecipientADJID
	}
	pn, lid := c.self()
	sender := pn // the account as the message addresses it
	var audience []types.JID
	if to == types.StatusBroadcastJID {
		var err error
		if audience, err = c.statusAudience(ctx); err != nil { // see channels.go
			return whatsmeow.SendResponse{}, err
		}
	}
	id := req.ID
	if id == "" {
		id = nextID()
	}
	var serverID types.MessageServerID
	f := c.fake
	f.mu.Lock()
	var recipients []*Conn
	lidGroup := false
	switch to.Server {
	case types.DefaultUserServer, types.HiddenUserServer:
		for _, o := range f.conns {
			opn, olid := o.self()
			if o != c && !opn.IsEmpty() && (opn == to.ToNonAD() || olid == to.ToNonAD()) {
				recipients = append(recipients, o)
			}
		}
	case types.GroupServer:
		g, ok := f.groups[to]
		switch {
		case !ok:
			f.mu.Unlock()
			return whatsmeow.SendResponse{}, fmt.Errorf("failed to get group members: %w", &iqError{whatsmeow.ErrGroupNotFound, whatsmeow.ErrIQNotFound})
		case g.find(c.self()) < 0:
			f.mu.Unlock()
			return whatsmeow.SendResponse{}, fmt.Errorf("failed to get group members: %w", &iqError{whatsmeow.ErrNotInGroup, whatsmeow.ErrIQForbidden})
		}
		for _, o := range f.memberConns(g) {
			if o != c {
				recipients = append(recipients, o)
			}
		}
		if g.info.AddressingMode == types.AddressingModeLID && !lid.IsEmpty() {
			// whatsmeow sends as the account's LID in LID-addressed groups.
			lidGroup, sender = true, lid
		}
	case types.NewsletterServer:
		var err error
		if serverID, err = c.postNewsletter(to, id, message, req.MediaHandle); err != nil {
			f.mu.Unlock()
			return whatsmeow.SendResponse{}, err
		}
		recipients = f.followers(to, c)
	case types.BroadcastServer:
		if to != types.StatusBroadcastJID {
			f.mu.Unlock()
			return whatsmeow.SendResponse{}, whatsmeow.ErrBroadcastListUnsupported
		}
		recipients = f.audienceConns(audience, c)
	default:
		f.mu.Unlock()
		return whatsmeow.SendResponse{}, fmt.Errorf("%w %s", whatsmeow.ErrUnknownServer, to.Server)
	}
	peers := f.peerRecipients(to)
	ts := f.now()
	f.mu.Unlock()
	// Like whatsmeow, the sender's and the recipients' devices keep the
	// message's secret (polls, reactions and edits encrypted with it).
	secret := message.GetMessageContextInfo().GetMessageSecret()
	if len(secret) > 0 {
		if err := c.dev.MsgSecrets.PutMessageSecret(ctx, to, sender, id, secret); err != nil {
			return whatsmeow.SendResponse{}, err
		}
	}
	c.mu.Lock()
	c.sent = append(c.sent, SentMessage{To: to, Message: proto.CloneOf(message), ID: id, Timestamp: ts})
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	for _, p := range peers {
		chat := to
		if to.Server != types.GroupServer {
			chat = pn // the peer's chat with the sender
		}
		p.received(PeerMessage{From: c, Chat: chat, ID: id, Message: proto.CloneOf(message), Timestamp: ts})
	}
	for _, o := range recipients {
		chat := to
		if to.Server == types.DefaultUserServer || to.Server == types.HiddenUserServer {
			chat = pn // the recipient's chat with the sender
		}
		evt := Message(chat, sender, id, ts, proto.CloneOf(message))
		if to.Server == types.NewsletterServer {
			evt.Info.Sender, evt.Info.ServerID = to, serverID // channel posts come from the channel
		}
		if len(secret) > 0 {
			_ = o.dev.MsgSecrets.PutMessageSecret(ctx, chat, evt.Info.Sender, id, secret)
		}
		evt.Info.PushName = c.pushName()
		if lidGroup {
			evt.Info.AddressingMode, evt.Info.SenderAlt = types.AddressingModeLID, pn
		}
		o.Emit(evt)
	}
	return whatsmeow.SendResponse{ID: id, Timestamp: ts, Sender: sender, ServerID: serverID}, nil
}

// SendPeerMessage sends a peer message to the account's own phone, which
// must be addressed by its phone-number JID (as on WhatsApp, where the
// phone ignores history requests sent to the account's LID). A history
// request is answered at once with an ON_DEMAND history sync of the
// messages given to AddHistory.
func (c *Conn) SendPeerMessage(ctx context.Context, to types.JID, message *waE2E.Message) (whatsmeow.SendResponse, error) {
	if err := c.online("SendPeerMessage"); err != nil {
		return whatsmeow.SendResponse{}, err
	}
	return c.sendPeer(ctx, to, message)
}

func (c *Conn) sendPeer(_ context.Context, to types.JID, message *waE2E.Message) (whatsmeow.SendResponse, error) {
	pn, _ := c.self()
	if to != pn {
		return whatsmeow.SendResponse{}, fmt.Errorf("watest: peer message to %s; the phone only reads those sent to %s", to, pn)
	}
	c.fake.mu.Lock()
	ts := c.fake.now()
	c.fake.mu.Unlock()
	id := nextID()
	c.mu.Lock()
	c.sent = append(c.sent, SentMessage{To: to, Message: proto.CloneOf(message), ID: id, Timestamp: ts, Peer: true})
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	if req := message.GetProtocolMessage().GetPeerDataOperationRequestMessage().GetHistorySyncOnDemandRequest(); req != nil {
		if evt := c.historyAnswer(req); evt != nil {
			c.Emit(evt)
		}
	}
	return whatsmeow.SendResponse{ID: id, Timestamp: ts, Sender: pn}, nil
}

// AddHistory gives the account's phone older messages of chat (built with
// WebMessage): a history request for chat is answered with those older
// than the request's anchor, newest first, as many as asked for.
func (c *Conn) AddHistory(chat types.JID, msgs ...*waWeb.WebMessageInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.history == nil {
		c.history = map[types.JID][]*waWeb.WebMessageInfo{}
	}
	c.history[chat] = append(c.history[chat], msgs...)
}

// historyAnswer is the phone's answer to an on-demand history request: the
// messages of the chat sent before the anchor. Like the phone, it reads
// OldestMsgTimestampMS as seconds, despite its name.
func (c *Conn) historyAnswer(req *waE2E.PeerDataOperationRequestMessage_HistorySyncOnDemandRequest) *events.HistorySync {
	chat, err := types.ParseJID(req.GetChatJID())
	if err != nil {
		return nil
	}
	before := uint64(req.GetOldestMsgTimestampMS())
	c.mu.Lock()
	var older []*waWeb.WebMessageInfo
	for _, m := range c.history[chat] {
		if m.GetMessageTimestamp() < before && m.GetKey().GetID() != req.GetOldestMsgID() {
			older = append(older, m)
		}
	}
	c.mu.Unlock()
	sort.SliceStable(older, func(i, j int) bool { return older[i].GetMessageTimestamp() > older[j].GetMessageTimestamp() })
	if n := int(req.GetOnDemandMsgCount()); len(older) > n {
		older = older[:n]
	}
	return History(waHistorySync.HistorySync_ON_DEMAND, 100, HistoryConversation(chat, older...))
}

// Receipt plays the recipient of message id, sent by the account, sending
// a receipt of typ (types.ReceiptTypeDelivered, ReceiptTypeRead,
// ReceiptTypePlayed...): the account gets an *events.Receipt. In a group
// the receipt comes from one other member.
func (c *Conn) Receipt(id types.MessageID, typ types.ReceiptType) error {
	c.mu.Lock()
	i := slices.IndexFunc(c.sent, func(m SentMessage) bool { return m.ID == id && !m.Peer })
	var sent SentMessage
	if i >= 0 {
		sent = c.sent[i]
	}
	c.mu.Unlock()
	if i < 0 {
		return fmt.Errorf("watest: receipt: the account sent no message %s", id)
	}
	from := sent.To
	f := c.fake
	f.mu.Lock()
	if g, ok := f.groups[sent.To]; ok {
		from = types.EmptyJID
		pn, lid := c.self()
		for _, p := range g.members {
			if p.JID != pn && p.JID != lid {
				from = p.JID
				break
			}
		}
	}
	ts := f.now()
	f.mu.Unlock()
	if from.IsEmpty() {
		return fmt.Errorf("watest: receipt: group %s has no other member", sent.To)
	}
	c.Emit(Receipt(sent.To, from, typ, ts, false, id))
	return nil
}

// MarkRead records the receipt (see Reads) and, when the messages' author
// is an account of the Fake, delivers it there as an *events.Receipt.
// Like whatsmeow, it refuses an empty id list.
func (c *Conn) MarkRead(_ context.Context, ids []types.MessageID, timestamp time.Time, chat, sender types.JID, receiptTypeExtra ...types.ReceiptType) error {
	if err := c.online("MarkRead"); err != nil {
		return err
	}
	switch {
	case len(ids) == 0:
		return errors.New("no message IDs specified")
	case len(receiptTypeExtra) > 1:
		return errors.New("watest: more than one receipt type (whatsmeow panics on it)")
	}
	typ := types.ReceiptTypeRead
	if len(receiptTypeExtra) == 1 {
		typ = receiptTypeExtra[0]
	}
	author := sender
	if chat.Server != types.GroupServer {
		author = chat
	}
	c.mu.Lock()
	c.reads = append(c.reads, SentRead{Chat: chat, Sender: sender, IDs: slices.Clone(ids), Type: typ})
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	pn, _ := c.self()
	f := c.fake
	f.mu.Lock()
	var to *Conn
	for _, o := range f.conns {
		opn, olid := o.self()
		if o != c && !opn.IsEmpty() && (opn == author.ToNonAD() || olid == author.ToNonAD()) {
			to = o
		}
	}
	f.mu.Unlock()
	if to != nil {
		receiptChat := chat
		if chat.Server != types.GroupServer {
			receiptChat = pn
		}
		to.Emit(Receipt(receiptChat, pn, typ, timestamp.UTC().Truncate(time.Second), false, ids...))
	}
	return nil
}

// ExpireMedia makes the file uploaded under directPath (see
// Conn.Uploads) unavailable, as WhatsApp's servers do after some weeks:
// Download then fails with 404 until a media retry makes the phone upload
// it again.
func (f *Fake) ExpireMedia(directPath string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m := f.media[directPath]; m != nil {
		m.expired = true
	}
}

// Download serves files uploaded through the Fake (by any account), by
// their direct path, checking the media key as decryption would. Unknown
// or expired files fail with whatsmeow's 404 error.
func (c *Conn) Download(_ context.Context, msg whatsmeow.DownloadableMessage) ([]byte, error) {
	if err := c.online("Download"); err != nil {
		return nil, err
	}
	if msg == nil || msg.GetDirectPath() == "" {
		return nil, whatsmeow.ErrNoURLPresent
	}
	f := c.fake
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.media[msg.GetDirectPath()]
	switch {
	case m == nil || m.expired:
		return nil, whatsmeow.ErrMediaDownloadFailedWith404
	case !bytes.Equal(m.key, msg.GetMediaKey()):
		return nil, whatsmeow.ErrInvalidMediaHMAC
	}
	return slices.Clone(m.data), nil
}

// SendMediaRetryReceipt plays the phone answering a media retry request:
// a file the Fake knows (by its media key) is uploaded again under a new
// direct path, and the account gets an *events.MediaRetry, encrypted as
// WhatsApp does, naming it; for an unknown file the answer is "not on the
// phone" (error code 2). The answer comes from another goroutine, as from
// the phone.
func (c *Conn) SendMediaRetryReceipt(_ context.Context, message *types.MessageInfo, mediaKey []byte) error {
	if err := c.online("SendMediaRetryReceipt"); err != nil {
		return err
	}
	c.mu.Lock()
	c.retries = append(c.retries, *message)
	c.mu.Unlock()
	f := c.fake
	f.mu.Lock()
	var found *mediaFile
	for _, m := range f.media {
		if bytes.Equal(m.key, mediaKey) {
			found = m
			break
		}
	}
	var newPath string
	if found != nil {
		n := f.next()
		newPath = "/v/t62.7118-24/" + strconv.Itoa(n) + "_watest_retry.enc?ccb=11-4"
		f.media[newPath] = &mediaFile{data: found.data, key: found.key, typ: found.typ}
	}
	ts := f.now()
	f.mu.Unlock()
	evt := &events.MediaRetry{Timestamp: ts, MessageID: message.ID, ChatID: message.Chat, SenderID: message.Sender, FromMe: message.IsFromMe}
	if found == nil {
		evt.Error = &events.MediaRetryError{Code: 2}
	} else {
		plain, err := proto.Marshal(&waMmsRetry.MediaRetryNotification{
			StanzaID: proto.String(message.ID), DirectPath: proto.String(newPath),
			Result: waMmsRetry.MediaRetryNotification_SUCCESS.Enum(),
		})
		if err != nil {
			return err
		}
		iv := make([]byte, 12)
		_, _ = rand.Read(iv)
		key := hkdfutil.SHA256(mediaKey, nil, []byte("WhatsApp Media Retry Notification"), 32)
		if evt.Ciphertext, err = gcmutil.Encrypt(key, iv, plain, []byte(message.ID)); err != nil {
			return err
		}
		evt.IV = iv
	}
	c.emitAsync(evt)
	return nil
}

// MediaRetries returns the messages whose media the account asked the
// phone to upload again (SendMediaRetryReceipt), as it named them.
func (c *Conn) MediaRetries() []types.MessageInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.retries)
}

// SetProfilePicture gives jid (a person or group) a profile picture at url;
// an empty url removes it.
func (f *Fake) SetProfilePicture(jid types.JID, url string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if url == "" {
		delete(f.pictures, jid.ToNonAD())
	} else {
		f.pictures[jid.ToNonAD()] = url
	}
}

// GetProfilePictureInfo answers from SetProfilePicture; without a picture
// it fails with whatsmeow.ErrProfilePictureNotSet.
func (c *Conn) GetProfilePictureInfo(_ context.Context, jid types.JID, params *whatsmeow.GetProfilePictureParams) (*types.ProfilePictureInfo, error) {
	if err := c.online("GetProfilePictureInfo"); err != nil {
		return nil, err
	}
	c.fake.mu.Lock()
	url, ok := c.fake.pictures[jid.ToNonAD()]
	c.fake.mu.Unlock()
	if !ok {
		return nil, whatsmeow.ErrProfilePictureNotSet
	}
	typ := "image"
	if params != nil && params.Preview {
		typ = "preview"
	}
	return &types.ProfilePictureInfo{URL: url, ID: "1", Type: typ, DirectPath: "/pp/" + jid.User}, nil
}

// EditLabel plays the phone creating, renaming (same id) or, with deleted,
// deleting a WhatsApp label (a Business app feature): the account gets an
// *events.LabelEdit (see PhoneAppState).
func (c *Conn) EditLabel(id, name string, deleted bool) {
	_ = c.PhoneAppState(appstate.BuildLabelEdit(id, name, 0, deleted))
}

// LabelChat plays the phone putting label id on chat (or, with labeled
// false, taking it off): the account gets an *events.LabelAssociationChat
// (see PhoneAppState).
func (c *Conn) LabelChat(chat types.JID, id string, labeled bool) {
	_ = c.PhoneAppState(appstate.BuildLabelChat(chat, id, labeled))
}
