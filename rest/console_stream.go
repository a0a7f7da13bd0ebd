package rest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/wauser/wauser"
)

// consolePoll is how often a quiet changes stream looks at the store: for
// changes that other processes sharing a PostgreSQL store committed (this
// process's commits wake it at once).
const consolePoll = 5 * time.Second

// consoleChanges streams the account's changes as server-sent events,
// from the moment it opens: first "ready" with the feed's cursor (the
// page then loads its lists: everything they miss comes on the stream),
// then "conversation", "message" and "contact" events as records change,
// read from the change feed (Client.SyncPage) whenever this process
// commits events, and at least every consolePoll. It ends after the
// stream lifetime (the browser reconnects) or when the client leaves.
func consoleChanges(h *handler) operation {
	return doRaw(func(x *call) error {
		c := bound(x)
		if _, err := c.GetAccount(x.ctx); err != nil {
			return err // not found: answered as JSON, nothing was written yet
		}
		at, err := c.HeadCursor(x.ctx)
		if err != nil {
			return err
		}
		setPageHeaders(x.w.Header(), "text/event-stream")
		x.w.Header().Set("X-Accel-Buffering", "no")
		x.w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(x.w)
		send := func(event string, data any) bool {
			b, err := json.Marshal(data)
			if err != nil {
				h.log.Error("rest: encode console event", "error", err)
				return false
			}
			if _, err := fmt.Fprintf(x.w, "event: %s\ndata: %s\n\n", event, b); err != nil {
				return false
			}
			return rc.Flush() == nil
		}
		if _, err := fmt.Fprint(x.w, "retry: 3000\n\n"); err != nil {
			return nil
		}
		if !send("ready", map[string]wauser.Cursor{"cursor": at}) {
			return nil
		}
		n := newNames(c)
		quiet := 0
		for {
			// Taken before the read: a commit after it wakes the wait below.
			written := c.ChangesWritten()
			page, err := c.SyncPage(x.ctx, at, wauser.MaxSyncLimit)
			if err != nil {
				if x.ctx.Err() == nil {
					h.log.Error("rest: console changes", "account", c.Account(), "error", err)
				}
				return nil
			}
			for _, ct := range page.Contacts {
				delete(n.people, ct.PersonID) // names may have changed
				if !send("contact", map[string]any{"person_id": ct.PersonID, "name": n.of(&ct)}) {
					return nil
				}
			}
			for i := range page.Conversations {
				if !send("conversation", n.conversation(x.ctx, &page.Conversations[i])) {
					return nil
				}
			}
			for i := range page.Messages {
				if !send("message", n.message(&page.Messages[i])) {
					return nil
				}
			}
			changed := page.Cursor != at
			at = page.Cursor
			if page.HasMore {
				continue
			}
			if changed && !send("cursor", map[string]wauser.Cursor{"cursor": at}) {
				return nil
			}
			t := time.NewTimer(consolePoll)
			select {
			case <-x.ctx.Done():
				t.Stop()
				return nil
			case <-written:
				t.Stop()
				quiet = 0
			case <-t.C:
				quiet++
				if time.Duration(quiet)*consolePoll >= h.streamKeepAlive {
					quiet = 0
					if _, err := fmt.Fprint(x.w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
						return nil
					}
				}
			}
		}
	})
}
