package wauser

import (
	"testing"

	"github.com/stretchr/testify/require"

	isession "github.com/wauser/wauser/internal/session"
)

// The supervisor speaks its own states and pairing statuses; the public
// ones are the same strings, converted at the boundary.
func TestSupervisorStatesArePublicStates(t *testing.T) {
	t.Parallel()
	states := map[AccountState]isession.State{
		StateUnpaired: isession.StateUnpaired, StatePairing: isession.StatePairing, StateConnecting: isession.StateConnecting,
		StateConnected: isession.StateConnected, StateReconnecting: isession.StateReconnecting, StateLoggedOut: isession.StateLoggedOut,
		StateStreamReplaced: isession.StateStreamReplaced, StateBanned: isession.StateBanned, StateOutdated: isession.StateOutdated,
		StateFailed: isession.StateFailed,
	}
	for pub, in := range states {
		require.Equal(t, string(pub), string(in))
	}
	statuses := map[PairingStatus]isession.PairingStatus{
		PairingRequested: isession.PairingRequested, PairingQR: isession.PairingQR, PairingCode: isession.PairingCode,
		PairingPaired: isession.PairingPaired, PairingFailed: isession.PairingFailed,
	}
	for pub, in := range statuses {
		require.Equal(t, string(pub), string(in))
	}
	p := &isession.Pairing{Status: isession.PairingCode, QR: "qr", Code: "ABCD-EFGH", Error: "e"}
	require.Equal(t, &Pairing{Status: PairingCode, QR: "qr", Code: "ABCD-EFGH", Error: "e"}, pairingOf(p))
	require.Nil(t, pairingOf(nil))
}
