package safety

import (
	"math"
	"testing"

	"hearth/hal"
	"hearth/units"
)

// Tests of issue 11: every channel judged, two witnesses per trip cause,
// edge-triggered reset, combined safe states, boot grace, staggered start,
// flapping channels, the oil-in vote, assertions after arbitration.

// tripOn steps until the layer trips and checks the cause, the witness and
// the tick (counted from 0, the first step).
func tripOn(t *testing.T, r *rig, cause Cause, w Witness, want, slack int) {
	t.Helper()
	k := r.until(r.inState(StateTripped), 2*want+20)
	if k < want-slack || k > want+slack {
		t.Fatalf("tripped after %d ticks, want %d (+/- %d); %s cause %s witness %s", k, want, slack, r.st().State, r.st().Cause, r.st().Witness)
	}
	if st := r.st(); st.Cause != cause || st.Witness != w || !st.Latched || st.TripCauses&cause.Bit() == 0 {
		t.Fatalf("cause %s witness %s latched %v causes %b, want %s on %s", st.Cause, st.Witness, st.Latched, st.TripCauses, cause, w)
	}
}

// A reset request held high does not reset a trip by itself once the cause
// clears: reset is an act (edge-triggered, EN 14597). Released and pressed
// again, it resets.
func TestResetIsEdgeTriggered(t *testing.T) {
	r := running(t)
	r.leak = true
	tripOn(t, r, CauseLeak, WitnessLeakInput, ticks(r.cfg.DebounceS), 0)
	r.hook = func(r *rig, in *hal.Inputs) { in.ResetRequest = true } // held down
	r.steps(ticks(5))
	r.leak = false
	for range ticks(120) {
		r.step()
		if s := r.st().State; s != StateTripped {
			t.Fatalf("a reset held high reset the trip by itself once the leak cleared: %s", s)
		}
	}
	r.hook = nil
	r.step() // released
	r.reset = true
	r.step()
	if s := r.st().State; s != StateSelfTest {
		t.Fatalf("a new reset with the cause cleared: %s, want self_test", s)
	}
}

// The safe states of every trip cause in force combine. Low pressure trips
// first (water pump stopped, oil pump on); then the oil leaks: the oil pump
// stops as well, the first cause stays the cause. And a leak first, then
// over-temperature: the oil pump stays stopped.
func TestCombinedSafeStates(t *testing.T) {
	t.Run("pressure_low_then_leak", func(t *testing.T) {
		r := running(t)
		r.rampPressure(r.cfg.PressureTripLowBar)
		r.steps(ticks(r.cfg.DebounceS) + 1)
		pressureLowSafe(t, r)
		r.leak = true
		r.steps(ticks(r.cfg.DebounceS) + 1)
		st, o := r.st(), &r.out
		if st.Cause != CausePressureLow || st.TripCauses != CausePressureLow.Bit()|CauseLeak.Bit() {
			t.Errorf("cause %s causes %b, want pressure_low first, with leak", st.Cause, st.TripCauses)
		}
		if o.Pump[hal.PumpOil] != 0 || o.Pump[hal.PumpWater] != 0 || o.Valve[hal.ValveDump] != 1 || o.Fan != 1 || !o.Alarm {
			t.Errorf("outputs %+v, want both pumps stopped, dump 1, fan 1, alarm", *o)
		}
		modulesAt(hal.LevelCut)(t, r)
	})
	t.Run("leak_then_oil_in_high", func(t *testing.T) {
		r := running(t)
		r.leak = true
		r.steps(ticks(r.cfg.DebounceS) + 1)
		r.ramp(hal.TempOilInA, r.cfg.OilIn.TripC)
		r.ramp(hal.TempOilInB, r.cfg.OilIn.TripC)
		if st := r.st(); st.Cause != CauseLeak || st.TripCauses&CauseOilInHigh.Bit() == 0 {
			t.Errorf("cause %s causes %b, want leak first, with oil_in_high", st.Cause, st.TripCauses)
		}
		leakSafe(t, r)
		if o := &r.out; o.Pump[hal.PumpWater] != 1 || o.Valve[hal.ValveDump] != 1 || o.Fan != 1 {
			t.Errorf("outputs %+v, want the water side cooling at its maximum", *o)
		}
	})
}

// After boot the modules come on one level of one module per start_step_s,
// the first module first: 40 steps for 8 modules, and no tick raises the
// modules' draw by more than one module's. After a trip and a reset, the
// same again.
func TestStaggeredStart(t *testing.T) {
	check := func(t *testing.T, r *rig) {
		t.Helper()
		steps := rigMods * shedPerModule
		per := ticks(r.cfg.StartStepS)
		prevW, maxRise := r.draw(), units.Watt(0)
		for k := range (steps-1)*per + 1 {
			r.step()
			maxRise = max(maxRise, r.draw()-prevW)
			prevW = r.draw()
			if k%per != 0 {
				continue
			}
			n := k/per + 1 // steps given so far
			for i := range rigMods {
				want := hal.Level(min(max(n-i*shedPerModule, 0), shedPerModule)) + hal.LevelOff
				if r.out.Module[i] != want {
					t.Fatalf("step %d: module %d at %s, want %s", n, i, r.out.Module[i], want)
				}
			}
		}
		if maxRise > fullW {
			t.Errorf("the modules' draw rose by %v in one tick, more than one module (%v)", maxRise, fullW)
		}
		for i := range rigMods {
			if r.out.Module[i] != hal.Level100 {
				t.Errorf("module %d at %s after the last step, want 100%%", i, r.out.Module[i])
			}
		}
	}
	r := newRig(t)
	r.boot()
	check(t, r)
	r.leak = true
	r.steps(ticks(r.cfg.DebounceS) + 1)
	r.leak = false
	r.step()
	r.reset = true
	if k := r.until(r.inState(StateRunning), ticks(r.cfg.SelfTestS+5)); k < 0 {
		t.Fatalf("not running after the reset: %s", r.st().State)
	}
	check(t, r)
}

// Modules whose leases ran out while the controller was away idle and say
// so; when the controller is back their commands climb from idle, one level
// of one module per start_step_s, not back to 100 % at once.
func TestStaggerFromWhereModulesRun(t *testing.T) {
	r := running(t)
	for i := range r.mod {
		r.mod[i].lapsed = true
	}
	r.steps(3)
	for i := range r.mod {
		r.mod[i].lapsed = false
	}
	if step, maxRise := fullW/4, r.maxRise(ticks(float64(rigMods*shedPerModule)*r.cfg.StartStepS)); maxRise > step+1 {
		t.Errorf("the modules' draw rose by %v in one tick, want at most one level of one module (%v)", maxRise, step)
	}
	for i := range rigMods {
		if r.out.Module[i] != hal.Level100 {
			t.Errorf("module %d at %s after 40 steps, want 100%%", i, r.out.Module[i])
		}
	}
}

// maxRise steps n ticks and returns the largest rise of the modules' draw
// from one tick to the next.
func (r *rig) maxRise(n int) (rise units.Watt) {
	prev := r.draw()
	for range n {
		r.step()
		rise, prev = max(rise, r.draw()-prev), r.draw()
	}
	return rise
}

// draw is the modules' total power.
func (r *rig) draw() (w units.Watt) {
	for i := range r.mod {
		w += r.mod[i].power()
	}
	return w
}

// An agent may stay silent for boot_grace_s after its relay closes (its
// board boots), and no longer: one that never answers is cut then; one that
// answers at 30 s runs; once it has answered, silent_s applies again.
func TestBootGrace(t *testing.T) {
	r := newRig(t)
	r.mod[2].silent = true // never answers
	r.mod[5].silent = true // answers 30 s after its relay closed
	cutAt := -1
	for k := range ticks(2 * r.cfg.BootGraceS) {
		if k == ticks(30) {
			r.mod[5].silent = false
		}
		r.step()
		if r.st().Isolated&(1<<2) != 0 && cutAt < 0 {
			cutAt = k
		}
	}
	// The layer commands off from its first tick; the rig closes the relay
	// on the next one; the cut comes on the first tick past the grace.
	if want := 1 + ticks(r.cfg.BootGraceS) + 1; cutAt != want {
		t.Errorf("the silent module cut at tick %d, want %d (boot_grace_s after its relay closed)", cutAt, want)
	}
	if st := r.st(); st.Isolated != 1<<2 {
		t.Errorf("isolated %b, want module 2 alone", st.Isolated)
	}
	r.mod[5].silent = true
	if k := r.until(func() bool { return r.st().Isolated&(1<<5) != 0 }, 3*ticks(r.cfg.SilentS)); k != ticks(r.cfg.SilentS) {
		t.Errorf("module 5, silent after it answered, cut after %d ticks, want %d (silent_s)", k, ticks(r.cfg.SilentS))
	}
}

// A probe that opens for 2 s every 10 s faults at every opening: the third
// within flap_window_s latches it degraded with its count; the latch holds
// after the faults stop, until an engineer's reset.
func TestFlappingChannelLatches(t *testing.T) {
	r := running(t)
	a := hal.TempChannel(hal.TempOilInA)
	for n := 1; n <= 4; n++ {
		r.status[hal.TempOilInA] = hal.StatusOpen
		r.steps(ticks(2))
		r.status[hal.TempOilInA] = hal.StatusOK
		r.steps(ticks(8))
		st := r.st()
		if got := int(st.FaultCount[a]); got != n {
			t.Fatalf("opening %d: %d faults counted", n, got)
		}
		latched := st.Flapping&a.Bit() != 0
		if latched != (n >= int(r.cfg.FlapCount)) {
			t.Fatalf("opening %d: flapping %v, want %v", n, latched, n >= int(r.cfg.FlapCount))
		}
		if latched && (st.State != StateDegraded || st.Alarms&CauseFlapping.Bit() == 0 || !r.out.Alarm) {
			t.Fatalf("flapping: %s alarms %b, want degraded with the flapping alarm", st.State, st.Alarms)
		}
	}
	r.steps(ticks(20 * 60))
	if st := r.st(); st.State != StateDegraded || st.Flapping == 0 {
		t.Fatalf("20 min after the last fault: %s flapping %b, want the latch held", st.State, st.Flapping)
	}
	r.reset = true
	r.steps(2)
	if st := r.st(); st.State != StateRunning || st.Flapping != 0 || st.FaultCount[a] != 4 {
		t.Errorf("after a reset: %s flapping %b count %d, want running, cleared, the count kept", st.State, st.Flapping, st.FaultCount[a])
	}
}

// An oil-in probe that reads 5 K high while its twin stays right: the pair
// disagrees, and the oil out less the rise the modules' heat and the proven
// flow imply says which one lies; after vote_s of that evidence the liar is
// excluded from the limits and from control (Untrusted), the layer runs
// degraded, and it trips on neither it nor the runaway check though it reads
// past the trip limit. With no estimate (oil out lost) the hotter governs.
func TestOilInVote(t *testing.T) {
	t.Run("liar_voted_out", func(t *testing.T) {
		r := running(t)
		a := hal.TempOilInA
		apartAt, outAt := -1, -1
		r.pin[a] = pin{on: true, v: healthyC, exact: true}
		for k := 0; outAt < 0 && k < ticks(10*r.cfg.VoteS); k++ {
			r.pin[a].v = min(r.pin[a].v+0.1, healthyC+units.Celsius(r.cfg.DisagreeK)+1) // through the band in a tick
			r.step()
			if d := r.in.Temp[a].Value - r.in.Temp[hal.TempOilInB].Value; apartAt < 0 && d > units.Celsius(r.cfg.DisagreeK) {
				apartAt = k
			}
			if r.st().OilInExcluded == a {
				outAt = k
			}
		}
		if apartAt < 0 || outAt-apartAt != ticks(r.cfg.VoteS) {
			t.Fatalf("parted at tick %d, voted out at %d: want vote_s (%d ticks) apart", apartAt, outAt, ticks(r.cfg.VoteS))
		}
		st := r.st()
		if st.Untrusted&hal.TempChannel(a).Bit() == 0 || st.State != StateDegraded || st.Alarms&CauseOilInDisagree.Bit() == 0 {
			t.Errorf("untrusted %b %s alarms %b, want a untrusted, degraded with oil_in_disagree", st.Untrusted, st.State, st.Alarms)
		}
		r.ramp(a, r.cfg.OilIn.TripC+5)
		r.steps(ticks(600))
		if st := r.st(); st.State != StateDegraded || st.Warnings != 0 {
			t.Fatalf("the liar at %v: %s warnings %b cause %s, want degraded and no warning", r.cfg.OilIn.TripC+5, st.State, st.Warnings, st.Cause)
		}
		if v := r.l.oil.value; v > healthyC+flickerK || v < healthyC {
			t.Errorf("oil in governed at %v, want probe b's %v", v, healthyC)
		}
		r.ramp(hal.TempOilInB, r.cfg.OilIn.TripC) // the twin still trips
		if st := r.st(); st.State != StateTripped || st.Cause != CauseOilInHigh {
			t.Errorf("probe b at its trip limit: %s cause %s", st.State, st.Cause)
		}
	})
	t.Run("no_evidence_hotter_governs", func(t *testing.T) {
		r := running(t)
		r.status[hal.TempOilOut] = hal.StatusOpen
		r.ramp(hal.TempOilInA, healthyC+5)
		r.steps(3 * ticks(r.cfg.VoteS))
		if st := r.st(); st.OilInExcluded != hal.NumTemps || r.l.oil.value != healthyC+5 {
			t.Errorf("excluded %s, governing %v: want none excluded and the hotter %v", st.OilInExcluded, r.l.oil.value, healthyC+5)
		}
	})
}

// A closed relay counts as powered whatever the agent reports: no power,
// not a number, a negative figure, nothing for a while. So such a module
// still needs oil flow. Only a believed feed meter reading no power, with
// the agent not saying it runs, unpowers it; a meter reading nothing
// against an agent that says it runs counts as powered, and the two
// disagreeing is an alarm.
func TestClosedRelayCountsAsPowered(t *testing.T) {
	noFlow := func(in *hal.Inputs) { in.Flow[hal.FlowOil].Value = 0 }
	for _, c := range []struct {
		name string
		bend func(r *rig, ms *hal.ModuleStatus)
	}{
		{"reports_0_W", func(r *rig, ms *hal.ModuleStatus) { ms.Power = 0 }},
		{"reports_NaN", func(r *rig, ms *hal.ModuleStatus) { ms.Power = units.Watt(math.NaN()) }},
		{"reports_-1_W", func(r *rig, ms *hal.ModuleStatus) { ms.Power = -1 }},
		{"silent", func(r *rig, ms *hal.ModuleStatus) { ms.At, ms.Status = r.mark, hal.StatusMissing }},
		{"feed_reads_0_agent_runs", func(r *rig, ms *hal.ModuleStatus) { ms.Feed.Value = 0 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := running(t)
			r.mark = r.now
			r.hook = func(r *rig, in *hal.Inputs) {
				for i := range rigMods {
					ms := &in.Module[i]
					ms.Feed.Status = hal.StatusMissing // no meter: the relay decides
					if c.name == "feed_reads_0_agent_runs" {
						ms.Feed.Status = hal.StatusOK
					}
					c.bend(r, ms)
				}
				noFlow(in)
			}
			tripOn(t, r, CauseNoOilFlow, WitnessFlowMeter, ticks(r.cfg.FlowProofS), 0)
		})
	}
	t.Run("feed_disagrees_is_an_alarm", func(t *testing.T) {
		r := running(t)
		r.hook = func(r *rig, in *hal.Inputs) { in.Module[3].Feed.Value = 0 }
		r.step()
		if st := r.st(); st.Alarms&CauseWitness.Bit() == 0 || st.State != StateDegraded {
			t.Errorf("%s alarms %b, want degraded with the witness alarm", st.State, st.Alarms)
		}
	})
}

// The oil flow meter as a witness: the flow it must show carries its
// stated accuracy; a reading more than its pump can give, one frozen to
// the bit, or one that does not move when its pump's speed does, is not
// believed, and flow is then unproven.
func TestOilFlowMeterJudged(t *testing.T) {
	cfg := DefaultConfig()
	need := cfg.MinOilFlowLPM * units.LitrePerMin(1+cfg.FlowMeterAccuracy)
	proof := ticks(cfg.FlowProofS)
	respond := ticks(cfg.PumpRespondS)
	for _, c := range []struct {
		name   string
		bend   func(r *rig, in *hal.Inputs)
		tripAt int // -1: never
		slack  int
	}{
		{"below_the_margin", func(r *rig, in *hal.Inputs) { in.Flow[hal.FlowOil].Value = need - 0.05 }, proof, 0},
		{"above_the_margin", func(r *rig, in *hal.Inputs) { in.Flow[hal.FlowOil].Value = need + 0.05 + units.LitrePerMin(r.n%2)*0.1 }, -1, 0},
		{"more_than_its_pump", func(r *rig, in *hal.Inputs) { in.Flow[hal.FlowOil].Value *= 1.5 }, respond + proof, 1},
		// Frozen with nothing moving: a steady flow may count the same
		// pulses for minutes; nothing says it is wrong.
		{"frozen_and_nothing_moves", func(r *rig, in *hal.Inputs) { in.Flow[hal.FlowOil].Value = 20 }, -1, 0},
		{"deaf_to_its_pump", func(r *rig, in *hal.Inputs) {
			in.Flow[hal.FlowOil].Value = 20 // frozen ...
			r.wish.Pump[hal.PumpOil] = 0.9  // ... and its pump speeds up
		}, 1 + respond + proof, 1},
		// Frozen while the pump wears to half: the oil's rise across the
		// modules doubles, rise0 (1 - e^(-t/T)) more with the rig's modules'
		// T = 60 s at the worn flow, past a kelvin after 10.4 s; the meter
		// is stuck pump_respond_s later, and flow unproven flow_proof_s
		// after that (one DS18B20 step of slack in the rise).
		{"deaf_to_the_oil", func(r *rig, in *hal.Inputs) {
			in.Flow[hal.FlowOil].Value = 20
			r.oilFlowTrue = 0.5
		}, ticks(-60*math.Log(1-1/6.27)) + respond + proof, ticks(1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := running(t)
			r.hook = c.bend
			if c.tripAt < 0 {
				if k := r.until(r.inState(StateTripped), 10*proof); k >= 0 {
					t.Fatalf("tripped after %d ticks: %s on %s", k, r.st().Cause, r.st().Witness)
				}
				return
			}
			tripOn(t, r, CauseNoOilFlow, WitnessFlowMeter, c.tripAt, c.slack)
			overTempSafe(t, r)
		})
	}
}

// The oil pump's feedback as a witness of lost flow, whatever the meter
// shows: a blocked rotor or standby while it is told to run trips within
// debounce_s; a pump drawing no power while told to run trips within
// pump_respond_s. A feedback line whose power does not follow its pump's
// speed is not believed.
func TestOilPumpFeedbackWitness(t *testing.T) {
	cfg := DefaultConfig()
	for _, c := range []struct {
		name   string
		bend   func(r *rig, in *hal.Inputs)
		tripAt int
	}{
		{"blocked", func(r *rig, in *hal.Inputs) { in.Pump[hal.PumpOil].Alarm = hal.PumpBlocked }, ticks(cfg.DebounceS)},
		{"standby", func(r *rig, in *hal.Inputs) { in.Pump[hal.PumpOil].Alarm = hal.PumpStandby }, ticks(cfg.DebounceS)},
		{"no_power", func(r *rig, in *hal.Inputs) { in.Pump[hal.PumpOil].Power = 0.001 }, ticks(cfg.PumpRespondS)},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := running(t)
			r.hook = c.bend
			tripOn(t, r, CauseNoOilFlow, WitnessPumpFeedback, c.tripAt, 0)
		})
	}
	t.Run("stuck_line", func(t *testing.T) {
		r := running(t)
		r.mark = r.now
		fb := r.in.Pump[hal.PumpOil].Power
		r.hook = func(r *rig, in *hal.Inputs) { in.Pump[hal.PumpOil].Power = fb }
		r.wish.Pump[hal.PumpOil] = 0.9
		bit := hal.PumpChannel(hal.PumpOil).Bit()
		// The command follows the wish on the next tick.
		if k := r.until(func() bool { return r.st().Untrusted&bit != 0 }, 3*ticks(cfg.PumpRespondS)); k != 1+ticks(cfg.PumpRespondS) {
			t.Errorf("a feedback line deaf to its pump disbelieved after %d ticks, want %d", k, 1+ticks(cfg.PumpRespondS))
		}
	})
}

// Low pressure has two witnesses: the transducer, and the water pump
// running dry (its meter showing under 30 % of the water its speed gives,
// its feedback under half the power). A transducer frozen to the bit is
// not believed; the dry pump then trips on its own. A dead water meter with
// the pump loaded is a lying meter: an alarm, no trip.
func TestPressureWitnesses(t *testing.T) {
	cfg := DefaultConfig()
	t.Run("frozen_transducer_then_dry_pump", func(t *testing.T) {
		r := running(t)
		r.pressure = 1.3 // exact: frozen
		bit := hal.ChanPressure.Bit()
		if k := r.until(func() bool { return r.st().Untrusted&bit != 0 }, 2*ticks(cfg.PressureStuckS)); k != ticks(cfg.PressureStuckS) {
			t.Fatalf("a frozen transducer disbelieved after %d ticks, want %d", k, ticks(cfg.PressureStuckS))
		}
		if st := r.st(); st.State != StateDegraded {
			t.Fatalf("%s, want degraded", st.State)
		}
		r.hook = func(r *rig, in *hal.Inputs) {
			in.Flow[hal.FlowWater].Value *= 0.1
			in.Pump[hal.PumpWater].Power *= 0.1
		}
		tripOn(t, r, CausePressureLow, WitnessDryPump, ticks(cfg.DebounceS), 0)
		pressureLowSafe(t, r)
	})
	t.Run("dead_meter_loaded_pump", func(t *testing.T) {
		r := running(t)
		r.hook = func(r *rig, in *hal.Inputs) { in.Flow[hal.FlowWater].Value = 0 }
		if k := r.until(r.inState(StateTripped), 4*ticks(3*cfg.SensorLossS)); k >= 0 {
			t.Fatalf("tripped on %s: a dead water meter with its pump loaded", r.st().Cause)
		}
		if st := r.st(); st.Alarms&CauseSensor.Bit() == 0 || st.State != StateDegraded {
			t.Errorf("%s alarms %b, want degraded with a sensor alarm", st.State, st.Alarms)
		}
	})
}

// A leak has two witnesses: the bund's detector and the oil tank's
// low-level switch; either trips. A level switch that was seen and then
// cannot be read reads as low; one never seen is missing: an alarm.
func TestLeakWitnesses(t *testing.T) {
	debounce := ticks(DefaultConfig().DebounceS)
	t.Run("level_low", func(t *testing.T) {
		r := running(t)
		r.oilLow = true
		tripOn(t, r, CauseLeak, WitnessLevelSwitch, debounce, 0)
		leakSafe(t, r)
	})
	t.Run("level_switch_lost", func(t *testing.T) {
		r := running(t)
		r.oilLowStatus = hal.StatusOpen
		tripOn(t, r, CauseLeak, WitnessLevelSwitch, debounce, 0)
	})
	t.Run("level_switch_missing", func(t *testing.T) {
		r := newRig(t)
		r.oilLowStatus = hal.StatusMissing
		r.boot()
		r.steps(ticks(60))
		if st := r.st(); st.State != StateDegraded || st.Alarms&CauseSensor.Bit() == 0 {
			t.Errorf("%s alarms %b, want degraded with a sensor alarm", st.State, st.Alarms)
		}
	})
}

// The boards are a witness of their own: a module's agent reporting its
// hottest SoC at the board trip limit trips; a report that cannot be (not
// a number, outside -20..125 C) is not believed.
func TestBoardWitness(t *testing.T) {
	cfg := DefaultConfig()
	t.Run("hot_board", func(t *testing.T) {
		r := running(t)
		r.hook = func(r *rig, in *hal.Inputs) { in.Module[4].BoardTemp = cfg.Board.TripC }
		tripOn(t, r, CauseBoardHigh, WitnessBoardReport, 0, 0)
		overTempSafe(t, r)
	})
	t.Run("warm_board", func(t *testing.T) {
		// At board.warn_c: the warning, cooling at its maximum and the first
		// shedding step; it clears only below warn - hyst.
		r := running(t)
		v := cfg.Board.WarnC
		r.hook = func(r *rig, in *hal.Inputs) { in.Module[2].BoardTemp = v }
		r.step()
		if st := r.st(); st.Warnings&CauseBoardHigh.Bit() == 0 || !st.CoolHarder || st.State != StateShedding {
			t.Fatalf("a board at its warn limit: %s warnings %b cool harder %v", st.State, st.Warnings, st.CoolHarder)
		}
		coolingMax(t, r)
		v = cfg.Board.WarnC - units.Celsius(cfg.Board.HystK)
		r.steps(ticks(5))
		if st := r.st(); st.Warnings&CauseBoardHigh.Bit() == 0 {
			t.Errorf("the board warning cleared at warn - hyst")
		}
		v -= flickerK
		r.step()
		if st := r.st(); st.Warnings&CauseBoardHigh.Bit() != 0 || st.CoolHarder {
			t.Errorf("the board warning held below warn - hyst")
		}
	})
	t.Run("impossible_report", func(t *testing.T) {
		r := running(t)
		r.hook = func(r *rig, in *hal.Inputs) { in.Module[4].BoardTemp = units.Celsius(math.NaN()) }
		r.steps(ticks(30))
		if st := r.st(); st.State == StateTripped || st.Warnings != 0 {
			t.Errorf("%s warnings %b on a NaN board report", st.State, st.Warnings)
		}
	})
	t.Run("tank_bottom", func(t *testing.T) {
		r := running(t)
		r.ramp(hal.TempTankBottom, cfg.Tank.TripC)
		if st := r.st(); st.State != StateTripped || st.Cause != CauseTankHigh {
			t.Errorf("tank bottom at the tank's trip limit: %s cause %s", st.State, st.Cause)
		}
	})
}

// After arbitration the layer asserts what must hold. A failure panics in
// the bench (strict) and, on the Pi, latches an internal-fault trip with
// every module cut and the full safe state.
func TestAssertionsAfterArbitration(t *testing.T) {
	bad := func(r *rig) hal.Outputs {
		o := r.out
		o.Module[0] = hal.Level100
		r.l.st.Cap[0] = hal.Level50 // a cap arbitration did not impose
		return o
	}
	t.Run("strict_panics", func(t *testing.T) {
		r := running(t)
		r.l.SetStrict(true)
		o := bad(r)
		defer func() {
			if recover() == nil {
				t.Error("a module above its cap did not panic in strict mode")
			}
		}()
		r.l.assert(&r.in, &o)
	})
	t.Run("latches_internal", func(t *testing.T) {
		r := running(t)
		o := bad(r)
		r.l.assert(&r.in, &o)
		st := r.st()
		if st.State != StateTripped || st.Cause != CauseInternal || st.AssertFailures != 1 {
			t.Errorf("%s cause %s failures %d, want tripped on internal", st.State, st.Cause, st.AssertFailures)
		}
		for i := range o.Module {
			if o.Module[i] != hal.LevelCut {
				t.Fatalf("module %d at %s after a failed assertion", i, o.Module[i])
			}
		}
		if o.Pump[hal.PumpOil] != 1 || o.Fan != 1 || !o.Alarm {
			t.Errorf("outputs %+v, want cooling at the maximum", o)
		}
	})
}

// The same from one level above idle: every module at 25 % idles while the
// controller is away (a stall of a few seconds) and answers at idle, one
// step below its command. Each alone would only be applying its command;
// together they would step the supply by one level of every module at once
// (the campaign's supply_step_within_one_module, seed 17:
// hearth hil run --random 279706302043375, 512 W in 1 s). When more than
// one module lags one step, a module counts as applying its command only
// for StartStepS after it was let rise to it.
func TestStaggerFromOneLevelAboveIdle(t *testing.T) {
	r := running(t)
	for i := range rigMods {
		r.wish.Module[i] = hal.Level25
	}
	r.steps(ticks(10))
	for i := range r.mod {
		if r.out.Module[i] != hal.Level25 {
			t.Fatalf("module %d at %s, want 25%%", i, r.out.Module[i])
		}
		r.mod[i].lapsed = true
	}
	r.steps(3)
	for i := range r.mod {
		r.mod[i].lapsed = false
	}
	if step, maxRise := fullW/4, r.maxRise(ticks(float64(rigMods+2)*r.cfg.StartStepS)); maxRise > step+1 {
		t.Errorf("the modules' draw rose by %v in one tick, want at most one level of one module (%v)", maxRise, step)
	}
	for i := range rigMods {
		if r.out.Module[i] != hal.Level25 {
			t.Errorf("module %d at %s after the restart, want 25%% again", i, r.out.Module[i])
		}
	}
}
