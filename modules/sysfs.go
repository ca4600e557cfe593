package modules

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"hearth/hal"
	"hearth/units"
)

// SysfsConfig configures a SysfsBoard.
type SysfsConfig struct {
	// Root is where sysfs is mounted: "/sys" on a board, a temp dir in tests.
	Root string
	// IdlePower and FullPower estimate the board's draw from its level when
	// there is no PowerFile (docs/domain.md: a Pi-class board 3 W idle, 7 W flat out).
	IdlePower, FullPower units.Watt
	// PowerFile, if set, holds the measured draw in microwatts (an hwmon
	// power*_input, relative to Root unless absolute).
	PowerFile string
	// OnLevel runs after every level is applied (stop or start a workload, a
	// systemd unit). It must not block: run slow work in the background.
	OnLevel func(hal.Level)
	// OnShutdown starts the board's shutdown. It must not block for long.
	OnShutdown func() error
}

// cpuFreq is one cpufreq policy (one or more CPUs that share a clock),
// frequencies in kHz as sysfs has them.
type cpuFreq struct {
	maxPath        string
	minKHz, maxKHz uint64
	avail          []uint64 // scaling_available_frequencies, ascending; may be empty
}

// SysfsBoard applies levels by capping every CPU's scaling_max_freq (once
// per cpufreq policy: the four cores of a Pi share one): idle,
// off and cut cap at cpuinfo_min_freq; 25..100 % cap at that share of the span
// from the minimum to cpuinfo_max_freq, rounded down to an available
// frequency. It is used from one goroutine (the agent's, under its lock).
type SysfsBoard struct {
	cfg   SysfsConfig
	ncpu  int
	cpus  []cpuFreq // one per policy
	zones []string
	level hal.Level
	buf   []byte
}

var _ Board = (*SysfsBoard)(nil)

// OpenSysfs finds the CPUs' cpufreq policies and the thermal zones under
// cfg.Root. It fails if there is no CPU whose frequency it can cap.
func OpenSysfs(cfg SysfsConfig) (*SysfsBoard, error) {
	if cfg.Root == "" {
		cfg.Root = "/sys"
	}
	if cfg.PowerFile != "" && !filepath.IsAbs(cfg.PowerFile) {
		cfg.PowerFile = filepath.Join(cfg.Root, cfg.PowerFile)
	}
	dirs, _ := filepath.Glob(filepath.Join(cfg.Root, "devices/system/cpu/cpu[0-9]*/cpufreq"))
	if len(dirs) == 0 {
		return nil, fmt.Errorf("modules: no cpufreq under %s/devices/system/cpu", cfg.Root)
	}
	b := &SysfsBoard{cfg: cfg, ncpu: len(dirs), level: hal.Level100, buf: make([]byte, 0, 24)}
	seen := map[string]bool{}
	for _, d := range dirs {
		// cpuN/cpufreq is a link to the policy the CPU belongs to.
		if real, err := filepath.EvalSymlinks(d); err == nil {
			d = real
		}
		if seen[d] {
			continue
		}
		seen[d] = true
		c := cpuFreq{maxPath: filepath.Join(d, "scaling_max_freq")}
		var err error
		if c.minKHz, err = readUint(filepath.Join(d, "cpuinfo_min_freq")); err != nil {
			return nil, err
		}
		if c.maxKHz, err = readUint(filepath.Join(d, "cpuinfo_max_freq")); err != nil {
			return nil, err
		}
		if c.maxKHz < c.minKHz {
			return nil, fmt.Errorf("modules: %s: cpuinfo_max_freq %d below cpuinfo_min_freq %d", d, c.maxKHz, c.minKHz)
		}
		if raw, err := os.ReadFile(filepath.Join(d, "scaling_available_frequencies")); err == nil {
			for _, f := range strings.Fields(string(raw)) {
				if v, err := strconv.ParseUint(f, 10, 64); err == nil {
					c.avail = append(c.avail, v)
				}
			}
			slices.Sort(c.avail)
		}
		if _, err := os.Stat(c.maxPath); err != nil {
			return nil, fmt.Errorf("modules: cannot cap CPU frequency: %w", err)
		}
		b.cpus = append(b.cpus, c)
	}
	b.zones, _ = filepath.Glob(filepath.Join(cfg.Root, "class/thermal/thermal_zone[0-9]*/temp"))
	return b, nil
}

// CPUs returns how many CPUs the board caps.
func (b *SysfsBoard) CPUs() int { return b.ncpu }

// Policies returns how many cpufreq policies the CPUs share.
func (b *SysfsBoard) Policies() int { return len(b.cpus) }

// FreqKHz returns the cap the i-th policy gets at level l.
func (b *SysfsBoard) FreqKHz(i int, l hal.Level) uint64 {
	c := &b.cpus[i]
	frac, powered := l.Fraction()
	if !powered {
		frac = 0
	}
	f := c.minKHz + uint64(math.Floor(float64(frac)*float64(c.maxKHz-c.minKHz)))
	if n := len(c.avail); n > 0 {
		j, _ := slices.BinarySearch(c.avail, f+1) // first above f
		if j > 0 {
			f = max(c.avail[j-1], c.minKHz)
		}
	}
	return f
}

// Apply caps every CPU for level l, then runs the OnLevel hook. It tries
// every CPU even if one fails and returns the first error.
func (b *SysfsBoard) Apply(l hal.Level) error {
	var first error
	for i := range b.cpus {
		b.buf = strconv.AppendUint(b.buf[:0], b.FreqKHz(i, l), 10)
		b.buf = append(b.buf, '\n')
		if err := writeFile(b.cpus[i].maxPath, b.buf); err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		return first
	}
	b.level = l
	if b.cfg.OnLevel != nil {
		b.cfg.OnLevel(l)
	}
	return nil
}

// Shutdown runs the OnShutdown hook.
func (b *SysfsBoard) Shutdown() error {
	if b.cfg.OnShutdown == nil {
		return errors.New("modules: no shutdown command configured")
	}
	return b.cfg.OnShutdown()
}

// Measure returns the measured draw (or the estimate from the level) and the
// hottest thermal zone (NaN if none can be read).
func (b *SysfsBoard) Measure() (units.Watt, units.Celsius) {
	var p units.Watt
	if b.cfg.PowerFile != "" {
		if uw, err := readUint(b.cfg.PowerFile); err == nil {
			p = units.Watt(float64(uw) / 1e6)
		}
	} else if frac, powered := b.level.Fraction(); powered {
		p = b.cfg.IdlePower + units.Watt(frac)*(b.cfg.FullPower-b.cfg.IdlePower)
	} else {
		p = b.cfg.IdlePower // shutting down: still drawing until the power goes
	}
	t := units.Celsius(math.NaN())
	for _, z := range b.zones {
		raw, err := os.ReadFile(z)
		if err != nil {
			continue
		}
		mc, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
		if err != nil {
			continue
		}
		if c := units.Celsius(float64(mc) / 1000); math.IsNaN(float64(t)) || c > t {
			t = c
		}
	}
	return p, t
}

func readUint(path string) (uint64, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(raw)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("modules: %s: %w", path, err)
	}
	return v, nil
}

// writeFile writes an existing file: a missing cpufreq file is an error, not
// something to create.
func writeFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// FakeSysfs lays out a cpufreq and thermal tree under root as a Pi's sysfs
// has it: cpus CPUs sharing one policy (cpuN/cpufreq links to
// cpufreq/policy0) from minKHz to maxKHz, and one thermal zone at tempC.
// Tests and drills point SysfsConfig.Root at it.
func FakeSysfs(root string, cpus int, minKHz, maxKHz uint64, tempC float64) error {
	cpuDir := filepath.Join(root, "devices/system/cpu")
	policy := filepath.Join(cpuDir, "cpufreq/policy0")
	if err := os.MkdirAll(policy, 0o755); err != nil {
		return err
	}
	for name, v := range map[string]uint64{
		"cpuinfo_min_freq": minKHz, "cpuinfo_max_freq": maxKHz, "scaling_max_freq": maxKHz,
	} {
		if err := os.WriteFile(filepath.Join(policy, name), []byte(strconv.FormatUint(v, 10)+"\n"), 0o644); err != nil {
			return err
		}
	}
	for i := range cpus {
		d := filepath.Join(cpuDir, "cpu"+strconv.Itoa(i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		if err := os.Symlink("../cpufreq/policy0", filepath.Join(d, "cpufreq")); err != nil {
			return err
		}
	}
	z := filepath.Join(root, "class/thermal/thermal_zone0")
	if err := os.MkdirAll(z, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(z, "temp"), []byte(strconv.Itoa(int(math.Round(tempC*1000)))+"\n"), 0o644)
}
