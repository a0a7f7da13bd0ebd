// Command cluster serves wauser's REST API from one of several processes
// sharing a PostgreSQL database: each account is connected by exactly one
// of them (leases), and every process answers for every account, reading
// the shared database. It imports store/postgres only, so it links pgx and
// not SQLite.
//
//	createdb wauser
//	WAUSER_DSN=postgres://localhost/wauser go run ./examples/cluster -addr 127.0.0.1:8082
//	WAUSER_DSN=postgres://localhost/wauser go run ./examples/cluster -addr 127.0.0.1:8083
//
// Requests need an API key (Client.CreateAPIKey, or `go run
// ./examples/server keys create` on the same database).
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/rest"
	"github.com/wauser/wauser/store/postgres"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8082", "HTTP listen address")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(os.Getenv("WAUSER_DSN"), *addr, log); err != nil {
		log.Error("stopped", "error", err)
		os.Exit(1)
	}
}

func run(dsn, addr string, log *slog.Logger) error {
	if dsn == "" {
		return errors.New("set WAUSER_DSN to a postgres:// URL")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := wauser.Open(ctx, postgres.DSN(dsn), wauser.WithLogger(log),
		wauser.WithLeases(wauser.LeaseOptions{Interval: 5 * time.Second, Timeout: 5 * time.Second}))
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil { // connects the accounts no other process holds
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: rest.NewHandler(c, rest.Options{Logger: log}), ReadHeaderTimeout: 10 * time.Second}
	log.Info("serving", "url", "http://"+ln.Addr().String()+"/openapi.json")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
