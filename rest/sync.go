package rest

import (
	"encoding/base32"
	"net/http"
	"strings"
	"time"

	"github.com/wauser/wauser"
)

// syncDialect is document 000 and whatsapp-use.openapi.yaml: bare JSON
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

func (syncDialect) okSchema(data *schema) *schema { return data }
func (syncDialect) failSchema(g *docGen) *schema  { return g.ref(typeOf[syncError]()) }

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

// commandAccepted is the spec's CommandAccepted answer of 202 writes.
type commandAccepted struct {
	CommandID string        `json:"command_id"`
	Kind      string        `json:"kind"`
	Command   commandRecord `json:"command"`
}

// commandRecord is the spec's CommandRecord.
type commandRecord struct {
	ID          string         `json:"id"`
	Kind        string         `json:"kind"`
	Payload     map[string]any `json:"payload"`
	Status      string         `json:"status"`
	Result      map[string]any `json:"result"`
	Error       string         `json:"error,omitempty"`
	CreatedAt   time.Time      `json:"created_at"`
	ClaimedAt   time.Time      `json:"claimed_at,omitzero"`
	CompletedAt time.Time      `json:"completed_at,omitzero"`
}

// syncUnlink unlinks the phone (Client.Unlink): the device is logged out
// and deleted, the connection (account) stays with its data, webhooks and
// keys, ready for POST /v1/whatsapp/pair. The command runs before the
// answer, which reports it completed.
func syncUnlink(h *handler) operation {
	return do(func(x *call) (*commandAccepted, error) {
		acc, err := x.c.GetAccount(x.ctx)
		if err != nil {
			return nil, err
		}
		if err := x.c.WithAccount(acc.ID).Unlink(x.ctx); err != nil {
			return nil, err
		}
		done := h.clock.Now().UTC()
		id := newCommandID()
		return &commandAccepted{CommandID: id, Kind: "unlink", Command: commandRecord{
			ID: id, Kind: "unlink", Status: "completed",
			Payload:   map[string]any{"connection_id": acc.ID},
			Result:    map[string]any{"state": wauser.StateLoggedOut},
			CreatedAt: x.now.UTC(), ClaimedAt: x.now.UTC(), CompletedAt: done,
		}}, nil
	})
}

func newCommandID() string {
	return "cmd_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(randomBytes(10)))
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
