package rest_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
	"github.com/wauser/wauser/watest"
)

// pdfFile is a small PDF document (its signature is enough for sniffing).
var pdfFile = []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")

// fileServer serves an image and a document, as the URLs of document
// 002's examples.
func fileServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/image.jpg":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(pngFile)
		case "/document.pdf":
			w.Header().Set("Content-Type", "application/pdf")
			_, _ = w.Write(pdfFile)
		case "/page.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(`<html><head><title>The page</title></head></html>`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestChatSendMessage sends document 002's examples: text, image,
// document, location and template.
func TestChatSendMessage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{}, wauser.WithPrivateMediaURLs())
		conn := e.pair("a", phone)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeWrite}, "a"))
		files := fileServer(t)
		to := types.NewJID("1234567890", types.DefaultUserServer)

		r := e.checked(e.do("POST", "/api/v1/messages", `{
"to": "+1234567890",
"type": "text",
"text": "Hello from WhatsSync!"
}`, key))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		requireRateHeaders(t, r)
		got := r.json(t)
		require.Equal(t, []string{"from", "id", "status", "text", "timestamp", "to", "type"}, sortedKeys(got))
		require.Regexp(t, `^msg_`, got["id"])
		require.Equal(t, "+"+phone.JID.User, got["from"])
		require.Equal(t, "+1234567890", got["to"])
		require.Equal(t, "text", got["type"])
		require.Equal(t, "Hello from WhatsSync!", got["text"])
		require.Equal(t, "sent", got["status"])
		sent := conn.Sent()
		require.Len(t, sent, 1)
		require.Equal(t, to, sent[0].To)
		require.Equal(t, "Hello from WhatsSync!", sent[0].Message.GetConversation())
		stored, err := e.c.WithAccount("a").GetMessage(e.ctx(), wauser.MessageID(got["id"].(string)))
		require.NoError(t, err)
		require.Equal(t, sent[0].ID, stored.WAMessageID)

		r = e.checked(e.do("POST", "/api/v1/messages", `{
"to": "+1234567890",
"type": "image",
"image": {
"url": "`+files.URL+`/image.jpg",
"caption": "Check out this image!"
}
}`, key))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		got = r.json(t)
		require.Equal(t, "image", got["type"])
		require.Equal(t, "Check out this image!", got["text"])
		img := conn.Sent()[1].Message.GetImageMessage()
		require.NotNil(t, img)
		require.Equal(t, "Check out this image!", img.GetCaption())
		require.Equal(t, "image/png", img.GetMimetype())
		require.Equal(t, pngFile, conn.Uploads()[0].Data)

		r = e.checked(e.do("POST", "/api/v1/messages", `{
"to": "+1234567890",
"type": "document",
"document": {
"url": "`+files.URL+`/document.pdf",
"filename": "report.pdf",
"caption": "Monthly report"
}
}`, key))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		require.Equal(t, "document", r.json(t)["type"])
		// Captioned, so wrapped as official clients send it.
		doc := conn.Sent()[2].Message.GetDocumentWithCaptionMessage().GetMessage().GetDocumentMessage()
		require.Equal(t, "report.pdf", doc.GetFileName())
		require.Equal(t, "Monthly report", doc.GetCaption())
		require.Equal(t, "application/pdf", doc.GetMimetype())

		r = e.checked(e.do("POST", "/api/v1/messages", `{
"to": "+1234567890",
"type": "location",
"location": {
"latitude": 37.7749,
"longitude": -122.4194,
"name": "San Francisco",
"address": "San Francisco, CA"
}
}`, key))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		require.Equal(t, "location", r.json(t)["type"])
		loc := conn.Sent()[3].Message.GetLocationMessage()
		require.InDelta(t, 37.7749, loc.GetDegreesLatitude(), 1e-9)
		require.InDelta(t, -122.4194, loc.GetDegreesLongitude(), 1e-9)
		require.Equal(t, "San Francisco", loc.GetName())
		require.Equal(t, "San Francisco, CA", loc.GetAddress())

		_, err = e.c.WithAccount("a").CreateTemplate(e.ctx(), wauser.TemplateRequest{Name: "appointment_reminder", Language: "en_US",
			Components: []wauser.TemplateComponent{{Type: wauser.TemplateBody, Text: "Hello {{1}}, see you on {{2}}."}}})
		require.NoError(t, err)
		template := `{
"to": "+1234567890",
"type": "template",
"template": {
"name": "appointment_reminder",
"language": {
"code": "en_US"
},
"components": [
{
"type": "body",
"parameters": [
{
"type": "text",
"text": "John"
},
{
"type": "date_time",
"date_time": {
"fallback_value": "June 10, 2023"
}
}
]
}
]
}
}`
		r = e.checked(e.do("POST", "/api/v1/messages", template, key))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		require.Equal(t, "Hello John, see you on June 10, 2023.", r.json(t)["text"])
		require.Equal(t, "Hello John, see you on June 10, 2023.", conn.Sent()[4].Message.GetConversation())

		// Mistakes: 400 in document 002's shape, and nothing sent.
		for _, c := range []struct{ body, code, message string }{
			{`{"to":"+12ab","type":"text","text":"hi"}`, "invalid_phone_number", ""},
			{`{"to":"+1234567890","type":"video","text":"hi"}`, "invalid_message_type", `type "video" is not one of [text image document location template]`},
			{`{"to":"+1234567890","type":"text","text":""}`, "invalid_argument", "text: empty"},
			{`{"to":"+1234567890","type":"image","text":"hi"}`, "invalid_argument", ""},
			{`{"to":"+1234567890","type":"text","text":{"body":"hi"}}`, "invalid_body", ""},
			{`{"to":"+1234567890","type":"image","image":{"link":"https://a.example/x.png","url":"https://b.example/y.png"}}`, "invalid_argument", "link and url"},
			{`{"to":"+1234567890","type":"location","location":{"latitude":91,"longitude":0}}`, "invalid_argument", ""},
			{strings.Replace(template, "appointment_reminder", "no_such_template", 1), "invalid_argument", ""},
			{strings.Replace(template, `"en_US"`, `"de"`, 1), "invalid_argument", ""},
		} {
			r = e.checked(e.do("POST", "/api/v1/messages", c.body, key))
			require.Equal(t, http.StatusBadRequest, r.status, "%s: %s", c.body, r.body)
			body := r.json(t)["error"].(map[string]any)
			require.Equal(t, c.code, body["code"], c.body)
			require.Equal(t, float64(400), body["status"])
			if c.message != "" {
				require.Contains(t, body["message"], c.message)
			}
		}
		require.Len(t, conn.Sent(), 5, "nothing sent for the mistakes")

		// Sending takes the write scope, in document 002's 403 shape.
		r = e.checked(e.do("POST", "/api/v1/messages", `{"to":"+1234567890","text":"hi"}`, bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "a"))))
		require.Equal(t, http.StatusForbidden, r.status)
		require.Equal(t, "forbidden", r.json(t)["error"].(map[string]any)["code"])
	})
}

// TestChatContactDetails shows the contact's profile picture, asked from
// WhatsApp, and its tags.
func TestChatContactDetails(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		conn := e.pair("a", phone)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "a"))
		require.True(t, conn.Emit(watest.Text(alice, alice, "3EB0A1", atSec(1), "hi")))
		require.True(t, conn.Emit(watest.Text(bob, bob, "3EB0B1", atSec(2), "hi")))
		const picture = "https://pps.whatsapp.net/v/t61/alice.jpg?oh=1"
		e.fake.SetProfilePicture(alice, picture)
		_, err := e.c.WithAccount("a").UpdateContact(e.ctx(), alice.String(), wauser.UpdateContactRequest{Tags: &[]string{"customer", "premium"}})
		require.NoError(t, err)

		r := e.checked(e.do("GET", "/api/v1/contacts/+"+alice.User, nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		got := r.json(t)
		require.Equal(t, []string{"id", "lastMessageAt", "name", "phone", "profileImage", "tags"}, sortedKeys(got))
		require.Equal(t, picture, got["profileImage"])
		require.Equal(t, []any{"customer", "premium"}, got["tags"])

		// No picture: no profileImage, and the details all the same.
		r = e.checked(e.do("GET", "/api/v1/contacts/+"+bob.User, nil, key))
		require.Equal(t, http.StatusOK, r.status)
		require.NotContains(t, r.json(t), "profileImage")
		require.Equal(t, []any{}, r.json(t)["tags"])

		// WhatsApp unreachable: the details without the picture.
		conn.Drop()
		_, err = e.c.WithAccount("a").WaitStatus(e.ctx(), func(s *wauser.Status) bool { return !s.Connected })
		require.NoError(t, err)
		r = e.checked(e.do("GET", "/api/v1/contacts/+"+alice.User, nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.NotContains(t, r.json(t), "profileImage")
		require.Equal(t, []any{"customer", "premium"}, r.json(t)["tags"])
	})
}

// TestHistorySync asks the phone for older messages in document 001's
// envelope, and refuses counts outside 1..100 in it.
func TestHistorySync(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		conn := e.pair("a", phone)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeWrite}, "a"))

		// Nothing stored to ask before yet.
		r := e.checked(e.do("POST", "/history/sync", `{"count":25}`, key))
		require.Equal(t, http.StatusNotFound, r.status, "%s", r.body)
		require.Equal(t, map[string]any{"status": false, "code": float64(404), "message": "Not Found",
			"error": "not found: no stored message of any chat to request history before"}, r.json(t))

		require.True(t, conn.Emit(watest.Text(alice, alice, "NOW", epoch, "latest")))
		conn.AddHistory(alice,
			watest.WebMessage(alice, "OLD1", false, types.EmptyJID, epoch.Add(-2*time.Hour), "older"),
			watest.WebMessage(alice, "OLD2", false, types.EmptyJID, epoch.Add(-time.Hour), "old"),
		)
		r = e.checked(e.do("POST", "/history/sync", `{"count":25}`, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		requireRateHeaders(t, r)
		got := r.json(t)
		require.Equal(t, true, got["status"])
		require.Equal(t, float64(200), got["code"])
		require.Equal(t, "History sync requested", got["message"])
		data := got["data"].(map[string]any)
		require.Equal(t, true, data["requested"])
		require.Equal(t, float64(25), data["count"])
		require.Equal(t, "History will be delivered via history.sync_complete webhook event", data["note"])
		chats := data["chats"].([]any)
		require.Len(t, chats, 1)
		require.Equal(t, alice.String(), chats[0].(map[string]any)["chat_jid"])
		require.Equal(t, "NOW", chats[0].(map[string]any)["oldest_wa_message_id"])
		peer := conn.Sent()
		require.Len(t, peer, 1)
		require.True(t, peer[0].Peer, "asked the account's phone")
		req := peer[0].Message.GetProtocolMessage().GetPeerDataOperationRequestMessage().GetHistorySyncOnDemandRequest()
		require.Equal(t, int32(25), req.GetOnDemandMsgCount())
		e.waitHistory("a")
		msgs, err := e.c.WithAccount("a").ListMessages(e.ctx(), wauser.ListMessagesOptions{PersonID: wauser.PersonID(personOf(t, e, alice))})
		require.NoError(t, err)
		require.Len(t, msgs.Messages, 3, "the phone's answer is stored")

		// No body (or no count) is 25; one chat may be named.
		r = e.checked(e.do("POST", "/history/sync", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, float64(25), r.json(t)["data"].(map[string]any)["count"])
		r = e.checked(e.do("POST", "/history/sync", `{"count":100,"chat":"+`+alice.User+`"}`, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, float64(50), r.json(t)["data"].(map[string]any)["count"], "100 is accepted; the phone is asked for 50")
		require.Len(t, conn.Sent(), 3)
		require.Equal(t, int32(50), conn.Sent()[2].Message.GetProtocolMessage().GetPeerDataOperationRequestMessage().GetHistorySyncOnDemandRequest().GetOnDemandMsgCount())

		// Outside 1..100, malformed, unauthorized: document 001's error envelope.
		for _, body := range []string{`{"count":0}`, `{"count":101}`, `{"count":-5}`, `{"count":"25"}`, `{"count":2.5}`, `{"count":25,"chat":7}`} {
			r = e.checked(e.do("POST", "/history/sync", body, key))
			require.Equal(t, http.StatusBadRequest, r.status, body)
			got := r.json(t)
			require.Equal(t, []string{"code", "error", "message", "status"}, sortedKeys(got), body)
			require.Equal(t, false, got["status"])
			require.Equal(t, float64(400), got["code"])
			require.Equal(t, "Bad Request", got["message"])
		}
		r = e.checked(e.do("POST", "/history/sync", `{"count":0}`, key))
		require.Equal(t, "count must be between 1 and 100, got 0", r.json(t)["error"])
		r = e.checked(e.do("POST", "/history/sync", `{"count":25}`, nil))
		require.Equal(t, http.StatusUnauthorized, r.status)
		require.Equal(t, map[string]any{"status": false, "code": float64(401), "message": "Unauthorized",
			"error": "missing API key: send Authorization: Bearer <key> or X-Api-Key"}, r.json(t))
		require.Len(t, conn.Sent(), 3, "nothing asked for the mistakes")
	})
}

// personOf is the person id of who in account "a".
func personOf(t *testing.T, e *env, who types.JID) string {
	t.Helper()
	ct, err := e.c.WithAccount("a").GetContact(e.ctx(), who.String())
	require.NoError(t, err)
	return string(ct.PersonID)
}

// TestBusinessSendMessage sends document 003's message types through
// POST /v1/messages.
func TestBusinessSendMessage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{}, wauser.WithPrivateMediaURLs())
		conn := e.pair("a", phone)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeWrite}, "a"))
		files := fileServer(t)
		require.True(t, conn.Emit(watest.Text(alice, alice, "3EB0A1", epoch, "hello from alice")))
		incoming := withMessageID(t, e, "3EB0A1")
		send := func(body string) any {
			t.Helper()
			r := e.checked(e.do("POST", "/v1/messages", body, key))
			require.Equal(t, http.StatusOK, r.status, "%s: %s", body, r.body)
			requireRateHeaders(t, r)
			require.Equal(t, "message sent", r.json(t)["message"])
			return envelope(t, r)
		}
		last := func() watest.SentMessage {
			sent := conn.Sent()
			return sent[len(sent)-1]
		}

		// Text, as document 003's object or as a string; type may be left out.
		m := send(`{"to":"+15550000001","recipient_type":"individual","type":"text","text":{"body":"hello"}}`).(map[string]any)
		require.Equal(t, "hello", m["body"])
		require.Equal(t, "text", m["content_type"])
		require.Equal(t, "sent", m["status"])
		require.Equal(t, alice.String(), m["chat_jid"])
		require.Equal(t, "hello", last().Message.GetConversation())
		send(`{"to":"15550000001","text":"plain string"}`)
		require.Equal(t, "plain string", last().Message.GetConversation())

		// preview_url previews the first link of the text.
		send(`{"to":"+15550000001","type":"text","text":{"body":"see ` + files.URL + `/page.html"},"preview_url":true}`)
		require.Equal(t, "The page", last().Message.GetExtendedTextMessage().GetTitle())
		require.Equal(t, files.URL+"/page.html", last().Message.GetExtendedTextMessage().GetMatchedText())

		// A reply (context.message_id), with a mention.
		send(`{"to":"+15550000001","type":"text","text":{"body":"re: @15553330003"},"context":{"message_id":"` + incoming + `","mentions":["+15553330003"]}}`)
		ext := last().Message.GetExtendedTextMessage()
		require.Equal(t, "3EB0A1", ext.GetContextInfo().GetStanzaID())
		require.Equal(t, []string{carol.String()}, ext.GetContextInfo().GetMentionedJID())

		// Media by URL, location, poll, interactive.
		m = send(`{"to":"+15550000001","type":"image","image":{"url":"` + files.URL + `/image.jpg","caption":"look"}}`).(map[string]any)
		require.Equal(t, "image", m["content_type"])
		require.Equal(t, "look", last().Message.GetImageMessage().GetCaption())
		send(`{"to":"+15550000001","type":"document","document":{"url":"` + files.URL + `/document.pdf","filename":"a.pdf"}}`)
		require.Equal(t, "a.pdf", last().Message.GetDocumentMessage().GetFileName())
		send(`{"to":"+15550000001","type":"location","location":{"latitude":52.52,"longitude":13.405,"name":"Berlin"}}`)
		require.Equal(t, "Berlin", last().Message.GetLocationMessage().GetName())
		m = send(`{"to":"+15550000001","type":"poll","poll":{"question":"Lunch?","options":["Pizza","Sushi"],"selectable_count":1}}`).(map[string]any)
		require.Equal(t, "poll", m["content_type"])
		require.Equal(t, "Lunch?", last().Message.GetPollCreationMessage().GetName())
		send(`{"to":"+15550000001","type":"interactive","interactive":{"type":"button","body":"Pick one","buttons":[{"id":"y","title":"Yes"},{"id":"n","title":"No"}]}}`)
		require.Contains(t, last().Message.GetButtonsMessage().GetContentText(), "1. Yes")

		// A group by its bare id, and an invite to it.
		g := e.fake.AddGroup(watest.GroupSpec{Name: "Team", Owner: phone.JID, Members: []types.JID{carol}})
		send(`{"to":"` + g.User + `","recipient_type":"group","type":"text","text":{"body":"hi team"}}`)
		require.Equal(t, g, last().To)
		send(`{"to":"+15550000001","type":"invite","invite":{"group":"` + g.String() + `","code":"AbCd1234","group_name":"Team"}}`)
		require.Equal(t, "AbCd1234", last().Message.GetGroupInviteMessage().GetInviteCode())
		require.Equal(t, "Team", last().Message.GetGroupInviteMessage().GetGroupName())

		// The id makes a send idempotent.
		n := len(conn.Sent())
		first := send(`{"to":"+15550000001","id":"ORDER42","text":{"body":"once"}}`)
		again := send(`{"to":"+15550000001","id":"ORDER42","text":{"body":"once"}}`)
		require.Equal(t, first, again)
		require.Len(t, conn.Sent(), n+1)
		require.Equal(t, "ORDER42", first.(map[string]any)["client_id"], "the id is kept as the client id")
		require.Equal(t, first.(map[string]any)["wa_message_id"], last().ID, "WhatsApp gets an id whatsmeow made")
		require.NotEqual(t, "ORDER42", last().ID)

		// A reaction answers the message reacted to.
		m = send(`{"to":"+15550000001","type":"reaction","reaction":{"message_id":"3EB0A1","emoji":"👍"}}`).(map[string]any)
		require.Equal(t, incoming, m["message_id"])
		require.Equal(t, map[string]any{phone.JID.String(): "👍"}, m["reactions"])
		require.Equal(t, "👍", last().Message.GetReactionMessage().GetText())

		// Status messages answer null: typing shows, read marks (no to needed).
		require.Nil(t, send(`{"to":"+15550000001","type":"status","status":"typing"}`))
		require.Equal(t, types.ChatPresenceComposing, conn.Presences()[0].State)
		require.Nil(t, send(`{"type":"status","status":"read","context":{"message_id":"`+incoming+`"}}`))
		require.Equal(t, []types.MessageID{"3EB0A1"}, conn.Reads()[0].IDs)
		require.Nil(t, send(`{"to":"+15550000001","type":"status","status":"recording"}`))
		require.Equal(t, types.ChatPresenceMediaAudio, conn.Presences()[1].Media)
		require.Nil(t, send(`{"to":"+15550000001","type":"status","status":"played","context":{"message_id":"3EB0A1"}}`))
		require.Equal(t, types.ReceiptTypePlayed, conn.Reads()[1].Type)

		// Mistakes: 400 in the envelope, nothing sent.
		n = len(conn.Sent())
		for body, want := range map[string]string{
			`{"to":"+15550000001","type":"sticker","text":{"body":"hi"}}`:                                          `type "sticker" is not one of`,
			`{"to":"+15550000001","type":"text","text":{"body":""}}`:                                               "text.body is empty",
			`{"type":"text","text":{"body":"hi"}}`:                                                                 "to",
			`{"to":"+15550000001","type":"text","text":{"body":"hi"},"image":{"url":"https://example.com/a.png"}}`: "image",
			`{"to":"+15550000001","type":"reaction","reaction":{"message_id":"","emoji":"👍"}}`:                     "reaction.message_id",
			`{"to":"+15550000001","type":"status","status":"sleeping"}`:                                            "status",
		} {
			r := e.checked(e.do("POST", "/v1/messages", body, key))
			require.Equal(t, http.StatusBadRequest, r.status, "%s: %s", body, r.body)
			require.Contains(t, failure(t, r), want, body)
		}
		require.Len(t, conn.Sent(), n, "nothing sent for the mistakes")
	})
}

// withMessageID returns the stored id of WhatsApp message waID in account "a".
func withMessageID(t *testing.T, e *env, waID string) string {
	t.Helper()
	page, err := e.c.WithAccount("a").SyncPage(e.ctx(), 0, 1000)
	require.NoError(t, err)
	for _, m := range page.Messages {
		if m.WAMessageID == waID {
			return string(m.MessageID)
		}
	}
	require.Failf(t, "no message", "%s is not stored", waID)
	return ""
}

// TestBusinessDeleteMessageAndUpdateContact deletes messages for everyone
// and renames contacts by document 003's integer id.
func TestBusinessDeleteMessageAndUpdateContact(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		conn := e.pair("a", phone)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeWrite, wauser.ScopeRead}, "a"))
		require.True(t, conn.Emit(watest.Text(alice, alice, "3EB0A1", epoch, "hello from alice")))
		bot := e.c.WithAccount("a")
		mine, err := bot.SendText(e.ctx(), "+"+alice.User, "oops")
		require.NoError(t, err)
		other, err := bot.SendText(e.ctx(), "+"+alice.User, "oops again")
		require.NoError(t, err)

		// By stored id, and by WhatsApp id in the chat.
		r := e.checked(e.do("DELETE", "/v1/messages/"+string(mine.MessageID)+"/"+alice.String(), nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Nil(t, envelope(t, r))
		require.Equal(t, "message deleted", r.json(t)["message"])
		revoke := conn.Sent()[len(conn.Sent())-1].Message.GetProtocolMessage()
		require.Equal(t, mine.WAMessageID, revoke.GetKey().GetID())
		got, err := bot.GetMessage(e.ctx(), mine.MessageID)
		require.NoError(t, err)
		require.Equal(t, "deleted", got.Status)
		require.Empty(t, got.Body)
		r = e.checked(e.do("DELETE", "/v1/messages/"+other.WAMessageID+"/"+alice.User, nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		got, err = bot.GetMessage(e.ctx(), other.MessageID)
		require.NoError(t, err)
		require.Equal(t, "deleted", got.Status)

		n := len(conn.Sent())
		for path, status := range map[string]int{
			"/v1/messages/" + withMessageID(t, e, "3EB0A1") + "/" + alice.String(): http.StatusBadRequest, // alice's, in a direct chat
			"/v1/messages/msg_nope/" + alice.String():                              http.StatusBadRequest,
			"/v1/messages/" + string(mine.MessageID) + "/" + carol.String():        http.StatusBadRequest, // not in that chat
			"/v1/messages/3EB0A1/not-a-chat":                                       http.StatusBadRequest,
		} {
			r = e.checked(e.do("DELETE", path, nil, key))
			require.Equal(t, status, r.status, "%s: %s", path, r.body)
			failure(t, r)
		}
		require.Len(t, conn.Sent(), n, "nothing sent for the mistakes")

		// Rename alice by her integer id (GET /v1/contacts shows it).
		r = e.checked(e.do("GET", "/v1/contacts", nil, key))
		contacts := envelope(t, r).([]any)
		require.Len(t, contacts, 1)
		id := contacts[0].(map[string]any)["id"].(float64)
		r = e.checked(e.do("PUT", "/v1/contacts", map[string]any{"id": id, "info": map[string]any{"first_name": "Alice", "last_name": "Liddell"}}, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Nil(t, envelope(t, r))
		require.Equal(t, "contact updated", r.json(t)["message"])
		ct, err := bot.GetContact(e.ctx(), alice.String())
		require.NoError(t, err)
		require.Equal(t, "Alice", ct.FirstName)
		require.Equal(t, "Liddell", ct.LastName)
		require.Equal(t, int64(id), ct.Num)
		r = e.checked(e.do("PUT", "/v1/contacts", map[string]any{"id": id, "info": map[string]any{"tags": []string{"vip"}}}, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		ct, err = bot.GetContact(e.ctx(), alice.String())
		require.NoError(t, err)
		require.Equal(t, []string{"vip"}, ct.Tags)
		require.Equal(t, "Alice", ct.FirstName, "left as it was")

		for body, status := range map[string]int{
			`{"id":0,"info":{"first_name":"x"}}`:        http.StatusBadRequest,
			`{"id":-3,"info":{"first_name":"x"}}`:       http.StatusBadRequest,
			`{"id":1}`:                                  http.StatusBadRequest,
			`{"id":1,"info":{}}`:                        http.StatusBadRequest,
			`{"id":"1","info":{"first_name":"x"}}`:      http.StatusBadRequest,
			`{"id":1,"info":{"first_name":"a\nb"}}`:     http.StatusBadRequest,
			`{"id":999,"info":{"first_name":"x"}}`:      http.StatusNotFound,
			`{"id":10000000,"info":{"first_name":"x"}}`: http.StatusNotFound,
			`{"id":1,"info":{"nick":"x"}}`:              http.StatusBadRequest,
		} {
			r = e.checked(e.do("PUT", "/v1/contacts", body, key))
			require.Equal(t, status, r.status, "%s: %s", body, r.body)
			failure(t, r)
		}
		ct, err = bot.GetContact(e.ctx(), alice.String())
		require.NoError(t, err)
		require.Equal(t, "Alice", ct.FirstName, "unchanged by the mistakes")
	})
}

// command asserts a 202 CommandAccepted answer of kind, readable again by
// its id, and returns its result.
func (e *env) command(t *testing.T, r *response, kind string, key map[string]string) map[string]any {
	t.Helper()
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	requireRateHeaders(t, r)
	got := r.json(t)
	require.Equal(t, kind, got["kind"])
	cmd := got["command"].(map[string]any)
	require.Equal(t, got["command_id"], cmd["id"])
	require.Equal(t, "completed", cmd["status"])
	again := e.checked(e.do("GET", "/v1/whatsapp/commands/"+got["command_id"].(string), nil, key))
	require.Equal(t, http.StatusOK, again.status)
	require.JSONEq(t, mustJSON(t, cmd), string(again.body))
	return cmd["result"].(map[string]any)
}

// TestSyncMessageCommands sends, reacts, edits, deletes and marks read
// through the sync dialect: each a 202 command, recorded.
func TestSyncMessageCommands(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		conn := e.pair("a", phone)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeWrite, wauser.ScopeRead}, "a"))
		require.True(t, conn.Emit(watest.Text(alice, alice, "3EB0A1", atSec(1), "one")))
		require.True(t, conn.Emit(watest.Text(alice, alice, "3EB0A2", atSec(2), "two")))
		require.True(t, conn.Emit(watest.Text(alice, alice, "3EB0A3", atSec(3), "three")))
		ids := map[string]string{}
		for _, wa := range []string{"3EB0A1", "3EB0A2", "3EB0A3"} {
			ids[wa] = withMessageID(t, e, wa)
		}
		convs, err := e.c.WithAccount("a").ListConversations(e.ctx(), wauser.ListConversationsOptions{})
		require.NoError(t, err)
		conv := string(convs.Conversations[0].ConversationID)
		person := personOf(t, e, alice)
		post := func(path, body string) *response {
			t.Helper()
			return e.checked(e.do("POST", path, body, key))
		}

		// Send, to the conversation or to the contact.
		res := e.command(t, post("/v1/whatsapp/messages/send", `{"conversation_id":"`+conv+`","text":"hello"}`), "send_message", key)
		sent := res["message"].(map[string]any)
		require.Equal(t, res["message_id"], sent["message_id"])
		require.Equal(t, "hello", sent["body"])
		require.Equal(t, "sent", sent["status"])
		require.Equal(t, alice, conn.Sent()[0].To)
		res = e.command(t, post("/v1/whatsapp/messages/send", `{"contact_id":"`+person+`","text":"to the contact"}`), "send_message", key)
		require.Equal(t, conv, res["message"].(map[string]any)["conversation_id"])
		mine := res["message_id"].(string)

		// React by stored id; by WhatsApp id in a chat given as to.
		res = e.command(t, post("/v1/whatsapp/messages/react", `{"message_id":"`+ids["3EB0A1"]+`","emoji":"❤️"}`), "react_to_message", key)
		require.Equal(t, map[string]any{phone.JID.String(): "❤️"}, res["message"].(map[string]any)["reactions"])
		e.command(t, post("/v1/whatsapp/messages/react", `{"message_id":"3EB0A2","to":"+`+alice.User+`","emoji":"👍"}`), "react_to_message", key)
		require.Equal(t, "3EB0A2", conn.Sent()[3].Message.GetReactionMessage().GetKey().GetID())
		// message_id and its WhatsApp id together, when they agree.
		e.command(t, post("/v1/whatsapp/messages/react", `{"message_id":"`+ids["3EB0A2"]+`","wa_message_id":"3EB0A2","target_wa_id":"3EB0A2","emoji":""}`), "react_to_message", key)
		got, err := e.c.WithAccount("a").GetMessage(e.ctx(), wauser.MessageID(ids["3EB0A2"]))
		require.NoError(t, err)
		require.Empty(t, got.Reactions, "an empty emoji removes the reaction")

		// Edit and delete the account's own message.
		res = e.command(t, post("/v1/whatsapp/messages/edit", `{"message_id":"`+mine+`","conversation_id":"`+conv+`","text":"edited"}`), "edit_message", key)
		require.Equal(t, "edited", res["message"].(map[string]any)["body"])
		res = e.command(t, post("/v1/whatsapp/messages/delete", `{"message_id":"`+mine+`"}`), "delete_message", key)
		require.Equal(t, "deleted", res["message"].(map[string]any)["status"])

		// Read: some messages; then the rest of the conversation.
		res = e.command(t, post("/v1/whatsapp/messages/read", `{"contact_id":"`+person+`","message_ids":["3EB0A1"]}`), "mark_messages_read", key)
		require.Equal(t, map[string]any{"chat_jid": alice.String(), "message_ids": []any{"3EB0A1"}}, res)
		require.Equal(t, []types.MessageID{"3EB0A1"}, conn.Reads()[0].IDs)
		res = e.command(t, post("/v1/whatsapp/conversations/"+conv+"/read", `{}`), "mark_conversation_read", key)
		require.Equal(t, map[string]any{"chat_jid": alice.String(), "message_ids": []any{ids["3EB0A3"], ids["3EB0A2"]}}, res)
		require.ElementsMatch(t, []types.MessageID{"3EB0A2", "3EB0A3"}, conn.Reads()[1].IDs)
		c, err := e.c.WithAccount("a").GetConversation(e.ctx(), wauser.ConversationID(conv))
		require.NoError(t, err)
		require.Zero(t, c.UnreadCount)
		res = e.command(t, post("/v1/whatsapp/conversations/"+conv+"/read", ``), "mark_conversation_read", key)
		require.Equal(t, []any{}, res["message_ids"], "nothing left unread")
		require.Len(t, conn.Reads(), 2, "nothing sent")
		e.command(t, post("/v1/whatsapp/conversations/"+conv+"/read", `{"message_ids":["3EB0A1"],"conversation_id":"`+conv+`"}`), "mark_conversation_read", key)
		require.Len(t, conn.Reads(), 3)

		// Mistakes: 400 (or 404) as {"error"}, nothing sent, nothing recorded.
		sentBefore, readsBefore := len(conn.Sent()), len(conn.Reads())
		cmds := commandCount(t, e)
		for _, c := range []struct {
			path, body string
			status     int
		}{
			{"/v1/whatsapp/messages/send", `{"text":"to nobody"}`, http.StatusBadRequest},
			{"/v1/whatsapp/messages/send", `{"conversation_id":"` + conv + `","contact_id":"` + person + `","text":"twice"}`, http.StatusBadRequest},
			{"/v1/whatsapp/messages/send", `{"conversation_id":"` + conv + `","text":""}`, http.StatusBadRequest},
			{"/v1/whatsapp/messages/send", `{"conversation_id":"conv_nope","text":"hi"}`, http.StatusNotFound},
			{"/v1/whatsapp/messages/send", `{"contact_id":"person_nope","text":"hi"}`, http.StatusNotFound},
			{"/v1/whatsapp/messages/send", `{"conversation_id":"` + conv + `","text":"hi","contact_id":"+1555"}`, http.StatusBadRequest},
			{"/v1/whatsapp/messages/react", `{"emoji":"👍"}`, http.StatusBadRequest},
			{"/v1/whatsapp/messages/react", `{"message_id":"3EB0A1","emoji":"👍"}`, http.StatusBadRequest}, // a WhatsApp id needs its chat
			{"/v1/whatsapp/messages/react", `{"message_id":"` + ids["3EB0A1"] + `","wa_message_id":"3EB0A2","emoji":"👍"}`, http.StatusBadRequest},
			{"/v1/whatsapp/messages/react", `{"message_id":"3EB0A1","target_wa_id":"3EB0A2","to":"+` + alice.User + `","emoji":"👍"}`, http.StatusBadRequest},
			{"/v1/whatsapp/messages/edit", `{"message_id":"` + ids["3EB0A1"] + `","text":"not mine"}`, http.StatusBadRequest},
			{"/v1/whatsapp/messages/edit", `{"message_id":"` + ids["3EB0A1"] + `"}`, http.StatusBadRequest},
			{"/v1/whatsapp/messages/delete", `{"message_id":"` + ids["3EB0A1"] + `"}`, http.StatusBadRequest}, // alice's, in a direct chat
			{"/v1/whatsapp/messages/read", `{"message_ids":[]}`, http.StatusBadRequest},
			{"/v1/whatsapp/messages/read", `{"message_ids":["` + mine + `"]}`, http.StatusBadRequest}, // the account's own
			{"/v1/whatsapp/conversations/" + conv + "/read", `{"conversation_id":"conv_other"}`, http.StatusBadRequest},
			{"/v1/whatsapp/conversations/" + conv + "/read", `{"to":"+` + alice.User + `"}`, http.StatusBadRequest},
			{"/v1/whatsapp/conversations/conv_nope/read", `{}`, http.StatusNotFound},
		} {
			r := post(c.path, c.body)
			require.Equal(t, c.status, r.status, "%s %s: %s", c.path, c.body, r.body)
			require.NotEmpty(t, r.json(t)["error"])
		}
		require.Len(t, conn.Sent(), sentBefore, "nothing sent for the mistakes")
		require.Len(t, conn.Reads(), readsBefore)
		require.Equal(t, cmds, commandCount(t, e), "nothing recorded for the mistakes")
	})
}

// commandCount counts the command records of the store.
func commandCount(t *testing.T, e *env) int64 {
	t.Helper()
	n, err := e.c.Store().DB().NewSelect().Table("wauser_commands").Count(e.ctx())
	require.NoError(t, err)
	return n
}

// TestSyncDownloadMedia answers a message's file with its type, or as
// application/octet-stream to clients that ask for that (as the
// specification says).
func TestSyncDownloadMedia(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		conn := e.pair("a", phone)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "a"))
		bot := e.c.WithAccount("a")
		img := withImage(t, e, "a")["message_id"]
		doc, err := bot.SendMessage(e.ctx(), wauser.SendMessageRequest{To: "+" + alice.User,
			Document: &wauser.MediaMessage{Data: pdfFile, FileName: "Bericht März.pdf"}})
		require.NoError(t, err)

		// Without an Accept header: application/octet-stream, the
		// specification's only type.
		r := e.checked(e.do("GET", "/v1/whatsapp/media/"+img, nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, pngFile, r.body)
		require.Equal(t, "application/octet-stream", r.header.Get("Content-Type"))

		// Asked for any type or its own: the file's own type; not checked
		// against the specification, which names only
		// application/octet-stream.
		r = e.do("GET", "/v1/whatsapp/media/"+img, nil, with(key, "Accept", "image/png"))
		e.ours.check(t, r, true)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, pngFile, r.body)
		require.Equal(t, "image/png", r.header.Get("Content-Type"))
		require.Equal(t, strconv.Itoa(len(pngFile)), r.header.Get("Content-Length"))
		require.Equal(t, "attachment", r.header.Get("Content-Disposition"))
		require.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))
		require.Equal(t, "sandbox", r.header.Get("Content-Security-Policy"))
		requireRateHeaders(t, r)
		for _, accept := range []string{"*/*", "image/*", "image/png, application/json;q=0.5", "text/html, */*;q=0.1"} {
			r = e.do("GET", "/v1/whatsapp/media/"+img, nil, with(key, "Accept", accept))
			require.Equal(t, "image/png", r.header.Get("Content-Type"), accept)
		}

		// Asked for as application/octet-stream, it comes as that.
		for _, accept := range []string{"application/octet-stream", "application/json, application/octet-stream", "image/*;q=0, application/octet-stream"} {
			r = e.checked(e.do("GET", "/v1/whatsapp/media/"+img, nil, with(key, "Accept", accept)))
			require.Equal(t, http.StatusOK, r.status)
			require.Equal(t, "application/octet-stream", r.header.Get("Content-Type"), accept)
			require.Equal(t, pngFile, r.body)
		}

		r = e.do("GET", "/v1/whatsapp/media/"+string(doc.MessageID), nil, with(key, "Accept", "*/*"))
		e.ours.check(t, r, true)
		require.Equal(t, pdfFile, r.body)
		require.Equal(t, "application/pdf", r.header.Get("Content-Type"))
		require.Equal(t, `attachment; filename*=utf-8''Bericht%20M%C3%A4rz.pdf`, r.header.Get("Content-Disposition"))

		// A file WhatsApp's servers dropped comes again from the phone.
		e.fake.ExpireMedia(conn.Uploads()[0].Response.DirectPath)
		r = e.do("GET", "/v1/whatsapp/media/"+img, nil, key)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, pngFile, r.body)

		// Errors are JSON, in the sync dialect's shape.
		require.True(t, conn.Emit(watest.Text(alice, alice, "3EB0A1", epoch, "no file")))
		for id, status := range map[string]int{
			withMessageID(t, e, "3EB0A1"): http.StatusNotFound,
			"msg_nope":                    http.StatusNotFound,
			"not-an-id":                   http.StatusBadRequest,
		} {
			r = e.checked(e.do("GET", "/v1/whatsapp/media/"+id, nil, key))
			require.Equal(t, status, r.status, "%s: %s", id, r.body)
			require.Equal(t, "application/json", r.header.Get("Content-Type"))
			require.NotEmpty(t, r.json(t)["error"])
		}
		r = e.checked(e.do("GET", "/v1/whatsapp/media/"+img, nil, nil))
		require.Equal(t, http.StatusUnauthorized, r.status)
		require.Equal(t, "application/json", r.header.Get("Content-Type"))
	})
}

// TestUsage reports the daily message quota of each connection the key
// reaches, its history, and the key's request limit.
func TestUsage(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{}, wauser.WithDailyMessageLimit(500))
		e.pair("a", phone)
		e.pair("b", bravoPhone)
		e.createAccount("c")
		secret := e.key([]wauser.Scope{wauser.ScopeRead}, "a", "b")
		key := bearer(secret)
		for range 3 {
			_, err := e.c.WithAccount("a").SendText(e.ctx(), "+"+alice.User, "yesterday")
			require.NoError(t, err)
		}
		e.clock.Advance(24 * time.Hour)
		for range 2 {
			_, err := e.c.WithAccount("a").SendText(e.ctx(), "+"+alice.User, "today")
			require.NoError(t, err)
		}
		_, err := e.c.WithAccount("b").SendText(e.ctx(), "+"+alice.User, "from b")
		require.NoError(t, err)

		r := e.checked(e.do("GET", "/v1/usage", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		requireRateHeaders(t, r)
		got := r.json(t)
		require.Equal(t, []any{}, got["items"], "no request log is kept")
		summary := got["summary"].(map[string]any)
		keys, err := e.c.ListAPIKeys(e.ctx())
		require.NoError(t, err)
		var id string
		for _, k := range keys {
			if strings.HasPrefix(secret, k.Prefix) {
				id = string(k.ID)
			}
		}
		require.Equal(t, id, summary["api_key_id"])
		require.Equal(t, map[string]any{"limit": float64(60), "remaining": float64(59), "reset_at": "2026-11-22T12:01:00Z"}, summary["rate_limit"])
		require.Equal(t, r.header.Get("X-RateLimit-Remaining"), "59")
		require.Equal(t, []any{
			map[string]any{
				"connection_id": "a", "messages_sent_today": float64(2), "daily_message_limit": float64(500),
				"messages_remaining_today": float64(498), "quota_resets_at": "2026-11-23T00:00:00Z",
				"days": []any{
					map[string]any{"day": "2026-11-22", "sent": float64(2)},
					map[string]any{"day": "2026-11-21", "sent": float64(3)},
				},
			},
			map[string]any{
				"connection_id": "b", "messages_sent_today": float64(1), "daily_message_limit": float64(500),
				"messages_remaining_today": float64(499), "quota_resets_at": "2026-11-23T00:00:00Z",
				"days": []any{map[string]any{"day": "2026-11-22", "sent": float64(1)}},
			},
		}, summary["connections"], "the key's accounts, not c")

		// The header picks one; limit bounds the days.
		r = e.checked(e.do("GET", "/v1/usage?limit=1", nil, with(key, rest.HeaderConnectionID, "a")))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		conns := r.json(t)["summary"].(map[string]any)["connections"].([]any)
		require.Len(t, conns, 1)
		require.Equal(t, []any{map[string]any{"day": "2026-11-22", "sent": float64(2)}}, conns[0].(map[string]any)["days"])
		r = e.checked(e.do("GET", "/v1/usage?limit=100000", nil, key))
		require.Equal(t, http.StatusOK, r.status, "a large limit is clamped")

		for q, status := range map[string]int{"?limit=0": http.StatusBadRequest, "?limit=x": http.StatusBadRequest} {
			r = e.checked(e.do("GET", "/v1/usage"+q, nil, key))
			require.Equal(t, status, r.status, q)
			require.NotEmpty(t, r.json(t)["error"])
		}
		r = e.checked(e.do("GET", "/v1/usage", nil, with(key, rest.HeaderConnectionID, "c")))
		require.Equal(t, http.StatusUnauthorized, r.status, "not the key's account (401 in this dialect)")
	})
}

// TestUsageWithoutLimits: without a quota there is nothing remaining to
// tell, and without rate limiting no rate_limit.
func TestUsageWithoutLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{RequestsPerMinute: -1}, wauser.WithDailyMessageLimit(0))
	e.createAccount("z")
	r := e.checked(e.do("GET", "/v1/usage", nil, bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "z"))))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	summary := r.json(t)["summary"].(map[string]any)
	require.NotContains(t, summary, "rate_limit")
	require.Equal(t, []any{map[string]any{
		"connection_id": "z", "messages_sent_today": float64(0), "daily_message_limit": float64(0),
		"quota_resets_at": "2026-11-22T00:00:00Z", "days": []any{},
	}}, summary["connections"])
}
