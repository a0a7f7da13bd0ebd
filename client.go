package wauser

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wauser/wauser/internal/deliver"
	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/internal/metrics"
	"github.com/wauser/wauser/internal/pacing"
	"github.com/wauser/wauser/internal/pagecache"
	isession "github.com/wauser/wauser/internal/session"
	istore "github.com/wauser/wauser/internal/store"
	"github.com/wauser/wauser/internal/wa"
	"github.com/wauser/wauser/internal/walog"
	"github.com/wauser/wauser/store"
)

// Client is a set of WhatsApp accounts backed by a store. It is safe for
// concurrent use by multiple goroutines.
//
// The Client returned by New is unbound: account-scoped methods act on the
// only account in the store, and return ErrAccountRequired when there are
// several. WithAccount returns a cheap copy bound to one account. All copies
// share one set of connections; Close the Client that New returned.
type Client struct {
	core    *core
	account AccountID
}

// core is what every copy of a Client shares.
type core struct {
	st        *istore.Store // the engine's view of pub
	pub       *store.Store  // what New was given; Client.Store returns it
	cfg       config
	devices   *wa.Devices
	ingest    *ingest.Ingester
	ownsStore bool

	mu       sync.Mutex
	started  bool
	closed   bool
	ctx      context.Context // client lifetime: set by Start, cancelled by Close
	cancel   context.CancelFunc
	sessions *isession.Supervisor // the accounts' connections, leases and sync queues
	changed  chan struct{}        // closed and replaced whenever an account's status changes
	wg       sync.WaitGroup

	apiKeys   apiKeyCache               // recently authenticated API keys (apikeys.go)
	syncCache *pagecache.Cache[syncKey] // encoded change-feed pages (SyncPageJSON)

	metrics  *metrics.Metrics // nil when WithMetrics is not given
	engine   *deliver.Engine  // outbox consumer: webhook deliveries and handlers
	handlers handlers

	leases *isession.Leases // the accounts this process may connect (sessions.Leases)

	pacers pacing.Pacers // send pacing and contact-check throttling, per account
}

type config struct {
	logger     *slog.Logger
	httpClient *http.Client
	clock      Clock
	factory    wa.Factory
	backoffMin time.Duration
	backoffMax time.Duration

	syncCacheBytes int64
	syncCacheSet   bool
	mediaLimit     int64 // bytes; UploadMedia refuses larger files
	dailyLimit     int   // messages per account and UTC day; 0 = no limit
	privateURL     bool  // media may be fetched from non-public addresses

	allowPrivateTargets bool
	delivery            WebhookDeliveryOptions
	leases              LeaseOptions
	retention           time.Duration
	metrics             prometheus.Registerer // WithMetrics; nil: off

	deviceName     string
	devicePlatform DevicePlatform
	sendPacing     Pacing
	checkPacing    Pacing

	callRejection *CallRejection // WithCallRejection; nil: calls ring
}

// Option configures a Client. Options validate their input; New returns the
// first error.
type Option func(*config) error

// WithLogger sets the logger. The default discards everything. wauser never
// logs message contents or secrets.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return invalidArg("logger", "nil *slog.Logger")
		}
		c.logger = l
		return nil
	}
}

// WithHTTPClient sets the HTTP client used for outgoing HTTP requests
// (webhook deliveries, media fetched from URLs). The default is a client with
// a 30 s timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return invalidArg("http client", "nil *http.Client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithClock replaces the wall clock, for tests (see watest.Clock).
func WithClock(clk Clock) Option {
	return func(c *config) error {
		if clk == nil {
			return invalidArg("clock", "nil Clock")
		}
		c.clock = clk
		return nil
	}
}

// WithReconnectBackoff sets the delay before reconnecting after a lost
// connection: it starts at min and doubles up to max, with ±20% jitter.
// Defaults: 1 s and 2 min.
func WithReconnectBackoff(minDelay, maxDelay time.Duration) Option {
	return func(c *config) error {
		if minDelay <= 0 || maxDelay < minDelay {
			return invalidArg("reconnect backoff", "need 0 < min <= max, got %s and %s", minDelay, maxDelay)
		}
		c.backoffMin, c.backoffMax = minDelay, maxDelay
		return nil
	}
}

// WithMediaLimit sets the largest file UploadMedia accepts, in bytes, from
// bytes, a reader or a URL alike. The default is 100 MiB. Files are held in
// memory while they are encrypted and uploaded.
func WithMediaLimit(maxBytes int64) Option {
	return func(c *config) error {
		if maxBytes <= 0 {
			return invalidArg("media limit", "must be positive, got %d", maxBytes)
		}
		c.mediaLimit = maxBytes
		return nil
	}
}

// DefaultDailyMessageLimit is how many messages an account may send per UTC
// day unless WithDailyMessageLimit says otherwise (the WhatsSync Chat API's limit).
const DefaultDailyMessageLimit = 1000

// WithDailyMessageLimit sets how many messages each account may send per
// UTC day through SendMessage and the methods built on it; 0 turns the
// limit off. Past it, sends fail with a *RateLimitError (ErrRateLimited)
// until the next UTC midnight. Messages are counted in the store when they
// are stored as pending, so the count survives restarts and is shared by
// every process on the same database. Reactions, edits, deletions, read
// receipts and presence updates are not counted. The default is
// DefaultDailyMessageLimit.
func WithDailyMessageLimit(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return invalidArg("daily message limit", "must be 0 (no limit) or positive, got %d", n)
		}
		c.dailyLimit = n
		return nil
	}
}

// WithPrivateMediaURLs lets UploadMedia (and SendMessage, for media URLs
// and link previews) fetch URLs on loopback, private, link-local and other
// non-public addresses, and through the HTTP client's proxy. By default
// such addresses are refused before anything is connected to: the host is
// resolved (or read as an IP address, in any spelling: 127.1, 2130706433,
// 0x7f.1, ...), every address is checked, and only checked addresses are
// dialled, so a public name resolving to a private address is refused too,
// and every refused URL gets the same ErrInvalidArgument. The HTTP
// client's transport (WithHTTPClient) then dials through that guard: its
// proxy and its own dial functions are not used, since through them the
// address could not be checked before connecting. Tests with servers on
// localhost turn it on.
func WithPrivateMediaURLs() Option {
	return func(c *config) error {
		c.privateURL = true
		return nil
	}
}

// WithPrivateWebhookTargets lets webhooks target loopback, private,
// link-local, unspecified and reserved addresses, which are refused by
// default (at registration, in any spelling of the address, and again
// before each delivery connects, so DNS rebinding cannot get around it). Tests with an httptest receiver need it; production
// servers rarely should.
func WithPrivateWebhookTargets() Option {
	return func(c *config) error {
		c.allowPrivateTargets = true
		return nil
	}
}

// WebhookDeliveryOptions tune the webhook workers. Zero fields keep their
// defaults.
type WebhookDeliveryOptions struct {
	Workers        int           // concurrent deliveries (up to 8 per worker are claimed ahead); default 16
	MinBackoff     time.Duration // delay before the first retry; default 5 s
	MaxBackoff     time.Duration // cap of the doubling retry delay; default 1 h
	Horizon        time.Duration // undelivered this long after the event: dead; default 24 h
	PollInterval   time.Duration // how often to look for events written by other processes; default 1 s
	AttemptTimeout time.Duration // one HTTP attempt; default 10 s
	// ClaimTimeout is how long a worker's claim on a delivery lasts. A
	// delivery whose worker died with its process (or could not record the
	// result) is sent again, by any process, once the claim ran out.
	// Default AttemptTimeout + 50 s.
	ClaimTimeout time.Duration
}

// WithWebhookDelivery tunes the webhook workers: pool size, retry backoff
// (doubling from MinBackoff to MaxBackoff with ±20% jitter, or what the
// endpoint's Retry-After asks), the dead-letter horizon and the poll
// interval.
func WithWebhookDelivery(o WebhookDeliveryOptions) Option {
	return func(c *config) error {
		switch {
		case o.Workers < 0, o.MinBackoff < 0, o.MaxBackoff < 0, o.Horizon < 0, o.PollInterval < 0, o.AttemptTimeout < 0, o.ClaimTimeout < 0:
			return invalidArg("webhook delivery options", "negative value in %+v", o)
		case o.MinBackoff > 0 && o.MaxBackoff > 0 && o.MaxBackoff < o.MinBackoff:
			return invalidArg("webhook delivery options", "MaxBackoff %s < MinBackoff %s", o.MaxBackoff, o.MinBackoff)
		case o.Workers > 1024:
			return invalidArg("webhook delivery options", "%d workers; at most 1024", o.Workers)
		case o.ClaimTimeout > 0 && o.ClaimTimeout <= cmp.Or(o.AttemptTimeout, 10*time.Second):
			return invalidArg("webhook delivery options", "ClaimTimeout %s must exceed the attempt timeout", o.ClaimTimeout)
		}
		c.delivery = o
		return nil
	}
}

// DefaultRetention is how long the event outbox and the webhook delivery
// log keep their rows by default: 7 days.
const DefaultRetention = 7 * 24 * time.Hour

// WithRetention sets how long finished webhook deliveries (delivered,
// failed, dead: the delivery log, and what ReplayWebhookDeliveries can send
// again) and events that every consumer has passed are kept, counted from
// their creation on the Client's clock. Older rows are deleted when Start
// runs and every hour after. The default is DefaultRetention; d must be at
// least an hour. Records (conversations, contacts, messages and the change
// feed) are never pruned.
func WithRetention(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Hour {
			return invalidArg("retention", "%s: at least 1h", d)
		}
		c.retention = d
		return nil
	}
}

// WithWhatsApp replaces the connection to WhatsApp's servers. Package watest
// uses it to plug in its fake (watest.Fake.Option); programs do not need it.
func WithWhatsApp(f wa.Factory) Option {
	return func(c *config) error {
		if f == nil {
			return invalidArg("whatsapp factory", "nil")
		}
		c.factory = f
		return nil
	}
}

// New returns a Client over db, which must be migrated (sqlite.Open and
// postgres.Open migrate; sqlite.New and postgres.New do not). New does no
// I/O and starts no goroutines; call Start to connect the paired accounts.
func New(db *store.Store, opts ...Option) (*Client, error) {
	if db == nil {
		return nil, invalidArg("store", "nil *store.Store")
	}
	st := istore.Unwrap(db)
	cfg := config{
		logger:     slog.New(slog.DiscardHandler),
		httpClient: &http.Client{Timeout: 30 * time.Second},
		clock:      systemClock{},
		factory:    wa.NewWhatsmeow,
		backoffMin: time.Second,
		backoffMax: 2 * time.Minute,
		mediaLimit: 100 << 20,
		dailyLimit: DefaultDailyMessageLimit,
		retention:  DefaultRetention,

		deviceName:     DefaultDeviceName,
		devicePlatform: DefaultDevicePlatform,
		sendPacing:     DefaultSendPacing,
		checkPacing:    DefaultContactCheckPacing,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	co := &core{
		st:      st,
		pub:     db,
		cfg:     cfg,
		devices: wa.NewDevices(st.Container(), cfg.factory, walog.New(cfg.logger).Sub("whatsmeow")),
		changed: make(chan struct{}),
	}
	budget := int64(DefaultSyncCacheBytes)
	if cfg.syncCacheSet {
		budget = cfg.syncCacheBytes
	}
	co.syncCache = pagecache.New[syncKey](budget)
	co.cfg.leases.setDefaults()
	co.ingest = ingest.New(st, ingest.Options{
		Now:    cfg.clock.Now,
		Logger: cfg.logger,
		Encode: encodeRecord,
	})
	m, err := co.newMetrics()
	if err != nil {
		return nil, err
	}
	co.metrics = m
	co.sessions = co.newSupervisor()
	co.leases = co.sessions.Leases()
	co.engine = co.newEngine()
	c := &Client{core: co}
	c.rejectCalls()
	return c, nil
}

// Open opens and migrates the store db names, and returns a Client that
// owns it (Close closes the store too). db comes from a storage adapter,
// which links its own database driver and no other:
//
//	c, err := wauser.Open(ctx, sqlite.File("wauser.db"))      // or sqlite.File(":memory:")
//	c, err := wauser.Open(ctx, postgres.DSN("postgres://..."))
//
// (packages [github.com/wauser/wauser/store/sqlite] and
// [github.com/wauser/wauser/store/postgres]). To open the store yourself,
// use the adapter's Open and call New.
func Open(ctx context.Context, db store.Opener, opts ...Option) (*Client, error) {
	if db == nil {
		return nil, invalidArg("store", "nil store.Opener")
	}
	st, err := db.OpenStore(ctx)
	if err != nil {
		return nil, fmt.Errorf("wauser: open store: %w", err)
	}
	c, err := New(st, opts...)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	c.core.ownsStore = true
	return c, nil
}

// WithAccount returns a copy of c bound to account id. It is cheap, does no
// I/O, and does not check that the account exists: methods of the copy
// return ErrNotFound if it does not.
func (c *Client) WithAccount(id AccountID) *Client {
	return &Client{core: c.core, account: id}
}

// Account returns the id c is bound to, or "" when c is unbound.
func (c *Client) Account() AccountID { return c.account }

// Store returns the store the client runs on.
func (c *Client) Store() *store.Store { return c.core.pub }

// Start connects every paired account that has not been logged out, and
// keeps each connected, reconnecting with backoff. It also starts the
// webhook workers and the in-process event handlers, which resume the event
// outbox where the last Client on the store stopped. ctx bounds only the
// start-up work; the connections and workers live until Close. Start is
// idempotent.
func (c *Client) Start(ctx context.Context) error {
	co := c.core
	co.mu.Lock()
	if co.closed {
		co.mu.Unlock()
		return ErrClosed
	}
	if co.started {
		co.mu.Unlock()
		return nil
	}
	co.ctx, co.cancel = context.WithCancel(context.WithoutCancel(ctx))
	co.started = true
	co.wg.Go(func() { co.engine.Run(co.ctx) })
	co.sessions.Start(co.ctx)
	co.mu.Unlock()

	accounts, err := co.st.ListAccounts(ctx)
	if err != nil {
		return fmt.Errorf("wauser: start: %w", err)
	}
	for _, a := range accounts {
		if a.JID == "" || AccountState(a.State) == StateLoggedOut {
			continue
		}
		if _, err := co.connect(ctx, AccountID(a.ID)); err != nil {
			switch {
			case errors.Is(err, ErrClosed):
				return err
			case errors.Is(err, ErrLeasedElsewhere):
				co.cfg.logger.Debug("wauser: start account: connected by another process", slog.String("account", a.ID))
			default:
				co.cfg.logger.Warn("wauser: start account", slog.String("account", a.ID), slog.Any("error", err))
			}
		}
	}
	return nil
}

// Close disconnects every account, stops the webhook workers (attempts in
// flight are cancelled and sent again by the next Client), waits for the
// Client's goroutines to end, lets the accounts' leases go (another process
// sharing the PostgreSQL store takes them over), and closes the store when
// the Client was made by Open. A second Close returns an error matching
// ErrClosed and net.ErrClosed.
func (c *Client) Close() error {
	co := c.core
	co.mu.Lock()
	if co.closed {
		co.mu.Unlock()
		return fmt.Errorf("%w: %w", ErrClosed, net.ErrClosed)
	}
	co.closed = true
	cancel := co.cancel
	co.mu.Unlock()

	if cancel != nil {
		cancel()
	}
	co.sessions.Close()
	co.wg.Wait()
	// After every session disconnected: only then may another process
	// connect the accounts.
	if err := co.leases.Close(context.Background()); err != nil {
		co.cfg.logger.Warn("wauser: release leases", slog.Any("error", err))
	}
	if co.ownsStore {
		return co.st.Close()
	}
	return nil
}

// checkOpen returns ErrClosed after Close.
func (co *core) checkOpen() error {
	co.mu.Lock()
	defer co.mu.Unlock()
	if co.closed {
		return ErrClosed
	}
	return nil
}

// notify wakes everyone waiting in WaitStatus.
func (co *core) notify() {
	co.mu.Lock()
	close(co.changed)
	co.changed = make(chan struct{})
	co.mu.Unlock()
}

// accountID resolves the account a method acts on: the bound one, or the
// only account in the store. A bound id no account can have is
// ErrNotFound.
func (c *Client) accountID(ctx context.Context) (AccountID, error) {
	if err := c.core.checkOpen(); err != nil {
		return "", err
	}
	if c.account != "" {
		if !validAccountID(c.account) {
			// No account can have this id; it may come from outside (a
			// REST header) and need not be storable.
			return "", fmt.Errorf("%w: account %q", ErrNotFound, c.account)
		}
		return c.account, nil
	}
	accounts, err := c.core.st.ListAccounts(ctx)
	if err != nil {
		return "", fmt.Errorf("wauser: %w", err)
	}
	switch len(accounts) {
	case 1:
		return AccountID(accounts[0].ID), nil
	case 0:
		return "", fmt.Errorf("%w: the store has no account; create one with CreateAccount", ErrAccountRequired)
	default:
		return "", fmt.Errorf("%w: the store has %d accounts; bind one with WithAccount", ErrAccountRequired, len(accounts))
	}
}

// Clock tells time and makes timers. The Client uses it for reconnect
// backoff, QR code rotation and timestamps; WithClock replaces it, e.g. with
// watest.Clock in tests.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is a timer made by a Clock.
type Timer interface {
	// C returns the channel the timer fires on.
	C() <-chan time.Time
	// Stop prevents the timer from firing; see time.Timer.Stop.
	Stop() bool
}

type systemClock struct{}

func (systemClock) Now() time.Time                 { return time.Now() }
func (systemClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time { return t.t.C }
func (t systemTimer) Stop() bool          { return t.t.Stop() }
