package board

import (
	"fmt"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/onewire"

	"hearth/hal"
	"hearth/hal/drivers/ads1115"
	"hearth/hal/drivers/ds18b20"
	"hearth/hal/drivers/gpioin"
	"hearth/hal/drivers/max31865"
	"hearth/units"
)

// Commissioning spans: what a filled, healthy, idle plant reads.
const (
	tempLo, tempHi = -10.0, 95.0
	outdoorLo      = -40.0
)

func tempReading(s hal.Sample[units.Celsius]) Reading {
	return Reading{Value: float64(s.Value), Unit: "C", Text: fmt.Sprintf("%.2f C", float64(s.Value)), Status: s.Status}
}

func (o *opener) openTemps() {
	var names []string
	var roms []onewire.Address
	for id := hal.TempID(0); id < hal.NumTemps; id++ {
		t, ok := o.f.Temp[id.String()]
		if ok && t.Sensor == "ds18b20" {
			rom, err := ds18b20.ParseROM(t.ROM)
			if err == nil {
				names, roms = append(names, id.String()), append(roms, rom)
			}
		}
	}
	if len(roms) > 0 {
		o.openOneWire(names, roms)
	}
	for id := hal.TempID(0); id < hal.NumTemps; id++ {
		o.openTemp(id, names)
	}
}

func (o *opener) openTemp(id hal.TempID, owNames []string) {
	s := o.spec("temp." + id.String())
	t, ok := o.f.Temp[id.String()]
	lo := tempLo
	if id == hal.TempOutdoor {
		lo = outdoorLo
	}
	var dev hal.TemperatureProbe
	var err error
	switch {
	case !ok:
		err = fmt.Errorf("not in the board file")
	case t.Sensor == "pt1000":
		dev, err = o.openRTD(t)
	default:
		dev, err = o.oneWireProbe(t, id.String(), owNames)
	}
	if err != nil {
		o.h.Dev.Temp[id] = o.absent(err)
		o.add(s, err, nil, lo, tempHi)
		return
	}
	if t.OffsetK != 0 {
		dev = offsetProbe{dev, t.OffsetK}
	}
	o.h.Dev.Temp[id] = dev
	o.add(s, nil, func() Reading { return tempReading(dev.Temperature()) }, lo, tempHi)
}

func (o *opener) openRTD(t Temp) (hal.TemperatureProbe, error) {
	if o.reg.SPI == nil {
		return nil, fmt.Errorf("%s: no SPI on this host", t.SPI)
	}
	p, err := o.reg.SPI(t.SPI)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.SPI, err)
	}
	o.h.closers = append(o.h.closers, p.Close)
	d, err := max31865.New(p, max31865.Config{RefOhm: t.RefOhm, R0Ohm: 1000, Wires: t.Wires, Mains50Hz: true}, o.now)
	if err != nil {
		return nil, fmt.Errorf("MAX31865 on %s: %w", t.SPI, err)
	}
	return d, nil
}

func (o *opener) oneWireProbe(t Temp, name string, owNames []string) (hal.TemperatureProbe, error) {
	if o.owErr != nil {
		return nil, o.owErr
	}
	for i, n := range owNames {
		if n != name {
			continue
		}
		if err := o.ow.Absent(i); err != nil {
			return nil, err
		}
		return o.ow.Probe(i), nil
	}
	return nil, fmt.Errorf("DS18B20 %s: bad ROM", t.ROM)
}

// offsetProbe adds a probe's water-bath calibration offset.
type offsetProbe struct {
	hal.TemperatureProbe
	k units.Kelvin
}

func (p offsetProbe) Temperature() hal.Sample[units.Celsius] {
	s := p.TemperatureProbe.Temperature()
	s.Value += units.Celsius(p.k)
	return s
}

func (o *opener) openPressure() {
	s := o.spec("pressure")
	if o.adcErr != nil {
		o.h.Dev.Pressure = o.absent(o.adcErr)
		o.add(s, o.adcErr, nil, 0, 0)
		return
	}
	p := o.f.Press
	dev := o.adc.Pressure(p.Channel, ads1115.PressureCal{MinV: p.MinV, MaxV: p.MaxV, MinBar: p.MinBar,
		MaxBar: p.MaxBar, FaultLowV: p.FaultLowV, FaultHighV: p.FaultHighV})
	o.h.Dev.Pressure = dev
	o.add(s, nil, func() Reading {
		v := dev.Pressure()
		return Reading{Value: float64(v.Value), Unit: "bar", Text: fmt.Sprintf("%.2f bar", float64(v.Value)), Status: v.Status}
	}, 0.5, 3.0)
}

// edges opens a line as an edge source.
func (o *opener) edges(line int, edge gpio.Edge) (gpioin.Edges, error) {
	if o.reg.Edges == nil {
		return nil, fmt.Errorf("gpio %s line %d: no GPIO on this host", o.f.GPIO.Chip, line)
	}
	e, err := o.reg.Edges(o.f.GPIO.Chip, line, edge, o.now)
	if err != nil {
		return nil, fmt.Errorf("gpio %s line %d: %w", o.f.GPIO.Chip, line, err)
	}
	if c, ok := e.(interface{ Close() error }); ok {
		o.h.closers = append(o.h.closers, c.Close)
	}
	return e, nil
}

func (o *opener) openFlows() {
	for _, id := range []hal.FlowID{hal.FlowOil, hal.FlowWater} {
		s := o.spec("flow." + id.String())
		fl := o.f.Flow[id.String()]
		src, err := o.edges(fl.Line, gpio.RisingEdge)
		if err != nil {
			o.h.Dev.Flow[id] = o.absent(err)
			o.add(s, err, nil, 0, 0)
			continue
		}
		m := gpioin.NewFlow(src, gpioin.FlowConfig{PulsesPerLitre: fl.PulsesPerLitre, Timeout: fl.Timeout, MaxLPM: fl.MaxLPM}, o.now)
		o.h.runners = append(o.h.runners, m.Run)
		o.h.Dev.Flow[id] = m
		o.add(s, nil, func() Reading {
			v := m.Flow()
			return Reading{Value: float64(v.Value), Unit: "L/min", Text: fmt.Sprintf("%.1f L/min", float64(v.Value)), Status: v.Status}
		}, 0, float64(fl.MaxLPM))
	}
}
