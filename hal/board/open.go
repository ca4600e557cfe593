package board

import (
	"fmt"

	"periph.io/x/conn/v3/gpio"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/onewire"

	"hearth/hal"
	"hearth/hal/drivers/ads1115"
	"hearth/hal/drivers/ds18b20"
	"hearth/hal/drivers/mcp23017"
	"hearth/hal/drivers/pca9685"
	"hearth/units"
)

// opener opens a board's buses and chips once each, keeping why one could
// not be opened: every channel on it is then missing for that reason.
type opener struct {
	f     *File
	reg   Registry
	now   func() units.Time
	h     *Hub
	specs map[string]spec // the board's channels, by name

	bus, feedBus i2c.Bus
	busErr       error
	feedErr      error
	pwm          *pca9685.Dev
	pwmErr       error
	rel          *mcp23017.Dev
	relErr       error
	adc          *ads1115.ADC
	adcErr       error
	ow           *ds18b20.Bus
	owErr        error
	owAbsent     error // the probes that did not answer, as NewBus said
}

// Open opens every channel of f through reg. It never fails as a whole: a
// channel that cannot be opened is in h.Channels with its error, and its
// device in h.Dev reads missing (inputs) or refuses commands (outputs), so
// the safety layer sees it lost. Every output is left as the hardware is
// with the controller gone (hal.Deenergised): opening a board never
// energises anything.
func Open(f *File, reg Registry, now func() units.Time) *Hub {
	o := &opener{f: f, reg: reg, now: now, h: &Hub{now: now}}
	o.openChips()
	o.openTemps()
	o.openPressure()
	o.openFlows()
	o.openPumps()
	o.openValves()
	o.openFan()
	o.openLoops()
	o.openSwitches()
	o.openModules()
	return o.h
}

// add records a channel; err nil means it answered.
func (o *opener) add(s spec, err error, read func() Reading, lo, hi float64) {
	c := Channel{Name: s.name, Wired: s.wired(), Trip: s.trip, Err: err, Lo: lo, Hi: hi}
	if err == nil {
		c.Read = read
	}
	o.h.Channels = append(o.h.Channels, c)
}

func (o *opener) spec(name string) spec {
	if o.specs == nil {
		o.specs = map[string]spec{}
		for _, s := range o.f.specs() {
			o.specs[s.name] = s
		}
	}
	if s, ok := o.specs[name]; ok {
		return s
	}
	return spec{name: name}
}

func (o *opener) absent(err error) absent { return absent{now: o.now, err: err} }

func (o *opener) openChips() {
	f := o.f
	o.openEnable()
	o.bus, o.busErr = o.openI2C(f.I2C.Bus)
	if len(f.Module) > 0 {
		o.feedBus, o.feedErr = o.openI2C(f.I2C.FeedBus)
	}
	if o.busErr != nil {
		o.pwmErr, o.relErr, o.adcErr = o.busErr, o.busErr, o.busErr
		return
	}
	o.pwm, o.pwmErr = pca9685.New(o.bus, uint16(f.PWM.Address), f.PWM.FrequencyHz)
	if o.pwmErr == nil {
		o.check("pca9685", func() (bool, error) { return o.pwm.Refresh() })
	}
	o.rel, o.relErr = mcp23017.New(o.bus, uint16(f.Relays.Address))
	if o.relErr == nil {
		o.check("mcp23017", func() (bool, error) { return o.rel.Refresh() })
	}
	o.adc, o.adcErr = ads1115.New(o.bus, uint16(f.ADC.Address), o.now)
}

// openEnable raises the outputs' hold line before any chip is opened (the
// MCP23017 does not answer while held in reset), and lowers it first when
// the hub is closed: the chips then let go as at a Pi reset.
func (o *opener) openEnable() {
	s := o.spec("enable")
	line := o.f.Enable.Line
	var err error
	var pin gpio.PinOut
	if o.reg.Output == nil {
		err = fmt.Errorf("gpio %s line %d: no GPIO on this host", o.f.GPIO.Chip, line)
	} else if pin, err = o.reg.Output(o.f.GPIO.Chip, line); err == nil {
		err = pin.Out(gpio.High)
	}
	if err != nil {
		err = fmt.Errorf("gpio %s line %d: %w", o.f.GPIO.Chip, line, err)
		o.add(s, err, nil, 0, 0)
		return
	}
	o.h.release = func() error { return pin.Out(gpio.Low) }
	o.add(s, nil, func() Reading {
		return Reading{Value: 1, Unit: "bool", Text: "held high: the chips enabled", Status: hal.StatusOK}
	}, 0, 0)
}

// check adds a chip's periodic check: a reset found is reported as undone.
func (o *opener) check(name string, refresh func() (bool, error)) {
	o.h.checks = append(o.h.checks, func() (string, error) {
		reset, err := refresh()
		if reset {
			return name + ": found reset to its power-on registers, rewritten", err
		}
		return "", err
	})
}

func (o *opener) openI2C(name string) (i2c.Bus, error) {
	if o.reg.I2C == nil {
		return nil, fmt.Errorf("i2c %s: no I2C on this host", name)
	}
	b, err := o.reg.I2C(name)
	if err != nil {
		return nil, fmt.Errorf("i2c %s: %w", name, err)
	}
	o.h.closers = append(o.h.closers, b.Close)
	return b, nil
}

// openOneWire opens the DS18B20s' master and their bus.
func (o *opener) openOneWire(names []string, roms []onewire.Address) {
	f := o.f
	var bus onewire.Bus
	var err error
	switch {
	case f.OneWire.Master == "w1" && o.reg.W1 == nil:
		err = fmt.Errorf("kernel w1: not on this host")
	case f.OneWire.Master == "w1":
		var bc onewire.BusCloser
		if bc, err = o.reg.W1(uint32(f.OneWire.W1Master)); err == nil {
			o.h.closers = append(o.h.closers, bc.Close)
			bus = bc
		}
	case o.busErr != nil:
		err = o.busErr
	default:
		bus, err = ds18b20.OpenDS2482(o.bus, uint16(f.OneWire.Address), f.OneWire.StrongPullup)
	}
	if err != nil {
		o.owErr = err
		return
	}
	opt := ds18b20.Options{Resolution: f.OneWire.Resolution, StrongPullup: f.OneWire.StrongPullup && f.OneWire.Master == "ds2482"}
	o.ow, o.owAbsent = ds18b20.NewBus(bus, roms, o.now, opt)
	if o.ow == nil {
		o.owErr = o.owAbsent
	}
}
