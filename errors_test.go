package wauser

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/internal/wa"
)

// wrappedIQ builds an error shaped like whatsmeow's unexported
// wrappedIQError: errors.Is finds the named error, Unwrap gives the IQ
// error.
type wrappedIQ struct{ named, iq error }

func (e *wrappedIQ) Error() string        { return e.named.Error() }
func (e *wrappedIQ) Is(target error) bool { return errors.Is(target, e.named) }
func (e *wrappedIQ) Unwrap() error        { return e.iq }

func TestWAErrorMapping(t *testing.T) {
	t.Parallel()
	sentinels := []error{ErrNotConnected, ErrNotLoggedIn, ErrNotFound, ErrForbidden, ErrRateLimited, ErrInvalidArgument}
	gql := func(code int) error {
		return fmt.Errorf("graphql error: %w", types.GraphQLErrors{{Message: "x", Extensions: types.GraphQLErrorExtensions{ErrorCode: code}}})
	}
	for _, tc := range []struct {
		name  string
		err   error
		cause error // what errors.Is must still find; the error itself when nil
		want  error // nil: no sentinel
	}{
		{"not connected", fmt.Errorf("failed to send usync query: %w", whatsmeow.ErrNotConnected), whatsmeow.ErrNotConnected, ErrNotConnected},
		{"disconnected mid-query", whatsmeow.ErrIQDisconnected, whatsmeow.ErrIQDisconnected, ErrNotConnected},
		{"disconnected mid-send", &whatsmeow.DisconnectedError{Action: "message send"}, nil, ErrNotConnected},
		{"iq timed out", whatsmeow.ErrIQTimedOut, whatsmeow.ErrIQTimedOut, ErrNotConnected},
		{"send timed out", whatsmeow.ErrMessageTimedOut, whatsmeow.ErrMessageTimedOut, ErrNotConnected},
		{"not logged in", whatsmeow.ErrNotLoggedIn, whatsmeow.ErrNotLoggedIn, ErrNotLoggedIn},
		{"group not found", &wrappedIQ{whatsmeow.ErrGroupNotFound, whatsmeow.ErrIQNotFound}, whatsmeow.ErrGroupNotFound, ErrNotFound},
		{"not in group", &wrappedIQ{whatsmeow.ErrNotInGroup, whatsmeow.ErrIQForbidden}, whatsmeow.ErrNotInGroup, ErrForbidden},
		{"invite link unauthorized", &wrappedIQ{whatsmeow.ErrGroupInviteLinkUnauthorized, whatsmeow.ErrIQNotAuthorized}, whatsmeow.ErrGroupInviteLinkUnauthorized, ErrForbidden},
		// Revoked links come as 410 and invalid ones as 406: the named error decides.
		{"invite revoked", &wrappedIQ{whatsmeow.ErrInviteLinkRevoked, whatsmeow.ErrIQGone}, whatsmeow.ErrInviteLinkRevoked, ErrNotFound},
		{"invite invalid", &wrappedIQ{whatsmeow.ErrInviteLinkInvalid, whatsmeow.ErrIQNotAcceptable}, whatsmeow.ErrInviteLinkInvalid, ErrInvalidArgument},
		{"bad image", &wrappedIQ{whatsmeow.ErrInvalidImageFormat, whatsmeow.ErrIQNotAcceptable}, whatsmeow.ErrInvalidImageFormat, ErrInvalidArgument},
		{"picture hidden", &wrappedIQ{whatsmeow.ErrProfilePictureUnauthorized, whatsmeow.ErrIQNotAuthorized}, whatsmeow.ErrProfilePictureUnauthorized, ErrForbidden},
		{"phone too short", whatsmeow.ErrPhoneNumberTooShort, whatsmeow.ErrPhoneNumberTooShort, ErrInvalidArgument},
		{"device recipient", whatsmeow.ErrRecipientADJID, whatsmeow.ErrRecipientADJID, ErrInvalidArgument},
		{"iq 400", whatsmeow.ErrIQBadRequest, whatsmeow.ErrIQBadRequest, ErrInvalidArgument},
		{"iq 401", whatsmeow.ErrIQNotAuthorized, whatsmeow.ErrIQNotAuthorized, ErrForbidden},
		{"iq 403", fmt.Errorf("failed to get group members: %w", whatsmeow.ErrIQForbidden), whatsmeow.ErrIQForbidden, ErrForbidden},
		{"iq 404", whatsmeow.ErrIQNotFound, whatsmeow.ErrIQNotFound, ErrNotFound},
		{"iq 406", whatsmeow.ErrIQNotAcceptable, whatsmeow.ErrIQNotAcceptable, ErrInvalidArgument},
		{"iq 410", whatsmeow.ErrIQGone, whatsmeow.ErrIQGone, ErrNotFound},
		{"iq 429", whatsmeow.ErrIQRateOverLimit, whatsmeow.ErrIQRateOverLimit, ErrRateLimited},
		// A 429 with other text is still a rate limit (IQError.Is compares the text too).
		{"iq 429 other text", &whatsmeow.IQError{Code: 429, Text: "too-many"}, nil, ErrRateLimited},
		{"graphql 404", gql(404), nil, ErrNotFound},
		{"graphql 403", gql(403), nil, ErrForbidden},
		{"graphql 429", gql(429), nil, ErrRateLimited},
		{"iq 500", whatsmeow.ErrIQInternalServerError, whatsmeow.ErrIQInternalServerError, nil},
		{"iq 419", whatsmeow.ErrIQResourceLimit, whatsmeow.ErrIQResourceLimit, nil},
		{"unknown", errors.New("something else"), nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := waError("op", tc.err)
			require.ErrorContains(t, err, "wauser: op: ")
			cause := tc.cause
			if cause == nil {
				cause = tc.err
			}
			require.ErrorIs(t, err, cause, "the whatsmeow cause is kept")
			var iq *whatsmeow.IQError
			if errors.As(tc.err, &iq) {
				require.ErrorAs(t, err, &iq, "the IQ error is reachable with errors.As")
			}
			for _, s := range sentinels {
				if s == tc.want {
					require.ErrorIs(t, err, s)
				} else {
					require.NotErrorIs(t, err, s)
				}
			}
		})
	}
}

// TestWAErrorFromOfflineWhatsmeow maps the errors a real, offline
// *whatsmeow.Client returns (whatsmeow-mapping section 10).
func TestWAErrorFromOfflineWhatsmeow(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := testdb.SQLite(t).Open(t)
	dev := st.Container().NewDevice()
	cli := whatsmeow.NewClient(dev, nil)
	peer := types.NewJID("15551230001", types.DefaultUserServer)

	err := waError("send chat presence", cli.SendChatPresence(ctx, peer, types.ChatPresenceComposing, types.ChatPresenceMediaText))
	require.ErrorIs(t, err, ErrNotLoggedIn, "unpaired")
	require.ErrorIs(t, err, whatsmeow.ErrNotLoggedIn)

	require.NoError(t, wa.SaveOfflinePairing(ctx, dev, types.NewADJID("15550001111", 0, 3), types.EmptyJID, "", "android", ""))
	_, gerr := cli.GetJoinedGroups(ctx)
	_, uerr := cli.Upload(ctx, []byte("x"), whatsmeow.MediaImage)
	_, ierr := cli.IsOnWhatsApp(ctx, []string{"+15551230001"})
	for _, e := range []error{gerr, uerr, ierr, cli.SendChatPresence(ctx, peer, types.ChatPresencePaused, "")} {
		require.Error(t, e)
		err := waError("op", e)
		require.ErrorIs(t, err, ErrNotConnected, "paired but offline: %v", e)
		require.ErrorIs(t, err, whatsmeow.ErrNotConnected)
	}
}
