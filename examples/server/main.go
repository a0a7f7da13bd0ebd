// Command server is wauser's main job: it keeps WhatsApp accounts linked and
// serves the REST API (package rest) and a console in the browser, on an
// embedded SQLite database that needs no configuration.
//
//	go run ./examples/server -demo            # try it: a simulated WhatsApp, then open the printed URL
//	go run ./examples/server                  # pair by QR code shown in the terminal or the console
//	go run ./examples/server -phone +15551234567   # pair by typing a code on the phone
//	go run ./examples/server keys create      # a new API key, when the keys are lost
//	go run ./examples/server admin reset      # a new admin password, when it is lost
//
// On first start it creates wauser.db and an account named "default", shows
// a QR code to scan with WhatsApp (Settings, Linked devices), and prints,
// once, the console's address with the admin credentials in it, the admin
// credentials themselves (for the console and POST /v1/accounts) and a
// first API key (every scope, every account). Both are generated, and only
// their hashes are kept: the admin password's in wauser.admin
// (-admin-file), the key's in the database. There are no default secrets.
// Later starts reconnect the linked account. Lost them? "keys create"
// prints a new key and "admin reset" a new admin password, and nothing
// else changes.
//
// With -demo (or WAUSER_DEMO=true) it runs the same server against a
// simulated WhatsApp (package watest) on a database of its own
// (wauser-demo.db): the console links accounts (the first, "default", and
// any created there) with a button that plays a phone scanning the QR
// code, and once an account is linked, simulated people (Alice, Bob and
// Carla, in a group) write, send a picture, react, edit and delete, and
// answer what you send them. Every page, the log and GET /healthz say it
// is a demo. Each start plays the script again.
//
// It serves, on 127.0.0.1:8080 (-addr):
//
//   - the REST API at the root (GET /openapi.json describes it) and its
//     reference, GET /docs (Swagger UI, embedded);
//   - the console at /pair, behind the admin credentials: accounts and
//     linking, conversations (live), sending, webhooks with their
//     deliveries, API keys;
//   - GET /healthz (the process is alive) and GET /readyz (the store
//     answers; every account's state), without credentials;
//   - GET /metrics: Prometheus metrics (wauser.WithMetrics and Go's own),
//     without credentials;
//   - /mcp: the accounts as a Model Context Protocol server for AI
//     assistants (package mcp, streamable HTTP), behind the same API keys.
//
// Every flag also reads an environment variable: WAUSER_DB, WAUSER_ADDR,
// WAUSER_ACCOUNT, WAUSER_ADMIN_FILE, WAUSER_PHONE, WAUSER_VERBOSE,
// WAUSER_LOG_FORMAT (text or json) and WAUSER_DEMO; a flag given on the
// command line wins. Without network it keeps running and reports the
// account as reconnecting (or the pairing as failed) with the reason,
// logging a failure that repeats at growing intervals. Ctrl-C (or SIGTERM)
// stops it cleanly.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mdp/qrterminal/v3"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/internal/lograte"
	"github.com/wauser/wauser/mcp"
	"github.com/wauser/wauser/rest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the command: serve, or one of the subcommands. It returns the
// exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "server:", err)
		return 2
	}
	log := cfg.logger(stderr)
	switch strings.Join(cfg.command, " ") {
	case "keys create":
		err = keysCreate(ctx, cfg, stdout)
	case "admin reset":
		err = adminReset(cfg, stdout)
	default:
		err = serve(ctx, cfg, log, stdout)
	}
	if err != nil {
		log.Error("server stopped", "error", err)
		return 1
	}
	return 0
}

// serve runs the server until ctx ends.
func serve(ctx context.Context, cfg *config, log *slog.Logger, stdout io.Writer) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	opts := []wauser.Option{wauser.WithLogger(log), wauser.WithMetrics(reg)}

	var demo *demoWhatsApp
	if cfg.demo {
		demoCtx, endDemo := context.WithCancel(ctx)
		defer endDemo()
		demo = newDemoWhatsApp(demoCtx, log)
		demo.banner(stdout, cfg.db)
		// The webhooks of a demo may go to a receiver on this machine.
		opts = append(opts, demo.fake.Option(), wauser.WithPrivateWebhookTargets())
		defer func() {
			endDemo()
			demo.close() // after c.Close below: the deferred calls run in reverse
		}()
	}
	c, err := wauser.Open(ctx, database(cfg.db), opts...)
	if err != nil {
		return err
	}
	defer c.Close()
	if demo != nil {
		demo.follow(c) // before Start: it sees the first connection
	}
	if err := c.Start(ctx); err != nil {
		return err
	}
	account := wauser.AccountID(cfg.account)
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
	adminUser, adminHash, adminPassword, err := adminCredentials(cfg.adminFile, stdout)
	if err != nil {
		return err
	}
	if err := firstKey(ctx, c, stdout); err != nil {
		return err
	}
	if demo != nil {
		if err := demo.hint(ctx, c.WithAccount(account), stdout); err != nil {
			return err
		}
	} else {
		go keepPaired(ctx, c.WithAccount(account), cfg.phone, log, stdout)
	}

	ropts := rest.Options{AdminUser: adminUser, AdminPasswordHash: adminHash, Logger: log,
		PairPage: true, Health: true, Docs: true}
	if demo != nil {
		ropts.Demo = demo.restOptions()
	}
	api := rest.NewHandler(c, ropts)
	// The console's event streams stay open while a browser shows it: they
	// end when shutdown starts, so that Shutdown need not wait for them.
	// Other requests finish normally.
	shuttingDown, shutdown := context.WithCancel(context.Background())
	defer shutdown()
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.Handle("GET /pair/accounts/{id}/events", endOnShutdown(shuttingDown, api))
	mux.Handle("GET /pair/accounts/{id}/changes", endOnShutdown(shuttingDown, api))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	// AI assistants (MCP clients) reach the accounts at /mcp with the
	// same API keys: whatsapp:read for the read tools, whatsapp:write to send.
	agents, err := mcp.NewServer(c, mcp.Options{Logger: log})
	if err != nil {
		return err
	}
	defer agents.Close()
	mux.Handle("/mcp", endOnShutdown(shuttingDown, agents.Handler()))
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	srv.RegisterOnShutdown(shutdown)
	base := "http://" + ln.Addr().String()
	console := base + "/pair"
	if adminPassword != "" {
		u, _ := url.Parse(console) // a URL we built: it parses
		u.User = url.UserPassword(adminUser, adminPassword)
		fmt.Fprintf(stdout, "\nConsole (open it in a browser; the address holds the admin credentials):\n\n    %s\n\n", u)
	} else {
		fmt.Fprintf(stdout, "\nConsole: %s (the admin credentials of the first start; lost them? run: admin reset)\n\n", console)
	}
	fmt.Fprintf(stdout, "API reference: %s/docs\n\n", base)
	log.Info("serving", "url", base+"/healthz", "console", console, "api", base+"/openapi.json",
		"docs", base+"/docs", "metrics", base+"/metrics", "db", cfg.db, "demo", cfg.demo)
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
	return srv.Shutdown(shutdownCtx)
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
// hash. password is the new password on first start, "" later.
func adminCredentials(file string, stdout io.Writer) (user, hash, password string, err error) {
	data, err := os.ReadFile(file)
	if err == nil {
		user, hash, ok := strings.Cut(strings.TrimSpace(string(data)), ":")
		if !ok || user == "" || len(hash) != 64 {
			return "", "", "", fmt.Errorf("%s: want one line user:sha256-hex (run: admin reset)", file)
		}
		return user, hash, "", nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", "", "", err
	}
	user, password = "admin", rest.GenerateSecret()
	hash = rest.HashAdminPassword(password)
	if err := writeAdminFile(file, user, hash); err != nil {
		return "", "", "", err
	}
	fmt.Fprintf(stdout, "\nAdmin credentials for the console and POST /v1/accounts (shown once; only a hash is kept in %s):\n\n"+
		"    user:     %s\n    password: %s\n\n", file, user, password)
	return user, hash, password, nil
}

// firstKey creates and prints an API key with every scope for every
// account when the store has no key yet.
func firstKey(ctx context.Context, c *wauser.Client, stdout io.Writer) error {
	keys, err := c.ListAPIKeys(ctx)
	if err != nil || len(keys) > 0 {
		return err
	}
	k, err := c.CreateAPIKey(ctx, wauser.CreateAPIKeyRequest{Name: "first key", Scopes: wauser.AllScopes(), AllAccounts: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nAPI key (shown once; send it as Authorization: Bearer <key>):\n\n    %s\n\n", k.Key)
	return nil
}

// pairRetry is how long keepPaired waits after a failed pairing.
const pairRetry = 10 * time.Second

// keepPaired pairs the account when it is not paired, showing QR codes (or
// the phone code) as they come, and tries again while pairing fails. A
// failure that repeats is logged at growing intervals (internal/lograte).
func keepPaired(ctx context.Context, bot *wauser.Client, phone string, log *slog.Logger, stdout io.Writer) {
	keepPairedWith(ctx, bot, phone, log, stdout, wallClock{})
}

func keepPairedWith(ctx context.Context, bot *wauser.Client, phone string, log *slog.Logger, stdout io.Writer, clock wauser.Clock) {
	failures := lograte.New[string](clock.Now, 0, 0)
	for ctx.Err() == nil {
		st, err := bot.Status(ctx)
		if err != nil {
			log.Error("status", "error", err)
			return
		}
		switch st.State {
		case wauser.StateUnpaired, wauser.StateLoggedOut, wauser.StatePairing:
			err := pairOnce(ctx, bot, phone, stdout)
			if err == nil {
				failures.Reset()
				continue
			}
			if ctx.Err() != nil {
				return
			}
			if write, repeated := failures.Allow(err.Error()); write {
				attrs := []any{"error", err, "retry_in", pairRetry.String()}
				if repeated > 0 {
					attrs = append(attrs, "repeated", repeated)
				}
				log.Warn("pairing failed; retrying", attrs...)
			}
			sleep(ctx, clock, pairRetry)
		default:
			// Paired: report state changes until it needs pairing again.
			_, _ = bot.WaitStatus(ctx, func(s *wauser.Status) bool {
				return s.State == wauser.StateLoggedOut
			})
		}
	}
}

func pairOnce(ctx context.Context, bot *wauser.Client, phone string, stdout io.Writer) error {
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
		if st, serr := bot.Status(ctx); serr == nil && st.LastError != "" {
			return fmt.Errorf("%w: %s", err, st.LastError)
		}
		return err
	}
	shown := ""
	for {
		if p.Code != "" && p.Code != shown {
			fmt.Fprintf(stdout, "\nOn the phone: WhatsApp > Linked devices > Link with phone number, then enter:\n\n    %s\n\n", p.Code)
			shown = p.Code
		} else if p.Code == "" && p.QR != "" && p.QR != shown {
			fmt.Fprintln(stdout, "\nScan with WhatsApp > Linked devices > Link a device (or open the console):")
			qrterminal.GenerateHalfBlock(p.QR, qrterminal.L, stdout)
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
			fmt.Fprintf(stdout, "\nLinked as %s.\n\n", st.JID.User)
			return nil
		case wauser.PairingFailed:
			return errors.New(st.Pairing.Error)
		}
		p = st.Pairing
	}
}

// sleep waits d on clock, or until ctx ends.
func sleep(ctx context.Context, clock wauser.Clock, d time.Duration) {
	t := clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C():
	}
}

// wallClock is the wall clock.
type wallClock struct{}

func (wallClock) Now() time.Time                        { return time.Now() }
func (wallClock) NewTimer(d time.Duration) wauser.Timer { return wallTimer{time.NewTimer(d)} }

type wallTimer struct{ t *time.Timer }

func (t wallTimer) C() <-chan time.Time { return t.t.C }
func (t wallTimer) Stop() bool          { return t.t.Stop() }
