// Package wa is wauser's seam over go.mau.fi/whatsmeow.
//
// Client is the narrow set of network operations wauser calls on a
// *whatsmeow.Client; *whatsmeow.Client satisfies all of it but
// SendPeerMessage, which NewWhatsmeow's adapter adds (checked at compile time),
// the tests replace it with the gomock mock in internal/mocks, and package
// watest implements it as a fake WhatsApp. Local holds the operations that
// need no network (message builders, history parsing, decryption with stored
// secrets); it is always a real *whatsmeow.Client on the same device, so
// tests exercise whatsmeow's own builders.
package wa

//go:generate go tool mockgen -source=client.go -destination=../mocks/wa.go -package=mocks

import (
	"context"
	"net/http"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waCompanionReg"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
)

// Client is the part of *whatsmeow.Client that talks to WhatsApp.
type Client interface {
	// Connection and session.
	ConnectContext(ctx context.Context) error
	Disconnect()
	Logout(ctx context.Context) error
	IsConnected() bool
	IsLoggedIn() bool
	PairPhone(ctx context.Context, phone string, showPushNotification bool, clientType whatsmeow.PairClientType, clientDisplayName string) (string, error)
	AddEventHandlerWithSuccessStatus(handler whatsmeow.EventHandlerWithSuccessStatus) uint32
	RemoveEventHandler(id uint32) bool
	SendPresence(ctx context.Context, state types.Presence) error
	FetchAppState(ctx context.Context, name appstate.WAPatchName, fullSync, onlyIfNotSynced bool) error
	SendAppState(ctx context.Context, patch appstate.PatchInfo) error
	GetStatusPrivacy(ctx context.Context) ([]types.StatusPrivacy, error)
	TryFetchPrivacySettings(ctx context.Context, ignoreCache bool) (*types.PrivacySettings, error)

	// Messages and media.
	SendMessage(ctx context.Context, to types.JID, message *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error)
	// SendPeerMessage sends a protocol message (an on-demand history
	// request) to the account's own phone at to, its phone-number JID, as a
	// peer message. Unlike SendMessage with SendRequestExtra.Peer, it never
	// rewrites to to the account's LID (whatsmeow-mapping section 7).
	SendPeerMessage(ctx context.Context, to types.JID, message *waE2E.Message) (whatsmeow.SendResponse, error)
	Upload(ctx context.Context, plaintext []byte, appInfo whatsmeow.MediaType) (whatsmeow.UploadResponse, error)
	Download(ctx context.Context, msg whatsmeow.DownloadableMessage) ([]byte, error)
	SendMediaRetryReceipt(ctx context.Context, message *types.MessageInfo, mediaKey []byte) error
	MarkRead(ctx context.Context, ids []types.MessageID, timestamp time.Time, chat, sender types.JID, receiptTypeExtra ...types.ReceiptType) error
	SendChatPresence(ctx context.Context, jid types.JID, state types.ChatPresence, media types.ChatPresenceMedia) error
	SetDisappearingTimer(ctx context.Context, chat types.JID, timer time.Duration, settingTS time.Time) error

	// Groups.
	GetJoinedGroups(ctx context.Context) ([]*types.GroupInfo, error)
	CreateGroup(ctx context.Context, req whatsmeow.ReqCreateGroup) (*types.GroupInfo, error)
	GetGroupInfo(ctx context.Context, jid types.JID) (*types.GroupInfo, error)
	SetGroupName(ctx context.Context, jid types.JID, name string) error
	SetGroupTopic(ctx context.Context, jid types.JID, previousID, newID, topic string) error
	SetGroupPhoto(ctx context.Context, jid types.JID, avatar []byte) (string, error)
	SetGroupLocked(ctx context.Context, jid types.JID, locked bool) error
	SetGroupAnnounce(ctx context.Context, jid types.JID, announce bool) error
	SetGroupJoinApprovalMode(ctx context.Context, jid types.JID, mode bool) error
	UpdateGroupParticipants(ctx context.Context, jid types.JID, participantChanges []types.JID, action whatsmeow.ParticipantChange) ([]types.GroupParticipant, error)
	GetGroupRequestParticipants(ctx context.Context, jid types.JID) ([]types.GroupParticipantRequest, error)
	UpdateGroupRequestParticipants(ctx context.Context, jid types.JID, participantChanges []types.JID, action whatsmeow.ParticipantRequestChange) ([]types.GroupParticipant, error)
	GetGroupInviteLink(ctx context.Context, jid types.JID, reset bool) (string, error)
	GetGroupInfoFromLink(ctx context.Context, code string) (*types.GroupInfo, error)
	JoinGroupWithLink(ctx context.Context, code string) (types.JID, error)
	LeaveGroup(ctx context.Context, jid types.JID) error

	// Contacts.
	IsOnWhatsApp(ctx context.Context, phones []string) ([]types.IsOnWhatsAppResponse, error)
	GetUserInfo(ctx context.Context, jids []types.JID) (map[types.JID]types.UserInfo, error)
	GetProfilePictureInfo(ctx context.Context, jid types.JID, params *whatsmeow.GetProfilePictureParams) (*types.ProfilePictureInfo, error)

	// Newsletters.
	GetSubscribedNewsletters(ctx context.Context) ([]*types.NewsletterMetadata, error)
	FollowNewsletter(ctx context.Context, jid types.JID) error
	UnfollowNewsletter(ctx context.Context, jid types.JID) error
	GetNewsletterInfo(ctx context.Context, jid types.JID) (*types.NewsletterMetadata, error)
	GetNewsletterInfoWithInvite(ctx context.Context, key string) (*types.NewsletterMetadata, error)

	// Profile, privacy, presence and calls.
	SetStatusMessage(ctx context.Context, msg string) error
	SetPrivacySetting(ctx context.Context, name types.PrivacySettingType, value types.PrivacySetting) (types.PrivacySettings, error)
	SetDefaultDisappearingTimer(ctx context.Context, timer time.Duration) error
	GetBlocklist(ctx context.Context) (*types.Blocklist, error)
	UpdateBlocklist(ctx context.Context, jid types.JID, action events.BlocklistChangeAction) (*types.Blocklist, error)
	GetBusinessProfile(ctx context.Context, jid types.JID) (*types.BusinessProfile, error)
	GetContactQRLink(ctx context.Context, revoke bool) (string, error)
	ResolveContactQRLink(ctx context.Context, code string) (*types.ContactQRLinkTarget, error)
	ResolveBusinessMessageLink(ctx context.Context, code string) (*types.BusinessMessageLinkTarget, error)
	SubscribePresence(ctx context.Context, jid types.JID) error
	RejectCall(ctx context.Context, callFrom types.JID, callID string) error

	// Groups, communities, channels and status: operations
	// *whatsmeow.Client offers as they are, but UpdateNewsletter, which
	// the adapter adds.
	SetGroupMemberAddMode(ctx context.Context, jid types.JID, mode types.GroupMemberAddMode) error
	SetGroupDescription(ctx context.Context, jid types.JID, description string) error
	LinkGroup(ctx context.Context, parent, child types.JID) error
	UnlinkGroup(ctx context.Context, parent, child types.JID) error
	GetSubGroups(ctx context.Context, community types.JID) ([]*types.GroupLinkTarget, error)
	GetLinkedGroupsParticipants(ctx context.Context, community types.JID) ([]types.JID, error)
	CreateNewsletter(ctx context.Context, params whatsmeow.CreateNewsletterParams) (*types.NewsletterMetadata, error)
	// UpdateNewsletter changes a channel's name, description or picture
	// (fields left nil stay); an empty picture removes it.
	UpdateNewsletter(ctx context.Context, jid types.JID, update NewsletterUpdate) (*types.NewsletterMetadata, error)
	UploadNewsletter(ctx context.Context, data []byte, appInfo whatsmeow.MediaType) (whatsmeow.UploadResponse, error)
	NewsletterSendReaction(ctx context.Context, jid types.JID, serverID types.MessageServerID, reaction string, messageID types.MessageID) error
	NewsletterToggleMute(ctx context.Context, jid types.JID, mute bool) error
	NewsletterMarkViewed(ctx context.Context, jid types.JID, serverIDs []types.MessageServerID) error
	GetNewsletterMessages(ctx context.Context, jid types.JID, params *whatsmeow.GetNewsletterMessagesParams) ([]*types.NewsletterMessage, error)
	GetNewsletterMessageUpdates(ctx context.Context, jid types.JID, params *whatsmeow.GetNewsletterUpdatesParams) ([]*types.NewsletterMessage, error)
	NewsletterSubscribeLiveUpdates(ctx context.Context, jid types.JID) (time.Duration, error)
	AcceptTOSNotice(ctx context.Context, noticeID, stage string) error

	// WhatsApp's AI bots.
	GetBotListV2(ctx context.Context) ([]types.BotListInfo, error)
	GetBotProfiles(ctx context.Context, botInfo []types.BotListInfo) ([]types.BotProfileInfo, error)

	// The client's identity on WhatsApp. whatsmeow keeps these process-wide
	// (see process.go); fakes keep them per connection.

	// LatestVersion fetches the WhatsApp Web version WhatsApp serves now.
	LatestVersion(ctx context.Context) (store.WAVersionContainer, error)
	// Version returns the WhatsApp Web version the client announces when
	// it connects.
	Version() store.WAVersionContainer
	// SetVersion makes the next connections announce v.
	SetVersion(v store.WAVersionContainer)
	// SetDeviceProps sets the name and platform the phone lists the device
	// under once it is linked; it must be set before pairing.
	SetDeviceProps(name string, platform waCompanionReg.DeviceProps_PlatformType)
}

// Local is the part of *whatsmeow.Client that needs no network: builders,
// history parsing and decryption with secrets kept in the device store.
type Local interface {
	GenerateMessageID() types.MessageID
	BuildMessageKey(chat, sender types.JID, id types.MessageID) *waCommon.MessageKey
	BuildPollCreation(name string, optionNames []string, selectableOptionCount int) *waE2E.Message
	BuildReaction(chat, sender types.JID, id types.MessageID, reaction string) *waE2E.Message
	BuildEdit(chat types.JID, id types.MessageID, newContent *waE2E.Message) *waE2E.Message
	BuildRevoke(chat, sender types.JID, id types.MessageID) *waE2E.Message
	BuildPollVote(ctx context.Context, pollInfo *types.MessageInfo, optionNames []string) (*waE2E.Message, error)
	BuildHistorySyncRequest(lastKnownMessageInfo *types.MessageInfo, count int) *waE2E.Message
	BuildUnavailableMessageRequest(chat, sender types.JID, id string) *waE2E.Message
	ParseWebMessage(chatJID types.JID, webMsg *waWeb.WebMessageInfo) (*events.Message, error)
	DecryptPollVote(ctx context.Context, vote *events.Message) (*waE2E.PollVoteMessage, error)
	DecryptReaction(ctx context.Context, reaction *events.Message) (*waE2E.ReactionMessage, error)
	DecryptSecretEncryptedMessage(ctx context.Context, evt *events.Message) (*waE2E.Message, error)
}

var (
	_ Client = whatsmeowClient{}
	_ Local  = (*whatsmeow.Client)(nil)
	_ Local  = whatsmeowClient{}
)

// whatsmeowClient is a *whatsmeow.Client with the operations wauser needs
// that whatsmeow lacks or gets wrong in the pinned version.
type whatsmeowClient struct{ *whatsmeow.Client }

// Whatsmeow returns the wrapped client.
func (c whatsmeowClient) Whatsmeow() *whatsmeow.Client { return c.Client }

// ConnectContext connects, reading whatsmeow's process-wide client payload
// (version, device props) only while no other goroutine changes it.
func (c whatsmeowClient) ConnectContext(ctx context.Context) error {
	payloadMu.RLock()
	defer payloadMu.RUnlock()
	return c.Client.ConnectContext(ctx)
}

// LatestVersion fetches the WhatsApp Web version from web.whatsapp.com.
func (c whatsmeowClient) LatestVersion(ctx context.Context) (store.WAVersionContainer, error) {
	v, err := whatsmeow.GetLatestVersion(ctx, &http.Client{Timeout: versionTimeout})
	if err != nil {
		return store.WAVersionContainer{}, err
	}
	return *v, nil
}

// Version returns the version whatsmeow announces.
func (whatsmeowClient) Version() store.WAVersionContainer { return currentVersion() }

// SetVersion makes whatsmeow announce v, process-wide.
func (whatsmeowClient) SetVersion(v store.WAVersionContainer) { setVersion(v) }

// SetDeviceProps sets whatsmeow's device props, process-wide.
func (whatsmeowClient) SetDeviceProps(name string, platform waCompanionReg.DeviceProps_PlatformType) {
	setDeviceProps(name, platform)
}

// SendPeerMessage sends message to the account's own devices at to. While
// the store has no LID migration timestamp, SendMessage with Peer keeps the
// phone-number target and waits for the server's ack. Otherwise SendMessage
// would rewrite the target to the account's LID, which the phone ignores
// for history requests (fixed upstream after the pinned version), so the
// message goes through whatsmeow's internal peer sender, which does not
// wait for an ack.
func (c whatsmeowClient) SendPeerMessage(ctx context.Context, to types.JID, message *waE2E.Message) (whatsmeow.SendResponse, error) {
	if c.Store.LIDMigrationTimestamp == 0 {
		return c.SendMessage(ctx, to, message, whatsmeow.SendRequestExtra{Peer: true})
	}
	if !c.IsLoggedIn() {
		return whatsmeow.SendResponse{}, whatsmeow.ErrNotLoggedIn
	}
	id := c.GenerateMessageID()
	//lint:ignore SA1019 the only way to keep the peer target; see above.
	if _, err := c.DangerousInternals().SendPeerMessage(ctx, to, id, message, &whatsmeow.MessageDebugTimings{}); err != nil {
		return whatsmeow.SendResponse{}, err
	}
	return whatsmeow.SendResponse{ID: id, Timestamp: time.Now(), Sender: to}, nil
}
