// Package rest serves a wauser.Client over HTTP: one http.Handler, four
// dialects, each reproducing its API document's wire format.
//
//	h := rest.NewHandler(c, rest.Options{})
//	http.Handle("/wa/", http.StripPrefix("/wa", h))
//
// The handler is built on the standard library's ServeMux from one route
// table; GET /openapi.json serves an OpenAPI 3.1 document generated from
// the same table, so every route, parameter, body, answer and error status
// is described. Handlers only decode the request, call exported Client
// methods and encode the answer.
//
// # Dialects
//
//   - sync: document 000 and the WhatsApp Use API (whatsapp-use.openapi.yaml).
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
//   - history: document 001: POST /history/sync ({count}: 1 to 100,
//     default 25; Client.RequestHistory). Answers are
//     {status, code, message, data}; errors {status, code, message, error}.
//   - chat: document 002. Bare JSON; errors are
//     {"error": {"code", "message", "status"}}. POST /api/v1/messages (text,
//     image, document, location, template), GET /api/v1/contacts,
//     GET /api/v1/contacts/{phone} and GET /api/v1/contacts/{phone}/messages
//     (the direct chat, newest first), the lists paged by
//     {"pagination": {"next"}} taken back as ?cursor= (absent on the last
//     page).
//   - business: document 003, at the paths of DESIGN section 7.1. Every
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
//     Media: POST /v1/media. Messages: POST /v1/messages,
//     DELETE /v1/messages/{message_id}/{chat_id}. Newsletters: GET and PUT
//     (follow {"id"}) /v1/newsletters, GET and DELETE (unfollow)
//     /v1/newsletters/{id}.
//
// Requests outside any route get 404 (or 405 with Allow) in the error shape
// of the dialect their path belongs to.
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
// of Options, as document 003 says, and nothing else; without them
// configured it always answers 401. It answers the account with a fresh API
// key for that account only as token (every scope; shown once), and the
// first QR code as text (code) and as a PNG data URL (image). When pairing
// cannot start, the account is removed again and the error returned.
//
// # Pairing page
//
// With Options.PairPage the handler also serves a small web page at
// GET /pair for linking accounts from a browser, where a server has no
// terminal to show a QR code in. It is off by default and every part of it
// takes the admin Basic credentials of Options (a browser asks for them).
// The page lists the accounts with their state, creates one, and links it:
// by QR code, shown as a PNG rendered on the server that an event stream
// (server-sent events) replaces as WhatsApp rotates codes, or by a code
// typed on the phone ("XXXX-XXXX") for a number the server checks first;
// once linked it says "connected as +15551234567 (name)". It is plain
// HTML, CSS and JavaScript embedded in the package: no build step and no
// external assets, so it works on a machine without internet. Its
// addresses are relative, so it works under any prefix (/wa/pair with the
// mount above). The page's own JSON routes and its event stream, under
// /pair/, are its plumbing, not part of the API, and are not in
// /openapi.json.
//
// An open page holds one of Options.MaxInFlight for its event stream, which
// ends after five minutes (the browser then reconnects) or once the
// account is connected. The stream ends when its request's context ends: a
// server that shuts down gracefully (http.Server.Shutdown) should cancel
// it, as examples/server does, or Shutdown waits for it.
//
// The routes that take the admin credentials refuse cross-origin browser
// requests (http.CrossOriginProtection, 403), since a browser that signed
// in to the page sends the credentials by itself.
//
// # Limits
//
// Every key may make Options.RequestsPerMinute requests (default 60,
// document 002) in a window of a minute that opens with its first request;
// requests that fail authentication count against their client IP. Every
// answer carries X-RateLimit-Limit, X-RateLimit-Remaining and
// X-RateLimit-Reset (Unix seconds); past the limit the answer is 429 with
// Retry-After, in the dialect's error shape. The Client's daily message
// quota (wauser.WithDailyMessageLimit, 1000 by default, counted in the
// store per account and UTC day) answers a send past it the same way: 429
// in the dialect's error shape ({"error":{"code":"rate_limit_exceeded",
// ...}} in the chat dialect), Retry-After the seconds to midnight UTC
// (the error's RetryAfter method), nothing sent. GET /v1/usage reports
// both. Bodies are
// limited to Options.MaxBodyBytes (Options.MaxMediaBytes for POST
// /v1/media) (413), decoded strictly (one JSON value, no unknown
// fields: 400; not JSON: 415), and at most Options.MaxInFlight requests run
// at once (beyond: 503 with Retry-After, at once). Each request runs under
// Options.Timeout.
//
// # Errors
//
// Sentinel errors of wauser map to statuses with errors.Is:
// ErrInvalidArgument 400, ErrAccountRequired 400 (name the account in the
// header), ErrForbidden 403 (WhatsApp refused: not a member, not an
// admin), ErrNotFound 404, ErrAccountExists, ErrWebhookExists and
// ErrAlreadyPaired 409, ErrNotLoggedIn 409 (pair first), ErrRateLimited
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
//   - GET /v1/accounts/{id} answers a one-element list, as document 003
//     shows. GET /v1/accounts, which document 003 shows without
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
//   - Webhook endpoints are the Client's webhooks, which belong to one
//     account: an endpoint names exactly one connection in connection_ids
//     (without it, the connection the request acts on: the key's only
//     account or X-WhatsApp-Use-Connection-Id), all_accounts is refused,
//     and description is accepted but not kept. The endpoint routes reach
//     the endpoints of every account the key can (or of the one the header
//     names); another account's endpoint is 404. Event types map to
//     wauser's: whatsapp.message.received, .sent, .reaction_received,
//     .edited, .deleted and .receipt_updated are message.received, .sent,
//     .reaction, .edited, .deleted and .status; whatsapp.connection.
//     status_changed is account.* (qr, paired, connected, disconnected,
//     logged_out); whatsapp.command.completed and .failed are accepted and
//     select nothing (commands finish before their answer), and alone they
//     are refused. An endpoint shows only the types the specification
//     names: one registered through the Client or the business dialect for
//     conversation, contact, group or history events lists those as
//     nothing. rotate-secret keeps the old secret signing next to the new
//     one for DefaultSecretOverlap (?overlap= in seconds; 0 ends it at
//     once). test sends a webhook.ping event, not a sample message.
//     Deliveries show status queued, pending, delivered, failed or dead.
//   - POST /v1/refresh takes an optional force=true: also re-fetch the app
//     state (contacts, chat settings).
//   - Contacts of the business dialect carry document 003's integer id (a
//     stable number per account, wauser.Contact.Num) next to the fields of
//     wauser.Contact; GET /v1/contacts lists them all.
//   - POST /v1/groups takes document 003's whole group info: id, owner,
//     created and broadcast are set by WhatsApp and ignored; members are
//     added, admins (who must be among the members) promoted, photo (a
//     base64 JPEG) set and archived applied once the group exists; muted
//     is refused (wauser cannot mute). Group ids in paths are JIDs or bare
//     ids. DELETE /v1/groups/{groupId} removes the others (when admin),
//     leaves and deletes the chat, WhatsApp having no group deletion.
//   - POST /v1/media takes the file as multipart/form-data (its first file
//     part; form fields type and file_name before it), as the raw body with
//     its Content-Type (application/octet-stream is sniffed), or as JSON
//     {url, mime_type, type, file_name} to fetch. Options.MaxMediaBytes
//     bounds the body; the answer is the uploaded wauser.Media.
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
//     sent by then (document 002 shows no answer). type may be left out
//     (it follows from the content); other types than the document's five
//     are 400 invalid_message_type. image and document also take the id
//     of a file uploaded with POST /v1/media instead of url, and to also
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
//   - POST /v1/messages takes document 003's request; text is the object
//     {"body": "..."} (a plain string is taken too). type may be left out;
//     sticker, contacts and template messages, which document 003 does not
//     list, are sent with the Client. data is the stored message (for a
//     reaction, the message reacted to, with its reactions; null for a
//     status message). A non-empty participants is refused (400): whatsmeow
//     encrypts a group message for every member. id makes a send
//     idempotent; it is kept as the message's client_id, and WhatsApp gets
//     an id whatsmeow makes.
//   - DELETE /v1/messages/{message_id}/{chat_id} deletes for everyone
//     (Client.RevokeMessage); message_id is a stored id (msg_…) or a
//     WhatsApp id in the chat; others' messages only in groups where the
//     account is an admin. It answers data null, as document 003 shows.
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
//   - GET /v1/whatsapp/media/{message_id} answers the file with its own
//     media type, as an attachment (Content-Disposition with the file name
//     when known, Content-Security-Policy: sandbox); a client whose Accept
//     admits application/octet-stream but not the file's type (one
//     generated from the specification) gets application/octet-stream.
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
