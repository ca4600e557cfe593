package board

import (
	"fmt"
	"strings"

	"hearth/hal"
)

// spec is one logical channel as the board wires it: the rows of the
// wiring table, and what Open opens.
type spec struct {
	name     string // "temp.oil_in_a"
	chip     string // "DS18B20", "MAX31865", "ADS1115", ...
	bus      string // "1-wire (DS2482 0x18 on i2c 1)", "SPI0.0", "i2c 1 0x48", "gpio pinctrl-bcm2711"
	pin      string // "ROM 28-…", "AIN0", "line 17", "channel 0", "GPA0"
	colour   string
	failSafe string // what the channel is when the controller lets go of it, or its wire breaks
	trip     bool
}

func (s spec) wired() string {
	w := s.chip
	if s.pin != "" {
		w += " " + s.pin
	}
	return w + " on " + s.bus
}

// specs lists the board's channels in hal's order: temperatures, pressure,
// flows, pumps, valves, fan, loops, switches, modules.
func (f *File) specs() []spec {
	var out []spec
	i2c := "i2c " + f.I2C.Bus
	for id := hal.TempID(0); id < hal.NumTemps; id++ {
		out = append(out, f.tempSpec(id))
	}
	out = append(out, spec{name: "pressure", chip: "ADS1115", bus: fmt.Sprintf("%s %#x", i2c, f.ADC.Address),
		pin: fmt.Sprintf("AIN%d", f.Press.Channel), colour: f.Press.Colour, trip: true,
		failSafe: fmt.Sprintf("a broken wire reads below %g V: a wiring fault, never a pressure", f.Press.FaultLowV)})
	gpio := "gpio " + f.GPIO.Chip
	for _, id := range []hal.FlowID{hal.FlowOil, hal.FlowWater} {
		fl := f.Flow[id.String()]
		out = append(out, spec{name: "flow." + id.String(), chip: "flow meter", bus: gpio,
			pin: fmt.Sprintf("line %d", fl.Line), colour: fl.Colour, trip: true,
			failSafe: fmt.Sprintf("no pulse for %v reads no flow: judged against the pump's command", fl.Timeout)})
	}
	pwm := fmt.Sprintf("%s %#x", i2c, f.PWM.Address)
	for _, id := range []hal.PumpID{hal.PumpOil, hal.PumpWater} {
		p := f.Pump[id.String()]
		out = append(out, spec{name: "pump." + id.String(), chip: "PCA9685 + feedback", bus: pwm + ", " + gpio,
			pin: fmt.Sprintf("channel %d, line %d", p.PWM, p.FeedbackLine), colour: p.Colour, trip: true,
			failSafe: "PWM lost (0 %): profile A runs the pump at full speed; a broken feedback wire reads open"})
	}
	valveSafe := map[string]string{"dump": "spring return: all the water to the dump cooler",
		"tank": "command 0 V: no water to the tank coil"}
	for _, id := range []hal.ValveID{hal.ValveDump, hal.ValveTank} {
		v := f.Valve[id.String()]
		out = append(out, spec{name: "valve." + id.String(), chip: "PCA9685 + ADS1115",
			bus: fmt.Sprintf("%s, %s %#x", pwm, i2c, f.ADC.Address), pin: fmt.Sprintf("channel %d, AIN%d", v.PWM, v.ADC),
			colour: v.Colour, trip: id == hal.ValveDump, failSafe: valveSafe[id.String()]})
	}
	out = append(out, spec{name: "fan", chip: "PCA9685 + tachometer", bus: pwm + ", " + gpio,
		pin: fmt.Sprintf("channel %d, line %d", f.Fan.PWM, f.Fan.TachLine), colour: f.Fan.Colour, trip: true,
		failSafe: "wired to run unless held off: full speed"})
	out = append(out,
		spec{name: "leak", chip: "NC loop", bus: gpio, pin: fmt.Sprintf("line %d", f.Leak.Line), colour: f.Leak.Colour,
			trip: true, failSafe: "normally closed: a broken wire reads as a leak"},
		spec{name: "oil_low", chip: "NC loop", bus: gpio, pin: fmt.Sprintf("line %d", f.OilLow.Line),
			colour: f.OilLow.Colour, trip: true, failSafe: "normally closed: a broken wire reads as low oil"})
	out = append(out, spec{name: "enable", chip: "output hold", bus: gpio, pin: fmt.Sprintf("line %d", f.Enable.Line),
		colour: f.Enable.Colour, trip: true,
		failSafe: "pulled down: a Pi reset or a closed daemon lets it fall, the MCP23017 resets (every contactor open), the PCA9685's outputs go low"})
	rel := fmt.Sprintf("%s %#x", i2c, f.Relays.Address)
	out = append(out,
		spec{name: "heater", chip: "MCP23017", bus: rel, pin: mcpPin(f.Heater.Pin), colour: f.Heater.Colour,
			trip: true, failSafe: "contactor drops: heater off"},
		spec{name: "alarm", chip: "MCP23017", bus: rel, pin: mcpPin(f.Alarm.Pin), colour: f.Alarm.Colour,
			failSafe: "relay drops"})
	for _, m := range f.Module {
		out = append(out, spec{name: fmt.Sprintf("module.%d", m.ID), chip: "MCP23017 + INA219",
			bus: fmt.Sprintf("%s, i2c %s %#x", rel, f.I2C.FeedBus, m.FeedAddress), pin: mcpPin(m.Relay),
			trip:     true,
			failSafe: "energise to run: the contactor opens, the module is unpowered"})
	}
	return out
}

func (f *File) tempSpec(id hal.TempID) spec {
	t, ok := f.Temp[id.String()]
	s := spec{name: "temp." + id.String(), trip: !tempOptional[id], colour: t.Colour}
	switch {
	case !ok:
		s.chip, s.bus, s.failSafe = "none", "not fitted", "control only: runs without it"
	case t.Sensor == "pt1000":
		s.chip, s.bus, s.pin = "PT1000/MAX31865", t.SPI, fmt.Sprintf("%d-wire, %g ohm ref", t.Wires, t.RefOhm)
		s.failSafe = "an open or shorted RTD is a fault bit: reads open or short, never a temperature"
	default:
		s.chip, s.pin = "DS18B20", t.ROM
		s.bus = "1-wire (kernel w1)"
		if f.OneWire.Master == "ds2482" {
			s.bus = fmt.Sprintf("1-wire (DS2482 %#x on i2c %s)", f.OneWire.Address, f.I2C.Bus)
		}
		s.failSafe = "a lost probe or a bad CRC reads missing or crc; 85 C at power-on reads power_on"
	}
	return s
}

func mcpPin(n int) string { return fmt.Sprintf("GP%c%d", "AB"[n/8%2], n%8) }

// Wiring renders the board's wiring table (docs/wiring.md holds the
// reference board's): channel, chip, bus and address, pin, wire colour,
// fail-safe state, and whether a trip hangs on it.
func (f *File) Wiring() string {
	var b strings.Builder
	b.WriteString("| channel | chip | bus, address | pin | wire | fail-safe state | trip |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, s := range f.specs() {
		trip := ""
		if s.trip {
			trip = "yes"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", s.name, s.chip, s.bus, s.pin, s.colour, s.failSafe, trip)
	}
	return b.String()
}
