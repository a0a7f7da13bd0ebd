package wa

import (
	"context"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
)

// serialClient is a Client whose message sends run one at a time.
//
// whatsmeow serializes SendMessage with a lock of its own, but the peer
// messages wauser sends to the account's own phone (history requests) may
// have to bypass SendMessage (see whatsmeowClient.SendPeerMessage), and
// with it that lock. Two sends encrypting for the account's own phone at
// once can break its Signal session, so every send of the account goes
// through this one lock, peer messages included.
type serialClient struct {
	Client
	mu chan struct{} // a one-slot semaphore: a send waiting for it can give up with its ctx

	waiting func() // called when a send starts waiting for another (tests)
}

// Serial returns c with SendMessage and SendPeerMessage serialized.
func Serial(c Client) Client {
	if s, ok := c.(*serialClient); ok {
		return s
	}
	return &serialClient{Client: c, mu: make(chan struct{}, 1)}
}

// Unwrap returns the serialized client.
func (c *serialClient) Unwrap() Client { return c.Client }

func (c *serialClient) lock(ctx context.Context) error {
	select {
	case c.mu <- struct{}{}:
		return nil
	default:
	}
	if c.waiting != nil {
		c.waiting()
	}
	select {
	case c.mu <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *serialClient) unlock() { <-c.mu }

// SendMessage sends once no other send of the account is in flight.
func (c *serialClient) SendMessage(ctx context.Context, to types.JID, message *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
	if err := c.lock(ctx); err != nil {
		return whatsmeow.SendResponse{}, err
	}
	defer c.unlock()
	return c.Client.SendMessage(ctx, to, message, extra...)
}

// SendPeerMessage sends once no other send of the account is in flight.
func (c *serialClient) SendPeerMessage(ctx context.Context, to types.JID, message *waE2E.Message) (whatsmeow.SendResponse, error) {
	if err := c.lock(ctx); err != nil {
		return whatsmeow.SendResponse{}, err
	}
	defer c.unlock()
	return c.Client.SendPeerMessage(ctx, to, message)
}
