package pid

import (
	"math"
	"testing"

	"hearth/units"
)

// The SOPDT fit recovers the parameters of plants that are of its kind:
// K, T1, T2 and L within 10 % (T2 of a first-order plant below a tenth of
// T1), with and without
// noise; the quiet window measures the noise band and sets the hysteresis
// from it (0 on the clean signal).
func TestSOPDTFitRecoversKnownPlants(t *testing.T) {
	for _, tc := range []struct {
		p      plant
		period float64 // s
		noise  float64 // ± fraction of |K|
	}{
		{fopdtPlant, 1, 0},
		{fopdtPlant, 1, 0.004},
		{plant{name: "FOPDT L = T", k: 2, lags: []float64{30}, delay: 30}, 0.5, 0},
		{secondPlant, 0.1, 0},
		{plant{name: "SOPDT 300/100 s, L 30 s", k: 2, lags: []float64{300, 100}, delay: 30}, 1, 0},
		{plant{name: "SOPDT 300/100 s, L 30 s", k: 2, lags: []float64{300, 100}, delay: 30}, 1, 0.003},
		{plant{name: "SOPDT equal lags", k: 1, lags: []float64{60, 60}, delay: 10}, 1, 0},
		{plant{name: "thermal", k: 40, lags: []float64{1800}, delay: 60}, 2, 0.002},
	} {
		cfg := relayConfig(tc.p, 0)
		cfg.QuietTime = units.DurationOf(50 * tc.period)
		r, err, _ := tuneRun(t, tc.p, cfg, tc.period, 0, tc.noise*math.Abs(tc.p.k))
		if err != nil {
			t.Fatalf("%s: %v", tc.p.name, err)
		}
		m := r.Second
		t1, t2 := tc.p.lags[0], 0.0
		if len(tc.p.lags) > 1 {
			t2 = tc.p.lags[1]
		}
		t.Logf("%s, noise ±%g: K %.4f (%g) T1 %.2f s (%g) T2 %.2f s (%g) L %.2f s (%g), residual %.4f; band %.4f, ε %.4f",
			tc.p.name, tc.noise, m.K, tc.p.k, m.T1.Seconds(), t1, m.T2.Seconds(), t2, m.L.Seconds(), tc.p.delay,
			m.Residual, r.NoiseBand, r.Hysteresis)
		if !m.Valid {
			t.Fatalf("%s: no SOPDT fit", tc.p.name)
		}
		// Within 10 %; a zero parameter (T2 of a first-order plant) below
		// a tenth of T1.
		within := func(got, want float64) bool {
			if want == 0 {
				return math.Abs(got) <= 0.1*t1
			}
			return math.Abs(got-want) <= 0.1*math.Abs(want)
		}
		if !within(m.K, tc.p.k) || !within(m.T1.Seconds(), t1) || !within(m.T2.Seconds(), t2) ||
			!within(m.L.Seconds(), tc.p.delay) {
			t.Errorf("%s: fit %+v outside 10 %%", tc.p.name, m)
		}
		switch {
		case tc.noise == 0 && (r.NoiseBand != 0 || r.Hysteresis != 0):
			t.Errorf("%s: clean signal, band %g ε %g; want 0", tc.p.name, r.NoiseBand, r.Hysteresis)
		case tc.noise > 0 && (r.NoiseBand < tc.noise*math.Abs(tc.p.k) || r.NoiseBand > 2*tc.noise*math.Abs(tc.p.k) ||
			r.Hysteresis != HysteresisPerBand*r.NoiseBand):
			t.Errorf("%s: noise ±%g, band %g ε %g", tc.p.name, tc.noise*math.Abs(tc.p.k), r.NoiseBand, r.Hysteresis)
		}
	}
}

// An explicit Hysteresis overrides the measured band.
func TestQuietWindowHysteresisOverride(t *testing.T) {
	cfg := relayConfig(fopdtPlant, 0.02)
	cfg.QuietTime = 60 * units.Second
	r, err, _ := tuneRun(t, fopdtPlant, cfg, 1, 0, 0.003)
	if err != nil {
		t.Fatal(err)
	}
	if r.Hysteresis != 0.02 || !(r.NoiseBand > 0.003) {
		t.Errorf("override: ε %g band %g; want ε 0.02 and the band measured", r.Hysteresis, r.NoiseBand)
	}
	cfg.Hysteresis, cfg.MaxDeviation = 0, 0.004
	if _, err, _ := tuneRun(t, fopdtPlant, cfg, 1, 0, 0.003); err != ErrNoisy {
		t.Errorf("band above the deviation bound: %v, want ErrNoisy", err)
	}
}
