package rest_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
	"github.com/wauser/wauser/watest"
)

// documentedRoute is one operation of /openapi.json, the published form of
// the handler's route table.
type documentedRoute struct {
	method, path, id, dialect string
	scope                     string // "" = any key
	auth                      string // "key", "admin", "adminSecret" or "none"
	connection                bool   // takes X-WhatsApp-Use-Connection-Id
	success                   int
	refused                   bool // not served: answers 501
}

func documentedRoutes(t testing.TB, doc []byte) []documentedRoute {
	t.Helper()
	var d struct {
		Paths map[string]map[string]struct {
			OperationID string                    `json:"operationId"`
			Refused     string                    `json:"x-wauser-refused"`
			Dialect     string                    `json:"x-wauser-dialect"`
			Security    []map[string][]string     `json:"security"`
			Parameters  []map[string]any          `json:"parameters"`
			Responses   map[string]map[string]any `json:"responses"`
		} `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(doc, &d))
	var out []documentedRoute
	for path, ops := range d.Paths {
		for method, op := range ops {
			r := documentedRoute{method: strings.ToUpper(method), path: path, id: op.OperationID, dialect: op.Dialect, auth: "none"}
			for _, req := range op.Security {
				for scheme, scopes := range req {
					if scheme == "adminBasic" {
						r.auth = "admin"
					} else if scheme == "adminSecret" {
						r.auth = "adminSecret"
					} else {
						r.auth = "key"
						if len(scopes) > 0 {
							r.scope = scopes[0]
						}
					}
				}
			}
			for _, p := range op.Parameters {
				if p["$ref"] == "#/components/parameters/ConnectionIdHeader" {
					r.connection = true
				}
			}
			for code := range op.Responses {
				if n, _ := strconv.Atoi(code); n >= 200 && n < 300 {
					r.success = n
				}
			}
			if op.Refused != "" {
				r.refused, r.success = true, http.StatusNotImplemented
			}
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// sample is a request that succeeds on a route with a valid key.
type sample struct {
	query, body string
	contentType string // of the body; default application/json
	accept      string // the Accept header, if any
	unpaired    bool   // the account must not be paired yet
	// public: what the route shows is anyone's to see who holds its
	// input (a group's invite code), so another account's key may see it.
	public bool
	// setup prepares what the request acts on in the account (a group, a
	// webhook...) and returns values for the route's path parameters, which
	// may also appear in query and body as {name}. {id} is the account
	// unless setup says otherwise.
	setup func(t testing.TB, e *env, account wauser.AccountID) map[string]string
}

// request returns the sample's path (with query) and body for rt on
// account, running its setup.
func (s sample) request(t testing.TB, e *env, rt documentedRoute, account wauser.AccountID) (path, body string) {
	vals := map[string]string{"id": string(account)}
	if s.setup != nil {
		maps.Copy(vals, s.setup(t, e, account))
	}
	path, body = rt.path+s.query, s.body
	for k, v := range vals {
		path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(v))
		body = strings.ReplaceAll(body, "{"+k+"}", v)
	}
	return path, body
}

// People the samples involve; none is an account of the tests.
var (
	alice = types.NewJID("15550000001", types.DefaultUserServer)
	carol = types.NewJID("15553330003", types.DefaultUserServer)
	dave  = types.NewJID("15554440004", types.DefaultUserServer)
	erin  = types.NewJID("15555550005", types.DefaultUserServer)
	frank = types.NewJID("15556660006", types.DefaultUserServer)
)

// accountJID is the phone JID of a paired account.
func (e *env) accountJID(account wauser.AccountID) types.JID {
	e.t.Helper()
	acc, err := e.c.WithAccount(account).GetAccount(e.ctx())
	require.NoError(e.t, err)
	require.False(e.t, acc.JID.IsEmpty(), "account %s is paired", account)
	return acc.JID.ToNonAD()
}

// withGroup makes a group the account created, with erin as an admin,
// carol as a member and dave asking to join; frank may be added.
func withGroup(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	e.fake.Register(frank.User)
	g := e.fake.AddGroup(watest.GroupSpec{Name: "Team", Owner: e.accountJID(account), Admins: []types.JID{erin},
		Members: []types.JID{carol}, JoinApprovalRequired: true})
	require.NoError(t, e.fake.RequestJoin(g, dave))
	return map[string]string{"groupId": g.String(), "group_jid": g.String()}
}

// withMessage has alice write to the account, and names her conversation.
func withMessage(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	conn := e.fake.Conn(string(account))
	require.True(t, conn.Emit(watest.Text(alice, alice, "3EB0A1", epoch, "hello from alice")))
	bot := e.c.WithAccount(account)
	page, err := bot.SyncPage(e.ctx(), 0, wauser.MaxSyncLimit)
	require.NoError(t, err)
	i := slices.IndexFunc(page.Messages, func(m wauser.Message) bool { return m.WAMessageID == "3EB0A1" })
	require.GreaterOrEqual(t, i, 0, "the message is stored")
	ct, err := bot.GetContact(e.ctx(), alice.String())
	require.NoError(t, err)
	return map[string]string{
		"conversation_id": string(page.Messages[i].ConversationID), "phone": "+" + alice.User, "chatId": alice.String(),
		"message_id": string(page.Messages[i].MessageID), "num": strconv.FormatInt(ct.Num, 10),
	}
}

// withOwnMessage has the account send alice a text.
func withOwnMessage(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	m, err := e.c.WithAccount(account).SendText(e.ctx(), "+"+alice.User, "a text of the account")
	require.NoError(t, err)
	return map[string]string{"message_id": string(m.MessageID), "chat_id": m.ChatJID}
}

// pngFile is a small PNG image.
var pngFile = func() []byte {
	var b bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 4, 3))
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}()

// withImage has the account send alice an image.
func withImage(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	m, err := e.c.WithAccount(account).SendMessage(e.ctx(), wauser.SendMessageRequest{
		To: "+" + alice.User, Image: &wauser.MediaMessage{Data: pngFile, Caption: "a picture"},
	})
	require.NoError(t, err)
	return map[string]string{"message_id": string(m.MessageID)}
}

// withUpload has the account upload an image; {media_id} names it.
func withUpload(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	m, err := e.c.WithAccount(account).UploadMedia(e.ctx(), wauser.UploadMediaRequest{Data: pngFile})
	require.NoError(t, err)
	return map[string]string{"media_id": string(m.ID)}
}

// withWebhook registers a webhook to a receiver answering 200.
func withWebhook(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(rc.Close)
	w, err := e.c.WithAccount(account).CreateWebhook(e.ctx(), wauser.WebhookRequest{URL: rc.URL + "/hook"})
	require.NoError(t, err)
	return map[string]string{"endpoint_id": string(w.ID), "url": w.URL}
}

// withNewsletter makes a channel; follow says whether the account follows it.
func withNewsletter(follow bool) func(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	return func(t testing.TB, e *env, account wauser.AccountID) map[string]string {
		n := e.fake.AddNewsletter(watest.Newsletter{Name: "News"})
		if follow {
			require.NoError(t, e.c.WithAccount(account).FollowNewsletter(e.ctx(), n.String()))
		}
		return map[string]string{"id": n.String()}
	}
}

// sampleFor is the sample request of a route: a refused one needs none.
func sampleFor(rt documentedRoute) (sample, bool) {
	if s, ok := samples[rt.id]; ok {
		return s, true
	}
	if s, ok := multiSessionSamples[rt.id]; ok {
		return s, true
	}
	return sample{}, rt.refused
}

// samples has one entry per operation id: a route added without one fails
// TestAuthMatrix.
var samples = map[string]sample{
	"getOpenAPI":               {},
	"getMe":                    {},
	"getWhatsAppStatus":        {},
	"requestWhatsAppPairing":   {body: `{}`, unpaired: true},
	"getWhatsAppPairingStatus": {},
	"unlinkWhatsApp":           {},
	"initAccount":              {body: `{"id":"acct-new"}`},
	"listAccounts":             {},
	"getAccount":               {},
	"logoutAccount":            {},
	"getPairCode":              {query: "?phone=%2B15551234567", unpaired: true},
	"getStatusPrivacy":         {},
	"refreshAccount":           {},
	"getAccountStatus":         {},
	"getStatusAudience":        {},

	// sync dialect
	"syncWhatsApp":             {query: "?cursor=0&limit=10", setup: withMessage},
	"listConversations":        {setup: withMessage},
	"listContacts":             {setup: withMessage},
	"listConversationMessages": {query: "?limit=5", setup: withMessage},
	"listWhatsAppGroups":       {setup: withGroup},
	"createGroup":              {body: `{"name":"Team","participants":["+15553330003"]}`},
	"updateGroupParticipants":  {body: `{"participants":["+15556660006"],"action":"add"}`, setup: withGroup},
	"getWhatsAppCommand": {setup: func(t testing.TB, e *env, account wauser.AccountID) map[string]string {
		cmd, err := e.c.WithAccount(account).RecordCommand(e.ctx(), wauser.RecordCommandRequest{Kind: "unlink"})
		require.NoError(t, err)
		return map[string]string{"command_id": string(cmd.ID)}
	}},
	"listWebhookEndpoints":        {setup: withWebhook},
	"createWebhookEndpoint":       {body: `{"url":"https://example.com/hook","event_types":["whatsapp.message.received"]}`},
	"updateWebhookEndpoint":       {body: `{"url":"{url}","enabled":false}`, setup: withWebhook},
	"deleteWebhookEndpoint":       {setup: withWebhook},
	"rotateWebhookEndpointSecret": {setup: withWebhook},
	"testWebhookEndpoint":         {setup: withWebhook},
	"listWebhookDeliveries":       {setup: withWebhook},

	// business dialect
	"getWebhooks":           {setup: withWebhook},
	"createWebhook":         {body: `{"url":"https://example.com/hook","chat_types":["group"]}`},
	"deleteWebhook":         {body: `{"url":"{url}"}`, setup: withWebhook},
	"deleteAllWebhooks":     {setup: withWebhook},
	"archiveChat":           {setup: withMessage},
	"unarchiveChat":         {setup: withMessage},
	"getGroups":             {setup: withGroup},
	"createNewGroup":        {body: `{"id":"","name":"Team","members":["+15553330003"],"topic":"plans"}`},
	"getGroupInfo":          {setup: withGroup},
	"updateGroupInfo":       {body: `{"name":"Team 2"}`, setup: withGroup},
	"deleteGroup":           {setup: withGroup},
	"addGroupMembers":       {body: `[{"id":"+15556660006"}]`, setup: withGroup},
	"deleteGroupMembers":    {body: `[{"id":"+15553330003"}]`, setup: withGroup},
	"promoteGroupAdmins":    {body: `[{"id":"+15553330003"}]`, setup: withGroup},
	"demoteGroupAdmins":     {body: `[{"id":"+15555550005"}]`, setup: withGroup},
	"getGroupRequests":      {setup: withGroup},
	"approveGroupRequests":  {body: `[{"id":"+15554440004"}]`, setup: withGroup},
	"rejectGroupRequests":   {body: `[{"id":"+15554440004"}]`, setup: withGroup},
	"setGroupAnnounce":      {setup: withGroup},
	"unsetGroupAnnounce":    {setup: withGroup},
	"lockGroup":             {setup: withGroup},
	"unlockGroup":           {setup: withGroup},
	"pinGroup":              {setup: withGroup},
	"unpinGroup":            {setup: withGroup},
	"clearGroup":            {setup: withGroup},
	"getGroupInvite":        {query: "?reset=true", setup: withGroup},
	"checkContacts":         {body: `[{"id":"+15553330003"}]`},
	"getContacts":           {setup: withMessage},
	"uploadMedia":           {body: "hello, world", contentType: "text/plain"},
	"getMedia":              {setup: withUpload},
	"downloadUploadedMedia": {setup: withUpload},
	"getNewsletters":        {setup: withNewsletter(true)},
	"followNewsletter":      {body: `{"id":"{id}"}`, setup: withNewsletter(false)},
	"getNewsletter":         {setup: withNewsletter(false)},
	"unfollowNewsletter":    {setup: withNewsletter(true)},

	// chat dialect
	"sendChatMessage":         {body: `{"to":"+15550000001","type":"text","text":"Hello from WhatsSync!"}`},
	"listChatContacts":        {setup: withMessage},
	"getChatContact":          {setup: withMessage},
	"listChatContactMessages": {setup: withMessage},

	// history dialect
	"requestHistorySync": {body: `{"count":25}`, setup: withMessage},

	// messages, contacts and usage (sync and business dialects)
	"listUsage":             {query: "?limit=7"},
	"sendMessage":           {body: `{"conversation_id":"{conversation_id}","text":"hello"}`, setup: withMessage},
	"reactToMessage":        {body: `{"message_id":"{message_id}","emoji":"👍"}`, setup: withMessage},
	"editMessage":           {body: `{"message_id":"{message_id}","text":"edited"}`, setup: withOwnMessage},
	"deleteMessage":         {body: `{"message_id":"{message_id}"}`, setup: withOwnMessage},
	"markMessagesRead":      {body: `{"message_ids":["{message_id}"]}`, setup: withMessage},
	"markConversationRead":  {body: `{}`, setup: withMessage},
	"downloadMedia":         {accept: "application/octet-stream", setup: withImage},
	"sendMessageToChat":     {body: `{"to":"+15550000001","type":"text","text":{"body":"hello"}}`},
	"deleteMessageFromChat": {setup: withOwnMessage},
	"updateContact":         {body: `{"id":{num},"info":{"first_name":"Alice"}}`, setup: withMessage},
}

var (
	alphaPhone = watest.Phone{JID: types.NewJID("15551110001", types.DefaultUserServer), PushName: "Alpha Phone"}
	bravoPhone = watest.Phone{JID: types.NewJID("15552220002", types.DefaultUserServer), PushName: "Bravo Phone"}
)

// TestAuthMatrix sends every route of the route table a request with no
// key, a wrong key, a revoked key, the key of another account, a key
// without the route's scope and a valid key, and checks the status, and
// that no answer carries the other account's data.
func TestAuthMatrix(t *testing.T) {
	t.Parallel()
	probe := newEnv(t, testdb.SQLite(t), rest.Options{})
	routes := documentedRoutes(t, probe.do("GET", "/openapi.json", nil, nil).body)
	require.NotEmpty(t, routes)
	for i, rt := range routes {
		s, ok := sampleFor(rt)
		require.True(t, ok, "route %s %s (%s) has no sample request in TestAuthMatrix", rt.method, rt.path, rt.id)
		t.Run(rt.id, func(t *testing.T) {
			t.Parallel()
			testdb.Each(t, func(t *testing.T, db *testdb.DB) {
				t.Parallel()
				authMatrix(t, db, rt, s, i)
			})
		})
	}
}

func authMatrix(t *testing.T, db *testdb.DB, rt documentedRoute, s sample, n int) {
	e := newEnv(t, db, rest.Options{})
	const alpha, bravo = "acct-alpha", "acct-bravo"
	if s.unpaired {
		e.createAccount(alpha)
	} else {
		e.pair(alpha, alphaPhone)
	}
	e.pair(bravo, bravoPhone)

	scope := wauser.Scope(rt.scope)
	if scope == "" {
		scope = wauser.ScopeRead
	}
	valid := e.key([]wauser.Scope{scope}, alpha)
	other := e.key(wauser.AllScopes(), bravo)
	revoked, err := e.c.CreateAPIKey(e.ctx(), wauser.CreateAPIKeyRequest{Scopes: wauser.AllScopes(), Accounts: []wauser.AccountID{alpha}})
	require.NoError(t, err)
	require.NoError(t, e.c.RevokeAPIKey(e.ctx(), revoked.ID))
	var lacking []wauser.Scope
	for _, sc := range wauser.AllScopes() {
		if sc != scope && sc != wauser.ScopeAdmin {
			lacking = append(lacking, sc)
		}
	}
	noScope := e.key(lacking, alpha)
	wrong := "wau_" + strings.Repeat("a", 52)

	// The three ways to present a key, taken in turn.
	present := func(key string) map[string]string {
		switch n % 3 {
		case 0:
			return bearer(key)
		case 1:
			return map[string]string{"Authorization": key}
		default:
			return map[string]string{"X-Api-Key": key}
		}
	}
	admin := basic(adminUser, adminPassword)

	refused := http.StatusUnauthorized
	forbidden := http.StatusForbidden
	if rt.dialect == "sync" {
		forbidden = http.StatusUnauthorized // "Invalid API key or missing scope"
	}
	type attempt struct {
		name    string
		headers map[string]string
		want    int // 0: any status below 500
		foreign string
	}
	var cases []attempt
	switch rt.auth {
	case "none":
		cases = []attempt{
			{"no key", nil, rt.success, ""},
			{"wrong key", present(wrong), rt.success, ""},
			{"revoked key", present(revoked.Key), rt.success, ""},
		}
	case "adminSecret":
		cases = []attempt{
			{"no key", nil, refused, ""},
			{"wrong key", map[string]string{"X-Admin-Secret": "wrong"}, refused, ""},
			{"basic credentials", admin, refused, ""},
			{"key of another account", present(other), refused, ""},
			{"key without the scope", present(e.key(wauser.AllScopes())), refused, ""},
			{"valid", map[string]string{"X-Admin-Secret": adminPassword}, rt.success, ""},
		}
	case "admin":
		cases = []attempt{
			{"no key", nil, refused, ""},
			{"wrong key", basic(adminUser, "wrong"), refused, ""},
			{"revoked key", present(revoked.Key), refused, ""},
			{"key of another account", present(other), refused, ""},
			{"key without the scope", present(e.key(wauser.AllScopes())), refused, ""},
			{"valid", admin, rt.success, ""},
		}
	default:
		cases = []attempt{
			{"no key", nil, refused, ""},
			{"wrong key", present(wrong), refused, ""},
			{"revoked key", present(revoked.Key), refused, ""},
		}
		switch {
		case rt.path == "/devices":
			// Creating devices takes a key with the admin scope that reaches
			// every account; a key bound to an account is refused.
			cases = append(cases, attempt{"key of another account", present(other), forbidden, ""})
			valid = e.key([]wauser.Scope{wauser.ScopeAdmin})
		case rt.connection:
			cases = append(cases,
				attempt{"key of another account", with(present(other), rest.HeaderConnectionID, alpha), forbidden, alphaPhone.JID.User},
				attempt{"key of another account, no header", present(other), refusedOr(rt, 0), foreign(s, alphaPhone.JID.User)})
		case rt.path == "/v1/accounts/{id}":
			cases = append(cases, attempt{"key of another account", present(other), forbidden, alphaPhone.JID.User})
		default:
			cases = append(cases, attempt{"key of another account", present(other), rt.success, alphaPhone.JID.User})
		}
		if rt.scope != "" {
			cases = append(cases, attempt{"key without the scope", present(noScope), forbidden, ""})
		}
		cases = append(cases, attempt{"valid", present(valid), rt.success, bravoPhone.JID.User})
	}

	path, sampleBody := s.request(t, e, rt, alpha)
	for _, c := range cases {
		var body any
		if sampleBody != "" {
			body = sampleBody
		}
		headers := c.headers
		if s.contentType != "" {
			headers = with(headers, "Content-Type", s.contentType)
		}
		if s.accept != "" {
			headers = with(headers, "Accept", s.accept)
		}
		r := e.checked(e.do(rt.method, path, body, headers))
		if c.want == 0 {
			require.Less(t, r.status, 500, "%s: %s", c.name, r.body)
		} else {
			require.Equal(t, c.want, r.status, "%s: %s", c.name, r.body)
		}
		requireRateHeaders(t, r)
		if c.foreign != "" {
			require.NotContains(t, string(r.body), c.foreign, "%s: another account's data leaked", c.name)
		}
		if r.status == http.StatusUnauthorized && rt.auth != "none" {
			require.NotEmpty(t, r.header.Get("WWW-Authenticate"), c.name)
		}
	}
}

// refusedOr is the status a refused route answers, or want.
func refusedOr(rt documentedRoute, want int) int {
	if rt.refused {
		return rt.success
	}
	return want
}

// foreign is what an answer to another account's key must not show: who,
// unless the sample's route is public.
func foreign(s sample, who string) string {
	if s.public {
		return ""
	}
	return who
}

// TestAPIKeyPresentation accepts the three documented ways to send a key
// and nothing else.
func TestAPIKeyPresentation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{})
	e.createAccount("a")
	key := e.key([]wauser.Scope{wauser.ScopeRead}, "a")
	for _, h := range []map[string]string{
		{"Authorization": "Bearer " + key},
		{"Authorization": "bearer   " + key},
		{"Authorization": key},
		{"X-Api-Key": key},
	} {
		r := e.checked(e.do("GET", "/v1/whatsapp/status", nil, h))
		require.Equal(t, http.StatusOK, r.status, "%v: %s", h, r.body)
	}
	for _, h := range []map[string]string{
		{"Authorization": "Basic " + key},
		{"Authorization": "Bearer"},
		{"Authorization": "Bearer " + key + "x"},
		{"X-Api-Key": strings.ToUpper(key)},
		{"Cookie": "key=" + key},
	} {
		r := e.checked(e.do("GET", "/v1/whatsapp/status", nil, h))
		require.Equal(t, http.StatusUnauthorized, r.status, "%v", h)
		msg := r.json(t)["error"].(string)
		require.Contains(t, msg, "API key")
		require.NotContains(t, msg, "revoked", "whether a key existed is not told")
	}
}

// TestKeyWithSeveralAccounts needs the connection header, and stays within
// its allowlist.
func TestKeyWithSeveralAccounts(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		for _, id := range []wauser.AccountID{"a", "b", "c"} {
			e.createAccount(id)
		}
		key := bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "a", "b"))

		r := e.checked(e.do("GET", "/v1/status", nil, key))
		require.Equal(t, http.StatusBadRequest, r.status)
		require.Contains(t, failure(t, r), rest.HeaderConnectionID)
		for _, id := range []string{"a", "b"} {
			r = e.checked(e.do("GET", "/v1/status", nil, with(key, rest.HeaderConnectionID, id)))
			require.Equal(t, http.StatusOK, r.status)
			require.Equal(t, id, envelope(t, r).(map[string]any)["account_id"])
		}
		r = e.checked(e.do("GET", "/v1/status", nil, with(key, rest.HeaderConnectionID, "c")))
		require.Equal(t, http.StatusForbidden, r.status)
		r = e.checked(e.do("GET", "/v1/accounts", nil, key))
		var ids []string
		for _, a := range envelope(t, r).([]any) {
			ids = append(ids, a.(map[string]any)["id"].(string))
		}
		require.Equal(t, []string{"a", "b"}, ids)

		// A key for every account with several accounts in the store needs the
		// header as well; with it, any account.
		all := bearer(e.key([]wauser.Scope{wauser.ScopeRead}))
		r = e.checked(e.do("GET", "/v1/status", nil, all))
		require.Equal(t, http.StatusBadRequest, r.status)
		r = e.checked(e.do("GET", "/v1/status", nil, with(all, rest.HeaderConnectionID, "c")))
		require.Equal(t, http.StatusOK, r.status)
		require.True(t, slices.Contains([]string{"c"}, envelope(t, r).(map[string]any)["account_id"].(string)))
	})
}

// TestCustomAuthenticator replaces API keys with the host's own check.
func TestCustomAuthenticator(t *testing.T) {
	t.Parallel()
	db := testdb.SQLite(t)
	e := newEnv(t, db, rest.Options{Authenticate: func(r *http.Request) (*wauser.APIKey, error) {
		switch r.Header.Get("X-User") {
		case "":
			return nil, rest.ErrUnauthorized
		case "mallory":
			return nil, rest.ErrForbidden
		default:
			return &wauser.APIKey{ID: "user:" + wauser.APIKeyID(r.Header.Get("X-User")),
				Scopes: []wauser.Scope{wauser.ScopeRead}, Accounts: []wauser.AccountID{"a"}}, nil
		}
	}})
	e.createAccount("a")
	r := e.checked(e.do("GET", "/v1/status", nil, map[string]string{"X-User": "alice"}))
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, "59", r.header.Get("X-RateLimit-Remaining"), "the limit counts per key ID")
	r = e.checked(e.do("GET", "/v1/status", nil, nil))
	require.Equal(t, http.StatusUnauthorized, r.status)
	r = e.checked(e.do("GET", "/v1/status", nil, map[string]string{"X-User": "mallory"}))
	require.Equal(t, http.StatusForbidden, r.status)
	r = e.checked(e.do("POST", "/v1/refresh", nil, map[string]string{"X-User": "alice"}))
	require.Equal(t, http.StatusForbidden, r.status, "the host's key lacks the write scope")
	r = e.checked(e.do("GET", "/v1/status", nil, map[string]string{"X-User": "alice", "Authorization": "Bearer whatever"}))
	require.Equal(t, http.StatusOK, r.status, "API keys are not consulted")
}
