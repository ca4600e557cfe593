package hil

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"hearth/hal"
	"hearth/hil/plant"
	"hearth/units"
)

// problem is one mistake in a scenario file: the key it is at
// ("events[2].arg") and what is wrong.
type problem struct{ key, msg string }

type problems []problem

func (ps *problems) add(key, f string, a ...any) {
	*ps = append(*ps, problem{key, fmt.Sprintf(f, a...)})
}

// err names each problem's source, line and key, one a line, in the
// file's order: `x.toml:7: events[2].arg: fault "oil_leak" takes no argument`.
func (ps problems) err(src string, kl *keyLines) error {
	if len(ps) == 0 {
		return nil
	}
	type at struct {
		line int
		text string
	}
	out := make([]at, len(ps))
	for i, p := range ps {
		l := kl.lineOf(p.key)
		where := src
		if l > 0 {
			where += ":" + strconv.Itoa(l)
		}
		if p.key != "" {
			where += ": " + p.key
		}
		out[i] = at{l, where + ": " + p.msg}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].line < out[j].line })
	lines := make([]string, len(out))
	for i, o := range out {
		lines[i] = o.text
	}
	return errors.New(strings.Join(lines, "\n"))
}

var decoderLine = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): `)

// decodeError gives the decoder's error the form of the loader's own.
func decodeError(src string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		key := ""
		if pe.LastKey != "" {
			key = " " + pe.LastKey + ":"
		}
		return fmt.Errorf("%s:%d:%s %s", src, pe.Position.Line, key, pe.Message)
	}
	if m := decoderLine.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Errorf("%s:%s: %s: %s", src, m[1], m[2], err.Error()[len(m[0]):])
	}
	return fmt.Errorf("%s: %w", src, err)
}

// unknownKeys refuses every key no field takes, with the keys its table
// does take nearest to it.
func unknownKeys(ps *problems, md toml.MetaData, kl *keyLines) {
	und := map[string]bool{}
	for _, k := range md.Undecoded() {
		und[k.String()] = true
	}
	told := map[string]bool{}
	for _, k := range kl.keys {
		if !und[k.bare] || told[k.bare] {
			continue // known, or told once already (the other elements of an array)
		}
		told[k.bare] = true
		parts := strings.Split(k.bare, ".")
		if len(parts) > 1 && und[strings.Join(parts[:len(parts)-1], ".")] {
			continue // inside a table already refused
		}
		name := parts[len(parts)-1]
		table := "at the top level"
		if len(parts) > 1 {
			table = "in [" + strings.Join(parts[:len(parts)-1], ".") + "]"
		}
		ps.add(k.path, "unknown key %q %s%s", name, table, didYouMean(name, keysAt(parts[:len(parts)-1])))
	}
}

// checkPlant decodes [plant] over the default plant, as a run does over
// its base, and checks that the plant can exist (Params.Validate).
func (s *Scenario) checkPlant(ps *problems) {
	p := plant.DefaultParams()
	if err := s.md.PrimitiveDecode(s.Plant, &p); err != nil {
		ps.add("plant", "%v", err)
		return
	}
	if err := p.Validate(); err != nil {
		ps.add(validateKey(err), "%v", err)
	}
}

// validateKey is the plant key a Validate error names ("modules = 0, ...").
func validateKey(err error) string {
	if name, _, ok := strings.Cut(err.Error(), " = "); ok && !strings.ContainsAny(name, " :") {
		return "plant." + name
	}
	return "plant"
}

// checkTop checks the top-level keys: name, seasons, duration, seed,
// start_week, demand.
func (s *Scenario) checkTop(ps *problems, data []byte) {
	if s.Name == "" {
		ps.add("name", "name is missing")
	}
	if s.Season == "" {
		s.Season = string(plant.Winter)
	}
	seasons := []string{string(plant.Winter), string(plant.Spring), string(plant.Summer)}
	if _, err := plant.SeasonWeather(plant.Season(s.Season)); err != nil {
		ps.add("season", "%s", unknownName("season", s.Season, seasons))
	}
	for i, season := range s.Seasons {
		if _, err := plant.SeasonWeather(plant.Season(season)); err != nil {
			ps.add(fmt.Sprintf("seasons[%d]", i), "%s", unknownName("season", season, seasons))
		}
	}
	if s.Duration <= 0 {
		ps.add("duration", "duration %s, want > 0", dur(s.Duration))
	}
	var raw struct {
		Seed int64 `toml:"seed"`
	}
	if _, err := toml.Decode(string(data), &raw); err == nil && raw.Seed < 0 {
		ps.add("seed", "seed %d, want >= 0", raw.Seed)
	}
	if week := 7 * 24 * units.Hour; s.StartWeek < 0 || s.StartWeek >= week {
		ps.add("start_week", "start_week %s, want 0 (Monday 00:00) to under %s (62h: Wednesday 14:00)", dur(s.StartWeek), dur(week))
	}
	s.checkStart(ps)
	level(ps, "demand", s.Demand)
	level(ps, "init.modules", s.Init.Modules)
}

// level refuses a level that is none, suggesting the nearest.
func level(ps *problems, key, v string) {
	if _, err := ParseLevel(v, hal.Level100); err != nil {
		ps.add(key, "%s", unknownName("level", v, levelNames()))
	}
}

func levelNames() []string {
	n := make([]string, 0, hal.NumLevels)
	for l := hal.Level(0); l < hal.NumLevels; l++ {
		n = append(n, l.String())
	}
	return n
}

// bound refuses v (NaN included) outside [lo, hi].
func bound(ps *problems, key string, v, lo, hi float64, unit string) {
	if !(v >= lo && v <= hi) {
		ps.add(key, "%s %g %s, want %g to %g", key[strings.LastIndex(key, ".")+1:], v, unit, lo, hi)
	}
}

// checkWeather keeps a scenario's weather on Earth: mean -30..45 C, swing
// 0..20 K, the sun 0..1200 W/m2 at noon and up in 0..24 h of the day.
func (s *Scenario) checkWeather(ps *problems) {
	if w := s.Weather; w != nil {
		bound(ps, "weather.mean_c", float64(w.MeanC), -30, 45, "C")
		bound(ps, "weather.amp_k", float64(w.AmpK), 0, 20, "K")
		bound(ps, "weather.solar_peak_w_per_m2", w.SolarPeakWPerM2, 0, 1200, "W/m2")
		bound(ps, "weather.daylight_h", w.DaylightH, 0, 24, "h")
	}
	for _, c := range []struct {
		key string
		v   *float64
	}{{"init.oil_c", s.Init.OilC}, {"init.water_c", s.Init.WaterC}, {"init.tank_top_c", s.Init.TankTopC},
		{"init.tank_bottom_c", s.Init.TankBottomC}, {"init.indoor_c", s.Init.IndoorC}} {
		if c.v != nil {
			bound(ps, c.key, *c.v, -30, 120, "C")
		}
	}
}

var weekdays = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// checkStart reads start_day and start_time into StartWeek: "wednesday"
// (or "wed") and "14:00" (or "14:00:30") are start_week = "62h".
func (s *Scenario) checkStart(ps *problems) {
	if s.StartDay == "" && s.StartTime == "" {
		return
	}
	if s.StartWeek != 0 {
		key := "start_day"
		if s.StartDay == "" {
			key = "start_time"
		}
		ps.add(key, "%s with start_week %s: give the start as start_week or as start_day and start_time, not both", key, dur(s.StartWeek))
		return
	}
	var at units.Duration
	if s.StartDay != "" {
		d := dayIndex(s.StartDay)
		if d < 0 {
			ps.add("start_day", "%s", unknownName("day", s.StartDay, weekdays))
			return
		}
		at = units.Duration(d) * 24 * units.Hour
	}
	if s.StartTime != "" {
		t, ok := clockTime(s.StartTime)
		if !ok {
			ps.add("start_time", "start_time %q, want a time of day from 00:00 to 23:59:59 (\"14:00\")", s.StartTime)
			return
		}
		at += t
	}
	s.StartWeek = at
}

// dayIndex is the day's place in the week from Monday (0), by its name or
// its first three letters, any case; -1 for none.
func dayIndex(name string) int {
	n := strings.ToLower(strings.TrimSpace(name))
	for i, d := range weekdays {
		if n == d || len(n) == 3 && strings.HasPrefix(d, n) {
			return i
		}
	}
	return -1
}

// clockTime reads "HH:MM" or "HH:MM:SS" on a 24-hour clock.
func clockTime(v string) (units.Duration, bool) {
	parts := strings.Split(v, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	limits := []int{24, 60, 60}
	var secs int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || len(p) != 2 && !(i == 0 && len(p) == 1) || n < 0 || n >= limits[i] {
			return 0, false
		}
		secs = secs*60 + n
	}
	if len(parts) == 2 {
		secs *= 60
	}
	return units.Duration(secs) * units.Second, true
}
