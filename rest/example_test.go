package rest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

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

// Serve the pairing page, where an admin links accounts from a browser: it
// lists the accounts, creates new ones and shows their live QR code or
// phone code. It takes the admin credentials, which a browser asks for.
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
