// Package board is a hub's board file: which chip, bus, address, pin and
// calibration each logical channel of hal.Devices is wired to. Load reads
// and validates it, naming the key and the line of every error; Open builds
// the hub's devices from it through a Registry of buses (periph.io's host
// drivers on the Pi, periph's fakes in tests) and says, channel by channel,
// what answered, what is missing and what reads implausibly (`hearth probe`).
//
// The file names each logical channel once, by the names hal gives them
// (temp.oil_in_a, flow.oil, pump.water, valve.dump, ...). A channel a trip
// hangs on must be present; the indoor and outdoor probes may be left out.
package board

import (
	"hearth/units"
)

// File is a board file, as written.
type File struct {
	I2C     I2CBuses         `toml:"i2c"`
	OneWire OneWireBus       `toml:"onewire"`
	GPIO    GPIOChip         `toml:"gpio"`
	PWM     Chip             `toml:"pwm"`    // the PCA9685 for pumps, valves and fan
	Relays  Chip             `toml:"relays"` // the MCP23017 for contactors and relays
	ADC     Chip             `toml:"adc"`    // the ADS1115 for pressure and valve positions
	Temp    map[string]Temp  `toml:"temp"`
	Press   Pressure         `toml:"pressure"`
	Flow    map[string]Flow  `toml:"flow"`
	Pump    map[string]Pump  `toml:"pump"`
	Valve   map[string]Valve `toml:"valve"`
	Fan     Fan              `toml:"fan"`
	Leak    Loop             `toml:"leak"`
	OilLow  Loop             `toml:"oil_low"`
	Heater  Relay            `toml:"heater"`
	Alarm   Relay            `toml:"alarm"`
	Enable  Loop             `toml:"enable"` // the outputs\' hold line
	Module  []Module         `toml:"module"`
}

// I2CBuses names the I2C buses (periph's i2creg names: "1" is /dev/i2c-1).
type I2CBuses struct {
	Bus     string `toml:"bus"`      // the sensors' and actuators' chips
	FeedBus string `toml:"feed_bus"` // the modules' INA219 feed meters (0x40-0x4F, a bus of their own)
}

// OneWireBus is the DS18B20 probes' bus.
type OneWireBus struct {
	Master       string `toml:"master"`        // "ds2482" (on the I2C bus) or "w1" (the kernel's)
	Address      int    `toml:"address"`       // the DS2482's, 0x18-0x1F
	StrongPullup bool   `toml:"strong_pullup"` // during conversions (DS2482 only)
	Resolution   int    `toml:"resolution"`    // bits, 9-12
	W1Master     int    `toml:"w1_master"`     // "w1": the N of /sys/bus/w1/devices/w1_bus_masterN
}

// GPIOChip is the GPIO character device's chip, by label (the Pi 5
// renumbered the chips; their labels stay).
type GPIOChip struct {
	Chip string `toml:"chip"` // "pinctrl-bcm2711" on a Pi 4, "pinctrl-rp1" on a Pi 5
}

// Chip is an I2C chip on the I2C bus.
type Chip struct {
	Address     int     `toml:"address"`
	FrequencyHz float64 `toml:"frequency_hz"` // the PCA9685's PWM frequency
}

// Temp is one temperature probe.
type Temp struct {
	Sensor  string       `toml:"sensor"`   // "ds18b20" or "pt1000"
	ROM     string       `toml:"rom"`      // ds18b20: its 1-wire ROM, "28-0000012345ab"
	SPI     string       `toml:"spi"`      // pt1000: the MAX31865's SPI port and chip select, "SPI0.1"
	RefOhm  float64      `toml:"ref_ohm"`  // pt1000: the MAX31865's reference resistor
	Wires   int          `toml:"wires"`    // pt1000: 2, 3 or 4
	OffsetK units.Kelvin `toml:"offset_k"` // added to the reading: the water-bath calibration
	Colour  string       `toml:"colour"`   // the wire's colour, for docs and probe
}

// Pressure is the water circuit's pressure transducer on the ADC.
type Pressure struct {
	Channel    int       `toml:"channel"` // ADS1115 input AIN0-AIN3
	MinV       float64   `toml:"min_v"`   // output at MinBar (0.5 V)
	MaxV       float64   `toml:"max_v"`   // output at MaxBar (4.5 V)
	MinBar     units.Bar `toml:"min_bar"`
	MaxBar     units.Bar `toml:"max_bar"`
	FaultLowV  float64   `toml:"fault_low_v"`  // below: a wiring fault, not a pressure (0.25 V)
	FaultHighV float64   `toml:"fault_high_v"` // above: a wiring fault (4.75 V)
	Colour     string    `toml:"colour"`
}

// Flow is a hall-effect pulse flow meter on a GPIO line.
type Flow struct {
	Line           int               `toml:"line"`
	PulsesPerLitre float64           `toml:"pulses_per_litre"` // ~330 (5.5 Hz per L/min)
	Timeout        units.Duration    `toml:"timeout"`          // no edge for this long: no flow
	MaxLPM         units.LitrePerMin `toml:"max_lpm"`          // above: out of range
	Colour         string            `toml:"colour"`
}

// Pump is a profile-A circulator: its PWM on the PCA9685, its feedback
// line on a GPIO line.
type Pump struct {
	PWM          int    `toml:"pwm"`           // PCA9685 channel 0-15
	Invert       bool   `toml:"invert"`        // an inverting optocoupler stage between chip and pump
	FeedbackLine int    `toml:"feedback_line"` // GPIO line of the 75 Hz feedback
	Colour       string `toml:"colour"`
}

// Valve is a motorised valve: a 0-10 V command from a PCA9685 channel, its
// position signal on an ADC input.
type Valve struct {
	PWM    int     `toml:"pwm"`
	Invert bool    `toml:"invert"`
	ADC    int     `toml:"adc"`    // ADS1115 input of its position signal
	LowV   float64 `toml:"low_v"`  // position signal at closed (0)
	HighV  float64 `toml:"high_v"` // position signal at open (1)
	Colour string  `toml:"colour"`
}

// Fan is the dump cooler's fan: PWM speed, tachometer on a GPIO line.
type Fan struct {
	PWM          int     `toml:"pwm"`
	Invert       bool    `toml:"invert"`
	TachLine     int     `toml:"tach_line"`
	PulsesPerRev float64 `toml:"pulses_per_rev"`
	MaxRPM       float64 `toml:"max_rpm"`
	Colour       string  `toml:"colour"`
}

// Loop is a normally closed switch loop on a GPIO line: open (or a broken
// wire) reads as the alarm.
type Loop struct {
	Line   int    `toml:"line"`
	Colour string `toml:"colour"`
}

// The enable table is the outputs' hold line, a GPIO line the daemon holds
// high while it runs, pulled down on the board: it holds the MCP23017 out
// of reset (its RESET pin) and the PCA9685's outputs enabled (its /OE,
// through an inverter). A Pi reset (the watchdog firing) returns the line
// to an input, the pull-down takes it low, and the chips let go: every
// contactor opens, every PWM output goes low, as the board's stages make
// the de-energised state. Without it a Pi reset would leave the chips'
// latches, and the contactors, as they were.

// Relay is an output on the MCP23017 (energise to run).
type Relay struct {
	Pin    int    `toml:"pin"` // 0-15 (GPA0-7, GPB0-7)
	Colour string `toml:"colour"`
}

// Module is one compute module: its contactor on the MCP23017, its feed
// meter (an INA219) on the feed bus.
type Module struct {
	ID          uint32  `toml:"id"`
	Relay       int     `toml:"relay"`         // MCP23017 pin of its contactor
	FeedAddress int     `toml:"feed_address"`  // its INA219, 0x40-0x4F on i2c.feed_bus
	ShuntOhm    float64 `toml:"shunt_ohm"`     // 0.01
	MaxCurrentA float64 `toml:"max_current_a"` // the meter's full scale
}
