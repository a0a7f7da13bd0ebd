// Package wauser makes a linked WhatsApp device a durable, queryable,
// scriptable account.
//
// A [Client] holds any number of accounts, each a device linked to a phone
// through go.mau.fi/whatsmeow, and keeps them connected. Everything
// WhatsApp sends is stored in a SQL database, SQLite by default or
// PostgreSQL, together with whatsmeow's own device keys.
//
// # Quick start
//
//	c, err := wauser.Open(ctx, sqlite.File("wauser.db")) // or postgres.DSN("postgres://...")
//	if err != nil { ... }
//	defer c.Close()
//	if err := c.Start(ctx); err != nil { ... } // connects paired accounts
//	c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "sales"})
//	p, err := c.WithAccount("sales").PairQR(ctx) // show p.QR as a QR code
//
// The Client returned by [New] or [Open] is unbound: account-scoped methods
// act on the only account in the store, and return [ErrAccountRequired] when
// there are several. [Client.WithAccount] returns a cheap copy bound to one
// account.
//
// # Accounts and pairing
//
// An account starts unpaired. [Client.PairQR] connects and returns the first
// QR code; the code rotates (60 s, then 20 s each, six codes) until a phone
// scans it, and [Client.Status] or [Client.WaitStatus] read the current one.
// [Client.PairPhone] pairs by a code typed on the phone instead. The
// account's [AccountState] is an explicit state machine; after a lost
// connection the Client reconnects with exponential backoff, and it never
// reconnects by itself from the end states logged_out, stream_replaced,
// banned, outdated and failed ([Client.Refresh] resumes the last four).
// [Client.Logout] unlinks the device and deletes the account and its data;
// it works offline too.
//
// # Records and the change feed
//
// Everything WhatsApp sends lands in three record kinds: [Conversation],
// [Contact] and [Message] (the WhatsApp Use sync API's fields). whatsmeow's event handler
// is registered with AddEventHandlerWithSuccessStatus, with SynchronousAck
// and the decrypted-event buffer on: an event is acknowledged to WhatsApp
// only after its rows and its outbox events committed in one transaction,
// and redelivered otherwise. Applying an event twice changes nothing.
// Edits set EditedAt and the new body; a revoke or delete-for-me leaves a
// tombstone (DeletedAt set, body and media cleared, status deleted);
// reactions keep one emoji per sender (an older redelivered reaction does not
// undo a newer one); receipts only move a status forward; poll votes are
// decrypted and kept in the poll's Extra; history syncs are stored in
// batches through the same path, with history.sync and history.sync_complete
// events instead of one event per message.
//
// # Identity and merges
//
// WhatsApp addresses a person by phone number (…@s.whatsapp.net) and by LID
// (…@lid), and may use either for the same chat, sender or group member.
// wauser keeps one contact per person holding both, one direct conversation
// per person, addressed by the phone number when known, and one participant
// per person in a group (listed by the phone number when known, with the
// highest role WhatsApp gave them).
//
// Records are keyed by the person, not by the form: a contact's id derives
// from the phone number when it is known, else from the LID; a direct
// conversation's from its person; a message's from its conversation, its
// sender and its WhatsApp id. When WhatsApp reveals that a LID and a phone
// number are one person (a message's alternate address, a group's member
// list, a history blob's mappings, whatsmeow's LID map), everything stored
// under the other form is re-keyed to what it would have been had the
// mapping been known from the start: the contact, the direct conversation,
// every message in it or sent by the person (two rows of one WhatsApp message
// become one), reactions and poll votes keyed by the person, and group
// memberships. The rows keyed the old way stay behind as markers: each
// appears once more in the change feed with MergedInto naming its
// successor, so a client that synced it can fold it. An edit, reaction,
// revoke or receipt addressed by either form finds its message, also when
// it arrives before the message or the mapping (it is kept on a placeholder
// until then).
//
// The merge rules make the final records a function of what WhatsApp sent,
// not of its order or repetition. A chat's and a person's settings
// (archived, pinned, muted, unread count, disappearing timer, subject and
// description, members; push name, business name, address-book name) keep
// the time of the statement that set them: the action's, the message's, or
// a history conversation's last activity. A later statement wins; a source
// that does not state a field (a history record without "archived") never
// clears it; merging two forms of one chat keeps, field by field, the more
// recent statement (on a tie, the larger value). Two rows of one message
// merge into the known content, the latest edit, the furthest status, each
// person's latest reaction and vote, and a tombstone if either was deleted.
// Two reactions, edits or votes of one sender stamped with the same
// millisecond keep the one that arrived last.
//
// History also carries the notices a chat shows (group created, participants
// added, removed, promoted or leaving, subject, description, icon and
// settings changed, disappearing messages turned on or off, a security code
// changed, missed calls, ...). They are stored as messages of content type
// system, with a readable body ("+15551234567 added +15557654321") and
// their structured form in Extra ("stub_type", "actor", "participants",
// "parameters"). A REVOKE notice is the deleted message itself: a
// tombstone. A record WhatsApp sends that cannot be stored (a JID that
// addresses no chat or person, ...) is skipped with a logged reason and
// counted in [Account.SkippedRecords] and in the history.sync event's
// "skipped"; the rest of its batch is stored.
//
// Every change of a record gives it the account's next seq. [Client.SyncPage]
// and [Client.Changes] return the records changed after a cursor, in seq
// order, each once in its latest state; seqs become visible in commit order
// (writers of an account serialize on its counter row, across processes on
// PostgreSQL), so a reader that pages with the returned cursor never misses
// a change. [Client.ListConversations], [Client.ListMessages] and
// [Client.ListContacts] browse the records with opaque cursors; their
// iterator forms [Client.Conversations], [Client.Messages] and
// [Client.Contacts] walk every page, fetching the next one when the loop
// needs it. Media keys are
// stored for downloading but never returned. Text that cannot be stored (NUL
// bytes, invalid UTF-8) is cleaned rather than refused.
//
// # Recipients
//
// Methods that take a person, group or chat accept the same strings:
// a phone number in E.164 with or without "+" ("+15551234567"), or a JID
// (…@s.whatsapp.net, …@lid, …@g.us, …@newsletter, status@broadcast).
// [ParseRecipient] is that parser, with the Business Server API's recipient_type
// deciding how a bare id is read. Malformed input returns
// [ErrInvalidArgument] before anything is sent to WhatsApp.
//
// # Groups, chats and channels
//
// [Client.CreateGroup], [Client.GetGroup], [Client.UpdateGroup],
// [Client.AddGroupMembers] and the other group methods follow document
// 003; changes of several people answer one [GroupParticipant] per person,
// whose Error is WhatsApp's status for that person (403 with an invite
// code: their privacy settings need an invite). WhatsApp cannot delete a
// group: [Client.DeleteGroup] removes the others (when the account is an
// admin), leaves, and deletes the chat. [Client.ArchiveChat],
// [Client.PinChat] and [Client.ClearChat] change the chat list on the phone
// and every linked device through WhatsApp's app state. Channels are
// [Newsletter] values: [Client.ListNewsletters], [Client.GetNewsletter] (by
// JID or invite link), [Client.FollowNewsletter]. The store learns about
// these changes from the events WhatsApp sends back, like about changes
// made on the phone.
//
// One setting at a time: [Client.SetGroupName], [Client.SetGroupDescription],
// [Client.SetGroupPhoto], [Client.SetGroupJoinApproval] and
// [Client.SetGroupMemberAddMode]. [Client.GetGroupInviteInfo] shows where an
// invite link (https://chat.whatsapp.com/…) leads, [Client.JoinGroupWithLink]
// joins (or, when the group requires approval, asks to), [Client.LeaveGroup]
// leaves. A community is a group holding groups: [Client.CreateCommunity]
// makes one (WhatsApp adds its announcement group, where only admins
// write), [Client.LinkGroup] and [Client.UnlinkGroup] move groups in and out,
// [Client.ListSubgroups] and [Client.ListCommunityParticipants] list them
// and their people.
//
// Channels the account runs: [Client.CreateNewsletter],
// [Client.UpdateNewsletter] (name, description, picture) and
// [Client.SendNewsletterMessage], which posts a text or a file; channel
// media is uploaded unencrypted, so it takes the file itself, not an
// [Client.UploadMedia] id. Posts are numbered by WhatsApp (their server id):
// [Client.ListNewsletterMessages] lists them with their views and reaction
// counts, [Client.ReactNewsletterMessage] and [Client.MarkNewsletterViewed]
// take server ids. [Client.MuteNewsletter] and [Client.GetNewsletterByInvite]
// serve followers too; [Client.ListNewsletterUpdates] lists the posts whose
// counts changed since a time, [Client.SubscribeNewsletterLiveUpdates] has
// WhatsApp push those changes for a while, and [Client.AcceptTOSNotice]
// accepts the terms WhatsApp asks for before channels are created.
// [Client.ListBots] lists WhatsApp's AI bots (with their profiles), whose
// JIDs take messages like a person's.
//
// # Polls and status updates
//
// A poll message's Extra["poll"] holds its question and options, each
// voter's latest choice ("votes") and the tally ("results": one {option,
// count, voters} per option, in order), recomputed whenever a vote
// arrives, in any order. Votes are encrypted with the poll's secret, which
// whatsmeow keeps for polls the account received or sent; [Client.VotePoll]
// votes (or, with no options, withdraws the vote), and the account's own
// votes count like anyone's; [Client.GetPollResults] returns the tally.
//
// Status updates (stories) live in the one conversation of kind "status"
// (status@broadcast): contacts' updates arrive there like messages, with
// message.received events and in the change feed. [Client.PostStatus] posts
// a text (background and text colour, font), an image, a video or a voice
// note, and [Client.DeleteStatus] deletes one for everyone. They reach the
// audience of the account's status privacy, as from WhatsApp's apps: its
// contacts, an allow list, or its contacts but a deny list
// ([Client.StatusPrivacy], [Client.StatusAudience]); the setting is changed
// on the phone, and a per-post audience is not offered.
//
// # Sending messages
//
// [Client.SendMessage] takes a [SendMessageRequest] with one content: text
// (with a link preview when PreviewURL is set), an image, video, audio or
// voice note, document or sticker ([MediaMessage]: an uploaded media id,
// bytes or a URL), a [Location], [ContactCard] values, a [Poll], a
// [Reaction], a [GroupInvite], an [Interactive] message, a [TemplateMessage],
// or a [ChatStatus] (read, played, typing, recording). [Client.SendText] is
// the short form. A [MessageContext] makes it a reply and mentions people
// ("@<number>" in a group's text mentions that number by itself).
//
// Every message is stored before it is sent, as pending, in the same
// transaction that emits its message.status event; then as sent, with
// WhatsApp's timestamp (message.sent), or as failed, with the reason in
// Message.Error; receipts then move it to delivered, read and played.
// When whatsmeow later shows the same message again (from the phone), the
// same row is found. A request with an ID is idempotent: the same ID again
// returns the stored message and sends nothing, unless the first attempt
// failed, which it then retries. The ID is the caller's key, kept as
// Message.ClientID: WhatsApp gets an id whatsmeow makes (Message.WAMessageID),
// as from any official client. Each account may send
// [DefaultDailyMessageLimit] messages per UTC day unless
// [WithDailyMessageLimit] says otherwise; the count is kept in the store,
// and past it sends return a *[RateLimitError] ([ErrRateLimited]) whose
// RetryAfter is the time to midnight UTC. [Client.GetMessageQuota] reads it,
// and [Client.ListMessageCounts] the counts of the days before.
//
// [Client.EditMessage], [Client.RevokeMessage] (also others' messages, as a
// group admin), [Client.SendReaction] and [Client.MarkRead] (which resets the
// chat's unread count) store their effect the same way. Messages are named
// by their stored id ("msg_…") or by their WhatsApp id in a chat.
//
// Templates (the WhatsSync Chat API) are registered per account and language with
// [Client.CreateTemplate]; sending one renders its header, body and footer
// with the parameters to plain text, because WhatsApp delivers real
// templates only from the official Business API. For the same reason
// interactive messages (the Business Server API's buttons and lists) rarely show on
// phones when sent from a linked device: wauser sends them as WhatsApp's
// buttons or list message, with the choices also written into the text.
// Prefer polls.
//
// whatsmeow cannot limit a group message to some members, so document
// 003's participants override is refused.
//
// # History
//
// After pairing, the phone sends the account's history in blobs: it
// uploads each to WhatsApp's media servers and announces it with a
// message. History is never lost. The announcement is stored in the
// transaction that acknowledges its message to WhatsApp; then the
// account's sync queue (a worker per connected account, in the process
// that connects it) downloads the blob, keeps what whatsmeow keeps of it
// in the device store (message secrets, privacy tokens, phone-number/LID
// mappings, push names), and stores its records in transactions of about
// 2,000 messages, marking the blob done in the transaction of the last.
// When an attempt fails (the download, or the database), the blob is
// tried again after 5 s, then after twice as long each time up to 10
// minutes, and at once when a Client starts again on the store; batches
// stored before a failure change nothing the second time. A blob that can
// never be stored (gone from WhatsApp's servers, or not a history sync at
// all) is dropped with an error in the log. [Status].HistoryPending counts
// the blobs not stored yet. Each stored blob writes a history.sync event
// with its numbers of conversations and messages, and the last of a sync
// history.sync_complete.
//
// Memory follows the conversation, not the blob: a blob is decompressed
// and decoded as a stream, twice from its compressed bytes, first for its
// small fields (mappings, push names), then conversation by conversation
// as the batches need them. A 100,000-message history in a single blob is
// stored in well under 128 MiB of heap (see BENCHMARKS.md).
//
// whatsmeow delivers app state actions (archive, pin, mute, mark as read,
// contacts, labels, delete and clear chat) once, whatever the store
// answers. When one cannot be stored, the sync queue resyncs its whole
// collection from WhatsApp, retried the same way until it succeeds, which
// delivers every action of the collection again.
//
// [Client.RequestHistory] asks the phone for messages older than the oldest
// stored one of a chat (or of each recently active chat): it accepts up to
// 100, and asks for at most [HistoryBatch] (50) per chat and request, as
// official clients do. The answer comes later, only while the phone is
// online, as an on-demand history sync that is stored like any other and
// ends in a history.sync_complete event with the number of messages; asking
// again then continues from the new oldest message.
//
// # How wauser behaves on WhatsApp
//
// WhatsApp sees a wauser account as one more linked device, and wauser
// does what official clients (and mautrix-whatsapp, the bridge by
// whatsmeow's author) do, where whatsmeow leaves it to the program:
//
//   - The phone lists the device as a browser on a desktop, "Chrome
//     (Linux)" by default, not as whatsmeow: [WithDevice].
//   - Before its first connection the Client looks up the current WhatsApp
//     Web version and announces it. When WhatsApp refuses the client as
//     outdated (405), it looks the version up again and connects once more;
//     only if that does not help does the account stop in outdated, with
//     the reason in Status.LastError.
//   - A connection that stays open while WhatsApp stops answering its
//     keepalives is dropped and made again once they have failed for longer
//     than whatsmeow.KeepAliveMaxFailTime (3 minutes); the reconnect backoff
//     is [WithReconnectBackoff]. After pairing, when the connection that
//     logs the new device in fails, it is retried with the same backoff.
//   - Connection failures WhatsApp gives no retry for (400, 409, 415, 418,
//     501, ...) stop the account in the failed state, with the code and
//     WhatsApp's message in Status.LastError, instead of being retried
//     forever; [Client.Refresh] tries again.
//   - After connecting, and when the profile name arrives, the account
//     announces itself "unavailable", so that others see its name (not
//     "-") while the phone keeps its notifications; [Client.SetOnline]
//     shows it online instead.
//   - Messages go under ids whatsmeow makes; a caller's id is an
//     idempotency key only (SendMessageRequest.ID).
//   - In a chat with disappearing messages, every message carries the
//     chat's timer.
//   - Images go with their dimensions and a small JPEG thumbnail, Ogg Opus
//     audio with its playing time, voice notes as "audio/ogg; codecs=opus"
//     push-to-talk, captioned documents wrapped as official clients wrap
//     them, replies to media quoting the media. What wauser cannot read
//     from a file (a video's duration, dimensions and thumbnail, a voice
//     note's waveform) comes from [MediaMessage], or is left out.
//   - Each message keeps the form WhatsApp addressed it by (a LID chat or
//     participant where the record shows a phone number), and replies,
//     reactions, edits, deletions, read receipts, media retries, history
//     requests and chat changes name it that way.
//   - Sends of an account are paced: a burst, then one per interval
//     ([WithSendPacing], [DefaultSendPacing]); all of them, peer messages
//     to the account's own phone included, go one at a time. Contact
//     lookups are throttled ([WithContactCheckPacing]).
//   - A message that cannot be decrypted is asked again from the phone.
//   - An album announcement, an image's HD version and a secret-encrypted
//     edit fold into the message they belong to: one message, one record.
//
// # Profile, privacy, chat settings, presence and calls
//
// Profile: [Client.GetUserInfo] (about text, picture id, verified business
// name, devices of up to 100 people), [Client.SetPushName],
// [Client.SetAbout], [Client.SetProfilePhoto] (a JPEG; nil removes it),
// [Client.GetBusinessProfile], and the share links: [Client.GetContactQRLink]
// (https://wa.me/qr/…, revocable), [Client.ResolveContactQRLink] and
// [Client.ResolveBusinessLink] (https://wa.me/message/…). The profile name
// is app state: the account record shows it once WhatsApp echoes it, and
// an account.updated event says so. Privacy: [Client.GetPrivacySettings],
// [Client.SetPrivacySetting] (each setting takes only WhatsApp's values),
// [Client.ListBlocked], [Client.BlockContact], [Client.UnblockContact];
// WhatsApp announces blocklist changes, which become blocklist.updated
// events (the blocklist itself is not stored: ask for it).
//
// Chat settings are WhatsApp app state patches, built as the current
// protocol builds them, and the store follows WhatsApp's echo like a
// change made on the phone: [Client.MuteChat] for a duration (0: until
// unmuted) and [Client.UnmuteChat] set the conversation's muted_until;
// [Client.MarkChatUnread] its unread_count (at least 1); [Client.DeleteChat]
// tombstones its messages and marks it deleted until a new message comes.
// [Client.StarMessage] and [Client.UnstarMessage] set the message's
// "starred" field (stored with the message; a message.starred event tells
// handlers), as does starring on the phone. [Client.SetDisappearingTimer]
// sets a chat's timer (0, 24 hours, 7 or 90 days; the conversation's
// ephemeral_seconds, and the timer of the account's next messages there)
// and [Client.SetDefaultDisappearingTimer] the one new chats start with.
// [Client.ForwardMessage] sends a stored message to another chat marked
// forwarded, its media by reference to the file already on WhatsApp's
// servers.
//
// Presence: [Client.SetPresence] (available or unavailable, as
// [Client.SetOnline]) and [Client.SubscribePresence], after which
// presence.updated events carry a person's online state and last seen time.
// Presence is not a record: it is never stored, only delivered, like every
// event, through the outbox to handlers ([Client.OnPresence]) and webhooks.
//
// Calls: call.offer, call.accepted, call.ended and call.missed events
// ([Client.OnCall], [CallData]); a call that ends without being answered
// on any of the account's devices is missed. [Client.RejectCall] declines
// one; [WithCallRejection] declines every call by itself and answers the
// caller with a text. wauser never answers calls.
//
// # Contacts
//
// [Client.ListContacts] and [Client.GetContact] read the store;
// [Client.UpdateContact] renames a contact or sets its tags (in the store
// only). WhatsApp labels (Business app) are tags too: the name of each label
// on a person's chat is added to and removed from their tags as the labels
// change. [Client.GetProfilePicture] asks WhatsApp for a picture's URL;
// [Client.StatusAudience] lists who can see the account's status updates.
//
// # Media
//
// [Client.UploadMedia] uploads a file (bytes, a reader, or a URL it
// fetches) to WhatsApp's media servers and keeps what a message needs to
// point at it under a [MediaID]. Files larger than [WithMediaLimit] are
// refused; the content type is sniffed when not given. URLs are fetched
// with the [WithHTTPClient] client, and addresses that are not public
// (loopback, private, link-local...) are refused when the connection is
// dialed, unless [WithPrivateMediaURLs]. [Client.DownloadMedia] downloads
// and decrypts a message's file with the keys stored with it (never shown);
// when WhatsApp's servers no longer have it, it asks the phone to upload it
// again and waits for the answer.
//
// # Search
//
// [Client.SearchMessages] searches the stored messages' text (a media
// message's caption is its body), best match first, within a conversation,
// from a sender or the account, of some content types or a time range, a
// page at a time. A query is words, "quoted phrases" and word* prefixes;
// everything else in it only separates words, so no input is a syntax
// error, and a query without a word is [ErrInvalidArgument]. The index
// follows every write: an edited message is found by its new text, a
// deleted one never, a merged-away one only as its survivor. On SQLite it
// is an FTS5 table kept by triggers (case and accents folded); on
// PostgreSQL a GIN index on to_tsvector('simple', body): no stemming and no
// stop words, since a chat store mixes languages that WhatsApp does not
// label. The package github.com/wauser/wauser/mcp offers the search, and
// the rest of the account, to AI agents.
//
// # Storage
//
// [github.com/wauser/wauser/store] holds the bun models and migrations, which
// run unchanged on SQLite and PostgreSQL. Open a store with
// [github.com/wauser/wauser/store/sqlite.Open] (pure Go, no cgo; foreign
// keys, busy_timeout, WAL and immediate transactions set on every
// connection) or [github.com/wauser/wauser/store/postgres.Open] (pgx), or
// wrap a database you already own with the adapter's New and call Migrate.
// whatsmeow's
// device store lives in the same database, through exactly one container per
// store, and is upgraded by Migrate under the same lock as wauser's tables,
// so that processes starting together on a fresh database take turns. On
// PostgreSQL keep one wauser store per database: whatsmeow's upgrade code
// does not tell schemas apart.
//
// The root package imports no SQL driver: [Open] takes a store.Opener from
// the adapter, [github.com/wauser/wauser/store/sqlite.File] or
// [github.com/wauser/wauser/store/postgres.DSN], so a program links only
// the driver of the adapter it imports.
//
// # HTTP
//
// Package [github.com/wauser/wauser/rest] serves a Client as a REST API: one
// http.Handler with five documented dialects (the WhatsApp Use sync API
// with the change feed, the multi-session server's history route and its
// whole API, the WhatsSync Chat API, the Business Server API), an OpenAPI
// 3.1 description at /openapi.json, rate limits and strict input handling.
// Mount it anywhere with http.StripPrefix; programs that do not serve HTTP
// do not link it.
// Its callers present API keys: [Client.CreateAPIKey] makes one (the secret
// is shown once, only its SHA-256 is stored) with scopes ([ScopeRead],
// [ScopeWrite], [ScopeWebhooks], [ScopeAdmin]) and the accounts it may
// reach; [Client.AuthenticateAPIKey] checks one, and [Client.RevokeAPIKey]
// ends it at once. A key may carry a device quota (MaxDevices: the
// accounts it may create through the multi-session server's POST /devices,
// each with a token that records it in CreatedBy; [Client.UpdateAPIKey],
// [Client.ListAPIKeysCreatedBy]). [Client.WebhookStats] counts webhooks and
// their recent deliveries. [Client.RecordCommand] and [Client.GetCommand] keep the
// records of the writes its sync dialect answers with 202 (a command and
// how it ended), so that they stay readable after a restart.
//
// # Webhooks and events
//
// Every change is written, in the same transaction, to an event outbox
// (table wauser_events) in the envelope {"id", "type", "account_id", "seq",
// "occurred_at", "data"}; [Event] documents the types and their data. The
// outbox feeds two consumers, both started by [Client.Start] and resumed by
// the next Client on the same database (their positions and the
// deliveries are stored):
//
//   - In-process handlers: [Client.OnEvent] and the typed [Client.OnMessage],
//     [Client.OnConversation], [Client.OnContact] and [Client.OnAccountEvent]
//     run on the Client's goroutine, in event order, at least once, with
//     panics recovered; a slow handler never delays ingestion.
//   - Webhooks: [Client.CreateWebhook] registers an endpoint with the
//     Business Server API's filters (chat_ids, chat_types, mentions with
//     "me", message_types, settings_types which override the chat and
//     message filters) plus event_types; an account's only_status_updates
//     limits its webhooks to message.status events of outgoing messages. A
//     bounded pool of workers POSTs each event, in order per endpoint and
//     conversation (a worker takes a busy conversation's next deliveries
//     along and sends them one after the other),
//     retrying network errors, 408, 429 and 5xx with exponential backoff and
//     jitter (or the endpoint's Retry-After) until the horizon (24 h by
//     default, see [WithWebhookDelivery]) makes it dead. Other answers are
//     final. [Client.ListWebhookDeliveries] is the delivery log,
//     [Client.ReplayWebhookDeliveries] sends failed and dead deliveries again,
//     and [Client.PingWebhook] tests one endpoint. A webhook's
//     [WebhookFormat], stored with it, shapes its deliveries when they are
//     made from the one outbox: wauser's envelope, or the WhatsApp Use API's
//     events ({"id", "type", "connection_id", "payload", "occurred_at"},
//     whatsapp.message.received, ...). A webhook made with
//     WebhookRequest.AllAccounts receives every account's events.
//
// Deliveries are signed per the Standard Webhooks specification
// (webhook-id = the event id, webhook-timestamp, webhook-signature
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>" keyed by the base64 part
// of the "whsec_" secret) and with X-Hub-Signature-256 ("sha256=" and the
// hex HMAC-SHA256 of the body keyed by the whole secret string). The secret
// is shown once, by CreateWebhook; [Client.RotateWebhookSecret] replaces it
// and, during an overlap, webhook-signature carries both secrets'
// signatures (X-Hub-Signature-256, which holds one, the new secret's).
// [VerifyWebhook] checks a delivery in a Go receiver. Targets that are,
// spell (127.1, 2130706433, 0x7f.1, 127.0.0.1., [::ffff:127.0.0.1]) or
// resolve to loopback, private, link-local, unspecified or reserved
// addresses are refused when a webhook is registered and again before each
// delivery connects: the host is resolved, every address checked, and only
// checked addresses are dialled, so DNS rebinding does not get through and
// a refused target sees no connection at all. The same guard keeps media
// fetched from URLs and link previews off such addresses. The Client
// allows them with [WithPrivateWebhookTargets] and [WithPrivateMediaURLs].
// Redirects are not followed.
//
// # Several processes
//
// Several processes can share one PostgreSQL store (on SQLite, run one).
// Each paired account is connected by exactly one of them: the holder of
// the account's lease, a PostgreSQL advisory lock on a connection the
// holder keeps for it. [Client.Start] connects the accounts whose lease is
// free, and keeps looking: when a holder closes, another process takes its
// accounts over at its next look; when a holder dies or loses its database
// connection, after a grace period in which a holder that is still alive
// notices and disconnects ([WithLeases] has the timings). Operations that
// need WhatsApp return [ErrLeasedElsewhere] in the processes that do not
// hold the account, and [Status].HeldElsewhere says so; reads of the store
// (the change feed, List and Get methods, Status) work in every process.
// Webhook deliveries are claimed with FOR UPDATE SKIP LOCKED by the workers
// of every process, in order per endpoint and conversation; in-process
// handlers of an account run in the process that connects it. Finished
// deliveries and consumed events are deleted after [WithRetention].
//
// # Errors
//
// Errors are sentinel values ([ErrNotFound], [ErrInvalidArgument],
// [ErrNotConnected], [ErrForbidden], [ErrRateLimited], ...) matched with
// errors.Is. Invalid arguments are *[ArgumentError] values naming the field,
// and are detected before anything is sent to WhatsApp. Errors from
// whatsmeow are wrapped, so errors.Is finds both the wauser sentinel and the
// whatsmeow cause: a group that does not exist matches both [ErrNotFound]
// and whatsmeow.ErrGroupNotFound, an IQ answered 403 both [ErrForbidden]
// and the *whatsmeow.IQError.
//
// # Metrics
//
// [WithMetrics] registers Prometheus metrics (all prefixed wauser_) with a
// registry of yours: whatsmeow events ingested by type, failures, messages
// and history batches stored, change feed pages and records, webhook
// delivery attempts by outcome with their latency and the queue depth,
// sends by type and outcome, and accounts by state. Without it, counting
// costs a nil check. examples/server serves them at GET /metrics.
//
// # Testing
//
// Package [github.com/wauser/wauser/watest] is a fake WhatsApp: plug it in
// with its Option, and play the phone (scan a QR code, log out, drop the
// connection) and the server (stop answering keepalives, refuse a client
// version or a connection, address a group by LID) without a network. Messages sent by one of its accounts reach
// the others; it records what was sent, answers receipts, downloads, media
// retries and history requests. History arrives as from WhatsApp, as a
// blob announced by a message and downloaded by the Client. Simulated
// people (watest.Fake.AddPeer) write, send pictures, react and answer;
// watest.NewDemo plays a whole conversation with three of them, as
// examples/server -demo shows. watest.Clock drives reconnect backoff, QR
// rotation and the sync queue's retries without sleeping.
// examples/echobot is a bot tested this way.
//
// # Concurrency
//
// A Client is safe for concurrent use. New does no I/O and starts no
// goroutines; Start starts a supervisor goroutine and a sync queue worker
// per connected account, and Close stops them and waits for them. Storing a history blob of more
// than 2,000 messages uses one more goroutine while it lasts (the next
// batch is built while the last is written), and a Store on a SQLite file
// checkpoints on a goroutine that its Close stops. wauser logs through the
// *slog.Logger given with [WithLogger], never message contents or secrets.
package wauser
