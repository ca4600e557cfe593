package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"

	"hearth/core"
)

// loadConfig reads a controller configuration file: TOML whose [control] and
// [safety] tables override the reference configuration (core.DefaultConfig).
// An unknown key is refused, so a typo cannot pass silently, and the safety
// limits are validated against their hard bounds. `hearth tune LOOP --write
// FILE` writes a file of this form.
func loadConfig(path string) (core.Config, error) {
	cfg := core.DefaultConfig()
	if path == "" {
		return cfg, nil
	}
	md, err := toml.DecodeFile(path, &cfg)
	if err != nil {
		return core.Config{}, err
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return core.Config{}, fmt.Errorf("%s: unknown keys %s", path, strings.Join(keys, ", "))
	}
	if err := cfg.Safety.Validate(); err != nil {
		return core.Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// configFlag registers --config on fs.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "", "controller configuration (TOML: [control] and [safety] over the reference)")
}
