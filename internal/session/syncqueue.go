package session

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/proto/waHistorySync"
	wastore "go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/wauser/wauser/internal/histsync"
	"github.com/wauser/wauser/internal/ingest"
	"github.com/wauser/wauser/internal/store"
)

// The sync queue: work WhatsApp hands over once and that must not be lost
// when storing it fails, because whatsmeow does not deliver it again.
//
//   - History. WhatsApp acknowledges a history sync notification before it
//     is handled, so the whatsmeow client downloads nothing itself
//     (ManualHistorySyncDownload, as mautrix-whatsapp does): the
//     notification is stored in the transaction that acknowledges the
//     message carrying it (ingest queues it), and this worker downloads the
//     blob, stores what whatsmeow keeps of it in its device store, and
//     stores the blob as a stream, marking the job done in the transaction
//     of its last batch.
//   - App state. whatsmeow ignores a handler's failure for app state
//     events; when one cannot be stored, its collection is resynced in
//     full (FetchAppState with fullSync), which delivers every action of
//     the collection again.
//
// Jobs live in wauser_sync_jobs, so a restart resumes them; failed
// attempts are retried with a growing delay on the Client's clock. Each
// session runs one worker, so only the process connected to an account
// works on its jobs.

// Retry delays of the sync queue: from syncRetryMin, doubling up to
// syncRetryMax.
const (
	syncRetryMin = 5 * time.Second
	syncRetryMax = 10 * time.Minute
)

// syncRetryDelay is the delay after attempt n (0-based) failed.
func syncRetryDelay(n int) time.Duration {
	d := syncRetryMin
	for i := 0; i < n && d < syncRetryMax; i++ {
		d *= 2
	}
	return min(d, syncRetryMax)
}

// secretsPerWrite is how many message secrets go to whatsmeow's store per
// write while a blob is scanned.
const secretsPerWrite = 500

// syncQueue is the worker state of one session.
type syncQueue struct {
	wake chan struct{} // capacity 1
	done chan struct{} // closed when the worker ends

	mu     sync.Mutex
	resync map[appstate.WAPatchName]bool // asked for, not yet in the table
}

func newSyncQueue() *syncQueue {
	return &syncQueue{wake: make(chan struct{}, 1), done: make(chan struct{}), resync: map[appstate.WAPatchName]bool{}}
}

// wakeQueue makes the worker look at its jobs.
func (s *Session) wakeQueue() {
	select {
	case s.queue.wake <- struct{}{}:
	default:
	}
}

// ingested is called after evt was stored: a queued history notification
// wakes the worker.
func (s *Session) ingested(evt any) {
	if ingest.HistoryNotification(evt) != nil {
		s.wakeQueue()
		s.sv.host.Notify() // Status.HistoryPending changed
	}
}

// ingestFailed is called after storing evt failed. whatsmeow delivers an
// app state event once, whatever the handler answers: its collection is
// resynced in full.
func (s *Session) ingestFailed(evt any) {
	name := appStateCollection(evt)
	if name == "" {
		return
	}
	s.sv.cfg.Logger.Warn("wauser: app state event not stored; its collection will be resynced",
		slog.String("account", s.id), slog.String("collection", string(name)))
	s.queue.mu.Lock()
	s.queue.resync[name] = true
	s.queue.mu.Unlock()
	s.wakeQueue()
}

// appStateCollection returns the app state collection (patch name) whose
// mutations whatsmeow dispatches as evt, or "" when evt is no app state
// event. The collections are those whatsmeow's appstate package builds the
// same actions in (and lists their indexes under).
func appStateCollection(evt any) appstate.WAPatchName {
	switch evt.(type) {
	case *events.Mute, *events.Star, *events.DeleteForMe, *events.ClearChat, *events.DeleteChat, *events.UserStatusMute:
		return appstate.WAPatchRegularHigh
	case *events.Pin, *events.Archive, *events.MarkChatAsRead, *events.UnarchiveChatsSetting:
		return appstate.WAPatchRegularLow
	case *events.LabelEdit, *events.LabelAssociationChat, *events.LabelAssociationMessage:
		return appstate.WAPatchRegular
	case *events.Contact:
		return appstate.WAPatchCriticalUnblockLow
	case *events.PushNameSetting:
		return appstate.WAPatchCriticalBlock
	}
	return ""
}

// runSyncQueue is the worker: it runs the account's due jobs one at a time
// while the account is logged in, and sleeps until the next is due or
// something wakes it (a new job, a login).
func (s *Session) runSyncQueue() {
	defer close(s.queue.done)
	ctx := s.ctx
	clock := s.sv.cfg.Clock
	db := s.sv.st.DB()
	now := clock.Now()
	// A restart retries at once what waited for its backoff.
	if err := store.ResumeSyncJobs(ctx, db, s.id, now); err != nil && ctx.Err() == nil {
		s.sv.cfg.Logger.Warn("wauser: resume sync jobs", slog.String("account", s.id), slog.Any("error", err))
	}
	if _, err := store.PruneSyncJobs(ctx, db, s.id, now.Add(-s.sv.cfg.Retention)); err != nil && ctx.Err() == nil {
		s.sv.cfg.Logger.Warn("wauser: prune sync jobs", slog.String("account", s.id), slog.Any("error", err))
	}
	var timer Timer
	defer func() { stopTimer(timer) }()
	for {
		timer = stopTimer(timer)
		wait := s.syncStep(ctx)
		if ctx.Err() != nil {
			return
		}
		if wait == 0 {
			continue
		}
		if wait > 0 {
			timer = clock.NewTimer(wait)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.queue.wake:
		case <-timerC(timer):
		}
	}
}

// syncStep does one thing the queue needs and says when to look again: 0
// at once, a delay, or -1 when woken.
func (s *Session) syncStep(ctx context.Context) time.Duration {
	log := s.sv.cfg.Logger.With(slog.String("account", s.id))
	db := s.sv.st.DB()
	now := s.sv.cfg.Clock.Now()
	// Resyncs asked for by the event handler go to the table first.
	s.queue.mu.Lock()
	var names []appstate.WAPatchName
	for n := range s.queue.resync {
		names = append(names, n)
	}
	s.queue.mu.Unlock()
	for _, n := range names {
		if err := store.RequestSyncJob(ctx, db, s.id, store.JobAppState, string(n), now); err != nil {
			if ctx.Err() == nil {
				log.Warn("wauser: queue app state resync", slog.String("collection", string(n)), slog.Any("error", err))
			}
			return syncRetryMin
		}
		s.queue.mu.Lock()
		delete(s.queue.resync, n)
		s.queue.mu.Unlock()
	}
	job, err := store.NextSyncJob(ctx, db, s.id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return -1
	case err != nil:
		if ctx.Err() == nil {
			log.Warn("wauser: read sync jobs", slog.Any("error", err))
		}
		return syncRetryMin
	case job.NextAttemptAt.After(now):
		return job.NextAttemptAt.Sub(now)
	case !s.conn.Client.IsLoggedIn():
		return -1 // the Connected event wakes the worker
	}
	log = log.With(slog.String("job", job.Kind), slog.String("id", job.ID))
	switch job.Kind {
	case store.JobHistory:
		err = s.runHistoryJob(ctx, job)
	case store.JobAppState:
		err = s.runAppStateJob(ctx, job)
	default:
		err = permanent(fmt.Errorf("unknown job kind %q", job.Kind))
	}
	if ctx.Err() != nil {
		return 0 // closing: the job stays queued for the next start
	}
	now = s.sv.cfg.Clock.Now()
	var perm *permanentError
	switch {
	case err == nil:
		log.Debug("wauser: sync job done")
	case errors.As(err, &perm):
		log.Error("wauser: sync job failed for good", slog.Any("error", err))
		if ferr := store.FailSyncJob(ctx, db, job, err.Error(), now); ferr != nil {
			log.Warn("wauser: record failed sync job", slog.Any("error", ferr))
			return syncRetryMin
		}
	default:
		delay := syncRetryDelay(job.Attempts)
		log.Warn("wauser: sync job failed; retrying", slog.Duration("in", delay), slog.Int("attempt", job.Attempts+1), slog.Any("error", err))
		if rerr := store.RetrySyncJob(ctx, db, job, err.Error(), now.Add(delay)); rerr != nil {
			log.Warn("wauser: record sync job attempt", slog.Any("error", rerr))
			return syncRetryMin
		}
	}
	s.sv.host.Notify() // Status.HistoryPending may have changed
	return 0
}

// permanentError is a job failure that no retry can mend.
type permanentError struct{ error }

func (e *permanentError) Unwrap() error { return e.error }

func permanent(err error) error { return &permanentError{err} }

// runAppStateJob resyncs one app state collection in full. whatsmeow
// dispatches every action of the collection to the event handler during
// the call; if storing one fails again, the handler asks for the job again,
// and the attempt counts as failed.
func (s *Session) runAppStateJob(ctx context.Context, job *store.SyncJob) error {
	if err := s.conn.Client.FetchAppState(ctx, appstate.WAPatchName(job.ID), true, false); err != nil {
		return fmt.Errorf("fetch app state %s: %w", job.ID, err)
	}
	s.queue.mu.Lock()
	again := s.queue.resync[appstate.WAPatchName(job.ID)]
	s.queue.mu.Unlock()
	if again {
		return errors.New("an action of the resynced collection was not stored")
	}
	done, err := store.FinishSyncJob(ctx, s.sv.st.DB(), job, s.sv.cfg.Clock.Now())
	if err != nil {
		return err
	}
	if !done {
		return errors.New("the collection was asked for again during its resync")
	}
	return nil
}

// runHistoryJob downloads one history blob and stores it.
func (s *Session) runHistoryJob(ctx context.Context, job *store.SyncJob) error {
	raw, err := base64.StdEncoding.DecodeString(job.Payload)
	if err != nil {
		return permanent(fmt.Errorf("stored notification: %w", err))
	}
	notif := new(waE2E.HistorySyncNotification)
	if err := proto.Unmarshal(raw, notif); err != nil {
		return permanent(fmt.Errorf("stored notification: %w", err))
	}
	blob := notif.GetInitialHistBootstrapInlinePayload()
	if blob == nil {
		if blob, err = s.conn.Client.Download(ctx, notif); err != nil {
			if errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith404) || errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith410) ||
				errors.Is(err, whatsmeow.ErrNoURLPresent) {
				return permanent(fmt.Errorf("download history blob: it is gone from WhatsApp's servers: %w", err))
			}
			return fmt.Errorf("download history blob: %w", err)
		}
	}
	// What whatsmeow keeps of a blob it downloads itself, first: the
	// phone-number/LID mappings decide which person each message of the
	// blob belongs to.
	keep := newHistoryKeeper(s)
	head, err := histsync.Scan(blob, keep.add)
	if err != nil {
		if errors.Is(err, histsync.ErrMalformed) {
			return permanent(err)
		}
		return err
	}
	if err := keep.finish(ctx, head); err != nil {
		return err
	}
	if head.Skipped > 0 {
		s.sv.cfg.Logger.Warn("wauser: history blob has items that do not decode", slog.String("account", s.id),
			slog.String("id", job.ID), slog.Int("skipped", head.Skipped))
	}
	r, err := histsync.NewReader(blob, head)
	if err != nil {
		return permanent(err)
	}
	start := time.Now()
	n, err := s.sv.ingest.History(ctx, s.IngestAccount(), r, func(ctx context.Context, tx bun.IDB) error {
		_, err := store.FinishSyncJob(ctx, tx, job, s.sv.cfg.Clock.Now())
		return err
	})
	s.sv.metrics.HistoryBlob(n, time.Since(start), err)
	return err
}

// historyKeeper stores in whatsmeow's device store what whatsmeow's
// DownloadHistorySync stores with synchronousStorage: message secrets and
// privacy tokens (not for push-name blobs), phone-number/LID mappings,
// push names (push-name blobs) and the LID migration timestamp of the
// global settings. It runs outside any transaction of ours: whatsmeow
// writes through its own connections.
type historyKeeper struct {
	s       *Session
	ctx     context.Context
	own     types.JID
	secrets []wastore.MessageSecretInsert
	tokens  []wastore.PrivacyToken
}

func newHistoryKeeper(s *Session) *historyKeeper {
	k := &historyKeeper{s: s, ctx: s.ctx}
	if id := s.conn.Device.ID; id != nil {
		k.own = id.ToNonAD()
	}
	return k
}

// add takes one conversation's keys (during Scan), as whatsmeow's
// storeHistoricalMessageSecrets reads them.
func (k *historyKeeper) add(c *histsync.ConversationKeys) error {
	if k.own.IsEmpty() {
		return nil
	}
	chat, _ := types.ParseJID(c.ID)
	if chat.IsEmpty() {
		return nil
	}
	if chat.Server == types.DefaultUserServer && c.TcToken != nil {
		ts := c.TcTokenSenderTimestamp
		if ts == 0 {
			ts = c.TcTokenTimestamp
		}
		k.tokens = append(k.tokens, wastore.PrivacyToken{User: chat, Token: c.TcToken, Timestamp: time.Unix(int64(ts), 0)})
	}
	for _, m := range c.Secrets {
		var sender types.JID
		switch {
		case m.FromMe:
			sender = k.own
		case chat.Server == types.DefaultUserServer:
			sender = chat
		case m.KeyParticipant != "":
			sender, _ = types.ParseJID(m.KeyParticipant)
		case m.Participant != "":
			sender, _ = types.ParseJID(m.Participant)
		}
		if sender.IsEmpty() || m.ID == "" {
			continue
		}
		k.secrets = append(k.secrets, wastore.MessageSecretInsert{Chat: chat, Sender: sender, ID: m.ID, Secret: m.Secret})
	}
	if len(k.secrets) >= secretsPerWrite {
		return k.flush()
	}
	return nil
}

// flush writes the secrets and tokens gathered so far.
func (k *historyKeeper) flush() error {
	dev := k.s.conn.Device
	if len(k.secrets) > 0 {
		if err := dev.MsgSecrets.PutMessageSecrets(k.ctx, k.secrets); err != nil {
			return fmt.Errorf("store message secrets: %w", err)
		}
		k.secrets = k.secrets[:0]
	}
	if len(k.tokens) > 0 {
		if err := dev.PrivacyTokens.PutPrivacyTokens(k.ctx, k.tokens...); err != nil {
			return fmt.Errorf("store privacy tokens: %w", err)
		}
		k.tokens = k.tokens[:0]
	}
	return nil
}

// finish stores the rest, and what the blob's head holds.
func (k *historyKeeper) finish(ctx context.Context, head *histsync.Head) error {
	if head.SyncType == waHistorySync.HistorySync_PUSH_NAME {
		// whatsmeow keeps no secrets of a push-name blob (which has no
		// conversations anyway).
		k.secrets, k.tokens = nil, nil
	}
	if err := k.flush(); err != nil {
		return err
	}
	dev := k.s.conn.Device
	log := k.s.sv.cfg.Logger.With(slog.String("account", k.s.id))
	if len(head.Mappings) > 0 {
		pairs := make([]wastore.LIDMapping, 0, len(head.Mappings))
		for _, m := range head.Mappings {
			pn, err1 := types.ParseJID(m.GetPnJID())
			lid, err2 := types.ParseJID(m.GetLidJID())
			if err1 != nil || err2 != nil {
				log.Debug("wauser: skip malformed LID mapping in history", slog.String("pn", m.GetPnJID()), slog.String("lid", m.GetLidJID()))
				continue
			}
			if pn.Server == types.LegacyUserServer {
				pn.Server = types.DefaultUserServer
			}
			pairs = append(pairs, wastore.LIDMapping{LID: lid, PN: pn})
		}
		if err := dev.LIDs.PutManyLIDMappings(ctx, pairs); err != nil {
			return fmt.Errorf("store LID mappings: %w", err)
		}
	}
	if head.SyncType == waHistorySync.HistorySync_PUSH_NAME && dev.Contacts != nil {
		for _, p := range head.Pushnames {
			if p.GetPushname() == "-" {
				continue
			}
			jid, err := types.ParseJID(p.GetID())
			if err != nil {
				continue
			}
			if _, _, err := dev.Contacts.PutPushName(ctx, jid, p.GetPushname()); err != nil {
				log.Warn("wauser: store push name from history", slog.Any("error", err))
			}
		}
	}
	if ts := head.GlobalSettings.GetChatDbLidMigrationTimestamp(); ts > 0 && dev.LIDMigrationTimestamp == 0 {
		dev.LIDMigrationTimestamp = ts
		if err := dev.Save(ctx); err != nil {
			return fmt.Errorf("store LID migration timestamp: %w", err)
		}
	}
	return nil
}
