package plant

import (
	"math"

	"hearth/units"
)

// HydroParams are the hydraulic and facility figures of issue 15: the
// exchanger's and the coil's film coefficients against flow, the hub's
// enclosure air, the dump cooler's finite air side, the circulators'
// minimum-speed band, the probes' offset and lag, and the facility's
// overhead (ISO/IEC 30134-6). docs/hil.md, "Plant sources: hydraulics",
// gives each figure's source.
type HydroParams struct {
	// Exchanger: 1/UA = Ro/(Qo/Qo_n)^mo + Rw/(Qw/Qw_n)^mw + Rwall, the
	// shares of 1/UA at the nominal flows (they sum to 1, so UA at the
	// nominal flows is exchanger_ua_w_per_k). A plate exchanger's film
	// coefficients go as Nu ~ Re^0.6-0.75 (oil, laminar-transitional) and
	// Re^0.7-0.8 (water, turbulent; Dittus-Boelter 0.8).
	ExchangerOilNominalLPM   units.LitrePerMin `toml:"exchanger_oil_nominal_lpm"`
	ExchangerWaterNominalLPM units.LitrePerMin `toml:"exchanger_water_nominal_lpm"`
	ExchangerOilFilmShare    float64           `toml:"exchanger_oil_film_share"`
	ExchangerWaterFilmShare  float64           `toml:"exchanger_water_film_share"`
	ExchangerOilFilmExponent float64           `toml:"exchanger_oil_film_exponent"`
	ExchangerWaterFilmExp    float64           `toml:"exchanger_water_film_exponent"`

	// Tank coil: 1/UA = Ri/(Q/Q_n)^0.8 + (1 - Ri): the water inside the
	// coil in forced convection (Dittus-Boelter), the tank's water outside
	// in natural convection (flow-independent, the larger resistance).

	// Enclosure: the air around the oil circuit (the seed's hub sits in
	// the garden), heated by the oil circuit's losses and the facility's
	// overhead, coupled to outside.
	EnclosureOutdoorWPerK units.WattPerKelvin  `toml:"enclosure_outdoor_w_per_k"`
	EnclosureJPerK        units.JoulePerKelvin `toml:"enclosure_j_per_k"`

	// Dump cooler air side: heat-capacity rate of the air through the
	// coil, C_air = dump_air_fan_off_w_per_k + (max - off) x fan.
	DumpAirFanOffWPerK units.WattPerKelvin `toml:"dump_air_fan_off_w_per_k"`
	DumpAirFanMaxWPerK units.WattPerKelvin `toml:"dump_air_fan_max_w_per_k"`

	// Circulators (EC, PWM profile A): commands above 0 and below
	// pump_min_speed run at it; at it they draw *_pump_min_w, rising as
	// a power law to the rated power at full speed; stopped, the standby.
	PumpMinSpeed   units.Ratio `toml:"pump_min_speed"`
	OilPumpMinW    units.Watt  `toml:"oil_pump_min_w"`
	WaterPumpMinW  units.Watt  `toml:"water_pump_min_w"`
	PumpStandbyW   units.Watt  `toml:"pump_standby_w"`
	ProbeOffsetK   float64     `toml:"probe_offset_k"` // commissioned residual, uniform in +/-
	ProbeOilTauS   float64     `toml:"probe_oil_tau_s"`
	ProbeWaterTauS float64     `toml:"probe_water_tau_s"`
	ProbeTankTauS  float64     `toml:"probe_tank_tau_s"`
	ProbeAirTauS   float64     `toml:"probe_air_tau_s"`
	PSUEfficiency  float64     `toml:"psu_efficiency"` // compute's supplies, AC to DC
	NetworkW       units.Watt  `toml:"network_w"`
	ControllerW    units.Watt  `toml:"controller_w"`
}

func defaultHydroParams() HydroParams {
	return HydroParams{
		ExchangerOilNominalLPM: 20, ExchangerWaterNominalLPM: 10,
		ExchangerOilFilmShare: 0.65, ExchangerWaterFilmShare: 0.30,
		ExchangerOilFilmExponent: 0.625, ExchangerWaterFilmExp: 0.75,
		EnclosureOutdoorWPerK: 60, EnclosureJPerK: 150e3,
		DumpAirFanOffWPerK: 40, DumpAirFanMaxWPerK: 1100,
		PumpMinSpeed: 0.25, OilPumpMinW: 6, WaterPumpMinW: 4, PumpStandbyW: 0.8,
		ProbeOffsetK: 0.2, ProbeOilTauS: 20, ProbeWaterTauS: 15, ProbeTankTauS: 30, ProbeAirTauS: 60,
		PSUEfficiency: 0.91, NetworkW: 20, ControllerW: 5,
	}
}

// ExchangerUA is the exchanger's conductance at oil flow oil and water flow
// water: the two film resistances fall with their flows as power laws, the
// wall's does not.
func (p *Params) ExchangerUA(oil, water units.LitrePerMin) units.WattPerKelvin {
	if oil <= 0 || water <= 0 {
		return 0
	}
	ro := p.ExchangerOilFilmShare / math.Pow(float64(oil/p.ExchangerOilNominalLPM), p.ExchangerOilFilmExponent)
	rw := p.ExchangerWaterFilmShare / math.Pow(float64(water/p.ExchangerWaterNominalLPM), p.ExchangerWaterFilmExp)
	wall := 1 - p.ExchangerOilFilmShare - p.ExchangerWaterFilmShare
	return p.ExchangerUAWPerK / units.WattPerKelvin(ro+rw+wall)
}

// DumpAirRate is the heat-capacity rate of the air the fan moves through
// the dump cooler at fan speed fan (natural draught with it stopped).
func (p *Params) DumpAirRate(fan float64) units.WattPerKelvin {
	return p.DumpAirFanOffWPerK + (p.DumpAirFanMaxWPerK-p.DumpAirFanOffWPerK)*units.WattPerKelvin(fan)
}

// DumpUA is the dump cooler's conductance at fan speed fan, derated.
func (p *Params) DumpUA(fan float64) units.WattPerKelvin {
	return (p.DumpUAFanOffWPerK + (p.DumpUAFanMaxWPerK-p.DumpUAFanOffWPerK)*units.WattPerKelvin(fan)) *
		units.WattPerKelvin(p.DumpDerate)
}

// CrossFlowEffectiveness is the effectiveness of a single-pass cross-flow
// exchanger with both streams unmixed (a finned coil: the air between the
// fins, the water in its tubes), by Mason's exact series (Shah & Sekulic,
// Fundamentals of Heat Exchanger Design, table 3.3):
// eps = 1/(Cr NTU) sum_n [1 - e^-NTU sum_m<=n NTU^m/m!] [1 - e^-CrNTU sum_m<=n (Cr NTU)^m/m!].
func CrossFlowEffectiveness(ua, c1, c2 units.WattPerKelvin) float64 {
	cmin, cmax := min(float64(c1), float64(c2)), max(float64(c1), float64(c2))
	if cmin <= 0 || ua <= 0 {
		return 0
	}
	ntu := float64(ua) / cmin
	cr := cmin / cmax
	if cr < 1e-9 {
		return 1 - math.Exp(-ntu)
	}
	if ntu > 30 {
		// Past the series' reach in floating point: the standard
		// approximation (Incropera eq. 11.32). On the dump an NTU this high
		// is a trickle of water against the air (Cr < 0.2), where the two
		// agree within 1e-6.
		return 1 - math.Exp(math.Pow(ntu, 0.22)/cr*(math.Exp(-cr*math.Pow(ntu, 0.78))-1))
	}
	x, y := ntu, cr*ntu
	ex, ey := math.Exp(-x), math.Exp(-y)
	tx, ty, sx, sy := 1.0, 1.0, 1.0, 1.0 // the n-th terms and partial sums of the two series
	var sum float64
	for n := 0; n < 400; n++ {
		if n > 0 {
			tx *= x / float64(n)
			ty *= y / float64(n)
			sx += tx
			sy += ty
		}
		term := max(1-ex*sx, 0) * max(1-ey*sy, 0)
		sum += term
		if term < 1e-14 && float64(n) > x {
			break
		}
	}
	return sum / y
}

// dumpConductance is the heat the dump rejects per kelvin of water over
// outside air (eps Cmin) with conductance ua, air rate cAir and water rate cW.
func dumpConductance(ua, cAir, cW units.WattPerKelvin) float64 {
	return CrossFlowEffectiveness(ua, cAir, cW) * min(float64(cAir), float64(cW))
}

// OverheadPower is the facility's draw beyond compute, pumps and fan with
// the modules drawing computeW: the supplies' conversion loss, the
// network switch and the controller.
func (p *Params) OverheadPower(computeW units.Watt) units.Watt {
	loss := units.Watt(0)
	if p.PSUEfficiency > 0 && p.PSUEfficiency < 1 {
		loss = computeW * units.Watt(1/p.PSUEfficiency-1)
	}
	return loss + p.NetworkW + p.ControllerW
}

// stepEnclosure warms the hub's enclosure air by the oil circuit's losses
// and the overhead (all of it heat inside the enclosure) against its
// coupling to outside, and counts the overhead.
func (pl *Plant) stepEnclosure(h float64, qLoss float64) {
	p, s := &pl.P, &pl.S
	over := p.OverheadPower(pl.ComputePower())
	pl.E.Overhead += units.Joule(h) * units.Joule(over)
	q := qLoss + float64(over) - float64(p.EnclosureOutdoorWPerK)*float64(s.EnclosureC-s.OutdoorC)
	s.EnclosureC += units.Celsius(q * h / float64(p.EnclosureJPerK))
}

// enclosureStart is the enclosure's steady temperature at the initial
// condition: the oil at init.OilC, the modules at init.ModuleLevel.
func (pl *Plant) enclosureStart(init Init) units.Celsius {
	p, s := &pl.P, &pl.S
	over := p.OverheadPower(units.Watt(p.Modules) * p.LevelW(init.ModuleLevel))
	g, u := float64(p.EnclosureOutdoorWPerK), float64(p.OilLossWPerK)
	return units.Celsius((g*float64(s.OutdoorC) + u*float64(init.OilC) + float64(over)) / (g + u))
}

// exchangerUA is ExchangerUA at the plant's flows now, computed afresh only
// when a flow has moved by 0.1 % (UA moves by under 0.07 % then): the
// pumps' trims move the flows by parts per million each tick.
func (pl *Plant) exchangerUA() units.WattPerKelvin {
	c, o, w := &pl.uaCache, float64(pl.S.OilFlowLPM), float64(pl.S.WaterLPM)
	if !c.ok || math.Abs(o-c.a) > 1e-3*c.a || math.Abs(w-c.b) > 1e-3*c.b || o == 0 || w == 0 {
		c.a, c.b, c.eps, c.ok = o, w, float64(pl.P.ExchangerUA(pl.S.OilFlowLPM, pl.S.WaterLPM)), true
	}
	return units.WattPerKelvin(c.eps)
}
