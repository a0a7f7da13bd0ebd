package session

import (
	"log/slog"

	"github.com/wauser/wauser/internal/lograte"
)

// logState logs an account's change of state. A reconnect or pairing loop
// that keeps failing goes through the same changes over and over: each
// change is logged the first time, then again only at growing intervals
// (1 min, 2, 4... up to 1 h; see internal/lograte) with the number of
// repeats in between, until the account connects.
func (s *Session) logState(from, to State, lastErr string) {
	l := s.sv.stateLog(s.id)
	if to == StateConnected {
		l.Reset()
	}
	write, repeated := l.Allow(stateLine{from, to, lastErr})
	if !write {
		return
	}
	attrs := []any{slog.String("account", s.id), slog.String("from", string(from)),
		slog.String("to", string(to)), slog.String("error", lastErr)}
	if repeated > 0 {
		attrs = append(attrs, slog.Int("repeated", repeated))
	}
	s.sv.cfg.Logger.Info("wauser: account state", attrs...)
}

// stateLine is a logged change of state: the states and the error.
type stateLine struct {
	from, to State
	lastErr  string
}

// stateLog returns the log limiter of account id's state changes. It
// outlives the account's sessions: a pairing loop starts a session per
// attempt.
func (sv *Supervisor) stateLog(id string) *lograte.Limiter[stateLine] {
	if l, ok := sv.stateLogs.Load(id); ok {
		return l.(*lograte.Limiter[stateLine])
	}
	l, _ := sv.stateLogs.LoadOrStore(id, lograte.New[stateLine](sv.cfg.Clock.Now, 0, 0))
	return l.(*lograte.Limiter[stateLine])
}
