// Package rest serves a wauser.Client over HTTP: one http.Handler, five
// dialects, each reproducing its API document's wire format.
//
//	h := rest.NewHandler(c, rest.Options{})
//	http.Handle("/wa/", http.StripPrefix("/wa", h))
//
// The handler is built on the standard library's ServeMux from one route
// table; GET /openapi.json serves an OpenAPI 3.1 document generated from
// the same table, so every route, parameter, body, answer and error status
// is described (?dialect=sync, business, chat or multisession: one
// dialect's routes alone). Handlers only decode the request, call exported Client
// methods and encode the answer.
//
// # Dialects
//
//   - sync: the WhatsApp Use sync API (whatsapp-use.openapi.yaml).
//     Bare JSON; errors are {"error": "..."}. GET /v1/me,
//     GET /v1/whatsapp/status, POST /v1/whatsapp/pair,
//     GET /v1/whatsapp/pair/status, POST /v1/whatsapp/unlink;
//     GET /v1/whatsapp/sync (the change feed, Client.SyncPage: cursor and
//     limit, limit below 1 is 400, above 1000 is 1000);
//     GET /v1/whatsapp/conversations, GET /v1/whatsapp/contacts,
//     GET /v1/whatsapp/conversations/{conversation_id}/messages (newest
//     first; before_message_id pages on; with the contacts who wrote
//     them); POST /v1/whatsapp/messages/send, .../react, .../edit,
//     .../delete and .../read, POST
//     /v1/whatsapp/conversations/{conversation_id}/read,
//     POST /v1/whatsapp/groups and
//     POST /v1/whatsapp/groups/{group_jid}/participants (202 with the
//     command record); GET /v1/whatsapp/media/{message_id} (the file);
//     GET /v1/usage; the webhook endpoints /v1/webhooks/endpoints (list,
//     create, update, delete, rotate-secret, test) and
//     GET /v1/webhooks/deliveries. Beyond the specification:
//     GET /v1/whatsapp/groups and GET /v1/whatsapp/commands/{command_id}.
//   - history: the multi-session history route: POST /history/sync ({count}: 1 to 100,
//     default 25; Client.RequestHistory). Answers are
//     {status, code, message, data}; errors {status, code, message, error}.
//   - multisession: the rest of the multi-session server's API, in the
//     same envelope (see "The multi-session server" below).
//   - chat: the WhatsSync Chat API. Bare JSON; errors are
//     {"error": {"code", "message", "status"}}. POST /api/v1/messages (text,
//     image, document, location, template), GET /api/v1/contacts,
//     GET /api/v1/contacts/{phone} and GET /api/v1/contacts/{phone}/messages
//     (the direct chat, newest first), the lists paged by
//     {"pagination": {"next"}} taken back as ?cursor= (absent on the last
//     page).
//   - business: the Business Server API, at its own paths (/v1/...). Every
//     answer is {data, message, success, timestamp}, errors too (data null,
//     success false), but for group create, get and update, which answer
//     {groups, message, success} as the document shows. Accounts:
//     POST, GET and DELETE /v1/accounts, GET /v1/accounts/{id},
//     GET /v1/accounts/code?phone=, GET /v1/profile/privacy, POST /v1/refresh,
//     GET /v1/status. Webhooks: GET and POST /v1/webhooks, DELETE /v1/webhooks
//     (the one with the body's url), DELETE /v1/webhooks/all. Chats:
//     POST /v1/chats/{chatId}/archive and /unarchive. Groups: GET and POST
//     /v1/groups; GET, PUT and DELETE /v1/groups/{groupId}; POST and DELETE
//     .../members and .../admins (bodies [{"id": phone or JID}]); GET, POST
//     (approve) and DELETE (reject) .../requests; POST and DELETE
//     .../announce, .../lock and .../pin; POST .../clear;
//     GET .../invite?reset=. Contacts: GET and PUT /v1/contacts, POST
//     /v1/contacts/check ([{"id": phone}]), GET /v1/contacts/status-audience.
//     Media: POST /v1/media, GET /v1/media/{media_id} and its file,
//     GET /v1/media/{media_id}/file. Messages: POST /v1/messages,
//     DELETE /v1/messages/{message_id}/{chat_id}. Newsletters: GET and PUT
//     (follow {"id"}) /v1/newsletters, GET and DELETE (unfollow)
//     /v1/newsletters/{id}.
//
// Requests outside any route get 404 (or 405 with Allow) in the error shape
// of the dialect their path belongs to.
//
// # The WhatsApp Cloud API shapes of the business dialect
//
// The Business Server API follows Meta's WhatsApp Cloud API for messages
// and media, and its clients send and parse those shapes; the business
// dialect takes them next to the ones it documents:
//
//   - POST /v1/messages takes messaging_product ("whatsapp"), text as
//     {"body", "preview_url"}, media objects {"id" | "link" | "url",
//     "caption", "filename"} (id: a file uploaded with POST /v1/media;
//     link and url: a URL to fetch), replies as "context": {"message_id"},
//     read marks as {"messaging_product", "status": "read", "message_id"}
//     with no to, and interactive as the Cloud API object: type button
//     (action.buttons of {"type": "reply", "reply": {"id", "title"}}), list
//     (action.button and action.sections) or cta_url (action.parameters
//     {"display_text", "url"}), with header, body and footer as
//     {"type": "text", "text"} objects (or strings). A cta_url message is
//     sent as a text reading header, body, "display_text: url" and footer,
//     since a linked device cannot send link buttons; media headers are
//     refused. participants must name every member of the group (in any
//     form): WhatsApp sends a group message to all of them and cannot send
//     it to some, so a partial list is refused rather than sent to
//     everyone.
//   - Its answer carries, beside the envelope, the Cloud API's
//     {"messaging_product": "whatsapp", "contacts": [{"input", "wa_id"}],
//     "messages": [{"id"}]} (id: the stored message's id; none for status
//     messages).
//   - Every error of the dialect carries, beside the envelope's fields, the
//     Cloud API's error object {"message", "type", "code", "error_subcode",
//     "error_data": {"messaging_product", "details"}}; code is 100 for bad
//     input (and 404, with error_subcode 33), 190 for a refused key, 10 for
//     a missing right, 133010 for an account not paired, 130429 for rate
//     limits, 2 when unavailable and 131000 for server errors.
//   - POST /v1/media answers media [{"id"}] and id beside data, and takes
//     the Cloud API's upload (multipart with messaging_product, type as the
//     file's MIME type, and file). GET /v1/media/{media_id} answers the
//     Cloud API's media object {"messaging_product", "url", "mime_type",
//     "sha256", "file_size", "id"} beside data; url is
//     GET /v1/media/{media_id}/file on this handler (with the prefix it is
//     mounted under), which downloads the file with the same API key
//     (Client.DownloadUploadedMedia).
//   - GET /v1/status answers "id", "status" (init, connected or error),
//     "whatsapp_name" and "whatsapp_id" beside wauser.Status's fields.
//     Newsletters carry creation_time, profile (the picture's URL), invite
//     (the link's code), subscribers and role beside wauser.Newsletter's
//     fields; groups always carry owner and created; GET /v1/contacts
//     carries "info": {"Found", "FirstName", "FullName", "PushName",
//     "BusinessName"}. GET /v1/profile/privacy?default=true answers the
//     default setting alone, as an object {"type", "list", "is_default"}.
//   - POST /v1/accounts takes webhook_url (a webhook for the new account)
//     and only_status_updates; PUT /v1/newsletters takes id as a form too
//     (application/x-www-form-urlencoded or multipart/form-data). Member
//     and admin changes and POST /v1/contacts/check answer data as an
//     object: each id as given maps to its result.
//
// # The multi-session server
//
// The multisession dialect serves the multi-session REST server's API
// (its Swagger 2.0 specification, version 1.2.1) at its own paths, so that
// its clients can point at this handler: every answer is
// {status, code, message, data}, every error {status, code, message,
// error}, code repeating the HTTP status. Options.DialectsOff with
// DialectMultiSession turns it off, POST /history/sync included.
//
// Its three kinds of credentials map onto the handler's:
//
//   - X-Admin-Secret, on the /admin routes: the admin password of Options
//     (AdminPasswordHash), sent alone. GET /admin/stats, GET /admin/health,
//     GET /admin/devices, GET /admin/devices/status,
//     POST /admin/devices/reconnect, GET /admin/webhooks/stats (the last
//     24 hours) and DELETE /admin/devices/{device_id} (Client.Logout: the
//     account and everything stored for it) act on every account.
//     POST /admin/api-keys creates an API key that creates devices: the
//     admin scope over the accounts it creates (none at first), with its
//     own device quota (max_devices; wauser.APIKey.MaxDevices), its own
//     hourly request limit (rate_limit_per_hour;
//     wauser.APIKey.RateLimitPerHour; see Limits) and the customer's name,
//     e-mail and phone (customer_name is the key's name); its secret
//     (api_key) is shown once. Keys are numbered (id: 53 bits of a hash of
//     the key's id, which paths also take). GET /admin/api-keys lists them
//     (device tokens are not the server's API keys: they are left out),
//     with device_count, the devices whose tokens are not revoked, and
//     rate_limit_per_hour, the key's own or, for a key without one, what
//     the handler applies to every key (Options.RequestsPerMinute × 60);
//     GET, PATCH (customer_name, customer_email, customer_phone,
//     max_devices, rate_limit_per_hour, applied at once; is_active false
//     revokes the key for good, and a revoked key cannot be made active
//     again) and DELETE /admin/api-keys/{id}; GET
//     /admin/api-keys/{id}/devices and .../devices/status list its
//     devices. DELETE ends access first and all at once, as the server's
//     deletion of the key does: it revokes the key, then the token of every
//     device the key created, then logs each device out
//     (wauser.Client.Logout) and answers devices_deleted. A device that
//     cannot be logged out (another process on the same PostgreSQL holds
//     its connection: 409) does not stop the others; the answer is then
//     that error, naming the devices deleted and those left with why, and
//     the same DELETE again deletes the rest (it finds them through their
//     revoked tokens), as does DELETE /admin/devices/{device_id}.
//   - X-API-Key, on POST /devices: a key of POST /admin/api-keys, or any
//     API key with the admin scope that reaches every account. It creates
//     an account and answers its token; each key may create as many
//     devices as its quota (its own, or Options.MaxDevicesPerKey, default
//     10) whose tokens are not revoked: each token records the key that
//     created it (wauser.APIKey.CreatedBy), and a device deleted frees its
//     place. A key of POST /admin/api-keys reaches the devices it created
//     and no other. device_name names the token; the device's name is its
//     account id.
//   - Authorization: Bearer <token>, on /devices/me/* and every device
//     route: the token is an API key bound to the one account, with every
//     scope, shown once. Any API key works the same way; scopes and account
//     lists hold as on every route (reads need whatsapp:read, actions
//     whatsapp:write, /webhooks webhooks:manage, DELETE /devices/me/session
//     admin), and a key never reaches another account.
//
// Paths take chat and user JIDs or phone numbers wherever a JID goes, and
// message ids as stored ids (msg_…) or WhatsApp ids. Sent messages answer
// {message_id (the WhatsApp id), id (the stored id), status, timestamp}.
// Beyond the specification: DELETE /messages/{message_id} takes
// ?chat_jid= for a WhatsApp id that is not stored; webhooks answer a
// numeric id (derived from the webhook's id, which paths also take) with
// webhook_id, and their secret once, at creation (a chosen secret is
// refused: wauser makes it); GET /webhooks/{webhook_id}/logs lists the
// deliveries and POST /webhooks/{webhook_id}/test sends a signed
// webhook.ping. Webhooks created by POST /webhooks receive the server's
// events (wauser.WebhookFormatMultiSession): {event_type, device_id,
// timestamp, data}, named as the server names them, and their events take
// those names (message.received, message.delivered, message.read,
// message.played, message.deleted, connection.connected,
// connection.disconnected, connection.reconnecting, connection.logged_out,
// call.offer, call.accept, call.terminate, group.join, group.info_update,
// newsletter.message_received, status.posted, status.viewed,
// status.deleted, contact.update, blocklist.change, history.sync, a family
// such as status.*, or *); message data carries the server's message_id
// (the WhatsApp id), from, chat, timestamp and is_from_me beside wauser's
// message fields.
//
// Beyond the specification's shapes (which leave these data open):
// GET /bots and GET /bots/profiles list WhatsApp's AI bots (jid, name,
// persona_id; profiles add description, category, is_default, prompts and
// commands). POST /newsletters/{jid}/live answers {jid, duration}: the
// seconds WhatsApp pushes the channel's counts. GET
// /newsletters/{jid}/updates (count, since) answers {jid, updates}: the
// posts whose view or reaction counts changed, with views_count and
// reaction_counts. POST /newsletters/tos/accept takes {notice_id, stage}
// (the channel terms: 20601218, stage 5). GET /polls/{poll_id}/results
// answers the stored tally (question, options with count and voters,
// voters; ?chat_jid= names the chat of a WhatsApp id). GET /status answers
// the server's info and the stored status updates (statuses, newest
// first; ?limit=), GET /status/{status_id} a person's about text (status)
// and their stored status updates.
//
// POST /devices/me/login answers the QR code's payload (output=html is
// refused), and typing_simulation and presence_simulation are read and
// have no effect: the Client paces sends itself (wauser.WithSendPacing).
// The specification's two paths that OpenAPI 3 cannot hold beside another
// are served as DELETE /groups/{parent_group_jid}/link/{group_jid} and
// GET /status/{status_id}, which take the same values.
//
// Operations it does not serve answer 501 in its error shape with the
// reason:
//
//   - GET /docs/swagger.json, GET /docs/swagger.yaml, GET /docs/*: wauser
//     describes its API as OpenAPI 3.1 at GET /openapi.json, and renders it at
//     GET /docs when the host turns that on.
//   - GET /admin/whatsapp/version, POST /admin/whatsapp/version/refresh: the
//     host program embedding wauser controls this, not an API client: the
//     WhatsApp Web version is the one of the whatsmeow wauser is built with.
//   - POST /devices/token: the token is an API key of the device that does not
//     expire: there is no device secret to trade for another; revoke a leaked
//     one and create another device or key.
//   - GET /devices/me/proxy, POST /devices/me/proxy: the host program
//     embedding wauser controls this, not an API client: the proxy WhatsApp is
//     reached through.
//   - POST /devices/me/push-notifications, GET /devices/me/server-push-config,
//     POST /devices/me/server-push-config: a linked device gets its events
//     over its own connection and webhooks, not through mobile push
//     notifications.
//   - POST /devices/me/force-active-receipts: the host program embedding
//     wauser controls this, not an API client: wauser sends delivery receipts
//     as WhatsApp's apps do.
//   - POST /devices/me/passive: the host program embedding wauser controls
//     this, not an API client: wauser keeps the connection active so that
//     events arrive.
//   - POST /messages/media/retry-receipt: wauser asks the phone to upload
//     expired media again by itself when the media is downloaded.
//   - GET /app-state/{name}, POST /app-state, POST /app-state/mark-clean:
//     wauser keeps the account's app state itself; use the chat operations
//     (archive, pin, mute, mark-read) instead.
//
// # Authentication
//
// Requests carry an API key (wauser.Client.CreateAPIKey) as
// "Authorization: Bearer <key>", as a bare "Authorization: <key>", or as
// "X-Api-Key: <key>". A key has scopes: GET routes need whatsapp:read
// (and so does POST /v1/contacts/check, which changes nothing), routes
// that act on WhatsApp or change the account's data (PUT /v1/contacts)
// whatsapp:write (and so does
// GET /v1/groups/{groupId}/invite, which can reset the link), the webhook
// routes of both dialects webhooks:manage, unlinking or deleting an
// account admin (which carries every scope); GET /v1/me needs only a valid
// key. A key reaches only the accounts it lists (or all, when made with
// AllAccounts): with one account it is used implicitly, with several the
// X-WhatsApp-Use-Connection-Id header names it; a request for another
// account is refused (403, 401 in the sync dialect whose specification
// answers "Invalid API key or missing scope" with 401), and lists such as
// GET /v1/accounts show only the key's accounts. Options.Authenticate
// replaces API keys with the host's own scheme.
//
// Creating an account (POST /v1/accounts) takes the admin Basic credentials
// of Options, as the Business Server API says, and nothing else; without them
// configured it always answers 401. It answers the account with a fresh API
// key for that account only as token (every scope; shown once), and the
// first QR code as text (code) and as a PNG data URL (image). When pairing
// cannot start, the account is removed again and the error returned.
//
// # Console (pairing page)
//
// With Options.PairPage the handler also serves a small console at
// GET /pair: a web page for linking accounts where a server has no
// terminal to show a QR code in, and for watching and trying them out. It
// is off by default and every part of it takes the admin Basic credentials
// of Options (a browser asks for them; opening
// http://admin:password@host/pair works too). Its views:
//
//   - Accounts: the accounts with their state, and why one is not
//     connected, in words ("WhatsApp is unreachable from this server: DNS
//     lookup failed"), never as a Go error chain; creating one, and
//     linking it by QR code (a PNG rendered on the server that an event
//     stream replaces as WhatsApp rotates codes) or by a code typed on the
//     phone ("XXXX-XXXX") for a number the server checks first; once
//     linked it says "connected as +15551234567 (name)"; unlinking it
//     (Client.Unlink: its data stays), after a confirmation.
//   - Conversations: the account's conversations and their messages from
//     the store, pictures shown, reactions, edits and deletions marked,
//     updated live from the change feed (server-sent events); sending a
//     text or a picture, whose delivery and read receipts show as they
//     come.
//   - Webhooks: the account's webhooks; creating one (its signing secret
//     is shown once) and deleting one; each webhook's delivery log with
//     the state and result of each delivery, and a button that sends a
//     failed one again (Client.ReplayWebhookDeliveries).
//   - API keys: every key with its scopes, accounts and last use; creating
//     one (its secret shown once) and revoking one.
//
// An error shows as a sentence in the view's status line, and the same
// sentence under the form that caused it. A demonstration server
// (Options.Demo) says so in a banner, and links accounts with a simulated
// phone instead of a real one.
//
// It is plain HTML, CSS and JavaScript embedded in the package: no build
// step and no external assets, so it works on a machine without internet.
// Its addresses are relative, so it works under any prefix (/wa/pair with
// the mount above). The console's own JSON routes and event streams,
// under /pair/, are its plumbing, not part of the API, and are not in
// /openapi.json.
//
// An open console holds one of Options.MaxInFlight for each event stream
// (the pairing view's, and the conversations' while that view is open),
// which ends after five minutes (the browser then reconnects). The
// pairing stream also ends once the account is connected. A stream ends
// when its request's context ends: a server that shuts down gracefully
// (http.Server.Shutdown) should cancel it, as examples/server does, or
// Shutdown waits for it.
//
// The routes that take the admin credentials refuse cross-origin browser
// requests (http.CrossOriginProtection, 403), since a browser that signed
// in to the page sends the credentials by itself.
//
// # Health and API reference
//
// With Options.Health the handler answers GET /healthz (200
// {"status":"ok"} while the process serves HTTP; it reads nothing) and
// GET /readyz (200 {"status":"ready","store":"ok","accounts":[{"id",
// "state","last_error"}]} when the store answers, 503 with Retry-After and
// {"status":"unavailable","store":"the database did not answer"} when it
// does not). An account that cannot reach WhatsApp does not make the
// server unready: its data and the API still work, and its state and last
// error say why. Both are public, not rate limited, and not in
// /openapi.json; a demonstration server (Options.Demo) adds "demo": true.
//
// With Options.Docs it serves GET /docs, the API reference: Swagger UI
// (the npm package swagger-ui-dist, vendored unmodified and embedded with
// its licence, see SwaggerUIVersion) rendering /openapi.json one dialect at
// a time (a selector offers each dialect that is on, and the whole
// document, slow to render, last), with "Try it out" for requests made
// with an API key. The page loads nothing from
// elsewhere, so it works offline, and its addresses are relative, so it
// works under a prefix.
//
// # Limits
//
// Every key may make Options.RequestsPerMinute requests (default 60,
// the WhatsSync Chat API) in a window of a minute that opens with its first request;
// requests that fail authentication count against their client IP. A key
// with an hourly limit of its own (wauser.APIKey.RateLimitPerHour, the
// multi-session server's rate_limit_per_hour) may also make only that many
// requests in a window of an hour that opens with its first request, and
// the requests of the devices' tokens it created (POST /devices) count
// against it too: the customer's traffic together. A request passes only
// when every limit it counts against has room, and a refused one counts
// against none. Every answer carries X-RateLimit-Limit,
// X-RateLimit-Remaining and X-RateLimit-Reset (Unix seconds) of the limit
// closest to running out (the fewest requests left; a key's hour once it
// has fewer left than its minute); past a limit the answer is 429 with
// Retry-After (until that limit's window ends), in the dialect's error
// shape. Each process counts in its own memory, which stays bounded: the
// windows that ended are dropped every minute, and at most 100000 are
// kept (a flood of client IPs displaces other IPs first, never keys). The Client's daily message
// quota (wauser.WithDailyMessageLimit, 1000 by default, counted in the
// store per account and UTC day) answers a send past it the same way: 429
// in the dialect's error shape ({"error":{"code":"rate_limit_exceeded",
// ...}} in the chat dialect), Retry-After the seconds to midnight UTC
// (the error's RetryAfter method), nothing sent. GET /v1/usage reports
// both. Bodies are
// limited to Options.MaxBodyBytes (Options.MaxMediaBytes for POST
// /v1/media) (413) and decoded as one JSON value (not JSON: 415). In every
// dialect, fields a route does not know are ignored (and logged at debug
// level through Options.Logger), while the fields it knows are checked
// strictly: a wrong type, a malformed value or a string holding NUL is 400.
// Path parameters, query parameters and X-WhatsApp-Use-Connection-Id
// holding control characters (NUL included) or bytes that are not UTF-8
// are 400 in the route's dialect before anything else reads them. At most
// Options.MaxInFlight requests run at once (beyond: 503 with Retry-After,
// at once). Each request runs under Options.Timeout.
//
// URLs the handler is given to fetch (media to upload or send, link
// previews) and webhook URLs are refused when their host is, spells
// (127.1, 2130706433, 0x7f.1, ...) or resolves to a loopback, private or
// otherwise non-public address, before any connection is made, with one
// answer for every refused target (400 "... is not a public address"),
// unless the Client allows them (wauser.WithPrivateMediaURLs,
// wauser.WithPrivateWebhookTargets).
//
// # Errors
//
// Sentinel errors of wauser map to statuses with errors.Is:
// ErrInvalidArgument 400, ErrAccountRequired 400 (name the account in the
// header), ErrForbidden 403 (WhatsApp refused: not a member, not an
// admin), ErrNotFound 404, ErrAccountExists, ErrWebhookExists and
// ErrAlreadyPaired 409, ErrNotLoggedIn 409 (pair first), ErrLeasedElsewhere
// 409 (logging out or unlinking an account another process connects; do
// it there, or once it let go), ErrRateLimited
// 429 with Retry-After, ErrPairingFailed 502, ErrNotConnected,
// ErrNotStarted and ErrClosed 503 with Retry-After; a timeout is 503. A
// client mistake is never a 5xx, and changes nothing, with one exception:
// a message WhatsApp refuses (a group the account is not in) was stored as
// pending before it was sent, so it stays stored as failed, with the
// reason, and counts against the daily quota, while the request is
// answered with the error (403 or 404). A 5xx never shows its cause:
// clients read a fixed text, Options.Logger gets the cause.
//
// # Where the documents and the Client differ
//
//   - GET /v1/accounts/{id} answers a one-element list, as the Business Server API
//     shows. GET /v1/accounts, which the Business Server API shows without
//     authorization, needs a key and lists only the key's accounts.
//   - The 202 writes of the sync dialect (unlink, group creation,
//     participants, the message writes) run before they are answered: the
//     command record in the answer says completed, with the result, and
//     stays readable at
//     GET /v1/whatsapp/commands/{command_id} (stored with the account, kept
//     wauser.CommandRetention). A write that fails is answered with its
//     error and leaves no record.
//   - POST /v1/whatsapp/unlink unlinks the phone (Client.Logout, which
//     deletes the account's data, webhooks and command records included)
//     and creates the account again, unpaired, under the same id, ready for
//     POST /v1/whatsapp/pair.
//   - GET /v1/whatsapp/pair/status answers 404 when no pairing was started
//     and the account is not paired.
//   - connector_ready in GET /v1/whatsapp/status is true while wauser keeps
//     the account's connection (pairing, connecting, connected,
//     reconnecting).
//   - GET /v1/whatsapp/conversations and /contacts, which the specification
//     does not page, answer up to 500 records and next_cursor (continue
//     with ?cursor=); limit, and for conversations kind and archived, filter.
//   - Webhook endpoints are the Client's webhooks in the WhatsApp Use
//     format (wauser.WebhookFormatWhatsAppUse): their deliveries are that
//     API's events, {"id", "type", "connection_id", "payload",
//     "occurred_at"}, named whatsapp.message.received, .sent,
//     .reaction_received (reactions of others), .edited, .deleted and
//     .receipt_updated (payload {"message"}, and "reaction") and
//     whatsapp.connection.status_changed (paired, connected, disconnected,
//     logged out; payload {"status"} in the shape of WhatsAppStatus), with
//     the headers X-Whatsapp-Use-Event-Id, X-Whatsapp-Use-Event-Type and
//     X-Whatsapp-Use-Timestamp. They are signed like every delivery
//     (webhook-signature, X-Hub-Signature-256); X-Whatsapp-Use-Signature,
//     whose computation that API does not publish, is not sent. Events the
//     specification has no name for (conversations, contacts, groups,
//     history, QR codes) are not sent to these endpoints. An endpoint
//     belongs to one connection: the one connection_ids names (exactly
//     one), else the one the request acts on; all_accounts: true, for keys
//     that reach every account, makes it receive every connection's events,
//     later ones too (it belongs to the connection the header names, or
//     else the first by id, and goes with it; keys that reach some
//     connections only neither see nor change it). description is kept.
//     The endpoint routes reach the endpoints of every account the key can
//     (or of the one the header names); another account's endpoint is 404.
//     Event types are stored under wauser's names: message.received,
//     .sent, .reaction, .edited, .deleted and .status, and account.* for
//     whatsapp.connection.status_changed; whatsapp.command.completed and
//     .failed are accepted and select nothing (commands finish before their
//     answer), and alone they are refused. rotate-secret keeps the old
//     secret signing webhook-signature next to the new one for
//     DefaultSecretOverlap (?overlap= in seconds; 0 ends it at once);
//     X-Hub-Signature-256 is by the new secret only. test sends a sample
//     whatsapp.message.received event, signed, and answers it with its
//     delivery. Deliveries show the type sent and status queued, pending,
//     delivered, failed or dead.
//   - A connection named in X-WhatsApp-Use-Connection-Id that does not
//     exist is refused like one the key cannot reach: 401 in the sync
//     dialect, as its specification documents, 403 in the others.
//   - POST /v1/refresh takes an optional force=true: also re-fetch the app
//     state (contacts, chat settings).
//   - Contacts of the business dialect carry the Business Server API's integer id (a
//     stable number per account, wauser.Contact.Num) next to the fields of
//     wauser.Contact; GET /v1/contacts lists them all.
//   - POST /v1/groups takes the Business Server API's whole group info: id, owner,
//     created and broadcast are set by WhatsApp and ignored; members are
//     added, admins (who must be among the members) promoted, photo (a
//     base64 JPEG) set and archived applied once the group exists; muted
//     is refused (wauser cannot mute). Group ids in paths are JIDs or bare
//     ids. DELETE /v1/groups/{groupId} removes the others (when admin),
//     leaves and deletes the chat, WhatsApp having no group deletion.
//   - POST /v1/media takes the file as multipart/form-data (its first file
//     part; form fields type and file_name before it, type being a kind,
//     image, video, audio, document or sticker, or a MIME type as the Cloud
//     API sends it), as the raw body with its Content-Type
//     (application/octet-stream is sniffed), or as JSON {url, mime_type,
//     type, file_name} to fetch. Options.MaxMediaBytes bounds the body; the
//     data of the answer is the uploaded wauser.Media.
//   - The chat dialect's contact id is the person id; {phone} takes a phone
//     number, and also any form Client.GetContact takes. profileImage is
//     asked from WhatsApp at each request (its URL expires), best effort:
//     absent when the contact has no picture, hides it, or WhatsApp does not
//     answer within 5 seconds. tags are the contact's tags (PUT /v1/contacts,
//     Client.UpdateContact, and WhatsApp labels). Messages show from and to
//     as phone numbers, type as the content type and text as the body or
//     caption.
//   - POST /api/v1/messages answers 201 with the message as stored, in
//     the shape of the document's messages ({id, from, to, type, text,
//     timestamp, status}; a template shows as the text it rendered to),
//     sent by then (the WhatsSync Chat API shows no answer). type may be left out
//     (it follows from the content); other types than the document's five
//     are 400 invalid_message_type. image and document also take link (the
//     Cloud API's name for url) or the id of a file uploaded with POST
//     /v1/media instead of url, and to also
//     takes a JID (a group, a LID). Templates are the ones registered with
//     Client.CreateTemplate, by name and language.code; a missing one, or
//     a missing parameter, is 400.
//   - POST /history/sync takes no body as {} (count 25), and beyond the
//     document an optional chat (a phone number or JID) to ask one chat's
//     history instead of the 50 most recently active chats'. data also
//     lists the chats asked (chats, each with the oldest stored message the
//     phone is asked to go back from). Without any stored message to go
//     back from it answers 404. The history itself arrives later, when the
//     phone answers (history.sync and history.sync_complete events).
//   - POST /v1/messages takes the Business Server API's request and the
//     Cloud API's shapes (see above); text is the object {"body",
//     "preview_url"} (a plain string is taken too). type may be left out;
//     sticker, contacts and template messages, which the Business Server
//     API does not list, are sent with the Client. data is the stored
//     message (for a reaction, the message reacted to, with its reactions;
//     null for a status message). id makes a send idempotent; it is kept as
//     the message's client_id, and WhatsApp gets an id whatsmeow makes.
//   - DELETE /v1/messages/{message_id}/{chat_id} deletes for everyone
//     (Client.RevokeMessage); message_id is a stored id (msg_…) or a
//     WhatsApp id in the chat; others' messages only in groups where the
//     account is an admin. It answers data null, as the Business Server API shows.
//   - PUT /v1/contacts takes {"id": <the contact's integer id>, "info":
//     {"first_name", "last_name", "tags"}} (fields left out stay as they
//     are) and changes the contact in the store only; it answers data null.
//   - The sync dialect's message writes run before they are answered (202,
//     with the command record: kinds send_message, react_to_message,
//     edit_message, delete_message, mark_messages_read and
//     mark_conversation_read; the result holds the message as stored, or
//     the chat and the ids marked read). send takes conversation_id or
//     contact_id (one of them) and sends a text. The others name the chat,
//     when it is needed (WhatsApp ids), by one of conversation_id, to (a
//     phone number or JID) and contact_id, and the message by message_id,
//     wa_message_id or target_wa_id (several only when they name the same
//     message); sender is the author of a WhatsApp id that is not stored,
//     in groups, for react and read; an empty emoji removes the reaction.
//     POST /v1/whatsapp/conversations/{conversation_id}/read without
//     message_ids (or without a body) marks the conversation's incoming
//     messages not yet read among its newest 100.
//   - GET /v1/whatsapp/media/{message_id} answers the file as an
//     attachment (Content-Disposition with the file name when known,
//     Content-Security-Policy: sandbox), as application/octet-stream (the
//     specification's only type) without an Accept header or when Accept
//     admits that but not the file's own type, and with its own media type
//     when Accept asks for it or any type.
//     Files WhatsApp's servers dropped are asked from the phone again
//     (Client.DownloadMedia). Errors are JSON.
//   - GET /v1/usage answers what wauser counts; it keeps no log of
//     requests, so items (the specification's per-request records) is
//     always empty. summary has api_key_id; rate_limit ({limit, remaining,
//     reset_at}: the key's request limit after this request, as the
//     X-RateLimit headers say, counted in this handler's memory, absent
//     when rate limiting is off); and connections, one per account the key
//     reaches (or the one X-WhatsApp-Use-Connection-Id names), each with
//     messages_sent_today (messages stored to be sent today, UTC, those
//     WhatsApp refused included; reactions, edits, deletions and read
//     marks are not counted), daily_message_limit (0: none),
//     messages_remaining_today (absent without a limit), quota_resets_at
//     (the next midnight UTC) and days (the counts of the most recent days
//     with messages sent, newest first, as many as ?limit= asks: default
//     30, at most 366), all kept in the store (Client.GetMessageQuota,
//     Client.ListMessageCounts).
//   - WhatsApp's own refusals (not a group admin, not a member) are 403 in
//     every dialect, the sync dialect included, unlike a refused API key.
package rest
