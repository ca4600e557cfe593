package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"hearth/hal"
	"hearth/hal/board"
	"hearth/modules"
	"hearth/units"
)

// hardware is what the daemon runs against: the simulated plant (--sim) or
// the hub's hardware (a board file).
type hardware interface {
	devices() hal.Devices
	run(ctx context.Context, wg *sync.WaitGroup)
	close()
}

// hwPlant is the hub's hardware: its board opened through periph.io's host
// drivers, and the module channel's Hub driving the board's contactors.
type hwPlant struct {
	board  *board.Hub
	hub    *modules.Hub
	conn   *net.UDPConn
	unlock func()
	ev     *events
}

// newHWPlant takes the board's lock, opens the board and the module
// channel. A channel that cannot be opened does not stop the daemon: it is
// a fault event, and its device reads missing, so the safety layer holds
// the plant safe (and says why) rather than the daemon not starting at all.
func newHWPlant(cfg *Config, reg board.Registry, now func() units.Time, log *slog.Logger, ev *events) (*hwPlant, error) {
	f, err := board.Load(cfg.Daemon.Board)
	if err != nil {
		return nil, fmt.Errorf("daemon.board: %w", err)
	}
	secret, err := modules.ParseHex(cfg.Modules.Secret)
	if err != nil || len(secret) == 0 {
		return nil, fmt.Errorf("modules.secret: the hub secret is required on the hub (hearth modules secret): %v", err)
	}
	unlock, err := board.Lock(cfg.Daemon.BoardLock)
	if err != nil {
		return nil, err
	}
	hp := &hwPlant{unlock: unlock, ev: ev}
	hp.board = board.Open(f, reg, now)
	for _, c := range hp.board.Channels {
		if c.Missing() {
			hp.fault(fmt.Sprintf("board: %s missing (%s): %v", c.Name, c.Wired, c.Err))
		}
	}
	mods, err := hp.moduleConfigs(cfg, secret)
	if err == nil {
		hp.conn, err = modules.ListenUDP(cfg.Modules.Listen)
	}
	if err == nil {
		hp.hub, err = modules.NewHub(modules.HubConfig{OffDeadline: cfg.Modules.OffDeadline}, mods, hp.conn, now,
			log.With("part", "hub"))
	}
	if err != nil {
		hp.close()
		return nil, err
	}
	return hp, nil
}

// moduleConfigs pairs the board's modules (contactor, feed meter) with the
// configuration's (the agent's address), by id: each must be in both.
func (hp *hwPlant) moduleConfigs(cfg *Config, secret []byte) ([]modules.ModuleConfig, error) {
	addrs := map[uint32]string{}
	for _, m := range cfg.Modules.Module {
		addrs[m.ID] = m.Addr
	}
	var out []modules.ModuleConfig
	for i, id := range hp.board.IDs {
		a, ok := addrs[id]
		if !ok {
			return nil, fmt.Errorf("modules.module: module %d is on the board but has no [[modules.module]] entry", id)
		}
		delete(addrs, id)
		ap, err := netip.ParseAddrPort(a)
		if err != nil {
			return nil, fmt.Errorf("modules.module id %d: addr %q: %w", id, a, err)
		}
		key, err := modules.ModuleKey(secret, id)
		if err != nil {
			return nil, err
		}
		out = append(out, modules.ModuleConfig{ID: id, Key: key, Addr: ap, Relay: hp.board.Relays[i]})
	}
	for id := range addrs {
		return nil, fmt.Errorf("modules.module: module %d is configured but not on the board", id)
	}
	return out, nil
}

func (hp *hwPlant) fault(text string) {
	hp.ev.send(event{kind: evHardware, wall: time.Now(), text: text})
}

// devices returns the board's devices with the module channel's power in
// place of the modules', each with its feed meter.
func (hp *hwPlant) devices() hal.Devices {
	d := hp.board.Dev
	d.Modules = make([]hal.ModulePower, len(hp.board.Feeds))
	for i := range d.Modules {
		d.Modules[i] = hal.MeteredModule{ModulePower: hp.hub.Power(i), Meter: hp.board.Feeds[i]}
	}
	return d
}

// run starts the board's edge counters and chip checks (every second: a
// brown-out found is a fault event) and the module channel.
func (hp *hwPlant) run(ctx context.Context, wg *sync.WaitGroup) {
	hp.board.Run(ctx, wg, units.Second, func(what string, err error) {
		if err != nil {
			what += fmt.Sprintf(" (check failed: %v)", err)
		}
		hp.fault("board: " + what)
	})
	wg.Add(1)
	go func() { defer wg.Done(); _ = hp.hub.Run(ctx) }()
}

func (hp *hwPlant) close() {
	if hp.conn != nil {
		hp.conn.Close()
	}
	if hp.board != nil {
		hp.board.Close()
	}
	hp.unlock()
}
