package ds18b20

import (
	"periph.io/x/conn/v3/onewire"

	"hearth/hal"
	"hearth/units"
)

// Raw temperatures, in sixteenths of a kelvin (datasheet, "Temperature
// register format").
const (
	rawPowerOn = 0x0550   // 85.0 C, the power-on reset value
	rawMin     = -55 * 16 // 0xFC90
	rawMax     = 125 * 16 // 0x07D0
)

// PowerOnBand is how close to 85.0 C a probe's previous OK sample must be
// for a reading of exactly 85.0 C to pass as a measurement.
const PowerOnBand units.Kelvin = 2

// judge returns the status and value a scratchpad read says, given the
// configuration register the Bus set and the probe's previous sample, and
// whether the configuration must be written again. In order:
//
//   - all ones: nothing drove the line (the probe is gone): StatusMissing;
//   - all zeros: the line held low (its CRC passes!): StatusBus;
//   - a bad CRC: StatusCRC;
//   - a resolution other than the one set: the probe has been through a
//     power-on since it was set up (its scratchpad holds its EEPROM's
//     setting again), and this reading may be its power-on value or a
//     conversion we did not wait long enough for: StatusPowerOn, and the
//     configuration is written again;
//   - exactly 85.0 C, unless the previous sample was OK and within
//     PowerOnBand of it: StatusPowerOn (see the package comment);
//   - outside -55..125 C: StatusRange;
//   - otherwise StatusOK, the bits the resolution leaves undefined masked.
//
// The value is meaningful only with StatusOK.
func judge(sp *[spLen]byte, config byte, prev hal.Sample[units.Celsius]) (st hal.Status, v units.Celsius, reconfig bool) {
	switch {
	case all(sp, 0xFF):
		return hal.StatusMissing, 0, false
	case all(sp, 0):
		return hal.StatusBus, 0, false
	case !onewire.CheckCRC(sp[:]):
		return hal.StatusCRC, 0, false
	case sp[spConfig]&cfgResBits != config&cfgResBits:
		return hal.StatusPowerOn, 0, true
	}
	undefined := int16(1)<<(3-(sp[spConfig]&cfgResBits>>5)) - 1 // 7 at 9 bits, 0 at 12
	raw := (int16(sp[spTempMSB])<<8 | int16(sp[spTempLSB])) &^ undefined
	switch {
	case raw == rawPowerOn && !nearPowerOn(prev):
		return hal.StatusPowerOn, 0, false
	case raw < rawMin || raw > rawMax:
		return hal.StatusRange, 0, false
	}
	return hal.StatusOK, units.Celsius(raw) / 16, false
}

// nearPowerOn reports whether prev makes a reading of 85.0 C believable.
func nearPowerOn(prev hal.Sample[units.Celsius]) bool {
	d := units.Kelvin(prev.Value - 85)
	return prev.OK() && -PowerOnBand <= d && d <= PowerOnBand
}
