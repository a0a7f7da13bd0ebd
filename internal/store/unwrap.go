package store

// Receiver takes the Store out of a public store.Store (package
// github.com/wauser/wauser/store), which hands it only to a Receiver. Only
// this package implements Receiver (its unexported method), so a program
// outside the module cannot get at the Store: it can pass only nil.
type Receiver interface {
	Receive(*Store)
	sealed()
}

// receiver is the one Receiver.
type receiver struct{ st *Store }

func (r *receiver) Receive(st *Store) { r.st = st }
func (*receiver) sealed()             {}

// Holder is a public *store.Store as this package sees it.
type Holder interface{ Hand(Receiver) }

// Unwrap returns the Store inside h, a public *store.Store (nil for nil).
func Unwrap(h Holder) *Store {
	var r receiver
	h.Hand(&r)
	return r.st
}
