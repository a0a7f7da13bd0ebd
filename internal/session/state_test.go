package session

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStateMachine(t *testing.T) {
	t.Parallel()
	// The end states never lead back into a reconnect loop by themselves.
	for _, end := range []State{StateLoggedOut, StateStreamReplaced, StateBanned, StateOutdated} {
		require.True(t, end.Terminal())
		require.False(t, canTransition(end, StateReconnecting), "%s -> reconnecting", end)
		require.False(t, canTransition(end, StateConnected), "%s -> connected", end)
	}
	require.False(t, canTransition(StateLoggedOut, StateConnecting), "a logged-out device must pair again")
	require.True(t, canTransition(StateLoggedOut, StatePairing))
	require.True(t, canTransition(StateStreamReplaced, StateConnecting), "Refresh resumes")
	require.False(t, canTransition(StateUnpaired, StateConnected))
	require.True(t, canTransition(StatePairing, StateUnpaired), "a failed pairing")
	require.True(t, canTransition(StateConnected, StateReconnecting))
	require.True(t, canTransition(StateReconnecting, StateConnected))
	for _, s := range []State{StateUnpaired, StatePairing, StateConnecting, StateConnected, StateReconnecting} {
		require.False(t, s.Terminal())
	}
}
