package wauser

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/wauser/wauser/internal/store"
)

// maxDevicesLimit bounds an API key's own device quota.
const maxDevicesLimit = 100000

// maxRateLimitPerHour bounds an API key's own hourly request limit (about
// 2800 requests a second).
const maxRateLimitPerHour = 10_000_000

// checkAPIKeyDetails validates the optional details of a key: its device
// quota, its hourly request limit, its creator (a key that is not revoked)
// and its holder's contact.
func (c *Client) checkAPIKeyDetails(ctx context.Context, maxDevices, perHour int, createdBy APIKeyID, email, phone string) error {
	if maxDevices < 0 || maxDevices > maxDevicesLimit {
		return invalidArg("max_devices", "%d; give 0 (the default) to %d", maxDevices, maxDevicesLimit)
	}
	if perHour < 0 || perHour > maxRateLimitPerHour {
		return invalidArg("rate_limit_per_hour", "%d; give 0 (none) to %d", perHour, maxRateLimitPerHour)
	}
	if createdBy != "" {
		row, err := store.GetAPIKey(ctx, c.core.st.DB(), string(createdBy))
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: API key %q", ErrNotFound, createdBy)
		} else if err != nil {
			return fmt.Errorf("wauser: create API key: %w", err)
		}
		if !row.RevokedAt.IsZero() {
			return invalidArg("created_by", "API key %q is revoked", createdBy)
		}
	}
	return checkContact(email, phone)
}

// checkContact validates a key holder's e-mail address and phone number.
func checkContact(email, phone string) error {
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
			return invalidArg("contact_email", "%q is not an e-mail address", email)
		}
	}
	if len(phone) > 32 || strings.ContainsAny(phone, "\r\n\t") {
		return invalidArg("contact_phone", "%q is not a phone number", phone)
	}
	return nil
}

// GetAPIKey returns API key id, revoked or not, without its secret; it
// returns ErrNotFound when there is no such key.
func (c *Client) GetAPIKey(ctx context.Context, id APIKeyID) (*APIKey, error) {
	if err := c.core.checkOpen(); err != nil {
		return nil, err
	}
	row, err := store.GetAPIKey(ctx, c.core.st.DB(), string(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: API key %q", ErrNotFound, id)
	} else if err != nil {
		return nil, fmt.Errorf("wauser: get API key: %w", err)
	}
	return apiKeyFromRow(row), nil
}

// ListAPIKeysCreatedBy returns the keys that key creator created as
// accounts' tokens (CreateAPIKeyRequest.CreatedBy), revoked ones included,
// oldest first: the accounts it created are theirs.
func (c *Client) ListAPIKeysCreatedBy(ctx context.Context, creator APIKeyID) ([]*APIKey, error) {
	if err := c.core.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := store.ListAPIKeysCreatedBy(ctx, c.core.st.DB(), string(creator))
	if err != nil {
		return nil, fmt.Errorf("wauser: list API keys: %w", err)
	}
	out := make([]*APIKey, 0, len(rows))
	for _, r := range rows {
		out = append(out, apiKeyFromRow(r))
	}
	return out, nil
}

// UpdateAPIKeyRequest is the body of UpdateAPIKey: the fields to change
// (nil ones stay). A key's secret, scopes and accounts cannot change:
// revoke it and create another.
type UpdateAPIKeyRequest struct {
	Name             *string `json:"name,omitempty"`
	MaxDevices       *int    `json:"max_devices,omitempty"`
	RateLimitPerHour *int    `json:"rate_limit_per_hour,omitempty"`
	ContactEmail     *string `json:"contact_email,omitempty"`
	ContactPhone     *string `json:"contact_phone,omitempty"`
	// AddAccounts join the key's accounts (not for a key that reaches
	// all); they must exist.
	AddAccounts []AccountID `json:"add_accounts,omitempty"`
}

// UpdateAPIKey changes the name, device quota, hourly request limit,
// contact or accounts of API key id, revoked or not, and returns it. A
// lower quota takes the accounts already created as they are: it only
// refuses further creations. Updates of one key run one after the other,
// in this process and others on the same database: accounts added by
// updates made at the same time all stay. It returns ErrInvalidArgument
// for a bad value (then nothing changes) and ErrNotFound when there is no
// such key or account.
func (c *Client) UpdateAPIKey(ctx context.Context, id APIKeyID, req UpdateAPIKeyRequest) (*APIKey, error) {
	if err := c.core.checkOpen(); err != nil {
		return nil, err
	}
	if req.Name != nil && len(*req.Name) > 100 {
		return nil, invalidArg("name", "longer than 100 characters")
	}
	if err := c.checkAPIKeyDetails(ctx, deref(req.MaxDevices), deref(req.RateLimitPerHour), "", "", ""); err != nil {
		return nil, err
	}
	for _, a := range req.AddAccounts {
		if !validAccountID(a) {
			return nil, invalidArg("add_accounts", "%q is not an account id", a)
		}
	}
	row, err := c.core.st.ChangeAPIKey(ctx, string(id), func(ctx context.Context, tx bun.IDB, row *store.APIKey) ([]string, error) {
		var cols []string
		if req.Name != nil {
			row.Name, cols = *req.Name, append(cols, "name")
		}
		if req.MaxDevices != nil {
			row.MaxDevices, cols = *req.MaxDevices, append(cols, "max_devices")
		}
		if req.RateLimitPerHour != nil {
			row.RateLimitPerHour, cols = *req.RateLimitPerHour, append(cols, "rate_limit_per_hour")
		}
		if req.ContactEmail != nil {
			row.ContactEmail, cols = *req.ContactEmail, append(cols, "contact_email")
		}
		if req.ContactPhone != nil {
			row.ContactPhone, cols = *req.ContactPhone, append(cols, "contact_phone")
		}
		if err := checkContact(row.ContactEmail, row.ContactPhone); err != nil {
			return nil, err
		}
		if len(req.AddAccounts) == 0 {
			return cols, nil
		}
		if slices.Contains(row.Accounts, allAccountsMarker) {
			return nil, invalidArg("add_accounts", "the key reaches every account")
		}
		for _, a := range req.AddAccounts {
			if _, err := store.AccountByID(ctx, tx, string(a)); errors.Is(err, store.ErrNotFound) {
				return nil, fmt.Errorf("%w: account %q", ErrNotFound, a)
			} else if err != nil {
				return nil, err
			}
			if !slices.Contains(row.Accounts, string(a)) {
				row.Accounts = append(row.Accounts, string(a))
			}
		}
		return append(cols, "accounts"), nil
	})
	var arg *ArgumentError
	switch {
	case errors.As(err, &arg), errors.Is(err, ErrNotFound):
		return nil, err
	case errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("%w: API key %q", ErrNotFound, id)
	case err != nil:
		return nil, fmt.Errorf("wauser: update API key: %w", err)
	}
	c.core.apiKeys.clear()
	return apiKeyFromRow(row), nil
}

// deref is *p, or the zero value when p is nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
