package hil

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"hearth/hil/plant"
)

// hearth hil campaign --hours 200 --seed 3 --json lists every run, and each
// tripped run replays from its id to the same trips: the same causes at the
// same times (issue 16).
func TestCampaignRunsReplay(t *testing.T) {
	base := plant.DefaultParams()
	var calls, lastDone, lastTotal, lastTrips int
	cr, err := CampaignOpts(200, 3, base, CampaignOptions{Workers: 2, Progress: func(done, total int, _ float64, trips int) {
		calls++
		lastDone, lastTotal, lastTrips = done, total, trips
	}})
	if err != nil {
		t.Fatal(err)
	}
	if cr.Runs != 34 || len(cr.RunList) != cr.Runs {
		t.Fatalf("%d runs, %d listed; want 34 (200 plant-hours in runs of %d h), every one listed", cr.Runs, len(cr.RunList), CampaignRunHours)
	}
	if calls != cr.Runs || lastDone != cr.Runs || lastTotal != cr.Runs || lastTrips != cr.Trips {
		t.Errorf("progress: %d calls, last %d/%d with %d trips; want %d calls, %d/%d, %d trips",
			calls, lastDone, lastTotal, lastTrips, cr.Runs, cr.Runs, cr.Runs, cr.Trips)
	}
	trips, tripped := 0, 0
	for i, run := range cr.RunList {
		seed, err := strconv.ParseUint(strings.TrimPrefix(run.Replay, "hearth hil run --random "), 10, 64)
		if err != nil || seed != runSeed(3, i) || run.Seed != seed || run.Run != "random-"+strconv.FormatUint(seed, 10) {
			t.Fatalf("run %d: replay %q, seed %d, name %s (%v)", i, run.Replay, run.Seed, run.Run, err)
		}
		sc := RandomScenario(seed)
		if run.Season != sc.Season || len(run.Faults) == 0 {
			t.Errorf("%s: season %q (drawn %q), %d faults", run.Run, run.Season, sc.Season, len(run.Faults))
		}
		trips += len(run.Trips)
		if len(run.Trips) == 0 {
			continue
		}
		tripped++
		again, err := RunScenario(sc, base, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again.Trips, run.Trips) {
			t.Errorf("%s replayed by %q: trips %+v, the campaign listed %+v", run.Run, run.Replay, again.Trips, run.Trips)
		}
		if !reflect.DeepEqual(append([]Violation{}, again.Violations...), run.Violations) {
			t.Errorf("%s replayed: violations %+v, the campaign listed %+v", run.Run, again.Violations, run.Violations)
		}
	}
	if tripped == 0 || trips != cr.Trips {
		t.Errorf("%d runs tripped, %d trips listed, the campaign counts %d: nothing replayed or the list is short", tripped, trips, cr.Trips)
	}
	t.Logf("%d runs, %d tripped (%d trips), each replayed to the same trips", cr.Runs, tripped, trips)
}

// The fault list says when each fault came, and its JSON keeps a NaN
// argument (a lying agent's) as the string "NaN".
func TestCampaignFaultsJSON(t *testing.T) {
	for r := uint64(0); r < 200; r++ {
		sc := RandomScenario(r)
		fs := campaignFaults(sc)
		k := 0
		for _, e := range sc.Events {
			if e.Fault == "" {
				continue
			}
			found := false
			for _, f := range fs {
				found = found || (f.Fault == e.Fault && f.Target == e.Target && f.AtS == time.Duration(e.At).Seconds())
			}
			if !found {
				t.Fatalf("random %d: fault %+v drawn, not listed in %+v", r, e, fs)
			}
			k++
		}
		if k != len(fs) {
			t.Fatalf("random %d: %d faults listed, %d drawn", r, len(fs), k)
		}
		for i := 1; i < len(fs); i++ {
			if fs[i].AtS < fs[i-1].AtS {
				t.Fatalf("random %d: faults out of time order: %+v", r, fs)
			}
		}
	}
	b, err := json.Marshal([]CampaignFault{{Fault: "module_false_power", Arg: textOf(math.NaN())}, {Fault: "x", Arg: textOf(0.25)}})
	if err != nil || !strings.Contains(string(b), `"arg":"NaN"`) || !strings.Contains(string(b), `"arg":0.25`) {
		t.Errorf("%s (%v)", b, err)
	}
	if _, err := Campaign(math.NaN(), 1, 1, plant.DefaultParams()); err == nil {
		t.Error("a campaign of NaN hours runs")
	}
	if _, err := Campaign(-1, 1, 1, plant.DefaultParams()); err == nil {
		t.Error("a campaign of -1 hours runs")
	}
}
