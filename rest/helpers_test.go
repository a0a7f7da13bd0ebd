package rest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/rest"
	"github.com/wauser/wauser/watest"
)

var epoch = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

const (
	adminUser     = "admin"
	adminPassword = "correct-horse-battery-staple-0123456789"
)

// whatsappUseSpec is the WhatsApp Use API the sync dialect reproduces: an
// unchanged copy of the project's reference/whatsapp-use.openapi.yaml, so
// that the tests run in any checkout.
const whatsappUseSpec = "testdata/whatsapp-use.openapi.yaml"

// env is a started Client on a real database behind the handler, served
// by a real httptest server, talking to a watest.Fake on a manual clock.
type env struct {
	t     testing.TB
	c     *wauser.Client
	fake  *watest.Fake
	clock *watest.Clock
	h     http.Handler
	srv   *httptest.Server
	ours  *validator // our /openapi.json
	spec  *validator // whatsapp-use.openapi.yaml
	ms    *validator // the multi-session server's specification
}

// newEnv starts the env. The Client may deliver webhooks to private
// addresses (the tests' receivers are on loopback), and does not pace
// sends (its clock stands still); clientOpts add to its options.
func newEnv(t testing.TB, db *testdb.DB, opts rest.Options, clientOpts ...wauser.Option) *env {
	t.Helper()
	return newEnvGuarded(t, db, opts, append([]wauser.Option{wauser.WithPrivateWebhookTargets()}, clientOpts...)...)
}

// newEnvGuarded is newEnv without WithPrivateWebhookTargets: webhooks may
// not target private addresses (nor media URLs, unless clientOpts say).
func newEnvGuarded(t testing.TB, db *testdb.DB, opts rest.Options, clientOpts ...wauser.Option) *env {
	t.Helper()
	e := &env{t: t, fake: watest.New(), clock: watest.NewClock(epoch)}
	all := append([]wauser.Option{e.fake.Option(), wauser.WithClock(e.clock), wauser.WithSendPacing(wauser.Pacing{})}, clientOpts...)
	c, err := wauser.New(db.Open(t), all...)
	require.NoError(t, err)
	require.NoError(t, c.Start(t.Context()))
	e.c = c
	if opts.Clock == nil {
		opts.Clock = e.clock
	}
	if opts.AdminUser == "" {
		opts.AdminUser, opts.AdminPasswordHash = adminUser, rest.HashAdminPassword(adminPassword)
	}
	e.h = rest.NewHandler(c, opts)
	e.srv = httptest.NewServer(e.h)
	t.Cleanup(func() {
		e.srv.Close()
		_ = c.Close()
		e.fake.Close()
	})
	resp := e.do("GET", "/openapi.json", nil, nil)
	require.Equal(t, http.StatusOK, resp.status, "%s", resp.body)
	e.ours = newValidator(t, resp.body)
	spec, err := os.ReadFile(whatsappUseSpec)
	require.NoError(t, err)
	e.spec = newValidator(t, spec)
	ms, err := multiSessionSpec()
	require.NoError(t, err)
	// The specification's own examples do not all match its schemas (a
	// null picture_url for a string): they are not checked.
	e.ms = newValidator(t, ms, openapi3.DisableExamplesValidation())
	return e
}

var phone = watest.Phone{
	JID:      types.NewJID("15551234567", types.DefaultUserServer),
	LID:      types.NewJID("123456789012345", types.HiddenUserServer),
	PushName: "Sales",
}

// createAccount creates an unpaired account.
func (e *env) createAccount(id wauser.AccountID) {
	e.t.Helper()
	_, err := e.c.CreateAccount(e.ctx(), wauser.CreateAccountRequest{ID: id})
	require.NoError(e.t, err)
}

// pair creates account id and pairs it through the fake with p.
func (e *env) pair(id wauser.AccountID, p watest.Phone) *watest.Conn {
	e.t.Helper()
	ctx := e.ctx()
	e.createAccount(id)
	bot := e.c.WithAccount(id)
	_, err := bot.PairQR(ctx)
	require.NoError(e.t, err)
	conn, err := e.fake.WaitConn(ctx, string(id))
	require.NoError(e.t, err)
	require.NoError(e.t, conn.Scan(p))
	_, err = bot.WaitStatus(ctx, func(s *wauser.Status) bool { return s.State == wauser.StateConnected })
	require.NoError(e.t, err)
	return conn
}

// waitHistory waits until account id stored every history blob WhatsApp
// announced: history arrives as a blob the Client downloads and stores in
// the background.
func (e *env) waitHistory(id wauser.AccountID) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), 2*time.Minute)
	defer cancel()
	st, err := e.c.WithAccount(id).WaitStatus(ctx, func(s *wauser.Status) bool { return s.HistoryPending == 0 })
	require.NoError(e.t, err, "history still pending: %+v", st)
}

// key creates an API key and returns its secret.
func (e *env) key(scopes []wauser.Scope, accounts ...wauser.AccountID) string {
	e.t.Helper()
	req := wauser.CreateAPIKeyRequest{Name: "test", Scopes: scopes, Accounts: accounts, AllAccounts: len(accounts) == 0}
	k, err := e.c.CreateAPIKey(e.ctx(), req)
	require.NoError(e.t, err)
	return k.Key
}

// testWait bounds a test's waits for a condition: long enough for a
// 2-core machine under load (scripts/test.sh's package timeout catches
// hangs).
const testWait = 30 * time.Second

func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(e.t.Context(), testWait)
	e.t.Cleanup(cancel)
	return ctx
}

// response is an answer read in full.
type response struct {
	status int
	header http.Header
	body   []byte
	req    *http.Request
}

// json decodes the body into a generic value.
func (r *response) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal(r.body, &v), "body: %s", r.body)
	return v
}

// do sends a request to the server; headers is pairs of name, value.
func (e *env) do(method, path string, body any, headers map[string]string) *response {
	e.t.Helper()
	var rd io.Reader
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		raw, err = json.Marshal(b)
		require.NoError(e.t, err)
	}
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(e.ctx(), method, e.srv.URL+path, rd)
	require.NoError(e.t, err)
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := e.srv.Client().Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	// The request as the validators see it, with its body again.
	vreq, err := http.NewRequestWithContext(e.ctx(), method, validatedServer+path, bytes.NewReader(raw))
	require.NoError(e.t, err)
	vreq.Header = req.Header.Clone()
	return &response{status: resp.StatusCode, header: resp.Header, body: got, req: vreq}
}

// bearer is an Authorization header with key.
func bearer(key string) map[string]string { return map[string]string{"Authorization": "Bearer " + key} }

// with adds header name: value to h (a copy).
func with(h map[string]string, name, value string) map[string]string {
	out := map[string]string{name: value}
	for k, v := range h {
		out[k] = v
	}
	return out
}

// requireRateHeaders asserts the X-RateLimit headers are present.
func requireRateHeaders(t *testing.T, r *response) {
	t.Helper()
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		require.NotEmpty(t, r.header.Get(h), "%s missing on %s %s (%d)", h, r.req.Method, r.req.URL.Path, r.status)
	}
}

// validator checks requests and responses against an OpenAPI document with
// kin-openapi.
type validator struct {
	doc    *openapi3.T
	router routers.Router
}

// validatedServer is the server URL of every validator; requests are
// checked as if sent to it.
const validatedServer = "http://wauser.test"

// validators holds one validator per OpenAPI document (by SHA-256), built
// once per test binary: loading and checking a document takes about half a
// second under the race detector, and nearly every env serves the same one.
// A validator is only read once built.
var validators sync.Map // [sha256.Size]byte -> func() (*validator, error)

func newValidator(t testing.TB, data []byte, opts ...openapi3.ValidationOption) *validator {
	t.Helper()
	build, _ := validators.LoadOrStore(sha256.Sum256(data), sync.OnceValues(func() (*validator, error) {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(data)
		if err != nil {
			return nil, err
		}
		if err := doc.Validate(loader.Context, opts...); err != nil {
			return nil, fmt.Errorf("the OpenAPI document is invalid: %w", err)
		}
		doc.Servers = openapi3.Servers{{URL: validatedServer}}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			return nil, err
		}
		return &validator{doc: doc, router: router}, nil
	}))
	v, err := build.(func() (*validator, error))()
	require.NoError(t, err)
	return v
}

// has reports whether the document describes the request's operation.
func (v *validator) has(req *http.Request) bool {
	_, _, err := v.router.FindRoute(req)
	return err == nil
}

// check validates the response (and, with strict, the request and the
// status being documented).
func (v *validator) check(t testing.TB, r *response, strict bool) {
	t.Helper()
	route, params, err := v.router.FindRoute(r.req)
	require.NoError(t, err, "%s %s is described", r.req.Method, r.req.URL.Path)
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: strict, MultiError: true}
	if mt, _, _ := mime.ParseMediaType(r.req.Header.Get("Content-Type")); mt != "" && mt != "application/json" && mt != "multipart/form-data" {
		opts.ExcludeRequestBody = true // a file (POST /v1/media): kin-openapi decodes only known types
	}
	if r.req.ContentLength == 0 {
		// No body where one is optional here but required by a specification
		// (POST /history/sync without a body counts 25).
		opts.ExcludeRequestBody = true
	}
	in := &openapi3filter.RequestValidationInput{Request: r.req, PathParams: params, Route: route, Options: opts}
	if strict && r.status < 400 {
		require.NoError(t, openapi3filter.ValidateRequest(t.Context(), in), "request %s %s", r.req.Method, r.req.URL)
	}
	err = openapi3filter.ValidateResponse(t.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 r.status,
		Header:                 r.header,
		Body:                   io.NopCloser(bytes.NewReader(r.body)),
		Options:                opts,
	})
	require.NoError(t, err, "response %d of %s %s: %s", r.status, r.req.Method, r.req.URL.Path, r.body)
}

// checked validates r against our document and, for the whatsapp-use
// routes, against that specification, and returns it.
func (e *env) checked(r *response) *response {
	e.t.Helper()
	e.ours.check(e.t, r, true)
	if e.spec.has(r.req) && !strings.HasPrefix(r.req.URL.Path, "/openapi") {
		e.spec.check(e.t, r, false)
	}
	if p := r.req.URL.Path; e.ms.has(r.req) && !strings.HasPrefix(p, "/v1/") && !strings.HasPrefix(p, "/api/") && !strings.HasPrefix(p, "/openapi") {
		e.ms.check(e.t, r, r.status < 300)
	}
	return r
}

// syncWriter serialises writes to w, for loggers shared with handlers.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
