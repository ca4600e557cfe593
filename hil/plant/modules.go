package plant

import (
	"hearth/units"
)

// stepModules advances the modules, each a well-stirred oil tank fed an
// equal share of the flow, and returns their mixed outlet (from the state
// at the step's start) and their losses.
func (pl *Plant) stepModules(h float64, cOil units.WattPerKelvin) (tHot units.Celsius, qLoss float64) {
	p, s, e := &pl.P, &pl.S, &pl.E
	hJ := units.Joule(h)
	n := p.Modules
	cMod := cOil / units.WattPerKelvin(n)
	lossShare := p.OilLossWPerK / 2 / units.WattPerKelvin(n) // half the circuit's loss is at the modules
	var mixed float64
	hPerCap := h / float64(pl.capModule)               // one division a step, not one a module
	socPerW := p.SoCKPerW / float64(p.BoardsPerModule) // SoC rise per watt of module power
	for i := 0; i < n; i++ {
		m := &pl.Modules[i]
		m.Advance()
		pw := m.Power()
		e.Compute += hJ * units.Joule(pw)
		t := s.ModuleOilC[i]
		loss := float64(lossShare) * float64(t-s.EnclosureC)
		qLoss += loss
		q := float64(pw) + float64(cMod)*float64(s.OilInC-t) - loss
		s.ModuleOilC[i] = t + units.Celsius(q*hPerCap)
		mixed += float64(t)
		m.SoCC = t + units.Celsius(socPerW*float64(pw))
	}
	tHot = units.Celsius(mixed / float64(n))
	s.OilOutC = tHot
	return tHot, qLoss
}

// ComputePower returns the modules' total draw now.
func (pl *Plant) ComputePower() units.Watt {
	var w units.Watt
	for i := 0; i < pl.P.Modules; i++ {
		w += pl.Modules[i].Power()
	}
	return w
}
