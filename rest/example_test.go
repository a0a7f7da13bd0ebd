package rest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/rest"
	"github.com/wauser/wauser/store/sqlite"
	"github.com/wauser/wauser/watest"
)

// Serve a Client under /wa/ in an existing server, and call it with an API
// key. The fake WhatsApp of package watest stands in for the phone.
func ExampleNewHandler() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	defer st.Close()
	fake := watest.New()
	c, err := wauser.New(st, fake.Option())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		panic(err)
	}
	if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "sales"}); err != nil {
		panic(err)
	}
	key, err := c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{
		Name:     "dashboard",
		Scopes:   []wauser.Scope{wauser.ScopeRead},
		Accounts: []wauser.AccountID{"sales"},
	})
	if err != nil {
		panic(err)
	}

	mux := http.NewServeMux()
	mux.Handle("/wa/", http.StripPrefix("/wa", rest.NewHandler(c, rest.Options{})))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/wa/v1/whatsapp/status", nil)
	req.Header.Set("Authorization", "Bearer "+key.Key) // key.Key is shown only now
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"))
	fmt.Print(string(body))
	// Output:
	// 200 59
	// {"connection_id":"sales","state":"unpaired","paired":false,"connected":false,"connector_ready":false}
}

// Serve the console, where an admin links accounts from a browser (it
// lists the accounts, creates new ones and shows their live QR code or
// phone code) and watches their conversations, webhooks and API keys. It
// takes the admin credentials, which a browser asks for.
func ExampleOptions_pairPage() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	defer st.Close()
	c, err := wauser.New(st, watest.New().Option())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		panic(err)
	}

	password := rest.GenerateSecret() // show it to the admin once; keep only the hash
	h := rest.NewHandler(c, rest.Options{
		AdminUser:         "admin",
		AdminPasswordHash: rest.HashAdminPassword(password),
		PairPage:          true,
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	fmt.Println("open", "/pair") // srv.URL + "/pair" in a browser

	for _, pass := range []string{"", password} {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/pair", nil)
		if pass != "" {
			req.SetBasicAuth("admin", pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		_ = resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// Output:
	// open /pair
	// 401 application/json
	// 200 text/html; charset=utf-8
}

// Page through an account's change feed as a sync client does (document
// 000): pass the cursor of each page to the next request until has_more is
// false, and keep the last cursor for next time.
func ExampleNewHandler_sync() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	defer st.Close()
	fake := watest.New()
	c, err := wauser.New(st, fake.Option())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		panic(err)
	}
	// A paired account ("sales") that received three messages from Ann.
	if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "sales"}); err != nil {
		panic(err)
	}
	if _, err := c.PairQR(ctx); err != nil {
		panic(err)
	}
	conn, err := fake.WaitConn(ctx, "sales")
	if err != nil {
		panic(err)
	}
	if err := conn.Scan(watest.Phone{JID: types.NewJID("15551234567", types.DefaultUserServer)}); err != nil {
		panic(err)
	}
	if _, err := c.WaitStatus(ctx, func(s *wauser.Status) bool { return s.State == wauser.StateConnected }); err != nil {
		panic(err)
	}
	ann := types.NewJID("15550000001", types.DefaultUserServer)
	for i := range 3 {
		conn.Emit(watest.Text(ann, ann, fmt.Sprint("3EB0", i), time.Unix(1700000000+int64(i), 0), "hello"))
	}
	key, err := c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{Scopes: []wauser.Scope{wauser.ScopeRead}, Accounts: []wauser.AccountID{"sales"}})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(rest.NewHandler(c, rest.Options{}))
	defer srv.Close()

	var cursor int64
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/v1/whatsapp/sync?limit=2&cursor=%d", srv.URL, cursor), nil)
		req.Header.Set("Authorization", "Bearer "+key.Key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		var page struct {
			Conversations []json.RawMessage `json:"conversations"`
			Contacts      []json.RawMessage `json:"contacts"`
			Messages      []json.RawMessage `json:"messages"`
			Cursor        int64             `json:"cursor"`
			HasMore       bool              `json:"has_more"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			panic(err)
		}
		fmt.Printf("%d conversations, %d contacts, %d messages, has_more %v\n",
			len(page.Conversations), len(page.Contacts), len(page.Messages), page.HasMore)
		cursor = page.Cursor
		if !page.HasMore {
			break
		}
	}
	// Output:
	// 0 conversations, 1 contacts, 1 messages, has_more true
	// 1 conversations, 0 contacts, 1 messages, has_more true
	// 0 conversations, 0 contacts, 1 messages, has_more false
}

// Send a message through document 002's chat API, then read how much of
// the day's message quota is used (GET /v1/usage). Past the quota (1000 a
// day by default) a send answers 429 with Retry-After.
func ExampleNewHandler_sendMessage() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	defer st.Close()
	fake := watest.New()
	c, err := wauser.New(st, fake.Option())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		panic(err)
	}
	if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "sales"}); err != nil {
		panic(err)
	}
	if _, err := c.PairQR(ctx); err != nil {
		panic(err)
	}
	conn, err := fake.WaitConn(ctx, "sales")
	if err != nil {
		panic(err)
	}
	if err := conn.Scan(watest.Phone{JID: types.NewJID("15551234567", types.DefaultUserServer)}); err != nil {
		panic(err)
	}
	if _, err := c.WaitStatus(ctx, func(s *wauser.Status) bool { return s.State == wauser.StateConnected }); err != nil {
		panic(err)
	}
	key, err := c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{
		Scopes: []wauser.Scope{wauser.ScopeRead, wauser.ScopeWrite}, Accounts: []wauser.AccountID{"sales"},
	})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(rest.NewHandler(c, rest.Options{}))
	defer srv.Close()
	call := func(method, path, body string, out any) int {
		req, _ := http.NewRequestWithContext(ctx, method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key.Key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			panic(err)
		}
		return resp.StatusCode
	}

	var msg struct{ From, To, Type, Text, Status string }
	status := call("POST", "/api/v1/messages", `{"to":"+15550000001","type":"text","text":"Hello from wauser!"}`, &msg)
	fmt.Println(status, msg.From, msg.To, msg.Type, msg.Status, msg.Text)

	var usage struct {
		Summary struct {
			Connections []struct {
				ID        string `json:"connection_id"`
				Sent      int    `json:"messages_sent_today"`
				Remaining int    `json:"messages_remaining_today"`
			} `json:"connections"`
		} `json:"summary"`
	}
	call("GET", "/v1/usage", "", &usage)
	for _, u := range usage.Summary.Connections {
		fmt.Println(u.ID, u.Sent, "sent today,", u.Remaining, "left")
	}
	// Output:
	// 201 +15551234567 +15550000001 text sent Hello from wauser!
	// sales 1 sent today, 999 left
}

// Health probes and the API reference for an operator: GET /healthz says
// the process lives, GET /readyz whether the store answers, with every
// account's state, and GET /docs renders /openapi.json with the embedded
// Swagger UI. All three are public.
func ExampleOptions_health() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	defer st.Close()
	c, err := wauser.New(st, watest.New().Option())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "sales"}); err != nil {
		panic(err)
	}
	srv := httptest.NewServer(rest.NewHandler(c, rest.Options{Health: true, Docs: true}))
	defer srv.Close()

	for _, path := range []string{"/healthz", "/readyz", "/docs"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if path == "/docs" {
			body = []byte(resp.Header.Get("Content-Type") + "\n")
		}
		fmt.Print(path, " ", resp.StatusCode, " ", string(body))
	}
	// Output:
	// /healthz 200 {"status":"ok"}
	// /readyz 200 {"status":"ready","store":"ok","accounts":[{"id":"sales","state":"unpaired"}]}
	// /docs 200 text/html; charset=utf-8
}

// Send a message the way WhatsApp Cloud API clients do, through the
// Business Server API's POST /v1/messages: the answer carries the Cloud
// API's messaging_product, contacts and messages beside the envelope.
func ExampleNewHandler_cloudAPI() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	defer st.Close()
	fake := watest.New()
	c, err := wauser.New(st, fake.Option())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		panic(err)
	}
	if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "sales"}); err != nil {
		panic(err)
	}
	if _, err := c.PairQR(ctx); err != nil {
		panic(err)
	}
	conn, err := fake.WaitConn(ctx, "sales")
	if err != nil {
		panic(err)
	}
	if err := conn.Scan(watest.Phone{JID: types.NewJID("15551234567", types.DefaultUserServer)}); err != nil {
		panic(err)
	}
	if _, err := c.WaitStatus(ctx, func(s *wauser.Status) bool { return s.State == wauser.StateConnected }); err != nil {
		panic(err)
	}
	key, err := c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{Scopes: []wauser.Scope{wauser.ScopeWrite}, Accounts: []wauser.AccountID{"sales"}})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(rest.NewHandler(c, rest.Options{}))
	defer srv.Close()

	body := `{"messaging_product":"whatsapp","recipient_type":"individual","to":"15550000001",
		"type":"text","text":{"preview_url":false,"body":"Your order has shipped."}}`
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/v1/messages", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key.Key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var answer struct {
		Success          bool   `json:"success"`
		MessagingProduct string `json:"messaging_product"`
		Contacts         []struct {
			Input string `json:"input"`
			WAID  string `json:"wa_id"`
		} `json:"contacts"`
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode, answer.Success, answer.MessagingProduct, answer.Contacts[0].Input, answer.Contacts[0].WAID,
		strings.HasPrefix(answer.Messages[0].ID, "msg_"))
	// Output: 200 true whatsapp 15550000001 15550000001 true
}

// Serve the multi-session server's API: a key with the admin scope for
// every account creates devices (accounts) with X-API-Key, and each
// device's token, an API key of that device alone, drives it with
// Authorization: Bearer. The key's hourly request limit (the server's
// rate_limit_per_hour) counts its tokens' requests too.
func ExampleDialectMultiSession() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		panic(err)
	}
	defer st.Close()
	fake := watest.New()
	c, err := wauser.New(st, fake.Option())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		panic(err)
	}
	creator, err := c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{
		Name: "customer", Scopes: []wauser.Scope{wauser.ScopeAdmin}, AllAccounts: true, RateLimitPerHour: 2,
	})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(rest.NewHandler(c, rest.Options{MaxDevicesPerKey: 3}))
	defer srv.Close()

	call := func(method, path, header, value, body string) map[string]any {
		req, _ := http.NewRequestWithContext(ctx, method, srv.URL+path, strings.NewReader(body))
		req.Header.Set(header, value)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			panic(err)
		}
		return out
	}
	created := call("POST", "/devices", "X-API-Key", creator.Key, `{"device_name":"Front desk"}`)
	device := created["data"].(map[string]any)
	fmt.Println(created["code"], created["message"], device["device_name"])

	me := call("GET", "/devices/me/status", "Authorization", "Bearer "+device["token"].(string), "")
	fmt.Println(me["code"], me["data"].(map[string]any)["db_status"])

	again := call("GET", "/devices/me/status", "Authorization", "Bearer "+device["token"].(string), "")
	fmt.Println(again["code"], again["error"])
	// Output:
	// 201 Device created successfully Front desk
	// 200 pending
	// 429 rate limit exceeded: 2 requests per hour
}
