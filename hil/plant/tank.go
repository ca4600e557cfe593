package plant

import (
	"math"

	"hearth/units"
)

// TankLayers is how many horizontal layers the hot-water tank is modelled
// in (BS EN 15316-5 multi-node storage; the UK Home Energy Model uses 4 or
// more). Layer 0 is the bottom.
const TankLayers = 8

// TankParams describe the hot-water tank beyond its volume and losses: its
// shape, its coil, its two immersion elements and where its probes sit.
// docs/hil.md ("Plant sources: hot water") gives each figure's source.
type TankParams struct {
	// TankHeightToDiameter is the cylinder's inside height over its
	// inside diameter: it shares the standing loss between the layers by
	// their outside area (the top and bottom layers have an end each).
	TankHeightToDiameter float64 `toml:"tank_height_to_diameter"`
	// TankLayerConductionWPerK is the conductance between two adjacent
	// layers: still water's conductivity across the cylinder's section
	// over a layer's height.
	TankLayerConductionWPerK units.WattPerKelvin `toml:"tank_layer_conduction_w_per_k"`
	// The coil spans the lowest TankCoilLayers layers; the primary water
	// enters it at its top and leaves at the bottom. Its UA
	// (TankCoilUAWPerK) holds at TankCoilNominalLPM through it; the share
	// TankCoilInsideShare of its resistance at that flow is the inside
	// film's, which follows Dittus-Boelter (h ~ Re^0.8, so ~ flow^0.8);
	// the rest is the tank side's natural convection and the wall.
	TankCoilLayers      int               `toml:"tank_coil_layers"`
	TankCoilNominalLPM  units.LitrePerMin `toml:"tank_coil_nominal_lpm"`
	TankCoilInsideShare float64           `toml:"tank_coil_inside_share"`
	// Two elements share the one contactor through a changeover
	// thermostat: the top (boost) element, in layer ImmersionTopLayer,
	// until that layer reaches ImmersionChangeoverC, then the bottom
	// element (layer 0) until it falls ImmersionChangeoverHystK under.
	ImmersionTopLayer        int           `toml:"immersion_top_layer"`
	ImmersionChangeoverC     units.Celsius `toml:"immersion_changeover_c"`
	ImmersionChangeoverHystK units.Kelvin  `toml:"immersion_changeover_hyst_k"`
	// The probes' layers: the top probe reads what the taps draw, the
	// bottom one (the cylinder thermostat's pocket) is within the coil.
	TankTopProbeLayer    int `toml:"tank_top_probe_layer"`
	TankBottomProbeLayer int `toml:"tank_bottom_probe_layer"`
}

func defaultTankParams() TankParams {
	return TankParams{
		TankHeightToDiameter: 2.3, TankLayerConductionWPerK: 0.85,
		TankCoilLayers: 3, TankCoilNominalLPM: 10, TankCoilInsideShare: 0.3,
		ImmersionTopLayer: 6, ImmersionChangeoverC: 62, ImmersionChangeoverHystK: 3,
		TankTopProbeLayer: TankLayers - 1, TankBottomProbeLayer: 1,
	}
}

// validateTank checks the tank's figures.
func (p *TankParams) validateTank() error {
	switch {
	case p.TankCoilLayers < 1 || p.TankCoilLayers > TankLayers:
		return errTank("tank_coil_layers")
	case p.ImmersionTopLayer < 0 || p.ImmersionTopLayer >= TankLayers:
		return errTank("immersion_top_layer")
	case p.TankTopProbeLayer < 0 || p.TankTopProbeLayer >= TankLayers:
		return errTank("tank_top_probe_layer")
	case p.TankBottomProbeLayer < 0 || p.TankBottomProbeLayer >= TankLayers:
		return errTank("tank_bottom_probe_layer")
	case !(p.TankHeightToDiameter > 0), !(p.TankCoilNominalLPM > 0),
		!(p.TankCoilInsideShare >= 0 && p.TankCoilInsideShare <= 1):
		return errTank("tank_height_to_diameter, tank_coil_nominal_lpm or tank_coil_inside_share")
	}
	return nil
}

type errTank string

func (e errTank) Error() string { return string(e) + " out of range" }

// tank is the tank's derived figures and per-step scratch.
type tank struct {
	capLayer units.JoulePerKelvin // one layer's heat capacity
	lossUA   [TankLayers]float64  // each layer's share of the standing loss (W/K)
	coilQ    [TankLayers]float64  // heat the coil gave each layer in the last step (W)
	coilRate units.WattPerKelvin  // the rate coilEps belongs to
	coilEps  float64              // effectiveness of one coil segment
	topOn    bool                 // the changeover feeds the top element
	draw     drawState
}

// initTank derives the tank's figures and sets its layers from the
// initial top and bottom temperatures (linear between).
func (pl *Plant) initTank(init Init) {
	p, tk := &pl.P, &pl.tank
	tk.capLayer = waterCap(p.TankL / TankLayers)
	// Outside areas in units of D^2: a layer's side pi*r/N, an end pi/4.
	side := math.Pi * p.TankHeightToDiameter / TankLayers
	end := math.Pi / 4
	total := side*TankLayers + 2*end
	for i := range tk.lossUA {
		a := side
		if i == 0 || i == TankLayers-1 {
			a += end
		}
		tk.lossUA[i] = float64(p.TankLossWPerK) * a / total
	}
	for i := range pl.S.TankC {
		f := units.Celsius(float64(i) / (TankLayers - 1))
		pl.S.TankC[i] = init.TankBottomC + f*(init.TankTopC-init.TankBottomC)
	}
	tk.coilRate = -1
	tk.topOn = true
	pl.probeTank()
}

// probeTank copies the probes' layers to TankTopC and TankBottomC.
func (pl *Plant) probeTank() {
	pl.S.TankTopC = pl.S.TankC[pl.P.TankTopProbeLayer]
	pl.S.TankBottomC = pl.S.TankC[pl.P.TankBottomProbeLayer]
}

// CoilUA is the coil's UA with rate (W/K) of primary water through it: the
// inside film's resistance scales as flow^-0.8 (Dittus-Boelter), the rest
// of the resistance stays.
func CoilUA(p *Params, rate units.WattPerKelvin) units.WattPerKelvin {
	nominal := float64(units.WaterRate(p.TankCoilNominalLPM))
	if rate <= 0 || p.TankCoilUAWPerK <= 0 {
		return 0
	}
	r := 1 / float64(p.TankCoilUAWPerK) // K/W at the nominal flow
	in := p.TankCoilInsideShare * r * math.Pow(nominal/float64(rate), 0.8)
	return units.WattPerKelvin(1 / (in + (1-p.TankCoilInsideShare)*r))
}

// coilHeat passes primary water of rate c at tin down through the coil's
// layers (top of the coil first), each a sink of the coil's UA over its
// layers; it keeps each layer's heat for stepTank and returns the total.
func (pl *Plant) coilHeat(c units.WattPerKelvin, tin units.Celsius) units.Watt {
	p, tk := &pl.P, &pl.tank
	if c != tk.coilRate {
		ua := float64(CoilUA(p, c)) / float64(p.TankCoilLayers)
		tk.coilRate, tk.coilEps = c, sinkEffectiveness(ua, float64(c))
	}
	t, total := float64(tin), 0.0
	for i := p.TankCoilLayers - 1; i >= 0; i-- {
		q := tk.coilEps * float64(c) * (t - float64(pl.S.TankC[i]))
		tk.coilQ[i] = q
		total += q
		if c > 0 {
			t -= q / float64(c)
		}
	}
	return units.Watt(total)
}

// stepTank moves the tank's layers on by h: the coil's heat (coilHeat, of
// this step), the immersion elements, standing losses, conduction between
// layers, the draws (plug flow: mains in at the bottom, the top out) and
// buoyancy (a layer warmer than the one above mixes with it at once).
func (pl *Plant) stepTank(h float64) {
	p, s, tk := &pl.P, &pl.S, &pl.tank
	var q [TankLayers]float64
	loss := 0.0
	for i := range q {
		l := tk.lossUA[i] * float64(s.TankC[i]-s.PlantRoomC)
		q[i] = tk.coilQ[i] - l
		loss += l
		if i+1 < TankLayers {
			k := float64(p.TankLayerConductionWPerK) * float64(s.TankC[i+1]-s.TankC[i])
			q[i] += k
			q[i+1] -= k
		}
	}
	pl.TankLossW = units.Watt(loss)
	if pl.Heater.On {
		q[pl.elementLayer()] += float64(p.ImmersionW)
		pl.E.Immersion += units.Joule(h * float64(p.ImmersionW))
	}
	cDraw := pl.stepDraw(h)
	for i := TankLayers - 1; i >= 0; i-- {
		in := p.MainsC
		if i > 0 {
			in = s.TankC[i-1]
		}
		q[i] += float64(cDraw) * float64(in-s.TankC[i])
		s.TankC[i] += units.Celsius(q[i] * h / float64(tk.capLayer))
	}
	buoyancy(&s.TankC)
	pl.probeTank()
}

// elementLayer is where the immersion's power goes: the changeover
// thermostat (at the top element) feeds the top element until its layer
// reaches ImmersionChangeoverC, then the bottom one.
func (pl *Plant) elementLayer() int {
	p, tk := &pl.P, &pl.tank
	t := pl.S.TankC[p.ImmersionTopLayer]
	switch {
	case tk.topOn && t >= p.ImmersionChangeoverC:
		tk.topOn = false
	case !tk.topOn && t < p.ImmersionChangeoverC-units.Celsius(p.ImmersionChangeoverHystK):
		tk.topOn = true
	}
	if tk.topOn {
		return p.ImmersionTopLayer
	}
	return 0
}

// buoyancy mixes every run of layers that is warmer below than above into
// one temperature (equal layer volumes: the run's mean), from the bottom up.
func buoyancy(t *[TankLayers]units.Celsius) {
	for i := 1; i < TankLayers; i++ {
		if t[i] >= t[i-1] {
			continue
		}
		// Layer i-1 is warmer than layer i: pool down until stable.
		lo, sum := i-1, float64(t[i-1]+t[i])
		for lo > 0 && t[lo-1] > units.Celsius(sum/float64(i-lo+1)) {
			lo--
			sum += float64(t[lo])
		}
		m := units.Celsius(sum / float64(i-lo+1))
		for j := lo; j <= i; j++ {
			t[j] = m
		}
	}
}

// TankMeanC is the tank's mean temperature.
func (s *State) TankMeanC() units.Celsius {
	var sum units.Celsius
	for _, t := range s.TankC {
		sum += t
	}
	return sum / TankLayers
}
