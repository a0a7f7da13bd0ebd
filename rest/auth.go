package rest

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/wauser/wauser"
)

// authenticate returns the caller's API key: through Options.Authenticate
// when set, otherwise from the request's headers and the Client's keys.
func (h *handler) authenticate(r *http.Request) (*wauser.APIKey, error) {
	if h.opts.Authenticate != nil {
		k, err := h.opts.Authenticate(r)
		if err != nil {
			return nil, err
		}
		if k == nil {
			return nil, unauthorized("not authenticated")
		}
		return k, nil
	}
	raw := keyFromRequest(r)
	if raw == "" {
		return nil, unauthorized("missing API key: send Authorization: Bearer <key> or X-Api-Key")
	}
	k, err := h.c.AuthenticateAPIKey(r.Context(), raw)
	if errors.Is(err, wauser.ErrInvalidAPIKey) {
		return nil, unauthorized("invalid API key")
	}
	return k, err
}

// keyFromRequest reads the API key from X-Api-Key, "Authorization: Bearer
// <key>" or a bare "Authorization: <key>".
func keyFromRequest(r *http.Request) string {
	if k := strings.TrimSpace(r.Header.Get("X-Api-Key")); k != "" {
		return k
	}
	auth := strings.TrimSpace(r.Header.Get("Authorization"))
	if scheme, rest, ok := strings.Cut(auth, " "); ok {
		if strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(rest)
		}
		return "" // another scheme (Basic, ...): not an API key
	}
	return auth
}

// authenticateAdmin checks the admin Basic credentials of Options.
func (h *handler) authenticateAdmin(r *http.Request) (*wauser.APIKey, error) {
	user, pass, ok := r.BasicAuth()
	if !ok || h.opts.AdminUser == "" || h.opts.AdminPasswordHash == "" {
		return nil, unauthorized("this route needs the admin Basic credentials")
	}
	want, err := hex.DecodeString(h.opts.AdminPasswordHash)
	if err != nil || len(want) != sha256.Size {
		h.log.Error("rest: Options.AdminPasswordHash is not a hex SHA-256; use HashAdminPassword")
		return nil, unauthorized("this route needs the admin Basic credentials")
	}
	gotUser := sha256.Sum256([]byte(user))
	wantUser := sha256.Sum256([]byte(h.opts.AdminUser))
	gotPass := sha256.Sum256([]byte(pass))
	userOK := subtle.ConstantTimeCompare(gotUser[:], wantUser[:])
	passOK := subtle.ConstantTimeCompare(gotPass[:], want)
	if userOK&passOK != 1 {
		return nil, unauthorized("wrong admin credentials")
	}
	return &wauser.APIKey{ID: wauser.APIKeyID("admin:" + user), Name: user, Scopes: []wauser.Scope{wauser.ScopeAdmin}, AllAccounts: true}, nil
}

// authenticateAdminSecret checks the admin password of Options sent alone
// in X-Admin-Secret, as the multi-session server's admin routes take it.
func (h *handler) authenticateAdminSecret(r *http.Request) (*wauser.APIKey, error) {
	secret := r.Header.Get("X-Admin-Secret")
	if secret == "" || h.opts.AdminUser == "" || h.opts.AdminPasswordHash == "" {
		return nil, unauthorized("this route needs the admin secret in X-Admin-Secret")
	}
	want, err := hex.DecodeString(h.opts.AdminPasswordHash)
	if err != nil || len(want) != sha256.Size {
		h.log.Error("rest: Options.AdminPasswordHash is not a hex SHA-256; use HashAdminPassword")
		return nil, unauthorized("this route needs the admin secret in X-Admin-Secret")
	}
	got := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(got[:], want) != 1 {
		return nil, unauthorized("wrong admin secret")
	}
	return &wauser.APIKey{ID: wauser.APIKeyID("admin:" + h.opts.AdminUser), Name: h.opts.AdminUser,
		Scopes: []wauser.Scope{wauser.ScopeAdmin}, AllAccounts: true}, nil
}

// HashAdminPassword returns what Options.AdminPasswordHash takes: the hex
// SHA-256 of the admin password. Use a long random password (at least 128
// bits of entropy, as GenerateSecret makes): a fast hash does not protect a
// guessable one.
func HashAdminPassword(password string) string {
	sum := sha256.Sum256([]byte(password))
	return hex.EncodeToString(sum[:])
}

// pickAccount returns the account a request acts on: the one named by the
// X-WhatsApp-Use-Connection-Id header, else the key's only account. It
// returns "" for a key that reaches every account and no header: the
// Client then acts on the store's only account, or answers
// ErrAccountRequired. A connection the key cannot reach and one that does
// not exist are refused alike (ErrForbidden: 401 in the sync dialect, as
// its specification documents, 403 in the others), so that a key cannot
// tell which connections exist.
func (x *call) pickAccount() (wauser.AccountID, error) {
	k := x.key
	if header := x.r.Header.Get(HeaderConnectionID); header != "" {
		id := wauser.AccountID(header)
		if !k.CanAccess(id) {
			return "", forbidden("the API key cannot access connection %q", header)
		}
		if err := x.connectionExists(id); err != nil {
			return "", err
		}
		return id, nil
	}
	switch {
	case k.AllAccounts:
		return "", nil
	case len(k.Accounts) == 1:
		return k.Accounts[0], nil
	case len(k.Accounts) == 0:
		return "", forbidden("the API key reaches no connection")
	default:
		return "", badRequest("connection_required", "the API key reaches %d connections: name one in the %s header",
			len(k.Accounts), HeaderConnectionID)
	}
}

// connectionExists refuses a connection the store does not have as one
// the key cannot access.
func (x *call) connectionExists(id wauser.AccountID) error {
	_, err := x.root.WithAccount(id).GetAccount(x.ctx)
	switch {
	case errors.Is(err, wauser.ErrNotFound), errors.Is(err, wauser.ErrInvalidArgument):
		return forbidden("the API key cannot access connection %q", id)
	case err != nil:
		return err
	}
	return nil
}

// clientIP is the address rate limits count unauthenticated requests
// against: the peer's IP (proxies' forwarding headers are not trusted).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// GenerateSecret returns 32 random bytes in hex, for admin passwords.
func GenerateSecret() string {
	return hex.EncodeToString(randomBytes(32))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
