package board

import (
	"fmt"
	"sort"

	"periph.io/x/conn/v3/onewire"

	"hearth/hal/drivers/ds18b20"
)

// Found is a DS18B20 a search of the 1-wire bus found, or one the board
// names that it did not.
type Found struct {
	ROM     string `json:"rom"`     // the kernel's form, 28-0000071a2b01
	Channel string `json:"channel"` // the board's channel with this ROM; "" when none
	OnBus   bool   `json:"on_bus"`  // the search found it
}

// ScanOneWire searches the board's 1-wire bus (its DS2482 or the kernel's
// w1) for DS18B20s: every one found, each with the channel the board gives
// its ROM, and every ROM the board names that the search did not find. It
// is how a field engineer learns the ROMs to write in the board file.
func ScanOneWire(f *File, reg Registry) ([]Found, error) {
	bus, closeBus, err := openMaster(f, reg)
	if err != nil {
		return nil, err
	}
	defer closeBus()
	roms, err := bus.Search(false)
	if err != nil {
		return nil, fmt.Errorf("1-wire search: %w", err)
	}
	named := map[string]string{}
	for name, t := range f.Temp {
		if t.Sensor == "ds18b20" {
			named[t.ROM] = "temp." + name
		}
	}
	var out []Found
	for _, a := range roms {
		if byte(a) != ds18b20.Family {
			continue
		}
		rom := ds18b20.FormatROM(a)
		out = append(out, Found{ROM: rom, Channel: named[rom], OnBus: true})
		delete(named, rom)
	}
	for rom, ch := range named {
		out = append(out, Found{ROM: rom, Channel: ch})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ROM < out[j].ROM })
	return out, nil
}

// openMaster opens the board's 1-wire master.
func openMaster(f *File, reg Registry) (onewire.Bus, func(), error) {
	if f.OneWire.Master == "w1" {
		if reg.W1 == nil {
			return nil, nil, fmt.Errorf("kernel w1: not on this host")
		}
		b, err := reg.W1(uint32(f.OneWire.W1Master))
		if err != nil {
			return nil, nil, err
		}
		return b, func() { b.Close() }, nil
	}
	if reg.I2C == nil {
		return nil, nil, fmt.Errorf("i2c %s: no I2C on this host", f.I2C.Bus)
	}
	i2c, err := reg.I2C(f.I2C.Bus)
	if err != nil {
		return nil, nil, fmt.Errorf("i2c %s: %w", f.I2C.Bus, err)
	}
	b, err := ds18b20.OpenDS2482(i2c, uint16(f.OneWire.Address), f.OneWire.StrongPullup)
	if err != nil {
		i2c.Close()
		return nil, nil, err
	}
	return b, func() { i2c.Close() }, nil
}
