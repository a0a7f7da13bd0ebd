package rest

import "net/http"

// APIKeyFromRequest returns the API key a request carries, as this
// package's handler reads it: the X-Api-Key header, "Authorization: Bearer
// <key>", or a bare "Authorization: <key>"; "" when there is none. Other
// handlers mounted beside this one (such as the MCP server's, package
// github.com/wauser/wauser/mcp) use it to accept the same keys; check the
// key with [wauser.Client.AuthenticateAPIKey].
func APIKeyFromRequest(r *http.Request) string { return keyFromRequest(r) }
