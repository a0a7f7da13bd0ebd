package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/wauser/wauser/store"
	"github.com/wauser/wauser/store/postgres"
	"github.com/wauser/wauser/store/sqlite"
)

// config is what the flags and WAUSER_* environment variables say.
type config struct {
	db, addr, account, adminFile, phone, logFormat string
	verbose, demo                                  bool
	// command is the subcommand ("keys create", "admin reset"), or "" to
	// serve.
	command []string
}

// envName is the environment variable flag name also reads: WAUSER_ and
// the name in capitals, dashes as underscores (WAUSER_VERBOSE for -v).
func envName(flag string) string {
	if flag == "v" {
		return "WAUSER_VERBOSE"
	}
	return "WAUSER_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// Defaults of the files a demo keeps apart from a real server's, so that
// trying the demo never touches the accounts of wauser.db.
const (
	defaultDB        = "wauser.db"
	defaultAdminFile = "wauser.admin"
	demoDB           = "wauser-demo.db"
	demoAdminFile    = "wauser-demo.admin"
)

// usage is printed by -h.
const usage = `Usage:
  server [flags]                 serve: link accounts, the REST API, the console at /pair
  server [flags] keys create     print a new API key with every scope, for every account
  server [flags] admin reset     print a new admin password (the console's and POST /v1/accounts')

Every flag can also be set by the environment variable named after it
(a flag given on the command line wins):

`

// parseConfig reads the flags in args (before and after the subcommand)
// and, for each flag not given, its environment variable through getenv.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.db, "db", defaultDB, "SQLite database file (or a postgres:// URL); with -demo, "+demoDB)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "HTTP listen address")
	fs.StringVar(&cfg.account, "account", "default", "account to create and pair when the store has none")
	fs.StringVar(&cfg.adminFile, "admin-file", defaultAdminFile, "file keeping the admin user and password hash (created on first start); with -demo, "+demoAdminFile)
	fs.StringVar(&cfg.phone, "phone", "", "pair by phone code for this number (E.164) instead of a QR code")
	fs.BoolVar(&cfg.verbose, "v", false, "debug logging")
	fs.StringVar(&cfg.logFormat, "log-format", "text", "log format: text or json")
	fs.BoolVar(&cfg.demo, "demo", false, "demo mode: a simulated WhatsApp (package watest) with simulated people, on a separate database; never for real accounts")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.VisitAll(func(f *flag.Flag) {
			fmt.Fprintf(fs.Output(), "  -%s (%s)\n    \t%s (default %q)\n", f.Name, envName(f.Name), f.Usage, f.DefValue)
		})
	}
	given := map[string]bool{}
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			return nil, err
		}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		if fs.NArg() == 0 {
			break
		}
		cfg.command = append(cfg.command, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := envName(f.Name)
		v := getenv(name)
		if given[f.Name] || v == "" {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
				err = errors.New("want true or false")
			}
			errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
			return
		}
		given[f.Name] = true
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.demo && !given["db"] {
		cfg.db = demoDB
	}
	if cfg.demo && !given["admin-file"] {
		cfg.adminFile = demoAdminFile
	}
	switch cfg.logFormat {
	case "text", "json":
	default:
		return nil, fmt.Errorf("-log-format %q: use text or json", cfg.logFormat)
	}
	switch strings.Join(cfg.command, " ") {
	case "", "keys create", "admin reset":
	default:
		return nil, fmt.Errorf("unknown command %q: use \"keys create\" or \"admin reset\" (or nothing, to serve)", strings.Join(cfg.command, " "))
	}
	return cfg, nil
}

// logger returns the logger the configuration asks for.
func (cfg *config) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if cfg.verbose {
		opts.Level = slog.LevelDebug
	}
	if cfg.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// database names the store of -db: PostgreSQL for a postgres:// or
// postgresql:// URL, else a SQLite file (":memory:" and "file:" URIs
// included). The server links both drivers; a program that uses one
// database imports only its adapter.
func database(db string) store.Opener {
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		return postgres.DSN(db)
	}
	return sqlite.File(db)
}
