package safety

import (
	"errors"
	"hash/crc32"
	"math"
	"reflect"
	"strings"
	"testing"

	"hearth/units"
)

func TestDefaultConfigIsValid(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatalf("default config refused:\n%v", err)
	}
}

func TestValidateRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(c *Config)
		want string // the whole message of one of the errors
	}{
		{"oil_in trip above its hard bound", func(c *Config) { c.OilIn.TripC = 61 },
			"safety.oil_in.trip_c = 61 exceeds its hard bound 60"},
		{"oil_out trip above its hard bound", func(c *Config) { c.OilOut.TripC = 75.5 },
			"safety.oil_out.trip_c = 75.5 exceeds its hard bound 75"},
		{"water_flow trip above its hard bound", func(c *Config) { c.WaterFlow.TripC = 94 },
			"safety.water_flow.trip_c = 94 exceeds its hard bound 93"},
		{"tank trip above its hard bound", func(c *Config) { c.Tank.TripC = 84 },
			"safety.tank.trip_c = 84 exceeds its hard bound 83"},
		{"tank warn too low for the legionella hold", func(c *Config) { c.Tank.WarnC = 60 },
			"safety.tank.warn_c = 60 is below its hard bound 62"},
		{"warn above trip", func(c *Config) { c.OilIn.WarnC = 59 },
			"safety.oil_in.warn_c = 59 must be below safety.oil_in.trip_c = 58"},
		{"warn equal to trip", func(c *Config) { c.Tank.WarnC = 80 },
			"safety.tank.warn_c = 80 must be below safety.tank.trip_c = 80"},
		{"missing trip", func(c *Config) { c.OilOut.TripC = 0 }, "safety.oil_out.trip_c is missing (zero)"},
		{"missing timing", func(c *Config) { c.FlowProofS = 0 }, "safety.flow_proof_s is missing (zero)"},
		{"NaN limit", func(c *Config) { c.OilIn.TripC = units.Celsius(math.NaN()) },
			"safety.oil_in.trip_c = NaN is not a finite number"},
		{"infinite timing", func(c *Config) { c.RestoreS = math.Inf(1) },
			"safety.restore_s = +Inf is not a finite number"},
		{"negative hysteresis", func(c *Config) { c.OilIn.HystK = -1 },
			"safety.oil_in.hyst_k = -1 is below its hard bound 0"},
		{"hysteresis as wide as the gap", func(c *Config) { c.OilOut.HystK = 5 },
			"safety.oil_out.hyst_k = 5 must be below the warn-trip gap 5"},
		{"pressure trip high near the relief valve", func(c *Config) { c.PressureTripHighBar = 2.95 },
			"safety.pressure_trip_high_bar = 2.95 exceeds its hard bound 2.9"},
		{"pressure trip low too low", func(c *Config) { c.PressureTripLowBar = 0.2 },
			"safety.pressure_trip_low_bar = 0.2 is below its hard bound 0.3"},
		{"low-pressure warn below its trip", func(c *Config) { c.PressureWarnLowBar = 0.4 },
			"safety.pressure_warn_low_bar = 0.4 must be above safety.pressure_trip_low_bar = 0.5"},
		{"high-pressure warn above its trip", func(c *Config) { c.PressureWarnHighBar, c.PressureTripHighBar = 2.8, 2.7 },
			"safety.pressure_warn_high_bar = 2.8 must be below safety.pressure_trip_high_bar = 2.7"},
		{"pressure hysteresis as wide as a gap", func(c *Config) { c.PressureHystBar = 0.2 },
			"safety.pressure_hyst_bar = 0.2 must be below the warn-trip gap 0.2"},
		{"flow proof too long", func(c *Config) { c.FlowProofS = 31 },
			"safety.flow_proof_s = 31 exceeds its hard bound 30"},
		{"oil flow minimum below what modules need", func(c *Config) { c.MinOilFlowLPM = 9 },
			"safety.min_oil_flow_lpm = 9 is below its hard bound 10"},
		{"stale under one DS18B20 conversion", func(c *Config) { c.StaleS = 0.5 },
			"safety.stale_s = 0.5 is below its hard bound 1"},
		{"sensor loss shorter than stale", func(c *Config) { c.SensorLossS = 3 },
			"safety.sensor_loss_s = 3 must be at least safety.stale_s = 5"},
		{"restore faster than shed", func(c *Config) { c.ShedStepS, c.RestoreS = 15, 10 },
			"safety.restore_s = 10 must be at least safety.shed_step_s = 15"},
		{"shed step too slow", func(c *Config) { c.ShedStepS = 16 },
			"safety.shed_step_s = 16 exceeds its hard bound 15"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.mod(&c)
			err := c.Validate()
			if err == nil {
				t.Fatalf("accepted")
			}
			if !hasLine(err, tc.want) {
				t.Errorf("error\n%v\ndoes not say %q", err, tc.want)
			}
			var le *LimitError
			if !errors.As(err, &le) {
				t.Errorf("%v is not a *LimitError", err)
			}
		})
	}
}

func hasLine(err error, line string) bool {
	for _, l := range strings.Split(err.Error(), "\n") {
		if l == line {
			return true
		}
	}
	return false
}

func TestValidateListsEveryBrokenRule(t *testing.T) {
	c := DefaultConfig()
	c.OilIn.TripC, c.Tank.HystK, c.DebounceS = 70, 0, 11
	err := c.Validate()
	for _, want := range []string{
		"safety.oil_in.trip_c = 70 exceeds its hard bound 60",
		"safety.tank.hyst_k is missing (zero)",
		"safety.debounce_s = 11 exceeds its hard bound 10",
	} {
		if err == nil || !hasLine(err, want) {
			t.Errorf("error\n%v\ndoes not say %q", err, want)
		}
	}
	// A value outside its own bound is not reported again through a relation.
	if n := len(strings.Split(err.Error(), "\n")); n != 3 {
		t.Errorf("%d errors, want 3:\n%v", n, err)
	}
}

// tomlLeaves returns every leaf of Config as (TOML key under [safety], field).
func tomlLeaves(v reflect.Value, prefix string) (keys []string, fields []reflect.Value) {
	for i := range v.NumField() {
		tag := v.Type().Field(i).Tag.Get("toml")
		f := v.Field(i)
		if f.Kind() == reflect.Struct {
			k, fs := tomlLeaves(f, prefix+tag+".")
			keys, fields = append(keys, k...), append(fields, fs...)
			continue
		}
		keys, fields = append(keys, prefix+tag), append(fields, f)
	}
	return keys, fields
}

// A field added to Config without a hard bound fails here, and so does a
// bound that reads the wrong field.
func TestEveryConfigKeyHasAHardBound(t *testing.T) {
	var c Config
	keys, fields := tomlLeaves(reflect.ValueOf(&c).Elem(), "safety.")
	if len(keys) != len(bounds) {
		t.Errorf("Config has %d keys, bounds %d", len(keys), len(bounds))
	}
	for i, key := range keys {
		var b *bound
		for j := range bounds {
			if bounds[j].key == key {
				b = &bounds[j]
			}
		}
		if b == nil {
			t.Errorf("%s has no hard bound", key)
			continue
		}
		if !(b.min >= 0 && b.min < b.max) || b.why == "" {
			t.Errorf("%s: bound [%v, %v] why %q", key, b.min, b.max, b.why)
		}
		c = DefaultConfig()
		fields[i].SetFloat(123456.5)
		if got := b.get(&c); got != 123456.5 {
			t.Errorf("bound %s reads %v, not its field", key, got)
		}
		fields[i].SetFloat(0)
		if err := c.Validate(); err == nil || !hasLine(err, key+" is missing (zero)") {
			t.Errorf("%s zeroed: %v", key, err)
		}
	}
}

// Both ends of every hard bound pass the bound itself (min 0 excepted: zero
// is missing); a relation may still refuse them.
func TestBoundsAreInclusive(t *testing.T) {
	for i := range bounds {
		for _, v := range []float64{bounds[i].min, bounds[i].max} {
			if v == 0 {
				continue
			}
			c := DefaultConfig()
			leafFields(&c)[i].SetFloat(v)
			for _, err := range splitErrs(c.Validate()) {
				var le *LimitError
				if errors.As(err, &le) && le.Key == bounds[i].key && le.Rule <= RuleBelowBound {
					t.Errorf("%s = %v, its own bound: %v", bounds[i].key, v, err)
				}
			}
		}
	}
}

// leafFields returns c's leaves in the order of the bounds table.
func leafFields(c *Config) []reflect.Value {
	keys, fields := tomlLeaves(reflect.ValueOf(c).Elem(), "safety.")
	out := make([]reflect.Value, len(bounds))
	for i := range bounds {
		for j, k := range keys {
			if k == bounds[i].key {
				out[i] = fields[j]
			}
		}
	}
	return out
}

func splitErrs(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err != nil {
		return []error{err}
	}
	return nil
}

func TestConfigChecksum(t *testing.T) {
	c := DefaultConfig()
	sum := c.ConfigChecksum()
	if d := DefaultConfig(); d.ConfigChecksum() != sum {
		t.Fatal("equal configs, different checksums")
	}
	if (&Config{}).ConfigChecksum() == 0 {
		t.Error("the zero config checksums to 0")
	}
	for i, f := range leafFields(&c) {
		old := f.Float()
		f.SetFloat(old + 0.5)
		if c.ConfigChecksum() == sum {
			t.Errorf("changing %s leaves the checksum unchanged", bounds[i].key)
		}
		f.SetFloat(old)
	}
	z := DefaultConfig()
	z.OilIn.HystK = units.Kelvin(math.Copysign(0, -1))
	y := DefaultConfig()
	y.OilIn.HystK = 0
	if z.ConfigChecksum() != y.ConfigChecksum() {
		t.Error("-0 and 0 checksum differently")
	}
	// The canonical encoding, spelled out: the checksum is CRC-32C over it.
	enc := []byte("HCFG\x01")
	for _, f := range leafFields(&c) {
		bits := math.Float64bits(f.Float())
		for j := 0; j < 64; j += 8 {
			enc = append(enc, byte(bits>>j))
		}
	}
	if want := crc32.Checksum(enc, castagnoli); sum != want {
		t.Errorf("checksum %#x, CRC-32C of the canonical encoding %#x", sum, want)
	}
	if n := testing.AllocsPerRun(100, func() { sum = c.ConfigChecksum() }); n != 0 {
		t.Errorf("ConfigChecksum allocates %v", n)
	}
}

func TestLimitErrorMessages(t *testing.T) {
	for _, c := range []struct {
		e    LimitError
		want string
	}{
		{LimitError{Key: "safety.oil_in.trip_c", Value: 61, Rule: RuleAboveBound, Bound: 60},
			"safety.oil_in.trip_c = 61 exceeds its hard bound 60"},
		{LimitError{Key: "safety.x", Value: 1, Rule: 200}, "safety.x = 1 breaks rule 200"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

// boundsMarkdown renders the bounds table for docs/safety.md.
func boundsMarkdown() string {
	def := DefaultConfig()
	var b strings.Builder
	b.WriteString("| key | default | hard bound | why |\n| --- | --- | --- | --- |\n")
	for i := range bounds {
		bd := &bounds[i]
		open := "["
		if bd.min == 0 {
			open = "("
		}
		b.WriteString("| `" + bd.key + "` | " + formatFloat(bd.get(&def)) + " | " + open + formatFloat(bd.min) + ", " +
			formatFloat(bd.max) + "] | " + bd.why + " |\n")
	}
	return b.String()
}

func TestDocBounds(t *testing.T) {
	checkDocSection(t, "bounds", boundsMarkdown())
}
