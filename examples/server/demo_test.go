package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDemoServer is the demo as a new user meets it: the server binary
// started with -demo on a temporary database, the printed console address
// and API key read from its output, the console's simulated phone pressed;
// within 30 s it has a linked account,
// incoming messages in GET /v1/whatsapp/sync, a send that succeeds (and
// is answered), a webhook delivery to a receiver on this machine,
// GET /readyz 200 saying demo, GET /docs 200 and GET /metrics with wauser_
// series; then SIGINT and a clean exit.
func TestDemoServer(t *testing.T) {
	t.Parallel()
	var (
		mu       sync.Mutex
		received []string
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		received = append(received, string(body))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)
	deliveries := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), received...)
	}

	dir := t.TempDir()
	began := time.Now()
	deadline := began.Add(30 * time.Second)
	db := filepath.Join(dir, "demo.db")
	s := start(t, dir, nil, "-demo", "-db", db, "-addr", "127.0.0.1:0")
	out := s.output()
	require.Contains(t, out, "DEMO MODE", "loudly labelled")
	require.Contains(t, out, `press
"Link with the simulated phone"`, "and says how to begin")
	key := keyRE.FindString(out)
	require.NotEmpty(t, key, "%s", out)
	console := consoleRE.FindStringSubmatch(out)
	require.Len(t, console, 2, "the console's address is printed: %s", out)
	require.Contains(t, console[1], strings.TrimPrefix(s.base, "http://"))
	_, err := os.Stat(filepath.Join(dir, "wauser-demo.admin"))
	require.NoError(t, err, "a demo keeps its own admin file")
	_, err = os.Stat(filepath.Join(dir, "wauser.db"))
	require.ErrorIs(t, err, os.ErrNotExist, "and never touches wauser.db")
	bearer := map[string]string{"Authorization": "Bearer " + key}

	var last []byte // the last answer a condition read, for the failure message
	// eventually waits for cond, checked every tick, until the test's 30 s
	// are up.
	eventually := func(what string, cond func() bool, tick time.Duration) {
		t.Helper()
		require.Eventually(t, cond, time.Until(deadline), tick, "%s within 30 s of the start; last answer: %s", what, last)
	}

	// The user opens the console and presses "Link with the simulated
	// phone": the page posts this, with the credentials of the address.
	req, err := http.NewRequestWithContext(t.Context(), "POST", console[0]+"/accounts/default/simulated-scan", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req) // the address's user:password@ becomes Basic credentials
	require.NoError(t, err)
	scanned, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", scanned)
	require.Contains(t, string(scanned), `"state":"connected"`)

	// A linked account. (Polled gently: the API allows a key 60 requests
	// a minute.)
	eventually("a linked account", func() bool {
		status, body := s.get(t, "/v1/whatsapp/status", bearer)
		last = body
		return status == http.StatusOK && strings.Contains(string(body), `"connected"`)
	}, 250*time.Millisecond)

	// A webhook to a receiver on this machine: it hears of the messages
	// as they come.
	status, body := s.do(t, "POST", "/v1/webhooks/endpoints", fmt.Sprintf(`{"url":%q}`, receiver.URL+"/hook"), bearer)
	require.Equal(t, http.StatusCreated, status, "%s", body)
	eventually("a webhook delivery of a received message", func() bool {
		// message.received, or whatsapp.message.received in the WhatsApp
		// Use API's names.
		return slices.ContainsFunc(deliveries(), func(d string) bool { return strings.Contains(d, `message.received"`) })
	}, 10*time.Millisecond)

	// Incoming messages in the change feed.
	type message struct {
		ConversationID string `json:"conversation_id"`
		Body           string `json:"body"`
		SenderPushName string `json:"sender_push_name"`
		IsFromMe       bool   `json:"is_from_me"`
		Status         string `json:"status"`
	}
	var feed struct {
		Messages []message `json:"messages"`
	}
	sync := func() {
		t.Helper()
		status, body := s.get(t, "/v1/whatsapp/sync?limit=1000", bearer)
		require.Equal(t, http.StatusOK, status, "%s", body)
		require.NoError(t, json.Unmarshal(body, &feed))
	}
	sync()
	i := slices.IndexFunc(feed.Messages, func(m message) bool { return m.SenderPushName == "Alice" && !m.IsFromMe })
	require.GreaterOrEqual(t, i, 0, "Alice's message is in GET /v1/whatsapp/sync: %+v", feed.Messages)
	fromAlice := feed.Messages[i]

	// A send that succeeds, and Alice's answer.
	status, body = s.do(t, "POST", "/v1/whatsapp/messages/send",
		fmt.Sprintf(`{"conversation_id":%q,"text":"Hello from the test"}`, fromAlice.ConversationID), bearer)
	require.Equal(t, http.StatusAccepted, status, "%s", body)
	eventually("Alice's answer, delivered to the webhook", func() bool {
		return slices.ContainsFunc(deliveries(), func(d string) bool { return strings.Contains(d, `You said: \"Hello from the test\"`) })
	}, 10*time.Millisecond)
	sync()
	sent := slices.IndexFunc(feed.Messages, func(m message) bool { return m.IsFromMe && m.Body == "Hello from the test" })
	require.GreaterOrEqual(t, sent, 0, "the message sent is in the feed")
	require.Contains(t, []string{"sent", "delivered", "read"}, feed.Messages[sent].Status, "and was sent")

	// Readiness, the reference, the metrics.
	status, body = s.get(t, "/readyz", nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(body), `"demo":true`)
	status, body = s.get(t, "/healthz", nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(body), `"demo":true`)
	status, body = s.get(t, "/docs", nil)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(body), "Demo:")
	status, body = s.get(t, "/metrics", nil)
	require.Equal(t, http.StatusOK, status)
	for _, series := range []string{"wauser_ingest_events_total", `wauser_accounts{state="connected"} 1`,
		"wauser_sends_total", "wauser_webhook_deliveries_total", "go_goroutines"} {
		require.Contains(t, string(body), series)
	}
	require.Less(t, time.Since(began), 30*time.Second)

	s.stop(t)
}
