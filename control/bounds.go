package control

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"hearth/pid"
	"hearth/units"
)

// Kinds of a configuration value, as a file writes it.
const (
	KindNumber   = ""         // a TOML float
	KindDuration = "duration" // a duration as text, "150h": Min and Max in seconds
	KindBool     = "bool"     // true or false: no bound
)

// Bound is one key of control's configuration: its unit, its bound and
// what it does. A value outside [Min, Max] is refused, and so is Min itself
// when MinOpen (Max when MaxOpen). docs/config.md shows this table.
type Bound struct {
	Key              string // the TOML key, "control.oil_ceiling_c", "control.oil_flow.kp"
	Unit             string
	Kind             string
	Min, Max         float64
	MinOpen, MaxOpen bool
	Doc              string
	get              func(*Config) float64
}

// Value returns the key's value in c (a duration in seconds, a bool as 0
// or 1).
func (b *Bound) Value(c *Config) float64 { return b.get(c) }

// Format renders v as the file writes it.
func (b *Bound) Format(v float64) string {
	switch b.Kind {
	case KindDuration:
		return units.DurationOf(v).String()
	case KindBool:
		return strconv.FormatBool(v != 0)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// Bounds returns every key of Config with its bound, in the order of
// docs/config.md. A test fails when a field of Config is missing.
func Bounds() []Bound { return append([]Bound(nil), bounds...) }

// ConfigError is one refused value of a configuration: its key, its value
// as the file writes it, and what is wrong with it.
type ConfigError struct {
	Key, Value, Problem string
}

func (e *ConfigError) Error() string { return e.Key + " = " + e.Value + ": " + e.Problem }

// Validate checks every value against its bound, each loop's gains as
// package pid does, and the relations between control's own values. It
// returns nil or every broken rule joined (errors.Join of *ConfigError).
func (c *Config) Validate() error {
	var errs []error
	ok := make(map[string]bool, len(bounds))
	for i := range bounds {
		b := &bounds[i]
		if p := b.problem(c); p != "" {
			errs = append(errs, &ConfigError{b.Key, b.Format(b.get(c)), p})
			continue
		}
		ok[b.Key] = true
	}
	for _, l := range gainLoops {
		g := l.get(c)
		if err := g.Validate(); err != nil && allOK(ok, "control."+l.key+".") {
			var ce *pid.ConfigError
			if errors.As(err, &ce) {
				key := "control." + l.key + "." + strings.ToLower(ce.Field)
				b := boundOf(key)
				errs = append(errs, &ConfigError{key, b.Format(b.get(c)), pidNames.Replace(ce.Reason)})
			} else {
				errs = append(errs, &ConfigError{"control." + l.key, "", err.Error()})
			}
		}
	}
	for _, r := range relations {
		a, b := boundOf(r.key), boundOf(r.other)
		x, y := a.get(c), b.get(c)
		if ok[r.key] && ok[r.other] && !(x < y || r.atMost && x == y) {
			rule := "must be below "
			if r.atMost {
				rule = "must be at most "
			}
			errs = append(errs, &ConfigError{r.key, a.Format(x), rule + r.other + " = " + b.Format(y) + ": " + r.why})
		}
	}
	return errors.Join(errs...)
}

// problem says how the value breaks its bound, or "".
func (b *Bound) problem(c *Config) string {
	v := b.get(c)
	bs := func(x float64) string { return b.Format(x) }
	switch {
	case b.Kind == KindBool:
		return ""
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "not a finite number"
	case v < b.Min:
		return "below its bound " + bs(b.Min)
	case v == b.Min && b.MinOpen:
		return "at its bound " + bs(b.Min) + ": must be above it"
	case v > b.Max:
		return "above its bound " + bs(b.Max)
	case v == b.Max && b.MaxOpen:
		return "at its bound " + bs(b.Max) + ": must be below it"
	}
	return ""
}

// pidNames are pid.Config's field names as a file writes them.
var pidNames = strings.NewReplacer("OutMin", "outmin", "OutMax", "outmax", "Kp", "kp", "Ki", "ki", "Kd", "kd",
	"DerivativeFilter", "derivativefilter", "TrackingTime", "trackingtime")

func allOK(ok map[string]bool, prefix string) bool {
	for i := range bounds {
		if k := bounds[i].Key; strings.HasPrefix(k, prefix) && bounds[i].Kind != KindBool && !ok[k] {
			return false
		}
	}
	return true
}

func boundOf(key string) *Bound {
	for i := range bounds {
		if bounds[i].Key == key {
			return &bounds[i]
		}
	}
	panic("control: no bound for " + key)
}

// A relation: key must be below other (at most other, when atMost).
var relations = []struct {
	key, other string
	atMost     bool
	why        string
}{
	{"control.oil_ceiling_c", "control.oil_out_max_c", false, "the oil rises across the modules"},
	{"control.indoor_floor_c", "control.indoor_max_c", false, "the house's floor is under its maximum"},
	{"control.curve_out_a_c", "control.curve_out_b_c", false, "the weather curve's cold end is at the lower outside temperature"},
	{"control.curve_flow_b_c", "control.curve_flow_a_c", true, "the colder outside, the hotter (or as hot) the radiators' flow"},
	{"control.tank_target_c", "control.legionella_c", true, "the weekly hold lifts the tank to at least its target"},
	{"control.oil_flow_min_lpm", "control.oil_pump_max_lpm", false, "the pump must give more than the minimum flow"},
	{"control.module_idle_w", "control.module_full_w", false, "a module draws more at full than idle"},
	{"control.shed_margin_k", "control.restore_margin_k", false, "compute is restored further under the ceiling than it is shed, or it chatters"},
}
