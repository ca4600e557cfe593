package board

import (
	"context"
	"sync"
	"time"

	"hearth/hal"
	"hearth/units"
)

// Reading is what a channel reads now, for `hearth probe`.
type Reading struct {
	Value  float64
	Unit   string // "C", "bar", "L/min", "ratio", "W", "bool", "Hz"
	Text   string // the value as a person reads it ("25.06 C", "leak", "closed")
	Status hal.Status
	Alarm  bool // the channel reads an alarm: a leak, a pump's fault
}

// Channel is one logical channel of the board, and what became of it.
type Channel struct {
	Name  string // the board file's key: "temp.oil_in_a", "pump.oil", "module.3"
	Wired string // chip, bus, address and pin: "DS18B20 28-0000071a2b01 on DS2482 0x18, i2c 1"
	Trip  bool   // a trip hangs on it: missing, the hub cannot run
	Err   error  // why it could not be opened; nil when it answered
	// Read reads it now; nil when it is missing. An output reads what its
	// chip holds (read back), never drives it.
	Read func() Reading
	// Range is the span a healthy channel reads in while commissioning.
	Lo, Hi float64
}

// Missing reports whether the channel could not be opened.
func (c *Channel) Missing() bool { return c.Err != nil }

// Hub is a board opened: the devices the daemon's edge loop reads and
// writes, and the channels behind them.
type Hub struct {
	// Dev holds every device but the modules' power, which the module
	// channel's Hub provides (its relays are Relays here).
	Dev      hal.Devices
	Relays   []hal.Switch    // each module's contactor, in the board's order
	Feeds    []hal.FeedMeter // each module's feed meter
	IDs      []uint32        // each module's id
	Channels []Channel

	now     func() units.Time
	runners []func(ctx context.Context)
	checks  []func() (string, error) // periodic chip checks: what was found and undone
	closers []func() error
	release func() error // lowers the outputs' hold line
}

// Run starts the edge counters and the chips' periodic checks (every
// period); report hears each check that found a chip reset or could not
// run. They stop with ctx.
func (h *Hub) Run(ctx context.Context, wg *sync.WaitGroup, period units.Duration, report func(string, error)) {
	for _, r := range h.runners {
		wg.Add(1)
		go func() { defer wg.Done(); r(ctx) }()
	}
	if len(h.checks) == 0 {
		return
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		h.checkEvery(ctx, period, report)
	}()
}

// Check runs every chip check once: a brown-out that reset a chip to its
// power-on registers is found and undone here.
func (h *Hub) Check(report func(string, error)) {
	for _, c := range h.checks {
		if what, err := c(); what != "" || err != nil {
			report(what, err)
		}
	}
}

// Close lowers the outputs' hold line (the chips let go, as at a Pi
// reset) and releases the buses.
func (h *Hub) Close() {
	if h.release != nil {
		_ = h.release()
	}
	for i := len(h.closers) - 1; i >= 0; i-- {
		_ = h.closers[i]()
	}
}

// Warm reads every channel that answered every period for d: the slow
// inputs start converting and counting, and the debounced ones settle, as
// under the daemon's samplers. `hearth probe` warms a board before it
// probes it.
func (h *Hub) Warm(d, period time.Duration) {
	if len(h.MissingAll()) == len(h.Channels) {
		return // nothing answered: nothing to wait for
	}
	for end := time.Now().Add(d); ; time.Sleep(period) {
		for i := range h.Channels {
			if c := &h.Channels[i]; !c.Missing() {
				c.Read()
			}
		}
		if time.Now().After(end) {
			return
		}
	}
}

// Channel returns the channel called name, or nil.
func (h *Hub) Channel(name string) *Channel {
	for i := range h.Channels {
		if h.Channels[i].Name == name {
			return &h.Channels[i]
		}
	}
	return nil
}

// MissingAll returns the channels that are missing.
func (h *Hub) MissingAll() []*Channel {
	var out []*Channel
	for i := range h.Channels {
		if c := &h.Channels[i]; c.Missing() {
			out = append(out, c)
		}
	}
	return out
}

func (h *Hub) checkEvery(ctx context.Context, period units.Duration, report func(string, error)) {
	t := time.NewTicker(time.Duration(period))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h.Check(report)
		}
	}
}
