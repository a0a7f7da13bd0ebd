package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/store/sqlite"
	"github.com/wauser/wauser/watest"
)

func TestMountedBehindHostAuth(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, t.TempDir()+"/mount.db")
	require.NoError(t, err)
	fake := watest.New()
	c, err := wauser.New(st, fake.Option())
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = c.Close()
		fake.Close()
		_ = st.Close()
	})
	require.NoError(t, c.Start(ctx))
	_, err = c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "default"})
	require.NoError(t, err)

	sessions := map[string]user{"op": {name: "operator", admin: true}, "viewer": {name: "viewer"}}
	srv := httptest.NewServer(newServer(c, sessions, slog.New(slog.DiscardHandler)))
	defer srv.Close()
	call := func(method, path, session string) (int, string) {
		req, err := http.NewRequestWithContext(ctx, method, srv.URL+path, nil)
		require.NoError(t, err)
		if session != "" {
			req.AddCookie(&http.Cookie{Name: "session", Value: session})
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(body)
	}

	status, body := call("GET", "/", "")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "host application", "the host's own routes stay")

	status, body = call("GET", "/wa/v1/whatsapp/status", "")
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, "sign in first\n", body, "the host's middleware answers first")

	status, body = call("GET", "/wa/v1/whatsapp/status", "viewer")
	require.Equal(t, http.StatusOK, status, body)
	var ws struct {
		ConnectionID string `json:"connection_id"`
		State        string `json:"state"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &ws))
	require.Equal(t, "default", ws.ConnectionID)

	status, body = call("POST", "/wa/v1/whatsapp/pair", "viewer")
	require.Equal(t, http.StatusUnauthorized, status, "a viewer may not pair (sync dialect: 401 for a missing scope)")
	require.Contains(t, body, "whatsapp:write")

	status, body = call("POST", "/wa/v1/whatsapp/pair", "op")
	require.Equal(t, http.StatusAccepted, status, body)
	require.Contains(t, body, `"status":"qr"`)

	status, body = call("GET", "/wa/openapi.json", "viewer")
	require.Equal(t, http.StatusOK, status)
	require.True(t, strings.HasPrefix(body, `{"components"`))
}
