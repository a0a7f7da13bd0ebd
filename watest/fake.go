// Package watest is a fake WhatsApp for tests: of wauser itself, and of
// programs and bots built on it. It needs no phone and no network.
//
// A Fake plugs into a wauser.Client in place of WhatsApp's servers
// (wauser.New(st, fake.Option())). For every account the Client connects,
// the Fake makes a Conn that behaves like whatsmeow's client and emits
// whatsmeow's own event types: connecting an unpaired account shows QR
// codes, Conn.Scan plays the phone that scans one, and Conn.LogOut,
// Conn.ReplaceStream and Conn.Drop play WhatsApp ending the session.
//
//	fake := watest.New()
//	c, _ := wauser.New(st, fake.Option())
//	c.Start(ctx)
//	c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "bot"})
//	c.PairQR(ctx)                       // the fake shows QR codes
//	conn, _ := fake.WaitConn(ctx, "bot")
//	conn.Scan(watest.Phone{JID: types.NewJID("15551234567", types.DefaultUserServer)})
//
// Beyond pairing, the Fake keeps a small WhatsApp in memory, shared by every
// account: groups with their participants, admins, join requests and invite
// links; channels (Fake.AddNewsletter); the numbers that are on WhatsApp
// (Fake.Register; paired accounts always are); media uploads, whose bytes it
// keeps (Conn.Uploads) and serves to Download; chat presences and app state
// patches sent (Conn.Presences, Conn.AppStatePatches).
//
// Messages: SendMessage records what was sent (Conn.Sent, Conn.WaitSent),
// answers with the message id and the server's time, and delivers the
// message as *events.Message to the fake's other accounts it was sent to
// (the person, or a group's other members). Receipts come on request:
// Conn.Receipt plays the recipient, and MarkRead of one account reaches the
// account that sent the messages. Fake.ExpireMedia makes a file expire on
// the servers; a media retry (SendMediaRetryReceipt) then has the phone
// upload it again and answer with *events.MediaRetry. History requests
// (SendPeerMessage to the account's phone-number JID) are answered with an
// ON_DEMAND history sync of the messages given to Conn.AddHistory.
// Fake.SetProfilePicture sets what GetProfilePictureInfo answers.
// Message secrets (of polls) are kept on the sender's and the recipients'
// devices, as whatsmeow keeps them, so accounts vote in each other's polls.
// Status updates (to status@broadcast) reach the accounts in the sender's
// status audience: the allow list of its status privacy
// (Fake.SetStatusPrivacy), or the contacts in its device store (but those
// on the deny list).
//
// Communities: CreateGroup with IsParent also makes the announcement group;
// LinkGroup, UnlinkGroup, GetSubGroups and GetLinkedGroupsParticipants act
// on them. Channels an account creates (CreateNewsletter) are its own to
// update and post to: posts are numbered from 100 (their server id), media
// must come from UploadNewsletter (kept unencrypted), followers receive the
// posts as messages, and views, reactions and mutes are kept per account
// (Fake.NewsletterPosts).
//
// App state: the Fake keeps each account's app state as WhatsApp does, per
// collection, from the patches the account sends (SendAppState) and those
// its phone makes (Conn.PhoneAppState; Conn.EditLabel and Conn.LabelChat
// play WhatsApp Business labels), and a full FetchAppState delivers a
// collection's whole state again.
//
// History arrives as WhatsApp sends it to wauser: the phone uploads a
// zlib-compressed blob to the media servers (Fake.UploadHistory) and
// announces it with a message carrying a HistorySyncNotification
// (HistorySyncMessage); the Client downloads the blob with Download and
// stores it from its sync queue. Conn.Emit of an *events.HistorySync and
// Conn.EmitHistoryBlob do all of that.
//
// Simulated people (Fake.AddPeer) are numbers on WhatsApp that are not
// accounts: a Peer writes texts and pictures, reacts, edits, deletes and
// sends receipts in a direct chat with an account (Peer.Direct) or in a
// group (Peer.CreateGroup, Peer.Group), and hears what accounts send it
// (Peer.OnMessage), so a bot can be tested in conversation. NewDemo plays
// a scripted conversation with three of them on a wauser.Clock: the one
// examples/server -demo shows.
//
// The connection as WhatsApp serves it: Conn.StallKeepAlives plays a socket
// that stays open while the server stops answering; Fake.SetWebVersion
// makes the server refuse clients announcing an older WhatsApp Web version
// (405); Fake.RefuseConnections answers connection attempts with a
// <failure>; Conn.SetPushName plays the phone syncing the profile name.
// Groups may be LID-addressed (GroupSpec.LIDAddressed, Fake.SetLID), as
// WhatsApp addresses more and more of them; SendPresence, media retries and
// the device props set before pairing are recorded (Conn.PresenceUpdates,
// Conn.MediaRetries, Conn.DeviceProps). VoiceNote makes Ogg Opus voice
// notes.
//
// Conn.Emit delivers any whatsmeow event as WhatsApp would. Builders make
// the common ones from real protos (Text, Edit, Revoke, Reaction, Receipt,
// History, ...), SyntheticHistory makes a history sync of any size for
// load tests, and HistoryBlob builds a large blob one conversation at a
// time.
//
// It answers like WhatsApp does,
// with whatsmeow's errors, and emits the events a real server causes
// (*events.JoinedGroup and *events.GroupInfo to the accounts in a group,
// *events.Archive, *events.Pin... after an app state patch). Status codes
// for per-participant failures are plausible, not verified against
// WhatsApp: 404 for a number that is not on WhatsApp or not in the group,
// 409 for one already in it, 403 with an invite code for one whose privacy
// settings need an invite (Fake.RequireInvite).
//
// Operations the Fake does not emulate return an error matching
// ErrNotEmulated, never a made-up answer.
package watest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/wa"
)

// ErrNotEmulated is returned by WhatsApp operations the Fake does not
// emulate.
var ErrNotEmulated = errors.New("watest: operation not emulated by the fake")

// Fake is a fake WhatsApp shared by every account of a Client. It is safe
// for concurrent use.
type Fake struct {
	mu            sync.Mutex
	conns         map[string]*Conn
	changed       chan struct{}
	offline       error
	phoneCode     string
	statusPrivacy []types.StatusPrivacy
	qrSerial      int
	wg            sync.WaitGroup
	onConnection  func(account string, connected bool)

	clock       wauser.Clock
	serial      int                           // ids of groups, invites, pictures, media
	registered  map[string]bool               // phone digits on WhatsApp
	inviteOnly  map[string]bool               // phone digits whose privacy needs an invite
	groups      map[types.JID]*group          // by group JID
	revoked     map[string]bool               // revoked group invite codes
	newsletters map[types.JID]*newsletter     // by channel JID
	following   map[string]map[types.JID]bool // account -> channels it follows
	media       map[string]*mediaFile         // uploaded files by direct path
	pictures    map[types.JID]string          // profile picture URLs (SetProfilePicture)
	appState    map[string]appStateOf         // by account: app state as WhatsApp keeps it
	peers       map[string]*Peer              // simulated users by phone digits (AddPeer)
	lids        map[types.JID]types.JID       // phone number -> LID of people who are not accounts (SetLID)
	profiles    profiles                      // about texts, privacy, blocklists, links, presences, calls (profile.go)

	webVersion    store.WAVersionContainer // the WhatsApp Web version WhatsApp serves (SetWebVersion)
	clientVersion store.WAVersionContainer // the version the Client announces (wa.Client.SetVersion)
	versionErr    error                    // what fetching the web version fails with
	refusal       *events.ConnectFailure   // what every connection attempt is refused with (RefuseConnections)
	more          *extras                  // channel updates, notices and bots (channels_live.go)
}

// New returns a Fake that is online, answers phone pairing with the code
// "WAUS-ER01" and has the default status privacy (contacts).
func New() *Fake {
	return &Fake{
		conns:         map[string]*Conn{},
		changed:       make(chan struct{}),
		phoneCode:     "WAUS-ER01",
		statusPrivacy: []types.StatusPrivacy{{Type: types.StatusPrivacyTypeContacts, IsDefault: true}},
		registered:    map[string]bool{},
		inviteOnly:    map[string]bool{},
		groups:        map[types.JID]*group{},
		revoked:       map[string]bool{},
		newsletters:   map[types.JID]*newsletter{},
		following:     map[string]map[types.JID]bool{},
		media:         map[string]*mediaFile{},
		pictures:      map[types.JID]string{},
		peers:         map[string]*Peer{},
		webVersion:    store.GetWAVersion(),
		clientVersion: store.GetWAVersion(),
	}
}

// SetClock makes the Fake take the time of group creations, changes and
// events from clk (such as the Clock given to the Client) instead of the
// wall clock.
func (f *Fake) SetClock(clk wauser.Clock) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock = clk
}

// now returns the Fake's time; f.mu is held.
func (f *Fake) now() time.Time {
	if f.clock != nil {
		return f.clock.Now().UTC().Truncate(time.Second)
	}
	return time.Now().UTC().Truncate(time.Second)
}

// Register puts phone numbers on WhatsApp: IsOnWhatsApp finds them and
// groups accept them. Give them in E.164 ("+15551234567"), as digits or as
// phone JIDs. The phones of paired accounts are always registered.
func (f *Fake) Register(phones ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range phones {
		f.registered[digits(p)] = true
	}
}

// RequireInvite registers phone numbers (see Register) whose privacy
// settings do not let others add them to groups: adding one answers 403
// with an invite code, as WhatsApp does.
func (f *Fake) RequireInvite(phones ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range phones {
		f.registered[digits(p)] = true
		f.inviteOnly[digits(p)] = true
	}
}

// digits returns the digits of the user part of a phone number or JID.
func digits(s string) string {
	user, _, _ := strings.Cut(s, "@")
	user, _, _ = strings.Cut(user, ":")
	var b strings.Builder
	for _, r := range user {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isRegistered reports whether jid is on WhatsApp; f.mu is held.
func (f *Fake) isRegistered(jid types.JID) bool {
	switch jid.Server {
	case types.HiddenUserServer:
		return true
	case types.DefaultUserServer:
		if f.registered[jid.User] {
			return true
		}
		for _, c := range f.conns {
			if c.dev.ID != nil && c.dev.ID.User == jid.User {
				return true
			}
		}
	}
	return false
}

// next returns a fresh serial number; f.mu is held.
func (f *Fake) next() int {
	f.serial++
	return f.serial
}

// Option plugs the Fake into a wauser.Client.
func (f *Fake) Option() wauser.Option { return wauser.WithWhatsApp(f.factory) }

func (f *Fake) factory(account string, dev *store.Device, _ waLog.Logger) wa.Client {
	c := &Conn{fake: f, account: account, dev: dev, changed: make(chan struct{})}
	f.mu.Lock()
	f.conns[account] = c
	close(f.changed)
	f.changed = make(chan struct{})
	f.mu.Unlock()
	return c
}

// OnConnection makes the Fake call fn whenever one of its connections
// opens (ConnectContext) or closes (Disconnect, Logout, or the Fake ending
// it: Drop, LogOut, ReplaceStream, Ban), with the account and whether it is
// connected now. fn runs synchronously, right after the change, in the
// goroutine that made it; it must not block or call the Conn. Tests of
// several processes sharing a database use it to see which process
// connects each account.
func (f *Fake) OnConnection(fn func(account string, connected bool)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onConnection = fn
}

// connectionChanged reports a connection that opened or closed.
func (f *Fake) connectionChanged(account string, connected bool) {
	f.mu.Lock()
	fn := f.onConnection
	f.mu.Unlock()
	if fn != nil {
		fn(account, connected)
	}
}

// Conn returns the latest connection the Client made for account, or nil.
func (f *Fake) Conn(account string) *Conn {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns[account]
}

// WaitConn waits until the Client made a connection for account.
func (f *Fake) WaitConn(ctx context.Context, account string) (*Conn, error) {
	for {
		f.mu.Lock()
		c, ch := f.conns[account], f.changed
		f.mu.Unlock()
		if c != nil {
			return c, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("watest: wait for connection of %q: %w", account, ctx.Err())
		case <-ch:
		}
	}
}

// SetOffline(true) makes every connection attempt fail as when the network
// is down (a dial error saying "network is unreachable"); SetOffline(false)
// brings the Fake back online.
func (f *Fake) SetOffline(offline bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if offline {
		f.offline = &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: network is unreachable")}
	} else {
		f.offline = nil
	}
}

// SetWebVersion sets the version of WhatsApp Web that WhatsApp serves
// (what whatsmeow.GetLatestVersion would find on web.whatsapp.com). Like
// WhatsApp, the Fake then refuses connections of a client announcing an
// older version with 405 "client outdated" (*events.ClientOutdated). A
// new Fake serves the version built into whatsmeow, which is also what
// its clients announce until they set another. With err set, fetching the
// version fails with err instead.
func (f *Fake) SetWebVersion(v store.WAVersionContainer, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !v.IsZero() {
		f.webVersion = v
	}
	f.versionErr = err
}

// ClientVersion returns the WhatsApp Web version the Client announces
// when it connects.
func (f *Fake) ClientVersion() store.WAVersionContainer {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clientVersion
}

// RefuseConnections makes WhatsApp refuse every connection attempt of a
// paired account from now on with a <failure> of reason and message, as
// it does for a client it will not serve: the socket opens, then whatsmeow
// gets the failure. Reasons whatsmeow retries (500, 503) close the socket
// with *events.Disconnected; reasons it treats as final (400, 409, 415,
// 418, 501 and any other it has no event for) give *events.ConnectFailure
// and no reconnect. A reason of 0 lets connections through again.
func (f *Fake) RefuseConnections(reason events.ConnectFailureReason, message string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if reason == 0 {
		f.refusal = nil
		return
	}
	f.refusal = &events.ConnectFailure{Reason: reason, Message: message}
}

// SetPhoneCode sets the code PairPhone answers with.
func (f *Fake) SetPhoneCode(code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.phoneCode = code
}

// SetStatusPrivacy sets what GetStatusPrivacy answers.
func (f *Fake) SetStatusPrivacy(p []types.StatusPrivacy) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statusPrivacy = p
}

// Close waits for the events the Fake is still dispatching in the
// background. Call it after closing the Client.
func (f *Fake) Close() { f.wg.Wait() }

func (f *Fake) nextQRCodes(account string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	codes := make([]string, 6)
	for i := range codes {
		f.qrSerial++
		codes[i] = fmt.Sprintf("2@watest/%s/%d,noise,identity,adv", account, f.qrSerial)
	}
	return codes
}
