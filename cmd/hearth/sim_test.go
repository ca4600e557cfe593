package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func simJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	var out, errb bytes.Buffer
	if code := dispatch(append([]string{"sim", "--json"}, args...), &out, &errb); code != 0 {
		t.Fatalf("hearth sim exited %d: %s", code, errb.String())
	}
	var m map[string]any
	dec := json.NewDecoder(&out)
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out.String())
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON object")
	}
	return m
}

// Two runs with the same seed print the same JSON except wall_seconds.
func TestSimSameSeedSameJSON(t *testing.T) {
	a := simJSON(t, "--duration", "3h", "--season", "winter", "--seed", "42")
	b := simJSON(t, "--duration", "3h", "--season", "winter", "--seed", "42")
	for _, k := range []string{"sim_seconds", "wall_seconds", "ticks", "safety_state", "max_temp_c", "trips",
		"energy_kwh", "erf", "compute_availability"} {
		if _, ok := a[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	for _, k := range []string{"oil_module_in", "oil_module_out", "water_flow", "tank"} {
		if _, ok := a["max_temp_c"].(map[string]any)[k]; !ok {
			t.Errorf("max_temp_c lacks %q", k)
		}
	}
	for _, k := range []string{"compute", "parasitic", "to_tank", "to_heating", "dumped", "losses", "stored_change"} {
		if _, ok := a["energy_kwh"].(map[string]any)[k]; !ok {
			t.Errorf("energy_kwh lacks %q", k)
		}
	}
	if a["sim_seconds"].(float64) != 3*3600 || a["ticks"].(float64) != 3*36000 {
		t.Errorf("sim_seconds %v ticks %v, want 10800 and 108000", a["sim_seconds"], a["ticks"])
	}
	delete(a, "wall_seconds")
	delete(b, "wall_seconds")
	if !reflect.DeepEqual(a, b) {
		t.Errorf("same seed, different JSON:\n%v\n%v", a, b)
	}
}

func TestSimRejectsBadFlags(t *testing.T) {
	var out, errb bytes.Buffer
	for _, args := range [][]string{{"sim", "--season", "autumn"}, {"sim", "--duration", "-1h"}, {"sim", "extra"}} {
		out.Reset()
		errb.Reset()
		if code := dispatch(args, &out, &errb); code != 2 || errb.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a reason", args, code, errb.String())
		}
	}
}

// The bench can say no: an impossible scenario exits 1 and names the
// expectation that broke.
func TestHILRunImpossibleExitsOne(t *testing.T) {
	var out, errb bytes.Buffer
	code := dispatch([]string{"hil", "run", "../../hil/testdata/impossible.toml"}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "expectation failed: no_trip") || !strings.Contains(out.String(), "FAIL impossible-no-trip") {
		t.Errorf("output does not say which expectation broke:\n%s", out.String())
	}
	out.Reset()
	if code := dispatch([]string{"hil", "run", "--json", "../../hil/testdata/impossible.toml"}, &out, &errb); code != 1 {
		t.Fatalf("--json: exit %d, want 1", code)
	}
	var r struct {
		Scenarios []struct {
			Name         string `json:"name"`
			Pass         bool   `json:"pass"`
			Faults       []string
			Expectations []struct {
				Expectation string `json:"expectation"`
				Pass        bool   `json:"pass"`
			} `json:"expectations"`
		} `json:"scenarios"`
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Scenarios) != 1 || r.Scenarios[0].Pass || r.Scenarios[0].Expectations[0].Pass ||
		r.Scenarios[0].Expectations[0].Expectation != "no_trip" || !reflect.DeepEqual(r.Scenarios[0].Faults, []string{"oil_leak"}) {
		t.Errorf("JSON verdict: %+v", r)
	}
}

// hil faults --json is the catalogue; hil list --json names every built-in.
func TestHILListAndFaults(t *testing.T) {
	var out, errb bytes.Buffer
	if code := dispatch([]string{"hil", "faults", "--json"}, &out, &errb); code != 0 {
		t.Fatalf("faults: exit %d: %s", code, errb.String())
	}
	var faults []struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(out.Bytes(), &faults); err != nil || len(faults) < 20 {
		t.Fatalf("faults JSON: %v, %d kinds", err, len(faults))
	}
	out.Reset()
	if code := dispatch([]string{"hil", "list", "--json"}, &out, &errb); code != 0 {
		t.Fatalf("list: exit %d", code)
	}
	var list []struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(out.Bytes(), &list); err != nil || len(list) < 25 {
		t.Fatalf("list JSON: %v, %d scenarios", err, len(list))
	}
}

// --trace on sim and hil run: a file with a header and a row per
// --trace-every, JSON lines by the extension; with several scenarios one
// file each, named after them.
func TestTraceFlag(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	p := filepath.Join(dir, "sim.csv")
	if code := runSim([]string{"--duration", "30m", "--trace", p, "--trace-every", "1m"}, &out, &errb); code != 0 {
		t.Fatalf("sim: exit %d: %s", code, errb.String())
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 32 || !strings.HasPrefix(lines[0], "t_s,week_h,oil_in_c,") {
		t.Errorf("sim trace: %d lines, header %.40q; want 32 (the header, t = 0 and a row a minute)", len(lines), lines[0])
	}
	out.Reset()
	errb.Reset()
	p = filepath.Join(dir, "run.jsonl")
	if code := hilRun([]string{"oil-leak", "--trace", p, "--trace-every", "10m"}, &out, &errb); code != 0 {
		t.Fatalf("hil run: exit %d: %s", code, errb.String())
	}
	for _, name := range []string{"run-oil-leak-summer.jsonl", "run-oil-leak-winter.jsonl"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(string(b), "\n")
		var row map[string]any
		if err := json.Unmarshal([]byte(first), &row); err != nil || row["state"] == nil {
			t.Errorf("%s: first line %.60q: %v", name, first, err)
		}
	}
}
