package pid

import (
	"flag"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated sections of docs/pid.md")

const docPath = "../docs/pid.md"

// TestDoc checks that the generated sections of docs/pid.md are what the
// code produces now; run `go test ./pid -run TestDoc -update` to rewrite them.
func TestDoc(t *testing.T) {
	src, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(src)
	for _, sec := range []struct {
		name string
		gen  func(*testing.T) string
	}{
		{"benchmarks", benchmarkTable},
		{"autotune", autotuneTable},
	} {
		begin, end := "<!-- BEGIN "+sec.name+" -->\n", "<!-- END "+sec.name+" -->"
		i, j := strings.Index(doc, begin), strings.Index(doc, end)
		if i < 0 || j < i {
			t.Fatalf("docs/pid.md lacks the %s markers", sec.name)
		}
		want := sec.gen(t)
		if got := doc[i+len(begin) : j]; got != want {
			if !*update {
				t.Errorf("docs/pid.md section %s is stale; run go test ./pid -run TestDoc -update\ngot:\n%s\nwant:\n%s", sec.name, got, want)
				continue
			}
			doc = doc[:i+len(begin)] + want + doc[j:]
		}
	}
	if *update {
		if err := os.WriteFile(docPath, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func benchmarkTable(*testing.T) string {
	var b strings.Builder
	b.WriteString("| plant | controller | Kp, Ti, Td, b | | overshoot | settling (2 %) | IAE | load IAE | load peak |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, row := range benchRows {
		ctl := row.name[strings.Index(row.name, ", ")+2:]
		g := fmt.Sprintf("%.4g, %.4g s, %.4g s, %g", row.cfg.Kp, row.cfg.Kp/row.cfg.Ki, row.cfg.Kd/row.cfg.Kp, row.cfg.SetpointWeight)
		src := "reference (continuous)"
		if row.exact {
			src = "reference (analytic)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.2f %% | %.2f s | %.4g | %.4g | %.4g |\n", row.p.describe(), ctl, g, src,
			100*row.ref.sp.Overshoot, row.ref.sp.SettlingTime.Seconds(), row.ref.sp.IAE, row.ref.loadIAE, row.ref.loadPeak)
		for _, tol := range tolerances {
			got := figuresOf(runLoop(row.p, row.cfg, row.sc, tol.period, int(math.Round(tol.period/0.01))), row.sc)
			fmt.Fprintf(&b, "| | | | sampled every %g s | %.2f %% | %.2f s | %.4g | %.4g | %.4g |\n", tol.period,
				100*got.sp.Overshoot, got.sp.SettlingTime.Seconds(), got.sp.IAE, got.loadIAE, got.loadPeak)
		}
	}
	b.WriteString("\n| sampled every | overshoot | settling | IAE, load IAE | load peak |\n| --- | --- | --- | --- | --- |\n")
	for _, tol := range tolerances {
		fmt.Fprintf(&b, "| %g s | ± %g points | ± %g %% | ± %g %% | ± %g %% |\n", tol.period, 100*tol.overshoot, 100*tol.settling, 100*tol.iae, 100*tol.peak)
	}
	return b.String()
}

func (p plant) describe() string {
	var num []string
	if p.k != 1 {
		num = append(num, fmt.Sprintf("%g", p.k))
	}
	if p.delay > 0 {
		num = append(num, fmt.Sprintf("e^(−%gs)", p.delay))
	}
	if p.zero < 0 {
		num = append(num, fmt.Sprintf("(1 − %gs)", -p.zero))
	} else if p.zero > 0 {
		num = append(num, fmt.Sprintf("(1 + %gs)", p.zero))
	}
	if len(num) == 0 {
		num = []string{"1"}
	}
	den := ""
	same := true
	for _, l := range p.lags {
		same = same && l == p.lags[0]
	}
	if same && len(p.lags) > 1 {
		den = fmt.Sprintf("(%gs+1)^%d", p.lags[0], len(p.lags))
	} else {
		for _, l := range p.lags {
			den += fmt.Sprintf("(%gs+1)", l)
		}
	}
	return strings.Join(num, "·") + " / " + den
}

func autotuneTable(t *testing.T) string {
	var b strings.Builder
	b.WriteString("| plant | ε | noise | sampled | analytic Ku, Tu | relay: describing-function Ku, period | result Ku, Tu | error Ku, Tu | fit K, T, L |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, tc := range []struct {
		p                 plant
		hysteresis, noise float64
		period            float64
	}{
		{fopdtPlant, 0, 0, 1},
		{fopdtPlant, 0.03, 0, 1},
		{fopdtPlant, 0.03, 0.005, 1},
		{plant{k: 2, lags: []float64{30}, delay: 30}, 0.01, 0.005, 1},
		{plant{k: 40, lags: []float64{600}, delay: 15}, 0.03, 0, 1},
		{secondPlant, 0, 0, 0.1},
		{highOrderPlant, 0, 0, 1},
		{highOrderPlant, 0.03, 0, 1},
		{nmpPlant, 0, 0, 1},
		{nmpPlant, 0.03, 0, 1},
	} {
		ku, tu := tc.p.ultimate()
		r, err, _ := tuneRun(t, tc.p, relayConfig(tc.p, tc.hysteresis+2*tc.noise), tc.period, 0, tc.noise*tc.p.k)
		if err != nil {
			fmt.Fprintf(&b, "| %s | %s |\n", tc.p.describe(), err)
			continue
		}
		fit := "—"
		if r.Model.Valid {
			fit = fmt.Sprintf("%.3g, %.4g s, %.4g s", r.Model.K, r.Model.T.Seconds(), r.Model.L.Seconds())
		}
		fmt.Fprintf(&b, "| %s | %g | ±%g | %g s | %.4g, %.4g s | %.4g, %.4g s | %.4g, %.4g s | %+.1f %%, %+.1f %% | %s |\n",
			tc.p.describe(), tc.hysteresis, tc.noise, tc.period, ku, tu, r.Relay.DescribingKu, r.Relay.Period.Seconds(),
			r.Ku, r.Tu.Seconds(), 100*(r.Ku/ku-1), 100*(r.Tu.Seconds()/tu-1), fit)
	}
	return b.String()
}
