package rest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wauser/wauser"
)

// Options configures the handler. The zero Options is usable: API keys of
// the Client, 1 MiB bodies, 128 requests in flight, a 30 s timeout, 60
// requests a minute per key, and no admin credentials.
type Options struct {
	// MaxBodyBytes limits request bodies; larger ones get 413. Default 1 MiB.
	MaxBodyBytes int64
	// MaxMediaBytes limits the body of a media upload (POST /v1/media),
	// which is a file; larger ones get 413. Default 100 MiB, the Client's
	// default media limit (wauser.WithMediaLimit), which applies as well.
	MaxMediaBytes int64
	// MaxInFlight limits the requests served at once; beyond it requests
	// get 503 with Retry-After at once instead of queueing. Default 128.
	MaxInFlight int
	// Timeout bounds each request, including waits for WhatsApp such as the
	// first QR code of a pairing. Default 30 s.
	Timeout time.Duration
	// RequestsPerMinute is the rate limit per API key (the WhatsSync Chat API: 60).
	// Requests that fail authentication count against their client IP with
	// the same limit. 0 means 60; a negative value turns this limit off,
	// and the X-RateLimit headers with it but on the answers to keys with
	// an hourly limit of their own (wauser.APIKey.RateLimitPerHour), which
	// holds either way.
	RequestsPerMinute int
	// Authenticate replaces API key authentication. It returns the caller's
	// key (which the host may build itself: only its ID, Scopes,
	// AllAccounts, Accounts, MaxDevices, RateLimitPerHour and CreatedBy are
	// used; ID keys the rate limit), or an
	// error: ErrUnauthorized (401), ErrForbidden (403), anything else is a
	// server error (500). Default: the API keys of the Client, read from
	// "Authorization: Bearer <key>", a bare "Authorization: <key>", or
	// "X-Api-Key: <key>" (see Client.CreateAPIKey).
	Authenticate func(r *http.Request) (*wauser.APIKey, error)
	// AdminUser and AdminPasswordHash are the Basic credentials that
	// the Business Server API requires for creating an account (POST /v1/accounts).
	// AdminPasswordHash is HashAdminPassword of the password. There is no
	// default: without them that route always answers 401.
	AdminUser         string
	AdminPasswordHash string
	// Logger receives server errors (5xx) with their cause; clients only see
	// a generic message. Default: discard.
	Logger *slog.Logger
	// Clock tells time for rate limit windows and response timestamps; use
	// the Client's clock (watest.Clock in tests). Default: the wall clock.
	Clock wauser.Clock
	// PairPage serves the console at GET /pair: a small web page, behind
	// the admin credentials, that lists the accounts, creates one, links it
	// to WhatsApp by a live QR code or a phone code, and shows its
	// conversations live, sends messages, and manages webhooks and API
	// keys (see the package documentation). Off by default.
	PairPage bool
	// Health serves GET /healthz (the process is alive) and GET /readyz
	// (the store answers, with every account's state; 503 when it does
	// not) without authentication or rate limit, for load balancers and
	// orchestrators. Off by default.
	Health bool
	// Docs serves GET /docs: the API reference, Swagger UI rendering GET
	// /openapi.json one dialect at a time, embedded so that it works
	// offline. Public, like
	// /openapi.json. Off by default.
	Docs bool
	// Demo marks a demonstration server whose WhatsApp is simulated
	// (package watest): the pages show a banner, /healthz and /readyz say
	// "demo": true, and the pairing page links accounts with a simulated
	// phone (Demo.Link). Nil, the default, on real servers.
	Demo *Demo
	// DialectsOff turns dialects off: their routes answer 404 and
	// /openapi.json does not describe them. Default: every dialect is on.
	DialectsOff []Dialect
	// MaxDevicesPerKey is how many accounts one API key may create through
	// the multi-session server's POST /devices, for keys without a quota of
	// their own (wauser.APIKey.MaxDevices; see the package documentation).
	// 0 means 10; a negative value refuses every creation by such keys.
	MaxDevicesPerKey int
}

// Dialect names one of the REST dialects the handler speaks.
type Dialect string

// The dialects, for Options.DialectsOff.
const (
	DialectSync         Dialect = "sync"         // the WhatsApp Use sync API (/v1/whatsapp/..., /v1/webhooks/endpoints, /v1/me, /v1/usage)
	DialectBusiness     Dialect = "business"     // the Business Server API (/v1/...)
	DialectChat         Dialect = "chat"         // the WhatsSync Chat API (/api/v1/...)
	DialectMultiSession Dialect = "multisession" // the multi-session server (/devices, /chats, /groups, ..., POST /history/sync)
)

// Demo configures a demonstration server (Options.Demo).
type Demo struct {
	// Link plays a phone scanning the QR code that account shows: the
	// pairing page's "Link with the simulated phone" button calls it.
	Link func(ctx context.Context, account wauser.AccountID) error
}

// Defaults of Options.
const (
	DefaultMaxBodyBytes      = 1 << 20
	DefaultMaxMediaBytes     = 100 << 20
	DefaultMaxInFlight       = 128
	DefaultTimeout           = 30 * time.Second
	DefaultRequestsPerMinute = 60
	DefaultMaxDevicesPerKey  = 10
)

// HeaderConnectionID picks the account (connection) a request acts on when
// the API key can reach several.
const HeaderConnectionID = "X-WhatsApp-Use-Connection-Id"

// handler serves the five dialects.
type handler struct {
	c       *wauser.Client
	opts    Options
	log     *slog.Logger
	clock   wauser.Clock
	mux     *http.ServeMux
	routes  []*route
	limiter *limiter // the request limits (Options.RequestsPerMinute, keys' hourly limits)
	slots   chan struct{}
	openapi []byte // the OpenAPI document, generated once from routes
	// dialectDocs are the OpenAPI documents of one dialect each
	// (GET /openapi.json?dialect=), generated when first asked for.
	dialectDocs map[Dialect]func() []byte
	// crossOrigin refuses cross-site browser requests on the routes that
	// take the admin Basic credentials, which a browser sends by itself
	// once the admin signed in to the pairing page.
	crossOrigin *http.CrossOriginProtection
	// streamLifetime and streamKeepAlive time the pairing page's event
	// streams (pairStreamLifetime, pairStreamKeepAlive; shorter in tests).
	streamLifetime, streamKeepAlive time.Duration
	buffers                         sync.Pool // *bytes.Buffer for encoding answers
}

// NewHandler returns the REST handler serving c: the sync (the WhatsApp Use sync API), history
// (POST /history/sync), chat (the WhatsSync Chat API) and business (the Business Server
// API) dialects, and GET /openapi.json. Mount it under a prefix with
// http.StripPrefix:
//
//	mux.Handle("/wa/", http.StripPrefix("/wa", rest.NewHandler(c, rest.Options{})))
func NewHandler(c *wauser.Client, opts Options) http.Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxMediaBytes <= 0 {
		opts.MaxMediaBytes = DefaultMaxMediaBytes
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = DefaultMaxInFlight
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.RequestsPerMinute == 0 {
		opts.RequestsPerMinute = DefaultRequestsPerMinute
	}
	if opts.MaxDevicesPerKey == 0 {
		opts.MaxDevicesPerKey = DefaultMaxDevicesPerKey
	}
	h := &handler{
		c:               c,
		opts:            opts,
		log:             opts.Logger,
		clock:           opts.Clock,
		mux:             http.NewServeMux(),
		slots:           make(chan struct{}, opts.MaxInFlight),
		crossOrigin:     http.NewCrossOriginProtection(),
		streamLifetime:  pairStreamLifetime,
		streamKeepAlive: pairStreamKeepAlive,
	}
	h.buffers.New = func() any { return new(bytes.Buffer) }
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.clock == nil {
		h.clock = wallClock{}
	}
	h.limiter = newLimiter()
	for _, rt := range h.routeTable() {
		if slices.Contains(opts.DialectsOff, dialectSwitch(rt.dialect)) {
			continue
		}
		rt.init()
		h.routes = append(h.routes, rt)
	}
	// Routes sharing a mux pattern (paths the mux finds ambiguous, such as
	// /groups/invite/{code} and /groups/{group_jid}/invite-link) are told
	// apart by their literal segments (dispatch).
	patterns, order := muxPatterns(h.routes)
	for _, pattern := range order {
		rts := patterns[pattern]
		if len(rts) == 1 && rts[0].pattern == "" && pattern == rts[0].method+" "+rts[0].path {
			h.mux.Handle(pattern, h.serve(rts[0]))
			continue
		}
		h.mux.Handle(pattern, h.dispatch(rts))
	}
	if opts.Health {
		h.healthRoutes()
	}
	if opts.Docs {
		h.docsRoutes()
	}
	h.mux.Handle("/", http.HandlerFunc(h.notFound))
	h.openapi = h.openAPIDocument("")
	h.dialectDocs = map[Dialect]func() []byte{}
	for _, d := range h.dialectsOn() {
		h.dialectDocs[d] = sync.OnceValue(func() []byte { return h.openAPIDocument(d) })
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// routeTable is every route of the handler. The mux and the OpenAPI document
// are both built from it, so no route exists without its description.
func (h *handler) routeTable() []*route {
	routes := []*route{
		// The handler's own description.
		{method: "GET", path: "/openapi.json", dialect: syncDialect{}, auth: authNone,
			id: "getOpenAPI", summary: "This OpenAPI document: every dialect that is on, or the one ?dialect= names",
			query: []param{{name: "dialect", description: "Only this dialect's routes: sync, business, chat or multisession (with POST /history/sync)"}},
			op:    h.getOpenAPI()},

		// sync dialect: the WhatsApp Use sync API.
		{method: "GET", path: "/v1/me", dialect: syncDialect{},
			id: "getMe", summary: "Inspect API key", op: syncMe(h)},
		{method: "GET", path: "/v1/usage", dialect: syncDialect{}, scope: wauser.ScopeRead, header: true,
			id: "listUsage", summary: "List usage for the current API key: the daily message quota of each connection it reaches, and its request limit",
			query: []param{{name: "limit", typ: "integer", description: "Days of message counts per connection, newest first: at least 1, default 30, above 366 is 366"}},
			op:    syncUsage()},
		{method: "GET", path: "/v1/whatsapp/status", dialect: syncDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "getWhatsAppStatus", summary: "Get WhatsApp connection status", op: syncStatus()},
		{method: "POST", path: "/v1/whatsapp/pair", dialect: syncDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "requestWhatsAppPairing", summary: "Start WhatsApp pairing", status: http.StatusAccepted,
			errors: []int{http.StatusConflict, http.StatusBadGateway}, op: syncPair()},
		{method: "GET", path: "/v1/whatsapp/pair/status", dialect: syncDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "getWhatsAppPairingStatus", summary: "Get WhatsApp pairing status", op: syncPairStatus()},
		{method: "POST", path: "/v1/whatsapp/unlink", dialect: syncDialect{}, scope: wauser.ScopeAdmin, account: accountFromKey,
			id: "unlinkWhatsApp", summary: "Unlink WhatsApp", status: http.StatusAccepted, errors: []int{http.StatusConflict}, op: syncUnlink()},
		{method: "GET", path: "/v1/whatsapp/sync", dialect: syncDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "syncWhatsApp", summary: "Sync changed WhatsApp records",
			query: []param{
				{name: "cursor", typ: "integer", description: "The cursor of the previous page; absent or 0 starts from the beginning"},
				{name: "limit", typ: "integer", description: "Records per page, all three kinds together: at least 1, default 100; above 1000 is 1000"},
			}, op: syncChanges()},
		{method: "GET", path: "/v1/whatsapp/conversations", dialect: syncDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "listConversations", summary: "List conversations", query: []param{
				{name: "limit", typ: "integer", description: "Conversations per page: at least 1, default and most 500"},
				{name: "cursor", description: "next_cursor of the previous page"},
				{name: "kind", description: "Only this kind: direct, group, newsletter, broadcast or status"},
				{name: "archived", typ: "boolean", description: "Only archived (true) or not archived (false) conversations"},
			}, op: syncConversations()},
		{method: "GET", path: "/v1/whatsapp/contacts", dialect: syncDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "listContacts", summary: "List contacts", query: []param{
				{name: "limit", typ: "integer", description: "Contacts per page: at least 1, default and most 500"},
				{name: "cursor", description: "next_cursor of the previous page"},
			}, op: syncContacts()},
		{method: "GET", path: "/v1/whatsapp/conversations/{conversation_id}/messages", dialect: syncDialect{}, scope: wauser.ScopeRead,
			account: accountFromKey, id: "listConversationMessages", summary: "List conversation messages", query: []param{
				{name: "before_message_id", description: "Continue with the messages sent before this one (the last of the previous page)"},
				{name: "limit", typ: "integer", description: "Messages per page: at least 1, default 50, at most 500"},
			}, op: syncConversationMessages()},
		{method: "POST", path: "/v1/whatsapp/messages/send", dialect: syncDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "sendMessage", summary: "Send a text message", status: http.StatusAccepted, errors: waErrors, op: syncSendMessage()},
		{method: "POST", path: "/v1/whatsapp/messages/react", dialect: syncDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "reactToMessage", summary: "React to a message", status: http.StatusAccepted, errors: waErrors, op: syncReact()},
		{method: "POST", path: "/v1/whatsapp/messages/edit", dialect: syncDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "editMessage", summary: "Edit a message", status: http.StatusAccepted, errors: waErrors, op: syncEdit()},
		{method: "POST", path: "/v1/whatsapp/messages/delete", dialect: syncDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "deleteMessage", summary: "Delete or revoke a message", status: http.StatusAccepted, errors: waErrors, op: syncDelete()},
		{method: "POST", path: "/v1/whatsapp/messages/read", dialect: syncDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "markMessagesRead", summary: "Mark messages as read", status: http.StatusAccepted, errors: waErrors, op: syncMarkRead()},
		{method: "POST", path: "/v1/whatsapp/conversations/{conversation_id}/read", dialect: syncDialect{}, scope: wauser.ScopeWrite,
			account: accountFromKey, id: "markConversationRead", summary: "Mark conversation messages as read (without message_ids: its unread incoming messages among the newest 100)",
			status: http.StatusAccepted, errors: waErrors, op: syncMarkConversationRead()},
		{method: "GET", path: "/v1/whatsapp/media/{message_id}", dialect: syncDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "downloadMedia", summary: "Download message media", errors: waErrors, op: syncDownloadMedia()},
		{method: "GET", path: "/v1/whatsapp/groups", dialect: syncDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "listWhatsAppGroups", summary: "List the groups the account is a member of (beyond whatsapp-use)",
			errors: waErrors, op: syncGroups()},
		{method: "POST", path: "/v1/whatsapp/groups", dialect: syncDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "createGroup", summary: "Create a group", status: http.StatusAccepted, errors: waErrors, op: syncCreateGroup()},
		{method: "POST", path: "/v1/whatsapp/groups/{group_jid}/participants", dialect: syncDialect{}, scope: wauser.ScopeWrite,
			account: accountFromKey, id: "updateGroupParticipants", summary: "Update group participants", status: http.StatusAccepted,
			errors: waErrors, op: syncGroupParticipants()},
		{method: "GET", path: "/v1/whatsapp/commands/{command_id}", dialect: syncDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "getWhatsAppCommand", summary: "Get the record of a command (beyond whatsapp-use)", op: syncGetCommand()},
		{method: "GET", path: "/v1/webhooks/endpoints", dialect: syncDialect{}, scope: wauser.ScopeWebhooks, header: true,
			id: "listWebhookEndpoints", summary: "List webhook endpoints", op: syncListEndpoints()},
		{method: "POST", path: "/v1/webhooks/endpoints", dialect: syncDialect{}, scope: wauser.ScopeWebhooks, header: true,
			id: "createWebhookEndpoint", summary: "Create a webhook endpoint", status: http.StatusCreated,
			errors: []int{http.StatusNotFound, http.StatusConflict}, op: syncCreateEndpoint()},
		{method: "PATCH", path: "/v1/webhooks/endpoints/{endpoint_id}", dialect: syncDialect{}, scope: wauser.ScopeWebhooks, header: true,
			id: "updateWebhookEndpoint", summary: "Update a webhook endpoint", errors: []int{http.StatusConflict}, op: syncUpdateEndpoint()},
		{method: "DELETE", path: "/v1/webhooks/endpoints/{endpoint_id}", dialect: syncDialect{}, scope: wauser.ScopeWebhooks, header: true,
			id: "deleteWebhookEndpoint", summary: "Delete a webhook endpoint", op: syncDeleteEndpoint()},
		{method: "POST", path: "/v1/webhooks/endpoints/{endpoint_id}/rotate-secret", dialect: syncDialect{}, scope: wauser.ScopeWebhooks,
			header: true, id: "rotateWebhookEndpointSecret", summary: "Rotate a webhook endpoint secret",
			query: []param{{name: "overlap", typ: "integer", description: "Seconds the old secret keeps signing next to the new one; default 86400, 0 retires it at once"}},
			op:    syncRotateEndpoint()},
		{method: "POST", path: "/v1/webhooks/endpoints/{endpoint_id}/test", dialect: syncDialect{}, scope: wauser.ScopeWebhooks, header: true,
			id: "testWebhookEndpoint", summary: "Send a test event (webhook.ping) to the endpoint URL", op: syncTestEndpoint()},
		{method: "GET", path: "/v1/webhooks/deliveries", dialect: syncDialect{}, scope: wauser.ScopeWebhooks, header: true,
			id: "listWebhookDeliveries", summary: "List webhook deliveries", query: []param{
				{name: "limit", typ: "integer", description: "Deliveries to list, newest first: at least 1, default 50, at most 500"},
				{name: "endpoint_id", description: "Only the deliveries of this endpoint"},
			}, op: syncListDeliveries()},

		// business dialect: the Business Server API, at its own paths.
		{method: "POST", path: "/v1/accounts", dialect: businessDialect{}, auth: authAdmin,
			id: "initAccount", summary: "Init Account", message: "account created; scan the QR code",
			errors: []int{http.StatusConflict, http.StatusBadGateway}, op: businessInitAccount(h)},
		{method: "GET", path: "/v1/accounts", dialect: businessDialect{}, scope: wauser.ScopeRead,
			id: "listAccounts", summary: "Get List of Accounts", op: businessListAccounts()},
		{method: "GET", path: "/v1/accounts/{id}", dialect: businessDialect{}, scope: wauser.ScopeRead, account: accountFromPath,
			id: "getAccount", summary: "Get Account by ID", op: businessGetAccount()},
		{method: "DELETE", path: "/v1/accounts", dialect: businessDialect{}, scope: wauser.ScopeAdmin, account: accountFromKey,
			id: "logoutAccount", summary: "Log out Account", message: "account logged out and removed", errors: []int{http.StatusConflict},
			op: businessLogout()},
		{method: "GET", path: "/v1/accounts/code", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "getPairCode", summary: "Get Pair Code",
			query:  []param{{name: "phone", required: true, description: "Phone number of the phone to link, in international format (+15551234567)"}},
			errors: []int{http.StatusConflict, http.StatusBadGateway}, op: businessPairCode()},
		{method: "GET", path: "/v1/profile/privacy", dialect: businessDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "getStatusPrivacy", summary: "Get Status Privacy",
			query:  []param{{name: "default", typ: "boolean", description: "Answer the default setting alone, as an object {type, list, is_default}"}},
			errors: []int{http.StatusConflict}, op: businessStatusPrivacy()},
		{method: "POST", path: "/v1/refresh", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "refreshAccount", summary: "Reconnect the account; with force=true also re-fetch its app state",
			query:  []param{{name: "force", typ: "boolean", description: "Also re-fetch contacts and chat settings from WhatsApp"}},
			errors: []int{http.StatusConflict}, op: businessRefresh()},
		{method: "GET", path: "/v1/status", dialect: businessDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "getAccountStatus", summary: "Get Account Status", op: businessStatusRoute()},
		{method: "GET", path: "/v1/contacts/status-audience", dialect: businessDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "getStatusAudience", summary: "Get the contacts that can see the status", errors: []int{http.StatusConflict},
			op: businessStatusAudience()},
		{method: "GET", path: "/v1/webhooks", dialect: businessDialect{}, scope: wauser.ScopeWebhooks, account: accountFromKey,
			id: "getWebhooks", summary: "Get Webhooks", op: businessListWebhooks()},
		{method: "POST", path: "/v1/webhooks", dialect: businessDialect{}, scope: wauser.ScopeWebhooks, account: accountFromKey,
			id: "createWebhook", summary: "Create Webhook (answers it with its signing secret, shown only here)",
			message: "webhook created", errors: []int{http.StatusConflict}, op: businessCreateWebhook()},
		{method: "DELETE", path: "/v1/webhooks", dialect: businessDialect{}, scope: wauser.ScopeWebhooks, account: accountFromKey,
			id: "deleteWebhook", summary: "Delete Webhook (the one with the body's url)", message: "webhook deleted", op: businessDeleteWebhook()},
		{method: "DELETE", path: "/v1/webhooks/all", dialect: businessDialect{}, scope: wauser.ScopeWebhooks, account: accountFromKey,
			id: "deleteAllWebhooks", summary: "Delete All Webhooks", message: "webhooks deleted", op: businessDeleteAllWebhooks()},
		{method: "POST", path: "/v1/chats/{chatId}/archive", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "archiveChat", summary: "Archive chat by id", message: "chat archived", errors: waErrors, op: businessArchiveChat(true)},
		{method: "POST", path: "/v1/chats/{chatId}/unarchive", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "unarchiveChat", summary: "Unarchive chat by id", message: "chat unarchived", errors: waErrors, op: businessArchiveChat(false)},
		{method: "GET", path: "/v1/groups", dialect: businessDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "getGroups", summary: "Get all groups", errors: waErrors, op: businessListGroups()},
		{method: "POST", path: "/v1/groups", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "createNewGroup", summary: "Create a new group", message: "group created", groupsEnvelope: true,
			errors: waErrors, op: businessCreateGroup()},
		{method: "GET", path: "/v1/groups/{groupId}", dialect: businessDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "getGroupInfo", summary: "Get group info", groupsEnvelope: true, errors: waErrors, op: businessGetGroup()},
		{method: "PUT", path: "/v1/groups/{groupId}", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "updateGroupInfo", summary: "Update group info", message: "group updated", groupsEnvelope: true,
			errors: waErrors, op: businessUpdateGroup()},
		{method: "DELETE", path: "/v1/groups/{groupId}", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "deleteGroup", summary: "Delete a group (remove the others when admin, leave, delete the chat)",
			message: "group deleted", errors: waErrors, op: businessDeleteGroup()},
		{method: "POST", path: "/v1/groups/{groupId}/members", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "addGroupMembers", summary: "Add group members", errors: waErrors,
			op: businessMemberChange(func(c *wauser.Client) memberFunc { return c.AddGroupMembers })},
		{method: "DELETE", path: "/v1/groups/{groupId}/members", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "deleteGroupMembers", summary: "Delete group members", errors: waErrors,
			op: businessMemberChange(func(c *wauser.Client) memberFunc { return c.RemoveGroupMembers })},
		{method: "POST", path: "/v1/groups/{groupId}/admins", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "promoteGroupAdmins", summary: "Promote group admins", errors: waErrors,
			op: businessMemberChange(func(c *wauser.Client) memberFunc { return c.PromoteGroupAdmins })},
		{method: "DELETE", path: "/v1/groups/{groupId}/admins", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "demoteGroupAdmins", summary: "Demote group admins", errors: waErrors,
			op: businessMemberChange(func(c *wauser.Client) memberFunc { return c.DemoteGroupAdmins })},
		{method: "GET", path: "/v1/groups/{groupId}/requests", dialect: businessDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "getGroupRequests", summary: "Get group members requests", errors: waErrors, op: businessJoinRequests()},
		{method: "POST", path: "/v1/groups/{groupId}/requests", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "approveGroupRequests", summary: "Approve group members requests", errors: waErrors,
			op: businessGroupMembers(func(c *wauser.Client) memberFunc { return c.ApproveGroupJoinRequests })},
		{method: "DELETE", path: "/v1/groups/{groupId}/requests", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "rejectGroupRequests", summary: "Reject group members requests", errors: waErrors,
			op: businessGroupMembers(func(c *wauser.Client) memberFunc { return c.RejectGroupJoinRequests })},
		{method: "POST", path: "/v1/groups/{groupId}/announce", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "setGroupAnnounce", summary: "Set group as announce group, so only admins can send messages", errors: waErrors,
			op: businessGroupSetting(func(c *wauser.Client, ctx context.Context, g string) error { return c.SetGroupAnnounce(ctx, g, true) })},
		{method: "DELETE", path: "/v1/groups/{groupId}/announce", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "unsetGroupAnnounce", summary: "Unset announce, so any member can send messages", errors: waErrors,
			op: businessGroupSetting(func(c *wauser.Client, ctx context.Context, g string) error { return c.SetGroupAnnounce(ctx, g, false) })},
		{method: "POST", path: "/v1/groups/{groupId}/lock", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "lockGroup", summary: "Lock group, so only admins can update group info", errors: waErrors,
			op: businessGroupSetting(func(c *wauser.Client, ctx context.Context, g string) error { return c.SetGroupLocked(ctx, g, true) })},
		{method: "DELETE", path: "/v1/groups/{groupId}/lock", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "unlockGroup", summary: "Unlock group, so any member can update group info", errors: waErrors,
			op: businessGroupSetting(func(c *wauser.Client, ctx context.Context, g string) error { return c.SetGroupLocked(ctx, g, false) })},
		{method: "POST", path: "/v1/groups/{groupId}/pin", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "pinGroup", summary: "Pin group to the top of the chat list", errors: waErrors,
			op: businessGroupSetting(func(c *wauser.Client, ctx context.Context, g string) error { return c.PinChat(ctx, groupChat(g)) })},
		{method: "DELETE", path: "/v1/groups/{groupId}/pin", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "unpinGroup", summary: "Unpin group from the top of the chat list", errors: waErrors,
			op: businessGroupSetting(func(c *wauser.Client, ctx context.Context, g string) error { return c.UnpinChat(ctx, groupChat(g)) })},
		{method: "POST", path: "/v1/groups/{groupId}/clear", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "clearGroup", summary: "Clear group history", errors: waErrors, op: businessClearGroup()},
		{method: "GET", path: "/v1/groups/{groupId}/invite", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "getGroupInvite", summary: "Get group invite link",
			query:  []param{{name: "reset", typ: "boolean", description: "Revoke the current link and make a new one"}},
			errors: waErrors, op: businessGroupInvite()},
		{method: "POST", path: "/v1/contacts/check", dialect: businessDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "checkContacts", summary: "Check if the contacts are on WhatsApp", errors: waErrors, op: businessCheckContacts()},
		{method: "GET", path: "/v1/contacts", dialect: businessDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "getContacts", summary: "Get the contacts", op: businessContacts()},
		{method: "PUT", path: "/v1/contacts", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "updateContact", summary: "Update the contact name (and tags) in the store", message: "contact updated",
			op: businessUpdateContact()},
		{method: "POST", path: "/v1/media", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey, media: true,
			id: "uploadMedia", summary: "Upload media (multipart/form-data, the raw file with its Content-Type, or JSON with a url)",
			message: "media uploaded", query: []param{
				{name: "type", description: "Send it as: image, video, audio, document or sticker; default by its MIME type"},
				{name: "file_name", description: "The file name shown for documents"},
			}, errors: append([]int{http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType}, waErrors...),
			op: businessUploadMedia()},
		{method: "GET", path: "/v1/media/{media_id}", dialect: businessDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "getMedia", summary: "Get uploaded media (the WhatsApp Cloud API's media object; its url downloads the file with the same key)",
			op: businessGetMedia()},
		{method: "GET", path: "/v1/media/{media_id}/file", dialect: businessDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "downloadUploadedMedia", summary: "Download uploaded media", errors: waErrors, op: businessDownloadMedia()},
		{method: "POST", path: "/v1/messages", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "sendMessageToChat", summary: "Send message to Chat", message: "message sent", errors: waErrors, op: businessSendMessage()},
		{method: "DELETE", path: "/v1/messages/{message_id}/{chat_id}", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "deleteMessageFromChat", summary: "Delete message from Chat (for everyone)", message: "message deleted", errors: waErrors,
			op: businessDeleteMessage()},
		{method: "GET", path: "/v1/newsletters", dialect: businessDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "getNewsletters", summary: "Get all newsletters", errors: waErrors, op: businessListNewsletters()},
		{method: "PUT", path: "/v1/newsletters", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "followNewsletter", summary: "Follow a newsletter", message: "newsletter followed", errors: waErrors,
			op: businessFollowNewsletter()},
		{method: "GET", path: "/v1/newsletters/{id}", dialect: businessDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "getNewsletter", summary: "Get a newsletter", errors: waErrors, op: businessGetNewsletter()},
		{method: "DELETE", path: "/v1/newsletters/{id}", dialect: businessDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "unfollowNewsletter", summary: "Unfollow a newsletter", message: "newsletter unfollowed", errors: waErrors,
			op: businessUnfollowNewsletter()},

		// chat dialect: the WhatsSync Chat API.
		{method: "POST", path: "/api/v1/messages", dialect: chatDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "sendChatMessage", summary: "Send a Message (text, image, document, location or template)", status: http.StatusCreated,
			errors: waErrors, op: chatSendMessage()},
		{method: "GET", path: "/api/v1/contacts", dialect: chatDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "listChatContacts", summary: "List Contacts", query: []param{
				{name: "cursor", description: "pagination.next of the previous page"},
				{name: "limit", typ: "integer", description: "Contacts per page: at least 1, default 50, at most 500"},
			}, op: chatListContacts()},
		{method: "GET", path: "/api/v1/contacts/{phone}", dialect: chatDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "getChatContact", summary: "Get Contact Details", op: chatGetContact()},
		{method: "GET", path: "/api/v1/contacts/{phone}/messages", dialect: chatDialect{}, scope: wauser.ScopeRead, account: accountFromKey,
			id: "listChatContactMessages", summary: "Get Messages for a Contact", query: []param{
				{name: "cursor", description: "pagination.next of the previous page"},
				{name: "limit", typ: "integer", description: "Messages per page, newest first: at least 1, default 50, at most 500"},
			}, op: chatContactMessages()},

		// history dialect: the multi-session history route.
		{method: "POST", path: "/history/sync", dialect: historyDialect{}, scope: wauser.ScopeWrite, account: accountFromKey,
			id: "requestHistorySync", summary: "Request message history from WhatsApp", message: "History sync requested",
			errors: waErrors, op: historyRequestSync()},
	}
	routes = append(routes, h.multiSessionRoutes()...)
	if h.opts.PairPage {
		routes = append(routes, h.pairPageRoutes()...)
	}
	return routes
}

// waErrors are the statuses of routes that ask WhatsApp: it refused (403),
// knows no such thing (404), the account is not paired (409), WhatsApp's
// rate limit (429).
var waErrors = []int{http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusTooManyRequests}

// authMode says how a route authenticates its caller.
type authMode int

const (
	authKey         authMode = iota // an API key (or Options.Authenticate)
	authAdmin                       // the admin Basic credentials of Options
	authNone                        // public
	authAdminSecret                 // the admin password of Options in X-Admin-Secret (the multi-session server)
)

// accountMode says which account a route acts on.
type accountMode int

const (
	accountNone     accountMode = iota // none, or the handler filters by key
	accountFromKey                     // the key's only account, or X-WhatsApp-Use-Connection-Id
	accountFromPath                    // the {id} path parameter
)

// route is one entry of the route table.
type route struct {
	method, path string
	dialect      dialect
	auth         authMode
	scope        wauser.Scope // required scope; "" = any authenticated key
	account      accountMode
	id, summary  string
	status       int    // success status; default 200
	message      string // success message of the history and business envelopes
	query        []param
	errors       []int // error statuses beyond the ones every route can answer
	op           operation
	// page marks a route of the pairing page: the page's own plumbing, not
	// part of the API, so not in the OpenAPI document.
	page bool
	// stream marks a long-lived answer (server-sent events): it runs for up
	// to streamLifetime instead of Options.Timeout.
	stream bool
	// header: an accountNone route that still honours
	// X-WhatsApp-Use-Connection-Id (documented as its parameter).
	header bool
	// groupsEnvelope: the Business Server API's quirk for group create, get and
	// update, answered as {groups, message, success}.
	groupsEnvelope bool
	// media: the body is a file (Options.MaxMediaBytes applies).
	media bool
	// refused is the reason the route is not served (a refused operation
	// of the multi-session server): it answers 501 with it.
	refused string
	// pattern, when set, is the mux pattern of a route whose path the mux
	// cannot tell from another's (/groups/invite/{code} and
	// /groups/{group_jid}/invite-link); routes sharing it are picked by
	// their literal segments (see dispatch).
	pattern string
}

// muxPatterns groups routes by the mux pattern that serves them: its own
// path, rt.pattern, or, for routes whose paths overlap without one being
// more specific (which the mux refuses), one pattern with a wildcard
// wherever they differ. Within a group, routes are ordered most literal
// first. order lists the patterns in table order.
func muxPatterns(routes []*route) (map[string][]*route, []string) {
	group := make([]int, len(routes))
	for i := range group {
		group[i] = i
	}
	find := func(i int) int {
		for group[i] != i {
			i = group[i]
		}
		return i
	}
	for i, a := range routes {
		for j := i + 1; j < len(routes); j++ {
			if b := routes[j]; a.pattern == "" && b.pattern == "" && a.method == b.method && ambiguous(a.path, b.path) {
				group[find(j)] = find(i)
			}
		}
	}
	members := map[int][]*route{}
	for i, rt := range routes {
		members[find(i)] = append(members[find(i)], rt)
	}
	patterns := map[string][]*route{}
	var order []string
	for i, rt := range routes {
		if find(i) != i {
			continue
		}
		rts := members[i]
		pattern := rt.method + " " + rt.path
		switch {
		case rt.pattern != "":
			pattern = rt.method + " " + rt.pattern
		case len(rts) > 1:
			segs := strings.Split(rt.path, "/")
			for k := range segs {
				for _, o := range rts[1:] {
					if strings.Split(o.path, "/")[k] != segs[k] {
						segs[k] = "{p" + strconv.Itoa(k) + "}"
						break
					}
				}
			}
			pattern = rt.method + " " + strings.Join(segs, "/")
			slices.SortStableFunc(rts, func(a, b *route) int {
				as, bs := strings.Split(a.path, "/"), strings.Split(b.path, "/")
				for k := range as {
					aw, bw := strings.HasPrefix(as[k], "{"), strings.HasPrefix(bs[k], "{")
					if aw != bw {
						if aw {
							return 1
						}
						return -1
					}
				}
				return 0
			})
		}
		if patterns[pattern] == nil {
			order = append(order, pattern)
		}
		patterns[pattern] = append(patterns[pattern], rts...)
	}
	return patterns, order
}

// ambiguous reports whether two paths match some path alike while neither
// is more specific: the mux refuses to hold both.
func ambiguous(a, b string) bool {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	if len(as) != len(bs) {
		return false
	}
	aMore, bMore := false, false // a literal where the other has a wildcard
	for k := range as {
		aw, bw := strings.HasPrefix(as[k], "{"), strings.HasPrefix(bs[k], "{")
		switch {
		case !aw && !bw && as[k] != bs[k]:
			return false // never the same path
		case !aw && bw:
			aMore = true
		case aw && !bw:
			bMore = true
		}
	}
	return aMore && bMore
}

// dispatch serves the routes sharing one mux pattern: the first whose
// literal segments match the request's path, with its own path values.
func (h *handler) dispatch(rts []*route) http.Handler {
	handlers := make([]http.Handler, len(rts))
	for i, rt := range rts {
		handlers[i] = h.serve(rt)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := strings.Split(r.URL.Path, "/")
	routes:
		for i, rt := range rts {
			want := strings.Split(rt.path, "/")
			if len(want) != len(got) && !(strings.HasSuffix(rt.path, "/*") && len(got) >= len(want)) {
				continue
			}
			values := map[string]string{}
			for j, seg := range want {
				if seg == "*" && j == len(want)-1 {
					break // the rest of the path, whatever it is
				}
				if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
					if got[j] == "" {
						continue routes
					}
					values[strings.Trim(seg, "{}")] = got[j]
				} else if seg != got[j] {
					continue routes
				}
			}
			for name, v := range values {
				r.SetPathValue(name, v)
			}
			handlers[i].ServeHTTP(w, r)
			return
		}
		h.notFound(w, r)
	})
}

// dialectSwitch is the Options.DialectsOff name of d.
func dialectSwitch(d dialect) Dialect {
	if d.name() == "history" {
		return DialectMultiSession
	}
	return Dialect(d.name())
}

func (rt *route) init() {
	if rt.status == 0 {
		rt.status = http.StatusOK
	}
	if rt.message == "" {
		rt.message = "success"
	}
}

// pathParams returns the {names} of the route's path.
func (rt *route) pathParams() []string {
	var names []string
	for seg := range strings.SplitSeq(rt.path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			names = append(names, strings.TrimSuffix(strings.Trim(seg, "{}"), "..."))
		}
	}
	return names
}

// param is a query parameter.
type param struct {
	name        string
	typ         string // JSON Schema type; default "string"
	required    bool
	description string
}

// operation is what a route does: the types it decodes and encodes (for
// the OpenAPI document) and the function that does it.
type operation struct {
	in         reflect.Type // request body type; nil: no body
	inOptional bool
	out        reflect.Type
	fn         func(x *call) (any, error)
	// raw: fn writes the answer itself (a page, an event stream); it
	// returns an error only before writing anything.
	raw bool
	// inDoc describes a request body that is not JSON of type in: its
	// "content" map of the OpenAPI document.
	inDoc func(g *docGen) map[string]any
	// outDoc describes a success answer that is not JSON (a raw
	// operation's file): its "content" map of the OpenAPI document.
	outDoc func(g *docGen) map[string]any
}

// do is an operation without a request body.
func do[Out any](fn func(x *call) (Out, error)) operation {
	return operation{out: reflect.TypeFor[Out](), fn: func(x *call) (any, error) { return fn(x) }}
}

// doBody is an operation with a required JSON body, decoded strictly into
// In before fn runs.
func doBody[In, Out any](fn func(x *call, in *In) (Out, error)) operation {
	return operation{in: reflect.TypeFor[In](), out: reflect.TypeFor[Out](), fn: func(x *call) (any, error) {
		in := new(In)
		if err := x.decode(in, false); err != nil {
			return nil, err
		}
		return fn(x, in)
	}}
}

// doOptionalBody is doBody for an optional body: none means the zero In.
func doOptionalBody[In, Out any](fn func(x *call, in *In) (Out, error)) operation {
	op := doBody(fn)
	op.inOptional = true
	op.fn = func(x *call) (any, error) {
		in := new(In)
		if err := x.decode(in, true); err != nil {
			return nil, err
		}
		return fn(x, in)
	}
	return op
}

// doRaw is an operation that writes its answer itself. fn returns an error
// only before it wrote anything; the error is then answered in the route's
// dialect.
func doRaw(fn func(x *call) error) operation {
	return operation{raw: true, fn: func(x *call) (any, error) { return nil, fn(x) }}
}

// noData is the output of operations that answer no data (null in the
// envelopes).
type noData struct{}

// call is one request on its way through a route.
type call struct {
	route *route
	w     http.ResponseWriter
	r     *http.Request
	ctx   context.Context
	key   *wauser.APIKey // the caller; nil on public routes
	c     *wauser.Client // bound to the account the request acts on (see accountMode)
	root  *wauser.Client // the handler's Client, unbound
	log   *slog.Logger
	now   time.Time
	rate  *rateState // the rate limit bucket after this request; nil when off
}

// serve runs a route: in-flight slot, authentication, rate limit, scope,
// account, then the operation, and writes its result or error in the
// route's dialect.
func (h *handler) serve(rt *route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x := &call{route: rt, w: w, r: r, now: h.clock.Now(), root: h.c, log: h.log}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				if w.Header().Get("X-RateLimit-Limit") == "" {
					_ = h.rateLimit(x, h.ipRules(r)) // for the headers: it is answered anyway
				}
				h.writeError(x, rt.dialect, fmt.Errorf("rest: panic in %s %s: %v", rt.method, rt.path, v))
			}
		}()
		select {
		case h.slots <- struct{}{}:
			defer func() { <-h.slots }()
		default:
			// Still answer with the rate limit headers, counted against the
			// client IP: the request was not authenticated.
			if err := h.rateLimit(x, h.ipRules(r)); err != nil {
				h.writeError(x, rt.dialect, err)
				return
			}
			h.writeError(x, rt.dialect, errBusy)
			return
		}
		timeout := h.opts.Timeout
		if rt.stream {
			timeout = h.streamLifetime
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		x.ctx, x.r = ctx, r.WithContext(ctx)

		if err := h.admit(x); err != nil {
			h.writeError(x, rt.dialect, err)
			return
		}
		limit := h.opts.MaxBodyBytes
		if rt.media {
			limit = h.opts.MaxMediaBytes
		}
		x.r.Body = http.MaxBytesReader(w, x.r.Body, limit)
		out, err := rt.op.fn(x)
		if err != nil {
			h.writeError(x, rt.dialect, err)
			return
		}
		if rt.op.raw {
			return // written by the operation
		}
		h.writeJSON(x, rt.status, rt.dialect.ok(x, out))
	})
}

// admit authenticates the caller, applies the rate limit, checks the scope
// and binds the account.
func (h *handler) admit(x *call) error {
	rt := x.route
	var (
		key   *wauser.APIKey
		rules []rule
		err   error
	)
	switch rt.auth {
	case authNone:
	case authAdmin:
		key, err = h.authenticateAdmin(x.r)
	case authAdminSecret:
		key, err = h.authenticateAdminSecret(x.r)
	default:
		key, err = h.authenticate(x.r)
	}
	if rt.auth == authNone || err != nil {
		rules = h.ipRules(x.r)
	} else if rules, err = h.keyRules(x, key); err != nil {
		return err
	}
	if lerr := h.rateLimit(x, rules); lerr != nil {
		return lerr
	}
	if err != nil {
		return err
	}
	x.key = key
	x.c = h.c
	if rt.auth == authAdmin || rt.auth == authAdminSecret {
		if err := h.crossOrigin.Check(x.r); err != nil {
			return forbidden("cross-origin request refused: %v", err)
		}
	}
	if err := checkInputs(x); err != nil {
		return err
	}
	if rt.auth != authKey {
		return nil
	}
	if rt.scope != "" && !key.HasScope(rt.scope) {
		return forbidden("the API key lacks the %s scope", rt.scope)
	}
	switch rt.account {
	case accountFromKey:
		id, err := x.pickAccount()
		if err != nil {
			return err
		}
		if id != "" {
			x.c = h.c.WithAccount(id)
		}
	case accountFromPath:
		id := wauser.AccountID(x.r.PathValue("id"))
		if !key.CanAccess(id) {
			return forbidden("the API key cannot access account %q", id)
		}
		x.c = h.c.WithAccount(id)
	}
	return nil
}

// notFound answers requests no route matches: 405 with Allow when the path
// exists with other methods, 404 otherwise, in the dialect the path belongs
// to.
func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	d := dialectOf(r.URL.Path)
	x := &call{w: w, r: r, now: h.clock.Now()}
	if err := h.rateLimit(x, h.ipRules(r)); err != nil {
		h.writeError(x, d, err)
		return
	}
	var allow []string
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := h.mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		h.writeError(x, d, &apiError{status: http.StatusMethodNotAllowed, code: "method_not_allowed",
			message: fmt.Sprintf("%s is not allowed here; use %s", r.Method, strings.Join(allow, ", "))})
		return
	}
	h.writeError(x, d, &apiError{status: http.StatusNotFound, code: "not_found", message: "no such route: " + r.URL.Path})
}

// dialectOf returns the dialect that owns a path, for answers outside any
// route.
func dialectOf(path string) dialect {
	switch {
	case strings.HasPrefix(path, "/api/"):
		return chatDialect{}
	case strings.HasPrefix(path, "/history/"):
		return historyDialect{}
	case multiSessionPath(path):
		return multiSessionDialect{}
	case strings.HasPrefix(path, "/v1/whatsapp/"), strings.HasPrefix(path, "/v1/webhooks/endpoints"),
		strings.HasPrefix(path, "/v1/webhooks/deliveries"), path == "/v1/me", path == "/v1/usage":
		return syncDialect{}
	case strings.HasPrefix(path, "/v1/"):
		return businessDialect{}
	default:
		return syncDialect{}
	}
}

type wallClock struct{}

func (wallClock) Now() time.Time                        { return time.Now() }
func (wallClock) NewTimer(d time.Duration) wauser.Timer { return wallTimer{time.NewTimer(d)} }

type wallTimer struct{ t *time.Timer }

func (t wallTimer) C() <-chan time.Time { return t.t.C }
func (t wallTimer) Stop() bool          { return t.t.Stop() }
