package pid

import (
	"math"
	"testing"

	"hearth/units"
)

func sampled(step, end float64, f func(t float64) float64) ([]units.Time, []float64) {
	var ts []units.Time
	var ys []float64
	for k := 0; float64(k)*step <= end+1e-9; k++ {
		t := float64(k) * step
		ts, ys = append(ts, sec(t)), append(ys, f(t))
	}
	return ts, ys
}

// Figures of analytic responses, sampled every 10 ms.
func TestStepFiguresOfAnalyticResponses(t *testing.T) {
	const tau = 20.0
	zeta, wn := 0.5, 0.2
	wd := wn * math.Sqrt(1-zeta*zeta)
	second := func(t float64) float64 { // underdamped second-order step response
		return 1 - math.Exp(-zeta*wn*t)*(math.Cos(wd*t)+zeta/math.Sqrt(1-zeta*zeta)*math.Sin(wd*t))
	}
	for _, tc := range []struct {
		name     string
		from, to float64
		f        func(float64) float64
		want     StepFigures
		tolTs    float64 // s
		tolIAE   float64
	}{
		{
			// Overshoot 0, settling τ·ln 50, IAE τ (less the tail after 300 s).
			name: "first order up", from: 0, to: 1, f: func(t float64) float64 { return 1 - math.Exp(-t/tau) },
			want:  StepFigures{Overshoot: 0, Peak: 1, SettlingTime: units.DurationOf(tau * math.Log(50)), Settled: true, IAE: tau * (1 - math.Exp(-300/tau))},
			tolTs: 0.001, tolIAE: 1e-5,
		},
		{
			name: "first order down", from: 80, to: 60, f: func(t float64) float64 { return 60 + 20*math.Exp(-t/tau) },
			want:  StepFigures{Overshoot: 0, Peak: 60, SettlingTime: units.DurationOf(tau * math.Log(50)), Settled: true, IAE: 20 * tau * (1 - math.Exp(-300/tau))},
			tolTs: 0.001, tolIAE: 2e-5,
		},
		{
			// Overshoot e^{−πζ/√(1−ζ²)} = 16.30 %.
			name: "second order, ζ = 0.5", from: 0, to: 1, f: second,
			want: StepFigures{Overshoot: math.Exp(-math.Pi * zeta / math.Sqrt(1-zeta*zeta)),
				Peak: 1 + math.Exp(-math.Pi*zeta/math.Sqrt(1-zeta*zeta)), Settled: true},
			tolTs: -1, tolIAE: -1,
		},
	} {
		ts, ys := sampled(0.01, 300, tc.f)
		got, err := StepResponse(ts, ys, 0, tc.from, tc.to, 0.02)
		if err != nil {
			t.Fatal(err)
		}
		if !near(got.Overshoot, tc.want.Overshoot, 1e-6) || !near(got.Peak, tc.want.Peak, 1e-6*math.Abs(tc.want.Peak)+1e-6) || got.Settled != tc.want.Settled {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
		if tc.tolTs >= 0 && !near(got.SettlingTime.Seconds(), tc.want.SettlingTime.Seconds(), tc.tolTs) {
			t.Errorf("%s: settling %v, want %v", tc.name, got.SettlingTime, tc.want.SettlingTime)
		}
		if tc.tolIAE >= 0 && !near(got.IAE, tc.want.IAE, tc.tolIAE) {
			t.Errorf("%s: IAE %v, want %v", tc.name, got.IAE, tc.want.IAE)
		}
	}
}

// The settling time is the last entry into the band, interpolated; the IAE
// splits an interval at a sign change of the error.
func TestStepMeterEdges(t *testing.T) {
	m, err := NewStepMeter(sec(10), 0, 1, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	m.Add(sec(5), 0)           // before the step: skipped
	m.Add(sec(10), 0)          // e = 1
	m.Add(sec(12), 2)          // e = −1: |e| integrates to 1, not 0; peak 2
	m.Add(sec(12), 1)          // not after the previous sample: skipped
	m.Add(sec(13), math.NaN()) // skipped
	m.Add(sec(14), 1.05)       // e goes −1 → −0.05: inside the band from 12 + 2·0.9/0.95 s
	f := m.Figures()
	wantIAE := 1 + 2*(1+0.05)/2
	wantTs := 2 + 2*0.9/0.95
	if m.Skipped() != 3 || !near(f.IAE, wantIAE, 1e-12) || f.Overshoot != 1 || f.Peak != 2 ||
		!f.Settled || !near(f.SettlingTime.Seconds(), wantTs, 1e-9) {
		t.Errorf("figures %+v (skipped %d); want IAE %v, overshoot 1, settling %v s", f, m.Skipped(), wantIAE, wantTs)
	}
	m.Add(sec(20), 0.5) // out again: not settled, settling time runs to the last sample
	if f := m.Figures(); f.Settled || f.SettlingTime != 10*units.Second {
		t.Errorf("after leaving the band: %+v", f)
	}
	for _, bad := range [][3]float64{{1, 1, 0.02}, {0, 1, 0}, {0, 1, 1}, {math.NaN(), 1, 0.02}, {0, math.Inf(1), 0.02}} {
		if _, err := NewStepMeter(0, bad[0], bad[1], bad[2]); err != ErrStep {
			t.Errorf("NewStepMeter(%v): %v", bad, err)
		}
	}
	if _, err := StepResponse(make([]units.Time, 2), make([]float64, 3), 0, 0, 1, 0.02); err == nil {
		t.Error("StepResponse accepted slices of different lengths")
	}
}
