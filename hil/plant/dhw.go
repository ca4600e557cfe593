package plant

import "hearth/units"

// Tap is one hot-water draw of a tapping profile (EN 16147; Commission
// Regulation (EU) No 814/2013, Annex III, Table 1): at a time of day, its
// useful energy Qtap at a useful flow f, counted while the water leaves at
// or above the useful temperature Tm; a draw with a peak temperature Tp
// must reach it at least once, or it is useless (a dishwasher's fill).
type Tap struct {
	AtS     float64           // seconds after local midnight
	EnergyJ units.Joule       // Qtap: useful energy, counted from the mains temperature
	FlowLPM units.LitrePerMin // f: the useful water flow, straight from the tank's top
	MinC    units.Celsius     // Tm: energy counts while the outlet is at or above it
	PeakC   units.Celsius     // Tp: to be reached at least once (0: none)
}

const kWh = 3.6e6

// ProfileM is the tapping profile "M" of Regulation 814/2013 Annex III
// Table 1 (and Regulation 812/2013 Annex VII Table 3; EN 16147): 23 draws,
// Qref 5.845 kWh a day. Small draws (0.105 kWh, 3 L/min) are useful from
// 25 C, the showers (1.4 kWh, 6 L/min) and the 18:15 and 18:30 cleaning
// draws from 40 C; the 10:30 cleaning draw counts from 10 C but must peak
// at 40 C, the two dishwashing draws (12:45 and 20:30) count from 10 C and
// must peak at 55 C.
var ProfileM = []Tap{
	{7*3600 + 0*60, 0.105 * kWh, 3, 25, 0},
	{7*3600 + 5*60, 1.400 * kWh, 6, 40, 0},
	{7*3600 + 30*60, 0.105 * kWh, 3, 25, 0},
	{8*3600 + 1*60, 0.105 * kWh, 3, 25, 0},
	{8*3600 + 15*60, 0.105 * kWh, 3, 25, 0},
	{8*3600 + 30*60, 0.105 * kWh, 3, 25, 0},
	{8*3600 + 45*60, 0.105 * kWh, 3, 25, 0},
	{9*3600 + 0*60, 0.105 * kWh, 3, 25, 0},
	{9*3600 + 30*60, 0.105 * kWh, 3, 25, 0},
	{10*3600 + 30*60, 0.105 * kWh, 3, 10, 40},
	{11*3600 + 30*60, 0.105 * kWh, 3, 25, 0},
	{11*3600 + 45*60, 0.105 * kWh, 3, 25, 0},
	{12*3600 + 45*60, 0.315 * kWh, 4, 10, 55},
	{14*3600 + 30*60, 0.105 * kWh, 3, 25, 0},
	{15*3600 + 30*60, 0.105 * kWh, 3, 25, 0},
	{16*3600 + 30*60, 0.105 * kWh, 3, 25, 0},
	{18*3600 + 0*60, 0.105 * kWh, 3, 25, 0},
	{18*3600 + 15*60, 0.105 * kWh, 3, 40, 0},
	{18*3600 + 30*60, 0.105 * kWh, 3, 40, 0},
	{19*3600 + 0*60, 0.105 * kWh, 3, 25, 0},
	{20*3600 + 30*60, 0.735 * kWh, 4, 10, 55},
	{21*3600 + 15*60, 0.105 * kWh, 3, 25, 0},
	{21*3600 + 30*60, 1.400 * kWh, 6, 40, 0},
}

// DrawCutC is the lowest temperature a draw's length is reckoned at: a
// draw runs until it has drawn its Qtap of energy content (from the mains),
// and for no longer than that would take at max(Tm, DrawCutC) — a user
// stops a lukewarm draw, and a tank at the mains would draw for ever.
const DrawCutC = 25

// drawState is the running draw's account.
type drawState struct {
	tap      *Tap
	contentJ units.Joule // energy content drawn so far (from the mains)
	usefulJ  units.Joule // of it, drawn at or above Tm
	leftS    float64     // time left before the draw is cut
	peak     bool        // Tp reached
	next     int         // next tap of the day's profile
	day      int64       // local day next belongs to
}

// stepDraw starts the profile's draws when their local time comes and
// accounts the running one over h; it returns the heat-capacity rate of
// the water drawn (mains in at the bottom, the top layer out).
func (pl *Plant) stepDraw(h float64) units.WattPerKelvin {
	d := &pl.tank.draw
	if pl.Now < 0 {
		return 0 // the pre-roll draws nothing
	}
	pl.advanceTaps()
	if d.tap == nil {
		return 0
	}
	tp, p := d.tap, &pl.P
	c := units.WaterRate(tp.FlowLPM)
	out := pl.S.TankC[TankLayers-1]
	e := units.Joule(h * float64(c) * float64(out-p.MainsC))
	d.contentJ += e
	if out >= tp.MinC {
		d.usefulJ += e
	}
	if tp.PeakC > 0 && out >= tp.PeakC {
		d.peak = true
	}
	d.leftS -= h
	if d.contentJ >= tp.EnergyJ || d.leftS <= 0 {
		pl.endDraw()
	}
	return c
}

// advanceTaps starts the next draw of the local day when its time comes
// (a draw still running is judged first).
func (pl *Plant) advanceTaps() {
	const day = int64(24 * units.Hour)
	d := &pl.tank.draw
	local := int64(pl.LocalAt) + int64(pl.Now)
	if n := local / day; n != d.day {
		// A new day (or the run's first step): from its first draw still
		// to come.
		d.day, d.next = n, 0
		for d.next < len(ProfileM) && ProfileM[d.next].AtS < units.Duration(local%day).Seconds() {
			d.next++
		}
	}
	if d.next >= len(ProfileM) {
		return
	}
	tp := &ProfileM[d.next]
	if units.Duration(local%day).Seconds() < tp.AtS {
		return
	}
	if d.tap != nil {
		pl.endDraw()
	}
	d.next++
	rise := float64(max(tp.MinC, DrawCutC) - pl.P.MainsC)
	*d = drawState{tap: tp, next: d.next, day: d.day,
		leftS: float64(tp.EnergyJ) / (float64(units.WaterRate(tp.FlowLPM)) * rise)}
}

// endDraw judges the running draw on its own (EN 16147): the energy drawn
// at or above Tm counts, up to Qtap, and nothing counts if the draw has a
// Tp it never reached; the rest of Qtap is the shortfall.
func (pl *Plant) endDraw() {
	d := &pl.tank.draw
	useful := min(d.usefulJ, d.tap.EnergyJ)
	if d.tap.PeakC > 0 && !d.peak {
		useful = 0
	}
	pl.E.DHWDelivered += useful
	pl.E.DHWShortfall += d.tap.EnergyJ - useful
	pl.E.DHWDraws++
	if useful < d.tap.EnergyJ {
		pl.E.DHWDrawsShort++
	}
	d.tap = nil
}

// DrawRunning reports whether a draw runs.
func (pl *Plant) DrawRunning() bool { return pl.tank.draw.tap != nil }
