package hil

import (
	"fmt"
	"math"
	"sync"

	"hearth/hil/plant"
	"hearth/units"
)

// ClimateMonth is one month of a climate: its representative day's weather
// and how many days it stands for.
type ClimateMonth struct {
	Name    string
	Days    int
	Weather plant.Weather
	Season  plant.Season // the warm start its runs begin from
}

// Essex is a UK climate for the year: the monthly mean air temperature and
// half the mean daily range of the Met Office's 1991-2020 averages for
// inland Essex (Stansted Airport and Writtle, rounded to 0.1 K), and the
// monthly mean daily global horizontal irradiation for 51.8 N (PVGIS-SARAH,
// rounded to 0.05 kWh/m2) spread as a half sine over the day length at
// 51.8 N. docs/hil.md gives the table and its sources.
var Essex = []ClimateMonth{
	essexMonth("jan", 31, 4.6, 3.0, 0.75, 8.0, plant.Winter),
	essexMonth("feb", 28, 4.9, 3.4, 1.40, 9.8, plant.Winter),
	essexMonth("mar", 31, 6.9, 4.1, 2.50, 11.8, plant.Winter),
	essexMonth("apr", 30, 9.3, 5.1, 3.90, 13.8, plant.Spring),
	essexMonth("may", 31, 12.5, 5.5, 4.90, 15.6, plant.Spring),
	essexMonth("jun", 30, 15.5, 5.8, 5.30, 16.6, plant.Summer),
	essexMonth("jul", 31, 17.9, 6.0, 5.20, 16.2, plant.Summer),
	essexMonth("aug", 31, 17.8, 5.8, 4.40, 14.7, plant.Summer),
	essexMonth("sep", 30, 15.0, 5.1, 3.10, 12.7, plant.Spring),
	essexMonth("oct", 31, 11.5, 4.2, 1.80, 10.7, plant.Spring),
	essexMonth("nov", 30, 7.6, 3.3, 0.95, 8.7, plant.Winter),
	essexMonth("dec", 31, 5.0, 2.9, 0.60, 7.7, plant.Winter),
}

// essexMonth builds a month from its mean, half-range, daily irradiation
// (kWh/m2) and day length (h): a half sine of peak G over D hours holds
// G D 2/pi, so the peak is the day's irradiation over D 2/pi.
func essexMonth(name string, days int, meanC, ampK, kWhPerM2, dayH float64, s plant.Season) ClimateMonth {
	peak := kWhPerM2 * 1000 / (dayH * 2 / math.Pi)
	return ClimateMonth{Name: name, Days: days, Season: s, Weather: plant.Weather{MeanC: units.Celsius(meanC),
		AmpK: units.Kelvin(ampK), SolarPeakWPerM2: math.Round(peak), DaylightH: dayH}}
}

// YearFigures are the figures of a year, or of one of its months. Field
// names are a contract (issue 15).
type YearFigures struct {
	Month               string  `json:"month,omitempty"`
	Days                int     `json:"days"`
	ERF                 float64 `json:"erf"`
	ComputeAvailability float64 `json:"compute_availability"`
	HeatDeliveredKWh    float64 `json:"heat_delivered_kwh"`
	ToTankKWh           float64 `json:"to_tank_kwh"`
	ToHeatingKWh        float64 `json:"to_heating_kwh"`
	BackupKWh           float64 `json:"backup_kwh"`
	ImmersionKWh        float64 `json:"immersion_kwh"`
	DumpedKWh           float64 `json:"dumped_kwh"`
	ComputeKWh          float64 `json:"compute_kwh"`
	ParasiticKWh        float64 `json:"parasitic_kwh"`
	OverheadKWh         float64 `json:"overhead_kwh"`
	// ERFBound is the most ERF the house and the tank could have taken
	// (each run's heat_bound_kwh summed, over the same denominator), and
	// BackupMinKWh the least backup (the runs' backup_min_kwh summed).
	ERFBound        float64 `json:"erf_bound"`
	BackupMinKWh    float64 `json:"backup_min_kwh"`
	DHWShortfallKWh float64 `json:"dhw_shortfall_kwh"`
	Trips           int     `json:"trips"`
	Violations      int     `json:"violations"`
	IndoorMinC      float64 `json:"indoor_min_c"`
	OilMaxC         float64 `json:"oil_max_c"`
	OutdoorMeanC    float64 `json:"outdoor_mean_c"`
}

// YearResult is a year: the annual figures and one object per month.
type YearResult struct {
	YearFigures
	DaysPerMonth int           `json:"days_per_month"`
	Seed         uint64        `json:"seed"`
	Months       []YearFigures `json:"months"`
}

// YearOptions choose how a year is run.
type YearOptions struct {
	// DaysPerMonth is how many consecutive days stand for each month; its
	// figures are scaled to the month's days. Seven or more start on
	// Monday 00:00, so the weekly legionella hold is counted once a week;
	// fewer start on Wednesday 00:00 (DefaultWeekStart) and leave it out.
	DaysPerMonth int
	// Climate is the year's months (nil: Essex).
	Climate  []ClimateMonth
	Seed     uint64
	Workers  int
	Progress func(done, total int) // nil: silent
}

// Year runs the representative days of every month of the climate on base and
// returns the annual figures (energies summed over the months, scaled to
// their days; ERF and availability of the sums).
func Year(base plant.Params, o YearOptions) (*YearResult, error) {
	if o.DaysPerMonth < 1 || o.DaysPerMonth > 31 {
		return nil, fmt.Errorf("days per month = %d, want 1..31", o.DaysPerMonth)
	}
	months := o.Climate
	if months == nil {
		months = Essex
	}
	res := make([]monthRun, len(months))
	errs := make([]error, len(months))
	var mu sync.Mutex
	done := 0
	Parallel(len(months), o.Workers, func(i int) {
		res[i], errs[i] = runMonth(base, months[i], o)
		if o.Progress != nil {
			mu.Lock()
			done++
			o.Progress(done, len(months))
			mu.Unlock()
		}
	})
	y := &YearResult{DaysPerMonth: o.DaysPerMonth, Seed: o.Seed}
	var sum yearSum
	for i, m := range months {
		if errs[i] != nil {
			return nil, fmt.Errorf("%s: %w", m.Name, errs[i])
		}
		scale := float64(m.Days) / float64(o.DaysPerMonth)
		var ms yearSum
		ms.add(&res[i], scale, float64(m.Weather.MeanC))
		f := ms.figures()
		f.Month, f.Days = m.Name, m.Days
		y.Months = append(y.Months, f)
		sum.add(&res[i], scale, float64(m.Weather.MeanC))
	}
	y.YearFigures = sum.figures()
	y.Days = sum.days
	return y, nil
}

// monthRun is one month's run: its result and its invariant episodes.
type monthRun struct {
	Result
	violations int
}

// runMonth runs one month's representative days from Monday 00:00.
func runMonth(base plant.Params, m ClimateMonth, o YearOptions) (monthRun, error) {
	cfg, err := DefaultConfig(m.Season, o.Seed)
	if err != nil {
		return monthRun{}, err
	}
	cfg.Params, cfg.Weather = base, m.Weather
	cfg.Duration = units.Duration(o.DaysPerMonth) * 24 * units.Hour
	if o.DaysPerMonth < 7 {
		cfg.WeekTime = DefaultWeekStart
	} else {
		cfg.WeekTime = 0
	}
	cfg.PreRoll = 6 * units.Hour // the house's air and the tank settle into the month
	s, err := New(cfg)
	if err != nil {
		return monthRun{}, err
	}
	for !s.Done() {
		s.Step()
	}
	return monthRun{s.Result(), len(s.Violations())}, nil
}

// yearSum accumulates runs' energies, each scaled to the days it stands for.
type yearSum struct {
	days                                                         int
	delivered, tank, heating, backup, immersion, dumped, compute float64
	parasitic, overhead, shortfall, availW, availT, outW, indoor float64
	bound, backupMin                                             float64
	oilMax                                                       float64
	trips, violations                                            int
	have                                                         bool
}

func (y *yearSum) add(r *monthRun, scale, outdoorC float64) {
	k := &r.EnergyKWh
	days := r.SimSeconds / 86400 * scale
	y.days += int(math.Round(days))
	y.tank += k.ToTank * scale
	y.heating += k.ToHeating * scale
	y.delivered += (k.ToTank + k.ToHeating) * scale
	y.backup += k.Backup * scale
	y.immersion += k.Immersion * scale
	y.dumped += k.Dumped * scale
	y.compute += k.Compute * scale
	y.parasitic += k.Parasitic * scale
	y.overhead += k.Overhead * scale
	y.shortfall += r.DHWShortfallKWh * scale
	y.bound += r.Quality.HeatBoundKWh * scale
	y.backupMin += r.Quality.BackupMinKWh * scale
	y.availW += r.ComputeAvailability * days
	y.availT += days
	y.outW += outdoorC * days
	y.trips += len(r.Trips)
	y.violations += r.violations
	if !y.have || r.MinTempC.Indoor < y.indoor {
		y.indoor = r.MinTempC.Indoor
	}
	if !y.have || r.MaxTempC.OilModuleIn > y.oilMax {
		y.oilMax = r.MaxTempC.OilModuleIn
	}
	y.have = true
}

func (y *yearSum) figures() YearFigures {
	f := YearFigures{HeatDeliveredKWh: y.delivered, ToTankKWh: y.tank, ToHeatingKWh: y.heating, BackupKWh: y.backup,
		ImmersionKWh: y.immersion, DumpedKWh: y.dumped, ComputeKWh: y.compute, ParasiticKWh: y.parasitic,
		OverheadKWh: y.overhead, DHWShortfallKWh: y.shortfall, Trips: y.trips, Violations: y.violations,
		IndoorMinC: y.indoor, OilMaxC: y.oilMax, Days: y.days, BackupMinKWh: y.backupMin}
	if d := y.compute + y.parasitic + y.overhead; d > 0 {
		f.ERF = y.delivered / d
		f.ERFBound = min(1, y.bound/d)
	}
	if y.availT > 0 {
		f.ComputeAvailability = y.availW / y.availT
		f.OutdoorMeanC = y.outW / y.availT
	}
	return f
}
