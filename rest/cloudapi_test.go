package rest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
	"github.com/wauser/wauser/watest"
)

// The Business Server API's clients send and parse the WhatsApp Cloud
// API's shapes. These tests send what such a client sends, through a real
// server, and read the answers as it does; every answer is validated
// against /openapi.json (e.checked).

// cloudSend posts a Cloud API message and returns the whole answer.
func cloudSend(t *testing.T, e *env, key map[string]string, body string) map[string]any {
	t.Helper()
	r := e.checked(e.do("POST", "/v1/messages", body, key))
	require.Equal(t, http.StatusOK, r.status, "%s: %s", body, r.body)
	envelope(t, r)
	got := r.json(t)
	require.Equal(t, true, got["success"])
	require.Equal(t, "whatsapp", got["messaging_product"])
	return got
}

func TestBusinessCloudAPISend(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{}, wauser.WithPrivateMediaURLs())
		conn := e.pair("a", phone)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeWrite}, "a"))
		files := fileServer(t)
		require.True(t, conn.Emit(watest.Text(alice, alice, "3EB0A1", epoch, "hello from alice")))
		incoming := withMessageID(t, e, "3EB0A1")
		last := func() watest.SentMessage {
			sent := conn.Sent()
			return sent[len(sent)-1]
		}

		// A text, as the Cloud API sends it: the answer is the Cloud API's
		// {messaging_product, contacts, messages} beside the envelope.
		got := cloudSend(t, e, key, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"15550000001","type":"text","text":{"preview_url":false,"body":"hello"}}`)
		require.Equal(t, []any{map[string]any{"input": "15550000001", "wa_id": alice.User}}, got["contacts"])
		data := got["data"].(map[string]any)
		require.Equal(t, []any{map[string]any{"id": data["message_id"]}}, got["messages"])
		require.Equal(t, "hello", last().Message.GetConversation())

		// preview_url inside the text object previews the link.
		cloudSend(t, e, key, `{"messaging_product":"whatsapp","to":"+15550000001","type":"text","text":{"preview_url":true,"body":"see `+files.URL+`/page.html"}}`)
		require.Equal(t, "The page", last().Message.GetExtendedTextMessage().GetTitle())

		// Media objects by link, with caption and filename.
		cloudSend(t, e, key, `{"messaging_product":"whatsapp","to":"15550000001","type":"image","image":{"link":"`+files.URL+`/image.jpg","caption":"look"}}`)
		require.Equal(t, "look", last().Message.GetImageMessage().GetCaption())
		require.Equal(t, pngFile, conn.Uploads()[len(conn.Uploads())-1].Data)
		cloudSend(t, e, key, `{"messaging_product":"whatsapp","to":"15550000001","type":"document","document":{"link":"`+files.URL+`/document.pdf","caption":"the report","filename":"report.pdf"}}`)
		// A captioned document goes wrapped, as official clients send it.
		require.Equal(t, "report.pdf", last().Message.GetDocumentWithCaptionMessage().GetMessage().GetDocumentMessage().GetFileName())

		// Media by the id of an upload (POST /v1/media, as the Cloud API
		// uploads: the MIME type in the type field).
		id := cloudUpload(t, e, key, "image/png", pngFile)
		cloudSend(t, e, key, `{"messaging_product":"whatsapp","to":"15550000001","type":"image","image":{"id":"`+id+`"}}`)
		require.Equal(t, "image/png", last().Message.GetImageMessage().GetMimetype())

		// A reply: context {message_id}.
		cloudSend(t, e, key, `{"messaging_product":"whatsapp","to":"15550000001","type":"text","context":{"message_id":"`+incoming+`"},"text":{"body":"re"}}`)
		require.Equal(t, "3EB0A1", last().Message.GetExtendedTextMessage().GetContextInfo().GetStanzaID())

		// A read mark: no to, no type; the answer is success alone.
		reads := len(conn.Reads())
		got = cloudSend(t, e, key, `{"messaging_product":"whatsapp","status":"read","message_id":"`+incoming+`"}`)
		require.Nil(t, got["data"])
		require.NotContains(t, got, "contacts")
		require.NotContains(t, got, "messages")
		require.Len(t, conn.Reads(), reads+1)
		require.Equal(t, []types.MessageID{"3EB0A1"}, conn.Reads()[reads].IDs)

		// Interactive messages, as Cloud API objects.
		cloudSend(t, e, key, `{"messaging_product":"whatsapp","to":"15550000001","type":"interactive","interactive":{
			"type":"button","header":{"type":"text","text":"Order 42"},"body":{"text":"Ship it?"},"footer":{"text":"Reply below"},
			"action":{"buttons":[{"type":"reply","reply":{"id":"yes","title":"Yes"}},{"type":"reply","reply":{"id":"no","title":"No"}}]}}}`)
		bm := last().Message.GetButtonsMessage()
		require.Equal(t, "Order 42", bm.GetText())
		require.Equal(t, "Reply below", bm.GetFooterText())
		require.Contains(t, bm.GetContentText(), "Ship it?")
		require.Equal(t, "yes", bm.GetButtons()[0].GetButtonID())
		require.Equal(t, "No", bm.GetButtons()[1].GetButtonText().GetDisplayText())
		cloudSend(t, e, key, `{"messaging_product":"whatsapp","to":"15550000001","type":"interactive","interactive":{
			"type":"list","header":{"type":"text","text":"Menu"},"body":{"text":"Choose a dish"},
			"action":{"button":"Dishes","sections":[{"title":"Mains","rows":[{"id":"p","title":"Pizza","description":"with cheese"},{"id":"s","title":"Sushi"}]}]}}}`)
		lm := last().Message.GetListMessage()
		require.Equal(t, "Dishes", lm.GetButtonText())
		require.Equal(t, "Menu", lm.GetTitle())
		require.Equal(t, "s", lm.GetSections()[0].GetRows()[1].GetRowID())
		cloudSend(t, e, key, `{"messaging_product":"whatsapp","to":"15550000001","type":"interactive","interactive":{
			"type":"cta_url","body":{"text":"Your invoice is ready."},"footer":{"text":"Thanks"},
			"action":{"name":"cta_url","parameters":{"display_text":"Open invoice","url":"https://example.com/inv/42"}}}}`)
		require.Equal(t, "Your invoice is ready.\n\nOpen invoice: https://example.com/inv/42\n\nThanks", last().Message.GetConversation(),
			"a cta_url message is a text carrying the link")
		// The flat form the Business Server API documents still works.
		cloudSend(t, e, key, `{"to":"15550000001","type":"interactive","interactive":{"type":"button","body":"Pick","buttons":[{"id":"a","title":"A"}]}}`)
		require.Equal(t, "a", last().Message.GetButtonsMessage().GetButtons()[0].GetButtonID())

		// participants naming every member of the group is sent; naming
		// some members only is refused, as WhatsApp cannot do it.
		g := e.fake.AddGroup(watest.GroupSpec{Name: "Team", Owner: phone.JID, Members: []types.JID{carol, dave}})
		cloudSend(t, e, key, `{"to":"`+g.String()+`","type":"text","text":{"body":"all of you"},"participants":["+15553330003","15554440004@s.whatsapp.net"]}`)
		require.Equal(t, g, last().To)

		// Mistakes: 400 with the Cloud API's error object, nothing sent.
		n := len(conn.Sent())
		for body, want := range map[string]string{
			`{"messaging_product":"sms","to":"15550000001","type":"text","text":{"body":"hi"}}`:                                                                           "messaging_product",
			`{"to":"` + g.String() + `","type":"text","text":{"body":"hi"},"participants":["+15553330003"]}`:                                                              "participants",
			`{"to":"` + g.String() + `","type":"text","text":{"body":"hi"},"participants":["+15553330003","+15554440004","+15550000001"]}`:                                "not a member",
			`{"to":"15550000001","type":"image","image":{"link":"https://a.example/a.png","url":"https://b.example/b.png"}}`:                                              "link and url",
			`{"to":"15550000001","type":"interactive","interactive":{"type":"product","body":{"text":"x"}}}`:                                                              "interactive.type",
			`{"to":"15550000001","type":"interactive","interactive":{"type":"button","header":{"type":"image"},"body":{"text":"x"}}}`:                                     "only text",
			`{"to":"15550000001","type":"interactive","interactive":{"type":"cta_url","body":{"text":"x"},"action":{"name":"cta_url"}}}`:                                  "display_text and url",
			`{"to":"15550000001","type":"interactive","interactive":{"type":"cta_url","body":{"text":"x"},"action":{"parameters":{"display_text":"a","url":"ftp://x"}}}}`: "http or https",
			`{"messaging_product":"whatsapp","message_id":"` + incoming + `"}`:                                                                                            "status",
			`{"status":"read","message_id":"` + incoming + `","context":{"message_id":"msg_other"}}`:                                                                      "different messages",
		} {
			r := e.checked(e.do("POST", "/v1/messages", body, key))
			require.Equal(t, http.StatusBadRequest, r.status, "%s: %s", body, r.body)
			require.Contains(t, failure(t, r), want, body)
			cloud := r.json(t)["error"].(map[string]any)
			require.Equal(t, float64(100), cloud["code"], "Cloud API code 100: invalid parameter")
			require.Equal(t, "OAuthException", cloud["type"])
		}
		require.Len(t, conn.Sent(), n, "nothing sent for the mistakes")

		// Other errors carry their Cloud API codes.
		r := e.checked(e.do("POST", "/v1/messages", `{"to":"15550000001","type":"text","text":{"body":"hi"}}`, bearer("wau_"+strings.Repeat("x", 52))))
		require.Equal(t, http.StatusUnauthorized, r.status)
		failure(t, r)
		require.Equal(t, float64(190), r.json(t)["error"].(map[string]any)["code"])
	})
}

// cloudUpload uploads a file as the Cloud API does (multipart with
// messaging_product, type as the MIME type, and file) and returns the id.
func cloudUpload(t *testing.T, e *env, key map[string]string, mimeType string, data []byte) string {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	require.NoError(t, mw.WriteField("messaging_product", "whatsapp"))
	require.NoError(t, mw.WriteField("type", mimeType))
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="file.bin"`)
	h.Set("Content-Type", mimeType)
	fw, err := mw.CreatePart(h)
	require.NoError(t, err)
	_, err = fw.Write(data)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	r := e.checked(e.do("POST", "/v1/media", buf.Bytes(), with(key, "Content-Type", mw.FormDataContentType())))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	m := envelope(t, r).(map[string]any)
	got := r.json(t)
	require.Equal(t, []any{map[string]any{"id": m["id"]}}, got["media"], "media [{id}] beside data")
	require.Equal(t, m["id"], got["id"], "and the Cloud API's id")
	require.Equal(t, mimeType, m["mime_type"])
	return m["id"].(string)
}

// TestBusinessCloudAPIMedia: GET /v1/media/{id} answers the Cloud API's
// media object, whose url downloads the file with the same key, also
// where the handler is mounted under a prefix.
func TestBusinessCloudAPIMedia(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.pair("a", phone)
		e.pair("b", bravoPhone)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeRead, wauser.ScopeWrite}, "a"))
		id := cloudUpload(t, e, key, "image/png", pngFile)

		r := e.checked(e.do("GET", "/v1/media/"+id, nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		data := envelope(t, r).(map[string]any)
		got := r.json(t)
		sum := sha256.Sum256(pngFile)
		require.Equal(t, "whatsapp", got["messaging_product"])
		require.Equal(t, id, got["id"])
		require.Equal(t, "image/png", got["mime_type"])
		require.Equal(t, hex.EncodeToString(sum[:]), got["sha256"])
		require.Equal(t, float64(len(pngFile)), got["file_size"])
		require.Equal(t, id, data["id"])
		fileURL := got["url"].(string)
		require.Equal(t, e.srv.URL+"/v1/media/"+id+"/file", fileURL)

		// The url downloads the bytes with the same key; not without it,
		// nor with another account's key.
		r = e.do("GET", strings.TrimPrefix(fileURL, e.srv.URL), nil, key)
		e.ours.check(t, r, true)
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, pngFile, r.body)
		require.Equal(t, "image/png", r.header.Get("Content-Type"))
		r = e.checked(e.do("GET", strings.TrimPrefix(fileURL, e.srv.URL), nil, nil))
		require.Equal(t, http.StatusUnauthorized, r.status)
		r = e.checked(e.do("GET", strings.TrimPrefix(fileURL, e.srv.URL), nil, bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "b"))))
		require.Equal(t, http.StatusNotFound, r.status, "another account's media is not found")
		failure(t, r)
		// A file WhatsApp's servers dropped cannot come back: 404.
		conn := e.fake.Conn("a")
		e.fake.ExpireMedia(conn.Uploads()[0].Response.DirectPath)
		r = e.checked(e.do("GET", strings.TrimPrefix(fileURL, e.srv.URL), nil, key))
		require.Equal(t, http.StatusNotFound, r.status, "%s", r.body)
		require.Contains(t, failure(t, r), "upload it again")
		r = e.checked(e.do("GET", "/v1/media/media_nope", nil, key))
		require.Equal(t, http.StatusNotFound, r.status)
		require.Equal(t, float64(100), r.json(t)["error"].(map[string]any)["code"])

		// Mounted under a prefix, the url names the prefix (a fresh upload).
		id = cloudUpload(t, e, key, "image/png", pngFile)
		mux := http.NewServeMux()
		mux.Handle("/wa/", http.StripPrefix("/wa", e.h))
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		req, err := http.NewRequestWithContext(e.ctx(), "GET", srv.URL+"/wa/v1/media/"+id, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", key["Authorization"])
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		var body struct {
			URL string `json:"url"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		_ = resp.Body.Close()
		require.Equal(t, srv.URL+"/wa/v1/media/"+id+"/file", body.URL)
		req, err = http.NewRequestWithContext(e.ctx(), "GET", body.URL, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", key["Authorization"])
		resp, err = srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, strconv.Itoa(len(pngFile)), resp.Header.Get("Content-Length"))
	})
}

// TestBusinessShapes: the answers the Business Server API's clients parse:
// status, contacts, groups, newsletters and privacy, with the fields the
// clients read beside the ones documented before.
func TestBusinessShapes(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		conn := e.pair("a", phone)
		e.createAccount("u")
		key := bearer(e.key(wauser.AllScopes(), "a", "u"))
		onA := with(key, rest.HeaderConnectionID, "a")

		// Status.
		r := e.checked(e.do("GET", "/v1/status", nil, onA))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		st := envelope(t, r).(map[string]any)
		require.Equal(t, "a", st["id"])
		require.Equal(t, "connected", st["status"])
		require.Equal(t, "Sales", st["whatsapp_name"])
		require.Equal(t, phone.JID.String(), st["whatsapp_id"])
		require.Equal(t, "connected", st["state"], "the Client's status fields stay")
		r = e.checked(e.do("GET", "/v1/status", nil, with(key, rest.HeaderConnectionID, "u")))
		st = envelope(t, r).(map[string]any)
		require.Equal(t, "init", st["status"])
		require.Equal(t, "", st["whatsapp_id"])

		// Contacts: {id, info: {Found, FirstName, FullName, PushName,
		// BusinessName}} beside the contact's fields.
		require.True(t, conn.Emit(watest.Text(alice, alice, "3EB0A1", epoch, "hi")))
		require.True(t, conn.Emit(&events.Contact{JID: alice, Timestamp: epoch,
			Action: &waSyncAction.ContactAction{FirstName: proto.String("Alice"), FullName: proto.String("Alice Liddell")}}))
		require.True(t, conn.Emit(&events.BusinessName{JID: alice, NewBusinessName: "Alice's Shop"}))
		r = e.checked(e.do("GET", "/v1/contacts", nil, onA))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		ct := envelope(t, r).([]any)[0].(map[string]any)
		require.Equal(t, float64(1), ct["id"])
		require.Equal(t, map[string]any{"Found": true, "FirstName": "Alice", "FullName": "Alice Liddell", "PushName": "", "BusinessName": "Alice's Shop"}, ct["info"])
		require.Equal(t, "+"+alice.User, ct["phone_e164"])

		// Groups: id, name, topic, owner, admins, members, created,
		// ephemeral, locked, always present.
		g := e.fake.AddGroup(watest.GroupSpec{Name: "Team", Members: []types.JID{phone.JID, carol}})
		r = e.checked(e.do("GET", "/v1/groups", nil, onA))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		grp := envelope(t, r).([]any)[0].(map[string]any)
		for _, k := range []string{"id", "name", "topic", "owner", "admins", "members", "created", "ephemeral", "locked"} {
			require.Contains(t, grp, k)
		}
		require.Equal(t, g.String(), grp["id"])
		r = e.checked(e.do("GET", "/v1/groups/"+g.String(), nil, onA))
		require.Contains(t, r.json(t)["groups"], "owner")

		// Newsletters.
		news := e.fake.AddNewsletter(watest.Newsletter{Name: "News", Description: "daily", Subscribers: 12, InviteCode: "0029VaNews", Verified: true})
		r = e.checked(e.do("GET", "/v1/newsletters/"+news.String(), nil, onA))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		nl := envelope(t, r).(map[string]any)
		for k, v := range map[string]any{"id": news.String(), "name": "News", "description": "daily", "invite": "0029VaNews",
			"subscribers": float64(12), "verified": true, "muted": false, "role": "guest", "profile": ""} {
			require.Equal(t, v, nl[k], k)
		}
		require.NotEmpty(t, nl["creation_time"])

		// Follow takes a form too.
		r = e.checked(e.do("PUT", "/v1/newsletters", "id="+news.String(), with(onA, "Content-Type", "application/x-www-form-urlencoded")))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r = e.checked(e.do("GET", "/v1/newsletters", nil, onA))
		list := envelope(t, r).([]any)
		require.Len(t, list, 1)
		require.Equal(t, "subscriber", list[0].(map[string]any)["role"])
		r = e.checked(e.do("PUT", "/v1/newsletters", "name=x", with(onA, "Content-Type", "application/x-www-form-urlencoded")))
		require.Equal(t, http.StatusBadRequest, r.status)
		failure(t, r)

		// Privacy: the list, or the default one as an object when asked.
		e.fake.SetStatusPrivacy([]types.StatusPrivacy{
			{Type: types.StatusPrivacyTypeContacts, List: []types.JID{}},
			{Type: types.StatusPrivacyTypeBlacklist, IsDefault: true, List: []types.JID{carol}},
		})
		r = e.checked(e.do("GET", "/v1/profile/privacy?default=true", nil, onA))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, map[string]any{"type": "blacklist", "list": []any{carol.String()}, "is_default": true}, envelope(t, r))
		r = e.checked(e.do("GET", "/v1/profile/privacy", nil, onA))
		require.Len(t, envelope(t, r), 2)
	})
}

// TestBusinessInitAccountWebhookURL: POST /v1/accounts takes webhook_url
// and only_status_updates, as the Business Server API's clients send them.
func TestBusinessInitAccountWebhookURL(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		r := e.checked(e.do("POST", "/v1/accounts", `{"id":"sales","webhook_url":"https://example.com/hook","only_status_updates":true}`,
			basic(adminUser, adminPassword)))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		acc := envelope(t, r).(map[string]any)
		require.Equal(t, true, acc["only_status_updates"])
		hooks := acc["webhooks"].([]any)
		require.Len(t, hooks, 1)
		require.Equal(t, "https://example.com/hook", hooks[0].(map[string]any)["url"])
		require.Regexp(t, `^whsec_`, hooks[0].(map[string]any)["secret"])
		list, err := e.c.WithAccount("sales").ListWebhooks(e.ctx())
		require.NoError(t, err)
		require.Len(t, list, 1)

		// The same URL in webhooks and webhook_url is one webhook.
		r = e.checked(e.do("POST", "/v1/accounts", `{"id":"two","webhook_url":"https://example.com/h","webhooks":[{"url":"https://example.com/h"}]}`,
			basic(adminUser, adminPassword)))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Len(t, envelope(t, r).(map[string]any)["webhooks"], 1)
		r = e.checked(e.do("POST", "/v1/accounts", `{"id":"three","webhook_url":"ftp://example.com/h"}`, basic(adminUser, adminPassword)))
		require.Equal(t, http.StatusBadRequest, r.status)
		failure(t, r)
	})
}
