package livetune

import (
	"testing"

	"hearth/pid"
	"hearth/units"
)

// TestSnippetWritesWhatTheRuleSet: the gains always, the setpoint weight
// and the derivative filter only where the tuning changed them.
func TestSnippetWritesWhatTheRuleSet(t *testing.T) {
	base := pid.Config{Kp: 1, Ki: 0.01, SetpointWeight: 1, OutMax: 1}
	zn := base
	zn.Kp, zn.Ki = 0.5, 0.002
	ms := zn
	ms.Kd, ms.SetpointWeight, ms.DerivativeFilter = 3, 0.4, 16*units.Second
	for _, c := range []struct {
		cfg  pid.Config
		want string
	}{
		{zn, "# why\n[control.tank]\nkp = 0.5\nki = 0.002\nkd = 0.0\n"},
		{ms, "# why\n[control.tank]\nkp = 0.5\nki = 0.002\nkd = 3.0\nsetpointweight = 0.4\nderivativefilter = \"16s\"\n"},
	} {
		if got := Snippet("control.tank", []string{"why"}, c.cfg, base); got != c.want {
			t.Errorf("Snippet:\n%s\nwant\n%s", got, c.want)
		}
	}
}
