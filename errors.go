package wauser

import (
	"errors"
	"fmt"

	"go.mau.fi/whatsmeow"
)

// Sentinel errors. Match them with errors.Is; errors from whatsmeow are
// wrapped, not flattened, so errors.Is also finds the whatsmeow cause.
var (
	// ErrNotFound: the account, conversation, message or other record does
	// not exist (GetAccount, Logout, Status, ...).
	ErrNotFound = errors.New("wauser: not found")

	// ErrInvalidArgument: an argument failed validation before anything was
	// sent to WhatsApp or written. The error is an *ArgumentError naming the
	// field.
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
	// right now. The operation may succeed later.
	ErrNotConnected = errors.New("wauser: not connected")

	// ErrNotStarted: an operation that needs a connection was called before
	// Client.Start.
	ErrNotStarted = errors.New("wauser: client not started")

	// ErrClosed: the Client was closed. A second Close returns an error that
	// matches both ErrClosed and net.ErrClosed.
	ErrClosed = errors.New("wauser: client closed")

	// ErrPairingFailed: pairing ended without success (the QR codes expired,
	// or WhatsApp rejected the pairing). The error text says which.
	ErrPairingFailed = errors.New("wauser: pairing failed")

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

// waError wraps an error from whatsmeow for operation op, adding the
// matching sentinel while keeping the cause for errors.Is.
func waError(op string, err error) error {
	switch {
	case errors.Is(err, whatsmeow.ErrNotConnected), errors.Is(err, whatsmeow.ErrIQDisconnected):
		return fmt.Errorf("wauser: %s: %w: %w", op, ErrNotConnected, err)
	case errors.Is(err, whatsmeow.ErrNotLoggedIn):
		return fmt.Errorf("wauser: %s: %w: %w", op, ErrNotLoggedIn, err)
	case errors.Is(err, whatsmeow.ErrPhoneNumberTooShort), errors.Is(err, whatsmeow.ErrPhoneNumberIsNotInternational):
		return fmt.Errorf("wauser: %s: %w: %w", op, ErrInvalidArgument, err)
	default:
		return fmt.Errorf("wauser: %s: %w", op, err)
	}
}
