package boardtest

import (
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/onewire"
	"periph.io/x/conn/v3/spi"

	"hearth/hal/board"
	"hearth/hal/drivers/ds18b20"
	"hearth/hal/drivers/gpioin"
	"hearth/units"
)

// Rig is a whole hub's chips and lines, emulated where a board file puts
// them: a healthy, filled plant at rest (probes at 20-45 C, 1.5 bar, the
// pumps' feedback at 40 % power, the flow meters and the fan's tachometer
// pulsing, the loops closed).
type Rig struct {
	Bus, Feed *I2C
	OW        *OneWire
	DS2482    *DS2482
	PWM       *PCA9685
	Relays    *MCP23017
	ADC       *ADS1115
	Meters    []*INA219
	RTD       map[string]*MAX31865 // by SPI port
	Enable    *Line                // the outputs' hold line: low holds the expander in reset, the PWM outputs off
	mu        sync.Mutex
	Lines     map[int]*Line // by GPIO line
}

// Line is one emulated GPIO line: a square wave (Hz > 0) for an edge
// source, or a level for an input.
type Line struct {
	mu    sync.Mutex
	Hz    float64
	Duty  float64
	Level gpio.Level
}

func (l *Line) level() gpio.Level {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.Level
}

// Set changes a wave.
func (l *Line) Set(hz, duty float64) {
	l.mu.Lock()
	l.Hz, l.Duty = hz, duty
	l.mu.Unlock()
}

// NewRig builds the chips f names, on its buses, at its addresses.
func NewRig(f *board.File) *Rig {
	r := &Rig{Bus: NewI2C("i2c-" + f.I2C.Bus), Feed: NewI2C("i2c-" + f.I2C.FeedBus), OW: NewOneWire(),
		PWM: NewPCA9685(), Relays: NewMCP23017(), ADC: NewADS1115(), RTD: map[string]*MAX31865{}, Lines: map[int]*Line{}}
	r.DS2482 = NewDS2482(r.OW)
	r.Bus.Add(uint16(f.OneWire.Address), r.DS2482)
	r.Bus.Add(uint16(f.PWM.Address), r.PWM)
	r.Bus.Add(uint16(f.Relays.Address), r.Relays)
	r.Bus.Add(uint16(f.ADC.Address), r.ADC)
	c := 20.0
	for _, t := range f.Temp {
		switch t.Sensor {
		case "ds18b20":
			rom, _ := ds18b20.ParseROM(t.ROM)
			r.OW.Add(rom, c)
		case "pt1000":
			r.RTD[t.SPI] = NewMAX31865(t.SPI, t.RefOhm, 1000*(1+3.9083e-3*c-5.775e-7*c*c))
		}
		c += 3
	}
	p := f.Press
	r.ADC.Set(p.Channel, p.MinV+(1.5-float64(p.MinBar))/float64(p.MaxBar-p.MinBar)*(p.MaxV-p.MinV))
	for _, v := range f.Valve {
		r.ADC.Set(v.ADC, v.LowV+0.5*(v.HighV-v.LowV))
	}
	for _, fl := range f.Flow {
		r.Lines[fl.Line] = &Line{Hz: fl.PulsesPerLitre * 12 / 60} // 12 L/min
	}
	for _, pm := range f.Pump {
		r.Lines[pm.FeedbackLine] = &Line{Hz: 75, Duty: 0.40}
	}
	r.Lines[f.Fan.TachLine] = &Line{Hz: f.Fan.MaxRPM / 2 / 60 * f.Fan.PulsesPerRev, Duty: 0.5}
	r.Lines[f.Leak.Line] = &Line{Level: gpio.High}
	r.Lines[f.OilLow.Line] = &Line{Level: gpio.High}
	enable := &Line{Level: gpio.Low} // pulled down until the controller raises it
	r.Lines[f.Enable.Line] = enable
	r.Enable = enable
	r.Relays.Held = func() bool { return enable.level() == gpio.Low }
	r.PWM.Disabled = r.Relays.Held
	for _, m := range f.Module {
		in := NewINA219(m.ShuntOhm)
		pin := m.Relay
		in.Load = func() (float64, float64) { // a module on a 24 V feed drawing 96 W while its contactor is closed
			if r.Relays.Out(pin) {
				return 24, 4
			}
			return 24, 0
		}
		r.Meters = append(r.Meters, in)
		r.Feed.Add(uint16(m.FeedAddress), in)
	}
	return r
}

// Registry opens the rig's buses and lines by the names f gives them.
func (r *Rig) Registry(f *board.File) board.Registry {
	return board.Registry{
		I2C: func(name string) (i2c.BusCloser, error) {
			switch name {
			case f.I2C.Bus:
				return r.Bus, nil
			case f.I2C.FeedBus:
				return r.Feed, nil
			}
			return nil, fmt.Errorf("boardtest: no I2C bus %q", name)
		},
		SPI: func(name string) (spi.PortCloser, error) {
			if c, ok := r.RTD[name]; ok {
				return c, nil
			}
			return nil, fmt.Errorf("boardtest: no SPI port %q", name)
		},
		W1: func(uint32) (onewire.BusCloser, error) { return r.OW, nil },
		Edges: func(chip string, line int, edge gpio.Edge, now func() units.Time) (gpioin.Edges, error) {
			l, ok := r.line(chip, f, line)
			if !ok {
				return nil, fmt.Errorf("boardtest: no line %d on %q", line, chip)
			}
			return &wave{l: l, edge: edge, now: now}, nil
		},
		Output: func(chip string, line int) (gpio.PinOut, error) {
			l, ok := r.line(chip, f, line)
			if !ok {
				return nil, fmt.Errorf("boardtest: no line %d on %q", line, chip)
			}
			return &levelPin{Pin: gpiotest.Pin{N: fmt.Sprintf("line%d", line)}, l: l}, nil
		},
		Input: func(chip string, line int) (gpio.PinIn, error) {
			l, ok := r.line(chip, f, line)
			if !ok {
				return nil, fmt.Errorf("boardtest: no line %d on %q", line, chip)
			}
			return &levelPin{Pin: gpiotest.Pin{N: fmt.Sprintf("line%d", line)}, l: l}, nil
		},
	}
}

func (r *Rig) line(chip string, f *board.File, n int) (*Line, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l, ok := r.Lines[n]
	return l, ok && chip == f.GPIO.Chip
}

// levelPin reads its Line's level.
type levelPin struct {
	gpiotest.Pin
	l *Line
}

func (p *levelPin) In(gpio.Pull, gpio.Edge) error { return nil }
func (p *levelPin) Out(l gpio.Level) error {
	p.l.mu.Lock()
	p.l.Level = l
	p.l.mu.Unlock()
	return nil
}
func (p *levelPin) Read() gpio.Level {
	p.l.mu.Lock()
	defer p.l.mu.Unlock()
	return p.l.Level
}

// wave is an edge source of a square wave, in real time: Next sleeps until
// the wave's next edge (or the timeout) and stamps it with the time the
// edge was due.
type wave struct {
	l     *Line
	edge  gpio.Edge
	now   func() units.Time
	t0    time.Time
	n     int // edges so far
	seq   uint32
	start bool
}

func (w *wave) Next(timeout time.Duration) (gpioin.Edge, bool, error) {
	if timeout <= 0 {
		return gpioin.Edge{}, false, gpioin.ErrTimeout
	}
	w.l.mu.Lock()
	hz, duty := w.l.Hz, w.l.Duty
	w.l.mu.Unlock()
	if !w.start {
		w.t0, w.start = time.Now(), true
	}
	if hz <= 0 {
		time.Sleep(timeout)
		return gpioin.Edge{}, false, nil
	}
	period := time.Duration(float64(time.Second) / hz)
	for {
		cycle, rising := w.n/2, w.n%2 == 0
		at := w.t0.Add(time.Duration(cycle) * period)
		if !rising {
			at = at.Add(time.Duration(duty * float64(period)))
		}
		w.n++
		if (rising && w.edge == gpio.FallingEdge) || (!rising && w.edge == gpio.RisingEdge) {
			continue
		}
		if d := time.Until(at); d > timeout {
			w.n--
			time.Sleep(timeout)
			return gpioin.Edge{}, false, nil
		} else if d > 0 {
			time.Sleep(d)
		}
		w.seq++
		// Stamped when the edge was, as the kernel stamps its edge events
		// (a late wake-up here must not bunch the edges it finds queued).
		late := units.Duration(time.Since(at))
		if late < 0 {
			late = 0
		}
		return gpioin.Edge{At: w.now() - units.Time(late), Rising: rising, Seq: w.seq}, true, nil
	}
}
