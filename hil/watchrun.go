package hil

import (
	"strconv"
	"strings"

	"hearth/hal"
	"hearth/safety"
	"hearth/units"
)

// watcher follows a run for the window and time expectations, tick by
// tick over the scored run.
type watcher struct {
	x                *ExpectWindows
	end              units.Duration
	alarms, warnings uint32
	flapping         uint32
	flaps            [hal.NumChannels]int
	faults           [hal.NumChannels]uint16
	never            []neverSeen
	modules          []moduleSeen
	compute          []mean
	windows          []extent
	cross            []crossSeen
}

type neverSeen struct {
	seen bool
	atS  float64
}

type moduleSeen struct {
	done            bool
	relay, isolated bool
	level           hal.Level
}

type mean struct{ sum, n float64 }

type extent struct {
	lo, hi   float64
	loS, hiS float64
	n        int
}

type crossSeen struct {
	prev    float64
	started bool
	done    bool
	atS     float64
}

func newWatcher(x *ExpectWindows, end units.Duration) *watcher {
	return &watcher{x: x, end: end, never: make([]neverSeen, len(x.Never)), modules: make([]moduleSeen, len(x.Modules)),
		compute: make([]mean, len(x.Compute)), windows: make([]extent, len(x.Windows)), cross: make([]crossSeen, len(x.Crossings))}
}

func (w *watcher) tick(s *Sim, st *safety.Status) {
	now := units.Duration(s.Plant.Now)
	ts := now.Seconds()
	w.alarms |= st.Alarms
	w.warnings |= st.Warnings
	w.flapEdges(st.Flapping)
	w.faults = st.FaultCount
	for i, n := range w.x.Never {
		if !w.never[i].seen && n.in(now, w.end) && st.State.String() == n.State {
			w.never[i] = neverSeen{true, ts}
		}
	}
	for i, m := range w.x.Modules {
		if ms := &w.modules[i]; !ms.done && now >= m.At && m.Index < s.Plant.P.Modules {
			mod := &s.Plant.Modules[m.Index]
			*ms = moduleSeen{done: true, relay: mod.Powered(), isolated: st.Isolated&(1<<m.Index) != 0, level: mod.Level()}
		}
	}
	for i, c := range w.x.Compute {
		if c.in(now, w.end) {
			w.compute[i].sum += float64(s.Plant.ComputePower()) / 1000
			w.compute[i].n++
		}
	}
	for i, b := range w.x.Windows {
		if b.in(now, w.end) {
			w.windows[i].add(measure(s, b.Measure), ts)
		}
	}
	for i, c := range w.x.Crossings {
		w.cross[i].step(c, measure(s, c.Measure), ts)
	}
}

func (w *watcher) flapEdges(m uint32) {
	for c := hal.Channel(0); c < hal.NumChannels; c++ {
		if b := uint32(1) << c; m&b != 0 && w.flapping&b == 0 {
			w.flaps[c]++
		}
	}
	w.flapping = m
}

func (e *extent) add(v, ts float64) {
	if e.n == 0 || v < e.lo {
		e.lo, e.loS = v, ts
	}
	if e.n == 0 || v > e.hi {
		e.hi, e.hiS = v, ts
	}
	e.n++
}

// step notes the first tick the measurement reaches the value from the
// side it starts on (a run that starts past it has not crossed it).
func (c *crossSeen) step(x Crossing, v, ts float64) {
	if c.done {
		return
	}
	past := x.Above != nil && v >= *x.Above || x.Below != nil && v <= *x.Below
	if c.started && past {
		c.done, c.atS = true, ts
	}
	c.started = c.started || !past
	c.prev = v
}

// windows judges the window and time expectations.
func (j *judge) windows() {
	x, w, r := &j.ex.ExpectWindows, j.s.watch, j.r
	if w == nil {
		return
	}
	seen := func(key string, names []string, mask uint32, want bool) {
		for _, n := range names {
			c, _ := causeByName(n)
			got := mask&c.Bit() != 0
			j.add(key+" "+n, got == want, "raised: "+strconv.FormatBool(got))
		}
	}
	seen("alarm seen", x.AlarmsSeen, w.alarms, true)
	seen("warning seen", x.WarningsSeen, w.warnings, true)
	seen("alarm never", x.AlarmsNever, w.alarms, false)
	seen("warning never", x.WarningsNever, w.warnings, false)
	if t := x.TripOneOf; t != nil {
		ok := len(r.Trips) > 0 && r.Trips[0].AtS <= t.By.Seconds() && contains(t.Causes, r.Trips[0].Cause)
		j.add("first trip one of "+strings.Join(t.Causes, ", ")+" by "+dur(t.By), ok, tripsText(r.Trips))
	}
	for i, n := range x.Never {
		d := "never"
		if w.never[i].seen {
			d = "in " + n.State + " at " + fnum(w.never[i].atS) + " s"
		}
		j.add("never "+n.State+" "+n.Window.String(), !w.never[i].seen, d)
	}
	j.counts(x, w)
	j.moduleOutcomes(x, w)
	j.measureOutcomes(x, w)
	if x.ImmersionMaxKWh != nil {
		j.add("immersion_kwh <= "+ftoa(*x.ImmersionMaxKWh), r.EnergyKWh.Immersion <= *x.ImmersionMaxKWh,
			"immersion_kwh "+strconv.FormatFloat(r.EnergyKWh.Immersion, 'f', 3, 64))
	}
}

func (j *judge) counts(x *ExpectWindows, w *watcher) {
	count := func(key string, c ChannelCount, got int) {
		ok := (c.Min == nil || got >= *c.Min) && (c.Max == nil || got <= *c.Max)
		name := key + " " + c.Channel
		if c.Min != nil {
			name += " >= " + strconv.Itoa(*c.Min)
		}
		if c.Max != nil {
			name += " <= " + strconv.Itoa(*c.Max)
		}
		j.add(name, ok, strconv.Itoa(got))
	}
	for _, c := range x.Flaps {
		ch, _ := channelByName(c.Channel)
		count("flaps", c, w.flaps[ch])
	}
	for _, c := range x.FaultCounts {
		ch, _ := channelByName(c.Channel)
		count("fault_count", c, int(w.faults[ch]))
	}
}

func (j *judge) moduleOutcomes(x *ExpectWindows, w *watcher) {
	for i, m := range x.Modules {
		got := w.modules[i]
		at := " at " + dur(m.At)
		name := "module " + strconv.Itoa(m.Index)
		if !got.done {
			j.addAt(m.At, name+at, false, "not reached (no such module, or the run ended first)")
			continue
		}
		if m.Powered != nil {
			j.addAt(m.At, name+" powered "+strconv.FormatBool(*m.Powered)+at, got.relay == *m.Powered, "powered "+strconv.FormatBool(got.relay))
		}
		if m.Level != "" {
			want, _ := ParseLevel(m.Level, hal.LevelOff)
			j.addAt(m.At, name+" level "+m.Level+at, got.level == want, "level "+got.level.String())
		}
		if m.Isolated != nil {
			j.addAt(m.At, name+" isolated "+strconv.FormatBool(*m.Isolated)+at, got.isolated == *m.Isolated, "isolated "+strconv.FormatBool(got.isolated))
		}
	}
}

func (j *judge) measureOutcomes(x *ExpectWindows, w *watcher) {
	for i, c := range x.Compute {
		m := w.compute[i]
		kw := 0.0
		if m.n > 0 {
			kw = m.sum / m.n
		}
		ok := m.n > 0 && (c.MinKW == nil || kw >= *c.MinKW) && (c.MaxKW == nil || kw <= *c.MaxKW)
		j.add("compute mean "+bounds(c.MinKW, c.MaxKW, "kW")+" "+c.Window.String(), ok, "mean "+fnum(kw)+" kW")
	}
	for i, b := range x.Windows {
		e, u := w.windows[i], Measures[b.Measure]
		ok := e.n > 0 && (b.Min == nil || e.lo >= *b.Min) && (b.Max == nil || e.hi <= *b.Max)
		j.add(b.Measure+" "+bounds(b.Min, b.Max, u)+" "+b.Window.String(), ok,
			"min "+fnum(e.lo)+" "+u+" at "+fnum(e.loS)+" s, max "+fnum(e.hi)+" "+u+" at "+fnum(e.hiS)+" s")
	}
	for i, c := range x.Crossings {
		cs, u := w.cross[i], Measures[c.Measure]
		dir, v := "above", 0.0
		if c.Above != nil {
			v = *c.Above
		} else {
			dir, v = "below", *c.Below
		}
		ok := cs.done && cs.atS >= c.After.Seconds() && cs.atS <= c.By.Seconds()
		d := "never crossed"
		if cs.done {
			d = "first crossed at " + fnum(cs.atS) + " s"
		}
		j.add(c.Measure+" crosses "+dir+" "+ftoa(v)+" "+u+" between "+dur(c.After)+" and "+dur(c.By), ok, d)
	}
}

func bounds(lo, hi *float64, u string) string {
	switch {
	case lo != nil && hi != nil:
		return "in [" + ftoa(*lo) + ", " + ftoa(*hi) + "] " + u
	case lo != nil:
		return ">= " + ftoa(*lo) + " " + u
	case hi != nil:
		return "<= " + ftoa(*hi) + " " + u
	}
	return ""
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// wants reports whether any window or time expectation is set.
func (x *ExpectWindows) wants() bool {
	return len(x.AlarmsSeen)+len(x.WarningsSeen)+len(x.AlarmsNever)+len(x.WarningsNever)+len(x.Never)+
		len(x.Flaps)+len(x.FaultCounts)+len(x.Modules)+len(x.Compute)+len(x.Windows)+len(x.Crossings) > 0 ||
		x.TripOneOf != nil || x.ImmersionMaxKWh != nil
}
