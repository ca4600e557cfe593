package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A configuration with a trip above its hard bound is refused at load, the
// key, the value and the bound named; an unknown key is refused too.
func TestConfigRefusedAtLoad(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, body, want string }{
		{"trip", "[safety.oil_in]\ntrip_c = 61.0\n", "trip.toml:2: safety.oil_in.trip_c = 61 exceeds its hard bound 60"},
		{"typo", "[control]\noil_celing_c = 50.0\n", "typo.toml:2: unknown key control.oil_celing_c"},
	} {
		path := filepath.Join(dir, c.name+".toml")
		if err := os.WriteFile(path, []byte(c.body), 0o644); err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		if code := dispatch([]string{"sim", "--duration", "1m", "--config", path}, &out, &errb); code != 2 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", c.name, code, errb.String(), c.want)
		}
	}
}

// What hearth tune writes, the controller reads: the gains land in control.
func TestTunedGainsLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tuned.toml")
	var out, errb bytes.Buffer
	if code := dispatch([]string{"tune", "oil", "--write", path}, &out, &errb); code != 0 {
		t.Fatalf("tune: exit %d: %s", code, errb.String())
	}
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if g := cfg.Control.DumpGains; g.Kp <= 0 || g.Ki <= 0 || g.OutMax != 1 {
		t.Errorf("dump gains after loading the tuned file: %+v", g)
	}
}
