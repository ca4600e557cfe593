package pid

import (
	"errors"
	"math"
	"strings"
	"testing"

	"hearth/units"
)

// Recommend's contract on a tuned FOPDT plant: the rule, a reason naming τ
// and the structure, Apply setting b and Tf, the design inside its bounds;
// a quantum lengthens the derivative filter; no model, no recommendation.
func TestRecommendContract(t *testing.T) {
	cfg := relayConfig(fopdtPlant, 0)
	cfg.QuietTime = 30 * units.Second
	r, err, _ := tuneRun(t, fopdtPlant, cfg, 1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := r.Recommend(RecommendOptions{Period: units.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", rc)
	if rc.Rule != MsIAE || rc.Gains.Rule != MsIAE || rc.Rule.String() != "ms-iae" {
		t.Errorf("rule %v / %v", rc.Rule, rc.Gains.Rule)
	}
	// e^{−20s}/(100s+1): τ = 20/120.
	if math.Abs(rc.Tau-20.0/120) > 0.01 || rc.Order != 1 || !strings.HasPrefix(rc.Reason, "τ = 0.17, lag-dominant, first order: PID") {
		t.Errorf("τ %.3f order %d reason %q", rc.Tau, rc.Order, rc.Reason)
	}
	if rc.Ms > DefaultMaxSensitivity*1.01 || rc.ModelOvershoot > DefaultMaxOvershoot*1.01 || !(rc.SetpointWeight >= 0 && rc.SetpointWeight <= 1) {
		t.Errorf("design outside its bounds: Ms %.3f overshoot %.3f b %.2f", rc.Ms, rc.ModelOvershoot, rc.SetpointWeight)
	}
	c := rc.Apply(Config{Kp: 9, OutMax: 5, Reverse: true})
	if c.Kp != rc.Gains.Kp || c.Ki != rc.Gains.Ki || c.Kd != rc.Gains.Kd || c.SetpointWeight != rc.SetpointWeight ||
		c.DerivativeFilter != rc.DerivativeFilter || c.OutMax != 5 || !c.Reverse {
		t.Errorf("Apply: %+v", c)
	}
	if rc.Gains.Kd > 0 && rc.DerivativeFilter != units.DurationOf(rc.Gains.Td().Seconds()/8) {
		t.Errorf("clean signal: Tf %v, want Td/8 = %v", rc.DerivativeFilter, rc.Gains.Td()/8)
	}
	q, err := r.Recommend(RecommendOptions{Period: units.Second, Quantum: 0.01, SetpointStep: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if q.Gains.Kd == 0 && !strings.Contains(q.Reason, "PI: a PID would save only") {
		t.Errorf("quantum 0.01: a PI without the reason: %q", q.Reason)
	}
	if q.Gains.Kd > 0 {
		if want := q.Gains.Kd * 0.01 / (DerivativeKick * 2 * r.Relay.Swing); q.DerivativeFilter.Seconds() < want*0.999 {
			t.Errorf("quantum 0.01: Tf %v, want at least %.3g s", q.DerivativeFilter, want)
		}
	}
	t.Logf("quantum 0.01: %s", q.Reason)
	if _, err := r.Gains(MsIAE); !errors.Is(err, ErrRecommendOnly) {
		t.Errorf("Gains(ms-iae): %v", err)
	}
	if _, err := (Result{}).Recommend(RecommendOptions{}); !errors.Is(err, ErrNoModel) {
		t.Errorf("no model: %v", err)
	}
	if back, err := ParseRule("ms-iae"); err != nil || back != MsIAE {
		t.Errorf("ParseRule(ms-iae) = %v, %v", back, err)
	}
}

// The quiet window, the step record and the fits allocate nothing either.
func TestTunerStepWithQuietWindowDoesNotAllocate(t *testing.T) {
	tu := new(Tuner)
	cfg := relayConfig(fopdtPlant, 0)
	cfg.QuietTime = 20 * units.Second
	if err := tu.Configure(cfg); err != nil {
		t.Fatal(err)
	}
	s := newSim(fopdtPlant, 0.1, 0)
	k := 0
	done := false
	if n := testing.AllocsPerRun(3000, func() {
		var u float64
		u, done = tu.Step(s.y(), sec(float64(k)))
		s.advance(u, 1)
		k++
	}); n != 0 {
		t.Errorf("Tuner.Step: %v allocations per run", n)
	}
	if r, err := tu.Result(); !done || err != nil || !r.Second.Valid {
		t.Errorf("the allocation test should run to the end and fit: done %v, %v, %+v", done, err, r.Second)
	}
}

// ActuatorRange bounds the design's noise gain: on the same identified
// plant, with a noise band that the unbounded design would pass to the
// output at more than NoiseShare of the range, the bounded design's gain
// at high frequency times the noise is within NoiseShare (2 % slack for
// the optimiser's exterior penalty), and the reason says it was held;
// without a range nothing changes.
func TestRecommendBoundsNoiseGain(t *testing.T) {
	cfg := relayConfig(fopdtPlant, 0)
	cfg.QuietTime = 30 * units.Second
	r, err, _ := tuneRun(t, fopdtPlant, cfg, 1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	free, err := r.Recommend(RecommendOptions{Period: units.Second})
	if err != nil {
		t.Fatal(err)
	}
	hf := func(rc Recommendation) float64 {
		g := rc.Gains.Kp
		if tf := rc.DerivativeFilter.Seconds(); rc.Gains.Kd > 0 && tf > 0 {
			g += rc.Gains.Kd / tf
		}
		return g
	}
	// A noise band at which even a PI with a third of the free design's
	// Kp would move the output by 4 % of a unit range: the bound must
	// bite on either structure.
	r.NoiseBand = DefaultNoiseShare / (free.Gains.Kp / 3)
	same, err := r.Recommend(RecommendOptions{Period: units.Second})
	if err != nil {
		t.Fatal(err)
	}
	held, err := r.Recommend(RecommendOptions{Period: units.Second, ActuatorRange: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("free: kp %.3g hf %.3g; noise %.3g; held: kp %.3g hf %.3g, %s", free.Gains.Kp, hf(free), r.NoiseBand, held.Gains.Kp, hf(held), held.Reason)
	if got := hf(held) * r.NoiseBand; got > DefaultNoiseShare*1.02 {
		t.Errorf("bounded design moves the output by %.3f of its range on the noise, want at most %.3f", got, DefaultNoiseShare)
	}
	if !strings.Contains(held.Reason, "held to") || !strings.Contains(held.Reason, "no chatter") {
		t.Errorf("reason does not say the gain was held: %q", held.Reason)
	}
	if strings.Contains(same.Reason, "held to") {
		t.Errorf("no ActuatorRange, yet held: %q", same.Reason)
	}
	if !(held.ModelIAE >= same.ModelIAE) {
		t.Errorf("a bound that bites costs IAE: held %.3g, free %.3g", held.ModelIAE, same.ModelIAE)
	}
}
