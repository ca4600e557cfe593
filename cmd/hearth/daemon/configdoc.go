package daemon

import (
	"bytes"
	"encoding"
	"reflect"
	"strconv"
	"strings"

	"hearth/control"
	"hearth/safety"
)

// Keys returns every key of every table of the configuration file, in the
// file's order, with its unit, its default (the reference configuration's
// value, as the file writes it), its bound and what it does: the daemon's
// tables (daemonKeys), control's (control.Bounds) and safety's
// (safety.HardBounds).
func Keys() []KeyDoc {
	def := DefaultConfig()
	var out []KeyDoc
	for _, k := range daemonKeys {
		d := k.KeyDoc
		if k.value != nil {
			d.Default = k.value(&def)
		}
		out = append(out, d)
	}
	for _, b := range control.Bounds() {
		out = append(out, KeyDoc{Key: b.Key, Unit: b.Unit, Default: b.Format(b.Value(&def.Control.Control)),
			Bound: controlBound(&b), Doc: b.Doc})
	}
	for _, b := range safety.HardBounds() {
		bound := "[" + num(b.Min) + ", " + num(b.Max) + "]"
		if b.Min == 0 {
			bound = "(0, " + num(b.Max) + "]"
		}
		out = append(out, KeyDoc{Key: b.Key, Unit: safetyUnit(b.Key), Default: num(b.Get(&def.Control.Safety)),
			Bound: bound, Doc: b.Why})
	}
	return out
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func controlBound(b *control.Bound) string {
	if b.Kind == control.KindBool {
		return ""
	}
	lo, hi := "[", "]"
	if b.MinOpen {
		lo = "("
	}
	if b.MaxOpen {
		hi = ")"
	}
	return lo + b.Format(b.Min) + ", " + b.Format(b.Max) + hi
}

// safetyUnit is a safety key's unit, which its name ends in.
func safetyUnit(key string) string {
	for _, u := range [...]struct{ suffix, unit string }{
		{"_k_per_s", "K/s"}, {"_k_per_min", "K/min"}, {"_c", "°C"}, {"_k", "K"}, {"_bar", "bar"},
		{"_lpm", "L/min"}, {"_s", "s"}, {"_w", "W"}, {"_l", "L"}, {"_count", "count"},
	} {
		if strings.HasSuffix(key, u.suffix) {
			return u.unit
		}
	}
	return "ratio"
}

// DocCommand regenerates docs/config.md.
const DocCommand = "go run ./cmd/hearth config doc > docs/config.md"

// ConfigDoc renders docs/config.md: every key of every table with its unit,
// default, bound and what it does, from the code.
func ConfigDoc() string {
	var b strings.Builder
	b.WriteString("# Configuration\n\n<!-- Generated from the code by `" + DocCommand + "`: do not edit. -->\n\n" + docIntro)
	sections := []struct{ title, prefix, intro string }{
		{"[daemon]", "daemon.", "The loop's timing and where state lives (`hearth run` only)."},
		{"[watchdog]", "watchdog.", "The one watchdog the daemon feeds (package hal/watchdog; docs/install.md)."},
		{"[modules]", "modules.", "The module channel."},
		{"[sim]", "sim.", "The simulated plant of `hearth run --sim`."},
		{"[console]", "console.", "The field engineer's serial console (docs/console.md)."},
		{"[calibration]", "calibration.", "Each temperature probe's offset, added to its reading before safety and control see it: " +
			"the console's `calibrate` sets one live and stages it here for `commit`."},
		{"[telemetry]", "telemetry.", "MQTT (Home Assistant) and Prometheus, off the tick; nothing is ever received as a command (docs/telemetry.md)."},
		{"[control]", "control.", "Control's targets, margins and timings (package control). Each bound is checked by " +
			"`control.Config.Validate`; the couplings with [safety] by `core.Config.Validate` (below)."},
	}
	keys := Keys()
	for _, s := range sections {
		b.WriteString("\n## " + s.title + "\n\n" + s.intro + "\n\n")
		writeRows(&b, keys, func(k string) bool { return strings.HasPrefix(k, s.prefix) && !isLoopKey(k) })
	}
	b.WriteString("\n## [control.LOOP]: the loops' gains\n\n" + loopsIntro)
	for _, k := range keys {
		if isLoopKey(k.Key) && strings.HasSuffix(k.Key, ".kp") {
			table := strings.TrimSuffix(k.Key, ".kp")
			b.WriteString("\n### [" + table + "]\n\n")
			writeRows(&b, keys, func(key string) bool { return strings.HasPrefix(key, table+".") })
		}
	}
	b.WriteString("\n## [safety]\n\n" + safetyIntro + "\n")
	writeRows(&b, keys, func(k string) bool { return strings.HasPrefix(k, "safety.") })
	b.WriteString("\n## Couplings between [control] and [safety]\n\n" + crossIntro)
	return b.String()
}

// isLoopKey reports a key of one of control's loops: control.LOOP.FIELD.
func isLoopKey(k string) bool { return strings.HasPrefix(k, "control.") && strings.Count(k, ".") == 2 }

func writeRows(b *strings.Builder, keys []KeyDoc, in func(string) bool) {
	b.WriteString("| key | unit | default | bound | what it does |\n| --- | --- | --- | --- | --- |\n")
	for _, k := range keys {
		if in(k.Key) {
			b.WriteString("| `" + k.Key + "` | " + cell(k.Unit) + " | " + cell(k.Default) + " | " + cell(k.Bound) + " | " + cell(k.Doc) + " |\n")
		}
	}
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

const docIntro = "Hearth reads one TOML file. `hearth run --config FILE` reads every table below; `hearth sim`, " +
	"`hearth hil run` and `hearth tune` read only [control] and [safety]. A key left out keeps its default (the " +
	"reference configuration); an unknown key is refused, so a typo cannot pass silently.\n\n" +
	"- `hearth config defaults` prints the reference configuration as a file, every key with its unit and bound.\n" +
	"- `hearth config show FILE` prints the configuration FILE gives (FILE over the defaults).\n" +
	"- `hearth config check FILE` loads and checks FILE, and names every key that is wrong, with its line.\n\n" +
	"Durations are text: `\"150h\"`, `\"750ms\"`, `\"1h30m\"` (a bare integer is nanoseconds, as older files " +
	"hold them). A key ending in `_s` is seconds as a number, its unit in its name like `_c`, `_k`, `_bar`. A " +
	"bound `[a, b]` includes both ends, `(a, b)` neither; a weekly time (`_at`) is the local time since Monday 00:00.\n"

const loopsIntro = "Each of control's PID loops has a table of package pid's `Config` (docs/pid.md); a file " +
	"names these keys in any case (`kp`, `Kp`). Every loop's output is a speed, a position or a share, 0 to 1; " +
	"its gains are per unit of its measurement. `hearth tune LOOP --write FILE` and the console's `tune apply FILE` " +
	"write `kp`, `ki` and `kd` of one loop, and `setpointweight` and `derivativefilter` where the rule (ms-iae) " +
	"sets them. Beyond the bounds, `pid.Config.Validate` refuses `outmin` not below `outmax`, a `kd` with no `kp` and no " +
	"`derivativefilter`, and a `ki` with no `kp` and no `trackingtime`.\n"

const safetyIntro = "The safety layer's limits and timings (package safety; docs/safety.md explains each). Every " +
	"value must lie within its hard bound, and zero is refused as a missing key; `safety.Config.Validate` also " +
	"refuses a warn limit not below its trip, a hysteresis not below the warn-trip gap, sensor_loss_s under " +
	"stale_s, restore_s under shed_step_s, and a flap_count that is not whole.\n"

const crossIntro = "`core.Config.Validate` refuses a [control] value that would steer the plant where [safety] " +
	"acts, naming both keys:\n\n" +
	"- `control.oil_ceiling_c` at most `safety.oil_in.warn_c`;\n" +
	"- `control.oil_out_max_c` below `safety.oil_out.warn_c`;\n" +
	"- `control.oil_flow_min_lpm` at least the flow safety proves, `safety.min_oil_flow_lpm` x (1 + `safety.flow_meter_accuracy`);\n" +
	"- `control.oil_pump_speed` x `control.oil_pump_max_lpm` at least that flow too;\n" +
	"- `control.oil_pump_max_lpm` and `control.water_pump_max_lpm` equal to safety's;\n" +
	"- `control.tank_target_c` and `control.legionella_c` below `safety.tank.warn_c`;\n" +
	"- `control.curve_flow_a_c` and `control.curve_flow_b_c` below `safety.water_flow.warn_c`;\n" +
	"- `control.stale_s` at most `safety.stale_s`.\n"

// TOML writes c as a configuration file: every table and key, durations as
// text, each key's unit and bound in a comment. Parse reads it back to c.
func (c *Config) TOML() []byte {
	docs := map[string]KeyDoc{}
	for _, k := range Keys() {
		docs[k.Key] = k
	}
	var b bytes.Buffer
	writeTable(&b, "", reflect.ValueOf(c.File()), docs)
	return b.Bytes()
}

var textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()

// writeTable writes v's values, then its sub-tables.
func writeTable(b *bytes.Buffer, path string, v reflect.Value, docs map[string]KeyDoc) {
	t := v.Type()
	var subs []int
	for i := range t.NumField() {
		name := tomlName(t.Field(i))
		fv := v.Field(i)
		if name == "" {
			continue
		}
		if fv.Kind() == reflect.Struct || fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Struct {
			subs = append(subs, i)
			continue
		}
		line := name + " = " + tomlValue(fv)
		if d, ok := docs[join(path, name)]; ok && (d.Unit != "" || d.Bound != "") {
			line += strings.Repeat(" ", max(1, 40-len(line))) + "# " + strings.Trim(d.Unit+"; "+d.Bound, "; ")
		}
		b.WriteString(line + "\n")
	}
	for _, i := range subs {
		key, fv := join(path, tomlName(t.Field(i))), v.Field(i)
		if fv.Kind() == reflect.Struct {
			b.WriteString("\n[" + key + "]\n")
			writeTable(b, key, fv, docs)
			continue
		}
		for j := range fv.Len() {
			b.WriteString("\n[[" + key + "]]\n")
			writeTable(b, key, fv.Index(j), docs)
		}
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// tomlName is the key a field is written under: its toml tag, or its name
// in lower case (pid.Config's fields, which have no tags).
func tomlName(f reflect.StructField) string {
	tag := strings.Split(f.Tag.Get("toml"), ",")[0]
	switch {
	case tag == "-" || !f.IsExported():
		return ""
	case tag != "":
		return tag
	}
	return strings.ToLower(f.Name)
}

func tomlValue(v reflect.Value) string {
	if v.Type().Implements(textMarshaler) {
		t, _ := v.Interface().(encoding.TextMarshaler).MarshalText()
		return tomlString(string(t))
	}
	switch v.Kind() {
	case reflect.String:
		return tomlString(v.String())
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		s := strconv.FormatFloat(v.Float(), 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") { // n: NaN and Inf are written nan, inf below
			s += ".0"
		}
		switch s {
		case "NaN":
			return "nan"
		case "+Inf":
			return "inf"
		case "-Inf":
			return "-inf"
		}
		return s
	}
	panic("daemon: no TOML form for " + v.Type().String())
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\u` + strconv.FormatInt(int64(r)+0x10000, 16)[1:])
		default:
			b.WriteRune(r)
		}
	}
	return b.String() + `"`
}
