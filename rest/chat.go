package rest

import "net/http"

// chatDialect is document 002: bare JSON bodies and errors as
// {"error": {"code", "message", "status"}}, code being a machine-readable
// name such as invalid_phone_number or rate_limit_exceeded.
//
// Its routes (POST /api/v1/messages, GET /api/v1/contacts,
// GET /api/v1/contacts/{phone}, GET /api/v1/contacts/{phone}/messages) land
// with the Client's send and contact methods (issues 3 and 4). The daily
// message quota those sends enforce will answer 429 in this shape
// ({"error":{"code":"rate_limit_exceeded","message":...,"status":429}}) with
// Retry-After: classify maps wauser.ErrRateLimited next to this package's
// own ErrRateLimited, taking the delay from the error's RetryAfter method
// (retryAfter).
type chatDialect struct{}

func (chatDialect) name() string         { return "chat" }
func (chatDialect) forbiddenStatus() int { return http.StatusForbidden }
func (chatDialect) ok(_ *call, out any) any {
	return out
}

func (chatDialect) fail(_ *call, status int, e *apiError) any {
	return chatError{Error: chatErrorBody{Code: e.code, Message: e.message, Status: status}}
}

func (chatDialect) okSchema(data *schema) *schema { return data }
func (chatDialect) failSchema(g *docGen) *schema  { return g.ref(typeOf[chatError]()) }

// chatError is document 002's error body.
type chatError struct {
	Error chatErrorBody `json:"error"`
}

type chatErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}
