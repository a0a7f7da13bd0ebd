package rest_test

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/netguard/netguardtest"
	"github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
)

// loopbackHosts are spellings of a loopback address that resolvers and
// browsers accept.
var loopbackHosts = []string{
	"127.0.0.1", "localhost", "127.1", "2130706433", "0177.0.0.1", "127.0.0.1.", "0x7f.1", "[::ffff:127.0.0.1]", "[::1]",
}

// closedLoopbackPort is a loopback port nothing listens on.
func closedLoopbackPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	require.NoError(t, ln.Close())
	return port
}

// TestNoRouteConnectsToPrivateAddresses: every route that fetches a URL
// (uploads from a URL, media by url or link in the sends of the business
// and chat dialects, link previews) and every route that registers a
// webhook is given every spelling of a loopback address, with the port of
// a listener and a closed port: the answers are the same 4xx either way,
// and the listener accepts no connection at all. Deliveries to a webhook
// whose address turned private after registration connect to nothing
// either.
func TestNoRouteConnectsToPrivateAddresses(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		e := newEnvGuarded(t, db, rest.Options{RequestsPerMinute: -1})
		conn := e.pair("a", phone)
		key := bearer(e.key(wauser.AllScopes(), "a"))
		admin := basic(adminUser, adminPassword)
		l := netguardtest.Listen(t)
		closed := closedLoopbackPort(t)
		r := e.checked(e.do("POST", "/v1/webhooks/endpoints", `{"url":"https://93.184.215.14/hook"}`, key))
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		endpoint := r.json(t)["endpoint"].(map[string]any)["id"].(string)

		type fetchRoute struct {
			name, method, path string
			headers            map[string]string
			body               func(u string) string
			status             int
		}
		routes := []fetchRoute{
			{"upload from a URL", "POST", "/v1/media", key, func(u string) string { return `{"url":"` + u + `"}` }, http.StatusBadRequest},
			{"business image url", "POST", "/v1/messages", key, func(u string) string {
				return `{"to":"15550000001","type":"image","image":{"url":"` + u + `"}}`
			}, http.StatusBadRequest},
			{"business image link", "POST", "/v1/messages", key, func(u string) string {
				return `{"messaging_product":"whatsapp","to":"15550000001","type":"image","image":{"link":"` + u + `"}}`
			}, http.StatusBadRequest},
			{"business document link", "POST", "/v1/messages", key, func(u string) string {
				return `{"to":"15550000001","type":"document","document":{"link":"` + u + `","filename":"a.pdf"}}`
			}, http.StatusBadRequest},
			{"business video link", "POST", "/v1/messages", key, func(u string) string {
				return `{"to":"15550000001","type":"video","video":{"link":"` + u + `"}}`
			}, http.StatusBadRequest},
			{"business audio link", "POST", "/v1/messages", key, func(u string) string {
				return `{"to":"15550000001","type":"audio","audio":{"link":"` + u + `"}}`
			}, http.StatusBadRequest},
			{"chat image url", "POST", "/api/v1/messages", key, func(u string) string {
				return `{"to":"+15550000001","type":"image","image":{"url":"` + u + `"}}`
			}, http.StatusBadRequest},
			{"chat document url", "POST", "/api/v1/messages", key, func(u string) string {
				return `{"to":"+15550000001","type":"document","document":{"url":"` + u + `","filename":"a.pdf"}}`
			}, http.StatusBadRequest},
			{"chat image link", "POST", "/api/v1/messages", key, func(u string) string {
				return `{"to":"+15550000001","type":"image","image":{"link":"` + u + `"}}`
			}, http.StatusBadRequest},
			// A link preview that cannot be fetched leaves the text without
			// one: the text is sent.
			{"link preview", "POST", "/v1/messages", key, func(u string) string {
				return `{"to":"15550000001","type":"text","text":{"body":"see ` + u + `","preview_url":true}}`
			}, http.StatusOK},
			{"business webhook", "POST", "/v1/webhooks", key, func(u string) string { return `{"url":"` + u + `"}` }, http.StatusBadRequest},
			{"sync endpoint", "POST", "/v1/webhooks/endpoints", key, func(u string) string { return `{"url":"` + u + `"}` }, http.StatusBadRequest},
			{"sync endpoint update", "PATCH", "/v1/webhooks/endpoints/" + endpoint, key, func(u string) string { return `{"url":"` + u + `"}` }, http.StatusBadRequest},
			{"account webhook_url", "POST", "/v1/accounts", admin, func(u string) string { return `{"id":"x","webhook_url":"` + u + `"}` }, http.StatusBadRequest},
			{"account webhooks", "POST", "/v1/accounts", admin, func(u string) string { return `{"id":"x","webhooks":[{"url":"` + u + `"}]}` }, http.StatusBadRequest},
		}
		for _, rt := range routes {
			for _, host := range loopbackHosts {
				var answers []string
				for _, port := range []string{l.Port(), closed} {
					u := "http://" + host + ":" + port + "/file.png"
					r := e.checked(e.do(rt.method, rt.path, rt.body(u), rt.headers))
					require.Equal(t, rt.status, r.status, "%s with %s: %s", rt.name, u, r.body)
					answers = append(answers, strconv.Itoa(r.status)+" "+strings.ReplaceAll(string(r.body), port, "PORT"))
				}
				if rt.status != http.StatusOK {
					require.Equal(t, answers[0], answers[1], "%s with %s: open and closed ports answer alike", rt.name, host)
					require.Contains(t, answers[0], "not a public address", rt.name)
				}
			}
		}
		for _, m := range conn.Sent() {
			require.Empty(t, m.Message.GetExtendedTextMessage().GetTitle(), "no preview was fetched")
		}
		require.Empty(t, conn.Uploads(), "nothing was fetched to upload")

		// Deliveries: webhooks whose hosts are these spellings (as if their
		// names had come to resolve to loopback after registration; stored
		// directly, registration would refuse them).
		ctx := e.ctx()
		now := e.clock.Now()
		var ids []string
		for i, host := range loopbackHosts {
			h := &store.Webhook{ID: "wh_ssrf" + strconv.Itoa(i), AccountID: "a", URL: "http://" + host + ":" + l.Port() + "/hook",
				Headers: map[string]string{}, EventTypes: []string{"*"}, ChatIDs: []string{}, ChatTypes: []string{}, Mentions: []string{},
				MessageTypes: []string{}, SettingsTypes: []string{}, Secret: "whsec_" + strings.Repeat("A", 43) + "=", Enabled: true,
				Format: "wauser", CreatedAt: now, UpdatedAt: now}
			require.NoError(t, store.Unwrap(e.c.Store()).InsertWebhook(ctx, h))
			ids = append(ids, h.ID)
		}
		bot := e.c.WithAccount("a")
		_, err := bot.SendText(ctx, "+15550000001", "an event for every webhook")
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			for _, id := range ids {
				ds, err := bot.ListWebhookDeliveries(ctx, wauser.WebhookID(id), wauser.ListWebhookDeliveriesOptions{})
				if err != nil || len(ds) == 0 {
					return false
				}
				for _, d := range ds {
					if d.State != wauser.DeliveryFailed || !strings.Contains(d.Error, "not a public address") {
						return false
					}
				}
			}
			return true
		}, 10*time.Second, 5*time.Millisecond, "every delivery to a loopback address fails at once, as refused")
		require.Zero(t, l.Accepted(t), "no route and no delivery connected to the loopback listener")
	})
}
