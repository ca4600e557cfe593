package daemon

import (
	"math"
	"strconv"

	"hearth/cmd/hearth/console"
	"hearth/cmd/hearth/daemon/telemetry"
	"hearth/hal"
	"hearth/hal/watchdog"
	"hearth/hil/plant"
	"hearth/units"
)

// KeyDoc is one key of the configuration file as docs/config.md shows it:
// its unit, its default, its bound and what it does.
type KeyDoc struct {
	Key, Unit, Default, Bound, Doc string
}

// daemonKey is one key of the daemon's own tables; check, where set, is
// its bound (Validate refuses a value it does not pass, quoting Bound).
type daemonKey struct {
	KeyDoc
	value func(*Config) string
	check func(*Config) bool
}

func dur(d units.Duration) string { return d.String() }

// daemonKeys lists every key of the [daemon], [watchdog], [modules] and
// [sim] tables, in the file's order. A test fails when a field is missing.
var daemonKeys = []daemonKey{
	{KeyDoc{Key: "daemon.tick", Unit: "duration", Bound: "10ms..1s", Doc: "the control period: 100ms is 10 Hz"},
		func(c *Config) string { return dur(c.Daemon.Tick) },
		func(c *Config) bool { return c.Daemon.Tick >= 10*units.Millisecond && c.Daemon.Tick <= units.Second }},
	{KeyDoc{Key: "daemon.late", Unit: "duration", Bound: "above 0 and below the tick", Doc: "how late a tick may start and still count as on time: a late tick does not feed the watchdog"},
		func(c *Config) string { return dur(c.Daemon.Late) },
		func(c *Config) bool { return c.Daemon.Late > 0 && c.Daemon.Late < c.Daemon.Tick }},
	{KeyDoc{Key: "daemon.state_dir", Unit: "path", Bound: "not empty", Doc: "where state lives: the trip store in trip/, the event log in events/"},
		func(c *Config) string { return strconv.Quote(c.Daemon.StateDir) },
		func(c *Config) bool { return c.Daemon.StateDir != "" }},
	{KeyDoc{Key: "daemon.stats_file", Unit: "path", Doc: "the stats file (JSON), rewritten every stats_every; --stats overrides; empty: none"},
		func(c *Config) string { return strconv.Quote(c.Daemon.StatsFile) }, nil},
	{KeyDoc{Key: "daemon.stats_every", Unit: "duration", Bound: "at least 100ms", Doc: "how often the stats file is rewritten"},
		func(c *Config) string { return dur(c.Daemon.StatsEvery) },
		func(c *Config) bool { return c.Daemon.StatsEvery >= 100*units.Millisecond }},
	{KeyDoc{Key: "daemon.realtime_priority", Unit: "integer", Bound: "0..99", Doc: "the SCHED_FIFO priority of the tick's thread (0: the normal scheduler); refused by the kernel without CAP_SYS_NICE, which the daemon logs and goes on"},
		func(c *Config) string { return strconv.Itoa(c.Daemon.RealtimePriority) },
		func(c *Config) bool { return c.Daemon.RealtimePriority >= 0 && c.Daemon.RealtimePriority <= 99 }},
	{KeyDoc{Key: "daemon.lock_memory", Unit: "bool", Doc: "mlockall: no page fault on the tick"},
		func(c *Config) string { return strconv.FormatBool(c.Daemon.LockMemory) }, nil},
	{KeyDoc{Key: "daemon.demand", Unit: "level", Bound: "off, idle, 25%, 50%, 75% or 100%", Doc: "what the workload asks of every module"},
		func(c *Config) string { return strconv.Quote(c.Daemon.Demand) }, nil},
	{KeyDoc{Key: "daemon.shutdown_timeout", Unit: "duration", Bound: "at least 1s", Doc: "bounds the controlled shutdown: the modules' graceful shutdown; past it they are cut"},
		func(c *Config) string { return dur(c.Daemon.ShutdownTimeout) },
		func(c *Config) bool { return c.Daemon.ShutdownTimeout >= units.Second }},
	{KeyDoc{Key: "daemon.board", Unit: "path", Bound: "not empty", Doc: "the board file (docs/wiring.md): which chip, bus, address and pin each channel is wired to; opened without --sim"},
		func(c *Config) string { return strconv.Quote(c.Daemon.Board) },
		func(c *Config) bool { return c.Daemon.Board != "" }},
	{KeyDoc{Key: "daemon.board_lock", Unit: "path", Bound: "not empty", Doc: "the lock the daemon holds on the board's chips while it runs: hearth probe and hearth drive refuse to open them under it"},
		func(c *Config) string { return strconv.Quote(c.Daemon.BoardLock) },
		func(c *Config) bool { return c.Daemon.BoardLock != "" }},

	{KeyDoc{Key: "watchdog.kind", Unit: "word", Bound: "systemd, device or none: no default, a configuration must say", Doc: "the one watchdog the daemon feeds (docs/safety.md, layer 5, is the device kind)"},
		func(c *Config) string { return strconv.Quote(c.Watchdog.Kind) }, nil},
	{KeyDoc{Key: "watchdog.device", Unit: "path", Bound: "kind device only", Doc: "the watchdog device; empty: /dev/watchdog"},
		func(c *Config) string { return strconv.Quote(c.Watchdog.Device) }, nil},
	{KeyDoc{Key: "watchdog.timeout", Unit: "duration", Bound: "kind device only: whole seconds, 1s..15s (bcm2835_wdt)", Doc: "how long the device waits for a kick; 0: 10s"},
		func(c *Config) string { return dur(c.Watchdog.Timeout) }, nil},

	{KeyDoc{Key: "modules.listen", Unit: "UDP address", Doc: "the controller's address on the module channel"},
		func(c *Config) string { return strconv.Quote(c.Modules.Listen) }, nil},
	{KeyDoc{Key: "modules.secret", Unit: "hex", Doc: "the hub secret (hearth modules secret); --sim makes one when empty"},
		func(c *Config) string { return strconv.Quote(c.Modules.Secret) }, nil},
	{KeyDoc{Key: "modules.relay_dir", Unit: "path", Doc: "if set, every module relay is mirrored into relay_dir/module-N (\"1\" closed, \"0\" open), like a GPIO's value file"},
		func(c *Config) string { return strconv.Quote(c.Modules.RelayDir) }, nil},
	{KeyDoc{Key: "modules.off_deadline", Unit: "duration", Bound: "at least 1s", Doc: "a graceful shutdown's time before the module's relay opens"},
		func(c *Config) string { return dur(c.Modules.OffDeadline) },
		func(c *Config) bool { return c.Modules.OffDeadline >= units.Second }},
	{KeyDoc{Key: "modules.module", Unit: "array of tables", Doc: "without --sim, every module of the hub: [[modules.module]] with id and addr"},
		func(c *Config) string { return strconv.Itoa(len(c.Modules.Module)) + " modules" }, nil},
	{KeyDoc{Key: "modules.module.id", Unit: "integer", Doc: "the module's id"}, nil, nil},
	{KeyDoc{Key: "modules.module.addr", Unit: "UDP address", Doc: "its agent's address"}, nil, nil},

	{KeyDoc{Key: "sim.season", Unit: "word", Bound: "winter, spring or summer", Doc: "the simulated plant's season (--sim)"},
		func(c *Config) string { return strconv.Quote(c.Sim.Season) },
		func(c *Config) bool { _, err := plant.SeasonWeather(plant.Season(c.Sim.Season)); return err == nil }},
	{KeyDoc{Key: "sim.seed", Unit: "integer", Doc: "the simulated plant's seed"},
		func(c *Config) string { return strconv.FormatUint(c.Sim.Seed, 10) }, nil},
	{KeyDoc{Key: "sim.modules", Unit: "integer", Doc: "the plant's module count (0: the reference)"},
		func(c *Config) string { return strconv.Itoa(c.Sim.Modules) }, nil},
	{KeyDoc{Key: "sim.module_shutdown", Unit: "duration", Doc: "the boards' shutdown time (0: the reference, 20s)"},
		func(c *Config) string { return dur(c.Sim.ModuleShutdown) }, nil},
	{KeyDoc{Key: "sim.module_boot", Unit: "duration", Doc: "the boards' boot time (0: the reference, 30s)"},
		func(c *Config) string { return dur(c.Sim.ModuleBoot) }, nil},
	{KeyDoc{Key: "sim.speed", Unit: "number", Bound: "0 or [1, 50]", Doc: "the simulated plant and the controller's clock run this many times faster than the wall clock (0: 1), the tick's period shortened to match: for a test or a rehearsal that must not take the plant's hours (a live tune's relay)"},
		func(c *Config) string { return strconv.FormatFloat(c.Sim.Speed, 'g', -1, 64) },
		func(c *Config) bool { return c.Sim.Speed == 0 || c.Sim.Speed >= 1 && c.Sim.Speed <= 50 }},
	{KeyDoc{Key: "sim.oil_c", Unit: "C", Bound: "0 or [5, 55]", Doc: "the plant's oil starts at this temperature (0: the season's)"},
		func(c *Config) string { return strconv.FormatFloat(float64(c.Sim.OilC), 'g', -1, 64) },
		func(c *Config) bool { return c.Sim.OilC == 0 || c.Sim.OilC >= 5 && c.Sim.OilC <= 55 }},
	{KeyDoc{Key: "sim.tank_c", Unit: "C", Bound: "0 or [5, 70]", Doc: "the plant's tank starts at this temperature, both layers (0: the season's)"},
		func(c *Config) string { return strconv.FormatFloat(float64(c.Sim.TankC), 'g', -1, 64) },
		func(c *Config) bool { return c.Sim.TankC == 0 || c.Sim.TankC >= 5 && c.Sim.TankC <= 70 }},
	{KeyDoc{Key: "sim.watchdog", Unit: "bool", Bound: "needs watchdog.kind device", Doc: "the daemon plays the simulated hub's hardware watchdog on watchdog.device (a FIFO, relative to daemon.state_dir): when it fires the simulated plant is de-energised"},
		func(c *Config) string { return strconv.FormatBool(c.Sim.Watchdog) },
		func(c *Config) bool { return !c.Sim.Watchdog || c.Watchdog.Kind == watchdog.KindDevice }},
	{KeyDoc{Key: "sim.fault", Unit: "array of tables", Doc: "plant faults to inject (--sim), [[sim.fault]] with kind, target, arg, at and for: to rehearse a diagnosis on the console, or for a test"},
		func(c *Config) string { return strconv.Itoa(len(c.Sim.Fault)) + " faults" }, nil},
	{KeyDoc{Key: "sim.fault.kind", Unit: "word", Bound: "a plant fault of hearth hil faults", Doc: "the fault"}, nil, nil},
	{KeyDoc{Key: "sim.fault.target", Unit: "word", Bound: "one of the fault's targets", Doc: "what it breaks (a sensor, a pump, a module); empty for the plant"}, nil, nil},
	{KeyDoc{Key: "sim.fault.arg", Unit: "number", Doc: "the fault's argument (0: its default)"}, nil, nil},
	{KeyDoc{Key: "sim.fault.at", Unit: "duration", Bound: "not below 0", Doc: "when it is injected, after the start"}, nil, nil},
	{KeyDoc{Key: "sim.fault.for", Unit: "duration", Bound: "not below 0", Doc: "how long it lasts (0: to the end)"}, nil, nil},

	{KeyDoc{Key: "console.device", Unit: "path", Doc: "the field engineer's serial console (docs/console.md), e.g. /dev/ttyUSB0 or /dev/serial0; empty: none; hearth run --console sets it"},
		func(c *Config) string { return strconv.Quote(c.Console.Device) }, nil},
	{KeyDoc{Key: "console.baud", Unit: "baud", Bound: "1200..921600", Doc: "the console's speed, 8N1"},
		func(c *Config) string { return strconv.Itoa(c.Console.Baud) },
		func(c *Config) bool { return c.Console.Baud >= 1200 && c.Console.Baud <= 921600 }},
	{KeyDoc{Key: "console.passphrase_hash", Unit: "bcrypt hash", Bound: "empty or a bcrypt hash", Doc: "the engineer's passphrase, hashed (hearth config passphrase makes the line); empty: engineer commands disabled"},
		func(c *Config) string { return strconv.Quote(c.Console.PassphraseHash) },
		func(c *Config) bool {
			return c.Console.PassphraseHash == "" || console.ValidHash(c.Console.PassphraseHash)
		}},
	{KeyDoc{Key: "console.idle_logout", Unit: "duration", Bound: "1m..1h", Doc: "an engineer's session idle this long is logged out"},
		func(c *Config) string { return dur(c.Console.IdleLogout) },
		func(c *Config) bool {
			return c.Console.IdleLogout >= units.Minute && c.Console.IdleLogout <= units.Hour
		}},
}

// telemetryKeys are the [telemetry] table's keys (docs/telemetry.md).
var telemetryKeys = []daemonKey{
	{KeyDoc{Key: "telemetry.hub_id", Unit: "word", Bound: "empty or 1..64 of A-Z a-z 0-9 _ -", Doc: "the hub's id in MQTT topics (hearth/<hub_id>/...) and the metrics' hub label; empty: the host name; hearth run --hub-id sets it"},
		func(c *Config) string { return strconv.Quote(c.Telemetry.HubID) },
		func(c *Config) bool { return c.Telemetry.HubID == "" || telemetry.CheckHubID(c.Telemetry.HubID) == nil }},
	{KeyDoc{Key: "telemetry.mqtt", Unit: "URL", Bound: "empty, mqtt://host:port or mqtts://host:port", Doc: "the MQTT broker the state and Home Assistant's discovery are published to; empty: none; hearth run --mqtt sets it"},
		func(c *Config) string { return strconv.Quote(c.Telemetry.MQTT) },
		func(c *Config) bool { return c.Telemetry.MQTT == "" || telemetry.CheckBroker(c.Telemetry.MQTT) == nil }},
	{KeyDoc{Key: "telemetry.mqtt_username", Unit: "word", Doc: "the broker's user name; empty: none"},
		func(c *Config) string { return strconv.Quote(c.Telemetry.MQTTUsername) }, nil},
	{KeyDoc{Key: "telemetry.mqtt_password", Unit: "word", Doc: "the broker's password (the console's config show hides it)"},
		func(c *Config) string { return strconv.Quote(c.Telemetry.MQTTPassword) }, nil},
	{KeyDoc{Key: "telemetry.mqtt_ca_file", Unit: "path", Doc: "mqtts://: the CA (PEM) the broker's certificate is checked against; empty: the system's"},
		func(c *Config) string { return strconv.Quote(c.Telemetry.MQTTCAFile) }, nil},
	{KeyDoc{Key: "telemetry.mqtt_cert_file", Unit: "path", Bound: "with mqtt_key_file", Doc: "mqtts://: the hub's client certificate (PEM); empty: none"},
		func(c *Config) string { return strconv.Quote(c.Telemetry.MQTTCertFile) },
		func(c *Config) bool { return (c.Telemetry.MQTTCertFile == "") == (c.Telemetry.MQTTKeyFile == "") }},
	{KeyDoc{Key: "telemetry.mqtt_key_file", Unit: "path", Bound: "with mqtt_cert_file", Doc: "mqtts://: the client certificate's key (PEM)"},
		func(c *Config) string { return strconv.Quote(c.Telemetry.MQTTKeyFile) }, nil},
	{KeyDoc{Key: "telemetry.metrics", Unit: "TCP address", Doc: "where /metrics (Prometheus) is served, e.g. \":9477\"; empty: not served; hearth run --metrics sets it"},
		func(c *Config) string { return strconv.Quote(c.Telemetry.Metrics) }, nil},
}

// calibrationKeys are the [calibration] table's keys: one per probe.
var calibrationKeys = func() []daemonKey {
	var keys []daemonKey
	for id := hal.TempID(0); id < hal.NumTemps; id++ {
		keys = append(keys, daemonKey{KeyDoc{Key: "calibration." + id.String(), Unit: "K",
			Bound: "-2..2", Doc: "added to the " + id.String() + " probe's reading before safety and control see it (the console's calibrate)"},
			func(c *Config) string {
				o := c.Calibration.Offsets()
				return strconv.FormatFloat(float64(o[id]), 'g', -1, 64)
			},
			func(c *Config) bool {
				o := c.Calibration.Offsets()
				return math.Abs(float64(o[id])) <= console.MaxCalibrationK
			}})
	}
	return keys
}()

func init() { daemonKeys = append(append(daemonKeys, calibrationKeys...), telemetryKeys...) }
