// Package daemon is `hearth run`: the controller on the control Pi. It runs
// the edge loop (package core/edge) at a fixed rate on a locked OS thread,
// with the inputs behind samplers (hal/sampler), the module channel's Hub as
// its module power, the trip store and the event log on the SD card, the
// watchdog fed only while the tick is on time and the safety layer healthy,
// and a controlled shutdown on SIGTERM.
//
// With Options.Sim it runs against the simulated plant (hil.Live) on the
// real clock, with an agent per simulated module on loopback: the same
// daemon, goroutines, sockets and signals as on the Pi.
package daemon

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"hearth/cmd/hearth/console"
	"hearth/control"
	"hearth/core"
	"hearth/hal"
	"hearth/hal/watchdog"
	"hearth/hil"
	"hearth/hil/plant"
	"hearth/safety"
	"hearth/units"
)

// Config is the daemon's configuration file: its own tables, and the
// controller's [control] and [safety] over the reference.
type Config struct {
	Daemon   DaemonConfig   `toml:"daemon"`
	Watchdog WatchdogConfig `toml:"watchdog"`
	Modules  ModulesConfig  `toml:"modules"`
	Sim      SimConfig      `toml:"sim"`
	Console  ConsoleConfig  `toml:"console"`
	// Calibration is each temperature probe's offset, added to its reading
	// before safety and control see it (the console's calibrate command).
	Calibration Calibration `toml:"calibration"`
	// Telemetry is MQTT and /metrics (docs/telemetry.md).
	Telemetry TelemetryConfig `toml:"telemetry"`
	Control   core.Config     `toml:"-"`
}

// ConsoleConfig is the field engineer's serial console (docs/console.md).
type ConsoleConfig struct {
	Device string `toml:"device"` // the serial line; empty: no console (--console sets it)
	Baud   int    `toml:"baud"`   // 8N1 at this speed
	// PassphraseHash is the bcrypt hash of the engineer's passphrase
	// (hearth config passphrase makes one); empty: engineer commands are
	// disabled.
	PassphraseHash string         `toml:"passphrase_hash"`
	IdleLogout     units.Duration `toml:"idle_logout"`
}

// Calibration holds an offset per temperature probe, in kelvin.
type Calibration struct {
	OilInA      units.Kelvin `toml:"oil_in_a"`
	OilInB      units.Kelvin `toml:"oil_in_b"`
	OilOut      units.Kelvin `toml:"oil_out"`
	WaterFlow   units.Kelvin `toml:"water_flow"`
	WaterReturn units.Kelvin `toml:"water_return"`
	TankTop     units.Kelvin `toml:"tank_top"`
	TankBottom  units.Kelvin `toml:"tank_bottom"`
	Indoor      units.Kelvin `toml:"indoor"`
	Outdoor     units.Kelvin `toml:"outdoor"`
}

// Offsets returns the offsets in hal.TempID order.
func (c *Calibration) Offsets() [hal.NumTemps]units.Kelvin {
	return [hal.NumTemps]units.Kelvin{c.OilInA, c.OilInB, c.OilOut, c.WaterFlow, c.WaterReturn,
		c.TankTop, c.TankBottom, c.Indoor, c.Outdoor}
}

// DaemonConfig is the loop's timing and where state lives.
type DaemonConfig struct {
	Tick units.Duration `toml:"tick"` // the control period: 100ms (10 Hz)
	// Late is how late a tick may start and still count as on time: a late
	// tick does not feed the watchdog.
	Late       units.Duration `toml:"late"`
	StateDir   string         `toml:"state_dir"`   // trip store in trip/, event log in events/
	StatsFile  string         `toml:"stats_file"`  // --stats overrides; empty: none
	StatsEvery units.Duration `toml:"stats_every"` // how often the stats file is rewritten
	// RealtimePriority is the SCHED_FIFO priority of the tick's thread
	// (1..99; 0 leaves it under the normal scheduler). Refused by the
	// kernel without CAP_SYS_NICE: the daemon logs that and goes on.
	RealtimePriority int  `toml:"realtime_priority"`
	LockMemory       bool `toml:"lock_memory"` // mlockall: no page fault on the tick
	// Demand is what the workload asks of every module ("100%", "75%", "idle").
	Demand string `toml:"demand"`
	// ShutdownTimeout bounds the controlled shutdown: the modules' graceful
	// shutdown; past it they are cut.
	ShutdownTimeout units.Duration `toml:"shutdown_timeout"`
	// Board is the board file (package hal/board): which chip, bus,
	// address and pin each channel is wired to. Without --sim the daemon
	// opens it; BoardLock is the lock it holds on the chips meanwhile.
	Board     string `toml:"board"`
	BoardLock string `toml:"board_lock"`
}

// WatchdogConfig chooses the one watchdog the daemon feeds (package
// hal/watchdog; it has no default kind: a configuration must say).
type WatchdogConfig struct {
	Kind    string         `toml:"kind"`    // "systemd", "device" or "none"
	Device  string         `toml:"device"`  // kind device: default /dev/watchdog
	Timeout units.Duration `toml:"timeout"` // kind device: whole seconds, 1s..15s (bcm2835_wdt); default 10s
}

func (w WatchdogConfig) hal() watchdog.Config {
	return watchdog.Config{Kind: w.Kind, Device: w.Device, Timeout: time.Duration(w.Timeout)}
}

// ModulesConfig is the module channel.
type ModulesConfig struct {
	Listen string `toml:"listen"` // the controller's UDP address
	Secret string `toml:"secret"` // hub secret, hex; --sim makes one when empty
	// RelayDir, if set, mirrors every module relay into RelayDir/module-N
	// ("1" closed, "0" open), like a GPIO's value file: with --sim, a test
	// that plays the hardware outside the process sees the relays.
	RelayDir    string         `toml:"relay_dir"`
	OffDeadline units.Duration `toml:"off_deadline"` // graceful shutdown's time before the relay opens
	Module      []ModuleEntry  `toml:"module"`       // without --sim: every module
}

// ModuleEntry is one module of a real hub.
type ModuleEntry struct {
	ID   uint32 `toml:"id"`
	Addr string `toml:"addr"` // its agent's UDP address
}

// SimConfig is the simulated plant of --sim.
type SimConfig struct {
	Season string `toml:"season"` // winter, spring, summer
	Seed   uint64 `toml:"seed"`
	// Modules overrides the plant's module count (0: the reference).
	Modules int `toml:"modules"`
	// ModuleShutdown and ModuleBoot override the boards' shutdown and boot
	// times (0: the reference, 20 s and 30 s).
	ModuleShutdown units.Duration `toml:"module_shutdown"`
	ModuleBoot     units.Duration `toml:"module_boot"`
	// Speed runs the plant and the controller's clock this many times
	// faster than the wall clock (0: 1); the tick's wall period is
	// daemon.tick divided by it, so the controller still steps by tick.
	Speed float64 `toml:"speed"`
	// OilC and TankC start the plant's oil and its tank (both layers) at
	// these temperatures (0: the season's): to begin near an operating
	// point, as a live tune on the dump's loop wants.
	OilC  units.Celsius `toml:"oil_c"`
	TankC units.Celsius `toml:"tank_c"`
	// Watchdog makes the daemon play the simulated hub's hardware watchdog
	// on watchdog.device (a FIFO it makes, relative to daemon.state_dir):
	// when it fires the simulated plant is de-energised, as the Pi's reset
	// de-energises the real one. Needs watchdog.kind "device".
	Watchdog bool `toml:"watchdog"`
	// Fault schedules plant faults (the bench's catalogue, hearth hil
	// faults): each injected At after the start and cleared For later (0:
	// never). For a test, or to rehearse a diagnosis on the console.
	Fault []SimFault `toml:"fault"`
}

// SimFault is one scheduled plant fault of --sim.
type SimFault struct {
	Kind   string         `toml:"kind"`
	Target string         `toml:"target"`
	Arg    float64        `toml:"arg"`
	At     units.Duration `toml:"at"`
	For    units.Duration `toml:"for"`
}

// DefaultConfig is the reference daemon.
func DefaultConfig() Config {
	return Config{
		Daemon: DaemonConfig{Tick: 100 * units.Millisecond, Late: 50 * units.Millisecond,
			StateDir: "/var/lib/hearth", StatsEvery: 2 * units.Second, RealtimePriority: 50,
			Demand: "100%", ShutdownTimeout: 40 * units.Second,
			Board: "/etc/hearth/board.toml", BoardLock: "/run/hearth/board.lock"},
		Modules: ModulesConfig{Listen: "127.0.0.1:0", OffDeadline: 25 * units.Second},
		Sim:     SimConfig{Season: "winter", Seed: 1},
		Console: ConsoleConfig{Baud: console.DefaultBaud, IdleLogout: units.Duration(console.DefaultIdle)},
		Control: core.DefaultConfig(),
	}
}

// File is the configuration file's shape: the daemon's tables and the
// core's, each holding its values (`hearth config defaults` writes it).
type File struct {
	Daemon   DaemonConfig   `toml:"daemon"`
	Watchdog WatchdogConfig `toml:"watchdog"`
	Modules  ModulesConfig  `toml:"modules"`
	Sim      SimConfig      `toml:"sim"`
	Console  ConsoleConfig  `toml:"console"`
	// Calibration is the probes' offsets.
	Calibration Calibration     `toml:"calibration"`
	Telemetry   TelemetryConfig `toml:"telemetry"`
	Control     control.Config  `toml:"control"`
	Safety      safety.Config   `toml:"safety"`
}

// File returns c in the file's shape.
func (c *Config) File() File {
	return File{Daemon: c.Daemon, Watchdog: c.Watchdog, Modules: c.Modules, Sim: c.Sim, Console: c.Console,
		Calibration: c.Calibration, Telemetry: c.Telemetry, Control: c.Control.Control, Safety: c.Control.Safety}
}

// Config returns the configuration the file holds.
func (f *File) Config() Config {
	return Config{Daemon: f.Daemon, Watchdog: f.Watchdog, Modules: f.Modules, Sim: f.Sim, Console: f.Console,
		Calibration: f.Calibration, Telemetry: f.Telemetry, Control: core.Config{Control: f.Control, Safety: f.Safety}}
}

// Load reads a configuration file over DefaultConfig. An unknown key is
// refused, and every value is checked: the error joins every issue Check
// finds.
func Load(path string) (Config, error) {
	if path == "" {
		cfg := DefaultConfig()
		return cfg, cfg.Validate()
	}
	cfg, issues := Check(path)
	if len(issues) > 0 {
		return Config{}, errors.Join(issues...)
	}
	return cfg, nil
}

// Check reads a configuration file over DefaultConfig and returns the
// effective configuration with every issue found (each an *Issue naming
// its key and, where the file has it, its line): the values that do not
// decode, the unknown keys, and every value past its bound or against
// another (Config.Validate). A value that does not decode keeps its
// default in the configuration returned.
func Check(path string) (Config, []error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return DefaultConfig(), []error{err}
	}
	return Parse(path, data)
}

// Parse is Check on the text of a file.
func Parse(file string, data []byte) (Config, []error) {
	def := DefaultConfig()
	f := def.File()
	var cfg Config
	issues := CheckText(file, data, &f, func() error { cfg = f.Config(); return cfg.Validate() })
	return f.Config(), issues
}

// Validate checks every value against its bounds: the daemon's own
// (daemonKeys), the watchdog's, and the controller's (core.Config.Validate).
func (c *Config) Validate() error {
	var errs []error
	for _, k := range daemonKeys {
		if k.check != nil && !k.check(c) {
			errs = append(errs, fmt.Errorf("%s %s: want %s", k.Key, k.value(c), k.Bound))
		}
	}
	if _, err := hil.ParseLevel(c.Daemon.Demand, hal.LevelCut); err != nil {
		errs = append(errs, fmt.Errorf("daemon.demand: %w", err))
	}
	if err := c.Watchdog.hal().Validate(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.Modules.validateEntries()...)
	for i, f := range c.Sim.Fault {
		if err := plant.CheckFault(plant.FaultKind(f.Kind), f.Target); err != nil {
			errs = append(errs, fmt.Errorf("sim.fault[%d]: %w", i, err))
		}
		if f.At < 0 || f.For < 0 {
			errs = append(errs, fmt.Errorf("sim.fault[%d]: at %v, for %v: want neither below 0", i, f.At, f.For))
		}
	}
	if err := c.Control.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// validateEntries checks the [[modules.module]] entries: ids unique and not
// 0, each address a host:port.
func (m *ModulesConfig) validateEntries() []error {
	var errs []error
	seen := map[uint32]bool{}
	for i, e := range m.Module {
		if e.ID == 0 || seen[e.ID] {
			errs = append(errs, fmt.Errorf("modules.module[%d].id %d: want a unique id above 0", i, e.ID))
		}
		seen[e.ID] = true
		if _, err := netip.ParseAddrPort(e.Addr); err != nil {
			errs = append(errs, fmt.Errorf("modules.module[%d].addr %q: want ip:port (%v)", i, e.Addr, err))
		}
	}
	return errs
}
