package plant

import "hearth/units"

// Tap is one hot-water draw of a tapping profile: at a time of day, an energy
// delivered at a flow (EN 16147 / EU 812/2013 tapping profile "M").
type Tap struct {
	AtS     float64           // seconds after midnight
	EnergyJ units.Joule       // useful energy of the draw, counted from mains to TapC
	FlowLPM units.LitrePerMin // flow at the tap
}

const kWh = 3.6e6

// ProfileM is the EN 16147 tapping profile "M": 23 taps, 5.845 kWh a day.
// Small taps (0.105 kWh) run at 3 L/min, showers (1.4 kWh) at 6 L/min,
// dishwashing at 4 L/min.
var ProfileM = []Tap{
	{7*3600 + 0*60, 0.105 * kWh, 3},
	{7*3600 + 5*60, 1.400 * kWh, 6},
	{7*3600 + 30*60, 0.105 * kWh, 3},
	{8*3600 + 1*60, 0.105 * kWh, 3},
	{8*3600 + 15*60, 0.105 * kWh, 3},
	{8*3600 + 30*60, 0.105 * kWh, 3},
	{8*3600 + 45*60, 0.105 * kWh, 3},
	{9*3600 + 0*60, 0.105 * kWh, 3},
	{9*3600 + 30*60, 0.105 * kWh, 3},
	{10*3600 + 30*60, 0.105 * kWh, 3},
	{11*3600 + 30*60, 0.105 * kWh, 3},
	{11*3600 + 45*60, 0.105 * kWh, 3},
	{12*3600 + 45*60, 0.315 * kWh, 4},
	{14*3600 + 30*60, 0.105 * kWh, 3},
	{15*3600 + 30*60, 0.105 * kWh, 3},
	{16*3600 + 30*60, 0.105 * kWh, 3},
	{18*3600 + 0*60, 0.105 * kWh, 3},
	{18*3600 + 15*60, 0.105 * kWh, 3},
	{18*3600 + 30*60, 0.105 * kWh, 3},
	{19*3600 + 0*60, 0.105 * kWh, 3},
	{20*3600 + 30*60, 0.735 * kWh, 4},
	{21*3600 + 15*60, 0.105 * kWh, 3},
	{21*3600 + 30*60, 1.400 * kWh, 6},
}
