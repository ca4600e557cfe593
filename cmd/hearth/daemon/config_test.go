package daemon

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The shipped configurations load as they are.
func TestExamplesLoad(t *testing.T) {
	for _, f := range []string{"sim.toml", "hearth.toml"} {
		if _, err := Load(filepath.Join("..", "..", "..", "docs", "examples", f)); err != nil {
			t.Errorf("docs/examples/%s: %v", f, err)
		}
	}
}

// Every bound of the daemon's configuration refuses a value past it, and
// an unknown key is refused.
func TestConfigRefusesWhatIsPastItsBounds(t *testing.T) {
	base := "[watchdog]\nkind = \"none\"\n"
	for _, c := range []struct{ toml, want string }{
		{"[daemon]\ntick = \"5ms\"\nlate = \"1ms\"\n", "daemon.tick"},
		{"[daemon]\ntick = \"2s\"\n", "daemon.tick"},
		{"[daemon]\nlate = \"100ms\"\n", "daemon.late"},
		{"[daemon]\nlate = \"0s\"\n", "daemon.late"},
		{"[daemon]\nstate_dir = \"\"\n", "daemon.state_dir"},
		{"[daemon]\nstats_every = \"10ms\"\n", "daemon.stats_every"},
		{"[daemon]\nrealtime_priority = 100\n", "daemon.realtime_priority"},
		{"[daemon]\nshutdown_timeout = \"500ms\"\n", "daemon.shutdown_timeout"},
		{"[daemon]\ndemand = \"110%\"\n", "daemon.demand"},
		{"[modules]\noff_deadline = \"0s\"\n", "modules.off_deadline"},
		{"[daemon]\ntick_rate = 10\n", "unknown key daemon.tick_rate"},
		{"[sim]\nseason = \"autumn\"\n", "sim.season"},
		{"[sim]\nwatchdog = true\n", "sim.watchdog"},
		{"[control]\noil_ceiling_c = 53.0\n", "h.toml:4: control.oil_ceiling_c = 53: above safety.oil_in.warn_c = 52"},
		{"[safety.oil_in]\ntrip_c = 90.0\n", "oil"},
	} {
		path := filepath.Join(t.TempDir(), "h.toml")
		if err := os.WriteFile(path, []byte(base+c.toml), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one naming %q", c.toml, err, c.want)
		}
	}
	for _, w := range []string{
		"[watchdog]\n", // no kind: must be said
		"[watchdog]\nkind = \"device\"\ntimeout = \"16s\"\n",           // past the bcm2835's 15 s
		"[watchdog]\nkind = \"systemd\"\ndevice = \"/dev/watchdog\"\n", // never both
		"[watchdog]\nkind = \"both\"\n",
	} {
		path := filepath.Join(t.TempDir(), "h.toml")
		if err := os.WriteFile(path, []byte(w), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "watchdog") {
			t.Errorf("%q: error %v, want the watchdog refused", w, err)
		}
	}
}

// Every key of the daemon's tables is in daemonKeys, so docs/config.md
// shows it.
func TestDaemonKeysCoverConfig(t *testing.T) {
	have := map[string]bool{}
	for _, k := range daemonKeys {
		have[k.Key] = true
	}
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			key := prefix + tomlName(f)
			if !have[key] {
				t.Errorf("%s has no entry in daemonKeys", key)
			}
			if f.Type.Kind() == reflect.Slice {
				walk(key+".", f.Type.Elem())
			}
		}
	}
	ft := reflect.TypeFor[File]()
	for i := range 7 { // daemon, watchdog, modules, sim, console, calibration, telemetry
		walk(tomlName(ft.Field(i))+".", ft.Field(i).Type)
	}
}
