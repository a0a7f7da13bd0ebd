package wauser

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
)

// Sentinel errors. Match them with errors.Is; errors from whatsmeow are
// wrapped, not flattened, so errors.Is also finds the whatsmeow cause.
var (
	// ErrNotFound: the account, conversation, message, media, template or
	// other record does not exist (GetAccount, Logout, Status, GetMedia,
	// GetTemplate, DownloadMedia of a message without a file, RequestHistory
	// without a stored message to anchor on, ...), or WhatsApp says so
	// (status 404 or 410: an unknown group or channel, a revoked invite link,
	// a profile picture that is not set, a file neither the servers nor the
	// phone still have).
	ErrNotFound = errors.New("wauser: not found")

	// ErrInvalidArgument: an argument failed validation before anything was
	// sent to WhatsApp or written; the error is then an *ArgumentError naming
	// the field. It is also returned, wrapping whatsmeow's error, when
	// WhatsApp itself rejects a request as malformed (status 400 or 406, an
	// image it cannot use, an invalid invite link...).
	ErrInvalidArgument = errors.New("wauser: invalid argument")

	// ErrAccountExists: CreateAccount with an id already in use.
	ErrAccountExists = errors.New("wauser: account already exists")

	// ErrAccountRequired: an account-scoped method was called on an unbound
	// Client while the store holds several accounts (or none). Bind one with
	// WithAccount.
	ErrAccountRequired = errors.New("wauser: account required")

	// ErrAlreadyPaired: PairQR or PairPhone on an account that is paired.
	// Log it out first to link another phone.
	ErrAlreadyPaired = errors.New("wauser: account already paired")

	// ErrNotLoggedIn: the account has no paired device (never paired, or
	// logged out), so WhatsApp operations cannot run (Refresh, StatusPrivacy,
	// ...).
	ErrNotLoggedIn = errors.New("wauser: account not logged in")

	// ErrNotConnected: the account is paired but not connected to WhatsApp
	// right now, or the connection dropped or timed out before WhatsApp
	// answered. The operation may succeed later.
	ErrNotConnected = errors.New("wauser: not connected")

	// ErrForbidden: WhatsApp refused the operation to this account (status
	// 401 or 403): it is not a member of the group, not an admin where one is
	// needed, or hidden from by the other user's privacy settings (group
	// operations such as UpdateGroup, AddGroupMembers, GetGroupInviteLink).
	ErrForbidden = errors.New("wauser: forbidden")

	// ErrRateLimited: WhatsApp answered "rate-overlimit" (status 429), or
	// SendMessage (and the methods built on it) found the account's daily
	// message limit reached (WithDailyMessageLimit); the error is then a
	// *RateLimitError whose RetryAfter says when the limit resets. Wait
	// before trying again.
	ErrRateLimited = errors.New("wauser: rate limited")

	// ErrLeasedElsewhere: the operation needs the account's WhatsApp
	// connection (sending, Refresh, StatusPrivacy, Logout, Unlink, ...), but another process
	// sharing the PostgreSQL store holds the account's lease and connects
	// it; call it there. The error also matches ErrNotConnected. Reads of
	// the store (the change feed, List and Get methods, Status) work in any
	// process. See WithLeases.
	ErrLeasedElsewhere = errors.New("wauser: account connected by another process")

	// ErrNotStarted: an operation that needs a connection was called before
	// Client.Start.
	ErrNotStarted = errors.New("wauser: client not started")

	// ErrClosed: the Client was closed. A second Close returns an error that
	// matches both ErrClosed and net.ErrClosed.
	ErrClosed = errors.New("wauser: client closed")

	// ErrPairingFailed: pairing ended without success (the QR codes expired,
	// or WhatsApp rejected the pairing). The error text says which.
	ErrPairingFailed = errors.New("wauser: pairing failed")

	// ErrInvalidCursor: a List method was given a cursor that is not the
	// NextCursor of the same list. The error also matches ErrInvalidArgument.
	ErrInvalidCursor = errors.New("wauser: invalid cursor")

	// ErrInvalidAPIKey: AuthenticateAPIKey was given a key that is malformed,
	// unknown or revoked.
	ErrInvalidAPIKey = errors.New("wauser: invalid API key")
	// ErrWebhookExists: CreateWebhook or UpdateWebhook with a URL that
	// another webhook of the account already has.
	ErrWebhookExists = errors.New("wauser: webhook url already registered")

	// ErrPrivateTarget: CreateWebhook, UpdateWebhook or CreateAccount with a
	// webhook URL whose host is, or resolves to, a loopback, private,
	// link-local, unspecified or multicast address, while the Client was not
	// built with WithPrivateWebhookTargets. The error also matches
	// ErrInvalidArgument. Deliveries check the address again when they dial
	// and fail (state failed) when it is forbidden.
	ErrPrivateTarget = errors.New("wauser: webhook target is a private address")

	// ErrInvalidSignature: VerifyWebhook found the signature headers
	// missing or malformed, or no signature matching the secret.
	ErrInvalidSignature = errors.New("wauser: invalid webhook signature")

	// ErrSignatureExpired: VerifyWebhook found a valid signature whose
	// timestamp is further from now than the tolerance (a replay, or a
	// skewed clock).
	ErrSignatureExpired = errors.New("wauser: webhook signature timestamp out of tolerance")
)

// ArgumentError describes an invalid argument. It matches ErrInvalidArgument
// with errors.Is.
type ArgumentError struct {
	Field  string // the argument or request field, e.g. "phone"
	Reason string // what is wrong with it, in the caller's terms
	Err    error  // a more specific sentinel (e.g. ErrPrivateTarget), or nil
}

func (e *ArgumentError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("wauser: invalid %s: %s (%v)", e.Field, e.Reason, e.Err)
	}
	return fmt.Sprintf("wauser: invalid %s: %s", e.Field, e.Reason)
}

// Is reports whether target is ErrInvalidArgument.
func (e *ArgumentError) Is(target error) bool { return target == ErrInvalidArgument }

// Unwrap returns the more specific sentinel, if any.
func (e *ArgumentError) Unwrap() error { return e.Err }

func invalidArg(field, format string, args ...any) error {
	return &ArgumentError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// RateLimitError is the error of a send refused because the account
// reached its daily message limit (WithDailyMessageLimit), or of a
// CheckContacts call throttled by WithContactCheckPacing. It matches
// ErrRateLimited.
type RateLimitError struct {
	Limit   int       // messages per UTC day; for contact lookups, numbers at once
	ResetAt time.Time // when sending (or looking up) resumes: the next UTC midnight for the daily limit
	wait    time.Duration
	reason  string // what was limited, when not the daily message limit
}

func (e *RateLimitError) Error() string {
	if e.reason != "" {
		return "wauser: " + e.reason
	}
	return fmt.Sprintf("wauser: daily message limit of %d reached; it resets at %s", e.Limit, e.ResetAt.Format(time.RFC3339))
}

// Is reports whether target is ErrRateLimited.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// RetryAfter returns how long after the error was made the limit resets.
func (e *RateLimitError) RetryAfter() time.Duration { return e.wait }

// waError wraps an error from whatsmeow for operation op, adding the
// matching sentinel (see waSentinel) while keeping the cause, so that
// errors.Is finds both.
func waError(op string, err error) error {
	if sentinel := waSentinel(err); sentinel != nil {
		return fmt.Errorf("wauser: %s: %w: %w", op, sentinel, err)
	}
	return fmt.Errorf("wauser: %s: %w", op, err)
}

// waSentinel returns the wauser sentinel that err from whatsmeow stands for,
// or nil. whatsmeow's named errors are matched first (some of them wrap an
// *IQError of another class); then the status code of an IQ or GraphQL
// error decides.
func waSentinel(err error) error {
	var disconnected *whatsmeow.DisconnectedError
	switch {
	case errors.Is(err, whatsmeow.ErrNotLoggedIn):
		return ErrNotLoggedIn
	case errors.Is(err, whatsmeow.ErrNotConnected), errors.As(err, &disconnected),
		errors.Is(err, whatsmeow.ErrIQTimedOut), errors.Is(err, whatsmeow.ErrMessageTimedOut):
		return ErrNotConnected
	case errors.Is(err, whatsmeow.ErrGroupNotFound), errors.Is(err, whatsmeow.ErrInviteLinkRevoked),
		errors.Is(err, whatsmeow.ErrProfilePictureNotSet), errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith404),
		errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith410), errors.Is(err, whatsmeow.ErrMediaNotAvailableOnPhone),
		errors.Is(err, whatsmeow.ErrNoURLPresent):
		return ErrNotFound
	case errors.Is(err, whatsmeow.ErrNotInGroup), errors.Is(err, whatsmeow.ErrGroupInviteLinkUnauthorized),
		errors.Is(err, whatsmeow.ErrProfilePictureUnauthorized), errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith403):
		return ErrForbidden
	case errors.Is(err, whatsmeow.ErrPhoneNumberTooShort), errors.Is(err, whatsmeow.ErrPhoneNumberIsNotInternational),
		errors.Is(err, whatsmeow.ErrInvalidImageFormat), errors.Is(err, whatsmeow.ErrInviteLinkInvalid),
		errors.Is(err, whatsmeow.ErrInvalidDisappearingTimer), errors.Is(err, whatsmeow.ErrRecipientADJID),
		errors.Is(err, whatsmeow.ErrUnknownServer), errors.Is(err, whatsmeow.ErrBroadcastListUnsupported):
		return ErrInvalidArgument
	}
	if errors.Is(err, whatsmeow.ErrServerReturnedError) {
		// A message the server refused: "server returned error 403", the
		// code being only in the text.
		var code int
		if _, scanErr := fmt.Sscanf(err.Error()[strings.LastIndex(err.Error(), " ")+1:], "%d", &code); scanErr == nil {
			return statusSentinel(code)
		}
	}
	var iq *whatsmeow.IQError
	if errors.As(err, &iq) {
		return statusSentinel(iq.Code)
	}
	var gql types.GraphQLError
	if errors.As(err, &gql) {
		return statusSentinel(gql.Extensions.ErrorCode)
	}
	return nil
}

// statusSentinel maps a WhatsApp status code (IQ or GraphQL) to a sentinel.
func statusSentinel(code int) error {
	switch code {
	case 400, 406:
		return ErrInvalidArgument
	case 401, 403:
		return ErrForbidden
	case 404, 410:
		return ErrNotFound
	case 429:
		return ErrRateLimited
	}
	return nil
}
