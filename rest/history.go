package rest

import (
	"net/http"

	"github.com/wauser/wauser"
)

// historyDialect is the multi-session history route: {status, code, message, data} on success
// and {status, code, message, error} on failure, code repeating the HTTP
// status. Its route is POST /history/sync (Client.RequestHistory).
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

// historyOK is the multi-session history route's success envelope.
type historyOK struct {
	Status  bool   `json:"status"`
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data"`
}

// historyError is the multi-session history route's error envelope.
type historyError struct {
	Status  bool   `json:"status"`
	Code    int    `json:"code"`
	Message string `json:"message"`
	Error   string `json:"error"`
}

// historySyncRequest is the multi-session history route's body of POST /history/sync.
type historySyncRequest struct {
	// Count is how many older messages to ask for, per chat: 1 to 100,
	// default 25. The phone is asked for at most 50 per chat and request
	// (wauser.HistoryBatch), as official clients ask: a larger count is
	// clamped, and the answer's count says what was asked.
	Count *int `json:"count,omitempty"`
	// Chat, beyond the multi-session history route, asks for one chat's history (a phone
	// number or JID); without it, the 50 most recently active chats'.
	Chat string `json:"chat,omitempty"`
}

// historySync is the multi-session history route's data of a history request.
type historySync struct {
	Requested bool   `json:"requested"`
	Count     int    `json:"count"`
	Note      string `json:"note"`
	// Chats, beyond the multi-session history route, are the chats asked, each before its
	// oldest stored message.
	Chats []wauser.HistoryAnchor `json:"chats"`
}

// historyNote is the multi-session history route's note.
const historyNote = "History will be delivered via history.sync_complete webhook event"

// historyRequestSync asks the phone for older messages (Client.RequestHistory).
// No body, or no count, asks for wauser.DefaultHistoryCount.
func historyRequestSync() operation {
	return doOptionalBody(func(x *call, in *historySyncRequest) (*historySync, error) {
		count := wauser.DefaultHistoryCount
		if in.Count != nil {
			count = *in.Count
		}
		if count < 1 || count > wauser.MaxHistoryCount {
			return nil, badRequest("invalid_argument", "count must be between 1 and %d, got %d", wauser.MaxHistoryCount, count)
		}
		req, err := x.c.RequestHistory(x.ctx, count, in.Chat)
		if err != nil {
			return nil, err
		}
		return &historySync{Requested: true, Count: req.Count, Note: historyNote, Chats: req.Chats}, nil
	})
}
