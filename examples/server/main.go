// Command server is wauser's main job: it keeps WhatsApp accounts linked and
// serves the REST API (package rest), on an embedded SQLite database that
// needs no configuration.
//
//	go run ./examples/server                  # pair by QR code shown in the terminal
//	go run ./examples/server -phone +15551234567   # pair by typing a code on the phone
//
// On first start it creates wauser.db and an account named "default", shows
// a QR code to scan with WhatsApp (Settings, Linked devices), and prints,
// once, the admin credentials (for POST /v1/accounts) and a first API key
// (every scope, every account). Both are generated, and only their hashes
// are kept: the admin password's in wauser.admin (-admin-file), the key's
// in the database. There are no default secrets. Later starts reconnect the
// linked account.
//
// The REST API is served at the root (GET /openapi.json describes it), and
// GET /healthz reports every account's state without authentication. The
// pairing page, at /pair behind the admin credentials, links accounts from
// a browser: it lists them, creates new ones, and shows their live QR code
// or phone code; its URL is printed on start.
// Without network it keeps running and reports the account as reconnecting
// (or the pairing as failed) with the reason. Ctrl-C stops it cleanly.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mdp/qrterminal/v3"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/rest"
)

func main() {
	var (
		dbPath  = flag.String("db", "wauser.db", "SQLite database file (or a postgres:// URL)")
		addr    = flag.String("addr", "127.0.0.1:8080", "HTTP listen address")
		account = flag.String("account", "default", "account to create and pair when the store has none")
		admin   = flag.String("admin-file", "wauser.admin", "file keeping the admin user and password hash (created on first start)")
		phone   = flag.String("phone", "", "pair by phone code for this number (E.164) instead of a QR code")
		verbose = flag.Bool("v", false, "debug logging")
	)
	flag.Parse()
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := run(*dbPath, *addr, *admin, wauser.AccountID(*account), *phone, log); err != nil {
		log.Error("server stopped", "error", err)
		os.Exit(1)
	}
}

func run(dbPath, addr, adminFile string, account wauser.AccountID, phone string, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	c, err := wauser.Open(ctx, dbPath, wauser.WithLogger(log))
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		return err
	}
	accounts, err := c.ListAccounts(ctx)
	if err != nil {
		return err
	}
	if len(accounts) == 0 {
		if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: account}); err != nil {
			return err
		}
		log.Info("created account", "account", account)
	} else {
		account = accounts[0].ID
	}
	adminUser, adminHash, err := adminCredentials(adminFile)
	if err != nil {
		return err
	}
	if err := firstKey(ctx, c); err != nil {
		return err
	}
	go keepPaired(ctx, c.WithAccount(account), phone, log)

	api := rest.NewHandler(c, rest.Options{AdminUser: adminUser, AdminPasswordHash: adminHash, Logger: log, PairPage: true})
	// The pairing page's event streams stay open while a browser shows the
	// page: they end when shutdown starts, so that Shutdown need not wait
	// for them. Other requests finish normally.
	shuttingDown, shutdown := context.WithCancel(context.Background())
	defer shutdown()
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.Handle("GET /pair/accounts/{id}/events", endOnShutdown(shuttingDown, api))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		list, err := c.ListAccounts(r.Context())
		if err != nil {
			http.Error(w, `{"status":"error"}`, http.StatusServiceUnavailable)
			return
		}
		type acc struct {
			ID        wauser.AccountID    `json:"id"`
			State     wauser.AccountState `json:"state"`
			LastError string              `json:"last_error,omitempty"`
		}
		out := struct {
			Status   string `json:"status"`
			Accounts []acc  `json:"accounts"`
		}{Status: "ok", Accounts: []acc{}}
		for _, a := range list {
			out.Accounts = append(out.Accounts, acc{a.ID, a.State, a.LastError})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	srv.RegisterOnShutdown(shutdown)
	base := "http://" + ln.Addr().String()
	fmt.Printf("\nPairing page (admin credentials): %s/pair\n\n", base)
	log.Info("serving", "url", base+"/healthz", "api", base+"/openapi.json", "pair", base+"/pair", "db", dbPath)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	return nil
}

// endOnShutdown cancels the requests of h once shuttingDown ends.
func endOnShutdown(shuttingDown context.Context, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		stop := context.AfterFunc(shuttingDown, cancel)
		defer stop()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// adminCredentials reads the admin user and password hash from file, or, on
// first start, generates a password, prints it once and keeps only its
// hash.
func adminCredentials(file string) (user, hash string, err error) {
	data, err := os.ReadFile(file)
	if err == nil {
		user, hash, ok := strings.Cut(strings.TrimSpace(string(data)), ":")
		if !ok || user == "" || len(hash) != 64 {
			return "", "", fmt.Errorf("%s: want one line user:sha256-hex", file)
		}
		return user, hash, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", "", err
	}
	user, password := "admin", rest.GenerateSecret()
	hash = rest.HashAdminPassword(password)
	if err := os.WriteFile(file, []byte(user+":"+hash+"\n"), 0o600); err != nil {
		return "", "", err
	}
	fmt.Printf("\nAdmin credentials for POST /v1/accounts (shown once; only a hash is kept in %s):\n\n    user:     %s\n    password: %s\n\n", file, user, password)
	return user, hash, nil
}

// firstKey creates and prints an API key with every scope for every
// account when the store has no key yet.
func firstKey(ctx context.Context, c *wauser.Client) error {
	keys, err := c.ListAPIKeys(ctx)
	if err != nil || len(keys) > 0 {
		return err
	}
	k, err := c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{Name: "first key", Scopes: wauser.AllScopes(), AllAccounts: true})
	if err != nil {
		return err
	}
	fmt.Printf("\nAPI key (shown once; send it as Authorization: Bearer <key>):\n\n    %s\n\n", k.Key)
	return nil
}

// keepPaired pairs the account when it is not paired, showing QR codes (or
// the phone code) as they come, and tries again while pairing fails.
func keepPaired(ctx context.Context, bot *wauser.Client, phone string, log *slog.Logger) {
	for ctx.Err() == nil {
		st, err := bot.Status(ctx)
		if err != nil {
			log.Error("status", "error", err)
			return
		}
		switch st.State {
		case wauser.StateUnpaired, wauser.StateLoggedOut, wauser.StatePairing:
			if err := pairOnce(ctx, bot, phone); err != nil && ctx.Err() == nil {
				log.Warn("pairing failed; retrying in 10 s", "error", err)
				sleep(ctx, 10*time.Second)
			}
		default:
			// Paired: report state changes until it needs pairing again.
			_, _ = bot.WaitStatus(ctx, func(s *wauser.Status) bool {
				return s.State == wauser.StateLoggedOut
			})
		}
	}
}

func pairOnce(ctx context.Context, bot *wauser.Client, phone string) error {
	var (
		p   *wauser.Pairing
		err error
	)
	if phone != "" {
		p, err = bot.PairPhone(ctx, phone)
	} else {
		p, err = bot.PairQR(ctx)
	}
	if err != nil {
		return err
	}
	shown := ""
	for {
		if p.Code != "" && p.Code != shown {
			fmt.Printf("\nOn the phone: WhatsApp > Linked devices > Link with phone number, then enter:\n\n    %s\n\n", p.Code)
			shown = p.Code
		} else if p.Code == "" && p.QR != "" && p.QR != shown {
			fmt.Println("\nScan with WhatsApp > Linked devices > Link a device:")
			qrterminal.GenerateHalfBlock(p.QR, qrterminal.L, os.Stdout)
			shown = p.QR
		}
		st, err := bot.WaitStatus(ctx, func(s *wauser.Status) bool {
			return s.Pairing == nil || s.Pairing.Status == wauser.PairingPaired ||
				s.Pairing.Status == wauser.PairingFailed || s.Pairing.QR != p.QR || s.Pairing.Code != p.Code
		})
		if err != nil {
			return err
		}
		if st.Pairing == nil {
			return errors.New("pairing ended")
		}
		switch st.Pairing.Status {
		case wauser.PairingPaired:
			fmt.Printf("\nLinked as %s.\n\n", st.JID.User)
			return nil
		case wauser.PairingFailed:
			return errors.New(st.Pairing.Error)
		}
		p = st.Pairing
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
