package livetune

import (
	"os"
	"strconv"
	"strings"

	"hearth/pid"
)

// Snippet is a TOML snippet of the controller's configuration that sets
// a loop's gains in section (control.dump, control.water_pump,
// control.tank) from cfg, and its setpoint weight and derivative filter
// where cfg's differ from base's (the loop's configuration before tuning:
// ms-iae sets both), the loop's other settings left as they are, with
// comment lines first (each without its "# "). `hearth tune --write` and
// the console's `tune apply FILE` write it; a configuration file can take
// it as it is, and the controller's loader reads it alone.
func Snippet(section string, comment []string, cfg, base pid.Config) string {
	var b strings.Builder
	for _, c := range comment {
		b.WriteString("# " + c + "\n")
	}
	b.WriteString("[" + section + "]\nkp = " + TOMLFloat(cfg.Kp) + "\nki = " + TOMLFloat(cfg.Ki) + "\nkd = " + TOMLFloat(cfg.Kd) + "\n")
	if cfg.SetpointWeight != base.SetpointWeight {
		b.WriteString("setpointweight = " + TOMLFloat(cfg.SetpointWeight) + "\n")
	}
	if cfg.DerivativeFilter != base.DerivativeFilter {
		b.WriteString("derivativefilter = " + strconv.Quote(cfg.DerivativeFilter.String()) + "\n")
	}
	return b.String()
}

// WriteSnippet writes Snippet to path.
func WriteSnippet(path, section string, comment []string, cfg, base pid.Config) error {
	return os.WriteFile(path, []byte(Snippet(section, comment, cfg, base)), 0o644)
}

// TOMLFloat formats v as a TOML float (always with a point or an exponent).
func TOMLFloat(v float64) string {
	s := strconv.FormatFloat(v, 'g', 6, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}
