package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"golang.org/x/crypto/bcrypt"

	"hearth/cmd/hearth/daemon"
	"hearth/units"
)

func runConfig(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = dispatch(append([]string{"config"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "h.toml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The shipped configurations pass check, with a one-line summary.
func TestConfigCheckExamples(t *testing.T) {
	for _, f := range []string{"hearth.toml", "sim.toml"} {
		path := filepath.Join("..", "..", "docs", "examples", f)
		code, out, errs := runConfig(t, "check", path)
		if code != 0 || !strings.HasPrefix(out, path+": ok: ") || strings.Count(out, "\n") != 1 {
			t.Errorf("check %s: exit %d, stdout %q, stderr %q", f, code, out, errs)
		}
	}
}

// check refuses a control ceiling above safety's warn limit, naming both
// keys and the line; and it reports every error, not just the first.
func TestConfigCheckCeilingAboveWarn(t *testing.T) {
	path := writeFile(t, "[watchdog]\nkind = \"none\"\n\n[control]\noil_ceiling_c = 53.0\n\n[control.oil_flow]\nkp = -1.0\n")
	code, _, errs := runConfig(t, "check", path)
	for _, want := range []string{
		path + ":5: control.oil_ceiling_c = 53: above safety.oil_in.warn_c = 52",
		path + ":8: control.oil_flow.kp = -1: below its bound 0",
		path + ": 2 errors",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr %q, want %q", errs, want)
		}
	}
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
}

// An unknown key is named with its line; a bad duration is named with its
// key and line; both are reported together with a value past its bound.
func TestConfigCheckNamesKeysAndLines(t *testing.T) {
	path := writeFile(t, "[watchdog]\nkind = \"none\"\n\n[daemon]\ntick = \"100ms\"\nstats_evry = \"2s\"\n"+
		"\n[control]\nexercise_at = \"150 h\"\nlegionella_at = \"2x\"\noil_ceiling_c = \"hot\"\n[safety.oil_in]\ntrip_c = 61.0\n")
	code, _, errs := runConfig(t, "check", path)
	for _, want := range []string{
		path + ":6: unknown key daemon.stats_evry",
		path + ":9: control.exercise_at: units: bad or missing unit",
		path + ":10: control.legionella_at: units: bad or missing unit \"x\"",
		path + ":11: control.oil_ceiling_c: ",
		path + ":13: safety.oil_in.trip_c = 61 exceeds its hard bound 60",
		path + ": 5 errors",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr %q\nwant %q", errs, want)
		}
	}
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	// A syntax error is named with its line.
	code, _, errs = runConfig(t, "check", writeFile(t, "[daemon]\ntick = \n"))
	if code != 1 || !strings.Contains(errs, ":2: ") {
		t.Errorf("syntax error: exit %d, stderr %q", code, errs)
	}
}

// exercise_at = "150h" in [control] loads, as do the other weekly times.
func TestConfigExerciseAtLoads(t *testing.T) {
	path := writeFile(t, "[watchdog]\nkind = \"none\"\n[control]\nexercise_at = \"150h\"\nlegionella_at = \"2h30m\"\n")
	cfg, err := daemon.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c := cfg.Control.Control; c.ExerciseAt != 150*units.Hour || c.LegionellaAt != 2*units.Hour+30*units.Minute {
		t.Errorf("exercise_at %v, legionella_at %v", c.ExerciseAt, c.LegionellaAt)
	}
	if c, err := loadConfig(path); err == nil {
		t.Errorf("loadConfig took a [watchdog] table: %+v", c.Control.ExerciseAt)
	}
	path = writeFile(t, "[control]\nexercise_at = \"150h\"\n")
	if c, err := loadConfig(path); err != nil || c.Control.ExerciseAt != 150*units.Hour {
		t.Errorf("loadConfig: %v, %v", c.Control.ExerciseAt, err)
	}
}

// defaults prints every table, durations as text, and reads back to the
// reference configuration exactly; show prints a file over it.
func TestConfigDefaultsRoundTrip(t *testing.T) {
	code, out, errs := runConfig(t, "defaults")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"[daemon]\n", "[watchdog]\n", "[modules]\n", "[sim]\n", "[control]\n", "[control.oil_flow]\n",
		"[safety]\n", "[safety.oil_in]\n", `tick = "100ms"`, `exercise_at = "147h"`, "kp = 0.005"} {
		if !strings.Contains(out, want) {
			t.Errorf("defaults lack %q", want)
		}
	}
	cfg, issues := daemon.Parse("defaults", []byte(out))
	def := daemon.DefaultConfig()
	if !reflect.DeepEqual(cfg, def) {
		t.Errorf("defaults read back differently:\n%+v\n%+v", cfg, def)
	}
	// The one issue: a file must choose its watchdog.
	if len(issues) != 1 || !strings.Contains(issues[0].Error(), "watchdog") {
		t.Errorf("issues of the defaults: %v", issues)
	}
	path := writeFile(t, strings.Replace(out, `kind = ""`, `kind = "none"`, 1))
	if code, _, errs := runConfig(t, "check", path); code != 0 {
		t.Errorf("the defaults with a watchdog do not pass check: %s", errs)
	}
	code, show, errs := runConfig(t, "show", writeFile(t, "[watchdog]\nkind = \"none\"\n[control]\noil_ceiling_c = 47.5\n"))
	if code != 0 || !strings.Contains(show, "oil_ceiling_c = 47.5 ") || !strings.Contains(show, `kind = "none"`) {
		t.Errorf("show: exit %d, %s", code, errs)
	}
}

// docs/config.md is what the code gives.
func TestConfigDocCurrent(t *testing.T) {
	got := daemon.ConfigDoc()
	want, err := os.ReadFile(filepath.Join("..", "..", "docs", "config.md"))
	if err != nil || string(want) != got {
		t.Errorf("docs/config.md differs from the code (%v): regenerate it with `%s`", err, daemon.DocCommand)
	}
	for _, k := range daemon.Keys() {
		if !strings.Contains(got, "| `"+k.Key+"` |") {
			t.Errorf("%s is not in docs/config.md", k.Key)
		}
	}
}

// config passphrase writes a [console] table whose hash checks against the
// passphrase, in a file config check passes; a short passphrase and one
// past bcrypt's 72 bytes are refused.
func TestConfigPassphrase(t *testing.T) {
	var out, errb strings.Builder
	if code := passphrase(strings.NewReader("warm house, cold oil\n"), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var f struct {
		Console struct {
			Hash string `toml:"passphrase_hash"`
		} `toml:"console"`
	}
	if _, err := toml.Decode(out.String(), &f); err != nil {
		t.Fatalf("%v in %q", err, out.String())
	}
	if err := bcrypt.CompareHashAndPassword([]byte(f.Console.Hash), []byte("warm house, cold oil")); err != nil {
		t.Errorf("the hash does not check: %v", err)
	}
	if code, _, stderr := runConfig(t, "check", writeFile(t, "[watchdog]\nkind = \"none\"\n"+out.String())); code != 0 {
		t.Errorf("config check of the passphrase's table: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runConfig(t, "check", writeFile(t, "[watchdog]\nkind = \"none\"\n[console]\npassphrase_hash = \"secret\"\n")); code != 1 || !strings.Contains(stderr, "console.passphrase_hash") {
		t.Errorf("a plain-text passphrase_hash: exit %d: %s", code, stderr)
	}
	for _, bad := range []string{"short\n", strings.Repeat("x", 73) + "\n"} {
		if code := passphrase(strings.NewReader(bad), &out, &errb); code != 1 {
			t.Errorf("passphrase of %d bytes: exit %d, want 1", len(bad)-1, code)
		}
	}
}
