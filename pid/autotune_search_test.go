package pid

import (
	"math"
	"sort"

	"hearth/units"
)

// searchSpace is the controller structure of the brute-force search: that
// of the recommendation (PI or PID, with b free in [0, 1]), the derivative
// filter by the same rule (design.filterFor).
type searchSpace struct {
	ap  autoPlant
	pid bool
	d   design // for filterFor: qEff and span
	// msMax, when above 0, also discards every point whose Ms on the true
	// plant (sampled at the benchmark's period) exceeds it.
	msMax float64
}

// cfg returns the controller for x = (ln Kp, ln Ti, b[, ln Td]).
func (sp searchSpace) cfg(x []float64) Config {
	kp, ti, b := math.Exp(x[0]), math.Exp(x[1]), min(1, max(0, x[2]))
	c := Config{Kp: kp, Ki: kp / ti, SetpointWeight: b, OutMin: -1e12, OutMax: 1e12}
	if sp.pid {
		td := math.Exp(x[3])
		c.Kd = kp * td
		c.DerivativeFilter = units.DurationOf(sp.d.filterFor(c.Kd, td))
	}
	return c
}

// cost is J, infinite for an overshoot above 20 % or a loop that does not
// settle: the search's answer meets the bound strictly.
func (sp searchSpace) cost(x []float64) float64 {
	c := sp.cfg(x)
	s := sp.ap.score(c)
	if !s.ok || s.overshoot > 0.2 || sp.msMax > 0 && sp.ms(c) > sp.msMax {
		return math.Inf(1)
	}
	return s.j
}

// ms is Ms of c on the true plant, sampled at the benchmark's period.
func (sp searchSpace) ms(c Config) float64 {
	p := sp.ap.p
	return sensitivityPeakOf(p.response, p.residence(), c.Kp, c.Ki, c.Kd, c.DerivativeFilter.Seconds(), p.benchPeriod())
}

// bruteForce searches a coarse grid scaled by the plant's analytic Ku and
// Tu (Kp 0.03-1.5 Ku, Ti 0.05-4 Tu, Td 0.02-0.5 Tu, b 0-1), then refines the
// three best grid points, and from each of the extra starts, by
// Nelder-Mead; it returns the best x, J and the number of closed-loop runs.
func (sp searchSpace) bruteForce(extra ...[]float64) ([]float64, float64, int) {
	ku, tu := sp.ap.p.ultimate()
	logs := func(lo, hi float64, n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = math.Log(lo) + (math.Log(hi)-math.Log(lo))*float64(i)/float64(n-1)
		}
		return v
	}
	kps, tis, tds := logs(0.03*ku, 1.5*ku, 9), logs(0.05*tu, 4*tu, 8), logs(0.02*tu, 0.5*tu, 5)
	bs := []float64{0, 1.0 / 3, 2.0 / 3, 1}
	if !sp.pid {
		tds = []float64{0}
	}
	type pt struct {
		x []float64
		j float64
	}
	var pts []pt
	for _, kp := range kps {
		for _, ti := range tis {
			for _, b := range bs {
				for _, td := range tds {
					x := []float64{kp, ti, b}
					if sp.pid {
						x = append(x, td)
					}
					pts = append(pts, pt{x, sp.cost(x)})
				}
			}
		}
	}
	runs := len(pts)
	sort.Slice(pts, func(a, b int) bool { return pts[a].j < pts[b].j })
	best := pts[0]
	step := []float64{0.3, 0.3, 0.15, 0.3}[:len(best.x)]
	starts := append([]pt(nil), pts[:3]...)
	for _, x := range extra {
		starts = append(starts, pt{x, sp.cost(x)})
		runs++
		if starts[len(starts)-1].j < best.j {
			best = starts[len(starts)-1]
		}
	}
	for _, p := range starts {
		if math.IsInf(p.j, 1) {
			continue
		}
		x, j := nelderMead(sp.cost, p.x, step, 250)
		runs += 250
		if j < best.j {
			best = pt{x, j}
		}
	}
	return best.x, best.j, runs
}
