package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"hearth/modules"
)

func modulesRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = dispatch(append([]string{"modules"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestModulesDrillJSON(t *testing.T) {
	for _, loss := range []string{"0", "0.3"} {
		t.Run("loss "+loss, func(t *testing.T) {
			code, out, errs := modulesRun(t, "drill", "--sim-agents", "16", "--loss", loss, "--seed", "7", "--json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			dec := json.NewDecoder(strings.NewReader(out))
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
			}
			if dec.More() {
				t.Fatal("stdout holds more than one JSON object")
			}
			for _, k := range []string{"agents", "loss", "throttle_all_ms", "kill_all_ms", "unconfirmed", "forged_rejected",
				"replayed_rejected", "cross_module_rejected", "lost_to_agent", "lost_to_controller", "kill_p99_ms"} {
				if _, ok := m[k]; !ok {
					t.Errorf("JSON lacks %q", k)
				}
			}
			if m["agents"] != 16.0 || m["unconfirmed"] != 0.0 || m["forged_rejected"] != 32.0 {
				t.Errorf("agents %v unconfirmed %v forged_rejected %v", m["agents"], m["unconfirmed"], m["forged_rejected"])
			}
			if k, ok := m["kill_all_ms"].(float64); !ok || k > 3000 {
				t.Errorf("kill_all_ms %v", m["kill_all_ms"])
			}
		})
	}
}

func TestModulesDrillText(t *testing.T) {
	code, out, errs := modulesRun(t, "drill", "--sim-agents", "4", "--shed", "idle")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, s := range []string{"agents 4", "shed to idle", "trip (cut)", "unconfirmed:      0"} {
		if !strings.Contains(out, s) {
			t.Errorf("report lacks %q:\n%s", s, out)
		}
	}
}

func TestModulesUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"dril"},
		{"drill", "--sim-agents", "0"},
		{"drill", "--loss", "1"},
		{"drill", "--shed", "100%"},
		{"drill", "extra"},
		{"drill", "--no-such-flag"},
		{"key"},
		{"key", "--module", "1"},
		{"secret", "extra"},
	} {
		if code, _, _ := modulesRun(t, args...); code != 2 {
			t.Errorf("hearth modules %v: exit %d, want 2", args, code)
		}
	}
}

func TestModulesKeyMatchesDerivation(t *testing.T) {
	code, secretHex, _ := modulesRun(t, "secret")
	if code != 0 || len(strings.TrimSpace(secretHex)) != 2*modules.MinHubSecret {
		t.Fatalf("secret: exit %d, %q", code, secretHex)
	}
	file := filepath.Join(t.TempDir(), "hub.secret")
	if err := os.WriteFile(file, []byte(secretHex), 0o600); err != nil {
		t.Fatal(err)
	}
	secret, _ := hex.DecodeString(strings.TrimSpace(secretHex))
	for _, id := range []uint32{1, 2, 512} {
		code, out, errs := modulesRun(t, "key", "--hub-secret-file", file, "--module", strconv.FormatUint(uint64(id), 10))
		if code != 0 {
			t.Fatalf("key: exit %d: %s", code, errs)
		}
		want, _ := modules.ModuleKey(secret, id)
		if strings.TrimSpace(out) != want.Hex() {
			t.Errorf("module %d: printed %q, want %q", id, out, want.Hex())
		}
	}
}
