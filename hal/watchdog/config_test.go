package watchdog

import (
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string // a part of the error; "" for none
	}{
		{Config{Kind: "device"}, ""},
		{Config{Kind: "device", Device: "/dev/watchdog1", Timeout: time.Second}, ""},
		{Config{Kind: "device", Timeout: 15 * time.Second}, ""},
		{Config{Kind: "device", Timeout: 16 * time.Second}, "out of the device's range"},
		{Config{Kind: "device", Timeout: 500 * time.Millisecond}, "out of the device's range"},
		{Config{Kind: "device", Timeout: -time.Second}, "out of the device's range"},
		{Config{Kind: "device", Timeout: 2500 * time.Millisecond}, "not whole seconds"},
		{Config{Kind: "systemd"}, ""},
		{Config{Kind: "systemd", Device: "/dev/watchdog"}, "never both"},
		{Config{Kind: "systemd", Timeout: 5 * time.Second}, "never both"},
		{Config{Kind: "none"}, ""},
		{Config{Kind: "none", Device: "/dev/watchdog"}, "arms nothing"},
		{Config{}, "kind is not set"},
		{Config{Kind: "both"}, `unknown kind "both"`},
		{Config{Kind: "Device"}, "unknown kind"},
	} {
		err := c.cfg.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", c.cfg, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: error %v, want one saying %q", c.cfg, err, c.want)
		}
	}
}

// Open refuses what Validate refuses, before touching anything.
func TestOpenValidatesFirst(t *testing.T) {
	if _, err := Open(Config{Kind: "device", Device: "/nonexistent", Timeout: 20 * time.Second}); err == nil || !strings.Contains(err.Error(), "range") {
		t.Errorf("Open with a 20 s timeout: %v, want the range error", err)
	}
}

func TestConfigFromTOML(t *testing.T) {
	var file struct {
		Watchdog Config `toml:"watchdog"`
	}
	const doc = "[watchdog]\nkind = \"device\"\ndevice = \"/dev/watchdog0\"\ntimeout = \"12s\"\n"
	if _, err := toml.Decode(doc, &file); err != nil {
		t.Fatal(err)
	}
	want := Config{Kind: KindDevice, Device: "/dev/watchdog0", Timeout: 12 * time.Second}
	if file.Watchdog != want {
		t.Errorf("decoded %+v, want %+v", file.Watchdog, want)
	}
}

func TestNoneArmsNothing(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "")
	w, err := Open(Config{Kind: KindNone})
	if err != nil {
		t.Fatal(err)
	}
	if w.Timeout() != 0 || w.Kind() != KindNone || w.Emulated() || w.Kick() != nil || w.Close(true) != nil {
		t.Errorf("kind none: %v, timeout %v", w, w.Timeout())
	}
}
