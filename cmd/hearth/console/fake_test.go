package console

import (
	"context"
	"errors"
	"strings"
	"time"

	"hearth/core/livetune"
	"hearth/hal"
	"hearth/safety"
	"hearth/units"
)

// fake is a daemon for the console's tests: its snapshot is a running
// plant with two modules, and it applies each request at once, as the
// tick would on its next start.
type fake struct {
	snap     Snapshot
	cfg      safety.Config
	notes    []string
	subs     []Request
	full     bool
	events   []Event
	ed       fakeEditor
	restarts int
}

func newFake() *fake {
	f := &fake{cfg: safety.DefaultConfig()}
	s := &f.snap
	s.Ticks = 100
	s.In.Now = units.Time(1000 * units.Second)
	s.In.NumModules = 2
	for id := range s.In.Temp {
		s.In.Temp[id] = hal.Sample[units.Celsius]{Value: 40, At: s.In.Now, Status: hal.StatusOK}
	}
	s.In.Pressure = hal.Sample[units.Bar]{Value: 1.5, At: s.In.Now, Status: hal.StatusOK}
	for i := 0; i < 2; i++ {
		s.In.Module[i].Relay = true
		s.St.Cap[i] = hal.Level100
	}
	s.St.State = safety.StateRunning
	f.events = []Event{{Wall: time.Unix(1e9, 0), Kind: "trip", Cause: "leak", Msg: "trip latched"}}
	return f
}

func (f *fake) Snapshot(s *Snapshot) { *s = f.snap }
func (f *fake) Submit(r Request) error {
	if f.full {
		return ErrQueueFull
	}
	f.subs = append(f.subs, r)
	h := &f.snap.Console
	switch r.Kind {
	case ReqReset:
		if f.snap.St.Holding == 0 {
			f.snap.St.Latched = false
		}
	case ReqMaintenance:
		h.Maintenance = r.On
	case ReqTune:
		h.TuneSeq++
		h.TuneErr = ""
		if r.Tune == TuneApply && f.snap.Tune.Phase != livetune.PhaseDone {
			h.TuneErr = livetune.ErrNoResult.Error()
		}
	case ReqOverride:
		h.Override.Mask |= r.Out.Bit()
		h.Override.Set.SetValue(r.Out, r.Value)
		h.Until[r.Out] = f.snap.In.Now.Add(r.For)
	case ReqClearOverride:
		if r.All {
			h.Override.Mask = 0
		} else {
			h.Override.Mask &^= r.Out.Bit()
		}
	case ReqCalibrate:
		h.Calibration[r.Sensor] = r.Offset
	}
	return nil
}
func (f *fake) Note(kind, msg string)         { f.notes = append(f.notes, kind+": "+msg) }
func (f *fake) Events(n int) ([]Event, error) { return f.events[:min(n, len(f.events))], nil }
func (f *fake) SafetyConfig() *safety.Config  { return &f.cfg }
func (f *fake) ModuleIDs() []uint32           { return []uint32{1, 2} }
func (f *fake) Config() ConfigEditor          { return &f.ed }
func (f *fake) Version() string               { return "hearth test" }
func (f *fake) Restart() error                { f.restarts++; return nil }

type fakeEditor struct{ pending, done []string }

func (e *fakeEditor) Committed() []string { return e.done }

func (e *fakeEditor) Show(prefix string) string {
	if strings.HasPrefix("safety.oil_in.trip_c", prefix) {
		return "[safety.oil_in]\ntrip_c = 58\n"
	}
	return ""
}
func (e *fakeEditor) Keys() []string { return []string{"safety.oil_in.trip_c", "calibration.oil_out"} }
func (e *fakeEditor) Set(key, value string) (string, error) {
	if value == "999" {
		return "", errors.New(key + " = 999: past its bound")
	}
	e.pending = append(e.pending, key+" = "+value)
	return "58", nil
}
func (e *fakeEditor) Pending() []string { return e.pending }
func (e *fakeEditor) Commit() (string, error) {
	e.done = append(e.done, e.pending...)
	e.pending = nil
	return "/etc/hearth/hearth.toml", nil
}

// term is a console driven by hand, without Serve's goroutine: input
// and timer are called as Serve would, and out collects what it wrote.
type term struct {
	c   *Console
	f   *fake
	clk *clock
	out strings.Builder
}

func newTerm(hash string) *term {
	s := &term{f: newFake(), clk: newClock()}
	s.c = &Console{B: s.f, Auth: NewAuth(hash, 0, s.clk.now), Now: s.clk.now, Wait: time.Millisecond,
		ctx: context.Background()}
	return s
}

// send feeds raw bytes and returns what the console wrote.
func (s *term) send(raw string) string {
	s.c.input([]byte(raw))
	var b strings.Builder
	s.c.flush(func(p []byte) { b.Write(p) })
	s.out.WriteString(b.String())
	return b.String()
}

func (s *term) tick() string {
	s.c.timer()
	var b strings.Builder
	s.c.flush(func(p []byte) { b.Write(p) })
	return b.String()
}

// drawing counts the bytes that make the console draw something: Enter,
// Ctrl-C, Ctrl-L, Tab and '?'.
func drawing(in []byte) int {
	n := 0
	for _, b := range in {
		switch b {
		case '\r', '\n', 0x03, 0x0c, '\t', '?':
			n++
		}
	}
	return n
}
