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
//   - sync: document 000 and the WhatsApp Use API (whatsapp-use.openapi.yaml):
//     GET /v1/me, GET /v1/whatsapp/status, POST /v1/whatsapp/pair,
//     GET /v1/whatsapp/pair/status, POST /v1/whatsapp/unlink. Bare JSON;
//     errors are {"error": "..."}.
//   - history: document 001 (POST /history/sync, when the Client can request
//     history). Answers are {status, code, message, data}; errors
//     {status, code, message, error}.
//   - chat: document 002 (/api/v1/messages and /api/v1/contacts, when the
//     Client can send). Bare JSON; errors are
//     {"error": {"code", "message", "status"}}.
//   - business: document 003, at the paths of DESIGN section 7.1: POST, GET
//     and DELETE /v1/accounts, GET /v1/accounts/{id},
//     GET /v1/accounts/code?phone=, GET /v1/profile/privacy, POST /v1/refresh,
//     GET /v1/status, GET /v1/contacts/status-audience. Every answer is
//     {data, message, success, timestamp}, errors too (data null, success
//     false).
//
// Requests outside any route get 404 (or 405 with Allow) in the error shape
// of the dialect their path belongs to.
//
// # Authentication
//
// Requests carry an API key (wauser.Client.CreateAPIKey) as
// "Authorization: Bearer <key>", as a bare "Authorization: <key>", or as
// "X-Api-Key: <key>". A key has scopes: GET routes need whatsapp:read,
// routes that act on WhatsApp whatsapp:write, unlinking or deleting an
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
// quota (wauser.ErrRateLimited, with the sends) is to answer 429 the same
// way, Retry-After taken from the error's RetryAfter method. Bodies are
// limited to
// Options.MaxBodyBytes (413), decoded strictly (one JSON value, no unknown
// fields: 400; not JSON: 415), and at most Options.MaxInFlight requests run
// at once (beyond: 503 with Retry-After, at once). Each request runs under
// Options.Timeout.
//
// # Errors
//
// Sentinel errors of wauser map to statuses with errors.Is:
// ErrInvalidArgument 400, ErrAccountRequired 400 (name the account in the
// header), ErrNotFound 404, ErrAccountExists and ErrAlreadyPaired 409,
// ErrNotLoggedIn 409 (pair first), ErrPairingFailed 502, ErrNotConnected,
// ErrNotStarted and ErrClosed 503 with Retry-After; a timeout is 503. A
// client mistake is never a 5xx, and changes nothing. A 5xx never shows
// its cause: clients read a fixed text, Options.Logger gets the cause.
//
// # Where the documents and the Client differ
//
//   - GET /v1/accounts/{id} answers a one-element list, as document 003
//     shows. GET /v1/accounts, which document 003 shows without
//     authorization, needs a key and lists only the key's accounts.
//   - POST /v1/whatsapp/unlink unlinks the phone (Client.Logout, which
//     deletes the account's data, webhooks included) and creates the
//     account again, unpaired, under the same id, ready for
//     POST /v1/whatsapp/pair. It runs before the 202 answer, whose command
//     record says completed; commands are not stored yet, so
//     GET /v1/whatsapp/commands/{id} is not served.
//   - GET /v1/whatsapp/pair/status answers 404 when no pairing was started
//     and the account is not paired.
//   - connector_ready in GET /v1/whatsapp/status is true while wauser keeps
//     the account's connection (pairing, connecting, connected,
//     reconnecting).
//   - POST /v1/refresh takes an optional force=true: also re-fetch the app
//     state (contacts, chat settings).
package rest
