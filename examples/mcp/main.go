// Command mcp lets an AI assistant (Claude Desktop, an IDE, any MCP client)
// read and, when allowed, write a WhatsApp account kept by wauser, over the
// Model Context Protocol on standard input and output.
//
//	go run ./examples/mcp -db wauser.db                               # read only
//	go run ./examples/mcp -db wauser.db -write -chat +15551234567     # may also write to one chat
//	go run ./examples/mcp -db wauser.db -offline                      # beside a running examples/server
//
// The assistant starts it; a desktop assistant's configuration names the
// command, for example:
//
//	{
//	  "mcpServers": {
//	    "whatsapp": {
//	      "command": "go",
//	      "args": ["run", "./examples/mcp", "-db", "/path/to/wauser.db"],
//	      "cwd": "/path/to/wauser"
//	    }
//	  }
//	}
//
// Without -write the agent gets the read tools only (conversations,
// messages, search, contacts, media); -write adds the tools that act on
// WhatsApp (send text and media, react, mark read, request older
// history), and each -chat limits where it may write. The database is one
// examples/server made (or any wauser SQLite store); the account must be
// linked already. By default the command connects the account itself (to
// send and to hear new messages); with -offline it only reads the store,
// for when another process, such as examples/server, keeps the account
// connected (that server also offers the same tools over HTTP at /mcp).
// Logs go to standard error: standard output carries the protocol.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/mcp"
	"github.com/wauser/wauser/store/sqlite"
)

type chats []string

func (c *chats) String() string     { return strings.Join(*c, ",") }
func (c *chats) Set(v string) error { *c = append(*c, v); return nil }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "mcp:", err)
		os.Exit(1)
	}
}

func run() error {
	db := flag.String("db", "wauser.db", "the wauser SQLite database")
	account := flag.String("account", "", "the account to serve (default: the only one)")
	write := flag.Bool("write", false, "allow the tools that act on WhatsApp (send, react, mark read, request history)")
	offline := flag.Bool("offline", false, "only read the store; do not connect the account")
	verbose := flag.Bool("v", false, "log debug messages")
	var writable chats
	flag.Var(&writable, "chat", "a chat the agent may write to (phone number, JID or conversation id); repeat for more; default: any")
	flag.Parse()

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if _, err := os.Stat(*db); err != nil {
		return fmt.Errorf("no database at %s: link an account first (go run ./examples/server)", *db)
	}
	st, err := sqlite.Open(ctx, *db)
	if err != nil {
		return err
	}
	c, err := wauser.New(st, wauser.WithLogger(log))
	if err != nil {
		return err
	}
	defer c.Close()
	if !*offline {
		if err := c.Start(ctx); err != nil {
			return err
		}
	}
	if *account != "" {
		c = c.WithAccount(wauser.AccountID(*account))
	}
	scopes := []wauser.Scope{wauser.ScopeRead}
	if *write {
		scopes = append(scopes, wauser.ScopeWrite)
	}
	srv, err := mcp.NewServer(c, mcp.Options{Scopes: scopes, WritableChats: writable, Logger: log})
	if err != nil {
		return err
	}
	defer srv.Close()
	log.Info("serving MCP on stdio", "db", *db, "write", *write, "chats", writable.String())
	return srv.Run(ctx, &sdk.StdioTransport{})
}
