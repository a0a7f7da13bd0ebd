package wauser

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wauser/wauser/internal/store"
)

// Scope is a permission carried by an API key.
type Scope string

// API key scopes. ScopeAdmin implies every other scope.
const (
	ScopeRead     Scope = "whatsapp:read"   // read accounts, status, contacts, messages, the change feed
	ScopeWrite    Scope = "whatsapp:write"  // pair, send, edit, refresh: everything that acts on WhatsApp
	ScopeWebhooks Scope = "webhooks:manage" // create, change and delete webhooks
	ScopeAdmin    Scope = "admin"           // all of the above, and unlinking or deleting an account
)

// AllScopes returns every scope, ScopeAdmin last.
func AllScopes() []Scope { return []Scope{ScopeRead, ScopeWrite, ScopeWebhooks, ScopeAdmin} }

// APIKeyID names an API key. It is not secret.
type APIKeyID string

// APIKey is a credential for the REST handler (package rest). Only a hash of
// the secret is stored: the secret itself is in Key of CreateAPIKey's result,
// and nowhere else, ever.
type APIKey struct {
	ID     APIKeyID `json:"id"`
	Name   string   `json:"name"`
	Prefix string   `json:"prefix"` // the secret's first characters, to recognise a key in lists
	Scopes []Scope  `json:"scopes"`
	// AllAccounts lets the key reach every account, present and future;
	// otherwise it reaches only Accounts.
	AllAccounts bool        `json:"all_accounts"`
	Accounts    []AccountID `json:"accounts"`
	CreatedAt   time.Time   `json:"created_at"`
	LastUsedAt  time.Time   `json:"last_used_at,omitzero"` // to the minute
	RevokedAt   time.Time   `json:"revoked_at,omitzero"`
	// MaxDevices is the key's own quota of accounts it may create through
	// the REST handler's POST /devices (package rest); 0 leaves it to the
	// handler's default.
	MaxDevices int `json:"max_devices,omitempty"`
	// RateLimitPerHour is the key's own limit of requests per hour in
	// the REST handler (package rest), counted beside its per-minute
	// limit; the requests of the tokens it created (CreatedBy) count
	// against it too. 0: no hourly limit of its own.
	RateLimitPerHour int `json:"rate_limit_per_hour,omitempty"`
	// CreatedBy is the key that created this one as an account's token
	// (the REST handler's POST /devices): this key counts against its
	// quota while it is not revoked.
	CreatedBy APIKeyID `json:"created_by,omitempty"`
	// ContactEmail and ContactPhone reach the key's holder.
	ContactEmail string `json:"contact_email,omitempty"`
	ContactPhone string `json:"contact_phone,omitempty"`
	// Key is the secret. CreateAPIKey sets it; it cannot be read again.
	Key string `json:"key,omitempty"`
}

// HasScope reports whether the key carries scope s (ScopeAdmin carries all).
func (k *APIKey) HasScope(s Scope) bool {
	return slices.Contains(k.Scopes, s) || slices.Contains(k.Scopes, ScopeAdmin)
}

// CanAccess reports whether the key may act on account id.
func (k *APIKey) CanAccess(id AccountID) bool {
	return id != "" && (k.AllAccounts || slices.Contains(k.Accounts, id))
}

// CreateAPIKeyRequest is the body of CreateAPIKey.
type CreateAPIKeyRequest struct {
	// Name describes the key for people; at most 100 characters.
	Name string `json:"name"`
	// Scopes are the key's permissions; at least one.
	Scopes []Scope `json:"scopes"`
	// Accounts the key may act on. They must exist. Exactly one of Accounts
	// and AllAccounts must be given, but a key with MaxDevices may have
	// neither: it reaches the accounts it creates.
	Accounts []AccountID `json:"accounts"`
	// AllAccounts lets the key reach every account, including accounts
	// created later.
	AllAccounts bool `json:"all_accounts"`
	// MaxDevices, RateLimitPerHour, CreatedBy, ContactEmail and
	// ContactPhone are APIKey's (optional; see there). CreatedBy must be a
	// key that is not revoked.
	MaxDevices       int      `json:"max_devices,omitempty"`
	RateLimitPerHour int      `json:"rate_limit_per_hour,omitempty"`
	CreatedBy        APIKeyID `json:"created_by,omitempty"`
	ContactEmail     string   `json:"contact_email,omitempty"`
	ContactPhone     string   `json:"contact_phone,omitempty"`
}

// apiKeyPrefix starts every secret, so that leaked keys are easy to find
// (secret scanners, logs).
const apiKeyPrefix = "wau_"

// apiKeyLen is the length of a secret: the prefix and 32 random bytes in
// unpadded base32 (52 characters).
const apiKeyLen = len(apiKeyPrefix) + 52

// allAccountsMarker stands for AllAccounts in the stored account list.
const allAccountsMarker = "*"

// CreateAPIKey creates an API key and returns it with its secret in Key,
// the only time the secret is available. The secret is 256 random bits;
// the store keeps its SHA-256. API keys belong to the store, not to an
// account: the account c is bound to does not matter. It returns
// ErrInvalidArgument for bad scopes or accounts and ErrNotFound for an
// account that does not exist; then nothing is written.
func (c *Client) CreateAPIKey(ctx context.Context, req CreateAPIKeyRequest) (*APIKey, error) {
	if err := c.core.checkOpen(); err != nil {
		return nil, err
	}
	if len(req.Name) > 100 {
		return nil, invalidArg("name", "longer than 100 characters")
	}
	if len(req.Scopes) == 0 {
		return nil, invalidArg("scopes", "give at least one of %v", AllScopes())
	}
	scopes := make([]string, 0, len(req.Scopes))
	for _, s := range req.Scopes {
		if !slices.Contains(AllScopes(), s) {
			return nil, invalidArg("scopes", "%q is not one of %v", s, AllScopes())
		}
		if !slices.Contains(scopes, string(s)) {
			scopes = append(scopes, string(s))
		}
	}
	var accounts []string
	switch {
	case req.AllAccounts && len(req.Accounts) > 0:
		return nil, invalidArg("accounts", "give either accounts or all_accounts, not both")
	case req.AllAccounts:
		accounts = []string{allAccountsMarker}
	case len(req.Accounts) == 0 && req.MaxDevices > 0:
		// A key with a device quota may start with none: the accounts
		// it creates join its list (UpdateAPIKeyRequest.AddAccounts).
		accounts = []string{}
	case len(req.Accounts) == 0:
		return nil, invalidArg("accounts", "give the accounts the key may use, or all_accounts")
	default:
		for _, id := range req.Accounts {
			if !validAccountID(id) {
				return nil, invalidArg("accounts", "%q is not an account id", id)
			}
			if _, err := c.core.account(ctx, id); err != nil {
				return nil, err
			}
			if !slices.Contains(accounts, string(id)) {
				accounts = append(accounts, string(id))
			}
		}
	}

	if err := c.checkAPIKeyDetails(ctx, req.MaxDevices, req.RateLimitPerHour, req.CreatedBy, req.ContactEmail, req.ContactPhone); err != nil {
		return nil, err
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	secret := apiKeyPrefix + strings.ToLower(idEncoding.EncodeToString(b[:]))
	row := &store.APIKey{
		ID:        randomID("key_"),
		Name:      req.Name,
		Prefix:    secret[:len(apiKeyPrefix)+8],
		Hash:      hashAPIKey(secret),
		Scopes:    scopes,
		Accounts:  accounts,
		CreatedAt: c.core.cfg.clock.Now().UTC(),

		MaxDevices:       req.MaxDevices,
		RateLimitPerHour: req.RateLimitPerHour,
		CreatedBy:        string(req.CreatedBy),
		ContactEmail:     req.ContactEmail,
		ContactPhone:     req.ContactPhone,
	}
	if err := store.InsertAPIKey(ctx, c.core.st.DB(), row); err != nil {
		return nil, fmt.Errorf("wauser: create API key: %w", err)
	}
	k := apiKeyFromRow(row)
	k.Key = secret
	return k, nil
}

// ListAPIKeys returns every API key, revoked ones included, oldest first.
// Secrets are not included: they are not stored.
func (c *Client) ListAPIKeys(ctx context.Context) ([]*APIKey, error) {
	if err := c.core.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := store.ListAPIKeys(ctx, c.core.st.DB())
	if err != nil {
		return nil, fmt.Errorf("wauser: list API keys: %w", err)
	}
	out := make([]*APIKey, 0, len(rows))
	for _, r := range rows {
		out = append(out, apiKeyFromRow(r))
	}
	return out, nil
}

// RevokeAPIKey revokes key id: AuthenticateAPIKey of this Client refuses
// it from then on, other processes within 5 s (see AuthenticateAPIKey). Revoking a revoked key does nothing. It returns ErrNotFound when
// there is no such key.
func (c *Client) RevokeAPIKey(ctx context.Context, id APIKeyID) error {
	if err := c.core.checkOpen(); err != nil {
		return err
	}
	err := store.RevokeAPIKey(ctx, c.core.st.DB(), string(id), c.core.cfg.clock.Now().UTC())
	c.core.apiKeys.clear()
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: API key %q", ErrNotFound, id)
	} else if err != nil {
		return fmt.Errorf("wauser: revoke API key: %w", err)
	}
	return nil
}

// AuthenticateAPIKey returns the API key whose secret is key, or an error
// matching ErrInvalidAPIKey when key is malformed, unknown or revoked. The
// key is looked up by its SHA-256, so the secret is never compared byte by
// byte. It records the use in LastUsedAt, at most once a minute per key.
// A key that authenticated is trusted for 5 s without reading the store
// again: a revocation by this Client applies at once, one made by another
// process on the same database within 5 s.
func (c *Client) AuthenticateAPIKey(ctx context.Context, key string) (*APIKey, error) {
	if err := c.core.checkOpen(); err != nil {
		return nil, err
	}
	if len(key) != apiKeyLen || !strings.HasPrefix(key, apiKeyPrefix) {
		return nil, fmt.Errorf("%w: not a wauser API key", ErrInvalidAPIKey)
	}
	hash := hashAPIKey(key)
	now := c.core.cfg.clock.Now().UTC()
	if row, ok := c.core.apiKeys.get(hash, now); ok {
		return c.core.useAPIKey(ctx, hash, row, now), nil
	}
	row, err := store.GetAPIKeyByHash(ctx, c.core.st.DB(), hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: unknown key", ErrInvalidAPIKey)
	} else if err != nil {
		return nil, fmt.Errorf("wauser: authenticate API key: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(row.Hash), []byte(hash)) != 1 {
		return nil, fmt.Errorf("%w: unknown key", ErrInvalidAPIKey)
	}
	if !row.RevokedAt.IsZero() {
		return nil, fmt.Errorf("%w: the key was revoked", ErrInvalidAPIKey)
	}
	c.core.apiKeys.put(hash, row, now)
	return c.core.useAPIKey(ctx, hash, row, now), nil
}

// useAPIKey records the use of a key at most once a minute, and returns it.
func (co *core) useAPIKey(ctx context.Context, hash string, row *store.APIKey, now time.Time) *APIKey {
	if now.Sub(row.LastUsedAt) >= time.Minute {
		if err := store.TouchAPIKey(ctx, co.st.DB(), row.ID, now); err != nil {
			co.cfg.logger.Warn("wauser: record API key use", "key", row.ID, "error", err)
		} else {
			row.LastUsedAt = now
			co.apiKeys.put(hash, row, now)
		}
	}
	return apiKeyFromRow(row)
}

// apiKeyCacheTTL is how long an authenticated key is trusted without
// reading the store again. RevokeAPIKey clears the cache of its own
// Client at once; other processes on the same database see a revocation
// within this time.
const apiKeyCacheTTL = 5 * time.Second

// apiKeyCache keeps recently authenticated keys by the hash of their
// secret, so that a busy key costs no store read per request. Unknown and
// revoked keys are never kept.
type apiKeyCache struct {
	mu   sync.Mutex
	keys map[string]cachedAPIKey
}

type cachedAPIKey struct {
	row store.APIKey
	at  time.Time
}

func (kc *apiKeyCache) get(hash string, now time.Time) (*store.APIKey, bool) {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	e, ok := kc.keys[hash]
	if !ok || now.Sub(e.at) >= apiKeyCacheTTL || now.Before(e.at) {
		delete(kc.keys, hash)
		return nil, false
	}
	row := e.row
	return &row, true
}

func (kc *apiKeyCache) put(hash string, row *store.APIKey, now time.Time) {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	if kc.keys == nil {
		kc.keys = map[string]cachedAPIKey{}
	}
	if len(kc.keys) >= 10000 {
		clear(kc.keys)
	}
	kc.keys[hash] = cachedAPIKey{row: *row, at: now}
}

func (kc *apiKeyCache) clear() {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	clear(kc.keys)
}

func hashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func apiKeyFromRow(r *store.APIKey) *APIKey {
	k := &APIKey{
		ID:         APIKeyID(r.ID),
		Name:       r.Name,
		Prefix:     r.Prefix,
		Scopes:     make([]Scope, 0, len(r.Scopes)),
		Accounts:   []AccountID{},
		CreatedAt:  r.CreatedAt.UTC(),
		LastUsedAt: r.LastUsedAt.UTC(),
		RevokedAt:  r.RevokedAt.UTC(),

		MaxDevices:       r.MaxDevices,
		RateLimitPerHour: r.RateLimitPerHour,
		CreatedBy:        APIKeyID(r.CreatedBy),
		ContactEmail:     r.ContactEmail,
		ContactPhone:     r.ContactPhone,
	}
	for _, s := range r.Scopes {
		k.Scopes = append(k.Scopes, Scope(s))
	}
	for _, a := range r.Accounts {
		if a == allAccountsMarker {
			k.AllAccounts = true
			continue
		}
		k.Accounts = append(k.Accounts, AccountID(a))
	}
	return k
}
