package report

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// timeTicker marks the shared time axis (in hours) at steps a person counts
// in: minutes for a short scenario, hours for a day. Only the bottom panel
// labels its ticks; the others carry the marks alone. The marks fall on
// round local times and are labelled in them: off is the local time of day
// at the run's zero, in hours (14 for a run that starts at 14:00, whose
// first label then reads 14:00).
type timeTicker struct {
	labels bool
	off    float64
}

func (t timeTicker) Ticks(lo, hi float64) []plot.Tick {
	ticks := timeTicks(lo+t.off, hi+t.off, t.labels)
	for i := range ticks {
		ticks[i].Value -= t.off
	}
	return ticks
}

// tickSteps are the candidate major steps, in hours.
var tickSteps = []float64{10.0 / 3600, 30.0 / 3600, 1.0 / 60, 2.0 / 60, 5.0 / 60, 10.0 / 60, 15.0 / 60, 0.5, 1, 2, 3, 4, 6, 12, 24, 48, 168}

// maxMajorTicks bounds the labelled ticks so that "h:mm" labels never touch.
const maxMajorTicks = 13

func timeTicks(lo, hi float64, labels bool) []plot.Tick {
	if !(hi > lo) || !finite(lo) || !finite(hi) {
		return nil
	}
	step := timeStep(lo, hi)
	minor := step / 2
	var ticks []plot.Tick
	// Integer multiples, not repeated addition, so 24 h lands on 24:00.
	for k := math.Ceil(lo/minor - 1e-9); k*minor <= hi+1e-9; k++ {
		v := k * minor
		if int64(k)%2 != 0 {
			ticks = append(ticks, plot.Tick{Value: v})
			continue
		}
		l := ""
		if labels {
			l = fmtHM(v)
			if step < 1.0/60 {
				l = fmtClock(v * 3600)
			}
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: l})
		if len(ticks) > 4*maxMajorTicks {
			break
		}
	}
	return ticks
}

// timeStep is the major tick step, in hours, for a span of lo..hi hours.
func timeStep(lo, hi float64) float64 {
	for _, s := range tickSteps {
		if (hi-lo)/s <= maxMajorTicks {
			return s
		}
	}
	return tickSteps[len(tickSteps)-1]
}

// fmtHM formats hours as h:mm.
func fmtHM(h float64) string {
	m := int64(math.Round(h * 60))
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d:%02d", sign, m/60, m%60)
}

// fmtClock formats seconds since the start as h:mm:ss.
func fmtClock(sec float64) string {
	if !finite(sec) {
		return "?"
	}
	s := int64(math.Round(sec))
	sign := ""
	if s < 0 {
		sign, s = "-", -s
	}
	return fmt.Sprintf("%s%d:%02d:%02d", sign, s/3600, s/60%60, s%60)
}

// fmtDuration formats a run length the way a person would say it.
func fmtDuration(sec float64) string {
	switch {
	case !finite(sec):
		return "?"
	case sec < 120:
		return fmtNum(sec) + " s"
	case sec < 7200:
		return fmtNum(math.Round(sec/6)/10) + " min"
	default:
		return fmtNum(math.Round(sec/360)/10) + " h"
	}
}

// fmtNum prints a figure with at most one decimal and no trailing ".0".
func fmtNum(v float64) string {
	if !finite(v) {
		return "–"
	}
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// tempTicks labels a temperature axis every 2, 5, 10 or 20 K: enough lines
// to read a margin off the plot without counting.
func tempTicks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || !finite(lo) || !finite(hi) {
		return nil
	}
	step := 50.0
	for _, s := range []float64{1, 2, 5, 10, 20} {
		if (hi-lo)/s <= 12 {
			step = s
			break
		}
	}
	var ticks []plot.Tick
	for k := math.Ceil(lo / step); k*step <= hi && len(ticks) < 64; k++ {
		v := k*step + 0 // + 0 turns -0 into 0, which would otherwise print as "-0"
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	return ticks
}
