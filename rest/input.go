package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Input at the boundary: every request's path parameters, query
// parameters and connection header are checked before they reach the
// Client (checkInputs), and every JSON body is decoded by decode.

// checkInputs refuses path parameters, query parameters (names and
// values) and the X-WhatsApp-Use-Connection-Id header that hold control
// characters (NUL included) or are not UTF-8: no id or parameter of any
// dialect has them, and the stores cannot all keep them. The answer is
// 400 in the route's dialect.
func checkInputs(x *call) error {
	for _, name := range x.route.pathParams() {
		if !cleanText(x.r.PathValue(name)) {
			return badRequest("invalid_argument", "path parameter %s holds a control character or is not UTF-8", name)
		}
	}
	for name, values := range x.r.URL.Query() {
		if !cleanText(name) {
			return badRequest("invalid_argument", "a query parameter name holds a control character or is not UTF-8")
		}
		for _, v := range values {
			if !cleanText(v) {
				return badRequest("invalid_argument", "query parameter %s holds a control character or is not UTF-8", name)
			}
		}
	}
	if !cleanText(x.r.Header.Get(HeaderConnectionID)) {
		return badRequest("invalid_argument", "%s holds a control character or is not UTF-8", HeaderConnectionID)
	}
	return nil
}

// cleanText reports whether s is UTF-8 without control characters (C0,
// DEL and C1).
func cleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, unicode.IsControl)
}

// decode reads the request body into v: JSON only, exactly one value.
// Fields v does not know are ignored (and logged at debug level), as every
// dialect promises; the fields it knows are decoded strictly (a wrong type
// is an error), and strings holding NUL characters are refused, since no
// store keeps them. An empty body is an error unless optional. The body
// is already limited by http.MaxBytesReader.
func (x *call) decode(v any, optional bool) error {
	body, err := io.ReadAll(x.r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("invalid_body", "reading the request body failed")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return badRequest("invalid_body", "a JSON body is required")
	}
	if ct := x.r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &apiError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type",
				message: "send the body as application/json"}
		}
	}
	return x.decodeJSON(body, v)
}

// decodeJSON is decode of a body already read.
func (x *call) decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return badRequest("invalid_body", "invalid JSON body: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("invalid_body", "the body must hold exactly one JSON value")
	}
	if hasNUL(reflect.ValueOf(v)) {
		return badRequest("invalid_body", "a string of the body holds a NUL character")
	}
	if x.log != nil && x.log.Enabled(x.ctx, slog.LevelDebug) {
		x.logUnknownFields(body, reflect.TypeOf(v))
	}
	return nil
}

// logUnknownFields logs, at debug level, the first field of body that a
// value of type t does not know.
func (x *call) logUnknownFields(body []byte, t reflect.Type) {
	if t == nil || t.Kind() != reflect.Pointer {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(reflect.New(t.Elem()).Interface())
	if err == nil {
		return
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		x.log.DebugContext(x.ctx, "rest: ignored an unknown request field", "method", x.r.Method, "path", x.route.path, "field", field)
	}
}

// hasNUL reports whether a string reachable from v holds a NUL character.
func hasNUL(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return strings.IndexByte(v.String(), 0) >= 0
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && hasNUL(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && hasNUL(v.Field(i)) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return false // bytes (a file in base64)
		}
		for i := range v.Len() {
			if hasNUL(v.Index(i)) {
				return true
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if hasNUL(iter.Key()) || hasNUL(iter.Value()) {
				return true
			}
		}
	}
	return false
}
