// Package drivers holds the HeatHub's hardware drivers, one subpackage per
// chip or input kind, each on periph.io's conn interfaces (i2c.Bus,
// spi.Port, onewire.Bus, gpio.PinIn) so that its tests run byte for byte
// against periph's fakes (i2ctest.Playback, spitest.Playback,
// onewiretest.Playback, gpiotest.Pin) with transactions taken from the
// datasheets:
//
//   - ds18b20: DS18B20 probes on a 1-wire bus (a DS2482 master or the
//     kernel's w1), all converting at once and read later;
//   - max31865: PT1000 probes through a MAX31865 RTD converter on SPI;
//   - ads1115: the pressure transducer and the valves' position signals on
//     an ADS1115 ADC;
//   - pca9685: the circulators' profile-A PWM, the valves' and fan's
//     commands, on a PCA9685;
//   - mcp23017: relays and module contactors on an MCP23017 expander,
//     rewritten and read back so a brown-out is seen and undone;
//   - ina219: each module feed's power meter, its calibration verified;
//   - gpioin: flow meters and fan tachometer as edge counters, the pumps'
//     feedback lines, the leak and level loops, on the GPIO character
//     device.
//
// Every driver stamps its samples with the controller's clock (a
// func() units.Time it is given) and reports what it could not measure as a
// sample status (hal.Status), never as a plausible number: plausibility is
// safety's to judge. A read may take a bus transaction's time but is
// bounded; none waits on a conversion (package hal/sampler runs them off
// the tick). Package hal/board builds a hub's hal.Devices from a board file.
package drivers
