package console

import (
	"math"
	"time"

	"hearth/hal"
	"hearth/safety"
	"hearth/units"
)

// The views are what the read-only commands show: each is built from one
// snapshot, answers --json as is, and is drawn as text within 80 columns.

// TempView is one temperature probe against its limits.
type TempView struct {
	Name     string  `json:"name"`
	C        float64 `json:"c"`     // calibrated: what safety and control use
	RawC     float64 `json:"raw_c"` // as the probe read it
	Status   string  `json:"status"`
	Believed bool    `json:"believed"`
	WarnC    float64 `json:"warn_c,omitempty"`
	TripC    float64 `json:"trip_c,omitempty"`
	OffsetK  float64 `json:"offset_k,omitempty"`
	AgeS     float64 `json:"age_s"`
}

// ChannelView is one other input.
type ChannelView struct {
	Name     string  `json:"name"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Status   string  `json:"status"`
	Believed bool    `json:"believed"`
	Limits   string  `json:"limits,omitempty"`
	AgeS     float64 `json:"age_s"`
}

// OutputView is one output: what control wished, what safety wrote, and
// the engineer's override.
type OutputView struct {
	Name     string  `json:"name"`
	Out      string  `json:"out"`
	Wish     string  `json:"wish"`
	Override string  `json:"override,omitempty"`
	LeftS    float64 `json:"override_left_s,omitempty"`
	Held     bool    `json:"held_by_safety,omitempty"`
	Reads    string  `json:"reads,omitempty"`
}

// ModuleView is one module.
type ModuleView struct {
	Slot     int     `json:"slot"`
	ID       uint32  `json:"id"`
	Command  string  `json:"command"`
	Cap      string  `json:"cap"`
	Relay    bool    `json:"relay"`
	Level    string  `json:"level"`
	Status   string  `json:"status"`
	PowerW   float64 `json:"power_w"`
	FeedW    float64 `json:"feed_w"`
	Feed     string  `json:"feed_status"`
	BoardC   float64 `json:"board_c"`
	Isolated bool    `json:"isolated,omitempty"`
	Report   bool    `json:"report_believed"`
}

// StatusView is the one-screen status.
type StatusView struct {
	State       string        `json:"state"`
	Cause       string        `json:"cause"`
	Witness     string        `json:"witness,omitempty"`
	Latched     bool          `json:"latched"`
	TripAgoS    float64       `json:"trip_ago_s,omitempty"`
	Holding     []string      `json:"holding,omitempty"`
	HoldingWhy  string        `json:"holding_why,omitempty"`
	Maintenance bool          `json:"maintenance"`
	Temps       []TempView    `json:"temps"`
	Channels    []ChannelView `json:"channels"`
	Outputs     []OutputView  `json:"outputs"`
	Modules     []ModuleView  `json:"modules"`
	Faults      FaultView     `json:"faults"`
	Ticks       uint64        `json:"ticks"`
	Overruns    uint64        `json:"overruns"`
	Late        uint64        `json:"late"` // ticks that started too late to feed the watchdog
	JitterP99Ms float64       `json:"jitter_p99_ms"`
	EventsLost  uint64        `json:"events_dropped"`
}

// FaultView is what is wrong now.
type FaultView struct {
	Untrusted []string          `json:"untrusted"`
	Alarms    []string          `json:"alarms"`
	Warnings  []string          `json:"warnings"`
	Trips     []string          `json:"trip_causes"`
	Flapping  []string          `json:"flapping"`
	Counts    map[string]uint16 `json:"fault_counts,omitempty"`
	SelfTest  []string          `json:"self_test_failed,omitempty"`
}

func (f *FaultView) none() bool {
	return len(f.Untrusted)+len(f.Alarms)+len(f.Warnings)+len(f.Trips)+len(f.Flapping) == 0
}

func tempLimit(cfg *safety.Config, id hal.TempID) *safety.TempLimit {
	switch id {
	case hal.TempOilInA, hal.TempOilInB:
		return &cfg.OilIn
	case hal.TempOilOut:
		return &cfg.OilOut
	case hal.TempWaterFlow:
		return &cfg.WaterFlow
	case hal.TempTankTop, hal.TempTankBottom:
		return &cfg.Tank
	}
	return nil
}

func age(now, at units.Time) float64 {
	if at == 0 || now < at {
		return 0
	}
	return math.Round(now.Sub(at).Seconds()*10) / 10
}

func round(v float64, n int) float64 {
	p := math.Pow(10, float64(n))
	return math.Round(v*p) / p
}

func temps(s *Snapshot, cfg *safety.Config) []TempView {
	out := make([]TempView, 0, hal.NumTemps)
	for id := hal.TempID(0); id < hal.NumTemps; id++ {
		smp := s.In.Temp[id]
		v := TempView{Name: id.String(), C: round(float64(s.In.Calibrated(id)), 2), RawC: round(float64(smp.Value), 2), Status: smp.Status.String(),
			Believed: s.St.Untrusted&hal.TempChannel(id).Bit() == 0 && smp.OK(),
			OffsetK:  float64(s.Console.Calibration[id]), AgeS: age(s.In.Now, smp.At)}
		if lim := tempLimit(cfg, id); lim != nil {
			v.WarnC, v.TripC = float64(lim.WarnC), float64(lim.TripC)
		}
		out = append(out, v)
	}
	return out
}

func channels(s *Snapshot, cfg *safety.Config) []ChannelView {
	in, un := &s.In, s.St.Untrusted
	ch := func(c hal.Channel, v float64, unit, status string, ok bool, at units.Time, lim string) ChannelView {
		return ChannelView{Name: c.String(), Value: round(v, 3), Unit: unit, Status: status,
			Believed: ok && un&c.Bit() == 0, Limits: lim, AgeS: age(in.Now, at)}
	}
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	press := "trip " + fnum(float64(cfg.PressureTripLowBar)) + "/" + fnum(float64(cfg.PressureTripHighBar)) +
		" warn " + fnum(float64(cfg.PressureWarnLowBar)) + "/" + fnum(float64(cfg.PressureWarnHighBar))
	out := []ChannelView{
		ch(hal.ChanPressure, float64(in.Pressure.Value), "bar", in.Pressure.Status.String(), in.Pressure.OK(), in.Pressure.At, press),
		ch(hal.ChanFlowOil, float64(in.Flow[hal.FlowOil].Value), "L/min", in.Flow[hal.FlowOil].Status.String(), in.Flow[hal.FlowOil].OK(), in.Flow[hal.FlowOil].At,
			"min "+fnum(float64(cfg.MinOilFlowLPM))),
		ch(hal.ChanFlowWater, float64(in.Flow[hal.FlowWater].Value), "L/min", in.Flow[hal.FlowWater].Status.String(), in.Flow[hal.FlowWater].OK(), in.Flow[hal.FlowWater].At, ""),
		ch(hal.ChanLeak, b(in.Leak.Value), "1 wet", in.Leak.Status.String(), in.Leak.OK(), in.Leak.At, "wet trips"),
		ch(hal.ChanOilLow, b(in.OilLow.Value), "1 low", in.OilLow.Status.String(), in.OilLow.OK(), in.OilLow.At, "low trips"),
	}
	for p := hal.PumpID(0); p < hal.NumPumps; p++ {
		fb := in.Pump[p]
		out = append(out, ch(hal.ChanPumpOil+hal.Channel(p), float64(fb.Power), "power", fb.Status.String(), fb.OK(), fb.At, "line "+fb.Alarm.String()))
	}
	for v := hal.ValveID(0); v < hal.NumValves; v++ {
		smp := in.Valve[v]
		out = append(out, ChannelView{Name: "valve." + v.String(), Value: round(float64(smp.Value), 3), Unit: "ratio",
			Status: smp.Status.String(), Believed: smp.OK(), AgeS: age(in.Now, smp.At)})
	}
	out = append(out, ChannelView{Name: "fan", Value: round(float64(in.Fan.Value), 3), Unit: "ratio",
		Status: in.Fan.Status.String(), Believed: in.Fan.OK(), AgeS: age(in.Now, in.Fan.At)})
	return out
}

func outputText(o hal.Output, v float64) string {
	switch {
	case o.Ratio():
		return fnum2(v)
	case o == hal.OutHeater || o == hal.OutAlarm:
		if v != 0 {
			return "on"
		}
		return "off"
	}
	return hal.Level(v).String()
}

func outputs(s *Snapshot) []OutputView {
	out := make([]OutputView, 0, hal.OutModule)
	for o := hal.Output(0); o < hal.OutModule; o++ {
		v := OutputView{Name: o.String(), Out: outputText(o, s.Out.Value(o)), Wish: outputText(o, s.Wish.Value(o))}
		if s.Console.Override.Mask&o.Bit() != 0 {
			v.Override = outputText(o, s.Console.Override.Set.Value(o))
			v.LeftS = math.Round(s.Console.Until[o].Sub(s.In.Now).Seconds())
			v.Held = s.Console.Held&o.Bit() != 0
		}
		switch o {
		case hal.OutPumpOil, hal.OutPumpWater:
			p := s.In.Pump[o-hal.OutPumpOil]
			v.Reads = p.Alarm.String() + " at " + fnum2(float64(p.Power)) + " power, " +
				fnum(round(float64(s.In.Flow[o-hal.OutPumpOil].Value), 1)) + " L/min"
		case hal.OutValveDump, hal.OutValveTank:
			v.Reads = "position " + fnum2(float64(s.In.Valve[o-hal.OutValveDump].Value))
		case hal.OutFan:
			v.Reads = "speed " + fnum2(float64(s.In.Fan.Value))
		}
		out = append(out, v)
	}
	return out
}

func modules(s *Snapshot, ids []uint32) []ModuleView {
	out := make([]ModuleView, 0, s.In.NumModules)
	for i := 0; i < s.In.NumModules; i++ {
		m := &s.In.Module[i]
		v := ModuleView{Slot: i + 1, Command: s.Out.Module[i].String(), Cap: s.St.Cap[i].String(), Relay: m.Relay,
			Level: m.Level.String(), Status: m.Status.String(), PowerW: round(float64(m.Power), 1),
			FeedW: round(float64(m.Feed.Value), 1), Feed: m.Feed.Status.String(), BoardC: round(float64(m.BoardTemp), 1),
			Isolated: s.St.Isolated&(1<<i) != 0, Report: s.St.ModuleReports&(1<<i) == 0}
		if i < len(ids) {
			v.ID = ids[i]
		}
		out = append(out, v)
	}
	return out
}

func faults(s *Snapshot) FaultView {
	st := &s.St
	f := FaultView{Untrusted: hal.ChannelNames(st.Untrusted), Alarms: safety.CauseNames(st.Alarms), Warnings: safety.CauseNames(st.Warnings),
		Flapping: hal.ChannelNames(st.Flapping), SelfTest: safety.CauseNames(st.SelfTest)}
	if st.Latched {
		f.Trips = safety.CauseNames(st.TripCauses)
	} else {
		f.Trips = []string{}
	}
	for c := hal.Channel(0); c < hal.NumChannels; c++ {
		if n := st.FaultCount[c]; n > 0 {
			if f.Counts == nil {
				f.Counts = map[string]uint16{}
			}
			f.Counts[c.String()] = n
		}
	}
	return f
}

func status(s *Snapshot, cfg *safety.Config, ids []uint32) StatusView {
	st := &s.St
	v := StatusView{State: st.State.String(), Cause: st.Cause.String(), Latched: st.Latched,
		Holding: safety.CauseNames(st.Holding), Maintenance: s.Console.Maintenance, Temps: temps(s, cfg),
		Channels: channels(s, cfg), Outputs: outputs(s), Modules: modules(s, ids), Faults: faults(s),
		Ticks: s.Ticks, Overruns: s.Tick.Overruns, Late: s.Tick.Late, JitterP99Ms: s.Tick.JitterP99Ms,
		EventsLost: s.Tick.EventsLost}
	if st.Latched {
		v.HoldingWhy = holdingText(s, cfg)
		v.Witness = st.Witness.String()
		v.TripAgoS = math.Round(s.In.Now.Sub(st.TripAt).Seconds())
	}
	return v
}

func fnum(v float64) string  { return formatFloat(v, -1) }
func fnum2(v float64) string { return formatFloat(v, 2) }

func ago(s float64) string {
	return (time.Duration(s) * time.Second).String()
}
