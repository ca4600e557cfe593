package gpioin

import (
	"sync"

	"hearth/hal"
	"hearth/units"

	"periph.io/x/conn/v3/gpio"
)

// LoopDebounce is the count of consecutive equal reads that changes a
// loop's state. Leak is called once a sample period, so a change is seen
// LoopDebounce periods after it happened.
const LoopDebounce = 3

// LevelReader is a pin whose read can fail. periph's gpio.PinIn.Read cannot
// say so: gpioioctl logs a failed read and returns Low. A Loop uses ReadLevel
// when its pin has it.
type LevelReader interface {
	ReadLevel() (gpio.Level, error)
}

// Loop reads a contact loop: the leak detector's normally closed loop and
// the oil tank's low-level switch (the same).
//
// The wiring is the loop from 3.3 V to the pin, which is pulled down (a
// strong external pull-down on a long cable; gpio.PullDown at the least):
// closed reads High, and open, a broken wire and a failed gpioioctl read
// (Low) all read open. Wired the other way (to ground against a pull-up),
// a failed read would read as closed: dry.
type Loop struct {
	p          gpio.PinIn
	activeOpen bool
	now        func() units.Time

	mu    sync.Mutex
	known bool // LoopDebounce equal reads have been had
	state bool // the debounced state: true = active (leak, low level)
	cand  bool // the state the latest reads agree on
	count int  // how many of them
}

// NewLoop returns the loop on p, which the caller has set up as an input
// (p.In(gpio.PullDown, gpio.NoEdge)). activeOpen: the alarm is the loop
// open (a normally closed loop, fail safe: a broken wire is an alarm);
// false: the alarm is the contact closed, which a broken wire hides.
func NewLoop(p gpio.PinIn, activeOpen bool, now func() units.Time) *Loop {
	return &Loop{p: p, activeOpen: activeOpen, now: now}
}

// Leak implements hal.LeakInput: true is the alarm (a leak, the oil level
// low). It reads the pin once. A failed read is StatusBus with Value true
// (fail safe) and restarts the debounce; until LoopDebounce equal reads
// have been had, the sample is StatusMissing with Value true.
func (l *Loop) Leak() hal.Sample[bool] {
	now := l.now()
	lvl, err := l.read()
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.count = 0
		return hal.Sample[bool]{Value: true, At: now, Status: hal.StatusBus}
	}
	active := (lvl == gpio.High) != l.activeOpen // High is closed
	if l.count > 0 && active == l.cand {
		l.count++
	} else {
		l.cand, l.count = active, 1
	}
	if l.count >= LoopDebounce {
		l.known, l.state = true, l.cand
	}
	if !l.known {
		return hal.Sample[bool]{Value: true, At: now, Status: hal.StatusMissing}
	}
	return hal.Sample[bool]{Value: l.state, At: now, Status: hal.StatusOK}
}

func (l *Loop) read() (gpio.Level, error) {
	if r, ok := l.p.(LevelReader); ok {
		return r.ReadLevel()
	}
	return l.p.Read(), nil
}

var _ hal.LeakInput = (*Loop)(nil)
