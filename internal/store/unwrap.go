package store

import (
	"log/slog"

	"github.com/uptrace/bun"

	"github.com/wauser/wauser/internal/sqldialect"
)

// Public is the public store.Store (package github.com/wauser/wauser/store
// defines Store on it): the adapters make one with NewPublic, and the
// library gets the Store inside with Unwrap. Its one field is unexported
// and the type is internal, so a program holding a store.Store cannot
// reach the Store inside, nor convert it to anything that can.
type Public struct{ s *Store }

// Config is what the public store's options set.
type Config struct {
	Log *slog.Logger // nil for none
}

// NewPublic wraps db, with the dialect newDialect makes, as a public
// store; opts are the public store's options.
func NewPublic[O ~func(*Config)](db *bun.DB, newDialect sqldialect.New, opts ...O) *Public {
	var c Config
	for _, o := range opts {
		o(&c)
	}
	return &Public{s: New(db, newDialect, c.Log)}
}

// Unwrap returns the Store inside p, a public *store.Store (nil for nil).
func Unwrap[P ~struct{ s *Store }](p *P) *Store {
	if p == nil {
		return nil
	}
	return Public(*p).s
}
