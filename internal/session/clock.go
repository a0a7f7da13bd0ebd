package session

import "time"

// Clock tells time and makes timers: the Client's clock (wauser.WithClock),
// which tests replace.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is a timer made by a Clock.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

func timerC(t Timer) <-chan time.Time {
	if t == nil {
		return nil
	}
	return t.C()
}

func stopTimer(t Timer) Timer {
	if t != nil {
		t.Stop()
	}
	return nil
}
