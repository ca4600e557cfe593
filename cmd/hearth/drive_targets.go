package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"hearth/hal"
	"hearth/hal/board"
	"hearth/units"
)

// driveTarget is one output drive can move: how to command it, how to put
// it back (hal.Deenergised's value), what answers it, what must hold while
// it is driven, and how its answer is judged.
type driveTarget struct {
	set, safe func() error
	watch     []string
	interlock func() string           // "" while it may be driven, else why not
	check     func(*board.Hub) string // judged at the end of the drive; "FAIL" in it fails
	after     func(*board.Hub) string // judged after it is put back (a kill)
	maxFor    time.Duration
}

func never() string { return "" }

// target builds the target called name, commanded value.
func target(h *board.Hub, name, value string) (*driveTarget, error) {
	if c := h.Channel(name); c == nil {
		return nil, fmt.Errorf("%s: no such output on the board", name)
	} else if c.Missing() {
		return nil, fmt.Errorf("%s: missing: %v", name, c.Err)
	}
	kind, id, _ := strings.Cut(name, ".")
	switch kind {
	case "pump":
		return pumpTarget(h, id, value)
	case "valve":
		return valveTarget(h, id, value)
	case "fan":
		r, err := parseRatio(value)
		if err != nil {
			return nil, err
		}
		fan := h.Dev.Fan
		return &driveTarget{set: func() error { return fan.SetSpeed(r) }, safe: func() error { return fan.SetSpeed(1) },
			watch: []string{"fan"}, interlock: never, maxFor: driveMax,
			check: func(*board.Hub) string {
				return near("fan speed", float64(fan.Speed().Value), float64(r), 0.25, fan.Speed().OK())
			}}, nil
	case "alarm":
		on, err := parseOn(value)
		if err != nil {
			return nil, err
		}
		a := h.Dev.Alarm
		return &driveTarget{set: func() error { return a.Set(on) }, safe: func() error { return a.Set(false) },
			watch: []string{"alarm"}, interlock: never, maxFor: driveMax,
			check: func(*board.Hub) string { return "ok: listen for it" }}, nil
	case "heater":
		return heaterTarget(h, value)
	case "module":
		return moduleTarget(h, name, id, value)
	}
	return nil, fmt.Errorf("%s: not an output drive moves (pump.*, valve.*, fan, alarm, heater, module.N)", name)
}

func pumpTarget(h *board.Hub, id, value string) (*driveTarget, error) {
	r, err := parseRatio(value)
	if err != nil {
		return nil, err
	}
	i := hal.PumpOil
	if id == "water" {
		i = hal.PumpWater
	}
	p, flow := h.Dev.Pump[i], "flow."+id
	return &driveTarget{set: func() error { return p.SetSpeed(r) }, safe: func() error { return p.SetSpeed(1) },
		watch: []string{"pump." + id, flow}, interlock: never, maxFor: driveMax,
		check: func(h *board.Hub) string {
			fb := p.Feedback()
			if !fb.OK() || (fb.Alarm != hal.PumpNormal && r > 0) {
				return fmt.Sprintf("FAIL: the feedback line reads %s, %s (want normal)", fb.Status, fb.Alarm)
			}
			fl := h.Dev.Flow[i].Flow()
			if r > 0 && (!fl.OK() || fl.Value <= 0) {
				return fmt.Sprintf("FAIL: no flow on %s (%.1f L/min, %s) at speed %g", flow, float64(fl.Value), fl.Status, float64(r))
			}
			return fmt.Sprintf("ok: feedback %s at %.0f %% power, %s %.1f L/min", fb.Alarm, 100*float64(fb.Power), flow, float64(fl.Value))
		}}, nil
}

func valveTarget(h *board.Hub, id, value string) (*driveTarget, error) {
	r, err := parseRatio(value)
	if err != nil {
		return nil, err
	}
	i, rest := hal.ValveDump, units.Ratio(1)
	if id == "tank" {
		i, rest = hal.ValveTank, 0
	}
	v := h.Dev.Valve[i]
	return &driveTarget{set: func() error { return v.SetPosition(r) }, safe: func() error { return v.SetPosition(rest) },
		watch: []string{"valve." + id}, interlock: never, maxFor: driveMax,
		check: func(*board.Hub) string {
			p := v.Position()
			return near("position", float64(p.Value), float64(r), 0.1, p.OK())
		}}, nil
}

// near judges a reading against its command.
func near(what string, got, want, tol float64, ok bool) string {
	if !ok || math.Abs(got-want) > tol {
		return fmt.Sprintf("FAIL: %s %.2f, commanded %.2f (within %.2f), reading ok %v", what, got, want, tol, ok)
	}
	return fmt.Sprintf("ok: %s %.2f, commanded %.2f", what, got, want)
}

// Interlock limits: below safety's reference warn limits (oil in 52 C, the
// tank 75 C), so a drive never takes the plant where the daemon would warn.
const (
	oilInMax     = 52.0
	tankStartMax = 70.0
	tankStop     = 75.0
)

func heaterTarget(h *board.Hub, value string) (*driveTarget, error) {
	on, err := parseOn(value)
	if err != nil {
		return nil, err
	}
	sw, started := h.Dev.Heater, false
	tank := func() string {
		s := h.Dev.Temp[hal.TempTankTop].Temperature()
		limit := tankStartMax
		if started {
			limit = tankStop
		}
		if on && (!s.OK() || float64(s.Value) >= limit) {
			return fmt.Sprintf("temp.tank_top reads %.1f C (%s): the heater runs only below %g C", float64(s.Value), s.Status, limit)
		}
		return ""
	}
	return &driveTarget{set: func() error { started = true; return sw.Set(on) }, safe: func() error { return sw.Set(false) },
		watch: []string{"heater", "temp.tank_top", "temp.tank_bottom"}, interlock: tank, maxFor: driveMaxHeat,
		check: func(*board.Hub) string { return "ok: watch the tank's probes rise" }}, nil
}

func moduleTarget(h *board.Hub, name, id, value string) (*driveTarget, error) {
	on, err := parseOn(value)
	if err != nil {
		return nil, err
	}
	n, _ := strconv.ParseUint(id, 10, 32)
	i := -1
	for k, mid := range h.IDs {
		if uint64(mid) == n {
			i = k
		}
	}
	if i < 0 {
		return nil, fmt.Errorf("%s: no module %s on the board", name, id)
	}
	relay, feed := h.Relays[i], h.Feeds[i]
	tg := &driveTarget{set: func() error { return relay.Set(on) }, safe: func() error { return relay.Set(false) },
		watch: []string{name, "temp.oil_in_a", "temp.oil_in_b"}, maxFor: driveMaxHeat,
		interlock: func() string { return cooled(h, on) }}
	tg.check = func(*board.Hub) string {
		f := feed.Feed()
		if on && (!f.OK() || f.Value <= 2) {
			return fmt.Sprintf("FAIL: the feed reads %.1f W (%s) with the contactor closed (want above 2 W)", float64(f.Value), f.Status)
		}
		return fmt.Sprintf("ok: the feed reads %.1f W", float64(f.Value))
	}
	tg.after = func(*board.Hub) string { return killed(feed) }
	return tg, nil
}

// cooled is the interlock of a module's contactor: the oil-in probes both
// read ok and below oilInMax, the leak loop dry and the oil level ok.
func cooled(h *board.Hub, on bool) string {
	if !on {
		return ""
	}
	for _, id := range []hal.TempID{hal.TempOilInA, hal.TempOilInB} {
		if s := h.Dev.Temp[id].Temperature(); !s.OK() || float64(s.Value) >= oilInMax {
			return fmt.Sprintf("temp.%s reads %.1f C (%s): a module is powered only below %g C", id, float64(s.Value), s.Status, oilInMax)
		}
	}
	if s := h.Dev.Leak.Leak(); !s.OK() || s.Value {
		return fmt.Sprintf("the leak loop reads leak %v (%s)", s.Value, s.Status)
	}
	if s := h.Dev.OilLow.Leak(); !s.OK() || s.Value {
		return fmt.Sprintf("the oil level reads low %v (%s)", s.Value, s.Status)
	}
	return ""
}

// killed is the kill check: with the contactor open, the feed falls below
// 1 W within 3 s.
func killed(feed hal.FeedMeter) string {
	t0 := time.Now()
	for time.Since(t0) < 3*time.Second {
		if f := feed.Feed(); f.OK() && f.Value < 1 {
			return fmt.Sprintf("kill ok: the feed read %.1f W %v after the contactor opened", float64(f.Value), time.Since(t0).Round(time.Millisecond))
		}
		time.Sleep(100 * time.Millisecond)
	}
	f := feed.Feed()
	return fmt.Sprintf("kill FAIL: the feed still reads %.1f W (%s) 3 s after the contactor opened", float64(f.Value), f.Status)
}
