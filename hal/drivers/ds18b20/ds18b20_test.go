package ds18b20

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"periph.io/x/conn/v3/onewire"
	"periph.io/x/conn/v3/onewire/onewiretest"

	"hearth/hal"
	"hearth/hal/drivers"
	"hearth/units"
)

const ms = units.Millisecond

var (
	romA = mkROM(0x0000012345ab) // 28-0000012345ab
	romB = mkROM(0x060504030201)
)

// The test's CRC-8 against the datasheets' own figures, and periph's.
func TestCRC8Vectors(t *testing.T) {
	// Application note 27's example ROM: family 02, serial 0x0001B81C, CRC A2.
	if c := crc8([]byte{0x02, 0x1C, 0xB8, 0x01, 0x00, 0x00, 0x00}); c != 0xA2 {
		t.Errorf("app note 27 ROM: crc8 %#02x, want 0xa2", c)
	}
	// The DS18B20 datasheet's power-on scratchpad ends with its CRC, 0x1C.
	if c := crc8(powerOnSpad[:8]); c != 0x1C || !onewire.CheckCRC(powerOnSpad) {
		t.Errorf("power-on scratchpad: crc8 %#02x, want 0x1c", c)
	}
	for _, b := range [][]byte{wire(romA)[:7], wire(romB)[:7], spad(0x0191, cfg12)[:8]} {
		if crc8(b) != onewire.CalcCRC(b) {
			t.Errorf("% x: crc8 %#02x, periph %#02x", b, crc8(b), onewire.CalcCRC(b))
		}
	}
}

// A good read, byte for byte: the scratchpads read at NewBus (power-on, 12
// bits as wanted: no write), one Convert T to both under the strong
// pull-up, both read 800 ms later, stamped with the conversion's start.
func TestGoodRead(t *testing.T) {
	if w := wire(romA); !bytes.Equal(w, []byte{0x28, 0xab, 0x45, 0x23, 0x01, 0x00, 0x00, 0xd2}) {
		t.Fatalf("romA on the wire: % x", w)
	}
	pb := &onewiretest.Playback{Ops: []onewiretest.IO{
		{W: []byte{0x55, 0x28, 0xab, 0x45, 0x23, 0x01, 0x00, 0x00, 0xd2, 0xbe}, R: powerOnSpad},
		{W: []byte{0x55, 0x28, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x9e, 0xbe}, R: powerOnSpad},
		{W: []byte{0xcc, 0x44}, Pull: onewire.StrongPullup},
		// 0x0191 = 25.0625 C; 0xFF5E = -10.125 C.
		{W: []byte{0x55, 0x28, 0xab, 0x45, 0x23, 0x01, 0x00, 0x00, 0xd2, 0xbe},
			R: []byte{0x91, 0x01, 0x4b, 0x46, 0x7f, 0xff, 0x0f, 0x10, 0x25}},
		{W: []byte{0x55, 0x28, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x9e, 0xbe},
			R: []byte{0x5e, 0xff, 0x4b, 0x46, 0x7f, 0xff, 0x02, 0x10, 0xb6}},
		{W: []byte{0xcc, 0x44}, Pull: onewire.StrongPullup},
	}}
	clk := &clock{t: 1000}
	bus, err := NewBus(pb, []onewire.Address{romA, romB}, clk.now, Options{StrongPullup: true})
	if err != nil {
		t.Fatal(err)
	}
	a, b := bus.Probe(0), bus.Probe(1)
	t0 := clk.t
	want(t, "a, first call", a.Temperature(), 0, 0, hal.StatusMissing)
	want(t, "b, first call", b.Temperature(), 0, 0, hal.StatusMissing)
	if pb.Count != 3 {
		t.Fatalf("after the first calls: %d transactions, want 3", pb.Count)
	}
	clk.advance(800 * ms)
	want(t, "a", a.Temperature(), 25.0625, t0, hal.StatusOK)
	want(t, "b", b.Temperature(), -10.125, t0, hal.StatusOK)
	done(t, pb)
}

// The conversion is never waited on: calls while it is in flight touch
// nothing and return the previous sample.
func TestConversionNotWaitedOn(t *testing.T) {
	pb := &onewiretest.Playback{Ops: []onewiretest.IO{
		opRead(romA, powerOnSpad),
		opConvert(onewire.WeakPullup),
		opRead(romA, spad(0x0191, cfg12)),
		opConvert(onewire.WeakPullup),
	}}
	clk := &clock{}
	bus, err := NewBus(pb, []onewire.Address{romA}, clk.now, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := bus.Probe(0)
	p.Temperature() // starts the conversion
	t0 := clk.t
	for _, d := range []units.Duration{0, 1, 400 * ms, 800*ms - 1} {
		clk.t = t0.Add(d)
		want(t, "in flight", p.Temperature(), 0, 0, hal.StatusMissing)
		want(t, "in flight, again", p.Temperature(), 0, 0, hal.StatusMissing)
		if pb.Count != 2 {
			t.Fatalf("%v into the conversion: %d transactions, want 2 (no read)", d, pb.Count)
		}
	}
	clk.t = t0.Add(800 * ms)
	want(t, "done", p.Temperature(), 25.0625, t0, hal.StatusOK)
	done(t, pb)
}

// The wait is the datasheet's conversion time for the resolution plus the
// margin (9 bits: 93.75 ms + 50 ms), and a lower resolution is set by Write
// Scratchpad of the configuration (TH and TL as read), never Copy
// Scratchpad. The bits a lower resolution leaves undefined are masked.
func TestConversionTiming(t *testing.T) {
	for _, tc := range []struct {
		res    int
		margin units.Duration
		cfg    byte
		raw    uint16
		wait   units.Duration
		v      units.Celsius
	}{
		{9, 0, cfg9, 0x0197, 93750*units.Nanosecond*1000 + 50*ms, 25},
		{10, 5 * ms, cfg10, 0x0193, 187500*units.Nanosecond*1000 + 5*ms, 25},
		{11, 0, 0x5F, 0x0191, 375*ms + 50*ms, 25},
		{12, 1 * ms, cfg12, 0x0191, 751 * ms, 25.0625},
	} {
		ops := []onewiretest.IO{opRead(romA, powerOnSpad)}
		if tc.cfg != cfg12 {
			ops = append(ops, opWrite(romA, 0x4B, 0x46, tc.cfg))
		}
		ops = append(ops, opConvert(onewire.WeakPullup), opRead(romA, spad(tc.raw, tc.cfg)), opConvert(onewire.WeakPullup))
		pb := &onewiretest.Playback{Ops: ops}
		clk := &clock{t: 5}
		bus, err := NewBus(pb, []onewire.Address{romA}, clk.now, Options{Resolution: tc.res, Margin: tc.margin})
		if err != nil {
			t.Fatal(err)
		}
		p := bus.Probe(0)
		p.Temperature()
		t0 := clk.t
		clk.advance(tc.wait - 1)
		p.Temperature()
		if pb.Count != len(ops)-2 {
			t.Errorf("%d bits: read before %v", tc.res, tc.wait)
		}
		clk.advance(1)
		want(t, "after the wait", p.Temperature(), tc.v, t0, hal.StatusOK)
		done(t, pb)
	}
}

// The resolution is written only to the probe whose configuration differs.
func TestResolutionWrittenOnlyWhenDiffers(t *testing.T) {
	pb := &onewiretest.Playback{Ops: []onewiretest.IO{
		opRead(romA, withTHTL(spad(0x0550, cfg12), 0x19, 0x05)),
		opWrite(romA, 0x19, 0x05, cfg10), // TH, TL kept
		opRead(romB, spad(0x0191, cfg10)),
	}}
	if _, err := NewBus(pb, []onewire.Address{romA, romB}, (&clock{}).now, Options{Resolution: 10}); err != nil {
		t.Fatal(err)
	}
	done(t, pb)
}

// A scratchpad failing its CRC: StatusCRC, the old value kept with the new
// time; the next good read is OK again.
func TestCRCError(t *testing.T) {
	bad := spad(0x0200, cfg12)
	bad[0] ^= 0x01
	pb := &onewiretest.Playback{Ops: []onewiretest.IO{
		opRead(romA, powerOnSpad),
		opConvert(onewire.WeakPullup),
		opRead(romA, spad(0x0191, cfg12)),
		opConvert(onewire.WeakPullup),
		opRead(romA, bad),
		opConvert(onewire.WeakPullup),
		opRead(romA, spad(0x0192, cfg12)),
		opConvert(onewire.WeakPullup),
	}}
	clk := &clock{}
	bus, err := NewBus(pb, []onewire.Address{romA}, clk.now, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := bus.Probe(0)
	p.Temperature()
	clk.advance(800 * ms)
	want(t, "good", p.Temperature(), 25.0625, 0, hal.StatusOK)
	clk.advance(800 * ms)
	want(t, "bad CRC", p.Temperature(), 25.0625, 800*units.Time(ms), hal.StatusCRC)
	clk.advance(800 * ms)
	want(t, "good again", p.Temperature(), 25.125, 1600*units.Time(ms), hal.StatusOK)
	done(t, pb)
}

// 85.0 C is the power-on value unless the previous sample was OK and near
// it: at the first read, and after a value far from it.
func TestPowerOnValue(t *testing.T) {
	steps := []struct {
		sp []byte
		v  units.Celsius
		st hal.Status
	}{
		{powerOnSpad, 0, hal.StatusPowerOn},              // first read: no previous
		{spad(84*16, cfg12), 84, hal.StatusOK},           // a measurement
		{spad(rawPowerOn, cfg12), 85, hal.StatusOK},      // within 2 K of 84: believed
		{spad(25*16, cfg12), 25, hal.StatusOK},           //
		{spad(rawPowerOn, cfg12), 25, hal.StatusPowerOn}, // 60 K from the previous: a reset
		{spad(rawPowerOn, cfg12), 25, hal.StatusPowerOn}, // the previous was not OK
		{spad(26*16, cfg12), 26, hal.StatusOK},
	}
	ops := []onewiretest.IO{opRead(romA, powerOnSpad), opConvert(onewire.WeakPullup)}
	for _, s := range steps {
		ops = append(ops, opRead(romA, s.sp), opConvert(onewire.WeakPullup))
	}
	pb := &onewiretest.Playback{Ops: ops}
	clk := &clock{}
	bus, err := NewBus(pb, []onewire.Address{romA}, clk.now, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := bus.Probe(0)
	p.Temperature()
	for i, s := range steps {
		at := clk.t
		clk.advance(800 * ms)
		want(t, "step "+string(rune('0'+i)), p.Temperature(), s.v, at, s.st)
	}
	done(t, pb)
}

// A probe set to 9 bits that reads 12 bits again has been through a
// power-on: StatusPowerOn even at 85.0 C next to an OK 84.5 C, and the
// resolution is written again before the next conversion. Then 85.0 C stays
// StatusPowerOn until the reading moves.
func TestPowerOnSeenByResolution(t *testing.T) {
	pb := &onewiretest.Playback{Ops: []onewiretest.IO{
		opRead(romA, powerOnSpad),
		opWrite(romA, 0x4B, 0x46, cfg9),
		opConvert(onewire.WeakPullup),
		opRead(romA, spad(0x0548, cfg9)), // 84.5 C
		opConvert(onewire.WeakPullup),
		opRead(romA, powerOnSpad), // reset: 85.0 C at 12 bits
		opWrite(romA, 0x4B, 0x46, cfg9),
		opConvert(onewire.WeakPullup),
		opRead(romA, spad(0x0550, cfg9)),
		opConvert(onewire.WeakPullup),
		opRead(romA, spad(0x0558, cfg9)), // 85.5 C
		opConvert(onewire.WeakPullup),
	}}
	clk := &clock{}
	bus, err := NewBus(pb, []onewire.Address{romA}, clk.now, Options{Resolution: 9})
	if err != nil {
		t.Fatal(err)
	}
	p := bus.Probe(0)
	p.Temperature()
	wait := 143*ms + 750000*units.Nanosecond
	for i, s := range []struct {
		v  units.Celsius
		st hal.Status
	}{{84.5, hal.StatusOK}, {84.5, hal.StatusPowerOn}, {84.5, hal.StatusPowerOn}, {85.5, hal.StatusOK}} {
		at := clk.t
		clk.advance(wait)
		want(t, "round "+string(rune('1'+i)), p.Temperature(), s.v, at, s.st)
	}
	done(t, pb)
}

// An error of the 1-wire line on one probe's read marks that probe
// StatusBus and the round goes on; one of the bus master abandons the round
// (every probe StatusBus), and the next conversion waits.
func TestBusError(t *testing.T) {
	pb := &onewiretest.Playback{Ops: []onewiretest.IO{
		opRead(romA, powerOnSpad), // Tx 0
		opRead(romB, powerOnSpad),
		opConvert(onewire.WeakPullup),
		opRead(romA, spad(0x0191, cfg12)), // round 1
		opRead(romB, spad(0xFF5E, cfg12)),
		opConvert(onewire.WeakPullup), // Tx 5
		// round 2: Tx 6, A's read, fails on the line
		opRead(romB, spad(0xFF60, cfg12)),
		opConvert(onewire.WeakPullup),
		// round 3: Tx 9, A's read, fails in the master: no B, no Convert T
		opConvert(onewire.WeakPullup), // Tx 10, a wait later
		opRead(romA, spad(0x0192, cfg12)),
		opRead(romB, spad(0xFF60, cfg12)),
		opConvert(onewire.WeakPullup),
	}}
	clk := &clock{}
	fb := &faultBus{Playback: pb, failAt: 6, err: lineErr{}}
	bus, err := NewBus(fb, []onewire.Address{romA, romB}, clk.now, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := bus.Probe(0), bus.Probe(1)
	a.Temperature()
	round := func() units.Time { at := clk.t; clk.advance(800 * ms); return at }

	t1 := round()
	want(t, "round 1, a", a.Temperature(), 25.0625, t1, hal.StatusOK)
	want(t, "round 1, b", b.Temperature(), -10.125, t1, hal.StatusOK)

	t2 := round()
	want(t, "round 2, a (line error)", a.Temperature(), 25.0625, t2, hal.StatusBus)
	want(t, "round 2, b", b.Temperature(), -10, t2, hal.StatusOK)

	fb.failAt, fb.err = 9, masterErr{}
	t3 := round()
	want(t, "round 3, a (master error)", a.Temperature(), 25.0625, t3, hal.StatusBus)
	want(t, "round 3, b (not read)", b.Temperature(), -10, t3, hal.StatusBus)
	if pb.Count != 8 {
		t.Fatalf("round 3: %d transactions, want 8 (no Convert T after the master failed)", pb.Count)
	}
	clk.advance(800*ms - 1)
	a.Temperature()
	if pb.Count != 8 {
		t.Fatal("retried before a conversion's time")
	}
	clk.advance(1)
	t4 := clk.t
	a.Temperature() // Convert T
	clk.advance(800 * ms)
	want(t, "round 4, a", a.Temperature(), 25.125, t4, hal.StatusOK)
	want(t, "round 4, b", b.Temperature(), -10, t4, hal.StatusOK)
	done(t, pb)
}

// A Convert T that fails marks every probe StatusBus at the attempt, and
// the next attempt waits a conversion's time.
func TestConvertFails(t *testing.T) {
	pb := &onewiretest.Playback{Ops: []onewiretest.IO{
		opRead(romA, powerOnSpad),
		// Tx 1: Convert T, fails
		opConvert(onewire.StrongPullup),
		opRead(romA, spad(0x0191, cfg12)),
		opConvert(onewire.StrongPullup),
	}}
	clk := &clock{t: 7}
	fb := &faultBus{Playback: pb, failAt: 1, err: masterErr{}}
	bus, err := NewBus(fb, []onewire.Address{romA}, clk.now, Options{StrongPullup: true})
	if err != nil {
		t.Fatal(err)
	}
	p := bus.Probe(0)
	want(t, "failed Convert T", p.Temperature(), 0, 7, hal.StatusBus)
	clk.advance(800*ms - 1)
	p.Temperature()
	if pb.Count != 1 {
		t.Fatal("retried before a conversion's time")
	}
	clk.advance(1)
	t1 := clk.t
	p.Temperature()
	clk.advance(800 * ms)
	want(t, "after the retry", p.Temperature(), 25.0625, t1, hal.StatusOK)
	done(t, pb)
}

// A probe that does not answer at NewBus: the Bus comes back with an error
// wrapping ErrAbsent that names it, the other probe works, and the missing
// one reads StatusMissing (all ones), StatusBus (all zeros), and is
// believed again once it answers (its first 85.0 C being StatusPowerOn).
func TestMissingProbe(t *testing.T) {
	ones := bytes.Repeat([]byte{0xFF}, 9)
	zeros := make([]byte, 9)
	pb := &onewiretest.Playback{Ops: []onewiretest.IO{
		opRead(romA, powerOnSpad),
		opRead(romB, ones),
		opConvert(onewire.WeakPullup),
		opRead(romA, spad(0x0191, cfg12)),
		opRead(romB, ones),
		opConvert(onewire.WeakPullup),
		opRead(romA, spad(0x0191, cfg12)),
		opRead(romB, zeros),
		opConvert(onewire.WeakPullup),
		opRead(romA, spad(0x0191, cfg12)),
		opRead(romB, powerOnSpad),
		opConvert(onewire.WeakPullup),
		opRead(romA, spad(0x0191, cfg12)),
		opRead(romB, spad(0xFF5E, cfg12)),
		opConvert(onewire.WeakPullup),
	}}
	clk := &clock{}
	bus, err := NewBus(pb, []onewire.Address{romA, romB}, clk.now, Options{})
	if !errors.Is(err, drivers.ErrAbsent) || !strings.Contains(err.Error(), FormatROM(romB)) || strings.Contains(err.Error(), FormatROM(romA)) {
		t.Fatalf("NewBus: %v; want ErrAbsent naming %s only", err, FormatROM(romB))
	}
	if bus == nil {
		t.Fatal("no Bus for the probe that answered")
	}
	a, b := bus.Probe(0), bus.Probe(1)
	a.Temperature()
	for i, s := range []struct {
		v  units.Celsius
		st hal.Status
	}{{0, hal.StatusMissing}, {0, hal.StatusBus}, {0, hal.StatusPowerOn}, {-10.125, hal.StatusOK}} {
		at := clk.t
		clk.advance(800 * ms)
		want(t, "a", a.Temperature(), 25.0625, at, hal.StatusOK)
		want(t, "b, round "+string(rune('1'+i)), b.Temperature(), s.v, at, s.st)
	}
	done(t, pb)
}

// NewBus: no presence pulse is ErrAbsent (the Bus returned), a failing bus
// master is not (no Bus).
func TestNewBusErrors(t *testing.T) {
	pb := &onewiretest.Playback{}
	bus, err := NewBus(&faultBus{Playback: pb, failAt: 0, err: lineErr{}}, []onewire.Address{romA}, (&clock{}).now, Options{})
	if !errors.Is(err, drivers.ErrAbsent) || bus == nil {
		t.Errorf("no presence: %v, %v", bus, err)
	}
	bus, err = NewBus(&faultBus{Playback: pb, failAt: 0, err: masterErr{}}, []onewire.Address{romA}, (&clock{}).now, Options{})
	if err == nil || errors.Is(err, drivers.ErrAbsent) || bus != nil {
		t.Errorf("master failed: %v, %v", bus, err)
	}
}

// NewBus refuses what is wrong before touching the bus (the empty playback
// panics at any transaction).
func TestNewBusRefuses(t *testing.T) {
	ds18s20 := onewire.Address(0x10) | onewire.Address(crc8([]byte{0x10, 0, 0, 0, 0, 0, 0}))<<56
	now := (&clock{}).now
	for _, tc := range []struct {
		name  string
		roms  []onewire.Address
		opt   Options
		wrong bool
	}{
		{"DS18S20 family", []onewire.Address{ds18s20}, Options{}, true},
		{"bad CRC", []onewire.Address{romA ^ 1<<56}, Options{}, false},
		{"twice", []onewire.Address{romA, romB, romA}, Options{}, false},
		{"no probes", nil, Options{}, false},
		{"8 bits", []onewire.Address{romA}, Options{Resolution: 8}, false},
		{"13 bits", []onewire.Address{romA}, Options{Resolution: 13}, false},
		{"negative margin", []onewire.Address{romA}, Options{Margin: -1}, false},
	} {
		bus, err := NewBus(&onewiretest.Playback{}, tc.roms, now, tc.opt)
		if bus != nil || err == nil || errors.Is(err, drivers.ErrWrongChip) != tc.wrong {
			t.Errorf("%s: %v, %v", tc.name, bus, err)
		}
	}
	if bus, err := NewBus(nil, []onewire.Address{romA}, now, Options{}); bus != nil || err == nil {
		t.Error("nil bus accepted")
	}
	if bus, err := NewBus(&onewiretest.Playback{}, []onewire.Address{romA}, nil, Options{}); bus != nil || err == nil {
		t.Error("nil clock accepted")
	}
}

// judge, at the edges of the range and on the undefined bits.
func TestJudge(t *testing.T) {
	ok := hal.Sample[units.Celsius]{Value: 20, Status: hal.StatusOK}
	for _, tc := range []struct {
		raw uint16
		cfg byte
		v   units.Celsius
		st  hal.Status
	}{
		{0x07D0, cfg12, 125, hal.StatusOK},
		{0x07D1, cfg12, 0, hal.StatusRange},
		{0x07E0, cfg12, 0, hal.StatusRange},
		{0xFC90, cfg12, -55, hal.StatusOK},
		{0xFC8F, cfg12, 0, hal.StatusRange},
		{0x0000, cfg12, 0, hal.StatusOK}, // 0 C with a good CRC is a reading
		{0xFFFF, cfg12, -0.0625, hal.StatusOK},
		{0xFFFF, cfg9, -0.5, hal.StatusOK},
		{0x0008, cfg9, 0.5, hal.StatusOK},
		{0x0551, cfg11, 0, hal.StatusPowerOn}, // 85.0 C once bit 0 is masked
		{0x0552, cfg12, 85.125, hal.StatusOK},
		{0x0191, cfg10, 0, hal.StatusPowerOn}, // not the resolution set
	} {
		config := tc.cfg
		if tc.raw == 0x0191 {
			config = cfg12
		}
		sp := (*[spLen]byte)(spad(tc.raw, tc.cfg))
		st, v, _ := judge(sp, config, ok)
		if st != tc.st || st == hal.StatusOK && v != tc.v {
			t.Errorf("%#04x at %#02x: %v %v, want %v %v", tc.raw, tc.cfg, v, st, tc.v, tc.st)
		}
	}
}

const cfg11 = 0x5F

func withTHTL(sp []byte, th, tl byte) []byte {
	sp[2], sp[3] = th, tl
	sp[8] = crc8(sp[:8])
	return sp
}

// A clock gone backwards: the conversion in flight is not read, another
// starts.
func TestClockBackwards(t *testing.T) {
	pb := &onewiretest.Playback{Ops: []onewiretest.IO{
		opRead(romA, powerOnSpad),
		opConvert(onewire.WeakPullup),
		opConvert(onewire.WeakPullup),
	}}
	clk := &clock{t: units.Time(10 * units.Second)}
	bus, err := NewBus(pb, []onewire.Address{romA}, clk.now, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := bus.Probe(0)
	p.Temperature()
	clk.t = units.Time(5 * units.Second)
	want(t, "clock back", p.Temperature(), 0, 0, hal.StatusMissing)
	done(t, pb)
}

// Probe panics out of range.
func TestProbeRange(t *testing.T) {
	pb := &onewiretest.Playback{Ops: []onewiretest.IO{opRead(romA, powerOnSpad)}}
	bus, err := NewBus(pb, []onewire.Address{romA}, (&clock{}).now, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("Probe(1) of 1 did not panic")
		}
	}()
	bus.Probe(1)
}

// constBus answers every read with sp and every write with nothing.
type constBus struct{ sp [spLen]byte }

func (c *constBus) String() string { return "const" }
func (c *constBus) Tx(w, r []byte, _ onewire.Pullup) error {
	copy(r, c.sp[:])
	return nil
}
func (c *constBus) Search(bool) ([]onewire.Address, error) { return nil, nil }

// Temperature allocates nothing, in flight or reading.
func TestNoAllocation(t *testing.T) {
	cb := &constBus{}
	copy(cb.sp[:], spad(0x0191, cfg12))
	clk := &clock{}
	bus, err := NewBus(cb, []onewire.Address{romA, romB}, clk.now, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := bus.Probe(1)
	p.Temperature()
	if n := testing.AllocsPerRun(100, func() { p.Temperature() }); n != 0 {
		t.Errorf("in flight: %v allocations a call", n)
	}
	if n := testing.AllocsPerRun(100, func() { clk.advance(800 * ms); p.Temperature() }); n != 0 {
		t.Errorf("reading: %v allocations a call", n)
	}
	want(t, "read", p.Temperature(), 25.0625, clk.t.Add(-800*ms), hal.StatusOK)
}

// Probes read from several goroutines share the round (run with -race).
func TestConcurrent(t *testing.T) {
	cb := &constBus{}
	copy(cb.sp[:], spad(0x0191, cfg12))
	var ns atomic.Int64
	now := func() units.Time { return units.Time(ns.Add(int64(10 * ms))) }
	bus, err := NewBus(cb, []onewire.Address{romA, romB}, now, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(p hal.TemperatureProbe) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				if s := p.Temperature(); s.Status != hal.StatusMissing && s.Status != hal.StatusOK {
					t.Errorf("status %v", s.Status)
					return
				}
			}
		}(bus.Probe(g % 2))
	}
	wg.Wait()
	if s := bus.Probe(0).Temperature(); s.Value != 25.0625 || !s.OK() {
		t.Errorf("after: %+v", s)
	}
}

// The bus master failing while the resolution is written again abandons
// the round like a failed read: the probe not yet read reports StatusBus.
func TestRewriteFails(t *testing.T) {
	pb := &onewiretest.Playback{Ops: []onewiretest.IO{
		opRead(romA, powerOnSpad), // Tx 0
		opWrite(romA, 0x4B, 0x46, cfg9),
		opRead(romB, spad(0x0190, cfg9)),
		opConvert(onewire.WeakPullup),
		opRead(romA, powerOnSpad), // Tx 4: reset; Tx 5, its Write Scratchpad, fails
		opConvert(onewire.WeakPullup),
	}}
	clk := &clock{}
	fb := &faultBus{Playback: pb, failAt: 5, err: masterErr{}}
	bus, err := NewBus(fb, []onewire.Address{romA, romB}, clk.now, Options{Resolution: 9})
	if err != nil {
		t.Fatal(err)
	}
	a, b := bus.Probe(0), bus.Probe(1)
	a.Temperature()
	clk.advance(143*ms + 750000*units.Nanosecond)
	want(t, "a", a.Temperature(), 0, 0, hal.StatusPowerOn)
	want(t, "b", b.Temperature(), 0, 0, hal.StatusBus)
	if pb.Count != 5 {
		t.Fatalf("%d transactions, want 5 (no Convert T after the master failed)", pb.Count)
	}
	clk.advance(143*ms + 750000*units.Nanosecond)
	a.Temperature()
	done(t, pb)
}
