package console

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"hearth/hal"
	"hearth/safety"
)

// spec is one command: its usage, its one-line summary, its help, whether
// it needs the engineer's login, and what it does.
type spec struct {
	name, usage, summary, help string
	engineer                   bool
	run                        func(c *Console, cmd Command) (text string, js any, err error)
}

var commands []*spec

func init() {
	commands = append(readCommands, engineerCommands...)
}

func lookup(name string) *spec {
	for _, s := range commands {
		if s.name == name {
			return s
		}
	}
	return nil
}

func names() []string {
	n := make([]string, len(commands))
	for i, s := range commands {
		n[i] = s.name
	}
	return n
}

// unknown answers a word that is no command, with the nearest ones.
func unknown(name string) string {
	msg := "unknown command " + quote(name)
	if s := Suggest(name, names()); len(s) > 0 {
		msg += ": did you mean " + strings.Join(s, " or ") + "?"
	}
	return msg + " (help lists every command)"
}

func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }

func itoa(n int) string { return strconv.Itoa(n) }

// args checks a command's argument count.
func args(cmd Command, lo, hi int) error {
	if n := len(cmd.Args); n < lo || n > hi {
		return errorf("usage: %s", lookup(cmd.Name).usage)
	}
	return nil
}

var readCommands = []*spec{
	{name: "help", usage: "help [COMMAND]", summary: "the commands, or one command in full",
		help: "help alone lists every command; help CMD shows its usage and what it does.\n" +
			"Type ? or Tab after a partial word to see what it may become.", run: help},
	{name: "status", usage: "status", summary: "one screen: state and cause, temperatures against limits, outputs, faults",
		help: "The safety state and its cause; for a latched trip its witness and what a reset\n" +
			"waits for; the trip-relevant temperatures against their warn and trip limits;\n" +
			"pressure and flows; every output (* marks an override); modules; faults.", run: statusCmd},
	{name: "sensors", usage: "sensors", summary: "every input: value, status, limits, calibration, age",
		help: "Every input channel with its status as the driver reported it, whether safety\n" +
			"believes it, its limits, the calibration offset in force and the sample's age.", run: sensorsCmd},
	{name: "outputs", usage: "outputs", summary: "every output: written, control's wish, override, what the hardware reads",
		help: "written is safety's last word, control is what control wished; an override\n" +
			"shows its value and the seconds left, HELD when safety did not let it through.", run: outputsCmd},
	{name: "modules", usage: "modules", summary: "every module: command, cap, relay, power by agent and feed meter",
		help: "The command written, safety's cap, the relay, the level the agent reports,\n" +
			"the power the agent reports against the feed meter's, the hottest board.", run: modulesCmd},
	{name: "faults", usage: "faults", summary: "active faults, then the history from the event log with counts",
		help: "Active: channels not believed, warnings, alarms, latched trip causes, flapping\n" +
			"channels, the fault count of each channel. History: each fault and trip in\n" +
			"the event log, how many times, first and last seen.", run: faultsCmd},
	{name: "log", usage: "log [N]", summary: "the last N events of the event log (default 20, at most 500)",
		help: "Trips, resets, faults, overrides, configuration changes, starts; oldest first.", run: logCmd},
	{name: "watch", usage: "watch", summary: "status, refreshed every second until a key is pressed",
		help: "Any key ends it; the key is not taken as input.", run: watchCmd},
	{name: "selftest", usage: "selftest", summary: "the start-up self-test: what it checks and its last result",
		help: "A self-test runs at every start, after a reset and on leaving maintenance:\n" +
			"configuration checksum and watchdog, every trip probe present, pressure in\n" +
			"band, each pump proving flow, the dump valve proving it moves.", run: selftestCmd},
	{name: "config", usage: "config show [PREFIX]", summary: "the configuration in force, every key or those under PREFIX",
		help: "config show safety. shows the safety layer's limits; changes committed and\n" +
			"staged (set) are listed after the values in force.", run: configCmd},
	{name: "version", usage: "version", summary: "what is running", help: "The build: version, commit and Go.", run: versionCmd},
	{name: "login", usage: "login", summary: "engineer level: asks for the passphrase",
		help: "The passphrase is not echoed. " + strconv.Itoa(MaxFailures) + " wrong ones in a row lock the login for " +
			Lockout.String() + ";\na session idle for the configured time (15m by default) is logged out.", run: loginCmd},
	{name: "logout", usage: "logout", summary: "leave engineer level", help: "Ends the engineer's session.", run: logoutCmd},
}

func help(c *Console, cmd Command) (string, any, error) {
	if err := args(cmd, 0, 1); err != nil {
		return "", nil, err
	}
	if len(cmd.Args) == 1 {
		s := lookup(strings.ToLower(cmd.Args[0]))
		if s == nil {
			return "", nil, errorf("%s", unknown(cmd.Args[0]))
		}
		lvl := ""
		if s.engineer {
			lvl = " (engineer: login first)"
		}
		text := "usage: " + s.usage + lvl + "\n" + s.summary + ".\n" + s.help + "\nEvery command answers in JSON with --json.\n"
		return text, map[string]any{"command": s.name, "usage": s.usage, "engineer": s.engineer, "summary": s.summary, "help": s.help}, nil
	}
	var b strings.Builder
	type entry struct {
		Name     string `json:"name"`
		Usage    string `json:"usage"`
		Summary  string `json:"summary"`
		Engineer bool   `json:"engineer"`
	}
	var js []entry
	b.WriteString("commands (add --json for a JSON answer):\n")
	for i, s := range commands {
		if s.engineer && (i == 0 || !commands[i-1].engineer) {
			b.WriteString("engineer commands (login first):\n")
		}
		fmt.Fprintf(&b, "  %-32s %s\n", s.usage, cut(s.summary, 45))
		js = append(js, entry{s.name, s.usage, s.summary, s.engineer})
	}
	return b.String(), js, nil
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

func statusCmd(c *Console, cmd Command) (string, any, error) {
	if err := args(cmd, 0, 0); err != nil {
		return "", nil, err
	}
	v := status(c.snapshot(), c.B.SafetyConfig(), c.B.ModuleIDs())
	return statusText(&v), v, nil
}

func sensorsCmd(c *Console, cmd Command) (string, any, error) {
	if err := args(cmd, 0, 0); err != nil {
		return "", nil, err
	}
	s := c.snapshot()
	ts, cs := temps(s, c.B.SafetyConfig()), channels(s, c.B.SafetyConfig())
	return sensorsText(ts, cs), map[string]any{"temps": ts, "channels": cs}, nil
}

func outputsCmd(c *Console, cmd Command) (string, any, error) {
	if err := args(cmd, 0, 0); err != nil {
		return "", nil, err
	}
	os := outputs(c.snapshot())
	return outputsText(os), os, nil
}

func modulesCmd(c *Console, cmd Command) (string, any, error) {
	if err := args(cmd, 0, 0); err != nil {
		return "", nil, err
	}
	ms := modules(c.snapshot(), c.B.ModuleIDs())
	return modulesText(ms), ms, nil
}

func logCmd(c *Console, cmd Command) (string, any, error) {
	if err := args(cmd, 0, 1); err != nil {
		return "", nil, err
	}
	n := 20
	if len(cmd.Args) == 1 {
		v, err := strconv.Atoi(cmd.Args[0])
		if err != nil || v < 1 || v > 500 {
			return "", nil, errorf("log %s: N is a whole number 1..500", quote(cmd.Args[0]))
		}
		n = v
	}
	evs, err := c.B.Events(n)
	if err != nil {
		return "", nil, errorf("log: the event log cannot be read: %v", err)
	}
	var b strings.Builder
	for _, e := range evs {
		b.WriteString(eventLine(e))
	}
	if len(evs) == 0 {
		b.WriteString("the event log is empty\n")
	}
	return b.String(), evs, nil
}

func eventLine(e Event) string {
	head := e.Wall.Local().Format("01-02 15:04:05") + " " + e.Kind
	if e.Cause != "" {
		head += " " + e.Cause
	}
	return wrap(fmt.Sprintf("%-24s ", head), e.Msg)
}

func watchCmd(c *Console, cmd Command) (string, any, error) {
	if err := args(cmd, 0, 0); err != nil {
		return "", nil, err
	}
	c.watching, c.watchJS = true, cmd.JSON
	c.watch()
	return "", nil, errWatch
}

// errWatch is no error: the watch draws its own screen.
var errWatch = errorf("")

func (c *Console) watch() {
	v := status(c.snapshot(), c.B.SafetyConfig(), c.B.ModuleIDs())
	if c.watchJS {
		c.answer(Command{JSON: true}, "", v, nil)
		return
	}
	c.print("\x1b[H\x1b[2J" + c.Now().Format("15:04:05") + "  watch: any key stops\n" + fit80(statusText(&v)))
}

func faultsCmd(c *Console, cmd Command) (string, any, error) {
	if err := args(cmd, 0, 0); err != nil {
		return "", nil, err
	}
	f := faults(c.snapshot())
	evs, err := c.B.Events(2000)
	if err != nil {
		return "", nil, errorf("faults: the event log cannot be read: %v", err)
	}
	hist := history(evs)
	var b strings.Builder
	b.WriteString("active\n")
	b.WriteString(faultLines(&f, 0))
	if len(f.Counts) > 0 {
		keys := make([]string, 0, len(f.Counts))
		for k := range f.Counts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", k, f.Counts[k]))
		}
		b.WriteString(wrap("counts   ", strings.Join(parts, ", ")))
	}
	b.WriteString("history (event log)\ncount  first           last            what\n")
	for _, h := range hist {
		head := fmt.Sprintf("%5d  %s  %s  ", h.Count, h.First.Local().Format("01-02 15:04:05"), h.Last.Local().Format("01-02 15:04:05"))
		b.WriteString(head + strings.TrimLeft(wrap(strings.Repeat(" ", len(head)), h.What), " "))
	}
	if len(hist) == 0 {
		b.WriteString("  none on record\n")
	}
	return b.String(), map[string]any{"active": f, "history": hist}, nil
}

// Past is one kind of fault or trip in the event log, counted.
type Past struct {
	What  string    `json:"what"`
	Kind  string    `json:"kind"`
	Cause string    `json:"cause,omitempty"`
	Msg   string    `json:"msg"`
	Count int       `json:"count"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
}

func history(evs []Event) []Past {
	idx := map[string]int{}
	var out []Past
	for _, e := range evs {
		if e.Kind != "fault" && e.Kind != "trip" {
			continue
		}
		what := e.Kind
		if e.Cause != "" {
			what += " " + e.Cause
		} else {
			what += ": " + e.Msg
		}
		i, ok := idx[what]
		if !ok {
			i = len(out)
			idx[what] = i
			out = append(out, Past{What: what, Kind: e.Kind, Cause: e.Cause, Msg: e.Msg, First: e.Wall})
		}
		out[i].Count++
		out[i].Last, out[i].Msg = e.Wall, e.Msg
	}
	return out
}

// SelfCheck is one check of the start-up self-test, as the last tick's
// inputs show it.
type SelfCheck struct {
	Check string `json:"check"`
	Reads string `json:"reads"`
	OK    bool   `json:"ok_now"`
}

func selftestCmd(c *Console, cmd Command) (string, any, error) {
	if err := args(cmd, 0, 0); err != nil {
		return "", nil, err
	}
	s := c.snapshot()
	st := &s.St
	failed := safety.CauseNames(st.SelfTest)
	verdict := "passed"
	switch {
	case st.State == safety.StateSelfTest:
		verdict = "running now"
	case st.State == safety.StateBoot:
		verdict = "not run yet"
	case len(failed) > 0:
		verdict = "FAILED: " + strings.Join(failed, ", ")
	}
	checks := selfChecks(s, c.B.SafetyConfig())
	var b strings.Builder
	fmt.Fprintf(&b, "last self-test: %s (state %s)\n", verdict, st.State)
	b.WriteString("check, as the last tick reads it   reads                        would pass\n")
	for _, k := range checks {
		fmt.Fprintf(&b, "%-34s %-28s %s\n", k.Check, cut(k.Reads, 28), yes(k.OK, "yes", "NO"))
	}
	b.WriteString("it runs at every start, after a reset and on leaving maintenance; its\n" +
		"self_test failure with the watchdog armed and the valve moving is the\n" +
		"configuration checksum, which the layer checks itself\n")
	return b.String(), map[string]any{"verdict": verdict, "state": st.State.String(), "failed": failed, "checks": checks}, nil
}

// selfChecks are the self-test's checks against the last tick's inputs:
// which one a failed self-test failed on.
func selfChecks(s *Snapshot, cfg *safety.Config) []SelfCheck {
	in := &s.In
	out := []SelfCheck{{"watchdog armed (self_test)", yes(in.Watchdog, "armed and kicked", "NOT ARMED (kind none?)"), in.Watchdog}}
	for _, id := range []hal.TempID{hal.TempOilInA, hal.TempOilInB, hal.TempOilOut, hal.TempWaterFlow, hal.TempTankTop} {
		smp := in.Temp[id]
		ok := smp.OK() && s.St.Untrusted&hal.TempChannel(id).Bit() == 0
		out = append(out, SelfCheck{id.String() + " believed (sensor)", fmt.Sprintf("%.1f C, %s", float64(in.Calibrated(id)), smp.Status), ok})
	}
	p := in.Pressure
	out = append(out, SelfCheck{"pressure believed", fmt.Sprintf("%.2f bar, %s", float64(p.Value), p.Status),
		p.OK() && s.St.Untrusted&hal.ChanPressure.Bit() == 0})
	for i, name := range []string{"oil pump proves flow", "water pump proves flow"} {
		f := in.Flow[i]
		out = append(out, SelfCheck{name, fmt.Sprintf("%.1f L/min (%s), wants %g", float64(f.Value), f.Status, float64(cfg.SelfTestFlowLPM)),
			f.OK() && f.Value >= cfg.SelfTestFlowLPM})
	}
	v := in.Valve[hal.ValveDump]
	out = append(out, SelfCheck{"dump valve read (it must move)", fmt.Sprintf("at %.2f (%s), by %g", float64(v.Value), v.Status, float64(cfg.SelfTestValve)), v.OK()})
	return out
}

func configCmd(c *Console, cmd Command) (string, any, error) {
	if len(cmd.Args) == 0 || cmd.Args[0] != "show" || len(cmd.Args) > 2 {
		return "", nil, errorf("usage: config show [PREFIX]")
	}
	prefix := ""
	if len(cmd.Args) == 2 {
		prefix = cmd.Args[1]
	}
	ed := c.B.Config()
	text := ed.Show(prefix)
	if text == "" {
		return "", nil, errorf("config show %s: no key begins so (try control., safety., daemon.)", quote(prefix))
	}
	pend, done := ed.Pending(), ed.Committed()
	if len(done) > 0 {
		text += "# committed, effective at the next start (restart):\n# " + strings.Join(done, "\n# ") + "\n"
	}
	if len(pend) > 0 {
		text += "# staged by set, not yet committed:\n# " + strings.Join(pend, "\n# ") + "\n"
	}
	return text, map[string]any{"toml": text, "pending": pend, "committed": done}, nil
}

func versionCmd(c *Console, cmd Command) (string, any, error) {
	v := c.B.Version()
	return v + "\n", map[string]string{"version": v}, nil
}

func loginCmd(c *Console, cmd Command) (string, any, error) {
	if err := args(cmd, 0, 0); err != nil {
		return "", nil, err
	}
	if in, _ := c.Auth.LoggedIn(); in {
		return "already logged in\n", nil, nil
	}
	if !c.Auth.Configured() {
		return "", nil, ErrNoPassphrase
	}
	c.login, c.ed.Secret = true, true
	return "", nil, nil
}

// passphrase checks the line typed after login.
func (c *Console) passphrase(text string) {
	err := c.Auth.Login(text)
	switch e := err.(type) {
	case nil:
		c.B.Note("info", "console: engineer logged in")
		c.print("logged in: engineer commands enabled (logout, or idle " + c.Auth.Idle().String() + ")\n")
	case *LockedError:
		if c.Auth.Failures() == 0 && e.Left == Lockout {
			c.B.Note("info", "console: login locked for "+Lockout.String()+" after "+itoa(MaxFailures)+" wrong passphrases")
		}
		c.print(err.Error() + "\n")
	default:
		if err == ErrWrong {
			c.B.Note("info", "console: wrong passphrase")
			left := MaxFailures - c.Auth.Failures()
			c.print("wrong passphrase (" + itoa(left) + yes(left == 1, " try", " tries") + " before the login locks)\n")
			return
		}
		c.print(err.Error() + "\n")
	}
}

func logoutCmd(c *Console, cmd Command) (string, any, error) {
	if in, _ := c.Auth.LoggedIn(); !in {
		return "not logged in\n", nil, nil
	}
	c.Auth.Logout()
	c.B.Note("info", "console: engineer logged out")
	return "logged out\n", nil, nil
}

// complete answers Tab or '?': the commands the first word may become,
// or the command's usage once it is whole.
func (c *Console) complete(line string) {
	fields := strings.Fields(line)
	c.print("\n")
	switch {
	case len(fields) == 0:
		c.print(strings.Join(names(), " ") + "\n")
	case len(fields) == 1 && !strings.HasSuffix(line, " "):
		m := Suggest(strings.ToLower(fields[0]), names())
		if len(m) == 0 {
			c.print("no command begins " + quote(fields[0]) + "\n")
		} else {
			c.print(strings.Join(m, " ") + "\n")
		}
	default:
		if s := lookup(strings.ToLower(fields[0])); s != nil {
			c.print("usage: " + s.usage + "\n")
		} else {
			c.print(unknown(fields[0]) + "\n")
		}
	}
	c.prompt()
	c.print(c.ed.Buffer())
}

// ParseOutputValue reads an override's value for output o: a speed or
// position as 0..1 or a percentage, on/off for the heater and alarm, a
// level for a module.
func ParseOutputValue(o hal.Output, s string) (float64, error) {
	switch {
	case o.Ratio():
		if p, ok := strings.CutSuffix(s, "%"); ok {
			v, err := strconv.ParseFloat(p, 64)
			if err != nil {
				return 0, errorf("%s %s: a speed or position is 0..1 or 0%%..100%%", o, quote(s))
			}
			return v / 100, nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, errorf("%s %s: a speed or position is 0..1 or 0%%..100%%", o, quote(s))
		}
		return v, nil
	case o == hal.OutHeater || o == hal.OutAlarm:
		switch strings.ToLower(s) {
		case "on", "1":
			return 1, nil
		case "off", "0":
			return 0, nil
		}
		return 0, errorf("%s %s: on or off", o, quote(s))
	}
	for l := hal.Level(0); l < hal.NumLevels; l++ {
		if l.String() == strings.ToLower(s) {
			return float64(l), nil
		}
	}
	return 0, errorf("%s %s: a level: cut, off, idle, 25%%, 50%%, 75%% or 100%%", o, quote(s))
}
