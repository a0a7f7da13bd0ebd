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
//	c, err := wauser.Open(ctx, "wauser.db") // or "postgres://..."
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
// banned and outdated ([Client.Refresh] resumes the last three).
// [Client.Logout] unlinks the device and deletes the account and its data;
// it works offline too.
//
// # Recipients
//
// Methods that take a person, group or chat accept the same strings:
// a phone number in E.164 with or without "+" ("+15551234567"), or a JID
// (…@s.whatsapp.net, …@lid, …@g.us, …@newsletter, status@broadcast).
// [ParseRecipient] is that parser, with document 003's recipient_type
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
// # Media
//
// [Client.UploadMedia] uploads a file (bytes, a reader, or a URL it
// fetches) to WhatsApp's media servers and keeps what a message needs to
// point at it under a [MediaID]. Files larger than [WithMediaLimit] are
// refused; the content type is sniffed when not given. URLs are fetched
// with the [WithHTTPClient] client, and addresses that are not public
// (loopback, private, link-local...) are refused when the connection is
// dialed, unless [WithPrivateMediaURLs].
//
// # Storage
//
// [github.com/wauser/wauser/store] holds the bun models and migrations, which
// run unchanged on SQLite and PostgreSQL. Open a store with
// [github.com/wauser/wauser/store/sqlite.Open] (pure Go, no cgo; foreign
// keys, busy_timeout, WAL and immediate transactions set on every
// connection) or [github.com/wauser/wauser/store/postgres.Open] (pgx), or
// wrap a database you already own with store.New and call Migrate. whatsmeow's
// device store lives in the same database, through exactly one container per
// store. On PostgreSQL keep one wauser store per database: whatsmeow's
// upgrade code does not tell schemas apart.
//
// The root package imports no SQL driver itself; [Open] links both drivers
// through store/sqlite and store/postgres. Programs that want only one open
// the store themselves and call [New].
//
// # HTTP
//
// Package [github.com/wauser/wauser/rest] serves a Client as a REST API: one
// http.Handler with the four documented dialects (the change feed and the
// WhatsApp Use API, history, chat, business), an OpenAPI 3.1 description at
// /openapi.json, rate limits and strict input handling. Mount it anywhere
// with http.StripPrefix; programs that do not serve HTTP do not link it.
// Its callers present API keys: [Client.CreateAPIKey] makes one (the secret
// is shown once, only its SHA-256 is stored) with scopes ([ScopeRead],
// [ScopeWrite], [ScopeWebhooks], [ScopeAdmin]) and the accounts it may
// reach; [Client.AuthenticateAPIKey] checks one, and [Client.RevokeAPIKey]
// ends it at once.
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
//   - Webhooks: [Client.CreateWebhook] registers an endpoint with document
//     003's filters (chat_ids, chat_types, mentions with "me",
//     message_types, settings_types which override the chat and message
//     filters) plus event_types; an account's only_status_updates limits its
//     webhooks to message.status events of outgoing messages. A bounded pool
//     of workers POSTs each event, in order per endpoint and conversation,
//     retrying network errors, 408, 429 and 5xx with exponential backoff and
//     jitter (or the endpoint's Retry-After) until the horizon (24 h by
//     default, see [WithWebhookDelivery]) makes it dead. Other answers are
//     final. [Client.ListWebhookDeliveries] is the delivery log,
//     [Client.ReplayWebhookDeliveries] sends failed and dead deliveries again,
//     and [Client.PingWebhook] tests one endpoint.
//
// Deliveries are signed per the Standard Webhooks specification
// (webhook-id = the event id, webhook-timestamp, webhook-signature
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>" keyed by the base64 part
// of the "whsec_" secret) and with X-Hub-Signature-256 ("sha256=" and the
// hex HMAC-SHA256 of the body keyed by the whole secret string). The secret
// is shown once, by CreateWebhook; [Client.RotateWebhookSecret] replaces it
// and signs with both secrets during an overlap. [VerifyWebhook] checks a
// delivery in a Go receiver. Targets that are or resolve to loopback,
// private, link-local or unspecified addresses are refused when a webhook is
// registered and again when each delivery dials (DNS rebinding does not get
// through), unless the Client is built with [WithPrivateWebhookTargets].
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
// # Testing
//
// Package [github.com/wauser/wauser/watest] is a fake WhatsApp: plug it in
// with its Option, and play the phone (scan a QR code, log out, drop the
// connection) without a network. watest.Clock drives reconnect backoff and
// QR rotation without sleeping.
//
// # Concurrency
//
// A Client is safe for concurrent use. New does no I/O and starts no
// goroutines; Start starts one supervisor goroutine per connected account,
// and Close stops them and waits for them. wauser logs through the
// *slog.Logger given with [WithLogger], never message contents or secrets.
package wauser
