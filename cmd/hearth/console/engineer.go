package console

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"

	"hearth/hal"
	"hearth/safety"
	"hearth/units"
)

// The engineer's commands. Each checks what it can up front, with the
// same rules the safety layer applies, asks the tick through the queue,
// and goes to the event log; the safety layer still judges its effect.

// Override bounds: an override lasts MINUTES, 10 unless given, at most 60.
const (
	DefaultOverrideMin = 10
	MaxOverrideMin     = 60
	// MaxCalibrationK bounds a calibration offset: a DS18B20 is within
	// ±0.5 K, a class B PT100 within ±0.8 K at 100 C; more is a wrong probe.
	MaxCalibrationK = 2.0
)

var engineerCommands = []*spec{
	{name: "reset", usage: "reset", summary: "clear a latched trip once its cause has cleared", engineer: true,
		help: "Refused, naming the condition, while a trip's cause still holds. Accepted, the\n" +
			"plant runs its self-test, then compute returns module by module. With no\n" +
			"trip latched it gives isolated modules and flapping channels another chance.", run: resetCmd},
	{name: "maintenance", usage: "maintenance on|off", summary: "hold compute off for work on the plant, or release it", engineer: true,
		help: "on: modules shut down gracefully and stay off; meanwhile safety holds the\n" +
			"cooling at its maximum and sounds the alarm; in maintenance the pumps, valves\n" +
			"and fan are control's, or yours by override. off (once in maintenance): the\n" +
			"plant proves itself (self-test) before compute returns. A latched trip stays\n" +
			"latched through maintenance.", run: maintenanceCmd},
	{name: "override", usage: "override OUTPUT VALUE [MINUTES]", summary: "run an output by hand for MINUTES (10; at most 60)", engineer: true,
		help: "OUTPUT: pump.oil pump.water valve.dump valve.tank fan heater alarm module.N.\n" +
			"VALUE: 0..1 or 0%..100% (pumps, valves, fan), on/off, or a module level.\n" +
			"Refused with the bound it breaks; still bounded by safety while it lasts; ends\n" +
			"by itself, on a trip, or with: override clear OUTPUT|all. override alone lists.", run: overrideCmd},
	{name: "set", usage: "set KEY VALUE", summary: "stage a configuration change, checked as the file is", engineer: true,
		help: "KEY as in docs/config.md (config show lists them). VALUE as in the file:\n" +
			"a number, true/false, or a duration or word (quotes optional). set alone lists\n" +
			"what is staged. commit writes it; restart puts it in force.", run: setCmd},
	{name: "commit", usage: "commit", summary: "write the staged changes to the configuration file (atomic, fsynced)", engineer: true,
		help: "The whole file is checked again, written beside the old one, fsynced, renamed\n" +
			"over it and its directory fsynced: a power cut leaves the old file or the new.", run: commitCmd},
	{name: "restart", usage: "restart [confirm]", summary: "controlled shutdown, then hearth starts again: what commit wrote", engineer: true,
		help: "Modules shut down gracefully, outputs are de-energised, the daemon exits and\n" +
			"the service manager starts it again (Restart=always; under --sim, by hand):\n" +
			"the configuration file is read and the self-test runs. restart alone says\n" +
			"what it will do; restart confirm does it. A latched trip stays latched.", run: restartCmd},
	{name: "calibrate", usage: "calibrate SENSOR OFFSET", summary: "add OFFSET kelvin to a temperature probe (+/-2; 0 removes)", engineer: true,
		help: "Applied from the next tick, before safety and control see the probe, and\n" +
			"staged as calibration.SENSOR for commit. Compare against a reference\n" +
			"thermometer in the same well first.", run: calibrateCmd},
	withRun(tuneSpec, tuneCmd),
}

// withRun returns s running run.
func withRun(s spec, run func(c *Console, cmd Command) (string, any, error)) *spec {
	s.run = run
	return &s
}

func resetCmd(c *Console, cmd Command) (string, any, error) {
	if err := args(cmd, 0, 0); err != nil {
		return "", nil, err
	}
	s := c.snapshot()
	st := s.St
	if st.Latched && st.Holding != 0 {
		why := holdingText(s, c.B.SafetyConfig())
		c.B.Note("reset", "console: reset refused: "+why)
		return "", nil, errorf("reset refused: %s still holds: %s", strings.Join(safety.CauseNames(st.Holding), ", "), why)
	}
	if err := c.B.Submit(Request{Kind: ReqReset}); err != nil {
		return "", nil, errorf("reset: %v", err)
	}
	if !st.Latched {
		c.B.Note("reset", "console: reset pressed with no trip latched: isolated modules and flapping channels get another chance")
		return "no trip latched: isolated modules and flapping channels get another chance\n", map[string]any{"reset": "nothing latched"}, nil
	}
	c.B.Note("reset", "console: reset pressed: latched "+st.Cause.String())
	if !c.waitFor(func(s *Snapshot) bool { return !s.St.Latched }) {
		now := c.snapshot()
		return "", nil, errorf("reset not taken: %s holds (%s)", strings.Join(safety.CauseNames(now.St.Holding), ", "), holdingText(now, c.B.SafetyConfig()))
	}
	now := c.snapshot()
	return fmt.Sprintf("reset: %s cleared; now %s: the self-test runs, then compute returns module by module\n",
		st.Cause, now.St.State), map[string]any{"reset": "accepted", "cause": st.Cause.String(), "state": now.St.State.String()}, nil
}

// holdingText says, with figures, what each still-holding condition reads.
func holdingText(s *Snapshot, cfg *safety.Config) string {
	var parts []string
	t := func(id hal.TempID, lim safety.TempLimit) string {
		smp := s.In.Temp[id]
		why := unread(smp.Status)
		if why == "" && s.St.Untrusted&hal.TempChannel(id).Bit() != 0 {
			why = " (NOT BELIEVED: nothing proves it cooled)"
		}
		return fmt.Sprintf("%s reads %.1f C%s, must fall below %.1f C", id, float64(s.In.Calibrated(id)), why,
			float64(lim.WarnC)-float64(lim.HystK))
	}
	for m := s.St.Holding; m != 0; m &= m - 1 {
		c := safety.Cause(bits.TrailingZeros32(m))
		switch c {
		case safety.CauseOilInHigh:
			parts = append(parts, t(hal.TempOilInA, cfg.OilIn)+"; "+t(hal.TempOilInB, cfg.OilIn))
		case safety.CauseOilOutHigh:
			parts = append(parts, t(hal.TempOilOut, cfg.OilOut))
		case safety.CauseWaterFlowHigh:
			parts = append(parts, t(hal.TempWaterFlow, cfg.WaterFlow))
		case safety.CauseTankHigh:
			parts = append(parts, t(hal.TempTankTop, cfg.Tank))
		case safety.CauseLeak:
			parts = append(parts, "the leak loop reads "+digital(s.In.Leak, "WET", "dry")+", the oil level "+
				digital(s.In.OilLow, "LOW", "normal")+": both must read dry and normal")
		case safety.CausePressureLow, safety.CausePressureHigh:
			parts = append(parts, fmt.Sprintf("the pressure reads %.2f bar%s, must be back within %.2f..%.2f bar",
				float64(s.In.Pressure.Value), unread(s.In.Pressure.Status), float64(cfg.PressureWarnLowBar), float64(cfg.PressureWarnHighBar)))
		case safety.CauseBoardHigh:
			parts = append(parts, fmt.Sprintf("a module's boards at or above %.1f C", float64(cfg.Board.WarnC)))
		default:
			parts = append(parts, c.String())
		}
	}
	return strings.Join(parts, "; ")
}

func maintenanceCmd(c *Console, cmd Command) (string, any, error) {
	if err := args(cmd, 1, 1); err != nil {
		return "", nil, err
	}
	var on bool
	switch strings.ToLower(cmd.Args[0]) {
	case "on":
		on = true
	case "off":
	default:
		return "", nil, errorf("usage: maintenance on|off")
	}
	if s := c.snapshot(); !on && s.Console.Maintenance && s.St.State == safety.StateShutdown {
		// Released before the modules are down, the shutdown would end in
		// standby and start them again at once, while their boards still
		// shut down: they would not comply, and be isolated.
		return "", nil, errorf("maintenance off refused: the modules are still shutting down (state shutdown); try again once status says maintenance")
	}
	if err := c.B.Submit(Request{Kind: ReqMaintenance, On: on}); err != nil {
		return "", nil, errorf("maintenance: %v", err)
	}
	c.B.Note("override", "console: maintenance "+cmd.Args[0])
	c.waitFor(func(s *Snapshot) bool { return s.Console.Maintenance == on })
	s := c.snapshot()
	if on {
		return fmt.Sprintf("maintenance on: modules shut down gracefully and stay off (state %s)\n", s.St.State),
			map[string]any{"maintenance": true, "state": s.St.State.String()}, nil
	}
	msg := "maintenance off: the plant proves itself (self-test), then compute returns"
	return fmt.Sprintf("%s (state %s)\n", msg, s.St.State),
		map[string]any{"maintenance": false, "state": s.St.State.String()}, nil
}

func overrideCmd(c *Console, cmd Command) (string, any, error) {
	if len(cmd.Args) == 0 {
		os := outputs(c.snapshot())
		var b strings.Builder
		var js []OutputView
		for _, o := range os {
			if o.Override != "" {
				fmt.Fprintf(&b, "%-11s %s for %.0fs more%s\n", o.Name, o.Override, o.LeftS, yes(o.Held, ", HELD by safety at "+o.Out, ""))
				js = append(js, o)
			}
		}
		if b.Len() == 0 {
			b.WriteString("no overrides\n")
		}
		return b.String(), js, nil
	}
	if strings.ToLower(cmd.Args[0]) == "clear" {
		return overrideClear(c, cmd)
	}
	if err := args(cmd, 2, 3); err != nil {
		return "", nil, err
	}
	o, ok := hal.ParseOutput(strings.ToLower(cmd.Args[0]))
	if !ok {
		return "", nil, errorf("override %s: no such output (pump.oil pump.water valve.dump valve.tank fan heater alarm module.N)", quote(cmd.Args[0]))
	}
	v, err := ParseOutputValue(o, cmd.Args[1])
	if err != nil {
		return "", nil, errorf("override refused: %v", err)
	}
	mins := float64(DefaultOverrideMin)
	if len(cmd.Args) == 3 {
		mins, err = strconv.ParseFloat(cmd.Args[2], 64)
		if err != nil || !(mins > 0 && mins <= MaxOverrideMin) {
			return "", nil, errorf("override refused: MINUTES %s: above 0, at most %d", quote(cmd.Args[2]), MaxOverrideMin)
		}
	}
	s := c.snapshot()
	var set hal.Outputs
	set.SetValue(o, v)
	if why := safety.OverrideRefused(c.B.SafetyConfig(), &s.St, &s.In, o, &set); why != "" {
		c.B.Note("override", "console: override refused: "+why)
		return "", nil, errorf("override refused: %s", why)
	}
	d := units.Duration(math.Round(mins * 60 * float64(units.Second)))
	if err := c.B.Submit(Request{Kind: ReqOverride, Out: o, Value: v, For: d}); err != nil {
		return "", nil, errorf("override: %v", err)
	}
	c.B.Note("override", fmt.Sprintf("console: override %s %s for %s", o, outputText(o, v), d))
	c.waitFor(func(s *Snapshot) bool { return s.Console.Override.Mask&o.Bit() != 0 })
	return fmt.Sprintf("override: %s %s for %s (safety still bounds it; override clear %s ends it)\n", o, outputText(o, v), d, o),
		map[string]any{"output": o.String(), "value": outputText(o, v), "for_s": d.Seconds()}, nil
}

func overrideClear(c *Console, cmd Command) (string, any, error) {
	if err := args(cmd, 2, 2); err != nil {
		return "", nil, errorf("usage: override clear OUTPUT|all")
	}
	r := Request{Kind: ReqClearOverride}
	name := strings.ToLower(cmd.Args[1])
	if name == "all" {
		r.All = true
	} else {
		o, ok := hal.ParseOutput(name)
		if !ok {
			return "", nil, errorf("override clear %s: no such output", quote(cmd.Args[1]))
		}
		r.Out = o
	}
	if err := c.B.Submit(r); err != nil {
		return "", nil, errorf("override: %v", err)
	}
	c.B.Note("override", "console: override cleared: "+name)
	c.waitFor(func(s *Snapshot) bool {
		return r.All && s.Console.Override.Mask == 0 || s.Console.Override.Mask&r.Out.Bit() == 0
	})
	return "override cleared: " + name + ": control has it again\n", map[string]any{"cleared": name}, nil
}

func setCmd(c *Console, cmd Command) (string, any, error) {
	ed := c.B.Config()
	if len(cmd.Args) == 0 {
		p := ed.Pending()
		if len(p) == 0 {
			return "nothing staged\n", []string{}, nil
		}
		return strings.Join(p, "\n") + "\n", p, nil
	}
	if len(cmd.Args) < 2 {
		return "", nil, errorf("usage: set KEY VALUE")
	}
	key := strings.ToLower(cmd.Args[0])
	if !contains(ed.Keys(), key) {
		msg := "set: no key " + quote(key)
		if s := Suggest(key, ed.Keys()); len(s) > 0 && len(s) <= 6 {
			msg += ": did you mean " + strings.Join(s, " or ") + "?"
		}
		return "", nil, errorf("%s", msg)
	}
	value := strings.Join(cmd.Args[1:], " ")
	old, err := ed.Set(key, value)
	if err != nil {
		c.B.Note("config", "console: set refused: "+err.Error())
		return "", nil, errorf("set refused: %v", err)
	}
	c.B.Note("config", "console: set "+key+" = "+value+" (was "+old+"), staged")
	return fmt.Sprintf("staged: %s = %s (was %s); commit writes it, restart puts it in force\n", key, value, old),
		map[string]any{"key": key, "value": value, "was": old}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func commitCmd(c *Console, cmd Command) (string, any, error) {
	ed := c.B.Config()
	p := ed.Pending()
	if len(p) == 0 {
		return "", nil, errorf("commit: nothing staged (set KEY VALUE first)")
	}
	path, err := ed.Commit()
	if err != nil {
		c.B.Note("config", "console: commit failed: "+err.Error())
		return "", nil, errorf("commit failed, the file is as it was: %v", err)
	}
	c.B.Note("config", "console: committed to "+path+": "+strings.Join(p, "; "))
	return fmt.Sprintf("committed %d change(s) to %s: restart puts them in force\n", len(p), path),
		map[string]any{"file": path, "changes": p}, nil
}

func calibrateCmd(c *Console, cmd Command) (string, any, error) {
	if err := args(cmd, 2, 2); err != nil {
		return "", nil, err
	}
	name := strings.TrimPrefix(strings.ToLower(cmd.Args[0]), "temp.")
	id := hal.TempID(0)
	for ; id < hal.NumTemps; id++ {
		if id.String() == name {
			break
		}
	}
	if id == hal.NumTemps {
		return "", nil, errorf("calibrate %s: no such probe (oil_in_a oil_in_b oil_out water_flow water_return tank_top tank_bottom indoor outdoor)", quote(cmd.Args[0]))
	}
	off, err := strconv.ParseFloat(strings.TrimSuffix(cmd.Args[1], "K"), 64)
	if err != nil || !(math.Abs(off) <= MaxCalibrationK) {
		return "", nil, errorf("calibrate refused: OFFSET %s: kelvin within +/-%g", quote(cmd.Args[1]), MaxCalibrationK)
	}
	if _, err := c.B.Config().Set("calibration."+name, strconv.FormatFloat(off, 'g', -1, 64)); err != nil {
		return "", nil, errorf("calibrate refused: %v", err)
	}
	if err := c.B.Submit(Request{Kind: ReqCalibrate, Sensor: id, Offset: units.Kelvin(off)}); err != nil {
		return "", nil, errorf("calibrate: %v", err)
	}
	c.B.Note("config", fmt.Sprintf("console: calibrate %s %+g K (applied now, staged for commit)", name, off))
	c.waitFor(func(s *Snapshot) bool { return s.Console.Calibration[id] == units.Kelvin(off) })
	return fmt.Sprintf("calibrate: %s %+g K from now; staged as calibration.%s for commit\n", name, off, name),
		map[string]any{"sensor": name, "offset_k": off}, nil
}

// digital reads a normally-closed loop: what it says, or why it cannot be
// read (which safety takes as the alarm: a broken loop is a leak).
func digital(smp hal.Sample[bool], on, off string) string {
	if !smp.OK() {
		return "nothing (input " + smp.Status.String() + ": taken as " + on + ")"
	}
	return yes(smp.Value, on, off)
}

// unread is "" for a channel read OK, else why it was not.
func unread(st hal.Status) string {
	if st == hal.StatusOK {
		return ""
	}
	return " (input " + st.String() + ": not believed)"
}

func restartCmd(c *Console, cmd Command) (string, any, error) {
	if err := args(cmd, 0, 1); err != nil {
		return "", nil, err
	}
	if len(cmd.Args) == 0 || strings.ToLower(cmd.Args[0]) != "confirm" {
		msg := "restart: modules shut down gracefully, outputs are de-energised, hearth exits\n" +
			"and the service manager starts it again with the configuration file; the\n" +
			"self-test runs. This line drops meanwhile. To go ahead: restart confirm\n"
		if p := c.B.Config().Pending(); len(p) > 0 {
			msg += "staged and not committed (lost by a restart): " + strings.Join(p, "; ") + "\n"
		}
		return msg, map[string]any{"restart": "not confirmed"}, nil
	}
	if err := c.B.Restart(); err != nil {
		return "", nil, errorf("restart: %v", err)
	}
	c.B.Note("stop", "console: restart confirmed: controlled shutdown, then the service manager starts hearth again")
	return "restart: controlled shutdown begun; hearth starts again in a few seconds\n", map[string]any{"restart": "begun"}, nil
}
