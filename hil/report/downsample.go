package report

import "math"

// maxPointsPerSeries bounds what one line hands to the SVG writer. A figure
// is about 800 pt wide, so 2,000 points is finer than any screen shows, and
// it keeps a 24 h trace at a 10 s step (8,640 points) cheap to render.
const maxPointsPerSeries = 2000

// downsample returns at most maxPts points of (xs, ys), keeping the minimum
// and the maximum of each bucket in time order so that a spike shorter than
// a bucket is still drawn at its full height. NaN and ±Inf samples are not
// values: a bucket holding nothing else yields one NaN, which breaks the
// line where the signal was missing. Short series come back unchanged.
func downsample(xs, ys []float64, maxPts int) ([]float64, []float64) {
	n := min(len(xs), len(ys))
	if n <= maxPts || maxPts < 2 {
		return xs[:n], ys[:n]
	}
	buckets := maxPts / 2
	size := (n + buckets - 1) / buckets
	ox := make([]float64, 0, 2*buckets)
	oy := make([]float64, 0, 2*buckets)
	for start := 0; start < n; start += size {
		end := min(start+size, n)
		lo, hi := -1, -1
		for i := start; i < end; i++ {
			v := ys[i]
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			if lo < 0 || v < ys[lo] {
				lo = i
			}
			if hi < 0 || v > ys[hi] {
				hi = i
			}
		}
		switch {
		case lo < 0:
			ox = append(ox, xs[start])
			oy = append(oy, math.NaN())
		case lo == hi:
			ox = append(ox, xs[lo])
			oy = append(oy, ys[lo])
		default:
			a, b := min(lo, hi), max(lo, hi)
			ox = append(ox, xs[a], xs[b])
			oy = append(oy, ys[a], ys[b])
		}
	}
	return ox, oy
}

// flatten drops the inner points of each run of equal values (a held
// command, a constant limit-like signal): the run's two ends draw the same
// line. NaN breaks are kept as they are.
func flatten(xs, ys []float64) ([]float64, []float64) {
	if len(ys) < 3 {
		return xs, ys
	}
	ox, oy := make([]float64, 0, len(xs)), make([]float64, 0, len(ys))
	for i := range ys {
		if i > 0 && i < len(ys)-1 && ys[i] == ys[i-1] && ys[i] == ys[i+1] {
			continue
		}
		ox, oy = append(ox, xs[i]), append(oy, ys[i])
	}
	return ox, oy
}
