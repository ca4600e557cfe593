package plant

import (
	"fmt"
	"math"

	"hearth/hal"
	"hearth/units"
)

// Season names a reference day's weather.
type Season string

// Seasons of the reference plant.
const (
	Winter Season = "winter"
	Spring Season = "spring"
	Summer Season = "summer"
)

// Weather is a day's outside temperature: a sinusoid, coldest at 05:00 and
// warmest at 17:00 (winter 4 C +/- 4 K, spring 10 +/- 5, summer 20 +/- 6);
// and its sunshine: the global horizontal irradiance, a half sine from
// sunrise to sunset about solar noon (12:00), peaking at SolarPeakWPerM2.
type Weather struct {
	MeanC units.Celsius `toml:"mean_c"`
	AmpK  units.Kelvin  `toml:"amp_k"`
	// SolarPeakWPerM2 is the global horizontal irradiance at solar noon
	// (W/m2); DaylightH the hours from sunrise to sunset.
	SolarPeakWPerM2 float64 `toml:"solar_peak_w_per_m2"`
	DaylightH       float64 `toml:"daylight_h"`
}

// SolarAt returns the global horizontal irradiance at t (W/m2).
func (w Weather) SolarAt(t units.Time) float64 {
	if w.DaylightH <= 0 || w.SolarPeakWPerM2 <= 0 {
		return 0
	}
	h := math.Mod(t.Seconds()/3600, 24)
	if h < 0 {
		h += 24
	}
	x := (h - (12 - w.DaylightH/2)) / w.DaylightH
	if x <= 0 || x >= 1 {
		return 0
	}
	return w.SolarPeakWPerM2 * math.Sin(math.Pi*x)
}

// SeasonWeather returns the reference weather of a season.
func SeasonWeather(s Season) (Weather, error) {
	switch s {
	case Winter:
		return Weather{MeanC: 4, AmpK: 4, SolarPeakWPerM2: 200, DaylightH: 8}, nil
	case Spring:
		return Weather{MeanC: 10, AmpK: 5, SolarPeakWPerM2: 550, DaylightH: 12.5}, nil
	case Summer:
		return Weather{MeanC: 20, AmpK: 6, SolarPeakWPerM2: 800, DaylightH: 16.5}, nil
	}
	return Weather{}, fmt.Errorf("unknown season %q (want winter, spring or summer)", s)
}

const coldestHour = 5.0

// At returns the outside temperature at t seconds after local midnight of
// day one (Plant.LocalDay).
func (w Weather) At(t units.Time) units.Celsius {
	h := math.Mod(t.Seconds()/3600, 24)
	return w.MeanC - units.Celsius(float64(w.AmpK)*math.Cos(2*math.Pi*(h-coldestHour)/24))
}

// SeasonInit returns a warm start that fits the season: the house at its
// target, the tank charged, the hub running.
func SeasonInit(s Season) Init {
	in := Init{OilC: 40, WaterC: 38, TankTopC: 47, TankBottomC: 46, IndoorC: 21,
		ModuleLevel: hal.Level100, ValveDump: 0, ValveTank: 0}
	if s == Summer {
		in.OilC, in.WaterC, in.IndoorC = 38, 36, 23
	}
	return in
}
