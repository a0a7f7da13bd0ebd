package rest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
	"github.com/wauser/wauser/watest"
)

func TestChatContacts(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		conn := e.pair("a", phone)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "a"))
		people := []types.JID{alice, bob, carol}
		for i, p := range people {
			require.True(t, conn.Emit(watest.Text(p, p, fmt.Sprint("3EB0P", i), atSec(10*i), "hi")))
		}

		// Pages of two; pagination.next comes back as ?cursor=.
		r := e.checked(e.do("GET", "/api/v1/contacts?limit=2", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		requireRateHeaders(t, r)
		got := r.json(t)
		contacts := got["contacts"].([]any)
		require.Len(t, contacts, 2)
		first := contacts[0].(map[string]any)
		require.Equal(t, []string{"id", "lastMessageAt", "name", "phone"}, sortedKeys(first))
		require.Equal(t, "+"+alice.User, first["phone"])
		require.Regexp(t, `^person_`, first["id"])
		require.Equal(t, "2026-11-21T12:00:00Z", first["lastMessageAt"])
		next := got["pagination"].(map[string]any)["next"].(string)
		r = e.checked(e.do("GET", "/api/v1/contacts?limit=2&cursor="+url.QueryEscape(next), nil, key))
		got = r.json(t)
		require.Len(t, got["contacts"], 1)
		require.Equal(t, "+"+carol.User, got["contacts"].([]any)[0].(map[string]any)["phone"])
		require.Equal(t, map[string]any{}, got["pagination"], "no next on the last page")

		// Details, by phone number.
		r = e.checked(e.do("GET", "/api/v1/contacts/+"+bob.User, nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		bobby := r.json(t)
		require.Equal(t, "+"+bob.User, bobby["phone"])
		require.Equal(t, []any{}, bobby["tags"])
		require.Equal(t, "2026-11-21T12:00:10Z", bobby["lastMessageAt"])
		r = e.checked(e.do("GET", "/api/v1/contacts/"+bob.User, nil, key))
		require.Equal(t, bobby["id"], r.json(t)["id"], "digits only work too")

		// Errors in document 002's shape.
		r = e.checked(e.do("GET", "/api/v1/contacts/+15559999999", nil, key))
		require.Equal(t, http.StatusNotFound, r.status)
		require.Equal(t, "not_found", r.json(t)["error"].(map[string]any)["code"])
		r = e.checked(e.do("GET", "/api/v1/contacts/12ab", nil, key))
		require.Equal(t, http.StatusBadRequest, r.status)
		require.Equal(t, map[string]any{"error": map[string]any{
			"code": "invalid_phone_number", "message": `"12ab" is not a valid phone number`, "status": float64(400)}}, r.json(t))
		for _, q := range []string{"?limit=0", "?cursor=zzz"} {
			r = e.checked(e.do("GET", "/api/v1/contacts"+q, nil, key))
			require.Equal(t, http.StatusBadRequest, r.status, q)
			require.Equal(t, float64(400), r.json(t)["error"].(map[string]any)["status"])
		}
	})
}

func TestChatContactMessages(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnv(t, db, rest.Options{})
		conn := e.pair("a", phone)
		key := bearer(e.key([]wauser.Scope{wauser.ScopeRead}, "a"))
		require.True(t, conn.Emit(watest.Text(alice, alice, "3EB0A1", atSec(1), "Hello!")))
		require.True(t, conn.Emit(watest.FromMe(watest.Text(alice, phone.JID, "3EB0A2", atSec(2), "Hi there!"))))
		require.True(t, conn.Emit(watest.Text(alice, alice, "3EB0A3", atSec(3), "How are you?")))
		require.True(t, conn.Emit(watest.Text(bob, bob, "3EB0B1", atSec(4), "not for alice")))

		r := e.checked(e.do("GET", "/api/v1/contacts/+"+alice.User+"/messages?limit=2", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		requireRateHeaders(t, r)
		got := r.json(t)
		msgs := got["messages"].([]any)
		require.Len(t, msgs, 2)
		newest := msgs[0].(map[string]any)
		require.Equal(t, []string{"from", "id", "status", "text", "timestamp", "to", "type"}, sortedKeys(newest))
		require.Equal(t, "+"+alice.User, newest["from"])
		require.Equal(t, "+"+phone.JID.User, newest["to"])
		require.Equal(t, "text", newest["type"])
		require.Equal(t, "How are you?", newest["text"])
		require.Equal(t, "2026-11-21T12:00:03Z", newest["timestamp"])
		require.Equal(t, "received", newest["status"])
		mine := msgs[1].(map[string]any)
		require.Equal(t, "+"+phone.JID.User, mine["from"], "sent by the account")
		require.Equal(t, "+"+alice.User, mine["to"])

		next := got["pagination"].(map[string]any)["next"].(string)
		r = e.checked(e.do("GET", "/api/v1/contacts/+"+alice.User+"/messages?limit=2&cursor="+url.QueryEscape(next), nil, key))
		got = r.json(t)
		require.Len(t, got["messages"], 1)
		require.Equal(t, "Hello!", got["messages"].([]any)[0].(map[string]any)["text"])
		require.Equal(t, map[string]any{}, got["pagination"])

		// A contact without a direct chat has no messages; an unknown one is 404.
		require.True(t, conn.Emit(watest.Text(team, carol, "3EB0C1", atSec(5), "in a group")))
		r = e.checked(e.do("GET", "/api/v1/contacts/+"+carol.User+"/messages", nil, key))
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		require.Equal(t, map[string]any{"messages": []any{}, "pagination": map[string]any{}}, r.json(t))
		r = e.checked(e.do("GET", "/api/v1/contacts/+15559999999/messages", nil, key))
		require.Equal(t, http.StatusNotFound, r.status)
		r = e.checked(e.do("GET", "/api/v1/contacts/+"+alice.User+"/messages?cursor=p123", nil, key))
		require.Equal(t, http.StatusBadRequest, r.status, "a cursor of another list")
		require.Equal(t, "invalid_argument", r.json(t)["error"].(map[string]any)["code"])
	})
}
