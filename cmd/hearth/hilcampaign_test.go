package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// campaign --json lists every run (run_list) beside the contract's fields,
// and --report writes a page for each tripped run.
func TestCampaignRunListAndReport(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := run(t, "hil", "campaign", "--hours", "24", "--seed", "3", "--json", "--workers", "2", "--report", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("stdout is not JSON: %v", err)
	}
	for _, k := range []string{"seed", "sim_hours", "wall_seconds", "runs", "violations", "trips", "faults_seen", "run_list"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	var cr struct {
		Runs    int                          `json:"runs"`
		Trips   int                          `json:"trips"`
		RunList []map[string]json.RawMessage `json:"run_list"`
	}
	if err := json.Unmarshal([]byte(out), &cr); err != nil {
		t.Fatal(err)
	}
	if cr.Runs != 4 || len(cr.RunList) != 4 {
		t.Fatalf("runs %d, run_list %d: want 4 and 4", cr.Runs, len(cr.RunList))
	}
	tripped := 0
	for _, r := range cr.RunList {
		for _, k := range []string{"run", "replay", "season", "faults", "trips", "violations"} {
			if _, ok := r[k]; !ok {
				t.Errorf("run lacks %q: %v", k, r)
			}
		}
		var replay, name string
		json.Unmarshal(r["replay"], &replay)
		json.Unmarshal(r["run"], &name)
		if !strings.HasPrefix(replay, "hearth hil run --random ") {
			t.Errorf("replay %q", replay)
		}
		if string(r["trips"]) != "[]" {
			tripped++
			if _, err := os.Stat(filepath.Join(dir, name+".svg")); err != nil {
				t.Errorf("tripped run %s has no plot in the report: %v", name, err)
			}
		}
	}
	if tripped == 0 || cr.Trips == 0 {
		t.Errorf("no run tripped: the report is not exercised")
	}
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
		t.Error(err)
	}
	if strings.Contains(errs, "campaign:") {
		t.Errorf("--json without --progress printed progress: %q", errs)
	}
}
