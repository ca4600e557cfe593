package pid

import "sort"

// nelderMead minimises f from x0 with the initial simplex x0 + step[i]·e_i,
// for at most evals evaluations; it returns the best point and its value.
func nelderMead(f func([]float64) float64, x0, step []float64, evals int) ([]float64, float64) {
	n := len(x0)
	pts := make([][]float64, n+1)
	val := make([]float64, n+1)
	for i := range pts {
		pts[i] = append([]float64(nil), x0...)
		if i > 0 {
			pts[i][i-1] += step[i-1]
		}
		val[i] = f(pts[i])
	}
	used := n + 1
	at := func(c []float64, toward []float64, a float64) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = c[i] + a*(toward[i]-c[i])
		}
		return x
	}
	for used < evals {
		idx := make([]int, n+1)
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return val[idx[a]] < val[idx[b]] })
		best, worst, second := idx[0], idx[n], idx[n-1]
		c := make([]float64, n)
		for _, i := range idx[:n] {
			for d := range c {
				c[d] += pts[i][d] / float64(n)
			}
		}
		r := at(c, pts[worst], -1)
		fr := f(r)
		used++
		switch {
		case fr < val[best]:
			e := at(c, pts[worst], -2)
			fe := f(e)
			used++
			if fe < fr {
				pts[worst], val[worst] = e, fe
			} else {
				pts[worst], val[worst] = r, fr
			}
		case fr < val[second]:
			pts[worst], val[worst] = r, fr
		default:
			k := at(c, pts[worst], 0.5)
			if fr < val[worst] {
				k = at(c, r, 0.5)
			}
			fk := f(k)
			used++
			if fk < min(fr, val[worst]) {
				pts[worst], val[worst] = k, fk
				continue
			}
			for _, i := range idx[1:] { // shrink toward the best
				pts[i] = at(pts[best], pts[i], 0.5)
				val[i] = f(pts[i])
				used++
			}
		}
	}
	b := 0
	for i := range val {
		if val[i] < val[b] {
			b = i
		}
	}
	return pts[b], val[b]
}
