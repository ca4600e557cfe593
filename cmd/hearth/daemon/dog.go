package daemon

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"hearth/hal/watchdog"
	"hearth/hal/watchdog/wdtest"
)

// openWatchdog arms the one watchdog the configuration names. With --sim and
// sim.watchdog set, the daemon first plays the simulated hub's hardware
// watchdog on the configured device path (a FIFO it makes): when it fires,
// the simulated plant is de-energised as the real Pi's reset de-energises
// the real one. A test that plays the hardware itself leaves sim.watchdog
// off and makes the FIFO.
func (d *daemon) openWatchdog() error {
	wc := d.cfg.Watchdog.hal()
	if d.cfg.Sim.Watchdog && d.sim == nil {
		return fmt.Errorf("sim.watchdog needs --sim")
	}
	if d.cfg.Sim.Watchdog {
		if wc.Kind != watchdog.KindDevice {
			return fmt.Errorf("sim.watchdog needs watchdog.kind = %q", watchdog.KindDevice)
		}
		path := wc.Device
		if !filepath.IsAbs(path) {
			path = filepath.Join(d.cfg.Daemon.StateDir, path)
			wc.Device = path
		}
		_ = os.Remove(path) // a FIFO left by an earlier run
		emu, err := wdtest.NewEmulator(path, time.Duration(wc.Timeout), d.sim.live.Deenergise)
		if err != nil {
			return fmt.Errorf("sim.watchdog: %w", err)
		}
		d.emu = stopper{emu}
	}
	dog, err := watchdog.Open(wc)
	if err != nil {
		return err
	}
	d.dog = dog
	if dog.Emulated() {
		d.log.Warn().Str("watchdog", dog.String()).Msg("the watchdog device is emulated: nothing will reset this machine")
	}
	return nil
}

type stopper struct{ e *wdtest.Emulator }

func (s stopper) Close() error { s.e.Stop(); return nil }
