// Command echobot is a small WhatsApp bot: it answers every text message it
// receives with the same text, quoting it.
//
//	go run ./examples/echobot                 # pair by QR code, then echo
//	go run ./examples/echobot -db bot.db -phone +15551234567   # pair by phone code
//
// The bot is an in-process event handler (Client.OnMessage): it runs after
// the message is stored, at least once. Replies are sent under an id
// derived from the message they answer, so a handler run twice (after a
// crash) still replies only once.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/mdp/qrterminal/v3"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/store/sqlite"
)

func main() {
	var (
		dbPath = flag.String("db", "echobot.db", "SQLite database file")
		phone  = flag.String("phone", "", "pair by a code entered on this phone (E.164) instead of a QR code")
	)
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := start(*dbPath, *phone, log); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("stopped", "error", err)
		os.Exit(1)
	}
}

// start opens the store and runs the bot until interrupted.
func start(dbPath, phone string, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := wauser.Open(ctx, sqlite.File(dbPath), wauser.WithLogger(log))
	if err != nil {
		return err
	}
	defer c.Close()
	return run(ctx, c, phone, os.Stdout, log)
}

// account is the id of the bot's account in the store.
const account wauser.AccountID = "echobot"

// run starts c, makes sure the bot's account exists and is paired
// (showing pairing codes on out), and echoes until ctx ends.
func run(ctx context.Context, c *wauser.Client, phone string, out io.Writer, log *slog.Logger) error {
	if err := c.Start(ctx); err != nil {
		return err
	}
	if _, err := c.CreateAccount(ctx, wauser.CreateAccountRequest{ID: account}); err != nil && !errors.Is(err, wauser.ErrAccountExists) {
		return err
	}
	bot := c.WithAccount(account)
	defer Echo(bot, log)()
	if err := pair(ctx, bot, phone, out); err != nil {
		return err
	}
	<-ctx.Done()
	return ctx.Err()
}

// Echo makes bot answer every text message it receives with the same text,
// quoting it. It returns a function that stops it.
func Echo(bot *wauser.Client, log *slog.Logger) (stop func()) {
	return bot.OnMessage(func(ctx context.Context, e wauser.Event, m *wauser.MessageData) {
		if e.Type != wauser.EventMessageReceived || m.IsFromMe || m.ContentType != "text" || m.Body == "" ||
			!strings.HasSuffix(m.ChatJID, "@s.whatsapp.net") && !strings.HasSuffix(m.ChatJID, "@lid") && !strings.HasSuffix(m.ChatJID, "@g.us") {
			return // not a text of a person or group (channels and status updates are not answered)
		}
		_, err := bot.SendMessage(ctx, wauser.SendMessageRequest{
			To:      m.ChatJID,
			Text:    m.Body,
			ID:      ReplyID(m.MessageID),
			Context: &wauser.MessageContext{MessageID: string(m.MessageID)},
		})
		if err != nil {
			log.Warn("echo", "message", m.MessageID, "error", err)
		}
	})
}

// ReplyID is the WhatsApp id of the reply to message: derived from it, so
// that sending the reply twice sends it once.
func ReplyID(message wauser.MessageID) string {
	sum := sha256.Sum256([]byte("echo:" + string(message)))
	return "3EB0" + strings.ToUpper(hex.EncodeToString(sum[:9]))
}

// pair links the bot's account unless it is paired, showing the QR codes
// (or the phone code) on out as they come.
func pair(ctx context.Context, bot *wauser.Client, phone string, out io.Writer) error {
	st, err := bot.Status(ctx)
	if err != nil {
		return err
	}
	if st.State != wauser.StateUnpaired && st.State != wauser.StateLoggedOut {
		return nil
	}
	var p *wauser.Pairing
	if phone != "" {
		p, err = bot.PairPhone(ctx, phone)
	} else {
		p, err = bot.PairQR(ctx)
	}
	if err != nil {
		return err
	}
	for shown := ""; ; {
		switch {
		case p.Code != "" && p.Code != shown:
			fmt.Fprintf(out, "On the phone: WhatsApp > Linked devices > Link with phone number, then enter %s\n", p.Code)
			shown = p.Code
		case p.Code == "" && p.QR != "" && p.QR != shown:
			fmt.Fprintln(out, "Scan with WhatsApp > Linked devices > Link a device:")
			qrterminal.GenerateHalfBlock(p.QR, qrterminal.L, out)
			shown = p.QR
		}
		st, err := bot.WaitStatus(ctx, func(s *wauser.Status) bool {
			return s.Pairing == nil || s.Pairing.Status == wauser.PairingPaired || s.Pairing.Status == wauser.PairingFailed ||
				s.Pairing.QR != p.QR || s.Pairing.Code != p.Code
		})
		switch {
		case err != nil:
			return err
		case st.Pairing == nil:
			return errors.New("pairing ended")
		case st.Pairing.Status == wauser.PairingPaired:
			// The new device logs in on a connection of its own: its JID is
			// known once it has.
			if st, err = bot.WaitStatus(ctx, func(s *wauser.Status) bool { return !s.JID.IsEmpty() }); err != nil {
				return err
			}
			fmt.Fprintf(out, "Linked as %s; echoing.\n", st.JID.User)
			return nil
		case st.Pairing.Status == wauser.PairingFailed:
			return errors.New(st.Pairing.Error)
		}
		p = st.Pairing
	}
}
