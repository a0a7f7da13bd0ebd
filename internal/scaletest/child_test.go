package scaletest_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wauser/wauser"
	"github.com/wauser/wauser/store"
	"github.com/wauser/wauser/store/postgres"
	"github.com/wauser/wauser/store/sqlite"
	"github.com/wauser/wauser/watest"
)

// The child's environment.
const (
	envMode  = "WAUSER_SCALETEST_CHILD" // lease, deliver or ingest
	envName  = "WAUSER_SCALETEST_NAME"  // the process's name in reports
	envDSN   = "WAUSER_SCALETEST_DSN"   // a SQLite path or a postgres:// URL
	envChunk = "WAUSER_SCALETEST_CHUNK" // ingest: the first history chunk to deliver
)

// Lease timings of the children: a killed holder's accounts are taken
// over within Interval + grace (Interval + 2·Timeout) = 4 s.
var childLeases = wauser.LeaseOptions{Interval: time.Second, Timeout: time.Second}

// report writes one line to the parent.
var reportMu sync.Mutex

func report(format string, args ...any) {
	reportMu.Lock()
	defer reportMu.Unlock()
	_, _ = fmt.Fprintf(os.Stdout, format+"\n", args...)
}

// runChild runs a child mode until it is done or SIGTERM, and returns the
// exit code.
func runChild(mode string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	var err error
	switch mode {
	case "lease":
		err = childLease(ctx)
	case "deliver":
		err = childDeliver(ctx)
	case "ingest":
		err = childIngest(ctx)
	default:
		err = fmt.Errorf("unknown child mode %q", mode)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "child %s (%s): %v\n", os.Getenv(envName), mode, err)
		return 1
	}
	return 0
}

func openStore(ctx context.Context, dsn string) (*store.Store, error) {
	if strings.HasPrefix(dsn, "postgres://") {
		return postgres.Open(ctx, dsn)
	}
	return sqlite.Open(ctx, dsn)
}

// openClient opens and starts a Client on the child's database with opts,
// logging warnings to stderr (the parent shows them when a test fails).
func openClient(ctx context.Context, opts ...wauser.Option) (*wauser.Client, error) {
	st, err := openStore(ctx, os.Getenv(envDSN))
	if err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := wauser.New(st, append([]wauser.Option{wauser.WithLogger(logger)}, opts...)...)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	if err := c.Start(ctx); err != nil {
		_ = c.Close()
		_ = st.Close()
		return nil, err
	}
	return c, nil
}

// closeClient closes c and its store.
func closeClient(c *wauser.Client) error {
	err := c.Close()
	if cerr := c.Store().Close(); err == nil {
		err = cerr
	}
	return err
}

// childLease connects the paired accounts it can lease, and reports every
// connection that opens or closes with the wall clock time (the same clock
// for every process of the machine): "conn <account> up|down <unix ns>".
func childLease(ctx context.Context) error {
	fake := watest.New()
	fake.OnConnection(func(account string, connected bool) {
		state := "down"
		if connected {
			state = "up"
		}
		report("conn %s %s %d", account, state, time.Now().UnixNano())
	})
	c, err := openClient(ctx, fake.Option(), wauser.WithLeases(childLeases))
	if err != nil {
		return err
	}
	report("ready")
	<-ctx.Done()
	err = closeClient(c)
	fake.Close()
	report("closed")
	return err
}

// processTransport names the sending process in every webhook request.
type processTransport struct {
	name string
	base http.RoundTripper
}

func (p processTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(headerProcess, p.name)
	return p.base.RoundTrip(r)
}

const headerProcess = "X-Scaletest-Process"

// childDeliver runs the webhook workers on the child's database until
// SIGTERM.
func childDeliver(ctx context.Context) error {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	hc := &http.Client{Transport: processTransport{os.Getenv(envName), tr}, Timeout: 10 * time.Second}
	c, err := openClient(ctx, wauser.WithPrivateWebhookTargets(), wauser.WithHTTPClient(hc),
		wauser.WithLeases(childLeases),
		wauser.WithWebhookDelivery(wauser.WebhookDeliveryOptions{
			Workers: 8, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
			PollInterval: 100 * time.Millisecond, AttemptTimeout: 2 * time.Second, ClaimTimeout: 3 * time.Second,
		}))
	if err != nil {
		return err
	}
	report("ready")
	<-ctx.Done()
	return closeClient(c)
}

// childIngest plays WhatsApp delivering history chunks envChunk.. to the
// paired account "acc", and reports each chunk whose event handler returned
// true (WhatsApp would then drop it): "acked <chunk>". An acknowledged
// chunk is one whose announcement the account stored; the account
// downloads and stores the blob from its sync queue, which the next child
// resumes after a kill. WhatsApp's media servers keep every blob across
// the account's restarts: each child's fake has all of them.
func childIngest(ctx context.Context) error {
	from, err := strconv.Atoi(os.Getenv(envChunk))
	if err != nil {
		return fmt.Errorf("%s: %w", envChunk, err)
	}
	fake := watest.New()
	blobs := make([]*watest.HistoryBlob, historyChunks)
	for i := range blobs {
		if blobs[i], err = watest.HistoryBlobOf(historyChunk(i)); err != nil {
			return err
		}
		if _, err := fake.UploadHistory(blobs[i]); err != nil {
			return err
		}
	}
	c, err := openClient(ctx, fake.Option())
	if err != nil {
		return err
	}
	defer func() { _ = closeClient(c) }()
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	bot := c.WithAccount("acc")
	if _, err := bot.WaitStatus(wctx, func(s *wauser.Status) bool { return s.Connected }); err != nil {
		return err
	}
	conn := fake.Conn("acc")
	report("ready")
	for i := from; i < historyChunks; i++ {
		if !conn.EmitHistoryBlob(blobs[i]) {
			return fmt.Errorf("history chunk %d was not stored", i)
		}
		report("acked %d", i)
	}
	hctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()
	if st, err := bot.WaitStatus(hctx, func(s *wauser.Status) bool { return s.HistoryPending == 0 }); err != nil {
		return fmt.Errorf("history still pending (%+v): %w", st, err)
	}
	report("done")
	return nil
}
