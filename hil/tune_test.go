package hil

import (
	"math"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"hearth/pid"
)

func TestExploreLoops(t *testing.T) {
	if os.Getenv("HEARTH_EXPLORE") == "" {
		t.Skip()
	}
	for _, l := range []Loop{LoopOil} {
		for _, amp := range []float64{0.1, 0.15, 0.3} {
			for _, eps := range []float64{0.1, 0.15, 0.25} {
				s, _ := DefaultLoopSetup(l, "")
				s.Amplitude, s.HysteresisK = amp, eps
				res, _, err := s.Autotune(1)
				t.Logf("amp %.2f eps %.2f: Ku %.3f Tu %v K %.2f T %v L %v | period %v a %.3f phase %.0f° hKu %.3f dKu %.3f cycles %d err %v", amp, eps, res.Ku, res.Tu, res.Model.K, res.Model.T, res.Model.L,
					res.Relay.Period, res.Relay.Amplitude, res.Relay.Phase*180/math.Pi, res.Relay.HarmonicKu, res.Relay.DescribingKu, res.Relay.Cycles, err)
				g, err := res.Gains(pid.SIMCPI)
				if err == nil {
					f, _ := s.StepRun(g.Apply(s.Base), 1)
					t.Logf("   simc kp %.3f ki %.5f: os %.3f settle %.0f iae %.1f", g.Kp, g.Ki, f.Overshoot, f.SettlingTime.Seconds(), f.IAE)
				}
			}
		}
	}
}

func TestExploreGrid(t *testing.T) {
	if os.Getenv("HEARTH_EXPLORE") == "" {
		t.Skip()
	}
	for _, step := range []float64{2, 1, 0.5} {
		s, _ := DefaultLoopSetup(LoopOil, "")
		s.StepK = step
		start := time.Now()
		n := 12
		kps := logspace(0.05, 10, n)
		kis := logspace(1e-4, 0.1, n)
		iae := make([][]pid.StepFigures, n)
		var wg sync.WaitGroup
		sem := make(chan struct{}, runtime.NumCPU())
		for i := range kps {
			iae[i] = make([]pid.StepFigures, n)
			for j := range kis {
				wg.Add(1)
				go func() {
					defer wg.Done()
					sem <- struct{}{}
					defer func() { <-sem }()
					cfg := s.Base
					cfg.Kp, cfg.Ki = kps[i], kis[j]
					f, err := s.StepRun(cfg, 1)
					if err != nil {
						t.Error(err)
					}
					iae[i][j] = f
				}()
			}
		}
		wg.Wait()
		t.Logf("step %.1f K: %v", step, time.Since(start))
		line := "kp\\ki   "
		for _, ki := range kis {
			line += " " + fmtG(ki)
		}
		t.Log(line)
		best, bi, bj := math.Inf(1), 0, 0
		for i := range kps {
			line := fmtG(kps[i]) + " "
			for j := range kis {
				f := iae[i][j]
				mark := " "
				if !f.Settled {
					mark = "*"
				}
				line += " " + fmtF(f.IAE) + mark
				if f.Settled && f.IAE < best {
					best, bi, bj = f.IAE, i, j
				}
			}
			t.Log(line)
		}
		f := iae[bi][bj]
		t.Logf("best kp %.4f ki %.6f: iae %.1f os %.3f settle %.0f", kps[bi], kis[bj], f.IAE, f.Overshoot, f.SettlingTime.Seconds())
	}
}

func logspace(a, b float64, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = a * math.Pow(b/a, float64(i)/float64(n-1))
	}
	return v
}

func fmtG(x float64) string { return padL(strconvG(x), 8) }
func fmtF(x float64) string { return padL(strconvF(x), 7) }
