package main

import (
	"errors"
	"flag"
	"os"

	"hearth/cmd/hearth/daemon"
	"hearth/control"
	"hearth/core"
	"hearth/safety"
)

// controllerFile is the shape of a controller configuration file: the
// [control] and [safety] tables.
type controllerFile struct {
	Control control.Config `toml:"control"`
	Safety  safety.Config  `toml:"safety"`
}

// loadConfig reads a controller configuration file: TOML whose [control] and
// [safety] tables override the reference configuration (core.DefaultConfig).
// An unknown key is refused, so a typo cannot pass silently, and the whole
// configuration is validated (core.Config.Validate: control's bounds,
// safety's hard bounds and the couplings between them); the error names
// every issue, each with its key and line. `hearth tune LOOP --write FILE`
// writes a file of this form.
func loadConfig(path string) (core.Config, error) {
	cfg := core.DefaultConfig()
	if path == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return core.Config{}, err
	}
	f := controllerFile{Control: cfg.Control, Safety: cfg.Safety}
	issues := daemon.CheckText(path, data, &f, func() error {
		cfg = core.Config{Control: f.Control, Safety: f.Safety}
		return cfg.Validate()
	})
	if len(issues) > 0 {
		return core.Config{}, errors.Join(issues...)
	}
	return cfg, nil
}

// configFlag registers --config on fs.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "", "controller configuration (TOML: [control] and [safety] over the reference)")
}
