package hil

import (
	"math"
	"testing"

	"hearth/hil/plant"
	"hearth/units"
)

// ISO/IEC 30134-6: the ERF's denominator is all the energy the facility
// uses. The run reports the overhead (the supplies' loss on compute, the
// switch and the controller) and the ERF counts it.
func TestERFCountsOverhead(t *testing.T) {
	cfg, err := DefaultConfig(plant.Winter, 1)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Duration = 2 * units.Hour
	r, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	k := r.EnergyKWh
	p := plant.DefaultParams()
	want := k.Compute*(1/p.PSUEfficiency-1) + float64(p.NetworkW+p.ControllerW)*r.SimSeconds/3.6e6
	if math.Abs(k.Overhead-want) > 1e-3*want {
		t.Errorf("overhead %.4f kWh, want %.4f (compute %.3f kWh over %.0f s)", k.Overhead, want, k.Compute, r.SimSeconds)
	}
	if erf := (k.ToTank + k.ToHeating) / (k.Compute + k.Parasitic + k.Overhead); math.Abs(r.ERF-erf) > 1e-12 || k.Overhead <= 0 {
		t.Errorf("erf %.6f, want %.6f with %.3f kWh of overhead", r.ERF, erf, k.Overhead)
	}
}
