// Command mount shows wauser's REST API inside an application that already
// has an HTTP server and its own authentication: the handler is mounted
// under /wa/ with http.StripPrefix, behind the host's middleware, and
// rest.Options.Authenticate maps the host's signed-in user to what the API
// may do. No API keys are involved.
//
//	go run ./examples/mount
//
// It prints a session token on start (generated; there is no default), and
// serves the host's own page at / and the API at /wa/ (see
// /wa/openapi.json):
//
//	curl -H 'Cookie: session=<token>' http://127.0.0.1:8081/wa/v1/whatsapp/status
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/rest"
	"github.com/wauser/wauser/store/sqlite"
)

func main() {
	var (
		dbPath = flag.String("db", "mount.db", "SQLite database file")
		addr   = flag.String("addr", "127.0.0.1:8081", "HTTP listen address")
	)
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*dbPath, *addr, log); err != nil {
		log.Error("stopped", "error", err)
		os.Exit(1)
	}
}

func run(dbPath, addr string, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := wauser.Open(ctx, sqlite.File(dbPath), wauser.WithLogger(log))
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		return err
	}
	if list, err := c.ListAccounts(ctx); err != nil {
		return err
	} else if len(list) == 0 {
		if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: "default"}); err != nil {
			return err
		}
	}

	var b [16]byte
	_, _ = rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	sessions := map[string]user{token: {name: "operator", admin: true}}
	fmt.Printf("Session token for this run (send it as Cookie: session=<token>):\n\n    %s\n\n", token)

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: newServer(c, sessions, log), ReadHeaderTimeout: 10 * time.Second}
	log.Info("serving", "url", "http://"+ln.Addr().String()+"/wa/openapi.json")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// user is someone signed in to the host application.
type user struct {
	name  string
	admin bool // may pair and unlink; others may only read
}

type userKey struct{}

// newServer is the host application: its own routes, its own sessions, and
// the wauser API under /wa/.
func newServer(c *wauser.Client, sessions map[string]user, log *slog.Logger) http.Handler {
	api := rest.NewHandler(c, rest.Options{
		Logger: log,
		// The host already knows who is calling: say what they may do.
		Authenticate: func(r *http.Request) (*wauser.APIKey, error) {
			u, ok := r.Context().Value(userKey{}).(user)
			if !ok {
				return nil, rest.ErrUnauthorized
			}
			scopes := []wauser.Scope{wauser.ScopeRead}
			if u.admin {
				scopes = wauser.AllScopes()
			}
			// ID keys the rate limit: one window per user.
			return &wauser.APIKey{ID: wauser.APIKeyID("user:" + u.name), Name: u.name, Scopes: scopes, AllAccounts: true}, nil
		},
	})

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = fmt.Fprintln(w, "the host application; the WhatsApp API is under /wa/")
	})
	mux.Handle("/wa/", requireSession(sessions, http.StripPrefix("/wa", api)))
	return mux
}

// requireSession is the host's own authentication middleware.
func requireSession(sessions map[string]user, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cookie, err := r.Cookie("session")
		if err != nil {
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		u, ok := sessions[cookie.Value]
		if !ok {
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, u)))
	})
}
