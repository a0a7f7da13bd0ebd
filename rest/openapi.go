package rest

import (
	"encoding"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/wauser/wauser"
)

// dialect is the wire format of one document: its envelopes, its error
// shape, and their JSON Schemas for the OpenAPI document.
type dialect interface {
	name() string
	// ok is the body of a successful answer carrying out.
	ok(x *call, out any) any
	// fail is the body of an error answer.
	fail(x *call, status int, e *apiError) any
	okSchema(rt *route, data *schema) *schema
	failSchema(g *docGen) *schema
	// forbiddenStatus is the status of a refused scope or account.
	forbiddenStatus() int
}

// schema is a JSON Schema (2020-12, as OpenAPI 3.1 uses it).
type schema struct {
	Ref                  string             `json:"$ref,omitempty"`
	Type                 string             `json:"type,omitempty"`
	Format               string             `json:"format,omitempty"`
	Description          string             `json:"description,omitempty"`
	Enum                 []string           `json:"enum,omitempty"`
	Const                any                `json:"const,omitempty"`
	Properties           map[string]*schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	Items                *schema            `json:"items,omitempty"`
	AdditionalProperties *schema            `json:"additionalProperties,omitempty"`
	OneOf                []*schema          `json:"oneOf,omitempty"`
}

// schemer is implemented by types whose JSON is not their Go shape (such
// as a field taking a string or an object): they describe themselves.
type schemer interface {
	jsonSchema(g *docGen) *schema
}

// objectSchema is an object whose properties are all required.
func objectSchema(props map[string]*schema) *schema {
	s := &schema{Type: "object", Properties: props}
	for name := range props {
		s.Required = append(s.Required, name)
	}
	slices.Sort(s.Required)
	return s
}

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

// docGen turns Go types into JSON Schemas, collecting named structs as
// components.
type docGen struct {
	schemas map[string]*schema
	names   map[docType]string
	enums   map[reflect.Type][]string
	// input is set while describing a request body: encoding/json requires
	// no field there, so no property is required.
	input bool
}

// docType is a Go type as a request body (input) or as an answer.
type docType struct {
	t     reflect.Type
	input bool
}

func newDocGen() *docGen {
	states := []wauser.AccountState{
		wauser.StateUnpaired, wauser.StatePairing, wauser.StateConnecting, wauser.StateConnected,
		wauser.StateReconnecting, wauser.StateLoggedOut, wauser.StateStreamReplaced, wauser.StateBanned, wauser.StateOutdated, wauser.StateFailed,
	}
	pairings := []wauser.PairingStatus{
		wauser.PairingRequested, wauser.PairingQR, wauser.PairingCode, wauser.PairingPaired, wauser.PairingFailed,
	}
	return &docGen{
		schemas: map[string]*schema{},
		names:   map[docType]string{},
		enums: map[reflect.Type][]string{
			typeOf[wauser.AccountState]():  strs(states),
			typeOf[wauser.PairingStatus](): strs(pairings),
			typeOf[wauser.Scope]():         strs(wauser.AllScopes()),
			typeOf[participantAction]():    strs(participantActions),
			typeOf[wauser.GroupRole]():     strs([]wauser.GroupRole{wauser.RoleMember, wauser.RoleAdmin, wauser.RoleSuperAdmin}),
			typeOf[wauser.CommandStatus](): strs([]wauser.CommandStatus{wauser.CommandCompleted, wauser.CommandFailed}),
			typeOf[wauser.MediaType](): strs([]wauser.MediaType{
				wauser.MediaImage, wauser.MediaVideo, wauser.MediaAudio, wauser.MediaDocument, wauser.MediaSticker,
			}),
			typeOf[wauser.DeliveryState](): strs([]wauser.DeliveryState{
				wauser.DeliveryQueued, wauser.DeliveryPending, wauser.DeliveryDelivered, wauser.DeliveryFailed, wauser.DeliveryDead,
			}),
			typeOf[wauser.ConversationKind](): strs([]wauser.ConversationKind{
				wauser.KindDirect, wauser.KindGroup, wauser.KindNewsletter, wauser.KindBroadcast, wauser.KindStatus,
			}),
			typeOf[wauser.RecipientType](): strs([]wauser.RecipientType{wauser.RecipientIndividual, wauser.RecipientGroup}),
			typeOf[wauser.ChatStatus](): strs([]wauser.ChatStatus{
				wauser.StatusRead, wauser.StatusPlayed, wauser.StatusTyping, wauser.StatusRecording, wauser.StatusPaused,
			}),
			typeOf[chatMessageType]():     strs(chatMessageTypes),
			typeOf[businessMessageType](): strs(businessMessageTypes),
		},
	}
}

func strs[S ~string](list []S) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = string(s)
	}
	return out
}

// named registers a component schema once and returns a reference to it.
func (g *docGen) named(name string, build func() *schema) *schema {
	if _, ok := g.schemas[name]; !ok {
		g.schemas[name] = nil // reserve: recursive types end here
		g.schemas[name] = build()
	}
	return &schema{Ref: "#/components/schemas/" + name}
}

// in returns the schema of t as a request body.
func (g *docGen) in(t reflect.Type) *schema {
	g.input = true
	defer func() { g.input = false }()
	return g.ref(t)
}

// ref returns the schema of t: a reference for named structs, inline
// otherwise.
func (g *docGen) ref(t reflect.Type) *schema {
	switch {
	case t == typeOf[noData]():
		return &schema{Type: "null"}
	case t == typeOf[time.Time]():
		return &schema{Type: "string", Format: "date-time"}
	case t == typeOf[json.RawMessage]():
		return &schema{}
	case t.Kind() != reflect.Pointer && t.Implements(typeOf[schemer]()):
		return reflect.Zero(t).Interface().(schemer).jsonSchema(g)
	case t.Implements(typeOf[encoding.TextMarshaler]()) || reflect.PointerTo(t).Implements(typeOf[encoding.TextMarshaler]()):
		return &schema{Type: "string"}
	case t.Implements(typeOf[json.Marshaler]()):
		return &schema{} // marshals itself: any JSON value
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.ref(t.Elem())
	case reflect.Interface:
		return &schema{}
	case reflect.Bool:
		return &schema{Type: "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return &schema{Type: "integer"}
	case reflect.Int64, reflect.Uint64:
		return &schema{Type: "integer", Format: "int64"}
	case reflect.Float32, reflect.Float64:
		return &schema{Type: "number"}
	case reflect.String:
		return &schema{Type: "string", Enum: g.enums[t]}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return &schema{Type: "string", Format: "byte"}
		}
		return &schema{Type: "array", Items: g.ref(t.Elem())}
	case reflect.Map:
		return &schema{Type: "object", AdditionalProperties: g.ref(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return g.structSchema(t)
		}
		return g.named(g.nameOf(t), func() *schema { return g.structSchema(t) })
	}
	return &schema{}
}

// nameOf names t's component: its Go name, capitalised, qualified by its
// package when another type took the name.
func (g *docGen) nameOf(t reflect.Type) string {
	key := docType{t, g.input}
	if n, ok := g.names[key]; ok {
		return n
	}
	name := capitalize(t.Name())
	taken := func(name string) bool {
		for other, n := range g.names {
			if n == name && other != key {
				return true
			}
		}
		return false
	}
	if taken(name) && g.input {
		name += "Input"
	}
	if taken(name) {
		pkg := t.PkgPath()
		name = capitalize(pkg[strings.LastIndex(pkg, "/")+1:]) + name
	}
	g.names[key] = name
	return name
}

func capitalize(s string) string {
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// structSchema follows encoding/json: exported fields by their json names,
// embedded structs flattened; fields without omitempty or omitzero are
// always present, so required.
func (g *docGen) structSchema(t reflect.Type) *schema {
	s := &schema{Type: "object", Properties: map[string]*schema{}}
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				inner := g.structSchema(ft)
				for k, v := range inner.Properties {
					s.Properties[k] = v
				}
				s.Required = append(s.Required, inner.Required...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s.Properties[name] = g.ref(f.Type)
		if !g.input && !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			s.Required = append(s.Required, name)
		}
	}
	slices.Sort(s.Required)
	return s
}

// openAPIDocument describes every route of the table (or, when only is
// not "", of that dialect): parameters, body, success answer and every
// error answer, in each route's dialect.
func (h *handler) openAPIDocument(only Dialect) []byte {
	g := newDocGen()
	paths := map[string]map[string]any{}
	for _, rt := range h.routes {
		if rt.page || (only != "" && dialectSwitch(rt.dialect) != only) {
			continue
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = h.operationDoc(g, rt)
	}
	headers := map[string]any{
		"Retry-After": map[string]any{"description": "Seconds to wait before retrying.", "schema": map[string]any{"type": "integer"}},
	}
	if h.opts.RequestsPerMinute > 0 {
		for name, desc := range map[string]string{
			"X-RateLimit-Limit": "The limit closest to running out: requests allowed per minute for this API key (or, unauthenticated, " +
				"this client IP), or per hour when the key's own hourly limit (rate_limit_per_hour) has fewer left.",
			"X-RateLimit-Remaining": "Requests left in that limit's current window.",
			"X-RateLimit-Reset":     "When that window ends, in Unix seconds.",
		} {
			headers[name] = map[string]any{"description": desc, "required": true, "schema": map[string]any{"type": "integer"}}
		}
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "wauser REST API",
			"version": "1",
			"description": "A linked WhatsApp device as a REST API, in five dialects: sync (the WhatsApp Use sync API), " +
				"history (the multi-session history route, POST /history/sync), multisession (the rest of the multi-session server's API), " +
				"chat (the WhatsSync Chat API) and business (the Business Server API). Each route's dialect is in its " +
				"tags and x-wauser-dialect; ?dialect=multisession has the history route too.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.schemas,
			"securitySchemes": map[string]any{
				"bearerAuth":        map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "API key"},
				"apiKeyHeader":      map[string]any{"type": "apiKey", "in": "header", "name": "X-Api-Key"},
				"bareAuthorization": map[string]any{"type": "apiKey", "in": "header", "name": "Authorization", "description": "The API key alone, without a scheme."},
				"adminBasic":        map[string]any{"type": "http", "scheme": "basic", "description": "The admin credentials of rest.Options."},
				"adminSecret":       map[string]any{"type": "apiKey", "in": "header", "name": "X-Admin-Secret", "description": "The admin password of rest.Options (the multi-session server's admin secret)."},
			},
			"parameters": map[string]any{
				"ConnectionIdHeader": map[string]any{
					"name": HeaderConnectionID, "in": "header", "required": false, "schema": map[string]any{"type": "string"},
					"description": "The account (connection) to act on. Required when the API key can access several.",
				},
			},
			"headers": headers,
		},
	}
	if only != "" {
		info := doc["info"].(map[string]any)
		info["title"] = "wauser REST API: the " + string(only) + " dialect"
		info["description"] = info["description"].(string) + " This document has the " + string(only) + " dialect's routes only; /openapi.json has them all."
	}
	b, err := json.Marshal(doc)
	if err != nil {
		h.log.Error("rest: encode the OpenAPI document", "error", err)
		return []byte(`{"openapi":"3.1.0","info":{"title":"wauser REST API","version":"1"},"paths":{}}`)
	}
	return b
}

func (h *handler) operationDoc(g *docGen, rt *route) map[string]any {
	op := map[string]any{
		"operationId":      rt.id,
		"summary":          rt.summary,
		"tags":             []string{rt.dialect.name()},
		"x-wauser-dialect": rt.dialect.name(),
	}
	params := []any{}
	for _, name := range rt.pathParams() {
		params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, q := range rt.query {
		typ := q.typ
		if typ == "" {
			typ = "string"
		}
		params = append(params, map[string]any{"name": q.name, "in": "query", "required": q.required,
			"description": q.description, "schema": map[string]any{"type": typ}})
	}
	if rt.account == accountFromKey || rt.header {
		params = append(params, map[string]any{"$ref": "#/components/parameters/ConnectionIdHeader"})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}

	switch rt.auth {
	case authNone:
		op["security"] = []any{}
	case authAdmin:
		op["security"] = []any{map[string]any{"adminBasic": []string{}}}
	case authAdminSecret:
		op["security"] = []any{map[string]any{"adminSecret": []string{}}}
	default:
		scopes := []string{}
		if rt.scope != "" {
			scopes = append(scopes, string(rt.scope))
			op["description"] = "Needs an API key with the " + string(rt.scope) + " scope (admin carries every scope)."
		}
		op["security"] = []any{
			map[string]any{"bearerAuth": scopes}, map[string]any{"apiKeyHeader": scopes}, map[string]any{"bareAuthorization": scopes},
		}
	}

	switch {
	case rt.op.inDoc != nil:
		op["requestBody"] = map[string]any{"required": !rt.op.inOptional, "content": rt.op.inDoc(g)}
	case rt.op.in != nil:
		op["requestBody"] = map[string]any{
			"required": !rt.op.inOptional,
			"content":  map[string]any{"application/json": map[string]any{"schema": g.in(rt.op.in)}},
		}
	}

	responses := map[string]any{}
	var content map[string]any
	if rt.op.outDoc != nil {
		content = rt.op.outDoc(g)
	} else {
		content = map[string]any{"application/json": map[string]any{"schema": rt.dialect.okSchema(rt, g.ref(rt.op.out))}}
	}
	if rt.refused == "" {
		responses[strconv.Itoa(rt.status)] = map[string]any{
			"description": http.StatusText(rt.status),
			"headers":     h.responseHeaders(rt.status),
			"content":     content,
		}
	} else {
		op["x-wauser-refused"] = rt.refused
	}
	for _, status := range h.errorStatuses(rt) {
		responses[strconv.Itoa(status)] = map[string]any{
			"description": http.StatusText(status),
			"headers":     h.responseHeaders(status),
			"content":     map[string]any{"application/json": map[string]any{"schema": rt.dialect.failSchema(g)}},
		}
	}
	op["responses"] = responses
	return op
}

// responseHeaders are the headers every answer of status carries.
func (h *handler) responseHeaders(status int) map[string]any {
	hdr := map[string]any{}
	if h.opts.RequestsPerMinute > 0 {
		for _, name := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
			hdr[name] = map[string]any{"$ref": "#/components/headers/" + name}
		}
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		hdr["Retry-After"] = map[string]any{"$ref": "#/components/headers/Retry-After"}
	}
	return hdr
}

// errorStatuses lists every error status rt can answer.
func (h *handler) errorStatuses(rt *route) []int {
	set := map[int]bool{http.StatusInternalServerError: true, http.StatusServiceUnavailable: true}
	if h.opts.RequestsPerMinute > 0 || rt.auth == authKey { // a key may have an hourly limit of its own
		set[http.StatusTooManyRequests] = true
	}
	if rt.auth != authNone {
		set[http.StatusUnauthorized] = true
	}
	if rt.auth == authKey || rt.auth == authAdmin || rt.auth == authAdminSecret { // admin: a cross-origin browser request
		set[rt.dialect.forbiddenStatus()] = true
	}
	if rt.account != accountNone {
		set[http.StatusBadRequest] = true
		set[http.StatusNotFound] = true
	}
	if len(rt.query) > 0 || rt.header {
		set[http.StatusBadRequest] = true
	}
	if len(rt.pathParams()) > 0 {
		set[http.StatusBadRequest] = true
		set[http.StatusNotFound] = true
	}
	if rt.op.in != nil || rt.op.inDoc != nil {
		set[http.StatusBadRequest] = true
		set[http.StatusRequestEntityTooLarge] = true
		set[http.StatusUnsupportedMediaType] = true
	}
	for _, s := range rt.errors {
		set[s] = true
	}
	var out []int
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func (h *handler) getOpenAPI() operation {
	return do(func(x *call) (json.RawMessage, error) {
		d := x.r.URL.Query().Get("dialect")
		if d == "" {
			return h.openapi, nil
		}
		doc, ok := h.dialectDocs[Dialect(d)]
		if !ok {
			return nil, badRequest("invalid_argument", "dialect %q is not one of the dialects on: %v", d, h.dialectsOn())
		}
		return doc(), nil
	})
}

// dialectsOn are the dialects Options.DialectsOff leaves on, in the order
// the API reference offers them.
func (h *handler) dialectsOn() []Dialect {
	var out []Dialect
	for _, d := range []Dialect{DialectSync, DialectBusiness, DialectChat, DialectMultiSession} {
		if !slices.Contains(h.opts.DialectsOff, d) {
			out = append(out, d)
		}
	}
	return out
}
