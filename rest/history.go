package rest

import "net/http"

// historyDialect is document 001: {status, code, message, data} on success
// and {status, code, message, error} on failure, code repeating the HTTP
// status.
//
// Its route, POST /history/sync, lands with Client.RequestHistory (issue 4).
type historyDialect struct{}

func (historyDialect) name() string         { return "history" }
func (historyDialect) forbiddenStatus() int { return http.StatusForbidden }

func (historyDialect) ok(x *call, out any) any {
	if _, ok := out.(noData); ok {
		out = nil
	}
	return historyOK{Status: true, Code: x.route.status, Message: x.route.message, Data: out}
}

func (historyDialect) fail(_ *call, status int, e *apiError) any {
	return historyError{Status: false, Code: status, Message: http.StatusText(status), Error: e.message}
}

func (historyDialect) okSchema(_ *route, data *schema) *schema {
	return objectSchema(map[string]*schema{
		"status":  {Type: "boolean", Const: true},
		"code":    {Type: "integer"},
		"message": {Type: "string"},
		"data":    data,
	})
}

func (historyDialect) failSchema(g *docGen) *schema {
	return g.named("HistoryError", func() *schema {
		return objectSchema(map[string]*schema{
			"status":  {Type: "boolean", Const: false},
			"code":    {Type: "integer"},
			"message": {Type: "string"},
			"error":   {Type: "string"},
		})
	})
}

// historyOK is document 001's success envelope.
type historyOK struct {
	Status  bool   `json:"status"`
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data"`
}

// historyError is document 001's error envelope.
type historyError struct {
	Status  bool   `json:"status"`
	Code    int    `json:"code"`
	Message string `json:"message"`
	Error   string `json:"error"`
}
