package hil

import (
	"strings"
	"testing"

	"hearth/hil/plant"
)

// Each expectation over a window or at a time, in a scenario that passes
// and in its twin written to fail: the bench says no, naming the
// expectation. The scenarios share a head; body holds the expectations.
func TestWindowExpectations(t *testing.T) {
	if testing.Short() {
		t.Skip("twenty short runs")
	}
	const seized = `season = "winter"
duration = "1h30m"
seed = 22
events = [{ at = "30m", fault = "pump_seized", target = "water" }]
[expect]
`
	const intermittent = `season = "summer"
duration = "1h30m"
seed = 40
events = [{ at = "10m", fault = "sensor_intermittent", target = "oil_in_b", arg = 10.0, duty = 0.2, for = "30m" }]
[expect]
`
	const hot = `season = "winter"
duration = "10m"
seed = 5
[init]
oil_c = 60.0
[expect]
`
	const warm = `season = "winter"
duration = "10m"
seed = 5
[init]
oil_c = 54.0
cold = true
[expect]
`
	const noon = `season = "winter"
duration = "1h30m"
start_week = "12h"
seed = 3
[expect]
`
	const alarm = `season = "winter"
duration = "1h"
seed = 24
events = [{ at = "10m", fault = "pump_feedback_alarm", target = "oil" }]
[expect]
`
	for _, c := range []struct {
		name, head, pass, fail, failing string
	}{
		{"alarms and warnings by cause", alarm, `alarms_seen = ["pump_alarm"]` + "\nwarnings_never = [\"oil_in_high\"]",
			`alarms_never = ["pump_alarm"]`, "alarm never pump_alarm"},
		{"warnings seen", warm, `warnings_seen = ["oil_in_high"]`, `warnings_seen = ["leak"]`, "warning seen leak"},
		{"trip cause out of a set", hot, `trip_one_of = { causes = ["oil_out_high", "oil_in_high"], by = "1m" }`,
			`trip_one_of = { causes = ["leak", "pressure_low"], by = "1m" }`, "first trip one of leak, pressure_low by 1m0s"},
		{"never in a state within a window", seized, `never = [{ state = "tripped" }, { state = "standby", to = "29m" }]`,
			`never = [{ state = "standby", from = "40m", to = "50m" }]`, "never standby from 40m0s to 50m0s"},
		{"flap counts", intermittent, `flaps = [{ channel = "oil_in_b", min = 1, max = 1 }, { channel = "oil_in_a", max = 0 }]`,
			`flaps = [{ channel = "oil_in_b", max = 0 }]`, "flaps oil_in_b <= 0"},
		{"fault counters", intermittent, `fault_counts = [{ channel = "oil_in_b", min = 150, max = 200 }, { channel = "pressure", max = 0 }]`,
			`fault_counts = [{ channel = "oil_in_b", max = 10 }]`, "fault_count oil_in_b <= 10"},
		{"a module at a time", seized, `module = [{ at = "20m", index = 3, powered = true, level = "100%", isolated = false }, { at = "1h", index = 3, powered = false }]`,
			`module = [{ at = "1h", index = 3, powered = true }]`, "module 3 powered true at 1h0m0s"},
		{"compute power over a window", seized, `compute = [{ from = "0s", to = "29m", min_kw = 3.4 }, { from = "35m", max_kw = 0.001 }]`,
			`compute = [{ from = "35m", min_kw = 1.0 }]`, "compute mean >= 1.00 kW from 35m0s to the end"},
		{"bounds over a window", seized, `window = [{ measure = "flow_water", from = "35m", max = 0.1 }, { measure = "oil_module_in", to = "29m", min = 39.0, max = 50.0 }]`,
			`window = [{ measure = "flow_water", to = "29m", max = 5.0 }]`, "flow_water <= 5.00 L/min from 0s to 29m0s"},
		{"the first crossing of a value", seized, `crossing = [{ measure = "flow_water", below = 1.0, after = "30m", by = "31m" }]`,
			`crossing = [{ measure = "flow_water", below = 1.0, after = "0s", by = "29m" }]`, "flow_water crosses below 1.00 L/min between 0s and 29m0s"},
		{"immersion energy", noon, `immersion_max_kwh = 3.0`, `immersion_max_kwh = 0.05`, "immersion_kwh <= 0.05"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, v := range []struct {
				body string
				pass bool
			}{{c.pass, true}, {c.fail, false}} {
				sc, err := ParseScenario([]byte(`name = "x"`+"\n"+c.head+v.body+"\n"), "test")
				if err != nil {
					t.Fatalf("%s: %v", v.body, err)
				}
				r, err := RunScenario(sc, plant.DefaultParams(), 0, false)
				if err != nil {
					t.Fatal(err)
				}
				var failed []string
				for _, o := range r.Expectations {
					if !o.Pass {
						failed = append(failed, o.Expectation+" ("+o.Detail+")")
					}
				}
				if v.pass && len(failed) > 0 {
					t.Errorf("%s: failed %v", v.body, failed)
				}
				if !v.pass && (len(failed) != 1 || !strings.HasPrefix(failed[0], c.failing+" (")) {
					t.Errorf("%s: failed %v, want exactly %q", v.body, failed, c.failing)
				}
				if !v.pass {
					t.Logf("says no: %v", failed)
				}
			}
		})
	}
}

// A hot-water draw at a time of the scenario's choosing: judged like the
// profile's own (EN 16147), one more draw and its energy delivered.
func TestDrawEvent(t *testing.T) {
	const head = `name = "x"
season = "summer"
duration = "1h"
start_week = "2h"
seed = 3
`
	run := func(src string) *ScenarioResult {
		t.Helper()
		sc, err := ParseScenario([]byte(head+src), "test")
		if err != nil {
			t.Fatal(err)
		}
		r, err := RunScenario(sc, plant.DefaultParams(), 0, false)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	none := run("")
	one := run(`events = [{ at = "20m", draw = "shower" }]`)
	t.Logf("no draw: %d draws, %.3f kWh; a shower: %d draws, %.3f kWh delivered, shortfall %.3f kWh",
		none.DHWDraws, none.EnergyKWh.DHWDelivered, one.DHWDraws, one.EnergyKWh.DHWDelivered, one.DHWShortfallKWh)
	if none.DHWDraws != 0 || one.DHWDraws != 1 {
		t.Errorf("draws judged: %d without the event (02:00-03:00 has none in profile M), %d with it; want 0 and 1", none.DHWDraws, one.DHWDraws)
	}
	if d := one.EnergyKWh.DHWDelivered + one.DHWShortfallKWh; d < 1.399 || d > 1.401 {
		t.Errorf("the shower's delivered plus shortfall %.4f kWh, want its Qtap 1.400", d)
	}
	if _, err := ParseScenario([]byte(head+`events = [{ at = "20m", draw = "bath" }]`), "test"); err == nil {
		t.Error("an unknown draw accepted")
	}
}

// Window and time expectations that cannot be judged are refused.
func TestWindowExpectationsRefused(t *testing.T) {
	const head = "name = \"x\"\nseason = \"winter\"\nduration = \"1h\"\n[expect]\n"
	for _, body := range []string{
		`alarms_seen = ["gremlins"]`,
		`trip_one_of = { causes = ["leak"], by = "2h" }`,
		`trip_one_of = { causes = [], by = "10m" }`,
		`never = [{ state = "asleep" }]`,
		`never = [{ state = "tripped", from = "50m", to = "40m" }]`,
		`never = [{ state = "tripped", from = "-5m" }]`,
		`flaps = [{ channel = "attic", max = 1 }]`,
		`flaps = [{ channel = "oil_in_a" }]`,
		`fault_counts = [{ channel = "oil_in_a", min = 3, max = 1 }]`,
		`module = [{ at = "10m", index = 99, powered = true }]`,
		`module = [{ at = "10m", index = 1 }]`,
		`module = [{ at = "10m", index = 1, level = "110%" }]`,
		`compute = [{ from = "10m" }]`,
		`window = [{ measure = "attic", max = 1.0 }]`,
		`window = [{ measure = "pressure", to = "3h", min = 1.0 }]`,
		`crossing = [{ measure = "pressure", above = 1.0, below = 0.5, by = "10m" }]`,
		`crossing = [{ measure = "pressure", below = 0.5, after = "20m", by = "10m" }]`,
	} {
		if _, err := ParseScenario([]byte(head+body+"\n"), "test"); err == nil {
			t.Errorf("%s: accepted", body)
		}
	}
}
