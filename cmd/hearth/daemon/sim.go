package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"hearth/hal"
	"hearth/hal/sim"
	"hearth/hil"
	"hearth/hil/plant"
	"hearth/modules"
	"hearth/units"
)

// simPlant is the --sim backend: the simulated plant on the real clock, an
// agent per module on loopback that drives the module's boards, and the
// module channel's Hub, with the relays, as the controller's module power.
type simPlant struct {
	live   *hil.Live
	hub    *modules.Hub
	conns  []*net.UDPConn // the Hub's, then every agent's
	agents []*simAgent
	relays []string // the relay files, when mirrored
	faults []SimFault
	now    func() units.Time
	note   func(string)
}

// inject applies the scheduled faults at their times, and clears them.
func (sp *simPlant) inject(ctx context.Context) {
	start := sp.now()
	on := make([]bool, len(sp.faults))
	done := make([]bool, len(sp.faults))
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		el := sp.now().Sub(start)
		for i, f := range sp.faults {
			switch {
			case !on[i] && !done[i] && el >= f.At:
				on[i] = true
				sp.apply(f, true)
			case on[i] && f.For > 0 && el >= f.At+f.For:
				on[i], done[i] = false, true
				sp.apply(f, false)
			}
		}
	}
}

func (sp *simPlant) apply(f SimFault, on bool) {
	var err error
	sp.live.With(func(pl *plant.Plant) { err = pl.Apply(plant.FaultKind(f.Kind), f.Target, f.Arg, on) })
	what := "injected"
	if !on {
		what = "cleared"
	}
	msg := "sim: fault " + strings.TrimSpace(f.Kind+" "+f.Target) + " " + what
	if err != nil {
		msg += ": " + err.Error()
	}
	sp.note(msg)
}

// newSimPlant builds the plant and the channel. Its modules start
// unpowered: on the Pi the relays are open until the controller closes them.
func newSimPlant(cfg *Config, now func() units.Time, log *slog.Logger, note func(string)) (*simPlant, error) {
	hc, err := simRunConfig(cfg)
	if err != nil {
		return nil, err
	}
	sp := &simPlant{live: hil.NewLive(hc, now), faults: cfg.Sim.Fault, now: now, note: note}
	secret := []byte(nil)
	if cfg.Modules.Secret != "" {
		if secret, err = modules.ParseHex(cfg.Modules.Secret); err != nil {
			return nil, fmt.Errorf("modules.secret: %w", err)
		}
	} else {
		secret = modules.NewHubSecret()
	}
	hconn, err := modules.ListenUDP(cfg.Modules.Listen)
	if err != nil {
		return nil, fmt.Errorf("modules.listen: %w", err)
	}
	sp.conns = append(sp.conns, hconn)
	hubAddr := hconn.LocalAddr().(*net.UDPAddr).AddrPort()
	mods := make([]modules.ModuleConfig, sp.live.Modules())
	for i := range mods {
		id := uint32(i + 1)
		key, err := modules.ModuleKey(secret, id)
		if err != nil {
			sp.close()
			return nil, err
		}
		ac, err := modules.ListenUDP("127.0.0.1:0")
		if err != nil {
			sp.close()
			return nil, err
		}
		sp.conns = append(sp.conns, ac)
		relay := sp.live.ModuleRelay(i)
		if d := cfg.Modules.RelayDir; d != "" {
			path := filepath.Join(d, "module-"+strconv.Itoa(int(id)))
			fs, err := sim.NewFileSwitch(path)
			if err != nil {
				sp.close()
				return nil, fmt.Errorf("modules.relay_dir: %w", err)
			}
			relay = sim.TeeSwitch{A: relay, B: fs}
			sp.relays = append(sp.relays, path)
		}
		mods[i] = modules.ModuleConfig{ID: id, Key: key, Addr: ac.LocalAddr().(*net.UDPAddr).AddrPort(), Relay: relay}
		sp.agents = append(sp.agents, &simAgent{live: sp.live, i: i, conn: ac, now: now, log: log,
			cfg: modules.AgentConfig{Module: id, Key: key, Controller: hubAddr, Speed: cfg.Sim.Speed}})
	}
	hcfg := modules.HubConfig{OffDeadline: cfg.Modules.OffDeadline, Speed: cfg.Sim.Speed}
	if sp.hub, err = modules.NewHub(hcfg, mods, hconn, now, log.With("part", "hub")); err != nil {
		sp.close()
		return nil, err
	}
	return sp, nil
}

// simRunConfig is the bench's run of the configured season, with the
// modules unpowered and the daemon's controller configuration.
func simRunConfig(cfg *Config) (hil.Config, error) {
	hc, err := hil.DefaultConfig(plant.Season(cfg.Sim.Season), cfg.Sim.Seed)
	if err != nil {
		return hil.Config{}, fmt.Errorf("sim.season: %w", err)
	}
	hc.Core = cfg.Control
	hc.Init.ModuleLevel = hal.LevelOff
	if cfg.Sim.Modules > 0 {
		hc.Params.Modules = cfg.Sim.Modules
	}
	if t := cfg.Sim.OilC; t > 0 {
		hc.Init.OilC = t
	}
	if t := cfg.Sim.TankC; t > 0 {
		hc.Init.TankTopC, hc.Init.TankBottomC = t, t
	}
	if d := cfg.Sim.ModuleShutdown; d > 0 {
		hc.Params.ShutdownS = d.Seconds()
	}
	if d := cfg.Sim.ModuleBoot; d > 0 {
		hc.Params.BootS = d.Seconds()
	}
	if hc.Params.Modules < 1 || hc.Params.Modules > hal.MaxModules {
		return hil.Config{}, fmt.Errorf("sim.modules = %d, want 1..%d", hc.Params.Modules, hal.MaxModules)
	}
	return hc, nil
}

// devices returns the plant's devices with the Hub's module power in place
// of the plant's own, each with its feed meter (independent of the agent).
func (sp *simPlant) devices() hal.Devices {
	d := sp.live.Devices()
	for i := range d.Modules {
		d.Modules[i] = hal.MeteredModule{ModulePower: sp.hub.Power(i), Meter: sp.live.ModuleFeed(i)}
	}
	return d
}

// run starts the plant, the Hub and the agents' supervisors.
func (sp *simPlant) run(ctx context.Context, wg *sync.WaitGroup) {
	if len(sp.faults) > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); sp.inject(ctx) }()
	}
	wg.Add(2 + len(sp.agents))
	go func() { defer wg.Done(); sp.live.Run(ctx) }()
	go func() { defer wg.Done(); _ = sp.hub.Run(ctx) }()
	for _, a := range sp.agents {
		go func() { defer wg.Done(); a.supervise(ctx) }()
	}
}

func (sp *simPlant) close() {
	for _, c := range sp.conns {
		_ = c.Close()
	}
}

// simAgent is the agent on one simulated module: it runs while the module's
// boards do, and a board that boots again starts a new agent, with a new
// session, as a real one does.
type simAgent struct {
	live    *hil.Live
	i       int
	conn    *net.UDPConn
	cfg     modules.AgentConfig
	now     func() units.Time
	log     *slog.Logger
	session uint64
}

func (a *simAgent) supervise(ctx context.Context) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	var stop context.CancelFunc
	var done chan struct{}
	for {
		select {
		case <-ctx.Done():
			if stop != nil {
				stop()
				<-done
			}
			return
		case <-t.C:
		}
		up := a.live.ModuleAnswering(a.i)
		switch {
		case up && stop == nil:
			a.session++
			cfg := a.cfg
			cfg.Session = a.session
			ag, err := modules.NewAgent(cfg, gatedConn{a.conn, a}, a.live.ModuleBoard(a.i), a.now, a.log.With("part", "agent"))
			if err != nil {
				a.log.Error("simulated agent not started", "module", cfg.Module, "err", err)
				continue
			}
			var actx context.Context
			actx, stop = context.WithCancel(ctx)
			done = make(chan struct{})
			go func() { defer close(done); _ = ag.Run(actx) }()
		case !up && stop != nil && !a.live.ModulePowered(a.i):
			stop()
			<-done
			stop = nil
		}
	}
}

// gatedConn is an agent's socket that neither sends nor receives while its
// boards are not running: an unpowered board has no network.
type gatedConn struct {
	*net.UDPConn
	a *simAgent
}

func (g gatedConn) WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	if !g.a.live.ModulePowered(g.a.i) {
		return len(b), nil // lost on a dead link
	}
	return g.UDPConn.WriteToUDPAddrPort(b, addr)
}

func (g gatedConn) ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error) {
	for {
		n, addr, err := g.UDPConn.ReadFromUDPAddrPort(b)
		if err != nil || g.a.live.ModulePowered(g.a.i) {
			return n, addr, err
		}
	}
}
