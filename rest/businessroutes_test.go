package rest_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
	"github.com/wauser/wauser/watest"
)

func TestBusinessWebhooks(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.createAccount("a")
		key := bearer(e.key([]wauser.Scope{wauser.ScopeWebhooks}, "a"))

		r := e.checked(e.do("GET", "/v1/webhooks", nil, key))
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, []any{}, envelope(t, r))

		r = e.checked(e.do("POST", "/v1/webhooks", `{"url":"https://example.com/one","chat_types":["group"],"headers":{"X-Tenant":"t1"}}`, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		requireRateHeaders(t, r)
		require.Equal(t, "webhook created", r.json(t)["message"])
		hook := envelope(t, r).(map[string]any)
		require.Regexp(t, `^whsec_`, hook["secret"])
		require.Equal(t, []any{"group"}, hook["chat_types"])
		require.Equal(t, []any{"*"}, hook["event_types"])
		r = e.checked(e.do("POST", "/v1/webhooks", `{"url":"https://example.com/two"}`, key))
		require.Equal(t, http.StatusOK, r.status)

		for body, status := range map[string]int{
			`{"url":"https://example.com/one"}`:                     http.StatusConflict,
			`{"url":"not a url"}`:                                   http.StatusBadRequest,
			`{"url":"https://example.com/x","chat_types":["chat"]}`: http.StatusBadRequest,
		} {
			r = e.checked(e.do("POST", "/v1/webhooks", body, key))
			require.Equal(t, status, r.status, body)
			failure(t, r)
		}

		r = e.checked(e.do("GET", "/v1/webhooks", nil, key))
		list := envelope(t, r).([]any)
		require.Len(t, list, 2)
		require.NotContains(t, list[0].(map[string]any), "secret", "secrets are shown once")

		// Delete by url: the rest of a whole webhook body is ignored.
		r = e.checked(e.do("DELETE", "/v1/webhooks", `{"url":"https://example.com/one","chat_types":["group"]}`, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Nil(t, envelope(t, r))
		r = e.checked(e.do("DELETE", "/v1/webhooks", `{"url":"https://example.com/one"}`, key))
		require.Equal(t, http.StatusNotFound, r.status)
		failure(t, r)
		r = e.checked(e.do("DELETE", "/v1/webhooks", `{}`, key))
		require.Equal(t, http.StatusBadRequest, r.status)

		r = e.checked(e.do("DELETE", "/v1/webhooks/all", nil, key))
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, map[string]any{"deleted": float64(1)}, envelope(t, r))
		r = e.checked(e.do("GET", "/v1/webhooks", nil, key))
		require.Equal(t, []any{}, envelope(t, r))
	})
}

func TestBusinessChats(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		conn := e.pair("a", phone)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeWrite}, "a"))
		require.True(t, conn.Emit(watest.Text(alice, alice, "3EB0A1", epoch, "hi")))

		r := e.checked(e.do("POST", "/v1/chats/"+alice.String()+"/archive", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Nil(t, envelope(t, r))
		require.Equal(t, "chat archived", r.json(t)["message"])
		patches := conn.AppStatePatches()
		require.Len(t, patches, 1)
		require.Equal(t, appstate.IndexArchive, patches[0].Mutations[0].Index[0])
		require.Equal(t, alice.String(), patches[0].Mutations[0].Index[1])

		// The phone's echo of the patch archives the stored conversation.
		conv, err := e.c.WithAccount("a").ListConversations(e.ctx(), wauser.ListConversationsOptions{})
		require.NoError(t, err)
		require.True(t, conv.Conversations[0].IsArchived)

		r = e.checked(e.do("POST", "/v1/chats/"+alice.User+"/unarchive", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, "chat unarchived", r.json(t)["message"])
		require.Len(t, conn.AppStatePatches(), 2)

		r = e.checked(e.do("POST", "/v1/chats/nope/archive", nil, key))
		require.Equal(t, http.StatusBadRequest, r.status)
		failure(t, r)
		require.Len(t, conn.AppStatePatches(), 2, "nothing sent for bad input")
	})
}

func TestBusinessGroups(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		conn := e.pair("a", phone)
		e.fake.Register(frank.User, carol.User)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeRead, wauser.ScopeWrite}, "a"))

		// Create: document 003's quirky envelope, and the group info as a body.
		r := e.checked(e.do("POST", "/v1/groups", `{"id":"","name":"Launch","topic":"plans","members":["+15553330003","+15556660006"],"admins":["+15556660006"],"archived":true,"owner":"","broadcast":false}`, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		requireRateHeaders(t, r)
		got := r.json(t)
		require.Equal(t, []string{"groups", "message", "success"}, sortedKeys(got))
		require.Equal(t, true, got["success"])
		require.Equal(t, "group created", got["message"])
		g := got["groups"].(map[string]any)
		require.Equal(t, "Launch", g["name"])
		require.Equal(t, "plans", g["topic"])
		require.Equal(t, true, g["archived"])
		require.ElementsMatch(t, []any{phone.JID.String(), frank.String()}, g["admins"])
		gid := g["id"].(string)
		jid, err := types.ParseJID(gid)
		require.NoError(t, err)

		for _, body := range []string{`{"name":""}`, `{"name":"x","muted":true}`, `{"name":"x","admins":["+15553330003"]}`} {
			r = e.checked(e.do("POST", "/v1/groups", body, key))
			require.Equal(t, http.StatusBadRequest, r.status, body)
			failure(t, r)
		}

		r = e.checked(e.do("GET", "/v1/groups", nil, key))
		require.Equal(t, http.StatusOK, r.status)
		list := envelope(t, r).([]any)
		require.Len(t, list, 1)
		require.Equal(t, gid, list[0].(map[string]any)["id"])

		r = e.checked(e.do("GET", "/v1/groups/"+gid, nil, key))
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, []string{"groups", "message", "success"}, sortedKeys(r.json(t)))
		require.Equal(t, "Launch", r.json(t)["groups"].(map[string]any)["name"])
		r = e.checked(e.do("GET", "/v1/groups/"+jid.User, nil, key))
		require.Equal(t, http.StatusOK, r.status, "a bare group id works too")

		photo := base64.StdEncoding.EncodeToString(jpegImage(t))
		r = e.checked(e.do("PUT", "/v1/groups/"+gid, `{"name":"Launch 2","locked":true,"photo":"`+photo+`"}`, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		g = r.json(t)["groups"].(map[string]any)
		require.Equal(t, "Launch 2", g["name"])
		require.Equal(t, true, g["locked"])
		r = e.checked(e.do("PUT", "/v1/groups/"+gid, `{}`, key))
		require.Equal(t, http.StatusBadRequest, r.status, "nothing to change")
		failure(t, r)

		// Members and admins: data is an object, as the document shows: one
		// result per person, under the id as given.
		r = e.checked(e.do("DELETE", "/v1/groups/"+gid+"/members", `[{"id":"+15553330003"}]`, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		res := envelope(t, r).(map[string]any)
		require.Equal(t, []string{"+15553330003"}, sortedKeys(res))
		require.Equal(t, carol.String(), res["+15553330003"].(map[string]any)["jid"])
		r = e.checked(e.do("POST", "/v1/groups/"+gid+"/members", `[{"id":"+15553330003"},{"id":"15550009999"}]`, key))
		require.Equal(t, http.StatusOK, r.status)
		res = envelope(t, r).(map[string]any)
		require.Equal(t, []string{"+15553330003", "15550009999"}, sortedKeys(res))
		require.NotContains(t, res["+15553330003"].(map[string]any), "error")
		require.Equal(t, float64(404), res["15550009999"].(map[string]any)["error"], "not on WhatsApp")
		r = e.checked(e.do("POST", "/v1/groups/"+gid+"/admins", `[{"id":"+15553330003"}]`, key))
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, "admin", envelope(t, r).(map[string]any)["+15553330003"].(map[string]any)["role"])
		r = e.checked(e.do("DELETE", "/v1/groups/"+gid+"/admins", `[{"id":"+15556660006"}]`, key))
		require.Equal(t, http.StatusOK, r.status)
		info, _ := e.fake.Group(jid)
		roles := map[string]bool{}
		for _, p := range info.Participants {
			roles[p.JID.User] = p.IsAdmin
		}
		require.Equal(t, map[string]bool{phone.JID.User: true, carol.User: true, frank.User: false}, roles)
		for _, body := range []string{`[]`, `[{"id":"x"}]`, `{"id":"+15553330003"}`, `[{"jid":"+15553330003"}]`} {
			r = e.checked(e.do("POST", "/v1/groups/"+gid+"/members", body, key))
			require.Equal(t, http.StatusBadRequest, r.status, body)
		}

		// Join requests.
		require.NoError(t, e.fake.RequestJoin(jid, dave))
		require.NoError(t, e.fake.RequestJoin(jid, erin))
		r = e.checked(e.do("GET", "/v1/groups/"+gid+"/requests", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		reqs := envelope(t, r).([]any)
		require.Len(t, reqs, 2)
		require.Equal(t, dave.String(), reqs[0].(map[string]any)["jid"])
		r = e.checked(e.do("POST", "/v1/groups/"+gid+"/requests", `[{"id":"+15554440004"}]`, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r = e.checked(e.do("DELETE", "/v1/groups/"+gid+"/requests", `[{"id":"+15555550005"}]`, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r = e.checked(e.do("GET", "/v1/groups/"+gid+"/requests", nil, key))
		require.Equal(t, []any{}, envelope(t, r))
		info, _ = e.fake.Group(jid)
		require.Len(t, info.Participants, 4, "dave joined, erin did not")

		// Settings on and off.
		for _, step := range []struct {
			method, path string
			check        func(g types.GroupInfo) bool
		}{
			{"POST", "/announce", func(g types.GroupInfo) bool { return g.IsAnnounce }},
			{"DELETE", "/announce", func(g types.GroupInfo) bool { return !g.IsAnnounce }},
			{"DELETE", "/lock", func(g types.GroupInfo) bool { return !g.IsLocked }},
			{"POST", "/lock", func(g types.GroupInfo) bool { return g.IsLocked }},
		} {
			r = e.checked(e.do(step.method, "/v1/groups/"+gid+step.path, nil, key))
			require.Equal(t, http.StatusOK, r.status, "%s %s: %s", step.method, step.path, r.body)
			require.Nil(t, envelope(t, r))
			info, _ = e.fake.Group(jid)
			require.True(t, step.check(info), "%s %s", step.method, step.path)
		}
		before := len(conn.AppStatePatches())
		for _, step := range []struct{ method, path, index string }{
			{"POST", "/pin", appstate.IndexPin},
			{"DELETE", "/pin", appstate.IndexPin},
			{"POST", "/clear", appstate.IndexClearChat},
		} {
			r = e.checked(e.do(step.method, "/v1/groups/"+jid.User+step.path, nil, key))
			require.Equal(t, http.StatusOK, r.status, "%s %s: %s", step.method, step.path, r.body)
			patches := conn.AppStatePatches()
			require.Len(t, patches, before+1)
			before++
			m := patches[len(patches)-1].Mutations[0]
			require.Equal(t, step.index, m.Index[0])
			require.Equal(t, gid, m.Index[1], "a bare id is the group, not a phone number")
		}

		r = e.checked(e.do("GET", "/v1/groups/"+gid+"/invite", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		link := envelope(t, r).(string)
		require.True(t, strings.HasPrefix(link, "https://chat.whatsapp.com/"), link)
		r = e.checked(e.do("GET", "/v1/groups/"+gid+"/invite?reset=true", nil, key))
		require.NotEqual(t, link, envelope(t, r))
		r = e.checked(e.do("GET", "/v1/groups/"+gid+"/invite?reset=perhaps", nil, key))
		require.Equal(t, http.StatusBadRequest, r.status)

		// A group of others: WhatsApp refuses (403), an unknown one is 404.
		other := e.fake.AddGroup(watest.GroupSpec{Name: "Others", Owner: erin, Members: []types.JID{phone.JID}})
		r = e.checked(e.do("POST", "/v1/groups/"+other.String()+"/lock", nil, key))
		require.Equal(t, http.StatusForbidden, r.status, "%s", r.body)
		require.Contains(t, failure(t, r), "forbidden")
		r = e.checked(e.do("GET", "/v1/groups/120363999999999999@g.us", nil, key))
		require.Equal(t, http.StatusNotFound, r.status, "%s", r.body)
		failure(t, r)
		r = e.checked(e.do("GET", "/v1/groups/15551234567@s.whatsapp.net", nil, key))
		require.Equal(t, http.StatusBadRequest, r.status)

		// Delete: the others removed, the group left, the chat deleted.
		r = e.checked(e.do("DELETE", "/v1/groups/"+gid, nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, "group deleted", r.json(t)["message"])
		info, _ = e.fake.Group(jid)
		require.Empty(t, info.Participants)
		r = e.checked(e.do("GET", "/v1/groups", nil, key))
		require.Len(t, envelope(t, r), 1, "only the group of others is left")
	})
}

// jpegImage is a small JPEG.
func jpegImage(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 8, 8)), nil))
	return buf.Bytes()
}

func TestBusinessContacts(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		conn := e.pair("a", phone)
		e.fake.Register(carol.User)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "a"))
		require.True(t, conn.Emit(watest.Text(alice, alice, "3EB0A1", atSec(5), "hi")))
		require.True(t, conn.Emit(watest.Text(team, bob, "3EB0B1", atSec(6), "hi all")))

		r := e.checked(e.do("GET", "/v1/contacts", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		list := envelope(t, r).([]any)
		require.Len(t, list, 2)
		ann := list[0].(map[string]any)
		require.Equal(t, float64(1), ann["id"], "document 003's integer id")
		require.Equal(t, float64(2), list[1].(map[string]any)["id"])
		require.Equal(t, "+"+alice.User, ann["phone_e164"])
		require.Regexp(t, `^person_`, ann["person_id"])
		require.Equal(t, "2026-11-21T12:00:05Z", ann["last_message_at"])
		require.NotContains(t, list[1].(map[string]any), "last_message_at", "no direct chat with bob")

		r = e.checked(e.do("POST", "/v1/contacts/check", `[{"id":"+15553330003"},{"id":"15550009999"}]`, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, map[string]any{
			"+15553330003": map[string]any{"input": "+15553330003", "phone": "+15553330003", "on_whatsapp": true, "jid": carol.String()},
			"15550009999":  map[string]any{"input": "15550009999", "phone": "+15550009999", "on_whatsapp": false},
		}, envelope(t, r), "data is an object, as the document shows: one result per number as given")
		for _, body := range []string{`[]`, `[{"id":"abc"}]`, `["+15553330003"]`} {
			r = e.checked(e.do("POST", "/v1/contacts/check", body, key))
			require.Equal(t, http.StatusBadRequest, r.status, body)
			failure(t, r)
		}
	})
}

func TestBusinessMedia(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{MaxMediaBytes: 4096})
		conn := e.pair("a", phone)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeWrite}, "a"))
		img := jpegImage(t)

		// Multipart: the file part, with the form's type and its own name.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		require.NoError(t, mw.WriteField("type", "document"))
		fw, err := mw.CreateFormFile("file", "photo.jpg")
		require.NoError(t, err)
		_, err = fw.Write(img)
		require.NoError(t, err)
		require.NoError(t, mw.Close())
		r := e.checked(e.do("POST", "/v1/media", buf.Bytes(), with(key, "Content-Type", mw.FormDataContentType())))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		requireRateHeaders(t, r)
		m := envelope(t, r).(map[string]any)
		require.Regexp(t, `^media_`, m["id"])
		require.Equal(t, "document", m["type"])
		require.Equal(t, "image/jpeg", m["mime_type"])
		require.Equal(t, "photo.jpg", m["file_name"])
		require.Equal(t, float64(len(img)), m["size"])
		require.Equal(t, "media uploaded", r.json(t)["message"])

		// The raw body with its Content-Type; the name from the query.
		r = e.checked(e.do("POST", "/v1/media?file_name=note.txt", "hello, world", with(key, "Content-Type", "text/plain; charset=utf-8")))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		m = envelope(t, r).(map[string]any)
		require.Equal(t, "document", m["type"])
		require.Equal(t, "text/plain; charset=utf-8", m["mime_type"])
		require.Equal(t, "note.txt", m["file_name"])
		r = e.checked(e.do("POST", "/v1/media", img, with(key, "Content-Type", "application/octet-stream")))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, "image", envelope(t, r).(map[string]any)["type"], "sniffed")
		uploads := conn.Uploads()
		require.Len(t, uploads, 3)
		require.Equal(t, []byte("hello, world"), uploads[1].Data)

		// Refused: too large, empty, no type, malformed, wrong kind.
		for _, c := range []struct {
			body        any
			contentType string
			status      int
		}{
			{bytes.Repeat([]byte("x"), 5000), "text/plain", http.StatusRequestEntityTooLarge},
			{"", "text/plain", http.StatusBadRequest},
			{"x", "", http.StatusUnsupportedMediaType},
			{"--x\r\n", "multipart/form-data; boundary=x", http.StatusBadRequest},
			{"x", "multipart/form-data", http.StatusBadRequest},
			{`{"url":""}`, "application/json", http.StatusBadRequest},
			{`{"file":"x"}`, "application/json", http.StatusBadRequest},
			{"abc", "text/plain; x", http.StatusBadRequest},
		} {
			h := key
			if c.contentType != "" {
				h = with(key, "Content-Type", c.contentType)
			}
			var body any = c.body
			if c.body == "" {
				body = []byte{}
			}
			req := e.do("POST", "/v1/media", body, h)
			if c.contentType == "" {
				req = e.do("POST", "/v1/media", nil, key)
			}
			r = e.checked(req)
			require.Equal(t, c.status, r.status, "%q %s: %s", c.contentType, c.body, r.body)
			failure(t, r)
		}
		r = e.checked(e.do("POST", "/v1/media?type=sticker", img, with(key, "Content-Type", "image/jpeg")))
		require.Equal(t, http.StatusBadRequest, r.status, "a sticker must be WebP")
		require.Len(t, conn.Uploads(), 3, "nothing more was uploaded")
	})
}

func TestBusinessNewsletters(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.pair("a", phone)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeRead, wauser.ScopeWrite}, "a"))
		news := e.fake.AddNewsletter(watest.Newsletter{Name: "News", Description: "daily", Subscribers: 12, InviteCode: "0029VaNews"})

		r := e.checked(e.do("GET", "/v1/newsletters", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, []any{}, envelope(t, r))

		r = e.checked(e.do("PUT", "/v1/newsletters", `{"id":"https://whatsapp.com/channel/0029VaNews"}`, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, "newsletter followed", r.json(t)["message"])
		r = e.checked(e.do("GET", "/v1/newsletters", nil, key))
		list := envelope(t, r).([]any)
		require.Len(t, list, 1)
		n := list[0].(map[string]any)
		require.Equal(t, news.String(), n["id"])
		require.Equal(t, "News", n["name"])
		require.Equal(t, "subscriber", n["role"])

		r = e.checked(e.do("GET", "/v1/newsletters/"+news.String(), nil, key))
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, float64(13), envelope(t, r).(map[string]any)["subscriber_count"], "with the account")
		r = e.checked(e.do("GET", "/v1/newsletters/0029VaNews", nil, key))
		require.Equal(t, "daily", envelope(t, r).(map[string]any)["description"], "by invite code too")

		r = e.checked(e.do("DELETE", "/v1/newsletters/"+news.String(), nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		r = e.checked(e.do("GET", "/v1/newsletters", nil, key))
		require.Equal(t, []any{}, envelope(t, r))

		r = e.checked(e.do("GET", "/v1/newsletters/120363999999999999@newsletter", nil, key))
		require.Equal(t, http.StatusNotFound, r.status, "%s", r.body)
		failure(t, r)
		for _, body := range []string{`{"id":""}`, `{"id":"a b"}`, `{"jid":"x"}`} {
			r = e.checked(e.do("PUT", "/v1/newsletters", body, key))
			require.Equal(t, http.StatusBadRequest, r.status, body)
		}
		r = e.checked(e.do("GET", "/v1/newsletters/"+"bad%20id", nil, key))
		require.Equal(t, http.StatusBadRequest, r.status)
	})
}
