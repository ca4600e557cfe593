package console

import (
	"fmt"
	"strconv"
	"strings"
)

// The text views, each within 80 columns.

func formatFloat(v float64, prec int) string {
	if prec < 0 {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

func yes(b bool, y, n string) string {
	if b {
		return y
	}
	return n
}

// statusText is the one screen: state and cause, what a reset waits for,
// the trip-relevant temperatures against their limits, the other
// channels, outputs, modules and faults, in at most 21 lines.
func statusText(v *StatusView) string {
	var b strings.Builder
	state := v.State
	if v.Latched {
		state += ", LATCHED"
	}
	if v.Ticks == 0 {
		b.WriteString("NO TICK YET: the controller has not run its loop; what follows is not the plant\n")
	}
	fmt.Fprintf(&b, "state    %s  cause %s", state, v.Cause)
	if v.Latched {
		fmt.Fprintf(&b, "  witness %s  %s ago", v.Witness, ago(v.TripAgoS))
	}
	b.WriteString("\n")
	switch {
	case v.Latched && len(v.Holding) > 0:
		b.WriteString(wrapMax("reset    ", "waits for "+strings.Join(v.Holding, ", ")+": "+v.HoldingWhy, 3))
	case v.Latched:
		b.WriteString("reset    the cause has cleared: login, then reset\n")
	}
	if v.Maintenance {
		b.WriteString("hold     maintenance on (compute off): maintenance off to leave\n")
	}
	b.WriteString("temp C           now  warn  trip\n")
	var rest []string
	for _, t := range v.Temps {
		if t.TripC == 0 || t.Name == "tank_bottom" {
			rest = append(rest, fmt.Sprintf("%s %.1f%s", t.Name, t.C, yes(t.Believed, "", "?")))
			continue
		}
		fmt.Fprintf(&b, "  %-12s %6.1f %5.1f %5.1f  %s\n", t.Name, t.C, t.WarnC, t.TripC, believed(t.Status, t.Believed))
	}
	legend := ""
	if strings.Contains(strings.Join(rest, ""), "?") {
		legend = "  (? not believed)"
	}
	b.WriteString(wrapMax("  ", strings.Join(rest, "  ")+legend, 1))
	line := "  "
	for _, c := range v.Channels[:3] {
		line += fmt.Sprintf("%s %.2f %s%s  ", c.Name, c.Value, c.Unit, yes(c.Believed, "", " ?"))
	}
	b.WriteString(strings.TrimRight(line, " ") + "\n")
	b.WriteString("out   ")
	legend = ""
	for _, o := range v.Outputs {
		s := o.Name + " " + o.Out
		if o.Override != "" {
			s, legend = s+"*", "  (* override)"
		}
		b.WriteString(" " + s)
		if o.Name == "valve.tank" {
			b.WriteString("\n     ")
		}
	}
	b.WriteString(legend + "\n")
	b.WriteString(modulesLine(v.Modules))
	b.WriteString(faultLines(&v.Faults, 3))
	fmt.Fprintf(&b, "loop     %d ticks, %d overruns, jitter p99 %.2f ms\n", v.Ticks, v.Overruns, v.JitterP99Ms)
	return b.String()
}

// modulesLine sums the modules up: how many are powered, their power by
// the feed meters, and safety's caps (each distinct cap with its slots).
func modulesLine(ms []ModuleView) string {
	on, watts := 0, 0.0
	var caps []string
	slots := map[string][]string{}
	for _, m := range ms {
		if m.Relay {
			on++
		}
		watts += m.FeedW
		if _, ok := slots[m.Cap]; !ok {
			caps = append(caps, m.Cap)
		}
		slots[m.Cap] = append(slots[m.Cap], itoa(m.Slot))
	}
	line := fmt.Sprintf("modules  %d of %d powered, %.0f W by the feed meters", on, len(ms), watts)
	switch {
	case len(caps) == 1:
		line += "; cap " + caps[0]
	case len(caps) > 1:
		var parts []string
		for _, c := range caps {
			parts = append(parts, c+" ("+strings.Join(slots[c], ",")+")")
		}
		line += "; caps " + strings.Join(parts, ", ")
	}
	return fit80(line) + "\n"
}

func believed(status string, ok bool) string {
	if ok {
		return "ok"
	}
	if status == "ok" {
		return "NOT BELIEVED"
	}
	return "NOT BELIEVED (" + status + ")"
}

// faultLines says what is wrong now, in at most max lines (0: all).
func faultLines(f *FaultView, max int) string {
	if f.none() {
		return "faults   none\n"
	}
	var parts []string
	add := func(what string, names []string) {
		if len(names) > 0 {
			parts = append(parts, what+" "+strings.Join(names, ", ")+";")
		}
	}
	add("TRIP", f.Trips)
	add("warn", f.Warnings)
	add("alarm", f.Alarms)
	add("not believed", f.Untrusted)
	add("flapping", f.Flapping)
	return wrapMax("faults   ", strings.TrimSuffix(strings.Join(parts, " "), ";"), max)
}

// wrapMax is wrap cut to max lines (0: all), the last ending in "..."
// (the command that shows it all) when cut.
func wrapMax(head, text string, max int) string {
	w := wrap(head, text)
	lines := strings.SplitAfter(w, "\n")
	if max == 0 || len(lines)-1 <= max {
		return w
	}
	last := strings.TrimSuffix(lines[max-1], "\n")
	if len(last) > 76 {
		last = last[:76]
	}
	return strings.Join(lines[:max-1], "") + last + "...\n"
}

// wrap writes text after head, broken at spaces to 80 columns.
func wrap(head, text string) string {
	var b strings.Builder
	line := head
	for _, w := range strings.Fields(text) {
		if len(line)+len(w)+1 > 79 && len(line) > len(head) {
			b.WriteString(strings.TrimRight(line, " ") + "\n")
			line = strings.Repeat(" ", len(head))
		}
		line += w + " "
	}
	b.WriteString(strings.TrimRight(line, " ") + "\n")
	return b.String()
}

func sensorsText(ts []TempView, cs []ChannelView) string {
	var b strings.Builder
	b.WriteString("probe           value C  status     warn  trip  offset    age  believed\n")
	for _, t := range ts {
		lim := "    -     -"
		if t.TripC != 0 {
			lim = fmt.Sprintf("%5.1f %5.1f", t.WarnC, t.TripC)
		}
		fmt.Fprintf(&b, "%-13s %9.2f  %-8s %s  %+6.2f %5.1fs  %s\n", t.Name, t.C, t.Status, lim, t.OffsetK, t.AgeS,
			yes(t.Believed, "yes", "NO"))
	}
	b.WriteString("channel        value unit   status      age ok? limits\n")
	for _, c := range cs {
		row := fmt.Sprintf("%-12s %7.2f %-6s %-8s %5.1fs %-3s %s", c.Name, c.Value, c.Unit, c.Status, c.AgeS,
			yes(c.Believed, "yes", "NO"), c.Limits)
		b.WriteString(strings.TrimRight(row, " ") + "\n")
	}
	return b.String()
}

func outputsText(os []OutputView) string {
	var b strings.Builder
	b.WriteString("output     written control override        reads\n")
	for _, o := range os {
		ov := "-"
		if o.Override != "" {
			ov = fmt.Sprintf("%s (%.0fs)", o.Override, o.LeftS)
			if o.Held {
				ov += " HELD"
			}
		}
		fmt.Fprintf(&b, "%-10s %-7s %-7s %-15s %s\n", o.Name, o.Out, o.Wish, ov, o.Reads)
	}
	return b.String()
}

func modulesText(ms []ModuleView) string {
	if len(ms) == 0 {
		return "no modules\n"
	}
	var b strings.Builder
	b.WriteString("slot id  command cap   relay  reports  agent W  feed W  board C  status\n")
	for _, m := range ms {
		st := m.Status
		if m.Isolated {
			st += " ISOLATED"
		}
		if !m.Report && m.Relay {
			st += " report not believed"
		}
		lv, pw, bc := m.Level, fmt.Sprintf("%7.1f", m.PowerW), fmt.Sprintf("%8.1f", m.BoardC)
		if m.Status != "ok" || !m.Relay { // the agent's last words are stale: not shown as if current
			lv, pw, bc = "-", "      -", "       -"
		}
		if !m.Relay && m.Status != "ok" {
			st = "unpowered"
			if m.Isolated {
				st += " ISOLATED"
			}
		}
		fmt.Fprintf(&b, "%4d %-3d %-7s %-5s %-6s %-8s %s %7.1f %s  %s\n", m.Slot, m.ID, m.Command, m.Cap,
			yes(m.Relay, "closed", "open"), lv, pw, m.FeedW, bc, st)
	}
	return b.String()
}

// fit80 breaks every line of text longer than 80 columns at its last
// space before the 80th, the rest indented two more, the spacing within
// the line kept (a table's row stays a row): no answer runs off an
// 80-column terminal.
func fit80(text string) string {
	if len(text) <= 80 && !strings.Contains(text, "\n") {
		return text
	}
	var b strings.Builder
	for i, l := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		indent := strings.Repeat(" ", min(len(l)-len(strings.TrimLeft(l, " "))+2, 40))
		for len(l) > 80 {
			cut := strings.LastIndexByte(l[:81], ' ')
			if cut <= len(indent) {
				cut = 80 // one word past 80 columns: cut inside it
			}
			b.WriteString(strings.TrimRight(l[:cut], " ") + "\n")
			l = indent + strings.TrimLeft(l[cut:], " ")
		}
		b.WriteString(l)
	}
	return b.String()
}
