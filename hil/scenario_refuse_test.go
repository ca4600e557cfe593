package hil

import (
	"strings"
	"testing"
)

// Every mistake a scenario file can make is refused, and the message names
// the file, the line and the key, and for a name that is none the nearest
// ones (issue 16).
func TestScenarioFileRefusesMistakes(t *testing.T) {
	const head = "name = \"x\"\nseason = \"winter\"\nduration = \"1h\"\n" // lines 1-3
	for _, c := range []struct {
		what, body string
		want       []string // in the message: "x.toml:LINE: KEY: ...", did-you-mean
	}{
		{"unknown plant key", "[plant]\ndump_derat = 0.7\n", []string{"x.toml:5: plant.dump_derat:", `did you mean "dump_derate"`}},
		{"plant fails Validate", "[plant]\nmodules = 0\n", []string{"x.toml:5: plant.modules:", "want 1.."}},
		{"plant negative volume", "[plant]\ntank_l = -5.0\n", []string{"x.toml:5: plant.tank_l:", "want > 0"}},
		{"negative at", "events = [{ at = \"-5m\", fault = \"oil_leak\" }]\n", []string{"x.toml:4: events[0].at:", "outside the run"}},
		{"negative for", "events = [{ at = \"5m\", fault = \"oil_leak\", for = \"-1m\" }]\n", []string{"x.toml:4: events[0].for:", "want >= 0"}},
		{"arg on a fault without one", "events = [\n  { at = \"1m\", demand = \"idle\" },\n  { at = \"2m\", demand = \"50%\" },\n  { at = \"5m\", fault = \"oil_leak\", arg = 3.0 },\n]\n",
			[]string{`x.toml:7: events[2].arg: fault "oil_leak" takes no argument`}},
		{"clear never injected", "events = [{ at = \"5m\", clear = \"oil_leak\" }]\n", []string{"x.toml:4: events[0].clear:", "no event before it injects"}},
		{"clear before its fault", "events = [\n { at = \"9m\", fault = \"oil_leak\" },\n { at = \"5m\", clear = \"oil_leak\" },\n]\n", []string{"x.toml:6: events[1].clear:"}},
		{"event after the end", "events = [{ at = \"2h\", fault = \"oil_leak\" }]\n", []string{"x.toml:4: events[0].at:", "outside the run's 0 to 1h0m0s"}},
		{"start_week past the week", "start_week = \"200h\"\n", []string{"x.toml:4: start_week:", "want 0"}},
		{"start_week negative", "start_week = \"-1h\"\n", []string{"x.toml:4: start_week:"}},
		{"start_day misspelt", "start_day = \"wendsday\"\n", []string{"x.toml:4: start_day:", "wednesday"}},
		{"start_time past midnight", "start_time = \"25:00\"\n", []string{"x.toml:4: start_time:", "00:00 to 23:59:59"}},
		{"start_time not a clock", "start_time = \"2pm\"\n", []string{"x.toml:4: start_time:"}},
		{"start_time and start_week", "start_week = \"62h\"\nstart_time = \"14:00\"\n", []string{"x.toml:5: start_time:", "not both"}},
		{"negative seed", "seed = -7\n", []string{"x.toml:4: seed: seed -7, want >= 0"}},
		{"weather too hot", "[weather]\nmean_c = 240.0\namp_k = 4.0\n", []string{"x.toml:5: weather.mean_c:", "want -30 to 45"}},
		{"weather swing", "[weather]\nmean_c = 5.0\namp_k = -3.0\n", []string{"x.toml:6: weather.amp_k:"}},
		{"weather sun", "[weather]\nmean_c = 5.0\nsolar_peak_w_per_m2 = -1.0\n", []string{"x.toml:6: weather.solar_peak_w_per_m2:"}},
		{"weather day", "[weather]\nmean_c = 5.0\ndaylight_h = 30.0\n", []string{"x.toml:6: weather.daylight_h:"}},
		{"weather nan", "[weather]\nmean_c = nan\n", []string{"x.toml:5: weather.mean_c:"}},
		{"unknown trip cause", "[expect]\ntrip = [{ cause = \"leek\", by = \"10m\" }]\n", []string{"x.toml:5: expect.trip[0].cause:", `did you mean "leak"`}},
		{"trip by after the end", "[expect]\ntrip = [{ cause = \"leak\", by = \"3h\" }]\n", []string{"x.toml:5: expect.trip[0].by:"}},
		{"unknown witness", "[expect]\n[[expect.trip]]\ncause = \"leak\"\nby = \"10m\"\nwitness = \"leak_inptu\"\n", []string{"x.toml:8: expect.trip[0].witness:", `did you mean "leak_input"`}},
		{"unknown sensor", "[expect]\ntemp = [{ sensor = \"tnak\", max_c = 70.0 }]\n", []string{"x.toml:5: expect.temp[0].sensor:", `did you mean "tank"`}},
		{"unknown state", "[expect]\nstate = [{ at = \"10m\", state = \"triped\" }]\n", []string{"x.toml:5: expect.state[0].state:", `did you mean "tripped"`}},
		{"state after the end", "[expect]\nstate = [{ at = \"2h\", state = \"tripped\" }]\n", []string{"x.toml:5: expect.state[0].at:"}},
		{"unknown fault", "events = [{ at = \"1m\", fault = \"oil_leek\" }]\n", []string{"x.toml:4: events[0].fault:", `did you mean "oil_leak"`}},
		{"unknown top-level key", "duraton = \"2h\"\n", []string{"x.toml:4: duraton:", `did you mean "duration"`}},
		{"unknown expect key", "[expect]\nno_trp = true\n", []string{"x.toml:5: expect.no_trp:", `did you mean "no_trip"`}},
		{"unknown event key", "events = [{ at = \"1m\", fault = \"oil_leak\", fro = \"1m\" }]\n", []string{"x.toml:4: events[0].fro:", `"for"?)`}},
		{"unknown init key", "[init]\noil = 40.0\n", []string{"x.toml:5: init.oil:", `did you mean "oil_c"`}},
		{"duplicate key", "seed = 1\nseed = 2\n", []string{"x.toml:5:", "seed"}},
		{"bad level", "demand = \"110%\"\n", []string{"x.toml:4: demand:", "unknown level"}},
		{"bad event level", "events = [{ at = \"1m\", demand = \"hafl\" }]\n", []string{"x.toml:4: events[0].demand:"}},
		{"duty outside (0,1)", "events = [{ at = \"1m\", fault = \"sensor_intermittent\", target = \"leak\", duty = 1.5 }]\n", []string{"x.toml:4: events[0].duty:", "between 0 and 1"}},
		{"duty zero", "events = [{ at = \"1m\", fault = \"sensor_intermittent\", target = \"leak\", duty = 0.0 }]\n", []string{"x.toml:4: events[0].duty:"}},
		{"duty on another fault", "events = [{ at = \"1m\", fault = \"oil_leak\", duty = 0.3 }]\n", []string{"x.toml:4: events[0].duty:", "takes no duty"}},
		{"target on a command", "events = [{ at = \"1m\", command = \"reset\", target = \"3\" }]\n", []string{"x.toml:4: events[0].target:", "command takes no target"}},
		{"unknown draw", "events = [{ at = \"1m\", draw = \"showr\" }]\n", []string{"x.toml:4: events[0].draw:", `did you mean "shower"`}},
		{"unknown command", "events = [{ at = \"1m\", command = \"rest\" }]\n", []string{"x.toml:4: events[0].command:", `did you mean "reset"`}},
		{"unknown season", "seasons = [\"winter\", \"sumer\"]\n", []string{"x.toml:4: seasons[1]:", `did you mean "summer"`}},
		{"init too hot", "[init]\noil_c = 400.0\n", []string{"x.toml:5: init.oil_c:"}},
		{"share above one", "[expect]\nerf_min = 1.5\n", []string{"x.toml:5: expect.erf_min:"}},
		{"bad duration text", "[expect]\nmodules_off_by = \"ten minutes\"\n", []string{"x.toml:5:", "modules_off_by"}},
		{"wrong type", "seed = \"one\"\n", []string{"x.toml:4:", "seed"}},
	} {
		_, err := ParseScenario([]byte(head+c.body), "x.toml")
		if err == nil {
			t.Errorf("%s: accepted", c.what)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", c.what, err, w)
			}
		}
	}
}

// A built-in's mistakes name it as builtin:NAME.
func TestScenarioErrorNamesBuiltin(t *testing.T) {
	_, err := ParseScenario([]byte("name = \"x\"\nduration = \"1h\"\nseed = -1\n"), "builtin:x.toml")
	if err == nil || !strings.HasPrefix(err.Error(), "builtin:x.toml:3: seed:") {
		t.Errorf("got %v, want builtin:x.toml:3: seed: ...", err)
	}
}

// The window and time expectations' mistakes name their line and key, and
// the nearest names.
func TestWindowExpectationsRefusedWithLines(t *testing.T) {
	const head = "name = \"x\"\nseason = \"winter\"\nduration = \"1h\"\n[expect]\n" // lines 1-4
	for _, c := range []struct{ body, want string }{
		{`alarms_seen = ["leek"]`, `x.toml:5: expect.alarms_seen[0]: unknown cause "leek" (did you mean "leak"?)`},
		{`trip_one_of = { causes = ["leak", "presure"], by = "10m" }`, `x.toml:5: expect.trip_one_of.causes[1]: unknown cause "presure"`},
		{`trip_one_of = { causes = ["leak"], by = "2h" }`, `x.toml:5: expect.trip_one_of.by:`},
		{"never = [\n  { state = \"tripped\" },\n  { state = \"runing\" },\n]", `x.toml:7: expect.never[1].state: unknown state "runing" (did you mean "running"?)`},
		{`never = [{ state = "tripped", from = "50m", to = "40m" }]`, `x.toml:5: expect.never[0].to: window from 50m0s to 40m0s reversed`},
		{`flaps = [{ channel = "oil_in_c", max = 1 }]`, `x.toml:5: expect.flaps[0].channel: unknown channel "oil_in_c" (did you mean "oil_in_a" or "oil_in_b"?)`},
		{`fault_counts = [{ channel = "leak", min = 3, max = 1 }]`, `x.toml:5: expect.fault_counts[0]:`},
		{`module = [{ at = "10m", index = 1, level = "10%" }]`, `x.toml:5: expect.module[0].level:`},
		{`window = [{ measure = "presure", max = 1.0 }]`, `x.toml:5: expect.window[0].measure: unknown measure "presure" (did you mean "pressure"?)`},
		{`crossing = [{ measure = "tnak", above = 50.0, by = "10m" }]`, `x.toml:5: expect.crossing[0].measure: unknown measure "tnak" (did you mean "tank"?)`},
		{`compute = [{ from = "10m", to = "2h", min_kw = 1.0 }]`, `x.toml:5: expect.compute[0].to:`},
		{`windw = [{ measure = "tank", max = 1.0 }]`, `x.toml:5: expect.windw: unknown key "windw" in [expect] (did you mean "window"?)`},
	} {
		_, err := ParseScenario([]byte(head+c.body+"\n"), "x.toml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %s", c.body, err, c.want)
		}
	}
}

// The key finder gives each key its path and line through TOML's forms:
// multi-line strings, quoted keys, arrays of tables, inline tables in
// arrays over several lines, comments with brackets.
func TestKeyLines(t *testing.T) {
	src := `name = "x" # [not a table]
description = """two
lines = "not a key" """
"quoted key" = 1
events = [
  # a comment { at = 1 }
  { at = "1m", fault = "oil_leak" }, { at = "2m",
    clear = "oil_leak" },
]
[[expect.trip]]
cause = "leak"
[[expect.trip]]
cause = 'a "b'
[expect.sub]
x = [1, [2, 3]]
`
	kl := scanKeyLines(src)
	for path, line := range map[string]int{
		"name": 1, "description": 2, "quoted key": 4, "events": 5, "events[0]": 7, "events[0].fault": 7,
		"events[1].at": 7, "events[1].clear": 8, "expect.trip[0].cause": 11, "expect.trip[1]": 12,
		"expect.trip[1].cause": 13, "expect.sub.x": 15,
	} {
		if got := kl.at[path]; got != line {
			t.Errorf("%s on line %d, want %d", path, got, line)
		}
	}
	if _, ok := kl.at["lines"]; ok {
		t.Error("a multi-line string's text read as a key")
	}
	if _, err := ParseScenario([]byte("name = \"x\"\nduration = \"1h\"\n[expct]\nno_trip = true\n"), "x.toml"); err == nil ||
		!strings.Contains(err.Error(), `x.toml:3: expct: unknown key "expct" at the top level (did you mean "expect"?)`) {
		t.Errorf("a misspelt table: %v", err)
	}
}
