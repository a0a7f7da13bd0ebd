package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wauser/wauser"
)

// syncDialect is the WhatsApp Use sync API: bare JSON
// bodies, errors as {"error": "..."}, and 401 for a missing scope ("Invalid
// API key or missing scope").
type syncDialect struct{}

func (syncDialect) name() string         { return "sync" }
func (syncDialect) forbiddenStatus() int { return http.StatusUnauthorized }
func (syncDialect) ok(_ *call, out any) any {
	return out
}

func (syncDialect) fail(_ *call, _ int, e *apiError) any {
	return syncError{Error: e.message}
}

func (syncDialect) okSchema(_ *route, data *schema) *schema { return data }
func (syncDialect) failSchema(g *docGen) *schema            { return g.ref(typeOf[syncError]()) }

// syncError is the sync dialect's error body.
type syncError struct {
	Error string `json:"error"`
}

// whatsAppStatus is the spec's WhatsAppStatus.
type whatsAppStatus struct {
	ConnectionID    wauser.AccountID    `json:"connection_id"`
	State           wauser.AccountState `json:"state"`
	Paired          bool                `json:"paired"`
	Connected       bool                `json:"connected"`
	JID             string              `json:"jid,omitempty"`
	LastConnectedAt string              `json:"last_connected_at,omitempty"`
	// ConnectorReady: wauser keeps this account's connection (pairing,
	// connecting, connected or reconnecting); false in the end states
	// (logged_out, stream_replaced, banned, outdated) and before pairing.
	ConnectorReady bool   `json:"connector_ready"`
	ConnectorError string `json:"connector_error,omitempty"`
}

func syncStatus() operation {
	return do(func(x *call) (*whatsAppStatus, error) {
		st, err := x.c.Status(x.ctx)
		if err != nil {
			return nil, err
		}
		out := &whatsAppStatus{
			ConnectionID:   st.Account,
			State:          st.State,
			Paired:         st.Paired,
			Connected:      st.Connected,
			ConnectorError: st.LastError,
		}
		switch st.State {
		case wauser.StatePairing, wauser.StateConnecting, wauser.StateConnected, wauser.StateReconnecting:
			out.ConnectorReady = true
		}
		if !st.JID.IsEmpty() {
			out.JID = st.JID.String()
		}
		if !st.LastConnectedAt.IsZero() {
			out.LastConnectedAt = st.LastConnectedAt.UTC().Format(time.RFC3339)
		}
		return out, nil
	})
}

// pairRequest is the body of POST /v1/whatsapp/pair.
type pairRequest struct {
	// PhoneNumber, in international format, pairs by a link code typed on
	// the phone instead of a QR code.
	PhoneNumber string `json:"phone_number,omitempty"`
}

func syncPair() operation {
	return doOptionalBody(func(x *call, in *pairRequest) (*wauser.Pairing, error) {
		if in.PhoneNumber != "" {
			return x.c.PairPhone(x.ctx, in.PhoneNumber)
		}
		return x.c.PairQR(x.ctx)
	})
}

func syncPairStatus() operation {
	return do(func(x *call) (*wauser.Pairing, error) {
		st, err := x.c.Status(x.ctx)
		if err != nil {
			return nil, err
		}
		switch {
		case st.Pairing != nil:
			return st.Pairing, nil
		case st.Paired:
			return &wauser.Pairing{Status: wauser.PairingPaired, JID: st.JID}, nil
		default:
			return nil, &apiError{status: http.StatusNotFound, code: "not_found",
				message: "no pairing under way; start one with POST /v1/whatsapp/pair"}
		}
	})
}

// commandAccepted is the spec's CommandAccepted answer of 202 writes: the
// command has run when it is sent, and its record (CommandRecord) says how
// it ended.
type commandAccepted struct {
	CommandID wauser.CommandID `json:"command_id"`
	Kind      string           `json:"kind"`
	Command   *wauser.Command  `json:"command"`
}

// accepted records a command that ran and returns its 202 answer.
func (x *call) accepted(c *wauser.Client, kind string, payload, result any) (*commandAccepted, error) {
	p, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("rest: encode the command payload: %w", err)
	}
	r, err := json.Marshal(result)
	if err != nil {
		return nil, fmt.Errorf("rest: encode the command result: %w", err)
	}
	cmd, err := c.RecordCommand(x.ctx, wauser.RecordCommandRequest{Kind: kind, Payload: p, Result: r, StartedAt: x.now})
	if err != nil {
		return nil, err
	}
	return &commandAccepted{CommandID: cmd.ID, Kind: cmd.Kind, Command: cmd}, nil
}

// syncUnlink unlinks the phone (Client.Unlink): the device is logged out
// and deleted, the connection (account) stays with its data, webhooks and
// keys, ready for POST /v1/whatsapp/pair. The command runs before the
// answer, which reports it completed.
func syncUnlink() operation {
	return do(func(x *call) (*commandAccepted, error) {
		acc, err := x.c.GetAccount(x.ctx)
		if err != nil {
			return nil, err
		}
		if err := x.c.WithAccount(acc.ID).Unlink(x.ctx); err != nil {
			return nil, err
		}
		return x.accepted(x.c.WithAccount(acc.ID), "unlink", map[string]any{"connection_id": acc.ID}, map[string]any{"state": wauser.StateLoggedOut})
	})
}

func syncGetCommand() operation {
	return do(func(x *call) (*wauser.Command, error) {
		return x.c.GetCommand(x.ctx, wauser.CommandID(x.r.PathValue("command_id")))
	})
}

// syncChanges is the WhatsApp Use sync API's GET /v1/whatsapp/sync. The page comes
// already encoded from the Client's page cache (SyncPageJSON); the route is
// documented as a SyncPage.
func syncChanges() operation {
	op := do(func(x *call) (*wauser.SyncPage, error) { return nil, nil })
	op.fn = func(x *call) (any, error) {
		q := x.r.URL.Query()
		cursor, err := queryInt(q, "cursor", 0, 0)
		if err != nil {
			return nil, err
		}
		limit, err := queryInt(q, "limit", wauser.DefaultSyncLimit, 1)
		if err != nil {
			return nil, err
		}
		b, err := x.c.SyncPageJSON(x.ctx, wauser.Cursor(cursor), int(min(limit, wauser.MaxSyncLimit)))
		if err != nil {
			return nil, err
		}
		return json.RawMessage(b), nil
	}
	return op
}

// queryInt reads an optional integer query parameter of at least least;
// absent means def. Values too large for an int64 are the largest int64:
// the callers clamp them.
func queryInt(q url.Values, name string, def, least int64) (int64, error) {
	v := q.Get(name)
	if v == "" {
		if _, set := q[name]; !set {
			return def, nil
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(v, "-") {
		n, err = math.MaxInt64, nil
	}
	switch {
	case err != nil:
		return 0, badRequest("invalid_argument", "query parameter %s: %q is not an integer", name, v)
	case n < least:
		return 0, badRequest("invalid_argument", "query parameter %s: must be at least %d, got %d", name, least, n)
	}
	return n, nil
}

// listLimit reads the limit query parameter of a list: at least 1,
// clamped to wauser.MaxListLimit, def when absent.
func listLimit(q url.Values, def int) (int, error) {
	n, err := queryInt(q, "limit", int64(def), 1)
	if err != nil {
		return 0, err
	}
	return int(min(n, wauser.MaxListLimit)), nil
}

// conversationItems answers GET /v1/whatsapp/conversations.
type conversationItems struct {
	Items []wauser.Conversation `json:"items"`
	// NextCursor continues the list (?cursor=); absent on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// syncConversations lists conversations, the most recently active first.
// The specification has no paging: without limit a page holds up to
// wauser.MaxListLimit conversations, and next_cursor continues.
func syncConversations() operation {
	return do(func(x *call) (*conversationItems, error) {
		q := x.r.URL.Query()
		limit, err := listLimit(q, wauser.MaxListLimit)
		if err != nil {
			return nil, err
		}
		opts := wauser.ListConversationsOptions{Kind: wauser.ConversationKind(q.Get("kind")), Cursor: q.Get("cursor"), Limit: limit}
		if q.Has("archived") {
			archived, err := queryBool(x.r, "archived")
			if err != nil {
				return nil, err
			}
			opts.Archived = &archived
		}
		list, err := x.c.ListConversations(x.ctx, opts)
		if err != nil {
			return nil, err
		}
		return &conversationItems{Items: list.Conversations, NextCursor: list.NextCursor}, nil
	})
}

// contactItems answers GET /v1/whatsapp/contacts.
type contactItems struct {
	Items []wauser.Contact `json:"items"`
	// NextCursor continues the list (?cursor=); absent on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

func syncContacts() operation {
	return do(func(x *call) (*contactItems, error) {
		q := x.r.URL.Query()
		limit, err := listLimit(q, wauser.MaxListLimit)
		if err != nil {
			return nil, err
		}
		list, err := x.c.ListContacts(x.ctx, wauser.ListContactsOptions{Cursor: q.Get("cursor"), Limit: limit})
		if err != nil {
			return nil, err
		}
		return &contactItems{Items: list.Contacts, NextCursor: list.NextCursor}, nil
	})
}

// messagePage is the spec's MessagePage: messages newest first, the
// contacts who sent them, and whether older ones exist.
type messagePage struct {
	Messages []wauser.Message `json:"messages"`
	Contacts []wauser.Contact `json:"contacts"`
	HasMore  bool             `json:"has_more"`
}

// syncConversationMessages pages a conversation's messages newest first;
// before_message_id (the last message of the previous page) continues.
func syncConversationMessages() operation {
	return do(func(x *call) (*messagePage, error) {
		q := x.r.URL.Query()
		limit, err := listLimit(q, wauser.DefaultListLimit)
		if err != nil {
			return nil, err
		}
		list, err := x.c.ListMessages(x.ctx, wauser.ListMessagesOptions{
			ConversationID:  wauser.ConversationID(x.r.PathValue("conversation_id")),
			BeforeMessageID: wauser.MessageID(q.Get("before_message_id")),
			Limit:           limit,
		})
		if err != nil {
			return nil, err
		}
		out := &messagePage{Messages: list.Messages, Contacts: []wauser.Contact{}, HasMore: list.NextCursor != ""}
		seen := map[string]bool{}
		for _, m := range list.Messages {
			if m.IsFromMe || m.SenderJID == "" || seen[m.SenderJID] {
				continue
			}
			seen[m.SenderJID] = true
			ct, err := x.c.GetContact(x.ctx, m.SenderJID)
			switch {
			case errors.Is(err, wauser.ErrNotFound), errors.Is(err, wauser.ErrInvalidArgument):
				continue // not a person the account knows
			case err != nil:
				return nil, err
			}
			if !slices.ContainsFunc(out.Contacts, func(c wauser.Contact) bool { return c.PersonID == ct.PersonID }) {
				out.Contacts = append(out.Contacts, *ct)
			}
		}
		return out, nil
	})
}

// groupItems answers GET /v1/whatsapp/groups.
type groupItems struct {
	Items []*wauser.Group `json:"items"`
}

func syncGroups() operation {
	return do(func(x *call) (*groupItems, error) {
		groups, err := x.c.ListGroups(x.ctx)
		if err != nil {
			return nil, err
		}
		return &groupItems{Items: groups}, nil
	})
}

// createGroupRequest is the spec's CreateGroupRequest.
type createGroupRequest struct {
	Name string `json:"name"`
	// Participants are phone numbers (international format) or JIDs.
	Participants []string `json:"participants"`
	Announce     bool     `json:"announce,omitempty"`
	Locked       bool     `json:"locked,omitempty"`
}

func syncCreateGroup() operation {
	return doBody(func(x *call, in *createGroupRequest) (*commandAccepted, error) {
		if in.Participants == nil {
			return nil, badRequest("invalid_argument", "participants is required (the people to add; [] for none)")
		}
		g, err := x.c.CreateGroup(x.ctx, wauser.CreateGroupRequest{Name: in.Name, Members: in.Participants, Announce: in.Announce, Locked: in.Locked})
		if err != nil {
			return nil, err
		}
		return x.accepted(x.c, "create_group", in, map[string]any{"group_jid": g.ID, "group": g})
	})
}

// participantsRequest is the spec's UpdateGroupParticipantsRequest.
type participantsRequest struct {
	Participants []string          `json:"participants"`
	Action       participantAction `json:"action"`
	// ChatJID repeats the group of the path, if given.
	ChatJID string `json:"chat_jid,omitempty"`
}

// participantAction is what to do to participants.
type participantAction string

var participantActions = []participantAction{"add", "remove", "promote", "demote"}

func syncGroupParticipants() operation {
	return doBody(func(x *call, in *participantsRequest) (*commandAccepted, error) {
		group := x.r.PathValue("group_jid")
		if in.ChatJID != "" && in.ChatJID != group {
			return nil, badRequest("invalid_argument", "chat_jid %q is not the group of the path, %q", in.ChatJID, group)
		}
		var change func(context.Context, string, []string) ([]wauser.GroupParticipant, error)
		switch in.Action {
		case "add":
			change = x.c.AddGroupMembers
		case "remove":
			change = x.c.RemoveGroupMembers
		case "promote":
			change = x.c.PromoteGroupAdmins
		case "demote":
			change = x.c.DemoteGroupAdmins
		default:
			return nil, badRequest("invalid_argument", "action %q is not one of %v", in.Action, participantActions)
		}
		got, err := change(x.ctx, group, in.Participants)
		if err != nil {
			return nil, err
		}
		payload := map[string]any{"group_jid": group, "action": in.Action, "participants": in.Participants}
		return x.accepted(x.c, "update_group_participants", payload, map[string]any{"participants": got})
	})
}

// me is the answer of GET /v1/me.
type me struct {
	APIKey *wauser.APIKey `json:"api_key"`
	// ConnectionIDs are the accounts the key reaches now.
	ConnectionIDs []wauser.AccountID `json:"connection_ids"`
	// Endpoints maps operation ids to the paths of this handler (relative
	// to where it is mounted).
	Endpoints map[string]string `json:"endpoints"`
}

func syncMe(h *handler) operation {
	return do(func(x *call) (*me, error) {
		out := &me{APIKey: x.key, ConnectionIDs: []wauser.AccountID{}, Endpoints: map[string]string{}}
		accounts, err := h.c.ListAccounts(x.ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range accounts {
			if x.key.CanAccess(a.ID) {
				out.ConnectionIDs = append(out.ConnectionIDs, a.ID)
			}
		}
		for _, rt := range h.routes {
			if _, ok := rt.dialect.(syncDialect); ok {
				out.Endpoints[rt.id] = rt.method + " " + rt.path
			}
		}
		return out, nil
	})
}
