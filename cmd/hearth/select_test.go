package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func names(t *testing.T, args ...string) []string {
	t.Helper()
	scs, err := selectScenarios(args)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	var out []string
	for _, s := range scs {
		out = append(out, s.Name)
	}
	return out
}

// A scenario is named by its built-in name, its file's (the scenario's own
// name field: every season it comes in), that with .toml, or a glob; each once.
func TestSelectScenarios(t *testing.T) {
	both := []string{"oil-leak-summer", "oil-leak-winter"}
	for _, a := range [][]string{{"oil-leak"}, {"oil-leak.toml"}, {"oil-leak", "oil-leak-winter"}, {"oil-l*"}} {
		if got := names(t, a...); !reflect.DeepEqual(got, both) {
			t.Errorf("%v: %v, want %v", a, got, both)
		}
	}
	if got := names(t, "oil-leak-winter"); !reflect.DeepEqual(got, []string{"oil-leak-winter"}) {
		t.Errorf("oil-leak-winter: %v", got)
	}
	if got := names(t, "winter-day"); !reflect.DeepEqual(got, []string{"winter-day"}) {
		t.Errorf("winter-day: %v", got)
	}
	got := names(t, "pressure-*", "water-pressure-loss")
	if len(got) < 6 || strings.Count(strings.Join(got, " "), "water-pressure-loss-winter") != 1 {
		t.Errorf("pressure-* water-pressure-loss: %v", got)
	}
	for arg, want := range map[string]string{"oil-lek": "did you mean oil-leak?", "wintr-day": "did you mean winter-day?",
		"oil-*x": "matches", "[": "pattern", "zzzzzzzzzzzz": "no built-in scenario"} {
		_, err := selectScenarios([]string{arg})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error with %q", arg, err, want)
		}
	}
}

// hil run oil-leak --json: the family by its own name, the flag after it.
func TestHILRunFamilyFlagAfterName(t *testing.T) {
	code, out, errs := run(t, "hil", "run", "oil-leak", "--json", "--workers", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var r struct {
		Scenarios []struct {
			Name string `json:"name"`
			Pass bool   `json:"pass"`
		} `json:"scenarios"`
		Passed int `json:"passed"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if len(r.Scenarios) != 2 || r.Passed != 2 || r.Scenarios[0].Name != "oil-leak-summer" || r.Scenarios[1].Name != "oil-leak-winter" {
		t.Errorf("%+v", r)
	}
	if errs != "" {
		t.Errorf("--json without --progress wrote to stderr: %q", errs)
	}
	if code, _, errs := run(t, "hil", "run", "oil-lek"); code != 2 || !strings.Contains(errs, "did you mean oil-leak?") {
		t.Errorf("oil-lek: exit %d, %q", code, errs)
	}
}

func TestDidYouMean(t *testing.T) {
	if s := didYouMean("lsit", []string{"list", "run", "perf"}); s != "; did you mean list?" {
		t.Errorf("%q", s)
	}
	if s := didYouMean("xyzzy", []string{"list", "run", "perf"}); s != "" {
		t.Errorf("%q, want no suggestion", s)
	}
}
