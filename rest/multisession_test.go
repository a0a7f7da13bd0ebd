package rest_test

import (
	"bytes"
	"encoding/json"
	"hash/fnv"
	"image"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/yaml"
	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
	"github.com/wauser/wauser/watest"
)

// multiSessionSpecFile is the multi-session server's Swagger 2.0
// specification (see testdata/multi-session-rest-api.NOTE.md).
const multiSessionSpecFile = "testdata/multi-session-rest-api.swagger.yaml"

// multiSessionRenames are the path templates OpenAPI 3 refuses beside
// another of the same shape, and what they become (see the NOTE).
var multiSessionRenames = map[string]struct {
	path   string
	params map[string]string
}{
	"/groups/{parent_jid}/link/{child_jid}": {"/groups/{parent_group_jid}/link/{group_jid}", map[string]string{"parent_jid": "parent_group_jid", "child_jid": "group_jid"}},
	"/status/{user_jid}":                    {"/status/{status_id}", map[string]string{"user_jid": "status_id"}},
}

// multiSessionSpec is the specification converted to OpenAPI 3 (JSON),
// built once.
var multiSessionSpec = sync.OnceValues(func() ([]byte, error) {
	raw, err := os.ReadFile(multiSessionSpecFile)
	if err != nil {
		return nil, err
	}
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return nil, err
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(js, &doc2); err != nil {
		return nil, err
	}
	doc3, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, err
	}
	for from, to := range multiSessionRenames {
		item := doc3.Paths.Value(from)
		target := doc3.Paths.Value(to.path)
		for method, op := range item.Operations() {
			for _, p := range op.Parameters {
				if name, ok := to.params[p.Value.Name]; ok && p.Value.In == "path" {
					p.Value.Name = name
				}
			}
			target.SetOperation(method, op)
		}
		doc3.Paths.Delete(from)
	}
	return json.Marshal(doc3)
})

// specOperation is an operation of the specification.
type specOperation struct{ method, path string }

func specOperations(t testing.TB) []specOperation {
	t.Helper()
	raw, err := multiSessionSpec()
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	require.NoError(t, err)
	var out []specOperation
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, specOperation{method, path})
		}
	}
	slices.SortFunc(out, func(a, b specOperation) int { return strings.Compare(a.path+a.method, b.path+b.method) })
	return out
}

// TestMultiSessionCoversTheSpec: every operation of the multi-session
// server's specification is a route, served or refused with a reason;
// the refused ones are the package documentation's list.
func TestMultiSessionCoversTheSpec(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{})
	ours := map[string]documentedRoute{}
	for _, rt := range documentedRoutes(t, e.do("GET", "/openapi.json", nil, nil).body) {
		ours[rt.method+" "+rt.path] = rt
	}
	ops := specOperations(t)
	// 144 operations, one of which the spec lists twice (GET /status/...).
	require.Len(t, ops, 144)
	served, refused := 0, 0
	doc := readPackageDoc(t)
	for _, op := range ops {
		rt, ok := ours[op.method+" "+op.path]
		require.True(t, ok, "%s %s is neither served nor refused", op.method, op.path)
		require.True(t, rt.dialect == "multisession" || rt.dialect == "history", "%s %s is the multi-session server's", op.method, op.path)
		if rt.refused {
			refused++
			require.Contains(t, doc, op.method+" "+op.path, "the package documentation lists refused %s %s", op.method, op.path)
		} else {
			served++
		}
	}
	t.Logf("%d served, %d refused", served, refused)
}

// readPackageDoc is the rest package's documentation.
func readPackageDoc(t testing.TB) string {
	b, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	return string(b)
}

// TestMultiSessionRefused: a refused operation answers 501 in the
// server's error shape, with its reason.
func TestMultiSessionRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{})
	e.pair("a", phone)
	key := bearer(e.key(wauser.AllScopes(), "a"))
	r := e.checked(e.do("GET", "/devices/me/proxy", nil, key))
	require.Equal(t, http.StatusNotImplemented, r.status)
	got := r.json(t)
	require.Equal(t, false, got["status"])
	require.Equal(t, float64(501), got["code"])
	require.Contains(t, got["error"], "host program")
	r = e.checked(e.do("GET", "/devices/me/proxy", nil, nil))
	require.Equal(t, http.StatusUnauthorized, r.status, "a refused operation still needs its credentials")
}

// TestMultiSessionDevices: an admin key creates devices up to its quota;
// each device's token reaches that device only.
func TestMultiSessionDevices(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{MaxDevicesPerKey: 2})
		creator := map[string]string{"X-API-Key": e.key([]wauser.Scope{wauser.ScopeAdmin})}
		var tokens, ids []string
		for range 2 {
			r := e.checked(e.do("POST", "/devices", `{"device_name":"Production Phone"}`, creator))
			require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
			data := r.json(t)["data"].(map[string]any)
			require.Equal(t, "Production Phone", data["device_name"])
			require.NotEmpty(t, data["token"])
			tokens, ids = append(tokens, data["token"].(string)), append(ids, data["device_id"].(string))
		}
		r := e.checked(e.do("POST", "/devices", nil, creator))
		require.Equal(t, http.StatusBadRequest, r.status, "the quota holds")
		require.Contains(t, r.json(t)["error"], "device limit")
		accounts, err := e.c.ListAccounts(e.ctx())
		require.NoError(t, err)
		require.Len(t, accounts, 2, "nothing created beyond the quota")

		for i, tok := range tokens {
			r := e.checked(e.do("GET", "/devices/me", nil, bearer(tok)))
			require.Equal(t, http.StatusOK, r.status)
			require.Equal(t, ids[i], r.json(t)["data"].(map[string]any)["device_id"])
			r = e.checked(e.do("GET", "/devices/me", nil, with(bearer(tok), rest.HeaderConnectionID, ids[1-i])))
			require.Equal(t, http.StatusForbidden, r.status, "a token never reaches another device")
		}

		// A key bound to an account may not create devices.
		e.createAccount("c")
		bound := map[string]string{"X-API-Key": e.key([]wauser.Scope{wauser.ScopeAdmin}, "c")}
		r = e.checked(e.do("POST", "/devices", nil, bound))
		require.Equal(t, http.StatusForbidden, r.status)
	})
}

// TestMultiSessionDialectSwitch: a dialect turned off is neither served nor
// described.
func TestMultiSessionDialectSwitch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{DialectsOff: []rest.Dialect{rest.DialectMultiSession, rest.DialectChat}})
	e.pair("a", phone)
	key := bearer(e.key(wauser.AllScopes(), "a"))
	for _, rt := range documentedRoutes(t, e.do("GET", "/openapi.json", nil, nil).body) {
		require.NotContains(t, []string{"multisession", "history", "chat"}, rt.dialect, "%s %s is described", rt.method, rt.path)
	}
	r := e.do("GET", "/devices/me", nil, key)
	require.Equal(t, http.StatusNotFound, r.status)
	r = e.do("POST", "/history/sync", `{}`, key)
	require.Equal(t, http.StatusNotFound, r.status)
	r = e.do("GET", "/api/v1/contacts", nil, key)
	require.Equal(t, http.StatusNotFound, r.status)
	r = e.checked(e.do("GET", "/v1/whatsapp/status", nil, key))
	require.Equal(t, http.StatusOK, r.status, "the other dialects stay")
}

// TestMultiSessionWebhooks: the server's webhook API over the webhook
// registry: numeric ids, events, active, logs and a test delivery.
func TestMultiSessionWebhooks(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.pair("a", phone)
		key := bearer(e.key(wauser.AllScopes(), "a"))
		got := make(chan string, 4)
		rc := newReceiver(t, got)
		r := e.checked(e.do("POST", "/webhooks", `{"url":"`+rc+`","events":["message.received"]}`, key))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		data := r.json(t)["data"].(map[string]any)
		id := strconv.FormatInt(int64(data["id"].(float64)), 10)
		require.Equal(t, []any{"message.received"}, data["events"])
		require.Equal(t, true, data["active"])
		require.NotEmpty(t, data["secret"])

		r = e.checked(e.do("PATCH", "/webhooks/"+id, `{"active":false}`, key))
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, false, r.json(t)["data"].(map[string]any)["active"])
		r = e.checked(e.do("GET", "/webhooks/"+id, nil, key))
		require.Equal(t, false, r.json(t)["data"].(map[string]any)["active"])
		require.Nil(t, r.json(t)["data"].(map[string]any)["secret"], "the secret is shown once")

		r = e.checked(e.do("POST", "/webhooks/"+id+"/test", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r = e.checked(e.do("GET", "/webhooks/"+id+"/logs", nil, key))
		require.Equal(t, http.StatusOK, r.status)
		require.Len(t, r.json(t)["data"], 1)

		other := bearer(e.key(wauser.AllScopes(), "a"))
		e.pair("b", alphaPhone)
		otherB := bearer(e.key(wauser.AllScopes(), "b"))
		r = e.checked(e.do("GET", "/webhooks/"+id, nil, otherB))
		require.Equal(t, http.StatusNotFound, r.status, "another device's webhook is not found")
		r = e.checked(e.do("DELETE", "/webhooks/"+id, nil, other))
		require.Equal(t, http.StatusOK, r.status)
		r = e.checked(e.do("GET", "/webhooks", nil, key))
		require.Empty(t, r.json(t)["data"])
	})
}

// newReceiver is a webhook receiver answering 204; it sends the bodies to got.
func newReceiver(t testing.TB, got chan<- string) string {
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case got <- string(b):
		default:
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)
	return rc.URL + "/hook"
}

// Samples of the multi-session routes, for TestAuthMatrix and FuzzHandler.

// withChat is withMessage, naming the chat as the server does.
func withChat(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	vals := withMessage(t, e, account)
	vals["chat_jid"] = alice.String()
	return vals
}

// withOwnChat is withOwnMessage, naming the chat as the server does.
func withOwnChat(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	vals := withOwnMessage(t, e, account)
	vals["chat_jid"] = alice.String()
	return vals
}

// withFrank makes frank a registered number.
func withFrank(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	e.fake.Register(frank.User)
	e.fake.SetProfilePicture(frank, "https://pps.whatsapp.net/frank.jpg")
	return map[string]string{"user_jid": frank.String(), "jid": frank.String(), "phone": "+" + frank.User}
}

// withPoll has the account send alice a poll.
func withPoll(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	m, err := e.c.WithAccount(account).SendMessage(e.ctx(), wauser.SendMessageRequest{To: "+" + alice.User,
		Poll: &wauser.Poll{Question: "Lunch?", Options: []string{"Pizza", "Sushi"}, SelectableCount: 1}})
	require.NoError(t, err)
	return map[string]string{"poll_id": string(m.MessageID), "chat_jid": m.ChatJID}
}

// withCommunity makes a community the account owns, and a group of the
// account linked to it (linked) or not.
func withCommunity(linked bool) func(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	return func(t testing.TB, e *env, account wauser.AccountID) map[string]string {
		bot := e.c.WithAccount(account)
		com, err := bot.CreateCommunity(e.ctx(), wauser.CreateCommunityRequest{Name: "Neighbours"})
		require.NoError(t, err)
		g := e.fake.AddGroup(watest.GroupSpec{Name: "Street", Owner: e.accountJID(account), Members: []types.JID{carol}})
		if linked {
			require.NoError(t, bot.LinkGroup(e.ctx(), com.ID.String(), g.String()))
		}
		return map[string]string{"community_jid": com.ID.String(), "parent_group_jid": com.ID.String(), "group_jid": g.String()}
	}
}

// withInvite is withGroup and its invite code.
func withInvite(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	vals := withGroup(t, e, account)
	link, err := e.c.WithAccount(account).GetGroupInviteLink(e.ctx(), vals["group_jid"], false)
	require.NoError(t, err)
	vals["invite_code"] = link[strings.LastIndex(link, "/")+1:]
	return vals
}

// withHook is withWebhook under the server's name.
func withHook(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	vals := withWebhook(t, e, account)
	vals["webhook_id"] = vals["endpoint_id"]
	return vals
}

// withChannel makes a channel; follow says whether the account follows it.
func withChannel(follow bool) func(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	return func(t testing.TB, e *env, account wauser.AccountID) map[string]string {
		n := e.fake.AddNewsletter(watest.Newsletter{Name: "News", InviteCode: "NEWSCODE1"})
		if follow {
			require.NoError(t, e.c.WithAccount(account).FollowNewsletter(e.ctx(), n.String()))
		}
		return map[string]string{"jid": n.String(), "code": "NEWSCODE1"}
	}
}

// withOwnChannel makes a channel of the account with one post.
func withOwnChannel(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	bot := e.c.WithAccount(account)
	n, err := bot.CreateNewsletter(e.ctx(), wauser.CreateNewsletterRequest{Name: "Ours"})
	require.NoError(t, err)
	post, err := bot.SendNewsletterMessage(e.ctx(), wauser.SendNewsletterMessageRequest{Newsletter: n.ID.String(), Text: "first"})
	require.NoError(t, err)
	return map[string]string{"jid": n.ID.String(), "server_id": strconv.Itoa(post.ServerID)}
}

// withStatus has the account post a status update.
func withStatus(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	m, err := e.c.WithAccount(account).PostStatus(e.ctx(), wauser.PostStatusRequest{Text: "hello"})
	require.NoError(t, err)
	return map[string]string{"status_id": string(m.MessageID)}
}

// withBusiness makes frank a business with a message link.
func withBusiness(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	e.fake.SetBusinessProfile(frank, "Frank's", types.BusinessProfile{Email: "f@example.com", Address: "Main St"})
	e.fake.AddBusinessLink("BIZ1", types.BusinessMessageLinkTarget{JID: frank, PushName: "Frank", Message: "Hi"})
	return map[string]string{"jid": frank.String(), "code": "BIZ1"}
}

// withContactQR has the account make its contact link.
func withContactQR(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	link, err := e.c.WithAccount(account).GetContactQRLink(e.ctx(), false)
	require.NoError(t, err)
	return map[string]string{"code": link[strings.LastIndex(link, "/")+1:]}
}

// msKeyNumber is the number the multi-session routes give an API key
// (53 bits of the FNV-1a hash of its id).
func msKeyNumber(id wauser.APIKeyID) string {
	f := fnv.New64a()
	_, _ = f.Write([]byte(id))
	return strconv.FormatInt(int64(f.Sum64()&(1<<53-1)), 10)
}

// withDeviceKey makes a key of the admin API (a device quota of 2) that
// created a device of its own, with its token.
func withDeviceKey(t testing.TB, e *env, account wauser.AccountID) map[string]string {
	k, err := e.c.CreateAPIKey(e.ctx(), wauser.CreateAPIKeyRequest{Name: "Acme", Scopes: []wauser.Scope{wauser.ScopeAdmin}, MaxDevices: 2})
	require.NoError(t, err)
	dev := spareDevice(t, e)
	_, err = e.c.UpdateAPIKey(e.ctx(), k.ID, wauser.UpdateAPIKeyRequest{AddAccounts: []wauser.AccountID{dev}})
	require.NoError(t, err)
	_, err = e.c.CreateAPIKey(e.ctx(), wauser.CreateAPIKeyRequest{Scopes: wauser.AllScopes(), Accounts: []wauser.AccountID{dev}, CreatedBy: k.ID})
	require.NoError(t, err)
	return map[string]string{"id": msKeyNumber(k.ID), "device_id": string(dev)}
}

// spareDevice creates an unpaired account of its own.
func spareDevice(t testing.TB, e *env) wauser.AccountID {
	a, err := e.c.CreateAccount(e.ctx(), wauser.CreateAccountRequest{})
	require.NoError(t, err)
	return a.ID
}

// withSpareDevice is an account of its own to delete.
func withSpareDevice(t testing.TB, e *env, _ wauser.AccountID) map[string]string {
	return map[string]string{"device_id": string(spareDevice(t, e))}
}

// metaAI is WhatsApp's Meta AI bot.
var metaAI = watest.Bot{JID: types.NewJID("867051314767696", types.BotServer), PersonaID: "meta_ai_v1", Name: "Meta AI",
	Description: "AI assistant powered by Meta", Category: "assistant", Default: true, Prompts: []string{"✨ Imagine a cat"}}

// withBots lists Meta AI among WhatsApp's bots.
func withBots(t testing.TB, e *env, _ wauser.AccountID) map[string]string {
	e.fake.AddBot(metaAI)
	return nil
}

// formBoundary separates the parts of the samples' forms.
const formBoundary = "wauser-sample-boundary"

// form is a multipart/form-data body: fields as name, value pairs, and a
// file part (field fileField) when data is not nil.
func form(fileField, fileName, contentType string, data []byte, fields ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(fields); i += 2 {
		b.WriteString("--" + formBoundary + "\r\nContent-Disposition: form-data; name=\"" + fields[i] + "\"\r\n\r\n" + fields[i+1] + "\r\n")
	}
	if data != nil {
		b.WriteString("--" + formBoundary + "\r\nContent-Disposition: form-data; name=\"" + fileField + "\"; filename=\"" + fileName + "\"\r\n")
		b.WriteString("Content-Type: " + contentType + "\r\n\r\n")
		b.Write(data)
		b.WriteString("\r\n")
	}
	b.WriteString("--" + formBoundary + "--\r\n")
	return b.String()
}

// formType is the Content-Type of form's bodies.
const formType = "multipart/form-data; boundary=" + formBoundary

// jpegFile is a small JPEG image.
var jpegFile = func() []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, 8, 8)), nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}()

var multiSessionSamples = map[string]sample{
	"msSendImage": {body: form("file", "a.png", "image/png", pngFile, "caption", "a picture", "view_once", "false"),
		contentType: formType, setup: withChat},
	"msSendDocument": {body: form("file", "notes.txt", "text/plain", []byte("some notes"), "filename", "notes.txt", "caption", "notes"),
		contentType: formType, setup: withChat},
	"msSendVideo": {body: form("file", "v.mp4", "video/mp4", []byte("\x00\x00\x00\x18ftypmp42 not really a video"), "caption", "a video"),
		contentType: formType, setup: withChat},
	"msSendAudio": {body: form("file", "a.ogg", "audio/ogg", []byte("OggS not really audio"), "ptt", "true"),
		contentType: formType, setup: withChat},
	"msSendSticker": {body: form("file", "s.webp", "image/webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8 ")),
		contentType: formType, setup: withChat},
	"msNewsletterImage":    {body: form("file", "a.png", "image/png", pngFile, "caption", "a picture"), contentType: formType, setup: withOwnChannel},
	"msNewsletterVideo":    {body: form("file", "v.mp4", "video/mp4", []byte("\x00\x00\x00\x18ftypmp42 video"), "caption", "a video"), contentType: formType, setup: withOwnChannel},
	"msNewsletterDocument": {body: form("file", "n.txt", "text/plain", []byte("notes"), "filename", "n.txt"), contentType: formType, setup: withOwnChannel},
	"msNewsletterPhoto":    {body: form("file", "p.jpg", "image/jpeg", jpegFile), contentType: formType, setup: withOwnChannel},
	"msProfilePhoto":       {body: form("file", "p.jpg", "image/jpeg", jpegFile), contentType: formType},
	"msGroupPhoto":         {body: form("photo", "p.jpg", "image/jpeg", jpegFile), contentType: formType, setup: withGroup},
	"msPostStatus":         {body: form("", "", "", nil, "text", "hello"), contentType: formType},

	"msServerStatus":        {},
	"msAdminStats":          {},
	"msAdminHealth":         {},
	"msAdminDevices":        {},
	"msAdminDeviceStatuses": {},
	"msAdminReconnect":      {},
	"msCreateDevice":        {body: `{"device_name":"Production Phone"}`},
	"msGetDevice":           {},
	"msDeviceStatus":        {},
	"msLoginQR":             {body: "output=json", contentType: "application/x-www-form-urlencoded", unpaired: true},
	"msLoginCode":           {body: `{"phone":"+15551234567"}`, unpaired: true},
	"msReconnect":           {},
	"msLogout":              {},
	"msRegistered":          {setup: withFrank},

	"msUserInfo":         {setup: withFrank},
	"msResolveContactQR": {setup: withContactQR, public: true},
	"msProfilePicture":   {setup: withFrank},
	"msUserDevices":      {setup: withFrank},
	"msBlock":            {setup: withFrank},
	"msUnblock":          {setup: withFrank},
	"msGetPrivacy":       {},
	"msSetPrivacy":       {body: `{"setting":"last_seen","value":"contacts"}`},
	"msStatusPrivacy":    {},
	"msSetAbout":         {body: `{"status":"Available"}`},
	"msContacts":         {setup: withMessage},
	"msContactsSync":     {body: `{"phones":["+15556660006"]}`, setup: withFrank},
	"msBlocklist":        {},
	"msContactQR":        {query: "?revoke=false"},
	"msDefaultTimer":     {body: `{"timer":"7d"}`},

	"msSendText":     {body: `{"text":"Hello, World!"}`, setup: withChat},
	"msChatMessages": {query: "?limit=10", setup: withChat},
	"msSendLocation": {body: `{"latitude":-6.2,"longitude":106.8,"name":"Jakarta"}`, setup: withChat},
	"msSendContact":  {body: `{"name":"Carol","phone":"+15553330003"}`, setup: withChat},
	"msSendPoll":     {body: `{"question":"Lunch?","options":["Pizza","Sushi"]}`, setup: withChat},
	"msArchive":      {body: `{"archive":true}`, setup: withChat},
	"msPin":          {body: `{"pin":true}`, setup: withChat},
	"msMute":         {body: `{"muted":true,"duration":3600}`, setup: withChat},
	"msMarkChatRead": {body: `{"read":true}`, setup: withChat},
	"msDeleteChat":   {body: `{"delete_media":false}`, setup: withChat},
	"msChatPresence": {body: `{"presence_type":"composing"}`, setup: withChat},
	"msChatTimer":    {body: `{"timer":"24h"}`, setup: withChat},
	"msReadMessage":  {body: `{"chat_jid":"{chat_jid}"}`, setup: withChat},
	"msReact":        {body: `{"emoji":"👍"}`, setup: withChat},
	"msEdit":         {body: `{"text":"edited"}`, setup: withOwnChat},
	"msRevoke":       {setup: withOwnChat},
	"msReply":        {body: `{"chat_jid":"{chat_jid}","text":"a reply"}`, setup: withChat},
	"msForward": {body: `{"to_chat_jid":"+15556660006"}`, setup: func(t testing.TB, e *env, a wauser.AccountID) map[string]string {
		withFrank(t, e, a)
		return withChat(t, e, a)
	}},
	"msVote":       {body: `{"chat_jid":"{chat_jid}","options":["Pizza"]}`, setup: withPoll},
	"msDeletePoll": {body: `{"chat_jid":"{chat_jid}"}`, setup: withPoll},

	"msGroups":             {setup: withGroup},
	"msCreateGroup":        {body: `{"name":"Team","participants":["+15553330003"]}`},
	"msGroup":              {setup: withGroup},
	"msLeaveGroup":         {setup: withGroup},
	"msGroupName":          {body: `{"name":"Team 2"}`, setup: withGroup},
	"msGroupDescription":   {body: `{"description":"plans"}`, setup: withGroup},
	"msGroupTopic":         {body: `{"topic":"plans"}`, setup: withGroup},
	"msGroupInviteInfo":    {setup: withInvite, public: true},
	"msInviteLink":         {query: "?reset=false", setup: withGroup},
	"msJoinRequests":       {setup: withGroup},
	"msCommunityMembers":   {setup: withCommunity(true)},
	"msSubgroups":          {setup: withCommunity(true)},
	"msGroupSettings":      {body: `{"announce":true,"locked":true}`, setup: withGroup},
	"msAddParticipants":    {body: `{"participants":["+15556660006"]}`, setup: withGroup},
	"msRemoveParticipants": {body: `{"participants":["+15553330003"]}`, setup: withGroup},
	"msPromote":            {body: `{"users":["+15553330003"]}`, setup: withGroup},
	"msDemote":             {body: `{"users":["+15555550005"]}`, setup: withGroup},
	"msApprove":            {body: `{"users":["+15554440004"]}`, setup: withGroup},
	"msReject":             {body: `{"users":["+15554440004"]}`, setup: withGroup},
	"msJoinApproval":       {body: `{"mode":false}`, setup: withGroup},
	"msJoinInvite":         {body: `{"invite_code":"{invite_code}"}`, setup: withInvite},
	"msMemberAddMode":      {body: `{"mode":"admin_add"}`, setup: withGroup},
	"msLinkGroup":          {setup: withCommunity(false)},
	"msUnlinkGroup":        {setup: withCommunity(true)},

	"msPresence":          {body: `{"status":"available"}`},
	"msSubscribePresence": {body: `{"jid":"+15556660006"}`, setup: withFrank},

	"msListWebhooks":  {setup: withHook},
	"msCreateWebhook": {body: `{"url":"https://example.com/hook","events":["message.received"]}`},
	"msGetWebhook":    {setup: withHook},
	"msUpdateWebhook": {body: `{"active":false}`, setup: withHook},
	"msDeleteWebhook": {setup: withHook},
	"msWebhookLogs":   {setup: withHook},
	"msTestWebhook":   {setup: withHook},

	"msNewsletters":        {setup: withChannel(true)},
	"msCreateNewsletter":   {body: `{"name":"News"}`},
	"msNewsletter":         {setup: withChannel(false)},
	"msNewsletterInvite":   {setup: withChannel(false)},
	"msNewsletterMessages": {query: "?count=10", setup: withOwnChannel},
	"msFollow":             {setup: withChannel(false)},
	"msUnfollow":           {setup: withChannel(true)},
	"msNewsletterSend":     {body: `{"text":"news"}`, setup: withOwnChannel},
	"msNewsletterReact":    {body: `{"message_server_id":{server_id},"emoji":"👍"}`, setup: withOwnChannel},
	"msNewsletterMute":     {body: `{"mute":true}`, setup: withChannel(true)},
	"msNewsletterViewed":   {body: `{"message_server_ids":[{server_id}]}`, setup: withOwnChannel},

	"msAdminWebhookStats": {setup: withHook},
	"msListAPIKeys":       {setup: withDeviceKey},
	"msCreateAPIKey": {body: `{"customer_name":"Acme Corp","customer_email":"admin@acme.com","customer_phone":"+6281234567890",` +
		`"max_devices":1,"rate_limit_per_hour":1000}`},
	"msGetAPIKey":            {setup: withDeviceKey},
	"msUpdateAPIKey":         {body: `{"customer_name":"Acme Ltd","max_devices":3}`, setup: withDeviceKey},
	"msDeleteAPIKey":         {setup: withDeviceKey},
	"msAPIKeyDevices":        {setup: withDeviceKey},
	"msAPIKeyDeviceStatuses": {setup: withDeviceKey},
	"msAdminDeleteDevice":    {setup: withSpareDevice},
	"msBots":                 {setup: withBots},
	"msBotProfiles":          {setup: withBots},
	"msNewsletterLive": {setup: func(t testing.TB, e *env, a wauser.AccountID) map[string]string {
		e.fake.SetLiveUpdatesDuration(5 * time.Minute)
		return withChannel(true)(t, e, a)
	}},
	"msNewsletterUpdates": {query: "?count=10&since=0", setup: withOwnChannel},
	"msAcceptTOS":         {body: `{"notice_id":"20601218","stage":"5"}`},
	"msPollResults":       {setup: withPoll},
	"msStatusUpdates":     {query: "?limit=10", setup: withStatus},
	"msUserStatus": {setup: func(t testing.TB, e *env, a wauser.AccountID) map[string]string {
		vals := withFrank(t, e, a)
		vals["status_id"] = frank.String()
		return vals
	}},

	"msDeleteStatus":    {setup: withStatus},
	"msRejectCall":      {body: `{"call_from":"+15550000001","call_id":"CALL1"}`},
	"msBusinessProfile": {setup: withBusiness},
	"msBusinessLink":    {setup: withBusiness},
}

// TestMultiSessionWebhookEvents: a webhook of POST /webhooks takes the
// server's event names and receives its events: {event_type, device_id,
// timestamp, data} with the server's message fields; a status update is
// status.posted, and a name it did not ask for is not sent.
func TestMultiSessionWebhookEvents(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.pair("a", phone)
		key := bearer(e.key(wauser.AllScopes(), "a"))
		r := e.checked(e.do("POST", "/webhooks", `{"url":"https://example.com/hook","events":["message.edited"]}`, key))
		require.Equal(t, http.StatusBadRequest, r.status, "wauser's names are not the server's: %s", r.body)
		require.Contains(t, r.json(t)["error"], "status.posted")

		all, onlyStatus := make(chan string, 8), make(chan string, 8)
		r = e.checked(e.do("POST", "/webhooks", `{"url":"`+newReceiver(t, all)+`","events":["message.received","status.*"]}`, key))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		r = e.checked(e.do("POST", "/webhooks", `{"url":"`+newReceiver(t, onlyStatus)+`","events":["status.posted"]}`, key))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		statusHook := strconv.FormatInt(int64(r.json(t)["data"].(map[string]any)["id"].(float64)), 10)

		conn := e.fake.Conn("a")
		require.True(t, conn.Emit(watest.Text(alice, alice, "3EB0MS1", epoch, "hello")))
		require.True(t, conn.Emit(watest.Text(types.StatusBroadcastJID, alice, "3EB0MS2", epoch, "my story")))

		type delivery struct {
			EventType string         `json:"event_type"`
			DeviceID  string         `json:"device_id"`
			Timestamp time.Time      `json:"timestamp"`
			Data      map[string]any `json:"data"`
		}
		next := func(ch chan string) delivery {
			t.Helper()
			select {
			case b := <-ch:
				var d delivery
				require.NoError(t, json.Unmarshal([]byte(b), &d), b)
				return d
			case <-time.After(10 * time.Second):
				require.FailNow(t, "no delivery")
			}
			return delivery{}
		}
		got := map[string]delivery{}
		for range 2 {
			d := next(all)
			got[d.EventType] = d
		}
		msg := got["message.received"]
		require.Equal(t, "a", msg.DeviceID)
		require.False(t, msg.Timestamp.IsZero())
		require.Equal(t, "3EB0MS1", msg.Data["message_id"])
		require.Equal(t, alice.String(), msg.Data["from"])
		require.Equal(t, alice.String(), msg.Data["chat"])
		require.Equal(t, float64(epoch.Unix()), msg.Data["timestamp"])
		require.Equal(t, false, msg.Data["is_from_me"])
		require.Contains(t, msg.Data["id"], "msg_", "the stored id too")
		st := got["status.posted"]
		require.Equal(t, "3EB0MS2", st.Data["message_id"])
		require.Equal(t, "status@broadcast", st.Data["chat"])

		d := next(onlyStatus)
		require.Equal(t, "status.posted", d.EventType)
		// Both events were fanned out together: the status webhook has
		// the one delivery.
		r = e.checked(e.do("GET", "/webhooks/"+statusHook+"/logs", nil, key))
		logs := r.json(t)["data"].(map[string]any)["logs"].([]any)
		require.Len(t, logs, 1)
		require.Equal(t, "status.posted", logs[0].(map[string]any)["event_type"], "logs name the server's event")
	})
}

// TestMultiSessionAPIKeys: the admin creates a key with a device quota;
// the key creates devices up to it, reaches only those, and is counted by
// the stored link to its tokens; a quota raised lets it create more;
// deleting the key deletes its devices.
func TestMultiSessionAPIKeys(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		admin := map[string]string{"X-Admin-Secret": adminPassword}
		e.createAccount("other")

		r := e.checked(e.do("POST", "/admin/api-keys", `{"customer_name":"Acme","customer_email":"ops@acme.example",`+
			`"customer_phone":"+15550001111","max_devices":1,"rate_limit_per_hour":1000}`, admin))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		created := r.json(t)["data"].(map[string]any)
		key := map[string]string{"X-API-Key": created["api_key"].(string)}
		id := strconv.FormatInt(int64(created["id"].(float64)), 10)
		require.Equal(t, float64(1), created["max_devices"])
		require.Equal(t, float64(1000), created["rate_limit_per_hour"], "the key's own hourly limit")

		r = e.checked(e.do("POST", "/devices", `{"device_name":"Shop"}`, key))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		dev := r.json(t)["data"].(map[string]any)
		first := dev["device_id"].(string)
		r = e.checked(e.do("GET", "/devices/me", nil, bearer(dev["token"].(string))))
		require.Equal(t, first, r.json(t)["data"].(map[string]any)["device_id"])
		r = e.checked(e.do("POST", "/devices", nil, key))
		require.Equal(t, http.StatusBadRequest, r.status, "the key's own quota holds")

		// The key reaches its device, not another.
		r = e.checked(e.do("GET", "/devices/me", nil, with(key, rest.HeaderConnectionID, first)))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r = e.checked(e.do("GET", "/devices/me", nil, with(key, rest.HeaderConnectionID, "other")))
		require.Equal(t, http.StatusForbidden, r.status)

		r = e.checked(e.do("GET", "/admin/api-keys", nil, admin))
		list := r.json(t)["data"].([]any)
		require.Len(t, list, 1, "devices' tokens are not the server's API keys")
		require.Equal(t, float64(1), list[0].(map[string]any)["device_count"])
		require.Equal(t, "Acme", list[0].(map[string]any)["customer_name"])
		r = e.checked(e.do("GET", "/admin/api-keys/"+id+"/devices", nil, admin))
		devices := r.json(t)["data"].([]any)
		require.Len(t, devices, 1)
		require.Equal(t, first, devices[0].(map[string]any)["device_id"])
		r = e.checked(e.do("GET", "/admin/api-keys/"+id+"/devices/status", nil, admin))
		require.Len(t, r.json(t)["data"], 1)

		r = e.checked(e.do("PATCH", "/admin/api-keys/"+id, `{"max_devices":0}`, admin))
		require.Equal(t, http.StatusBadRequest, r.status)
		r = e.checked(e.do("PATCH", "/admin/api-keys/"+id, `{"max_devices":2,"customer_name":"Acme Ltd"}`, admin))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, "Acme Ltd", r.json(t)["data"].(map[string]any)["customer_name"])
		require.Equal(t, float64(1000), r.json(t)["data"].(map[string]any)["rate_limit_per_hour"], "a limit not named stays")
		r = e.checked(e.do("PATCH", "/admin/api-keys/"+id, `{"rate_limit_per_hour":2500}`, admin))
		require.Equal(t, float64(2500), r.json(t)["data"].(map[string]any)["rate_limit_per_hour"])
		r = e.checked(e.do("PATCH", "/admin/api-keys/"+id, `{"rate_limit_per_hour":0}`, admin))
		require.Equal(t, http.StatusBadRequest, r.status)
		r = e.checked(e.do("POST", "/devices", nil, key))
		require.Equal(t, http.StatusCreated, r.status, "a raised quota: %s", r.body)
		second := r.json(t)["data"].(map[string]any)["device_id"].(string)

		// A device deleted frees its place.
		r = e.checked(e.do("DELETE", "/admin/devices/"+second, nil, admin))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r = e.checked(e.do("DELETE", "/admin/devices/"+second, nil, admin))
		require.Equal(t, http.StatusNotFound, r.status)
		r = e.checked(e.do("GET", "/admin/api-keys/"+id, nil, admin))
		require.Equal(t, float64(1), r.json(t)["data"].(map[string]any)["device_count"])
		require.Equal(t, float64(2500), r.json(t)["data"].(map[string]any)["rate_limit_per_hour"])

		r = e.checked(e.do("DELETE", "/admin/api-keys/"+id, nil, admin))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, []any{first}, r.json(t)["data"].(map[string]any)["devices_deleted"])
		accounts, err := e.c.ListAccounts(e.ctx())
		require.NoError(t, err)
		require.Len(t, accounts, 1, "the key's devices are gone, the other stays")
		r = e.checked(e.do("POST", "/devices", nil, key))
		require.Equal(t, http.StatusUnauthorized, r.status)
		r = e.checked(e.do("GET", "/admin/api-keys/"+id, nil, admin))
		require.Equal(t, false, r.json(t)["data"].(map[string]any)["is_active"])
		r = e.checked(e.do("PATCH", "/admin/api-keys/"+id, `{"is_active":true}`, admin))
		require.Equal(t, http.StatusBadRequest, r.status)
		r = e.checked(e.do("GET", "/admin/api-keys/12345", nil, admin))
		require.Equal(t, http.StatusNotFound, r.status)

		// The specification requires every field; wauser does not.
		r = e.do("POST", "/admin/api-keys", `{"customer_name":"Beta"}`, admin)
		e.ours.check(t, r, true)
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		require.Equal(t, float64(60*60), r.json(t)["data"].(map[string]any)["rate_limit_per_hour"],
			"without a limit of its own, the handler's per-minute limit over an hour")
	})
}

// TestMultiSessionDeleteAPIKeyMidwayFailure: deleting a key whose devices
// cannot all be logged out (one is connected by another process on the
// same PostgreSQL, which alone can unlink it) revokes the key and every
// device's token first, deletes the devices it can, and answers an error
// naming the one left and why; once that process lets go, the same DELETE
// finishes the job, and again it changes nothing.
func TestMultiSessionDeleteAPIKeyMidwayFailure(t *testing.T) {
	t.Parallel()
	db := testdb.Postgres(t)
	leases := wauser.WithLeases(wauser.LeaseOptions{Interval: 20 * time.Millisecond, Timeout: 2 * time.Second})
	e := newEnv(t, db, rest.Options{}, leases)
	admin := map[string]string{"X-Admin-Secret": adminPassword}
	r := e.checked(e.do("POST", "/admin/api-keys", `{"customer_name":"Acme","customer_email":"ops@acme.example",`+
		`"customer_phone":"+15550001111","max_devices":3,"rate_limit_per_hour":1000}`, admin))
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	created := r.json(t)["data"].(map[string]any)
	key := map[string]string{"X-API-Key": created["api_key"].(string)}
	id := strconv.FormatInt(int64(created["id"].(float64)), 10)
	var devices, tokens []string
	for range 3 {
		r = e.checked(e.do("POST", "/devices", `{"device_name":"Shop"}`, key))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		dev := r.json(t)["data"].(map[string]any)
		devices = append(devices, dev["device_id"].(string))
		tokens = append(tokens, dev["token"].(string))
	}

	// Another process links the second device and holds its connection.
	held := wauser.AccountID(devices[1])
	fake := watest.New()
	t.Cleanup(fake.Close)
	other, err := wauser.New(db.Open(t), fake.Option(), wauser.WithClock(e.clock), leases)
	require.NoError(t, err)
	require.NoError(t, other.Start(t.Context()))
	t.Cleanup(func() { _ = other.Close() })
	_, err = other.WithAccount(held).PairQR(e.ctx())
	require.NoError(t, err)
	conn, err := fake.WaitConn(e.ctx(), string(held))
	require.NoError(t, err)
	require.NoError(t, conn.Scan(phone))
	_, err = other.WithAccount(held).WaitStatus(e.ctx(), func(s *wauser.Status) bool { return s.State == wauser.StateConnected })
	require.NoError(t, err)

	r = e.checked(e.do("DELETE", "/admin/api-keys/"+id, nil, admin))
	require.Equal(t, http.StatusConflict, r.status, "%s", r.body)
	msg := r.json(t)["error"].(string)
	require.Contains(t, msg, "1 of 3 devices were not deleted: "+devices[1]+" (")
	require.Contains(t, msg, "connected by another process")
	require.Contains(t, msg, "DELETE /admin/api-keys/"+id+" again")
	for _, d := range []string{devices[0], devices[2]} {
		require.Contains(t, msg, d)
	}

	// Access ended at once: the key and every token, the left device's too.
	r = e.checked(e.do("POST", "/devices", nil, key))
	require.Equal(t, http.StatusUnauthorized, r.status)
	for i, tok := range tokens {
		r = e.checked(e.do("GET", "/devices/me", nil, bearer(tok)))
		require.Equal(t, http.StatusUnauthorized, r.status, "token of device %d", i)
	}
	accounts, err := e.c.ListAccounts(e.ctx())
	require.NoError(t, err)
	require.Len(t, accounts, 1)
	require.Equal(t, held, accounts[0].ID, "the devices that could be deleted are gone")

	// The other process lets go: the same request finishes.
	require.NoError(t, other.Close())
	r = e.checked(e.do("DELETE", "/admin/api-keys/"+id, nil, admin))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Equal(t, []any{devices[1]}, r.json(t)["data"].(map[string]any)["devices_deleted"])
	accounts, err = e.c.ListAccounts(e.ctx())
	require.NoError(t, err)
	require.Empty(t, accounts)
	r = e.checked(e.do("DELETE", "/admin/api-keys/"+id, nil, admin))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Empty(t, r.json(t)["data"].(map[string]any)["devices_deleted"], "nothing is left to delete")
}

// TestMultiSessionReads: webhook statistics, bots, channel updates, a
// poll's results and status updates, as the server shapes them.
func TestMultiSessionReads(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.pair("a", phone)
		key := bearer(e.key(wauser.AllScopes(), "a"))
		admin := map[string]string{"X-Admin-Secret": adminPassword}

		vals := withHook(t, e, "a")
		r := e.checked(e.do("POST", "/webhooks/"+vals["webhook_id"]+"/test", nil, key))
		require.Equal(t, http.StatusOK, r.status)
		r = e.checked(e.do("GET", "/admin/webhooks/stats", nil, admin))
		stats := r.json(t)["data"].(map[string]any)
		require.Equal(t, float64(1), stats["total_webhooks"])
		require.Equal(t, float64(1), stats["total_deliveries_24h"])
		require.Equal(t, float64(1), stats["successful_deliveries_24h"])
		require.Equal(t, float64(100), stats["success_rate"])

		withBots(t, e, "a")
		r = e.checked(e.do("GET", "/bots/profiles", nil, key))
		require.Equal(t, []any{map[string]any{"jid": metaAI.JID.String(), "name": "Meta AI", "persona_id": "meta_ai_v1",
			"description": "AI assistant powered by Meta", "category": "assistant", "is_default": true, "prompts": []any{"✨ Imagine a cat"}}},
			r.json(t)["data"])

		poll := withPoll(t, e, "a")
		r = e.checked(e.do("GET", "/polls/"+poll["poll_id"]+"/results", nil, key))
		res := r.json(t)["data"].(map[string]any)
		require.Equal(t, "Lunch?", res["question"])
		require.Len(t, res["options"], 2)

		withStatus(t, e, "a")
		conn := e.fake.Conn("a")
		require.True(t, conn.Emit(watest.Text(types.StatusBroadcastJID, frank, "3EB0ST1", epoch, "frank's story")))
		e.fake.Register(frank.User)
		require.Eventually(t, func() bool {
			r := e.checked(e.do("GET", "/status", nil, key))
			return len(r.json(t)["data"].(map[string]any)["statuses"].([]any)) == 2
		}, 5*time.Second, 5*time.Millisecond, "both status updates are listed")
		r = e.checked(e.do("GET", "/status/"+frank.String(), nil, key))
		mine := r.json(t)["data"].(map[string]any)["statuses"].([]any)
		require.Len(t, mine, 1, "frank's only")
		require.Equal(t, "3EB0ST1", mine[0].(map[string]any)["message_id"])
	})
}
