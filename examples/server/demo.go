package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/rest"
	"github.com/wauser/wauser/watest"
)

// demoWhatsApp is the WhatsApp of -demo: package watest's fake in place of
// WhatsApp's servers, with its simulated people (watest.Demo), who play
// their script for each account once it is connected. Everything else is
// the real server: the SQLite file, the store, the feed, webhooks, the
// REST API, keys and the console.
type demoWhatsApp struct {
	ctx  context.Context // ends the people's answers and scripts
	fake *watest.Fake
	demo *watest.Demo
	log  *slog.Logger

	mu      sync.Mutex
	playing map[*watest.Conn]bool
	wg      sync.WaitGroup
}

func newDemoWhatsApp(ctx context.Context, log *slog.Logger) *demoWhatsApp {
	fake := watest.New()
	return &demoWhatsApp{ctx: ctx, fake: fake, demo: watest.NewDemo(ctx, fake, nil), log: log, playing: map[*watest.Conn]bool{}}
}

// banner is what the demo says about itself, loudly, when it starts.
func (d *demoWhatsApp) banner(stdout io.Writer, db string) {
	const line = "======================================================================"
	fmt.Fprintf(stdout, "\n%s\n  DEMO MODE: WhatsApp is simulated here (package watest). Alice, Bob and\n"+
		"  Carla are made up; nothing you send leaves this server. Data: %s\n%s\n", line, db, line)
	d.log.Warn("demo mode: WhatsApp is simulated (watest); nothing reaches WhatsApp", "db", db)
}

// follow plays the script for each account as it connects (and again for
// an account linked anew), until the demo's context ends.
func (d *demoWhatsApp) follow(c *wauser.Client) {
	c.OnEvent(func(_ context.Context, e wauser.Event) {
		conn := d.fake.Conn(string(e.AccountID))
		if conn == nil || !conn.IsLoggedIn() {
			return // an old event: the account is not connected now
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.playing[conn] || d.ctx.Err() != nil {
			return
		}
		d.playing[conn] = true
		d.log.Info("demo: the simulated people start talking to the account", "account", e.AccountID)
		d.wg.Go(func() { _ = d.demo.Play(d.ctx, conn) })
	}, wauser.EventAccountConnected)
}

// hint tells how to link account when it is not linked yet.
func (d *demoWhatsApp) hint(ctx context.Context, bot *wauser.Client, stdout io.Writer) error {
	st, err := bot.Status(ctx)
	if err != nil || st.Paired {
		return err
	}
	fmt.Fprintf(stdout, "\nThe demo's account %q is not linked yet: open the console below and press\n"+
		"\"Link with the simulated phone\". The simulated people start talking once it is linked.\n", bot.Account())
	return nil
}

// restOptions is what the console needs of the demo.
func (d *demoWhatsApp) restOptions() *rest.Demo {
	return &rest.Demo{Link: func(_ context.Context, account wauser.AccountID) error {
		return d.demo.Link(string(account))
	}}
}

// close waits for the scripts, once the demo's context ended and the
// Client is closed, and for the fake's events in flight.
func (d *demoWhatsApp) close() {
	d.wg.Wait()
	d.fake.Close()
}
