package pid

import (
	"encoding/binary"
	"math"
	"testing"

	"hearth/units"
)

// fuzzOps reads a byte string as a sequence of operations on a controller:
// an opcode byte, then raw 8-byte values, so NaN, ±Inf, subnormals, huge
// values and any interval (zero, negative, centuries) all come up.
type fuzzOps struct{ b []byte }

func (f *fuzzOps) u64() uint64 {
	if len(f.b) < 8 {
		f.b = nil
		return 0
	}
	v := binary.LittleEndian.Uint64(f.b)
	f.b = f.b[8:]
	return v
}

func (f *fuzzOps) f64() float64 { return math.Float64frombits(f.u64()) }

// small maps a raw value to a modest one half of the time, so that the
// controller also spends time in its ordinary regime.
func (f *fuzzOps) small() float64 {
	v := f.u64()
	if v&1 == 0 {
		return float64(int64(v)>>40) / 1e3
	}
	return math.Float64frombits(v)
}

func enc(vs ...any) []byte {
	var b []byte
	for _, v := range vs {
		switch v := v.(type) {
		case byte:
			b = append(b, v)
		case float64:
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		case int64:
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
	}
	return b
}

// FuzzController: whatever the inputs, the configuration changes, the modes
// and the clock, every output is within the limits in force and never NaN,
// and the terms stay finite.
func FuzzController(f *testing.F) {
	nan, inf := math.NaN(), math.Inf(1)
	f.Add(enc(byte(0), 1.0, 0.0, 0.0, int64(units.Second), byte(0), 1.0, nan, 0.0, int64(units.Second)))
	f.Add(enc(byte(0), inf, 0.0, 0.0, int64(0), byte(0), 1.0, -inf, inf, int64(units.Second)))
	f.Add(enc(byte(0), 50.0, 20.0, 0.0, int64(units.Second), byte(0), 50.0, 20.0, 0.0, int64(math.MaxInt64)))
	f.Add(enc(byte(0), 50.0, 20.0, 0.0, int64(math.MinInt64), byte(0), 50.0, 20.0, 0.0, int64(math.MaxInt64)))
	f.Add(enc(byte(0), 1.0, 0.0, 0.0, int64(0), byte(0), 1.0, 0.0, 0.0, int64(0), byte(0), 1.0, 2.0, 0.0, int64(-5*units.Second)))
	f.Add(enc(byte(0), 1e308, -1e308, 1e308, int64(units.Second), byte(1), nan, byte(2), -inf, byte(4), 1e300))
	f.Add(enc(byte(2), 0.5, byte(0), 1.0, 0.0, 0.0, int64(units.Second), byte(3), byte(0), 1.0, 0.0, 0.0, int64(units.Second)))
	f.Add(enc(byte(5), 1e9, 1e9, 1e9, 1.0, -1e9, 1e9, 0.0, byte(0), 1e-300, 5e-324, 0.0, int64(units.Hour)))
	f.Add(enc(byte(0), 1.0, 0.0, 0.0, int64(units.Second), byte(1), 0.9, byte(0), 1.0, 0.0, 0.0, int64(units.Second), byte(4), nan))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := New(Config{Kp: 2, Ki: 0.1, Kd: 5, SetpointWeight: 0.7, OutMin: -1, OutMax: 3, RateLimit: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		ops := &fuzzOps{b: data}
		now := units.Time(0)
		check := func(what string, u float64) {
			cfg := c.Config()
			if math.IsNaN(u) || u < cfg.OutMin || u > cfg.OutMax {
				t.Fatalf("%s: output %v outside [%v, %v]", what, u, cfg.OutMin, cfg.OutMax)
			}
			if p, i, d, ff := c.Terms(); !finite(p) || !finite(i) || !finite(d) || !finite(ff) {
				t.Fatalf("%s: terms %v %v %v %v", what, p, i, d, ff)
			}
		}
		for n := 0; len(ops.b) > 0 && n < 1000; n++ {
			op := ops.b[0] % 6
			ops.b = ops.b[1:]
			switch op {
			case 0:
				r, y, ff := ops.small(), ops.small(), ops.small()
				now += units.Time(ops.u64())
				check("Update", c.Update(r, y, ff, now))
			case 1:
				c.Track(ops.small())
			case 2:
				c.SetManual(ops.small())
			case 3:
				c.SetAuto()
			case 4:
				c.Reset(ops.small())
			case 5:
				cfg := Config{Kp: ops.small(), Ki: ops.small(), Kd: ops.small(), SetpointWeight: ops.small(),
					OutMin: ops.small(), OutMax: ops.small(), RateLimit: ops.small(),
					DerivativeFilter: units.Duration(ops.u64() % uint64(units.Hour)),
					TrackingTime:     units.Duration(ops.u64() % uint64(units.Hour)),
					Reverse:          ops.u64()&1 == 1}
				_ = c.Configure(cfg)
			}
			check("after op", c.Output())
		}
	})
}

// FuzzTuner: whatever the measurements and the clock, the tuner's output is
// within its limits and never NaN, and once it is done it stays done at
// RestOutput.
func FuzzTuner(f *testing.F) {
	nan, inf := math.NaN(), math.Inf(1)
	f.Add(enc(0.0, int64(units.Second), 1.0, int64(units.Second), nan, int64(units.Second), 0.0, int64(units.Second)))
	f.Add(enc(inf, int64(0), -inf, int64(-units.Second), 0.5, int64(math.MaxInt64), 0.2, int64(units.Second)))
	f.Add(enc(0.0, int64(units.Second), 0.6, int64(units.Second), 0.4, int64(units.Second), 0.6, int64(units.Second), 0.4, int64(units.Second)))
	f.Add(enc(1e308, int64(units.Second), -1e308, int64(units.Second), 5e-324, int64(units.Hour)))
	f.Fuzz(func(t *testing.T, data []byte) {
		var tu Tuner
		cfg := TunerConfig{Setpoint: 0.5, Hysteresis: 0.05, OutMin: 0, OutMax: 1, Bias: 0.4, AdaptiveBias: true,
			RestOutput: 0.1, MaxDeviation: 2, MaxDuration: units.Hour, MinCycles: 2, MaxCycles: 5}
		if err := tu.Configure(cfg); err != nil {
			t.Fatal(err)
		}
		ops := &fuzzOps{b: data}
		now := units.Time(0)
		finished := false
		for n := 0; len(ops.b) > 0 && n < 2000; n++ {
			y := ops.small()
			now += units.Time(ops.u64() % uint64(2*units.Minute))
			u, done := tu.Step(y, now)
			if math.IsNaN(u) || u < cfg.OutMin || u > cfg.OutMax {
				t.Fatalf("output %v outside [%v, %v]", u, cfg.OutMin, cfg.OutMax)
			}
			if finished && (!done || u != cfg.RestOutput) {
				t.Fatalf("after the end: %v, %v", u, done)
			}
			finished = done
		}
		if r, err := tu.Result(); err == nil && !(r.Ku > 0) {
			t.Fatalf("done without error but Ku = %v: %+v", r.Ku, r)
		}
	})
}
