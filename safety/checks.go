package safety

import (
	"hearth/hal"
	"hearth/units"
)

// The checks, one per hazard, in the order of docs/safety.md. Each reads
// only believed channels and writes what it finds; the state machine acts
// on the findings of every check together.

// findings are what the checks found this tick.
type findings struct {
	trips    uint32  // bit per Cause whose trip condition holds
	first    Cause   // the first of them, in the order of the checks
	witness  Witness // the witness that spoke for first
	shutdown Cause   // a graceful shutdown is called for
	warn     uint32  // bit per Cause: a limit approached
	alarm    uint32  // bit per Cause: a degradation an engineer should see
}

func (f *findings) trip(c Cause, w Witness) {
	if f.trips == 0 {
		f.first, f.witness = c, w
	}
	f.trips |= c.Bit()
}

// checkLeak: an oil leak into the bund, witnessed by the bund's leak
// detector and by the oil tank's low-level switch. A broken or dead loop
// reads as a leak. A level switch never seen is missing: an alarm, the
// leak detector alone stands.
func (l *Layer) checkLeak(f *findings, now units.Time) {
	cfg := &l.cfg
	if l.leak.held(!l.leakIn.ok || l.leakIn.value, now, cfg.DebounceS) {
		f.trip(CauseLeak, WitnessLeakInput)
	}
	if !l.oilLow.seen {
		if l.settled(now) {
			f.alarm |= CauseSensor.Bit()
		}
		return
	}
	if l.level.held(!l.oilLow.ok || l.oilLow.value, now, cfg.DebounceS) {
		f.trip(CauseLeak, WitnessLevelSwitch)
	}
}

// checkPressure: the primary water's pressure, witnessed by its transducer
// and, for low pressure, by the water pump running dry (unloaded, with no
// water through its meter). A transducer not believed is an alarm.
func (l *Layer) checkPressure(f *findings, now units.Time) {
	cfg, pr := &l.cfg, &l.press
	if pr.ok {
		v := units.Bar(pr.value)
		if l.pressLow.held(v <= cfg.PressureTripLowBar, now, cfg.DebounceS) {
			f.trip(CausePressureLow, WitnessPressure)
		}
		if l.pressHigh.held(v >= cfg.PressureTripHighBar, now, cfg.DebounceS) {
			f.trip(CausePressureHigh, WitnessPressure)
		}
		if v <= cfg.PressureWarnLowBar || (l.st.Warnings&CausePressureLow.Bit() != 0 && v < cfg.PressureWarnLowBar+cfg.PressureHystBar) {
			f.warn |= CausePressureLow.Bit()
		}
		if v >= cfg.PressureWarnHighBar || (l.st.Warnings&CausePressureHigh.Bit() != 0 && v > cfg.PressureWarnHighBar-cfg.PressureHystBar) {
			f.warn |= CausePressureHigh.Bit()
		}
	} else {
		l.pressLow.on, l.pressHigh.on = false, false
		f.alarm |= CauseSensor.Bit()
	}
	if l.dry.held(l.runningDry(), now, cfg.DebounceS) {
		f.trip(CausePressureLow, WitnessDryPump)
	}
}

// runningDry reports the water pump running (at 8 % or more, its slowest)
// with its meter showing under 30 % of the water its speed should give and
// its feedback under half the power: a circulator that has lost its water is
// unloaded. Either alone (a worn pump, a dead meter) is no evidence of it.
func (l *Layer) runningDry() bool {
	cmd := l.prevOut.Pump[hal.PumpWater]
	m, fb := &l.flows[hal.FlowWater], &l.pumps[hal.PumpWater]
	if cmd < 0.08 || !m.ok || !fb.ok || !(fb.alarm == hal.PumpNormal || fb.alarm == hal.PumpWarning) {
		return false
	}
	return m.value < 0.3*float64(cmd)*float64(l.cfg.WaterPumpMaxLPM) &&
		fb.power < 0.5*l.pumpCurve(cmd)
}

// pumpCurve is the power a pump's feedback reports at command cmd: it goes
// with the square of the speed.
func (l *Layer) pumpCurve(cmd units.Ratio) units.Ratio { return l.cfg.PumpFeedbackFull * cmd * cmd }

// checkOilFlow: powered modules need proven oil flow. Witnesses: the oil
// flow meter (a meter not believed proves nothing), the oil pump's feedback
// (a blocked rotor, standby, or no power drawn while it is told to run),
// and, in checkBalance, the energy balance; the oil out and the boards'
// temperatures are the last (checkTemps).
func (l *Layer) checkOilFlow(f *findings, powered bool, now units.Time) {
	cfg := &l.cfg
	m := &l.flows[hal.FlowOil]
	need := float64(cfg.MinOilFlowLPM) * (1 + cfg.FlowMeterAccuracy)
	if l.flowLow.held(powered && !(m.ok && m.value >= need), now, cfg.FlowProofS) {
		f.trip(CauseNoOilFlow, WitnessFlowMeter)
	}
	cmd, fb := l.prevOut.Pump[hal.PumpOil], &l.pumps[hal.PumpOil]
	stopped := fb.ok && cmd >= 0.1 && (fb.alarm == hal.PumpBlocked || fb.alarm == hal.PumpStandby)
	if l.pumpStopped.held(powered && stopped, now, cfg.DebounceS) {
		f.trip(CauseNoOilFlow, WitnessPumpFeedback)
	}
	idle := fb.ok && cmd >= 0.3 && fb.power < 0.3*l.pumpCurve(cmd)
	if l.pumpIdle.held(powered && idle, now, cfg.PumpRespondS) {
		f.trip(CauseNoOilFlow, WitnessPumpFeedback)
	}
}

// checkOilInSensors: the oil-in pair. Both lost trips; one lost, the pair
// apart, or a probe voted out runs degraded.
func (l *Layer) checkOilInSensors(f *findings, now units.Time) {
	cfg := &l.cfg
	bootDone := now.Sub(l.stateAt).Seconds() > cfg.SensorLossS || l.st.State != StateBoot && l.st.State != StateSelfTest
	if !l.oil.known && bootDone && l.st.State != StateBoot {
		f.trip(CauseOilInSensor, WitnessProbe)
	}
	ka, kb := l.known(hal.TempOilInA, now), l.known(hal.TempOilInB, now)
	if (!ka || !kb) && l.settled(now) {
		f.alarm |= CauseSensor.Bit()
	}
	d := abs(l.probes[hal.TempOilInA].value - l.probes[hal.TempOilInB].value)
	if l.disagree.held(ka && kb && d > units.Celsius(cfg.DisagreeK), now, cfg.DisagreeS) || l.oil.excluded < hal.NumTemps {
		f.alarm |= CauseOilInDisagree.Bit()
	}
}

// checkTemps compares each believed temperature with its warn and trip
// limits: oil in (the voted pair), oil out, water flow, the tank (top, and
// bottom as its second witness), and the hottest board a module reports.
// A lost probe other than the oil-in pair is an alarm; its limit is judged
// again once it is believed.
func (l *Layer) checkTemps(in *hal.Inputs, f *findings, now units.Time) {
	cfg := &l.cfg
	l.limit(f, l.oil.known, l.oil.value, &cfg.OilIn, CauseOilInHigh)
	for _, c := range [...]struct {
		id    hal.TempID
		lim   *TempLimit
		cause Cause
	}{{hal.TempOilOut, &cfg.OilOut, CauseOilOutHigh}, {hal.TempWaterFlow, &cfg.WaterFlow, CauseWaterFlowHigh},
		{hal.TempTankTop, &cfg.Tank, CauseTankHigh}, {hal.TempTankBottom, &cfg.Tank, CauseTankHigh}} {
		known := l.known(c.id, now)
		l.limit(f, known, l.probes[c.id].value, c.lim, c.cause)
		if !known && l.settled(now) {
			f.alarm |= CauseSensor.Bit()
		}
	}
	board, any := units.Celsius(-273), false
	for i := 0; i < in.NumModules; i++ {
		if l.mods[i].board && in.Module[i].Relay {
			board, any = max(board, in.Module[i].BoardTemp), true
		}
	}
	l.limit(f, any, board, &cfg.Board, CauseBoardHigh)
}

// settled reports whether the layer has run for SensorLossS: before, a probe
// not yet believed (a DS18B20 reads its power-on 85 C until its first
// conversion) is not yet known, not lost.
func (l *Layer) settled(now units.Time) bool {
	return now.Sub(l.startAt).Seconds() > l.cfg.SensorLossS
}

// limit compares a believed value with its warn and trip limits.
func (l *Layer) limit(f *findings, known bool, v units.Celsius, lim *TempLimit, c Cause) {
	if !known {
		return
	}
	if v >= lim.TripC {
		f.trip(c, WitnessProbe)
		if c == CauseBoardHigh {
			f.witness = WitnessBoardReport
		}
	}
	if v >= lim.WarnC || (l.st.Warnings&c.Bit() != 0 && v >= lim.WarnC-units.Celsius(lim.HystK)) {
		f.warn |= c.Bit()
	}
}

// overTemp are the warnings that ask for cooling at the maximum.
const overTemp = 1<<CauseOilInHigh | 1<<CauseOilOutHigh | 1<<CauseWaterFlowHigh | 1<<CauseTankHigh | 1<<CauseBoardHigh

// checkRunaway: cooling at its maximum and the oil into the modules still
// climbing faster than RunawayKPerMin over each RunawayS window.
func (l *Layer) checkRunaway(f *findings, now units.Time) {
	cfg := &l.cfg
	if f.warn&overTemp == 0 || !l.oil.known {
		l.runawayOn = false
		return
	}
	oil := l.oil.value
	if !l.runawayOn {
		l.runawayOn, l.runawayAt, l.runawayC = true, now, oil
		return
	}
	if dt := now.Sub(l.runawayAt).Seconds(); dt >= cfg.RunawayS {
		if float64(oil-l.runawayC)/dt*60 > cfg.RunawayKPerMin {
			f.trip(CauseRunaway, WitnessProbe)
		}
		l.runawayAt, l.runawayC = now, oil
	}
}

// checkPumps: a blocked water pump means heat cannot leave (a graceful
// shutdown, not a trip: the oil temperatures are its second witness), unless
// its believed meter shows the water it moves: then the feedback line lies
// (an alarm). A pump reporting trouble is an alarm; a water meter that shows
// nothing while its pump runs loaded is lying (an alarm).
func (l *Layer) checkPumps(f *findings, wish *hal.Outputs, now units.Time) {
	cfg := &l.cfg
	wp, wf := &l.pumps[hal.PumpWater], &l.flows[hal.FlowWater]
	cmd := l.prevOut.Pump[hal.PumpWater]
	blocked := wp.ok && wp.alarm == hal.PumpBlocked && wish.Pump[hal.PumpWater] > 0
	moving := wf.ok && cmd >= 0.08 && wf.value >= 0.3*float64(cmd)*float64(cfg.WaterPumpMaxLPM)
	if l.waterPump.held(blocked && !moving, now, cfg.DebounceS) {
		f.shutdown = CauseWaterPump
	}
	if l.waterLies.held(blocked && moving, now, cfg.DebounceS) {
		f.alarm |= CauseWitness.Bit()
	}
	trouble := false
	for i := range l.pumps {
		p := &l.pumps[i]
		trouble = trouble || p.ok && (p.alarm == hal.PumpWarning || p.alarm == hal.PumpElectrical || p.alarm == hal.PumpBlocked)
	}
	if l.pumpAlarm.held(trouble, now, cfg.DebounceS) {
		f.alarm |= CausePumpAlarm.Bit()
	}
	loaded := wp.ok && wp.alarm == hal.PumpNormal && wp.power >= 0.5*l.pumpCurve(l.prevOut.Pump[hal.PumpWater])
	// A line stuck at one power while the command moved is no witness that
	// the rotor turns: a meter showing nothing stays an alarm (a rotor
	// seized behind a silent line reports the power it had).
	noWater := (loaded || wp.stuck) && l.prevOut.Pump[hal.PumpWater] >= 0.08 && (!wf.ok || wf.value < 0.5)
	if l.waterMeter.held(noWater, now, cfg.SensorLossS*3) {
		f.alarm |= CauseSensor.Bit()
	}
}
