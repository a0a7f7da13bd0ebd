package rest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

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

// TestChatDailyMessageQuota sends the default quota of 1,000 messages of a
// day through POST /api/v1/messages: the 1,001st gets 429 in document
// 002's error shape, with Retry-After (the time to midnight UTC) and the
// rate limit headers, and nothing is sent; the next day sending resumes.
func TestChatDailyMessageQuota(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		// The request limit is not the subject here: it is raised so that
		// 1,000 sends fit in a minute. The quota is the default one.
		e := newEnv(t, db, rest.Options{RequestsPerMinute: 5000})
		conn := e.pair("a", phone)
		secret := e.key([]wauser.Scope{wauser.ScopeWrite, wauser.ScopeRead}, "a")
		key := bearer(secret)
		quota, err := e.c.WithAccount("a").GetMessageQuota(e.ctx())
		require.NoError(t, err)
		require.Equal(t, 1000, quota.Limit, "the default quota")
		require.Equal(t, wauser.DefaultDailyMessageLimit, quota.Limit)

		// 1,000 messages through the route, from two clients at once: the
		// count must hold under concurrent sends. (More clients would not
		// be faster: the sends of one account take its lock in the store.)
		const clients = 2
		jobs := make(chan int)
		failures := make(chan string, wauser.DefaultDailyMessageLimit)
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				for i := range jobs {
					body := fmt.Sprintf(`{"to":"+%s","type":"text","text":"message %d"}`, alice.User, i)
					req, err := http.NewRequestWithContext(e.ctx(), "POST", e.srv.URL+"/api/v1/messages", strings.NewReader(body))
					if err != nil {
						failures <- err.Error()
						continue
					}
					req.Header.Set("Authorization", "Bearer "+secret)
					req.Header.Set("Content-Type", "application/json")
					resp, err := e.srv.Client().Do(req)
					if err != nil {
						failures <- err.Error()
						continue
					}
					got, _ := io.ReadAll(resp.Body)
					_ = resp.Body.Close()
					if resp.StatusCode != http.StatusCreated || resp.Header.Get("X-RateLimit-Limit") == "" {
						failures <- fmt.Sprintf("message %d: %d %s", i, resp.StatusCode, got)
					}
				}
			})
		}
		for i := range wauser.DefaultDailyMessageLimit {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		close(failures)
		for f := range failures {
			require.Fail(t, f)
		}
		require.Len(t, conn.Sent(), 1000)

		// The 1,001st.
		r := e.checked(e.do("POST", "/api/v1/messages", `{"to":"+15550000001","type":"text","text":"one too many"}`, key))
		require.Equal(t, http.StatusTooManyRequests, r.status, "%s", r.body)
		require.Equal(t, map[string]any{"error": map[string]any{
			"code":    "rate_limit_exceeded",
			"message": "daily message limit of 1000 reached; it resets at 2026-11-22T00:00:00Z",
			"status":  float64(429),
		}}, r.json(t))
		require.Equal(t, "43200", r.header.Get("Retry-After"), "noon UTC: twelve hours to midnight")
		requireRateHeaders(t, r)
		require.Equal(t, "5000", r.header.Get("X-RateLimit-Limit"))
		require.Equal(t, "3999", r.header.Get("X-RateLimit-Remaining"), "1,001 requests of this key")
		require.Len(t, conn.Sent(), 1000, "nothing sent")

		// The same quota in the other dialects, in their shapes.
		r = e.checked(e.do("POST", "/v1/messages", `{"to":"+15550000001","type":"text","text":{"body":"one too many"}}`, key))
		require.Equal(t, http.StatusTooManyRequests, r.status)
		require.Contains(t, failure(t, r), "daily message limit of 1000 reached")
		require.Equal(t, "43200", r.header.Get("Retry-After"))
		convs, err := e.c.WithAccount("a").ListConversations(e.ctx(), wauser.ListConversationsOptions{})
		require.NoError(t, err)
		require.Len(t, convs.Conversations, 1, "the chat with alice")
		conv := string(convs.Conversations[0].ConversationID)
		r = e.checked(e.do("POST", "/v1/whatsapp/messages/send", `{"conversation_id":"`+conv+`","text":"one too many"}`, key))
		require.Equal(t, http.StatusTooManyRequests, r.status)
		require.Equal(t, map[string]any{"error": "daily message limit of 1000 reached; it resets at 2026-11-22T00:00:00Z"}, r.json(t))
		require.Len(t, conn.Sent(), 1000)

		r = e.checked(e.do("GET", "/v1/usage", nil, key))
		require.Equal(t, http.StatusOK, r.status)
		c := r.json(t)["summary"].(map[string]any)["connections"].([]any)[0].(map[string]any)
		require.Equal(t, float64(1000), c["messages_sent_today"])
		require.Equal(t, float64(0), c["messages_remaining_today"])

		// The next day.
		e.clock.Advance(12 * time.Hour)
		r = e.checked(e.do("POST", "/api/v1/messages", `{"to":"+15550000001","type":"text","text":"a new day"}`, key))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		require.Len(t, conn.Sent(), 1001)
	})
}
