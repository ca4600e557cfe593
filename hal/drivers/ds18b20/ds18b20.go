package ds18b20

import (
	"errors"
	"fmt"
	"sync"

	"periph.io/x/conn/v3/onewire"

	"hearth/hal"
	"hearth/hal/drivers"
	"hearth/units"
)

// DS18B20 ROM and function commands (datasheet, "1-Wire ROM commands" and
// "DS18B20 function commands"). Copy Scratchpad (0x48, the EEPROM write) and
// Recall E2 (0xB8) are deliberately absent: this driver never issues them.
const (
	cmdSkipROM         = 0xCC
	cmdMatchROM        = 0x55
	cmdConvertT        = 0x44
	cmdReadScratchpad  = 0xBE
	cmdWriteScratchpad = 0x4E
)

// Scratchpad layout (datasheet, "Memory"): nine bytes, the last the CRC-8
// of the first eight.
const (
	spTempLSB = 0
	spTempMSB = 1
	spTH      = 2
	spTL      = 3
	spConfig  = 4
	spLen     = 9

	cfgResBits = 0x60 // R1 R0 of the configuration register
	cfgFixed   = 0x1F // its low five bits read as ones
)

// Defaults of Options.
const (
	DefaultResolution = 12
	DefaultMargin     = 50 * units.Millisecond
)

// conversion12 is the datasheet's maximum conversion time at 12 bits; each
// bit less halves it (93.75 ms at 9 bits).
const conversion12 = 750 * units.Millisecond

// Options configures a Bus.
type Options struct {
	// Resolution is the conversion's resolution in bits, 9..12 (0.5 K down
	// to 0.0625 K a step; 94 ms to 750 ms a conversion). 0 means 12.
	Resolution int
	// Margin is the time waited past the datasheet's maximum conversion
	// time before the scratchpads are read. 0 means DefaultMargin.
	Margin units.Duration
	// StrongPullup holds the bus master's strong pull-up through each
	// conversion, for probes on parasite power (a DS2482 can; the kernel's
	// w1 netlink cannot, so false there: powered probes only).
	StrongPullup bool
}

func (o Options) resolved() (Options, error) {
	if o.Resolution == 0 {
		o.Resolution = DefaultResolution
	}
	if o.Resolution < 9 || o.Resolution > 12 {
		return o, fmt.Errorf("ds18b20: resolution %d bits: want 9..12", o.Resolution)
	}
	if o.Margin == 0 {
		o.Margin = DefaultMargin
	}
	if o.Margin < 0 {
		return o, fmt.Errorf("ds18b20: negative margin %v", o.Margin)
	}
	return o, nil
}

// state is where a Bus's round stands.
type state uint8

const (
	idle       state = iota // nothing in flight: the next call starts a conversion
	converting              // a Convert T went out at started
	backoff                 // the bus failed at started: the next try waits as long as a conversion
)

// Bus is the DS18B20 probes on one 1-wire bus, converting together. It is
// safe for concurrent use; its probes share one lock.
type Bus struct {
	mu      sync.Mutex
	bus     onewire.Bus
	now     func() units.Time
	pull    onewire.Pullup
	wait    units.Duration // conversion time plus margin
	config  byte           // the configuration register this Bus sets
	state   state
	started units.Time
	probes  []probe
	handles []handle
	absent  []error  // per probe: why it did not answer NewBus
	tx      [13]byte // Match ROM, the ROM, a command and up to 3 bytes
	spad    [spLen]byte
}

// probe is one DS18B20 and its latest sample.
type probe struct {
	rom    onewire.Address
	sample hal.Sample[units.Celsius]
}

// handle is the hal.TemperatureProbe of one of a Bus's probes.
type handle struct {
	b *Bus
	i int
}

// NewBus returns the DS18B20s roms on bus, stamping their samples with now.
//
// It checks each ROM's family code and CRC, reads each probe's scratchpad to
// see that it answers, and sets the resolution by Write Scratchpad only
// where the configuration register differs: the setting lives in the
// probe's RAM and is lost at its power-on, and NewBus never issues Copy
// Scratchpad, so it never writes the probe's EEPROM (a round that finds the
// setting lost writes it again, see the package comment).
//
// A probe that does not answer does not stop the others: NewBus returns the
// Bus together with an error wrapping drivers.ErrAbsent that names every
// such ROM, and their probes read StatusMissing until they answer. Any
// other error (options, a ROM, the bus master failing) returns a nil Bus.
func NewBus(bus onewire.Bus, roms []onewire.Address, now func() units.Time, opt Options) (*Bus, error) {
	opt, err := opt.resolved()
	if err != nil {
		return nil, err
	}
	if bus == nil || now == nil {
		return nil, errors.New("ds18b20: nil bus or clock")
	}
	if len(roms) == 0 {
		return nil, errors.New("ds18b20: no probes")
	}
	b := &Bus{
		bus:     bus,
		now:     now,
		pull:    onewire.Pullup(opt.StrongPullup),
		wait:    conversion12>>(12-opt.Resolution) + opt.Margin,
		config:  byte(opt.Resolution-9)<<5 | cfgFixed,
		probes:  make([]probe, len(roms)),
		handles: make([]handle, len(roms)),
	}
	for i, rom := range roms {
		if err := checkROM(rom, roms[:i]); err != nil {
			return nil, err
		}
		b.probes[i].rom = rom
		b.handles[i] = handle{b: b, i: i}
	}
	var absent []error
	b.absent = make([]error, len(b.probes))
	for i := range b.probes {
		err := b.setup(&b.probes[i])
		if errors.Is(err, drivers.ErrAbsent) {
			absent = append(absent, err)
			b.absent[i] = err
		} else if err != nil {
			return nil, err
		}
	}
	return b, errors.Join(absent...)
}

// checkROM checks rom's family code and CRC, and that it is not among seen.
func checkROM(rom onewire.Address, seen []onewire.Address) error {
	if byte(rom) != Family {
		return fmt.Errorf("ds18b20: ROM %s: family %#02x is not a DS18B20's (%#02x): %w",
			FormatROM(rom), byte(rom), Family, drivers.ErrWrongChip)
	}
	if byte(rom>>56) != romCRC(rom) {
		return fmt.Errorf("ds18b20: ROM %#016x: bad CRC", uint64(rom))
	}
	for _, s := range seen {
		if s == rom {
			return fmt.Errorf("ds18b20: ROM %s given twice", FormatROM(rom))
		}
	}
	return nil
}

// setup reads p's scratchpad and sets its resolution if it differs.
func (b *Bus) setup(p *probe) error {
	name := FormatROM(p.rom)
	err := b.readScratchpad(p.rom)
	switch {
	case err != nil && lineError(err):
		return fmt.Errorf("ds18b20: probe %s: %w (%v)", name, drivers.ErrAbsent, err)
	case err != nil:
		return fmt.Errorf("ds18b20: probe %s: %w", name, err)
	case all(&b.spad, 0xFF):
		return fmt.Errorf("ds18b20: probe %s: %w (its scratchpad reads all ones)", name, drivers.ErrAbsent)
	case all(&b.spad, 0):
		return fmt.Errorf("ds18b20: probe %s: %w (its scratchpad reads all zeros: the line held low?)", name, drivers.ErrAbsent)
	case !onewire.CheckCRC(b.spad[:]):
		// It answered, garbled: the first round reads the configuration
		// again and sets it then.
		return nil
	case b.spad[spConfig]&cfgResBits == b.config&cfgResBits:
		return nil
	}
	if err := b.writeConfig(p.rom); err != nil {
		return fmt.Errorf("ds18b20: probe %s: setting the resolution: %w", name, err)
	}
	return nil
}

// Absent returns why the i'th probe did not answer NewBus (wrapping
// drivers.ErrAbsent), or nil when it answered. A probe absent then is still
// tried every round, and reads StatusMissing until it answers.
func (b *Bus) Absent(i int) error { return b.absent[i] }

// Probe returns the i'th probe, in the order of NewBus's roms. It panics if
// i is out of range.
func (b *Bus) Probe(i int) hal.TemperatureProbe {
	if i < 0 || i >= len(b.handles) {
		panic(fmt.Sprintf("ds18b20: probe %d of %d", i, len(b.handles)))
	}
	return &b.handles[i]
}

// Temperature implements hal.TemperatureProbe: it advances the bus's round
// (see the package comment) and returns the probe's latest sample.
func (h *handle) Temperature() hal.Sample[units.Celsius] {
	b := h.b
	b.mu.Lock()
	defer b.mu.Unlock()
	b.step()
	return b.probes[h.i].sample
}

// step advances the round: it starts a conversion when none is in flight,
// and reads every probe (then starts the next) once one has had its time.
// While a conversion is in flight and short of its time, it leaves the bus
// alone (its strong pull-up may be powering the conversion).
func (b *Bus) step() {
	if b.state != idle {
		elapsed := b.now().Sub(b.started)
		if elapsed >= 0 && elapsed < b.wait {
			return
		}
		// A clock gone backwards (elapsed < 0) cannot say when the
		// conversion ended: it is not read, and another starts.
		if b.state == converting && elapsed >= 0 && !b.readAll() {
			b.state, b.started = backoff, b.now()
			return
		}
	}
	b.convert()
}

// convert issues Skip ROM, Convert T to every probe at once and notes the
// time. On failure every probe reports StatusBus, and the next try waits.
func (b *Bus) convert() {
	b.tx[0], b.tx[1] = cmdSkipROM, cmdConvertT
	err := b.bus.Tx(b.tx[:2], nil, b.pull)
	b.started = b.now()
	if err != nil {
		b.state = backoff
		for i := range b.probes {
			b.probes[i].publish(hal.StatusBus, 0, b.started)
		}
		return
	}
	b.state = converting
}

// readAll reads every probe's scratchpad and publishes its sample, stamped
// with the conversion's start. It returns false when the bus master itself
// failed (not the 1-wire line): the probes not yet read report StatusBus.
func (b *Bus) readAll() bool {
	for i := range b.probes {
		if !b.read(&b.probes[i]) {
			for j := i + 1; j < len(b.probes); j++ {
				b.probes[j].publish(hal.StatusBus, 0, b.started)
			}
			return false
		}
	}
	return true
}

// read reads p's scratchpad, publishes its sample, and writes its
// configuration again if it was lost. It returns false when the bus master
// failed.
func (b *Bus) read(p *probe) bool {
	if err := b.readScratchpad(p.rom); err != nil {
		p.publish(errStatus(err), 0, b.started)
		return lineError(err)
	}
	st, v, reconfig := judge(&b.spad, b.config, p.sample)
	p.publish(st, v, b.started)
	if !reconfig {
		return true
	}
	// Lost at a power-on: set again before the next conversion. A failure
	// of the line is seen by the next round, which tries again.
	err := b.writeConfig(p.rom)
	return err == nil || lineError(err)
}

// publish records a sample; one that is not OK keeps the previous value.
func (p *probe) publish(st hal.Status, v units.Celsius, at units.Time) {
	if st != hal.StatusOK {
		v = p.sample.Value
	}
	p.sample = hal.Sample[units.Celsius]{Value: v, At: at, Status: st}
}

// readScratchpad selects rom (Match ROM) and reads its nine scratchpad
// bytes into b.spad.
func (b *Bus) readScratchpad(rom onewire.Address) error {
	b.match(rom, cmdReadScratchpad)
	return b.bus.Tx(b.tx[:10], b.spad[:], onewire.WeakPullup)
}

// writeConfig writes rom's scratchpad (TH, TL as b.spad read them, and
// b.config): RAM only, never Copy Scratchpad.
func (b *Bus) writeConfig(rom onewire.Address) error {
	b.match(rom, cmdWriteScratchpad)
	b.tx[10], b.tx[11], b.tx[12] = b.spad[spTH], b.spad[spTL], b.config
	return b.bus.Tx(b.tx[:], nil, onewire.WeakPullup)
}

// match fills b.tx with Match ROM, rom (least significant byte first, as
// on the wire) and cmd.
func (b *Bus) match(rom onewire.Address, cmd byte) {
	b.tx[0] = cmdMatchROM
	for i := 0; i < 8; i++ {
		b.tx[1+i] = byte(rom >> (8 * i))
	}
	b.tx[9] = cmd
}

// lineError reports whether err is the 1-wire line's (no presence pulse, a
// short, a CRC error during search) rather than the bus master's.
func lineError(err error) bool {
	var be onewire.BusError
	var nd onewire.NoDevicesError
	return errors.As(err, &be) && be.BusError() || errors.As(err, &nd) && nd.NoDevices()
}

// errStatus is the status of a sample whose read failed with err.
func errStatus(err error) hal.Status {
	var nd onewire.NoDevicesError
	if errors.As(err, &nd) && nd.NoDevices() {
		return hal.StatusMissing
	}
	return hal.StatusBus
}

// all reports whether every byte of sp is v.
func all(sp *[spLen]byte, v byte) bool {
	for _, c := range sp {
		if c != v {
			return false
		}
	}
	return true
}
