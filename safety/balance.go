package safety

import (
	"math"

	"hearth/hal"
	"hearth/units"
)

// The energy balance: the heat the oil carries out of the modules (flow x cp
// x delta-T) plus the heat their oil stores as it warms must be the modules'
// power. Each term is averaged over BalanceS (a first-order time constant)
// once every input has been judgeable for BalanceS on end, so the oil
// warming at start-up is stored heat, not imbalance. The averages start from
// nothing when the inputs become judgeable, and the figure is scaled by
// their total weight.
//
//	imbalance = (carried + stored - power) / max(power, BalanceMinW)
//
// More heat carried than given means the flow is less than the meter says,
// the oil-out probe reads hot, the oil-in reads cold, or a power report
// lies low: past BalanceTolerance for BalanceHoldS it trips no_oil_flow.
// Less heat carried than given (a meter reading low, a probe reading the
// other way) is an alarm.

// rateS is the time constant of the filter the oil out's rate of rise is
// taken through: a DS18B20 step (1/16 K) over it is ~0.001 K/s, ~200 W of
// the modules' 200 kJ/K.
const rateS = 60

type balance struct {
	p, q, s     float64       // averages of power, heat carried, heat stored, W
	w           float64       // the averages' total weight (the average of 1)
	outPrev     units.Celsius // oil out on the last judgeable tick
	outSlow     units.Celsius // oil out through a rateS filter
	rateOK      bool
	warm        float64 // s of judgeable inputs on end
	over, under timer
	power       units.Watt // this tick's modules' power, when powerOK
	powerOK     bool
}

// storeJPerK is the heat capacity of the modules' oil.
func (l *Layer) storeJPerK() float64 {
	return l.cfg.ModuleOilL * units.OilDensityKgPerL * units.OilCpJPerKgK
}

// rate returns the oil out's rate of rise, K/s.
func (b *balance) rate(l *Layer) float64 {
	return float64(l.probes[hal.TempOilOut].value-b.outSlow) / rateS
}

// oilInEstimate is the third witness of the oil-in pair: the oil in as the
// oil out, the modules' power and the proven flow imply it.
func (b *balance) oilInEstimate(l *Layer) (units.Celsius, bool) {
	now := l.now
	f := &l.flows[hal.FlowOil]
	if !b.rateOK || !b.powerOK || !l.known(hal.TempOilOut, now) || !f.ok || f.value < float64(l.cfg.MinOilFlowLPM) {
		return 0, false
	}
	carried := float64(b.power) - l.storeJPerK()*b.rate(l)
	return l.probes[hal.TempOilOut].value - units.Celsius(carried/float64(units.OilRate(units.LitrePerMin(f.value)))), true
}

// track follows the oil out's rate and the modules' power every tick.
func (b *balance) track(l *Layer, power units.Watt, powerOK bool) {
	b.power, b.powerOK = power, powerOK
	if !l.known(hal.TempOilOut, l.now) {
		b.rateOK = false
		return
	}
	out := l.probes[hal.TempOilOut].value
	if !b.rateOK {
		b.outSlow, b.rateOK = out, true
	}
	b.outSlow += (out - b.outSlow) * units.Celsius(min(l.dtS/rateS, 1))
}

// checkBalance judges the energy balance.
func (l *Layer) checkBalance(f *findings, now units.Time) {
	b, cfg := &l.bal, &l.cfg
	fl := &l.flows[hal.FlowOil]
	l.st.Imbalance = math.NaN()
	if !l.oil.known || !l.known(hal.TempOilOut, now) || !fl.ok || !b.powerOK || !l.live(hal.TempOilOut, now) {
		b.warm, b.over.on, b.under.on = 0, false, false
		return
	}
	out := l.probes[hal.TempOilOut].value
	p := float64(b.power)
	q := float64(units.OilRate(units.LitrePerMin(fl.value))) * float64(out-l.oil.value)
	if b.warm == 0 {
		// Every average starts from nothing, so that each term carries the
		// same weights: the heat stored is then counted from the same start
		// as the heat given and carried, and the identity holds term by term.
		b.p, b.q, b.s, b.w = 0, 0, 0, 0
	} else {
		a := min(l.dtS/cfg.BalanceS, 1)
		b.p += (p - b.p) * a
		b.q += (q - b.q) * a
		b.s += l.storeJPerK()*float64(out-b.outPrev)/cfg.BalanceS - b.s*a
		b.w += (1 - b.w) * a
	}
	b.outPrev = out
	b.warm += l.dtS
	minW := float64(cfg.BalanceMinW) * b.w
	if b.warm < cfg.BalanceS || max(b.p, b.q) < minW {
		b.over.on, b.under.on = false, false
		return
	}
	imb := (b.q + b.s - b.p) / max(b.p, minW)
	l.st.Imbalance = imb
	if b.over.held(imb > cfg.BalanceTolerance, now, cfg.BalanceHoldS) {
		f.trip(CauseNoOilFlow, WitnessEnergyBalance)
	}
	if b.under.held(imb < -cfg.BalanceTolerance, now, cfg.BalanceHoldS) {
		f.alarm |= CauseEnergyBalance.Bit()
	}
}

// balanceLiveS: a probe whose reading has not changed by one bit for this
// long is no witness for the balance. A live DS18B20 flickers by a count
// within seconds (its noise is about one count); one stuck at a value does
// not, and is believed until StuckS declares it stuck, while the step it
// made to its value would count as heat carried and stored.
const balanceLiveS = 60

// live reports whether probe id's raw reading changed within balanceLiveS.
func (l *Layer) live(id hal.TempID, now units.Time) bool {
	return now.Sub(l.probes[id].rawAt).Seconds() <= balanceLiveS
}
