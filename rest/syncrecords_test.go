package rest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	"go.mau.fi/whatsmeow/proto/waWeb"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
	"github.com/wauser/wauser/watest"
)

var (
	bob   = types.NewJID("15550000002", types.DefaultUserServer)
	team  = types.NewJID("120363000000000099", types.GroupServer)
	atSec = func(s int) time.Time { return epoch.Add(time.Duration(s) * time.Second) }
)

// syncResult is the body of GET /v1/whatsapp/sync.
type syncResult struct {
	Conversations []map[string]any `json:"conversations"`
	Contacts      []map[string]any `json:"contacts"`
	Messages      []map[string]any `json:"messages"`
	Cursor        int64            `json:"cursor"`
	HasMore       bool             `json:"has_more"`
}

func decodeInto[T any](t *testing.T, r *response) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(r.body, &v), "%s", r.body)
	return v
}

// seqs returns the seqs of a page's records.
func (p syncResult) seqs() []int64 {
	var out []int64
	for _, list := range [][]map[string]any{p.Conversations, p.Contacts, p.Messages} {
		for _, r := range list {
			out = append(out, int64(r["seq"].(float64)))
		}
	}
	return out
}

func (p syncResult) size() int { return len(p.Conversations) + len(p.Contacts) + len(p.Messages) }

func TestSyncFeed(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		conn := e.pair("a", phone)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "a"))
		require.True(t, conn.Emit(watest.Text(alice, alice, "3EB0A1", atSec(1), "hello from alice")))
		require.True(t, conn.Emit(watest.Text(bob, bob, "3EB0B1", atSec(2), "hello from bob")))
		require.True(t, conn.Emit(watest.FromMe(watest.Text(alice, phone.JID, "3EB0A2", atSec(3), "hi alice"))))

		// Everything from the beginning, in the document's shape.
		r := e.checked(e.do("GET", "/v1/whatsapp/sync", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		requireRateHeaders(t, r)
		require.Equal(t, "application/json", r.header.Get("Content-Type"))
		require.Equal(t, []string{"contacts", "conversations", "cursor", "has_more", "messages"}, sortedKeys(r.json(t)))
		all := decodeInto[syncResult](t, r)
		require.Len(t, all.Conversations, 2)
		require.Len(t, all.Contacts, 2)
		require.Len(t, all.Messages, 3)
		require.False(t, all.HasMore)
		seqs := all.seqs()
		require.Equal(t, slicesMax(seqs), all.Cursor)
		m := all.Messages[len(all.Messages)-1]
		for k, v := range map[string]any{
			"chat_jid": alice.String(), "wa_message_id": "3EB0A2", "direction": "outgoing", "is_from_me": true,
			"content_type": "text", "body": "hi alice", "sent_at": "2026-11-21T12:00:03Z", "reactions": map[string]any{},
		} {
			require.Equal(t, v, m[k], k)
		}
		require.Equal(t, "+"+alice.User, all.Contacts[0]["phone_e164"])

		// Paging: limit counts the three kinds together; the cursor goes on.
		var paged []int64
		cursor := int64(0)
		for pages := 0; ; pages++ {
			require.Less(t, pages, 10)
			r := e.checked(e.do("GET", fmt.Sprintf("/v1/whatsapp/sync?cursor=%d&limit=2", cursor), nil, key))
			require.Equal(t, http.StatusOK, r.status)
			p := decodeInto[syncResult](t, r)
			require.LessOrEqual(t, p.size(), 2)
			paged = append(paged, p.seqs()...)
			if p.size() > 0 {
				require.Equal(t, slicesMax(p.seqs()), p.Cursor)
			}
			cursor = p.Cursor
			if !p.HasMore {
				break
			}
		}
		require.ElementsMatch(t, seqs, paged)

		// A change moves a record past the cursor: only it comes next.
		require.True(t, conn.Emit(watest.Reaction(alice, alice, "3EB0A3", atSec(4), watest.Key(alice, "3EB0A2", true, types.EmptyJID), "👍")))
		r = e.checked(e.do("GET", fmt.Sprintf("/v1/whatsapp/sync?cursor=%d", all.Cursor), nil, key))
		next := decodeInto[syncResult](t, r)
		require.Len(t, next.Messages, 1)
		require.Equal(t, map[string]any{alice.String(): "👍"}, next.Messages[0]["reactions"])

		// Past the end: nothing, and the cursor stays.
		r = e.checked(e.do("GET", "/v1/whatsapp/sync?cursor=1000", nil, key))
		end := decodeInto[syncResult](t, r)
		require.Equal(t, 0, end.size())
		require.Equal(t, int64(1000), end.Cursor)
		require.False(t, end.HasMore)
		require.Equal(t, `{"conversations":[],"contacts":[],"messages":[],"cursor":1000,"has_more":false}`+"\n", string(r.body))

		// Bad parameters: 400 in the sync error shape, nothing read.
		for _, q := range []string{"limit=0", "limit=-1", "limit=abc", "limit=", "cursor=-1", "cursor=x", "cursor=1.5"} {
			r := e.checked(e.do("GET", "/v1/whatsapp/sync?"+q, nil, key))
			require.Equal(t, http.StatusBadRequest, r.status, q)
			got := r.json(t)
			require.Len(t, got, 1, q)
			require.Contains(t, got["error"], "query parameter", q)
		}
	})
}

// TestSyncFeedClampsLimit: limits above 1000 read 1000 records.
func TestSyncFeedClampsLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), rest.Options{})
	conn := e.pair("a", phone)
	key := bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "a"))
	msgs := make([]*waWeb.WebMessageInfo, 1100)
	for i := range msgs {
		msgs[i] = watest.WebMessage(alice, fmt.Sprintf("3EB0%06d", i), false, types.EmptyJID, atSec(i), "message")
	}
	require.True(t, conn.Emit(watest.History(waHistorySync.HistorySync_INITIAL_BOOTSTRAP, 100, watest.HistoryConversation(alice, msgs...))))
	e.waitHistory("a")

	for _, limit := range []string{"1000", "5000", "99999999999999999999"} {
		r := e.do("GET", "/v1/whatsapp/sync?limit="+limit, nil, key)
		e.ours.check(t, r, false) // the request's limit is beyond an integer for the validator
		require.Equal(t, http.StatusOK, r.status, limit)
		p := decodeInto[syncResult](t, r)
		require.Equal(t, 1000, p.size(), limit)
		require.True(t, p.HasMore)
	}
	r := e.checked(e.do("GET", "/v1/whatsapp/sync", nil, key))
	require.Equal(t, 100, decodeInto[syncResult](t, r).size(), "the default limit")
}

func slicesMax(s []int64) int64 {
	var m int64
	for _, v := range s {
		m = max(m, v)
	}
	return m
}

func TestSyncConversationsContactsMessages(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		conn := e.pair("a", phone)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "a"))
		for i := range 4 {
			require.True(t, conn.Emit(watest.Text(alice, alice, fmt.Sprint("3EB0A", i), atSec(10+i), fmt.Sprint("alice ", i))))
		}
		require.True(t, conn.Emit(watest.Text(team, carol, "3EB0C1", atSec(20), "carol in the team")))
		require.True(t, conn.Emit(watest.Text(team, bob, "3EB0B1", atSec(21), "bob in the team")))
		require.True(t, conn.Emit(watest.FromMe(watest.Text(team, phone.JID, "3EB0M1", atSec(22), "me in the team"))))

		// Conversations, the most recent first, paged by next_cursor.
		r := e.checked(e.do("GET", "/v1/whatsapp/conversations", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		requireRateHeaders(t, r)
		items := r.json(t)["items"].([]any)
		require.Len(t, items, 2)
		require.Equal(t, team.String(), items[0].(map[string]any)["chat_jid"])
		require.Equal(t, "group", items[0].(map[string]any)["kind"])
		require.NotContains(t, r.json(t), "next_cursor")

		r = e.checked(e.do("GET", "/v1/whatsapp/conversations?limit=1", nil, key))
		first := r.json(t)
		require.Len(t, first["items"], 1)
		r = e.checked(e.do("GET", "/v1/whatsapp/conversations?limit=1&cursor="+url.QueryEscape(first["next_cursor"].(string)), nil, key))
		require.Equal(t, alice.String(), r.json(t)["items"].([]any)[0].(map[string]any)["chat_jid"])

		r = e.checked(e.do("GET", "/v1/whatsapp/conversations?kind=direct", nil, key))
		require.Len(t, r.json(t)["items"], 1)
		for _, q := range []string{"kind=chat", "archived=maybe", "limit=0", "cursor=zzz"} {
			r = e.checked(e.do("GET", "/v1/whatsapp/conversations?"+q, nil, key))
			require.Equal(t, http.StatusBadRequest, r.status, q)
		}

		// Contacts.
		r = e.checked(e.do("GET", "/v1/whatsapp/contacts", nil, key))
		require.Equal(t, http.StatusOK, r.status)
		var phones []any
		for _, c := range r.json(t)["items"].([]any) {
			phones = append(phones, c.(map[string]any)["phone_e164"])
		}
		require.Equal(t, []any{"+" + alice.User, "+" + carol.User, "+" + bob.User}, phones)

		// A group's messages, newest first, with the contacts who wrote them.
		teamID := items[0].(map[string]any)["conversation_id"].(string)
		path := "/v1/whatsapp/conversations/" + teamID + "/messages"
		r = e.checked(e.do("GET", path+"?limit=2", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		page := r.json(t)
		require.Equal(t, []string{"contacts", "has_more", "messages"}, sortedKeys(page))
		require.Equal(t, true, page["has_more"])
		msgs := page["messages"].([]any)
		require.Equal(t, "me in the team", msgs[0].(map[string]any)["body"])
		require.Equal(t, "bob in the team", msgs[1].(map[string]any)["body"])
		contacts := page["contacts"].([]any)
		require.Len(t, contacts, 1, "the account itself is no contact")
		require.Equal(t, "+"+bob.User, contacts[0].(map[string]any)["phone_e164"])

		last := msgs[1].(map[string]any)["message_id"].(string)
		r = e.checked(e.do("GET", path+"?before_message_id="+last, nil, key))
		page = r.json(t)
		require.Equal(t, false, page["has_more"])
		require.Len(t, page["messages"], 1)
		require.Equal(t, "carol in the team", page["messages"].([]any)[0].(map[string]any)["body"])
		require.Equal(t, "+"+carol.User, page["contacts"].([]any)[0].(map[string]any)["phone_e164"])

		r = e.checked(e.do("GET", "/v1/whatsapp/conversations/conv_nope/messages", nil, key))
		require.Equal(t, http.StatusNotFound, r.status)
		require.Contains(t, r.json(t)["error"], "conv_nope")
		r = e.checked(e.do("GET", path+"?before_message_id=msg_nope", nil, key))
		require.Equal(t, http.StatusNotFound, r.status)
		r = e.checked(e.do("GET", "/v1/whatsapp/conversations/conv%21/messages", nil, key))
		require.Equal(t, http.StatusBadRequest, r.status)
		r = e.checked(e.do("GET", path+"?limit=0", nil, key))
		require.Equal(t, http.StatusBadRequest, r.status)
	})
}

func TestSyncGroupsAndCommands(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		e.pair("a", phone)
		e.pair("b", bravoPhone)
		e.fake.Register(frank.User)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeRead, wauser.ScopeWrite}, "a"))

		r := e.checked(e.do("GET", "/v1/whatsapp/groups", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, map[string]any{"items": []any{}}, r.json(t))

		// Creating a group is a command: run, recorded, answered 202.
		r = e.checked(e.do("POST", "/v1/whatsapp/groups", `{"name":"Launch","participants":["+15556660006","+15553330003"],"locked":true}`, key))
		require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
		requireRateHeaders(t, r)
		got := r.json(t)
		require.Equal(t, "create_group", got["kind"])
		cmd := got["command"].(map[string]any)
		require.Equal(t, got["command_id"], cmd["id"])
		require.Equal(t, "completed", cmd["status"])
		require.Equal(t, "2026-11-21T12:00:00Z", cmd["created_at"])
		require.Equal(t, map[string]any{"name": "Launch", "participants": []any{"+15556660006", "+15553330003"}, "locked": true}, cmd["payload"])
		result := cmd["result"].(map[string]any)
		groupJID := result["group_jid"].(string)
		group := result["group"].(map[string]any)
		require.Equal(t, "Launch", group["name"])
		require.Equal(t, true, group["locked"])
		var errs []any
		for _, p := range group["participants"].([]any) {
			errs = append(errs, p.(map[string]any)["error"])
		}
		require.Equal(t, []any{nil, nil, float64(404)}, errs, "carol is not on WhatsApp")
		info, ok := e.fake.Group(types.NewJID(groupJID[:len(groupJID)-len("@g.us")], types.GroupServer))
		require.True(t, ok, "the group exists")
		require.Len(t, info.Participants, 2)

		// The record reads back, also after a restart.
		cmdPath := "/v1/whatsapp/commands/" + got["command_id"].(string)
		r = e.checked(e.do("GET", cmdPath, nil, key))
		require.Equal(t, http.StatusOK, r.status)
		require.JSONEq(t, mustJSON(t, cmd), string(r.body))

		r = e.checked(e.do("GET", "/v1/whatsapp/groups", nil, key))
		require.Equal(t, groupJID, r.json(t)["items"].([]any)[0].(map[string]any)["id"])

		// Participants: promote frank.
		r = e.checked(e.do("POST", "/v1/whatsapp/groups/"+groupJID+"/participants", `{"participants":["+15556660006"],"action":"promote","chat_jid":"`+groupJID+`"}`, key))
		require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
		got = r.json(t)
		require.Equal(t, "update_group_participants", got["kind"])
		res := got["command"].(map[string]any)["result"].(map[string]any)["participants"].([]any)
		require.Len(t, res, 1)
		require.Equal(t, frank.String(), res[0].(map[string]any)["jid"])
		info, _ = e.fake.Group(info.JID)
		require.True(t, info.Participants[1].IsAdmin, "frank is an admin")

		// Refused before WhatsApp, and nothing recorded.
		for _, body := range []string{
			`{"participants":["+15556660006"],"action":"ban"}`,
			`{"participants":["+15556660006"],"action":"add","chat_jid":"120363999999999999@g.us"}`,
			`{"participants":[],"action":"add"}`,
			`{"participants":["x"],"action":"add"}`,
		} {
			r = e.checked(e.do("POST", "/v1/whatsapp/groups/"+groupJID+"/participants", body, key))
			require.Equal(t, http.StatusBadRequest, r.status, "%s: %s", body, r.body)
		}
		for _, body := range []string{`{"name":"","participants":[]}`, `{"name":"x","participants":["+1"]}`, `{"name":"x","members":[]}`} {
			r = e.checked(e.do("POST", "/v1/whatsapp/groups", body, key))
			require.Equal(t, http.StatusBadRequest, r.status, "%s: %s", body, r.body)
		}
		var commands int
		require.NoError(t, e.c.Store().DB().NewSelect().Table("wauser_commands").ColumnExpr("count(*)").Scan(e.ctx(), &commands))
		require.Equal(t, 2, commands)

		// Not a member: WhatsApp refuses, 403.
		other := e.fake.AddGroup(watest.GroupSpec{Name: "Others", Owner: erin})
		r = e.checked(e.do("POST", "/v1/whatsapp/groups/"+other.String()+"/participants", `{"participants":["+15556660006"],"action":"add"}`, key))
		require.Equal(t, http.StatusForbidden, r.status, "%s", r.body)

		// Another account does not see the command.
		r = e.checked(e.do("GET", cmdPath, nil, bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "b"))))
		require.Equal(t, http.StatusNotFound, r.status)
		r = e.checked(e.do("GET", "/v1/whatsapp/commands/cmd%21", nil, key))
		require.Equal(t, http.StatusBadRequest, r.status)

		// A restart keeps the record.
		require.NoError(t, e.c.Close())
		e2 := newEnv(t, db, rest.Options{})
		r = e2.checked(e2.do("GET", cmdPath, nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, "create_group", r.json(t)["kind"])
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
