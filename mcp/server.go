package mcp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/wauser/wauser"
)

// Options configures a Server. The zero Options is a read-only server.
type Options struct {
	// Scopes are what an agent connected through Run or Connect (stdio,
	// in-process) may do: wauser.ScopeRead for the read tools,
	// wauser.ScopeWrite for the tools that act on WhatsApp (sending,
	// reacting, marking read, requesting history). Empty means
	// ScopeRead only. Over HTTP (Handler) the API key's scopes apply
	// instead.
	Scopes []wauser.Scope
	// WritableChats, when not empty, are the only chats the agent may
	// write to (send, react, mark read): chat JIDs (…@s.whatsapp.net,
	// …@lid, …@g.us), phone numbers or conversation ids (conv_…). It
	// applies to every transport.
	WritableChats []string
	// Name and Version are what the server tells clients it is; default
	// "wauser" and "dev".
	Name, Version string
	// Logger receives the SDK's and the server's logs; default none.
	Logger *slog.Logger
	// MaxMediaBytes bounds a file an agent uploads with send_media (as
	// base64) and a file download_media returns. Default 16 MiB.
	MaxMediaBytes int
}

// Server serves one wauser Client as MCP tools and resources. It is safe
// for concurrent use; Close it when done.
type Server struct {
	c        *wauser.Client
	opts     Options
	log      *slog.Logger
	writable []string // WritableChats as given

	mu      sync.Mutex
	servers map[string]*served // by API key and account ("" for Run/Connect)
	remove  func()
}

// served is one SDK server: the tools of one grant.
type served struct {
	srv   *sdk.Server
	grant grant
}

// grant is what an agent may do, and on which account.
type grant struct {
	c            *wauser.Client // bound to the account acted on
	account      wauser.AccountID
	read, write  bool
	describedFor string // "" or the API key's name, for logs
}

// NewServer returns an MCP server over c. c may be bound to an account
// (c.WithAccount) or not; unbound, the tools act on the store's only
// account, or, over HTTP, on the account the API key reaches.
func NewServer(c *wauser.Client, opts Options) (*Server, error) {
	if c == nil {
		return nil, errors.New("mcp: nil Client")
	}
	for _, sc := range opts.Scopes {
		if sc != wauser.ScopeRead && sc != wauser.ScopeWrite && sc != wauser.ScopeAdmin {
			return nil, fmt.Errorf("mcp: scope %q: give %s and/or %s", sc, wauser.ScopeRead, wauser.ScopeWrite)
		}
	}
	for _, w := range opts.WritableChats {
		if strings.TrimSpace(w) == "" {
			return nil, errors.New("mcp: an empty entry in WritableChats")
		}
	}
	if opts.MaxMediaBytes < 0 {
		return nil, errors.New("mcp: negative MaxMediaBytes")
	}
	if opts.MaxMediaBytes == 0 {
		opts.MaxMediaBytes = 16 << 20
	}
	if opts.Name == "" {
		opts.Name = "wauser"
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{c: c, opts: opts, log: log, writable: opts.WritableChats, servers: map[string]*served{}}
	s.remove = c.OnEvent(s.onEvent, wauser.EventMessageReceived, wauser.EventMessageSent, wauser.EventMessageEdited,
		wauser.EventMessageDeleted, wauser.EventMessageReaction)
	return s, nil
}

// Close stops the server's update notifications. Sessions end with their
// transports.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.remove != nil {
		s.remove()
		s.remove = nil
	}
	return nil
}

// Run serves one agent on t until the client disconnects or ctx ends,
// with Options.Scopes. For a desktop assistant: s.Run(ctx,
// &sdkmcp.StdioTransport{}).
func (s *Server) Run(ctx context.Context, t sdk.Transport) error {
	return s.local().srv.Run(ctx, t)
}

// Connect starts a session with one agent on t, with Options.Scopes, and
// returns at once (for in-process transports such as
// sdkmcp.NewInMemoryTransports).
func (s *Server) Connect(ctx context.Context, t sdk.Transport) (*sdk.ServerSession, error) {
	return s.local().srv.Connect(ctx, t, nil)
}

func (s *Server) local() *served {
	g := grant{c: s.c, read: true}
	for _, sc := range s.opts.Scopes {
		g.write = g.write || sc == wauser.ScopeWrite || sc == wauser.ScopeAdmin
	}
	return s.serverFor("", g)
}

// serverFor returns the SDK server of a grant, made once per key.
func (s *Server) serverFor(key string, g grant) *served {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sv, ok := s.servers[key]; ok {
		return sv
	}
	sv := &served{grant: g}
	sv.srv = sdk.NewServer(&sdk.Implementation{Name: s.opts.Name, Version: s.opts.Version}, &sdk.ServerOptions{
		Instructions: instructions,
		Logger:       s.log,
		// Conversations are resources: an agent subscribes to one to hear
		// when its messages change.
		SubscribeHandler:   func(context.Context, *sdk.SubscribeRequest) error { return nil },
		UnsubscribeHandler: func(context.Context, *sdk.UnsubscribeRequest) error { return nil },
	})
	s.addTools(sv)
	s.addResources(sv)
	s.servers[key] = sv
	return sv
}

const instructions = `This server is a WhatsApp account: its conversations, messages and contacts as stored by wauser, and tools that act on WhatsApp. ` +
	`Read tools only read the local store. Tools that send (send_text, send_media, react, mark_read, request_history) act on WhatsApp in the account's name: ` +
	`people see what they send. Use them only when the user asked for it.`

// onEvent tells the subscribers of a conversation that its messages changed.
func (s *Server) onEvent(ctx context.Context, e wauser.Event) {
	if e.ConversationID == "" {
		return
	}
	s.mu.Lock()
	var targets []*sdk.Server
	for _, sv := range s.servers {
		if sv.grant.account == "" || sv.grant.account == e.AccountID {
			targets = append(targets, sv.srv)
		}
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for _, srv := range targets {
		if err := srv.ResourceUpdated(ctx, &sdk.ResourceUpdatedNotificationParams{URI: conversationURI(e.ConversationID)}); err != nil {
			s.log.Debug("mcp: resource update not sent", "err", err)
		}
	}
}

// Handler returns the streamable HTTP transport (the MCP endpoint; mount
// it at a path of your choice, such as /mcp) behind wauser's API keys: the
// key comes as the REST API takes it (Authorization: Bearer, X-Api-Key),
// its scopes decide which tools it may call, and the
// X-WhatsApp-Use-Connection-Id header picks the account when the key
// reaches several. A session stays bound to the key that opened it.
func (s *Server) Handler() http.Handler {
	return s.httpHandler()
}
