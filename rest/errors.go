package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wauser/wauser"
)

// Errors an Options.Authenticate function returns to refuse a request.
var (
	// ErrUnauthorized: no credentials, or credentials that are not valid.
	// The handler answers 401.
	ErrUnauthorized = errors.New("rest: unauthorized")
	// ErrForbidden: valid credentials without the right to do this (a
	// missing scope, an account the key cannot reach). The handler answers
	// 403 (401 in the sync dialect, whose specification says so).
	ErrForbidden = errors.New("rest: forbidden")
	// ErrRateLimited: the caller exceeded Options.RequestsPerMinute. The
	// handler answers 429 with Retry-After.
	ErrRateLimited = errors.New("rest: rate limit exceeded")
)

// errBusy: every in-flight slot is taken.
var errBusy = &apiError{status: http.StatusServiceUnavailable, code: "server_busy",
	message: "too many requests in flight; retry shortly", retryAfter: time.Second}

// apiError is an error on its way to the client: its status, a machine
// readable code (chat dialect), the message clients see, and Retry-After.
type apiError struct {
	status     int
	code       string
	message    string
	retryAfter time.Duration
	cause      error
}

func (e *apiError) Error() string { return e.message }
func (e *apiError) Unwrap() error { return e.cause }

func forbidden(format string, args ...any) error {
	return &apiError{status: http.StatusForbidden, code: "forbidden", message: fmt.Sprintf(format, args...), cause: ErrForbidden}
}

func unauthorized(format string, args ...any) error {
	return &apiError{status: http.StatusUnauthorized, code: "unauthorized", message: fmt.Sprintf(format, args...), cause: ErrUnauthorized}
}

func badRequest(code, format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

// retryAfterer is implemented by errors that know when to try again (such
// as the Client's daily message quota).
type retryAfterer interface{ RetryAfter() time.Duration }

// classify maps an error to what the client is told. Client mistakes are
// 4xx with the error's own text; server trouble is 5xx with a fixed text,
// the cause going only to the log.
func classify(err error) *apiError {
	var (
		ae  *apiError
		mbe *http.MaxBytesError
		arg *wauser.ArgumentError
	)
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &mbe):
		return &apiError{status: http.StatusRequestEntityTooLarge, code: "payload_too_large",
			message: fmt.Sprintf("the request body exceeds %d bytes", mbe.Limit)}
	case errors.As(err, &arg):
		code := "invalid_argument"
		if arg.Field == "phone" || arg.Field == "to" {
			code = "invalid_phone_number"
		}
		return &apiError{status: http.StatusBadRequest, code: code, message: clean(err)}
	case errors.Is(err, wauser.ErrInvalidArgument):
		return &apiError{status: http.StatusBadRequest, code: "invalid_argument", message: clean(err)}
	case errors.Is(err, ErrUnauthorized), errors.Is(err, wauser.ErrInvalidAPIKey):
		return &apiError{status: http.StatusUnauthorized, code: "unauthorized", message: "invalid or missing API key"}
	case errors.Is(err, ErrForbidden):
		return &apiError{status: http.StatusForbidden, code: "forbidden", message: clean(err)}
	case errors.Is(err, ErrRateLimited), errors.Is(err, wauser.ErrRateLimited):
		// The handler's request limit, the account's daily message quota, or
		// WhatsApp's own rate limit: 429 with the delay the error carries.
		return &apiError{status: http.StatusTooManyRequests, code: "rate_limit_exceeded", message: clean(err), retryAfter: retryAfter(err)}
	case errors.Is(err, wauser.ErrForbidden):
		// WhatsApp refused: not the caller's credentials. 403 in every
		// dialect (see writeError).
		return &apiError{status: http.StatusForbidden, code: "whatsapp_forbidden", message: clean(err)}
	case errors.Is(err, wauser.ErrAccountRequired):
		return &apiError{status: http.StatusBadRequest, code: "connection_required",
			message: "this request acts on one account: name it in the " + HeaderConnectionID + " header"}
	case errors.Is(err, wauser.ErrNotFound):
		return &apiError{status: http.StatusNotFound, code: "not_found", message: clean(err)}
	case errors.Is(err, wauser.ErrAccountExists), errors.Is(err, wauser.ErrWebhookExists):
		return &apiError{status: http.StatusConflict, code: "already_exists", message: clean(err)}
	case errors.Is(err, wauser.ErrAlreadyPaired):
		return &apiError{status: http.StatusConflict, code: "already_paired", message: clean(err)}
	case errors.Is(err, wauser.ErrNotLoggedIn):
		return &apiError{status: http.StatusConflict, code: "not_logged_in", message: clean(err) + "; pair the account first"}
	case errors.Is(err, wauser.ErrPairingFailed):
		// The codes expired, the phone refused, or WhatsApp was unreachable:
		// the request was fine, WhatsApp did not pair.
		return &apiError{status: http.StatusBadGateway, code: "pairing_failed",
			message: "WhatsApp did not complete the pairing (the codes expired, the phone refused, or WhatsApp was unreachable); start pairing again"}
	case errors.Is(err, wauser.ErrNotConnected):
		return &apiError{status: http.StatusServiceUnavailable, code: "not_connected",
			message: "the account is not connected to WhatsApp right now; retry later", retryAfter: 5 * time.Second}
	case errors.Is(err, wauser.ErrLeasedElsewhere):
		// Logging out an account another process connects: only that
		// process can tell WhatsApp.
		return &apiError{status: http.StatusConflict, code: "leased_elsewhere", message: clean(err)}
	case errors.Is(err, wauser.ErrNotStarted), errors.Is(err, wauser.ErrClosed):
		return &apiError{status: http.StatusServiceUnavailable, code: "unavailable",
			message: "the service is not running; retry later", retryAfter: 5 * time.Second}
	case errors.Is(err, context.DeadlineExceeded):
		return &apiError{status: http.StatusServiceUnavailable, code: "timeout",
			message: "the request timed out; retry later", retryAfter: time.Second}
	default:
		return &apiError{status: http.StatusInternalServerError, code: "internal_error", message: "internal error"}
	}
}

func retryAfter(err error) time.Duration {
	var ra retryAfterer
	if errors.As(err, &ra) {
		return ra.RetryAfter()
	}
	return time.Second
}

// clean turns an error's text into what a REST client reads: without the
// Go package prefixes.
func clean(err error) string {
	s := err.Error()
	for _, p := range []string{"wauser: ", "rest: "} {
		s = strings.ReplaceAll(s, p, "")
	}
	return s
}

// writeError writes err in dialect d's error shape, with Retry-After and
// WWW-Authenticate where they apply. Server errors are logged with their
// cause.
func (h *handler) writeError(x *call, d dialect, err error) {
	e := classify(err)
	status := e.status
	if status == http.StatusForbidden && errors.Is(err, ErrForbidden) {
		// A refused key or scope; WhatsApp's own refusals stay 403.
		status = d.forbiddenStatus()
	}
	if status >= 500 && status != http.StatusNotImplemented && !errors.Is(err, errBusy) {
		h.log.Error("rest: request failed", "method", x.r.Method, "path", x.r.URL.Path, "status", status, "error", err)
	}
	hdr := x.w.Header()
	if e.retryAfter > 0 {
		hdr.Set("Retry-After", strconv.FormatInt(int64((e.retryAfter+time.Second-1)/time.Second), 10))
	}
	if status == http.StatusUnauthorized {
		if x.route != nil && x.route.auth == authAdmin {
			hdr.Set("WWW-Authenticate", `Basic realm="wauser admin", charset="UTF-8"`)
		} else {
			hdr.Set("WWW-Authenticate", `Bearer realm="wauser"`)
		}
	}
	h.writeJSON(x, status, d.fail(x, status, e))
}

// writeJSON writes v as the JSON body, with its length.
func (h *handler) writeJSON(x *call, status int, v any) {
	if raw, ok := v.(json.RawMessage); ok {
		// Already encoded (the feed's page cache, shared: not modified):
		// written as it is, with the newline every other answer ends with.
		h.writeBody(x, status, raw, newline)
		return
	}
	buf := h.buffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			h.buffers.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		h.log.Error("rest: encode response", "method", x.r.Method, "path", x.r.URL.Path, "error", err)
		status = http.StatusInternalServerError
		buf.Reset()
		_ = json.NewEncoder(buf).Encode(map[string]string{"error": "internal error"})
	}
	h.writeBody(x, status, buf.Bytes(), nil)
}

var newline = []byte("\n")

// writeBody writes a JSON answer: body, then tail.
func (h *handler) writeBody(x *call, status int, body, tail []byte) {
	hdr := x.w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Content-Length", strconv.Itoa(len(body)+len(tail)))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-store")
	x.w.WriteHeader(status)
	_, _ = x.w.Write(body)
	if len(tail) > 0 {
		_, _ = x.w.Write(tail)
	}
}

// maxPooledBuffer is the largest response buffer kept for reuse.
const maxPooledBuffer = 1 << 20
