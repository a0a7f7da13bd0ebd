package wauser

// AccountState is where an account stands with WhatsApp. The states form an
// explicit state machine: an event that would make a transition not listed
// below (a late "disconnected" after a logout, say) is ignored, so an account
// never loops between states on its own.
//
//	unpaired        -> pairing
//	pairing         -> unpaired (pairing failed or expired), connecting, connected
//	connecting      -> connected, reconnecting, and the end states
//	connected       -> connecting (Refresh), reconnecting, and the end states
//	reconnecting    -> connecting, connected, and the end states
//	logged_out      -> pairing
//	stream_replaced, banned, outdated, failed -> connecting (Start or Refresh), logged_out
//
// The end states are logged_out, stream_replaced, banned, outdated and
// failed: the Client does not reconnect from them by itself, and
// Status.LastError says why it stopped.
//
// When several processes share a PostgreSQL store, only the process that
// holds an account's lease (see WithLeases) drives its state machine and
// stores its state. Being connected by another process is not a state:
// elsewhere, Status reports the state that process stored, with
// HeldElsewhere set; a process that takes an account over continues from
// the stored state (connected -> connecting, and so on).
type AccountState string

// Account states.
const (
	StateUnpaired       AccountState = "unpaired"        // created, never paired
	StatePairing        AccountState = "pairing"         // showing a QR code or phone code
	StateConnecting     AccountState = "connecting"      // paired; connecting to WhatsApp
	StateConnected      AccountState = "connected"       // logged in and online
	StateReconnecting   AccountState = "reconnecting"    // connection lost or refused; retrying with backoff (see LastError)
	StateLoggedOut      AccountState = "logged_out"      // the phone unlinked this device; pair again
	StateStreamReplaced AccountState = "stream_replaced" // another client connected with this session; not retried
	StateBanned         AccountState = "banned"          // temporarily banned by WhatsApp
	StateOutdated       AccountState = "outdated"        // WhatsApp rejected this client version, also after a version refresh
	// StateFailed: WhatsApp refused the connection with a failure it gives
	// no retry for (400 generic, 409 bad user agent, 415, 418, 501 and
	// other codes whatsmeow does not retry); LastError has the code and
	// WhatsApp's message. Refresh tries again.
	StateFailed AccountState = "failed"
)

// terminal reports whether the Client stops reconnecting in state s.
func (s AccountState) terminal() bool {
	switch s {
	case StateLoggedOut, StateStreamReplaced, StateBanned, StateOutdated, StateFailed:
		return true
	}
	return false
}

// canTransition reports whether the state machine allows from -> to.
func canTransition(from, to AccountState) bool {
	if from == to {
		return true
	}
	switch from {
	case StateUnpaired:
		return to == StatePairing
	case StatePairing:
		return to == StateUnpaired || to == StateConnecting || to == StateConnected
	case StateConnecting:
		return to == StateConnected || to == StateReconnecting || to.terminal()
	case StateConnected:
		return to == StateConnecting || to == StateReconnecting || to.terminal()
	case StateReconnecting:
		return to == StateConnecting || to == StateConnected || to.terminal()
	case StateLoggedOut:
		return to == StatePairing
	case StateStreamReplaced, StateBanned, StateOutdated, StateFailed:
		return to == StateConnecting || to == StateLoggedOut
	}
	return false
}
