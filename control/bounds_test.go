package control

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"hearth/pid"
)

// Every key of Config, and of each loop's pid.Config, has its bound.
func TestBoundsCoverConfig(t *testing.T) {
	have := map[string]bool{}
	for _, b := range Bounds() {
		if have[b.Key] {
			t.Errorf("%s twice", b.Key)
		}
		have[b.Key] = true
		if b.Doc == "" || b.Unit == "" {
			t.Errorf("%s: no doc or unit", b.Key)
		}
	}
	pidType := reflect.TypeFor[pid.Config]()
	ct := reflect.TypeFor[Config]()
	n := 0
	for i := range ct.NumField() {
		f := ct.Field(i)
		key := "control." + f.Tag.Get("toml")
		if f.Type != pidType {
			n++
			if !have[key] {
				t.Errorf("%s (%s) has no bound", key, f.Name)
			}
			continue
		}
		for j := range pidType.NumField() {
			n++
			if k := key + "." + strings.ToLower(pidType.Field(j).Name); !have[k] {
				t.Errorf("%s has no bound", k)
			}
		}
	}
	if n != len(have) {
		t.Errorf("%d keys in Config, %d bounds", n, len(have))
	}
}

// The reference configuration is within every bound.
func TestDefaultWithinBounds(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

// Each bound refuses a value past it, naming the key, the value and the
// bound; every broken rule is reported, not just the first.
func TestBoundsRefuse(t *testing.T) {
	for _, c := range []struct {
		set  func(*Config)
		want []string
	}{
		{func(c *Config) { c.OilFlowGains.Kp = -1 }, []string{"control.oil_flow.kp = -1: below its bound 0"}},
		{func(c *Config) { c.OilCeilingC = 61; c.DumpGains.Ki = math.NaN() },
			[]string{"control.oil_ceiling_c = 61: above its bound 60", "control.dump.ki = NaN: not a finite number"}},
		{func(c *Config) { c.StaleS = 0 }, []string{"control.stale_s = 0: at its bound 0: must be above it"}},
		{func(c *Config) { c.ExerciseAt = 168 * 3600e9 }, []string{"control.exercise_at = 168h: at its bound 168h: must be below it"}},
		{func(c *Config) { c.TankGains.OutMin = 0.5; c.TankGains.OutMax = 0.5 }, []string{"control.tank.outmax = 0.5: is not above outmin"}},
		{func(c *Config) { c.IndoorFloorC = 23 }, []string{"control.indoor_floor_c = 23: must be below control.indoor_max_c = 22"}},
		{func(c *Config) { c.LegionellaC = 55 }, nil}, // a hold at 55 C is still above the 48 C target
		{func(c *Config) { c.LegionellaC = 55; c.TankTargetC = 56 }, []string{"control.tank_target_c = 56: must be at most control.legionella_c = 55"}},
	} {
		cfg := DefaultConfig()
		c.set(&cfg)
		err := cfg.Validate()
		if len(c.want) == 0 {
			if err != nil {
				t.Errorf("refused: %v", err)
			}
			continue
		}
		if err == nil {
			t.Errorf("accepted, want %q", c.want)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q, want %q", err, w)
			}
		}
		if got := len(strings.Split(err.Error(), "\n")); got != len(c.want) {
			t.Errorf("%d errors, want %d: %v", got, len(c.want), err)
		}
	}
}

// A weekly time reads as a duration: exercise_at = "150h" in [control].
func TestExerciseAtAsText(t *testing.T) {
	var cfg struct {
		Control Config `toml:"control"`
	}
	cfg.Control = DefaultConfig()
	if _, err := toml.Decode("[control]\nexercise_at = \"150h\"\nlegionella_at = \"2h30m\"\n", &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Control.ExerciseAt != 150*3600e9 || cfg.Control.LegionellaAt != 9000e9 {
		t.Errorf("exercise_at %v, legionella_at %v", cfg.Control.ExerciseAt, cfg.Control.LegionellaAt)
	}
	if err := cfg.Control.Validate(); err != nil {
		t.Error(err)
	}
}
