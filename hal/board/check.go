package board

import (
	"fmt"
	"strings"

	"hearth/hal"
)

// tempOptional are the probes control uses but no trip hangs on: a board
// may leave them out, and probe lists them as missing without failing.
var tempOptional = map[hal.TempID]bool{hal.TempIndoor: true, hal.TempOutdoor: true, hal.TempWaterReturn: true}

// check validates the whole file into c.
func (f *File) check(c *checker) {
	addr := unique{} // chips on i2c.bus
	gpio := unique{}
	pwm := unique{}
	adc := unique{}
	pins := unique{}
	c.need("i2c.bus")
	c.need("gpio.chip")
	f.checkChips(c, addr)
	f.checkTemps(c)
	f.checkPressure(c, adc)
	for _, id := range []hal.FlowID{hal.FlowOil, hal.FlowWater} {
		f.checkFlow(c, id, gpio)
	}
	for _, id := range []hal.PumpID{hal.PumpOil, hal.PumpWater} {
		key := "pump." + id.String()
		p, ok := f.Pump[id.String()]
		if !c.need(key+".pwm") || !c.need(key+".feedback_line") || !ok {
			continue
		}
		c.rangeInt(key+".pwm", p.PWM, 0, 15)
		pwm.take(c, fmt.Sprintf("PCA9685 channel %d", p.PWM), key+".pwm")
		c.failSafe(key+".invert", p.Invert, false, "0 % at the pump, which profile A runs at full speed")
		gpio.take(c, fmt.Sprintf("GPIO line %d", p.FeedbackLine), key+".feedback_line")
	}
	for _, id := range []hal.ValveID{hal.ValveDump, hal.ValveTank} {
		f.checkValve(c, id, pwm, adc)
	}
	f.checkFan(c, pwm, gpio)
	for _, l := range []struct {
		key  string
		loop Loop
	}{{"leak", f.Leak}, {"oil_low", f.OilLow}, {"enable", f.Enable}} {
		if c.need(l.key + ".line") {
			gpio.take(c, fmt.Sprintf("GPIO line %d", l.loop.Line), l.key+".line")
		}
	}
	for _, r := range []struct {
		key string
		pin int
	}{{"heater", f.Heater.Pin}, {"alarm", f.Alarm.Pin}} {
		if c.need(r.key + ".pin") {
			c.rangeInt(r.key+".pin", r.pin, 0, 15)
			pins.take(c, fmt.Sprintf("MCP23017 pin %d", r.pin), r.key+".pin")
		}
	}
	f.checkModules(c, pins)
	f.checkReserved(c, gpio)
	for k := range f.Temp {
		if _, ok := tempID(k); !ok {
			c.bad("temp."+k, "no such probe: the probes are %s", tempNames())
		}
	}
}

// reserved are the Pi's GPIO lines (BCM numbers, the same on the Pi 4's
// pinctrl-bcm2711 and the Pi 5's pinctrl-rp1) a bus of the board takes,
// with what takes them: the overlays' default pins.
func (f *File) reserved() map[int]string {
	r := map[int]string{14: "the serial console (UART TXD)", 15: "the serial console (UART RXD)"}
	for _, b := range []string{f.I2C.Bus, f.I2C.FeedBus} {
		switch b {
		case "1":
			r[2], r[3] = "i2c 1 (SDA)", "i2c 1 (SCL)"
		case "3":
			r[4], r[5] = "i2c 3 (dtoverlay=i2c3: SDA)", "i2c 3 (dtoverlay=i2c3: SCL)"
		}
	}
	for _, t := range f.Temp {
		if strings.HasPrefix(t.SPI, "SPI0.") {
			for l, what := range map[int]string{7: "SPI0 CE1", 8: "SPI0 CE0", 9: "SPI0 MISO", 10: "SPI0 MOSI", 11: "SPI0 SCLK"} {
				r[l] = what
			}
		}
	}
	return r
}

// checkReserved refuses a line a bus of the board takes.
func (f *File) checkReserved(c *checker, gpio unique) {
	res := f.reserved()
	for what, key := range gpio {
		var line int
		if _, err := fmt.Sscanf(what, "GPIO line %d", &line); err == nil {
			if bus, ok := res[line]; ok {
				c.bad(key, "GPIO line %d is %s", line, bus)
			}
		}
	}
}

// failSafe refuses an output stage whose sense would make a reset PCA9685
// (every output low, as at power-on, asleep, or with the controller dead)
// command anything but the de-energised state (hal.Deenergised).
func (c *checker) failSafe(key string, invert, want bool, low string) {
	if invert != want {
		c.bad(key, "%v: a reset PCA9685 holds its outputs low; the stage must make that %s, so invert = %v",
			invert, low, want)
	}
}

// checkChips checks the chips' addresses on i2c.bus, which must differ.
func (f *File) checkChips(c *checker, addr unique) {
	c.rangeInt("pwm.address", f.PWM.Address, 0x40, 0x7f)
	if f.PWM.Address == 0x70 {
		c.bad("pwm.address", "0x70 is the PCA9685's ALLCALL address")
	}
	c.rangeF("pwm.frequency_hz", f.PWM.FrequencyHz, 100, 1526) // profile A: 100-4000 Hz; the PCA9685 reaches 1526 Hz
	c.rangeInt("relays.address", f.Relays.Address, 0x20, 0x27)
	c.rangeInt("adc.address", f.ADC.Address, 0x48, 0x4b)
	addr.take(c, fmt.Sprintf("I2C address %#x", f.PWM.Address), "pwm.address")
	addr.take(c, fmt.Sprintf("I2C address %#x", f.Relays.Address), "relays.address")
	addr.take(c, fmt.Sprintf("I2C address %#x", f.ADC.Address), "adc.address")
	if !f.usesDS18B20() {
		return
	}
	switch f.OneWire.Master {
	case "ds2482":
		c.rangeInt("onewire.address", f.OneWire.Address, 0x18, 0x1f)
		addr.take(c, fmt.Sprintf("I2C address %#x", f.OneWire.Address), "onewire.address")
	case "w1":
		if f.OneWire.StrongPullup && c.md.IsDefined("onewire", "strong_pullup") {
			c.bad("onewire.strong_pullup", "the kernel's w1 bus cannot hold a strong pull-up: powered probes only")
		}
	default:
		c.bad("onewire.master", "%q: want \"ds2482\" or \"w1\"", f.OneWire.Master)
	}
	c.rangeInt("onewire.resolution", f.OneWire.Resolution, 9, 12)
}

func (f *File) usesDS18B20() bool {
	for _, t := range f.Temp {
		if t.Sensor == "ds18b20" {
			return true
		}
	}
	return false
}

// checkTemps checks every probe: each required one present, each wired
// once.
func (f *File) checkTemps(c *checker) {
	used := unique{}
	for id := hal.TempID(0); id < hal.NumTemps; id++ {
		key := "temp." + id.String()
		t, ok := f.Temp[id.String()]
		if !ok {
			if !tempOptional[id] {
				c.bad(key, "missing: a trip hangs on this probe")
			}
			continue
		}
		switch t.Sensor {
		case "ds18b20":
			if c.need(key + ".rom") {
				if !romRE.MatchString(t.ROM) {
					c.bad(key+".rom", "%q: want the kernel's form, 28- and 12 hex digits", t.ROM)
				}
				used.take(c, "1-wire ROM "+t.ROM, key+".rom")
			}
		case "pt1000":
			if c.need(key + ".spi") {
				used.take(c, "SPI port "+t.SPI, key+".spi")
			}
			c.rangeF(key+".ref_ohm", t.RefOhm, 1000, 10000)
			if t.Wires < 2 || t.Wires > 4 {
				c.bad(key+".wires", "%d: want 2, 3 or 4", t.Wires)
			}
		default:
			c.bad(key+".sensor", "%q: want \"ds18b20\" or \"pt1000\"", t.Sensor)
		}
		c.rangeF(key+".offset_k", float64(t.OffsetK), -2, 2)
	}
}

func tempNames() string {
	var s []string
	for id := hal.TempID(0); id < hal.NumTemps; id++ {
		s = append(s, id.String())
	}
	return strings.Join(s, ", ")
}

func tempID(name string) (hal.TempID, bool) {
	for id := hal.TempID(0); id < hal.NumTemps; id++ {
		if id.String() == name {
			return id, true
		}
	}
	return 0, false
}

func (f *File) checkPressure(c *checker, adc unique) {
	p := f.Press
	if !c.need("pressure.channel") {
		return
	}
	c.rangeInt("pressure.channel", p.Channel, 0, 3)
	adc.take(c, fmt.Sprintf("ADS1115 input %d", p.Channel), "pressure.channel")
	if !(0 <= p.FaultLowV && p.FaultLowV < p.MinV && p.MinV < p.MaxV && p.MaxV < p.FaultHighV && p.FaultHighV <= 6.144) {
		c.bad("pressure", "want 0 <= fault_low_v (%g) < min_v (%g) < max_v (%g) < fault_high_v (%g) <= 6.144 V",
			p.FaultLowV, p.MinV, p.MaxV, p.FaultHighV)
	}
	if !(p.MinBar < p.MaxBar) {
		c.bad("pressure.max_bar", "%g: want above min_bar %g", p.MaxBar, p.MinBar)
	}
}

func (f *File) checkFlow(c *checker, id hal.FlowID, gpio unique) {
	key := "flow." + id.String()
	fl, ok := f.Flow[id.String()]
	if !c.need(key+".line") || !ok {
		return
	}
	gpio.take(c, fmt.Sprintf("GPIO line %d", fl.Line), key+".line")
	c.rangeF(key+".pulses_per_litre", fl.PulsesPerLitre, 10, 10000)
	c.rangeF(key+".timeout", fl.Timeout.Seconds(), 0.1, 10)
	c.rangeF(key+".max_lpm", float64(fl.MaxLPM), 1, 500)
}

func (f *File) checkValve(c *checker, id hal.ValveID, pwm, adc unique) {
	key := "valve." + id.String()
	v, ok := f.Valve[id.String()]
	if !c.need(key+".pwm") || !c.need(key+".adc") || !ok {
		return
	}
	c.rangeInt(key+".pwm", v.PWM, 0, 15)
	pwm.take(c, fmt.Sprintf("PCA9685 channel %d", v.PWM), key+".pwm")
	if id == hal.ValveDump {
		c.failSafe(key+".invert", v.Invert, true, "a command of all the water to the dump (the actuator set to reverse action, 0 V at the spring's end)")
	} else {
		c.failSafe(key+".invert", v.Invert, false, "0 V: no water to the tank coil")
	}
	c.rangeInt(key+".adc", v.ADC, 0, 3)
	adc.take(c, fmt.Sprintf("ADS1115 input %d", v.ADC), key+".adc")
	if !(0 <= v.LowV && v.LowV < v.HighV && v.HighV <= 6.144) {
		c.bad(key, "want 0 <= low_v (%g) < high_v (%g) <= 6.144 V", v.LowV, v.HighV)
	}
}

func (f *File) checkFan(c *checker, pwm, gpio unique) {
	if !c.need("fan.pwm") || !c.need("fan.tach_line") {
		return
	}
	c.rangeInt("fan.pwm", f.Fan.PWM, 0, 15)
	pwm.take(c, fmt.Sprintf("PCA9685 channel %d", f.Fan.PWM), "fan.pwm")
	c.failSafe("fan.invert", f.Fan.Invert, true, "the fan's PWM input released (an open collector off), which EC fans run at full speed")
	gpio.take(c, fmt.Sprintf("GPIO line %d", f.Fan.TachLine), "fan.tach_line")
	c.rangeF("fan.pulses_per_rev", f.Fan.PulsesPerRev, 1, 12)
	c.rangeF("fan.max_rpm", f.Fan.MaxRPM, 100, 20000)
}

func (f *File) checkModules(c *checker, pins unique) {
	if len(f.Module) == 0 || len(f.Module) > hal.MaxModules {
		c.bad("module", "%d modules: want 1..%d", len(f.Module), hal.MaxModules)
	}
	if len(f.Module) > 0 {
		c.need("i2c.feed_bus")
	}
	ids, feeds := unique{}, unique{}
	for i, m := range f.Module {
		key := fmt.Sprintf("module.%d", i)
		if m.ID == 0 {
			c.bad(key+".id", "missing or 0: every module has an id, as its agent does")
		}
		ids.take(c, fmt.Sprintf("module id %d", m.ID), key+".id")
		for _, k := range []string{".relay", ".feed_address"} {
			if _, ok := c.lines[key+k]; !ok {
				c.bad(key+k, "missing")
			}
		}
		c.rangeInt(key+".relay", m.Relay, 0, 15)
		pins.take(c, fmt.Sprintf("MCP23017 pin %d", m.Relay), key+".relay")
		c.rangeInt(key+".feed_address", m.FeedAddress, 0x40, 0x4f)
		feeds.take(c, fmt.Sprintf("feed-bus address %#x", m.FeedAddress), key+".feed_address")
		c.rangeF(key+".shunt_ohm", m.ShuntOhm, 0.001, 1)
		c.rangeF(key+".max_current_a", m.MaxCurrentA, 0.1, 20)
	}
}
