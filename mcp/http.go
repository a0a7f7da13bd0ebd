package mcp

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/auth"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/rest"
)

// keyGrant is what the verifier hands the SDK for one request.
type keyGrant struct {
	key     *wauser.APIKey
	account wauser.AccountID
}

func (s *Server) httpHandler() http.Handler {
	stream := sdk.NewStreamableHTTPHandler(func(r *http.Request) *sdk.Server {
		ti := auth.TokenInfoFromContext(r.Context())
		if ti == nil {
			return nil
		}
		kg, ok := ti.Extra["grant"].(keyGrant)
		if !ok {
			return nil
		}
		g := grant{c: s.c, account: kg.account, read: kg.key.HasScope(wauser.ScopeRead), write: kg.key.HasScope(wauser.ScopeWrite), describedFor: kg.key.Name}
		if kg.account != "" {
			g.c = s.c.WithAccount(kg.account)
		}
		return s.serverFor(ti.UserID, g).srv
	}, &sdk.StreamableHTTPOptions{Logger: s.log})
	verify := auth.RequireBearerToken(s.verifyKey, &auth.RequireBearerTokenOptions{AllowMissingExpiration: true})(stream)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The REST API also takes the key as X-Api-Key or a bare
		// Authorization header; the SDK reads Bearer tokens.
		if key := rest.APIKeyFromRequest(r); key != "" {
			r = r.Clone(r.Context())
			r.Header.Set("Authorization", "Bearer "+key)
		}
		verify.ServeHTTP(w, r)
	})
}

// verifyKey checks an API key and picks the account the request acts on.
// The token's user id is the key and the account: a session opened with
// one key cannot be used with another.
func (s *Server) verifyKey(ctx context.Context, token string, r *http.Request) (*auth.TokenInfo, error) {
	k, err := s.c.AuthenticateAPIKey(ctx, token)
	if errors.Is(err, wauser.ErrInvalidAPIKey) {
		return nil, fmt.Errorf("%w: invalid API key", auth.ErrInvalidToken)
	}
	if err != nil {
		return nil, err
	}
	var account wauser.AccountID
	switch header := r.Header.Get(rest.HeaderConnectionID); {
	case header != "":
		account = wauser.AccountID(header)
		if !k.CanAccess(account) {
			return nil, fmt.Errorf("%w: the API key cannot access connection %q", auth.ErrInvalidToken, header)
		}
	case k.AllAccounts:
	case len(k.Accounts) == 1:
		account = k.Accounts[0]
	default:
		return nil, fmt.Errorf("%w: name the account in the %s header", auth.ErrInvalidToken, rest.HeaderConnectionID)
	}
	scopes := make([]string, len(k.Scopes))
	for i, sc := range k.Scopes {
		scopes[i] = string(sc)
	}
	return &auth.TokenInfo{
		Scopes: scopes,
		UserID: string(k.ID) + "|" + string(account),
		Extra:  map[string]any{"grant": keyGrant{key: k, account: account}},
	}, nil
}
