package board

import (
	"fmt"

	"hearth/hal"
	"hearth/units"
)

// absent stands in for a device the board names but Open could not open:
// its inputs read StatusMissing (never a plausible number), stamped with the
// time they were asked for so they do not look frozen, and its outputs
// refuse every command with the reason. Safety sees an absent channel as a
// lost one.
type absent struct {
	now func() units.Time
	err error
}

func (a absent) Temperature() hal.Sample[units.Celsius] {
	return hal.Sample[units.Celsius]{At: a.now(), Status: hal.StatusMissing}
}

func (a absent) Pressure() hal.Sample[units.Bar] {
	return hal.Sample[units.Bar]{At: a.now(), Status: hal.StatusMissing}
}

func (a absent) Flow() hal.Sample[units.LitrePerMin] {
	return hal.Sample[units.LitrePerMin]{At: a.now(), Status: hal.StatusMissing}
}

// Leak reads true: a loop that cannot be read is taken as broken, which is
// how the normally closed loop itself fails.
func (a absent) Leak() hal.Sample[bool] {
	return hal.Sample[bool]{Value: true, At: a.now(), Status: hal.StatusMissing}
}

func (a absent) Feedback() hal.PumpFeedback {
	return hal.PumpFeedback{At: a.now(), Status: hal.StatusMissing}
}

func (a absent) Position() hal.Sample[units.Ratio] {
	return hal.Sample[units.Ratio]{At: a.now(), Status: hal.StatusMissing}
}

func (a absent) Speed() hal.Sample[units.Ratio] { return a.Position() }

func (a absent) Feed() hal.Sample[units.Watt] {
	return hal.Sample[units.Watt]{At: a.now(), Status: hal.StatusMissing}
}

func (a absent) SetSpeed(units.Ratio) error    { return a.refuse() }
func (a absent) SetPosition(units.Ratio) error { return a.refuse() }
func (a absent) SetRatio(units.Ratio) error    { return a.refuse() }
func (a absent) Set(bool) error                { return a.refuse() }

func (a absent) refuse() error { return fmt.Errorf("not fitted: %w", a.err) }
