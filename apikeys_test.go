package wauser_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/testdb"
	"github.com/wauser/wauser/store/sqlite"
)

func TestAPIKeyLifecycle(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		_, err := h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "a"})
		require.NoError(t, err)

		k, err := h.c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{
			Name: "ci", Scopes: []wauser.Scope{wauser.ScopeRead, wauser.ScopeRead}, Accounts: []wauser.AccountID{"a", "a"},
		})
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(k.Key, "wau_"))
		require.Len(t, k.Key, 56)
		require.Equal(t, k.Key[:12], k.Prefix)
		require.Equal(t, []wauser.Scope{wauser.ScopeRead}, k.Scopes, "duplicates are dropped")
		require.Equal(t, []wauser.AccountID{"a"}, k.Accounts)
		require.Equal(t, epoch, k.CreatedAt)

		// Only a hash is stored: the secret appears nowhere in the database.
		var stored string
		require.NoError(t, h.c.Store().DB().NewSelect().Table("wauser_api_keys").Column("hash").Scan(ctx, &stored))
		require.Len(t, stored, 64)
		require.NotContains(t, stored, k.Key[4:])
		var rows int
		require.NoError(t, h.c.Store().DB().NewSelect().Table("wauser_api_keys").
			Where("hash LIKE ? OR prefix LIKE ? OR name LIKE ?", "%"+k.Key[12:]+"%", "%"+k.Key[12:]+"%", "%"+k.Key[12:]+"%").
			ColumnExpr("count(*)").Scan(ctx, &rows))
		require.Zero(t, rows)

		got, err := h.c.AuthenticateAPIKey(ctx, k.Key)
		require.NoError(t, err)
		require.Equal(t, k.ID, got.ID)
		require.Empty(t, got.Key, "the secret is not given back")
		require.Equal(t, epoch, got.LastUsedAt)
		require.True(t, got.HasScope(wauser.ScopeRead))
		require.False(t, got.HasScope(wauser.ScopeWrite))
		require.True(t, got.CanAccess("a"))
		require.False(t, got.CanAccess("b"))

		// Use is recorded at most once a minute.
		h.clock.Advance(30 * time.Second)
		got, err = h.c.AuthenticateAPIKey(ctx, k.Key)
		require.NoError(t, err)
		require.Equal(t, epoch, got.LastUsedAt)
		h.clock.Advance(31 * time.Second)
		got, err = h.c.AuthenticateAPIKey(ctx, k.Key)
		require.NoError(t, err)
		require.Equal(t, epoch.Add(61*time.Second), got.LastUsedAt)

		last := "a"
		if strings.HasSuffix(k.Key, "a") {
			last = "b"
		}
		for _, bad := range []string{"", "wau_", k.Key + "x", k.Key[:55] + last, strings.ToUpper(k.Key), "Bearer " + k.Key} {
			_, err = h.c.AuthenticateAPIKey(ctx, bad)
			require.ErrorIs(t, err, wauser.ErrInvalidAPIKey, "%q", bad)
		}

		list, err := h.c.ListAPIKeys(ctx)
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Empty(t, list[0].Key)

		require.NoError(t, h.c.RevokeAPIKey(ctx, k.ID))
		_, err = h.c.AuthenticateAPIKey(ctx, k.Key)
		require.ErrorIs(t, err, wauser.ErrInvalidAPIKey)
		h.clock.Advance(time.Hour)
		require.NoError(t, h.c.RevokeAPIKey(ctx, k.ID), "revoking twice is fine")
		list, err = h.c.ListAPIKeys(ctx)
		require.NoError(t, err)
		require.Equal(t, epoch.Add(61*time.Second), list[0].RevokedAt, "the first revocation time stays")
		require.ErrorIs(t, h.c.RevokeAPIKey(ctx, "key_missing"), wauser.ErrNotFound)
	})
}

// TestAPIKeyRevocationAcrossClients: authenticated keys are trusted for a
// few seconds without a store read; a revocation is seen at once by the
// Client that made it, and by other Clients (processes) on the same
// database within those seconds.
func TestAPIKeyRevocationAcrossClients(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		other := h.open(t) // a second process on the same database
		ctx := ctxTimeout(t)
		k, err := h.c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{Scopes: []wauser.Scope{wauser.ScopeRead}, AllAccounts: true})
		require.NoError(t, err)
		_, err = h.c.AuthenticateAPIKey(ctx, k.Key)
		require.NoError(t, err)
		_, err = other.AuthenticateAPIKey(ctx, k.Key)
		require.NoError(t, err)

		require.NoError(t, h.c.RevokeAPIKey(ctx, k.ID))
		_, err = h.c.AuthenticateAPIKey(ctx, k.Key)
		require.ErrorIs(t, err, wauser.ErrInvalidAPIKey, "the revoking Client refuses the key at once")
		_, err = other.AuthenticateAPIKey(ctx, k.Key)
		require.NoError(t, err, "another process may still trust its cached key briefly")
		h.clock.Advance(5 * time.Second)
		_, err = other.AuthenticateAPIKey(ctx, k.Key)
		require.ErrorIs(t, err, wauser.ErrInvalidAPIKey, "and refuses it after 5 s")
	})
}

func TestAPIKeyAllAccountsAndAdmin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	k, err := h.c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{Scopes: []wauser.Scope{wauser.ScopeAdmin}, AllAccounts: true})
	require.NoError(t, err)
	got, err := h.c.AuthenticateAPIKey(ctx, k.Key)
	require.NoError(t, err)
	require.True(t, got.AllAccounts)
	require.Empty(t, got.Accounts)
	require.True(t, got.CanAccess("created-later"), "all accounts includes future ones")
	require.False(t, got.CanAccess(""))
	for _, s := range wauser.AllScopes() {
		require.True(t, got.HasScope(s), "admin carries %s", s)
	}
}

func TestCreateAPIKeyRejectsBadRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t, testdb.SQLite(t))
	ctx := ctxTimeout(t)
	_, err := h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "a"})
	require.NoError(t, err)
	read := []wauser.Scope{wauser.ScopeRead}
	for name, c := range map[string]struct {
		req  wauser.CreateAPIKeyRequest
		want error
	}{
		"no scope":        {wauser.CreateAPIKeyRequest{Accounts: []wauser.AccountID{"a"}}, wauser.ErrInvalidArgument},
		"unknown scope":   {wauser.CreateAPIKeyRequest{Scopes: []wauser.Scope{"root"}, AllAccounts: true}, wauser.ErrInvalidArgument},
		"no account":      {wauser.CreateAPIKeyRequest{Scopes: read}, wauser.ErrInvalidArgument},
		"both":            {wauser.CreateAPIKeyRequest{Scopes: read, AllAccounts: true, Accounts: []wauser.AccountID{"a"}}, wauser.ErrInvalidArgument},
		"malformed id":    {wauser.CreateAPIKeyRequest{Scopes: read, Accounts: []wauser.AccountID{"a b"}}, wauser.ErrInvalidArgument},
		"missing account": {wauser.CreateAPIKeyRequest{Scopes: read, Accounts: []wauser.AccountID{"a", "zz"}}, wauser.ErrNotFound},
		"name too long":   {wauser.CreateAPIKeyRequest{Name: strings.Repeat("n", 101), Scopes: read, AllAccounts: true}, wauser.ErrInvalidArgument},
		"negative hourly": {wauser.CreateAPIKeyRequest{Scopes: read, AllAccounts: true, RateLimitPerHour: -1}, wauser.ErrInvalidArgument},
		"huge hourly":     {wauser.CreateAPIKeyRequest{Scopes: read, AllAccounts: true, RateLimitPerHour: 1 << 40}, wauser.ErrInvalidArgument},
	} {
		_, err := h.c.CreateAPIKey(ctx, c.req)
		require.ErrorIs(t, err, c.want, name)
	}
	list, err := h.c.ListAPIKeys(ctx)
	require.NoError(t, err)
	require.Empty(t, list, "nothing was written")
}

// FuzzAuthenticateAPIKey: any string is either the key itself or refused
// with ErrInvalidAPIKey, never another error or a panic.
func FuzzAuthenticateAPIKey(f *testing.F) {
	h := newHarness(f, testdb.SQLite(f))
	k, err := h.c.CreateAPIKey(f.Context(), wauser.CreateAPIKeyRequest{Scopes: []wauser.Scope{wauser.ScopeRead}, AllAccounts: true})
	require.NoError(f, err)
	for _, s := range []string{"", k.Key, k.Key[:55], k.Key + " ", "wau_" + strings.Repeat("a", 52), "wau_\x00" + strings.Repeat("'", 50), "' OR 1=1 --"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		got, err := h.c.AuthenticateAPIKey(context.Background(), key)
		if key == k.Key {
			require.NoError(t, err)
			require.Equal(t, k.ID, got.ID)
			return
		}
		require.ErrorIs(t, err, wauser.ErrInvalidAPIKey, "%q", key)
		require.Nil(t, got)
	})
}

// Create an API key for one account, show its secret once, and check a
// request's key.
func ExampleClient_CreateAPIKey() {
	ctx := context.Background()
	c, err := wauser.Open(ctx, sqlite.File(":memory:"))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "sales"}); err != nil {
		panic(err)
	}
	k, err := c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{
		Name:     "dashboard",
		Scopes:   []wauser.Scope{wauser.ScopeRead},
		Accounts: []wauser.AccountID{"sales"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("give this to the dashboard, once:", k.Key[:4]+"…")

	got, err := c.AuthenticateAPIKey(ctx, k.Key)
	if err != nil {
		panic(err)
	}
	fmt.Println(got.Name, got.HasScope(wauser.ScopeRead), got.HasScope(wauser.ScopeWrite), got.CanAccess("sales"))

	_, err = c.AuthenticateAPIKey(ctx, "wau_guessed")
	fmt.Println(errors.Is(err, wauser.ErrInvalidAPIKey))
	// Output:
	// give this to the dashboard, once: wau_…
	// dashboard true false true
	// true
}

// TestAPIKeyConcurrentAddAccounts: updates that add accounts to one key at
// the same time each keep their accounts: the key's row is read and
// written in one transaction that holds it, so none overwrites another's.
func TestAPIKeyConcurrentAddAccounts(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		other := h.open(t) // a second process on the same database
		ctx := ctxTimeout(t)
		const n = 12
		var want []wauser.AccountID
		for i := range n {
			id := wauser.AccountID(fmt.Sprintf("dev%02d", i))
			_, err := h.c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: id})
			require.NoError(t, err)
			want = append(want, id)
		}
		k, err := h.c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{Name: "quota", Scopes: []wauser.Scope{wauser.ScopeAdmin}, MaxDevices: n})
		require.NoError(t, err)

		start := make(chan struct{})
		errs := make(chan error, n)
		for i, id := range want {
			c := h.c
			if i%2 == 1 {
				c = other
			}
			go func() {
				<-start
				_, err := c.UpdateAPIKey(ctx, k.ID, wauser.UpdateAPIKeyRequest{AddAccounts: []wauser.AccountID{id}})
				errs <- err
			}()
		}
		close(start)
		for range n {
			require.NoError(t, <-errs)
		}
		got, err := h.c.GetAPIKey(ctx, k.ID)
		require.NoError(t, err)
		require.ElementsMatch(t, want, got.Accounts, "no update lost another's accounts")

		// An update naming an account that does not exist changes nothing.
		name := "renamed"
		_, err = other.UpdateAPIKey(ctx, k.ID, wauser.UpdateAPIKeyRequest{Name: &name, AddAccounts: []wauser.AccountID{"gone"}})
		require.ErrorIs(t, err, wauser.ErrNotFound)
		got, err = h.c.GetAPIKey(ctx, k.ID)
		require.NoError(t, err)
		require.Equal(t, "quota", got.Name)
		require.Len(t, got.Accounts, n)
		_, err = h.c.UpdateAPIKey(ctx, "key_nope", wauser.UpdateAPIKeyRequest{Name: &name})
		require.ErrorIs(t, err, wauser.ErrNotFound)
	})
}

// TestAPIKeyRateLimitPerHour: a key's own hourly request limit is stored
// with it, changed by UpdateAPIKey, and checked.
func TestAPIKeyRateLimitPerHour(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		t.Parallel()
		h := newHarness(t, db)
		ctx := ctxTimeout(t)
		k, err := h.c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{Scopes: []wauser.Scope{wauser.ScopeRead}, AllAccounts: true, RateLimitPerHour: 1000})
		require.NoError(t, err)
		require.Equal(t, 1000, k.RateLimitPerHour)
		got, err := h.c.AuthenticateAPIKey(ctx, k.Key)
		require.NoError(t, err)
		require.Equal(t, 1000, got.RateLimitPerHour)

		for _, bad := range []int{-1, 10_000_001} {
			_, err = h.c.UpdateAPIKey(ctx, k.ID, wauser.UpdateAPIKeyRequest{RateLimitPerHour: &bad})
			require.ErrorIs(t, err, wauser.ErrInvalidArgument)
		}
		none := 0
		_, err = h.c.UpdateAPIKey(ctx, k.ID, wauser.UpdateAPIKeyRequest{RateLimitPerHour: &none})
		require.NoError(t, err)
		got, err = h.c.AuthenticateAPIKey(ctx, k.Key)
		require.NoError(t, err)
		require.Zero(t, got.RateLimitPerHour, "the update is seen at once: it clears the Client's key cache")
		list, err := h.c.ListAPIKeys(ctx)
		require.NoError(t, err)
		require.Zero(t, list[0].RateLimitPerHour)
	})
}

// Give a customer's key an hourly request limit for the REST handler and
// let it reach a second account; updates made at the same time keep each
// other's accounts.
func ExampleClient_UpdateAPIKey() {
	ctx := context.Background()
	c, err := wauser.Open(ctx, sqlite.File(":memory:"))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	for _, id := range []wauser.AccountID{"shop", "support"} {
		if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: id}); err != nil {
			panic(err)
		}
	}
	k, err := c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{
		Name: "acme", Scopes: []wauser.Scope{wauser.ScopeRead}, Accounts: []wauser.AccountID{"shop"}, RateLimitPerHour: 1000,
	})
	if err != nil {
		panic(err)
	}
	perHour := 5000
	k, err = c.UpdateAPIKey(ctx, k.ID, wauser.UpdateAPIKeyRequest{RateLimitPerHour: &perHour, AddAccounts: []wauser.AccountID{"support"}})
	if err != nil {
		panic(err)
	}
	fmt.Println(k.RateLimitPerHour, k.Accounts)

	_, err = c.UpdateAPIKey(ctx, k.ID, wauser.UpdateAPIKeyRequest{AddAccounts: []wauser.AccountID{"nobody"}})
	fmt.Println(errors.Is(err, wauser.ErrNotFound))
	// Output:
	// 5000 [shop support]
	// true
}
