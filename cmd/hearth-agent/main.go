// Command hearth-agent runs on every compute board (or on a module's manager)
// and is the module end of Hearth's lease channel: it runs the board at the
// level the controller's authenticated lease permits, by capping the CPU
// frequency through cpufreq and by an optional hook (stop a workload, a
// systemd unit); when the lease expires it idles at once and, after a grace
// period, runs the shutdown command. It logs every decision (log/slog) and
// never exits without saying why.
//
// Run it under a supervisor that restarts it (systemd Restart=always): while
// it is not running, nothing enforces a lease on the board. See
// docs/modules.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"hearth/hal"
	"hearth/modules"
	"hearth/units"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// defaultSessionFile is where the session is kept unless --session-file says
// otherwise (systemd: StateDirectory=hearth-agent).
const defaultSessionFile = "/var/lib/hearth-agent/session"

type options struct {
	module                  uint
	keyFile                 string
	listen, controller      string
	sysfsRoot               string
	levelHook, shutdownCmd  string
	hookTimeout             time.Duration
	grace, maxLease, report time.Duration
	sessionFile             string
	idleW, fullW            float64
	powerFile               string
	logFormat, logLevel     string
}

func parse(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("hearth-agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.UintVar(&o.module, "module", 0, "this module's id (required)")
	fs.StringVar(&o.keyFile, "key-file", "", "file holding this module's key in hex, from 'hearth modules key' (required)")
	fs.StringVar(&o.listen, "listen", ":7701", "UDP address to receive leases on")
	fs.StringVar(&o.controller, "controller", "", "controller's UDP address, host:port, where reports go (required)")
	fs.StringVar(&o.sysfsRoot, "sysfs-root", "/sys", "where sysfs is mounted (cpufreq and thermal zones)")
	fs.StringVar(&o.levelHook, "level-hook", "", "shell command run after every level change, with HEARTH_LEVEL=idle|25%|50%|75%|100%|off|cut and HEARTH_MODULE set")
	fs.DurationVar(&o.hookTimeout, "hook-timeout", 30*time.Second, "longest a level hook may run before it is killed")
	fs.StringVar(&o.shutdownCmd, "shutdown-cmd", "systemctl poweroff", "shell command that shuts the board down")
	fs.DurationVar(&o.grace, "grace", 30*time.Second, "how long to idle without a lease before running the shutdown command")
	fs.DurationVar(&o.maxLease, "max-lease", 10*time.Second, "longest lease honoured, whatever the controller says")
	fs.DurationVar(&o.report, "report-every", time.Second, "heartbeat report period while leased")
	fs.StringVar(&o.sessionFile, "session-file", defaultSessionFile, "file keeping the last session number, in a directory that must exist: every run takes the next one, so a lease recorded before a restart is refused after it")
	fs.Float64Var(&o.idleW, "idle-w", 3, "board draw at idle in W, to estimate power without --power-file")
	fs.Float64Var(&o.fullW, "full-w", 7, "board draw flat out in W")
	fs.StringVar(&o.powerFile, "power-file", "", "file with the measured draw in microwatts (hwmon power*_input), relative to --sysfs-root unless absolute")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug (every renewal), info, warn")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.module == 0 || o.module > 1<<32-1:
		return nil, errors.New("--module must be 1..4294967295")
	case o.keyFile == "":
		return nil, errors.New("--key-file is required")
	case o.sessionFile == "":
		return nil, errors.New("--session-file is required: without it a restarted agent could accept a lease recorded before it restarted")
	case o.controller == "":
		return nil, errors.New("--controller is required")
	case o.grace <= 0 || o.maxLease <= 0 || o.report <= 0 || o.hookTimeout <= 0:
		return nil, errors.New("--grace, --max-lease, --report-every and --hook-timeout must be positive")
	case strings.TrimSpace(o.shutdownCmd) == "":
		return nil, errors.New("--shutdown-cmd must not be empty: without it the dead man's switch cannot finish its job")
	case o.logFormat != "text" && o.logFormat != "json":
		return nil, fmt.Errorf("--log-format %q: want text or json", o.logFormat)
	}
	return o, nil
}

func newLogger(o *options, w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(o.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	hopts := &slog.HandlerOptions{Level: lvl}
	if o.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, hopts)), nil
	}
	return slog.New(slog.NewTextHandler(w, hopts)), nil
}

func run(args []string, stderr io.Writer) (code int) {
	o, err := parse(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "hearth-agent:", err)
		}
		return 2
	}
	log, err := newLogger(o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "hearth-agent:", err)
		return 2
	}
	base := log
	log = log.With("module", o.module)
	defer func() {
		if p := recover(); p != nil {
			log.Error("agent panicked", "panic", p)
			panic(p)
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, o, base, log); err != nil {
		log.Error("agent exiting on error", "err", err)
		return 1
	}
	log.Info("agent exiting", "why", context.Cause(ctx))
	return 0
}

// serve runs the agent; base is the logger the agent adds its module to.
func serve(ctx context.Context, o *options, base, log *slog.Logger) error {
	key, err := modules.ReadKey(o.keyFile)
	if err != nil {
		return fmt.Errorf("key: %w", err)
	}
	caddr, err := net.ResolveUDPAddr("udp", o.controller)
	if err != nil {
		return fmt.Errorf("--controller: %w", err)
	}
	h := &hooks{log: log, levelCmd: o.levelHook, shutdownCmd: o.shutdownCmd, timeout: o.hookTimeout,
		module: o.module, levels: make(chan hal.Level, 1)}
	board, err := modules.OpenSysfs(modules.SysfsConfig{
		Root: o.sysfsRoot, IdlePower: units.Watt(o.idleW), FullPower: units.Watt(o.fullW), PowerFile: o.powerFile,
		OnLevel: h.onLevel, OnShutdown: h.shutdown,
	})
	if err != nil {
		return err
	}
	session, err := nextSession(o.sessionFile, log)
	if err != nil {
		// Refusing to start must not leave the board at the cap of the last run.
		if aerr := board.Apply(hal.LevelIdle); aerr != nil {
			log.Error("could not cap the board at idle", "err", aerr)
		}
		return err
	}
	conn, err := modules.ListenUDP(o.listen)
	if err != nil {
		return err
	}
	defer conn.Close()
	log.Info("agent listening", "addr", conn.LocalAddr().String(), "controller", caddr.String(),
		"cpus", board.CPUs(), "cpufreq_policies", board.Policies(), "grace", o.grace, "shutdown_cmd", o.shutdownCmd,
		"level_hook", o.levelHook)

	start := time.Now()
	now := func() units.Time { return units.Time(time.Since(start)) }
	agent, err := modules.NewAgent(modules.AgentConfig{
		Module: uint32(o.module), Key: key, Session: session, Controller: netip.AddrPortFrom(caddr.AddrPort().Addr().Unmap(), caddr.AddrPort().Port()),
		Grace: units.Duration(o.grace), MaxLease: units.Duration(o.maxLease), ReportEvery: units.Duration(o.report),
	}, conn, board, now, base)
	if err != nil {
		return err
	}
	if h.levelCmd != "" {
		go h.levelWorker(ctx)
	}
	return agent.Run(ctx)
}

// nextSession takes this run's session from the session file: one above the
// last run's, saved durably before it is used (modules.NextSessionFile). A
// file it cannot trust stops the agent: a guessed session could repeat one.
func nextSession(path string, log *slog.Logger) (uint64, error) {
	s, err := modules.NextSessionFile(path)
	if err != nil {
		return 0, fmt.Errorf("--session-file: %w", err)
	}
	log.Info("session", "session", s, "file", filepath.Clean(path))
	return s, nil
}

// hooks runs the shell commands. A level hook runs in the background, one at
// a time, and only the latest level waits its turn: a slow hook never delays
// the cpufreq cap, which the board applies before calling it.
type hooks struct {
	log         *slog.Logger
	levelCmd    string
	shutdownCmd string
	timeout     time.Duration
	module      uint
	levels      chan hal.Level // capacity 1: the latest level not yet hooked
	shutting    atomic.Bool
}

func (h *hooks) onLevel(l hal.Level) {
	if h.levelCmd == "" {
		return
	}
	for {
		select {
		case h.levels <- l:
			return
		default:
			select { // drop the stale pending level and retry
			case old := <-h.levels:
				h.log.Info("level hook superseded before it ran", "level", old, "by", l)
			default:
			}
		}
	}
}

func (h *hooks) levelWorker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case l := <-h.levels:
			h.runLevelHook(ctx, l)
		}
	}
}

func (h *hooks) runLevelHook(ctx context.Context, l hal.Level) {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", h.levelCmd)
	cmd.Env = append(os.Environ(), "HEARTH_LEVEL="+l.String(), "HEARTH_MODULE="+strconv.FormatUint(uint64(h.module), 10))
	h.log.Info("level hook running", "level", l, "cmd", h.levelCmd)
	t := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		h.log.Error("level hook failed", "level", l, "err", err, "took", time.Since(t), "output", trim(out))
		return
	}
	h.log.Info("level hook done", "level", l, "took", time.Since(t), "output", trim(out))
}

// shutdown starts the shutdown command in the background and returns. If
// the command fails it is run again every shutdownRetry until it succeeds:
// a board that should be off must not quietly stay on.
func (h *hooks) shutdown() error {
	if !h.shutting.CompareAndSwap(false, true) {
		h.log.Warn("shutdown command already running")
		return nil
	}
	if _, err := os.Stat("/bin/sh"); err != nil {
		h.shutting.Store(false)
		return err
	}
	go func() {
		for attempt := 1; ; attempt++ {
			cmd := exec.Command("/bin/sh", "-c", h.shutdownCmd)
			cmd.Env = append(os.Environ(), "HEARTH_MODULE="+strconv.FormatUint(uint64(h.module), 10))
			h.log.Warn("shutdown command running", "cmd", h.shutdownCmd, "attempt", attempt)
			out, err := cmd.CombinedOutput()
			if err == nil {
				h.log.Warn("shutdown command finished", "cmd", h.shutdownCmd, "output", trim(out))
				return
			}
			h.log.Error("shutdown command failed: retrying", "cmd", h.shutdownCmd, "err", err,
				"output", trim(out), "retry_in", shutdownRetry)
			time.Sleep(shutdownRetry)
		}
	}()
	return nil
}

// shutdownRetry is how long after a failed shutdown command it runs again.
const shutdownRetry = 10 * time.Second

func trim(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 512 {
		s = s[:512] + "..."
	}
	return s
}
