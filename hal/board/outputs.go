package board

import (
	"errors"
	"fmt"

	"periph.io/x/conn/v3/gpio"

	"hearth/hal"
	"hearth/hal/drivers/gpioin"
	"hearth/hal/drivers/ina219"
	"hearth/units"
)

// speedSetter and ratioSetter are the PCA9685's outputs (or their absent
// stand-ins).
type speedSetter interface{ SetSpeed(units.Ratio) error }
type ratioSetter interface{ SetRatio(units.Ratio) error }

type pumpDev struct {
	out speedSetter
	fb  interface{ Feedback() hal.PumpFeedback }
}

func (p pumpDev) SetSpeed(r units.Ratio) error { return p.out.SetSpeed(r) }
func (p pumpDev) Feedback() hal.PumpFeedback   { return p.fb.Feedback() }

type valveDev struct {
	out ratioSetter
	pos func() hal.Sample[units.Ratio]
}

func (v valveDev) SetPosition(r units.Ratio) error   { return v.out.SetRatio(r) }
func (v valveDev) Position() hal.Sample[units.Ratio] { return v.pos() }

type fanDev struct {
	out  ratioSetter
	tach interface {
		Speed() hal.Sample[units.Ratio]
	}
}

func (f fanDev) SetSpeed(r units.Ratio) error   { return f.out.SetRatio(r) }
func (f fanDev) Speed() hal.Sample[units.Ratio] { return f.tach.Speed() }

func ratioReading(s hal.Sample[units.Ratio], what string) Reading {
	return Reading{Value: float64(s.Value), Unit: "ratio", Text: fmt.Sprintf("%.0f %% %s", 100*float64(s.Value), what), Status: s.Status}
}

func (o *opener) openPumps() {
	for _, id := range []hal.PumpID{hal.PumpOil, hal.PumpWater} {
		s := o.spec("pump." + id.String())
		p := o.f.Pump[id.String()]
		dev := pumpDev{out: o.absent(o.pwmErr), fb: o.absent(nil)}
		if o.pwmErr == nil {
			dev.out = o.pwm.Pump(p.PWM, p.Invert)
		}
		src, ferr := o.edges(p.FeedbackLine, gpio.BothEdges)
		if ferr == nil {
			fb := gpioin.NewFeedback(src, o.now)
			o.h.runners = append(o.h.runners, fb.Run)
			dev.fb = fb
		} else {
			dev.fb = o.absent(ferr)
		}
		o.h.Dev.Pump[id] = dev
		o.add(s, errors.Join(o.pwmErr, ferr), func() Reading {
			fb := dev.Feedback()
			r := Reading{Value: float64(fb.Power), Unit: "ratio", Status: fb.Status,
				Text: fmt.Sprintf("%s, %.0f %% power", fb.Alarm, 100*float64(fb.Power))}
			r.Alarm = fb.Alarm != hal.PumpNormal && fb.Alarm != hal.PumpStandby
			return r
		}, 0, 0.7)
	}
}

func (o *opener) openValves() {
	for _, id := range []hal.ValveID{hal.ValveDump, hal.ValveTank} {
		s := o.spec("valve." + id.String())
		v := o.f.Valve[id.String()]
		dev := valveDev{out: o.absent(o.pwmErr), pos: o.absent(o.adcErr).Position}
		if o.pwmErr == nil {
			dev.out = o.pwm.Linear(v.PWM, v.Invert)
		}
		if o.adcErr == nil {
			dev.pos = o.adc.Ratio(v.ADC, v.LowV, v.HighV).Read
		}
		o.h.Dev.Valve[id] = dev
		o.add(s, errors.Join(o.pwmErr, o.adcErr), func() Reading { return ratioReading(dev.Position(), "open") }, 0, 1)
	}
}

func (o *opener) openFan() {
	s := o.spec("fan")
	fn := o.f.Fan
	dev := fanDev{out: o.absent(o.pwmErr)}
	if o.pwmErr == nil {
		dev.out = o.pwm.Linear(fn.PWM, fn.Invert)
	}
	src, err := o.edges(fn.TachLine, gpio.RisingEdge)
	if err == nil {
		t := gpioin.NewTach(src, gpioin.TachConfig{PulsesPerRev: fn.PulsesPerRev, MaxRPM: fn.MaxRPM, Timeout: 2 * units.Second}, o.now)
		o.h.runners = append(o.h.runners, t.Run)
		dev.tach = t
	} else {
		dev.tach = o.absent(err)
	}
	o.h.Dev.Fan = dev
	o.add(s, errors.Join(o.pwmErr, err), func() Reading { return ratioReading(dev.Speed(), "speed") }, 0, 1.1)
}

func (o *opener) openLoops() {
	for _, l := range []struct {
		name, alarm, ok string
		loop            Loop
		dev             *hal.LeakInput
	}{{"leak", "leak (or a broken loop)", "dry", o.f.Leak, &o.h.Dev.Leak},
		{"oil_low", "low (or a broken loop)", "level ok", o.f.OilLow, &o.h.Dev.OilLow}} {
		s := o.spec(l.name)
		var err error
		var pin gpio.PinIn
		if o.reg.Input == nil {
			err = fmt.Errorf("gpio %s line %d: no GPIO on this host", o.f.GPIO.Chip, l.loop.Line)
		} else if pin, err = o.reg.Input(o.f.GPIO.Chip, l.loop.Line); err != nil {
			err = fmt.Errorf("gpio %s line %d: %w", o.f.GPIO.Chip, l.loop.Line, err)
		}
		if err != nil {
			*l.dev = o.absent(err)
			o.add(s, err, nil, 0, 0)
			continue
		}
		lp := gpioin.NewLoop(pin, true, o.now)
		*l.dev = lp
		alarm, ok := l.alarm, l.ok
		o.add(s, nil, func() Reading {
			v := lp.Leak()
			r := Reading{Unit: "bool", Text: ok, Status: v.Status}
			if v.Value {
				r.Value, r.Text, r.Alarm = 1, alarm, true
			}
			return r
		}, 0, 0)
	}
}

func (o *opener) openSwitches() {
	for _, r := range []struct {
		name string
		pin  int
		dev  *hal.Switch
	}{{"heater", o.f.Heater.Pin, &o.h.Dev.Heater}, {"alarm", o.f.Alarm.Pin, &o.h.Dev.Alarm}} {
		s := o.spec(r.name)
		if o.relErr != nil {
			*r.dev = o.absent(o.relErr)
			o.add(s, o.relErr, nil, 0, 0)
			continue
		}
		*r.dev = o.rel.Pin(r.pin)
		pin := r.pin
		o.add(s, nil, func() Reading { return o.relayReading(pin) }, 0, 0)
	}
}

// relayReading reads an MCP23017 pin back: what the chip holds, not what
// was last asked. It refreshes the chip first (the periodic check's
// rewrite and read-back), so the reading is fresh.
func (o *opener) relayReading(pin int) Reading {
	_, err := o.rel.Refresh()
	want, got := o.rel.State()
	if err != nil {
		return Reading{Unit: "bool", Text: "not read back: " + err.Error(), Status: hal.StatusBus}
	}
	r := Reading{Unit: "bool", Text: "open", Status: hal.StatusOK}
	if got&(1<<pin) != 0 {
		r.Value, r.Text = 1, "closed"
	}
	if (want^got)&(1<<pin) != 0 {
		r.Status, r.Text = hal.StatusFault, r.Text+fmt.Sprintf(" (asked %v)", want&(1<<pin) != 0)
	}
	return r
}

func (o *opener) openModules() {
	for _, m := range o.f.Module {
		s := o.spec(fmt.Sprintf("module.%d", m.ID))
		var relay hal.Switch = o.absent(o.relErr)
		if o.relErr == nil {
			relay = o.rel.Pin(m.Relay)
		}
		var feed hal.FeedMeter
		err := o.feedErr
		if err == nil {
			var meter *ina219.Meter
			meter, err = ina219.New(o.feedBus, uint16(m.FeedAddress), ina219.Config{ShuntOhm: m.ShuntOhm, MaxCurrentA: m.MaxCurrentA}, o.now)
			if err == nil {
				feed = meter
			}
		}
		if feed == nil {
			feed = o.absent(err)
		}
		o.h.Relays, o.h.Feeds, o.h.IDs = append(o.h.Relays, relay), append(o.h.Feeds, feed), append(o.h.IDs, m.ID)
		pin := m.Relay
		o.add(s, errors.Join(o.relErr, err), func() Reading {
			f := feed.Feed()
			rl := o.relayReading(pin)
			return Reading{Value: float64(f.Value), Unit: "W", Status: f.Status,
				Text: fmt.Sprintf("%.1f W, contactor %s", float64(f.Value), rl.Text)}
		}, 0, 0)
	}
}
