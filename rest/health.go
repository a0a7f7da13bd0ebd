package rest

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/wauser/wauser"
)

// healthTimeout bounds the store reads of GET /readyz.
const healthTimeout = 5 * time.Second

// healthRoutes are GET /healthz and GET /readyz (Options.Health): public,
// outside the route table, so that probes are neither rate limited nor
// held up by requests in flight, and not part of the API's description.
func (h *handler) healthRoutes() {
	h.mux.HandleFunc("GET /healthz", h.healthz)
	h.mux.HandleFunc("GET /readyz", h.readyz)
}

// healthAnswer is the body of GET /healthz and GET /readyz.
type healthAnswer struct {
	// Status is "ok" (healthz), "ready" or "unavailable" (readyz).
	Status string `json:"status"`
	// Demo is true on a demonstration server (Options.Demo), whose WhatsApp
	// is simulated.
	Demo bool `json:"demo,omitempty"`
	// Store is "ok", or why the store is not usable (readyz).
	Store string `json:"store,omitempty"`
	// Accounts are every account with its state and last error (readyz,
	// when the store answered).
	Accounts []healthAccount `json:"accounts,omitempty"`
}

type healthAccount struct {
	ID        wauser.AccountID    `json:"id"`
	State     wauser.AccountState `json:"state"`
	LastError string              `json:"last_error,omitempty"`
}

// healthz answers that the process is alive and serving HTTP. It reads
// nothing, so that a slow database does not make a liveness probe restart
// the process; GET /readyz says whether it can serve.
func (h *handler) healthz(w http.ResponseWriter, _ *http.Request) {
	writeHealth(w, http.StatusOK, healthAnswer{Status: "ok", Demo: h.opts.Demo != nil})
}

// readyz answers 200 when the store answers, with every account's state
// (an account that cannot reach WhatsApp does not make the server unready:
// its data and the API still work), and 503 when it does not.
func (h *handler) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	out := healthAnswer{Status: "ready", Demo: h.opts.Demo != nil, Store: "ok", Accounts: []healthAccount{}}
	err := h.c.Store().DB().PingContext(ctx)
	var list []*wauser.Account
	if err == nil {
		list, err = h.c.ListAccounts(ctx)
	}
	if err != nil {
		h.log.Error("rest: readiness: the store did not answer", "error", err)
		out.Status, out.Store, out.Accounts = "unavailable", "the database did not answer", nil
		w.Header().Set("Retry-After", "5")
		writeHealth(w, http.StatusServiceUnavailable, out)
		return
	}
	for _, a := range list {
		out.Accounts = append(out.Accounts, healthAccount{a.ID, a.State, a.LastError})
	}
	writeHealth(w, http.StatusOK, out)
}

func writeHealth(w http.ResponseWriter, status int, v healthAnswer) {
	body, _ := json.Marshal(v) // plain strings: cannot fail
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
