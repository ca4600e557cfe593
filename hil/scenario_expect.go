package hil

import (
	"fmt"

	"hearth/safety"
	"hearth/units"
)

// SensorNames are the true temperatures expect.temp can bound.
var SensorNames = []string{"oil_module_in", "oil_module_out", "water_flow", "tank", "indoor", "tank_bottom"}

// StateNames lists the safety states' names.
func StateNames() []string {
	n := make([]string, 0, safety.NumStates)
	for st := safety.State(0); st < safety.NumStates; st++ {
		n = append(n, st.String())
	}
	return n
}

// WitnessNames lists the witnesses' names.
func WitnessNames() []string {
	n := make([]string, 0, safety.NumWitnesses)
	for w := safety.Witness(1); w < safety.NumWitnesses; w++ {
		n = append(n, w.String())
	}
	return n
}

// within refuses a time outside the run's [0, end].
func within(ps *problems, key string, t, end units.Duration) {
	if t < 0 || t > end {
		ps.add(key, "%s outside the run's 0 to %s", dur(t), dur(end))
	}
}

// checkExpect checks the whole-run expectations: names that exist, times
// within the run, shares within 0..1.
func (s *Scenario) checkExpect(ps *problems) {
	x, end := &s.Expect, s.Duration
	for i, t := range x.Temps {
		key := fmt.Sprintf("expect.temp[%d]", i)
		if _, ok := tempOf(&Temps{}, t.Sensor); !ok {
			ps.add(key+".sensor", "%s", unknownName("sensor", t.Sensor, SensorNames))
		}
		if t.MaxC == nil && t.MinC == nil && t.ReachC == nil {
			ps.add(key, "want max_c, min_c and/or reach_c")
		}
	}
	for i, te := range x.Trips {
		key := fmt.Sprintf("expect.trip[%d]", i)
		if _, ok := causeByName(te.Cause); !ok {
			ps.add(key+".cause", "%s", unknownName("cause", te.Cause, CauseNames()))
		}
		if te.Witness != "" && !witnessNamed(te.Witness) {
			ps.add(key+".witness", "%s", unknownName("witness", te.Witness, WitnessNames()))
		}
		within(ps, key+".by", te.By, end)
	}
	for i, st := range x.States {
		key := fmt.Sprintf("expect.state[%d]", i)
		if _, ok := stateByName(st.State); !ok {
			ps.add(key+".state", "%s", unknownName("state", st.State, StateNames()))
		}
		within(ps, key+".at", st.At, end)
	}
	for i, o := range x.Outputs {
		within(ps, fmt.Sprintf("expect.outputs[%d].at", i), o.At, end)
	}
	if x.ModulesOffBy != nil {
		within(ps, "expect.modules_off_by", *x.ModulesOffBy, end)
	}
	for _, c := range []struct {
		key string
		v   *float64
	}{{"expect.erf_min", x.ERFMin}, {"expect.erf_of_bound_min", x.ERFOfBoundMin},
		{"expect.compute_availability_min", x.ComputeAvailabilityMin}, {"expect.tank_at_target_min", x.TankAtTargetMin}} {
		if c.v != nil {
			bound(ps, c.key, *c.v, 0, 1, "(a share)")
		}
	}
	for _, c := range []struct {
		key string
		v   *float64
	}{{"expect.dhw_shortfall_max_kwh", x.DHWShortfallMaxKWh}, {"expect.backup_max_kwh", x.BackupMaxKWh},
		{"expect.immersion_max_kwh", x.ImmersionMaxKWh}} {
		if c.v != nil {
			bound(ps, c.key, *c.v, 0, 1e6, "kWh")
		}
	}
	x.ExpectWindows.check(ps, end)
}
