package scaletest_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/wauser/wauser/internal/testdb"
)

// Acceptance 1 of issue 7: two processes share one PostgreSQL with 10
// paired accounts. Every account is connected by exactly one process; when
// the process holding accounts is killed (SIGKILL, at a random moment of
// its lease renewals) or stops, the other connects them within 30 s; and
// over the whole run no account is ever connected by two processes at once
// (the processes report every connection with the machine's clock, and the
// merged timeline is replayed).
func TestTwoProcessesShareAccounts(t *testing.T) {
	t.Parallel()
	db := testdb.Postgres(t)
	accounts := make([]string, 10)
	for i := range accounts {
		accounts[i] = fmt.Sprintf("acc%02d", i)
	}
	pairAccounts(t, db, accounts...)

	tl := newTimeline()
	procs := map[string]*child{}
	start := func(names ...string) {
		for _, name := range names {
			procs[name] = startChild(t, name, "lease", db.DSN(), nil, tl.onLine(name))
		}
		for _, name := range names {
			procs[name].waitReady(t)
		}
	}
	allHeld := func(h map[string]map[string]bool) bool { ok, _ := eachHeldByOne(h, accounts); return ok }
	heldBy := func(name string) func(map[string]map[string]bool) bool {
		return func(h map[string]map[string]bool) bool {
			_, per := eachHeldByOne(h, accounts)
			return allHeld(h) && per[name] == len(accounts)
		}
	}
	// A take-over needs a few seconds: a minute means it is not coming.
	wait := func(cond func(map[string]map[string]bool) bool) error {
		return tl.wait(ctxTimeout(t, time.Minute), cond)
	}

	start("P1", "P2") // at once: they race for the leases
	require.NoError(t, wait(allHeld), "every account connected, each by one process")
	_, per := eachHeldByOne(tl.holders(), accounts)
	t.Logf("accounts per process after both started: %v", per)

	// Kill the process holding the most accounts, twice (restarting a new
	// process each time), then stop the survivor gracefully.
	next := 3
	for round := range 2 {
		_, per := eachHeldByOne(tl.holders(), accounts)
		victim, survivor := "", ""
		for name, p := range procs {
			if p.isWaited() {
				continue
			}
			if victim == "" || per[name] > per[victim] {
				victim, survivor = name, victim
			} else {
				survivor = name
			}
		}
		// A random moment of the renewal cycle.
		delay := time.Duration(rand.Int64N(int64(2 * childLeases.Interval)))
		timer := time.NewTimer(delay)
		<-timer.C
		died := procs[victim].kill(t)
		tl.died(victim, died)
		require.NoError(t, wait(heldBy(survivor)), "round %d: %s takes over %s's accounts", round, survivor, victim)
		took := time.Since(died)
		t.Logf("round %d: killed %s (holding %d accounts, %s into a renewal interval); %s connected them all %s later",
			round, victim, per[victim], delay.Round(time.Millisecond), survivor, took.Round(time.Millisecond))
		require.Less(t, took, 30*time.Second)
		delete(procs, victim)
		start(fmt.Sprintf("P%d", next))
		next++
	}
	_, per = eachHeldByOne(tl.holders(), accounts)
	var holder, spare string
	for name := range procs {
		if per[name] == len(accounts) {
			holder = name
		} else {
			spare = name
		}
	}
	require.NotEmpty(t, holder)
	require.NotEmpty(t, spare)
	stopped := time.Now()
	procs[holder].stop(t)
	require.NoError(t, wait(heldBy(spare)), "%s takes over after %s closed", spare, holder)
	t.Logf("%s closed; %s connected its accounts %s later", holder, spare, time.Since(stopped).Round(time.Millisecond))
	procs[spare].stop(t)

	// Never two at once, replaying every process's reports in time order.
	evs := tl.sorted()
	replay(evs, func(e connEvent, h map[string]map[string]bool) {
		if len(h[e.account]) > 1 {
			t.Errorf("at %s account %s was connected by %v", e.at.Format(time.RFC3339Nano), e.account, h[e.account])
		}
	})
	t.Logf("%d connection events from %d processes replayed: never two processes on one account", len(evs), next-1)
}
