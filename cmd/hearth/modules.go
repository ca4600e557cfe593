package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"time"

	"hearth/hal"
	"hearth/modules"
	"hearth/modules/drill"
)

func init() {
	register("modules", "module channel tools: drill, key, secret", runModules)
}

const modulesUsage = `usage: hearth modules SUBCOMMAND [flags]

subcommands:
  drill    run N agents on loopback through a shed-then-trip drill
  key      print a module's key, derived from the hub secret, for its agent
  secret   print a new random hub secret (hex)

Run 'hearth modules SUBCOMMAND -h' for its flags.
`

func runModules(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, modulesUsage)
		return 2
	}
	switch args[0] {
	case "drill":
		return runModulesDrill(args[1:], stdout, stderr)
	case "key":
		return runModulesKey(args[1:], stdout, stderr)
	case "secret":
		c := newCmd("hearth modules secret", "")
		c.about = "Prints a new random hub secret (hex)."
		pos, code, ok := c.parse(args[1:], stdout, stderr)
		if !ok {
			return code
		}
		if !c.noArgs(pos, stderr) {
			return 2
		}
		fmt.Fprintln(stdout, hex.EncodeToString(modules.NewHubSecret()))
		return 0
	case "help", "-h", "--help", "-help":
		if len(args) > 1 && (args[1] == "drill" || args[1] == "key" || args[1] == "secret") {
			return runModules([]string{args[1], "--help"}, stdout, stderr)
		}
		fmt.Fprint(stdout, modulesUsage)
		return 0
	}
	fmt.Fprintf(stderr, "hearth modules: unknown subcommand %q\n%s", args[0], modulesUsage)
	return 2
}

func runModulesDrill(args []string, stdout, stderr io.Writer) int {
	c := newCmd("hearth modules drill", "[flags]")
	fs := c.FlagSet
	agents := c.intIn("sim-agents", 64, 1, 4096, "agents to start on loopback, each with its own socket and cpufreq tree")
	loss := fs.Float64("loss", 0, "probability of dropping each datagram, in each direction (0 <= P < 1)")
	c.check("loss", func() bool { return *loss >= 0 && *loss < 1 }, "must be a probability, 0 <= P < 1")
	seed := fs.Uint64("seed", 1, "seed of the loss: the same seed drops the same datagrams")
	shed := fs.String("shed", "25%", "level of the shed command: idle, 25%, 50% or 75%")
	timeout := fs.Duration("timeout", 10*time.Second, "longest wait for every agent in each phase")
	c.check("timeout", func() bool { return *timeout > 0 }, "must be above 0")
	cpus := c.intIn("cpus", 4, 1, 256, "CPUs in each simulated board")
	dir := fs.String("dir", "", "where the simulated sysfs trees go (default: a temp dir on tmpfs, removed after)")
	asJSON := fs.Bool("json", false, "print exactly one JSON object on stdout")
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if !c.noArgs(pos, stderr) {
		return 2
	}
	level, err := parseLevel(*shed)
	if err != nil {
		fmt.Fprintln(stderr, "hearth modules drill:", err)
		return 2
	}
	cfg := drill.Config{Agents: *agents, Loss: *loss, Seed: *seed, Shed: level, PhaseTimeout: *timeout,
		CPUs: *cpus, Dir: *dir}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, "hearth modules drill:", err)
		return 2
	}
	if !*asJSON {
		cfg.Log = slog.New(slog.NewTextHandler(stderr, nil))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := drill.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "hearth modules drill:", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(res); err != nil {
			fmt.Fprintln(stderr, "hearth modules drill:", err)
			return 1
		}
	} else {
		printDrill(stdout, &res)
	}
	if !res.OK() {
		fmt.Fprintln(stderr, "hearth modules drill: FAILED: an agent did not confirm, or an attack was not rejected")
		return 1
	}
	return 0
}

func printDrill(w io.Writer, r *drill.Result) {
	opt := func(v *float64) string {
		if v == nil {
			return "never (some agents unconfirmed)"
		}
		return fmt.Sprintf("%.1f ms", *v)
	}
	fmt.Fprintf(w, "agents %d, loss %.0f %% each way, seed %d\n", r.Agents, 100*r.Loss, r.Seed)
	fmt.Fprintf(w, "  lease at 100 %%:   every agent in %.1f ms\n", r.SetupMs)
	fmt.Fprintf(w, "  shed to %-5s     confirmed by all in %s (p50 %.1f, p99 %.1f ms), applied by all in %s\n",
		r.ShedLevel+":", opt(r.ThrottleAllMs), r.ThrottleP50Ms, r.ThrottleP99Ms, opt(r.ThrottleAppliedAllMs))
	fmt.Fprintf(w, "  trip (cut):       relays open in %.1f ms; confirmed by all in %s (p50 %.1f, p99 %.1f ms), applied by all in %s\n",
		r.RelayOpenAllMs, opt(r.KillAllMs), r.KillP50Ms, r.KillP99Ms, opt(r.KillAppliedAllMs))
	fmt.Fprintf(w, "  unconfirmed:      %d\n", r.Unconfirmed)
	fmt.Fprintf(w, "  attacks:          %d sent; rejected by the agents: %d forged, %d cross-module, %d replayed; %d effective\n",
		r.ForgeriesSent, r.ForgedRejected, r.CrossModuleRejected, r.ReplayedRejected, r.AttacksEffective)
	fmt.Fprintf(w, "  forged reports:   %d sent, %d rejected by the controller\n", r.ControllerForgeriesSent, r.ControllerForgedRejected)
	fmt.Fprintf(w, "  datagrams:        to agents %d (%d lost), to controller %d (%d lost); %d retransmissions, %d escalations\n",
		r.SentToAgents, r.LostToAgent, r.SentToController, r.LostToController, r.Retransmits, r.Escalations)
}

func parseLevel(s string) (hal.Level, error) {
	switch strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "%") {
	case "idle":
		return hal.LevelIdle, nil
	case "25":
		return hal.Level25, nil
	case "50":
		return hal.Level50, nil
	case "75":
		return hal.Level75, nil
	}
	return 0, fmt.Errorf("shed level %q: want idle, 25%%, 50%% or 75%%", s)
}

func runModulesKey(args []string, stdout, stderr io.Writer) int {
	c := newCmd("hearth modules key", "--hub-secret-file FILE --module ID")
	secretFile := c.String("hub-secret-file", "", "file holding the hub secret in hex (see 'hearth modules secret')")
	module := c.Uint("module", 0, "module id (1..4294967295)")
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 || *secretFile == "" || *module == 0 || *module > 1<<32-1 {
		fmt.Fprintln(stderr, "hearth modules key: need --hub-secret-file and --module 1..4294967295")
		return 2
	}
	secret, err := modules.ReadHubSecret(*secretFile)
	if err != nil {
		fmt.Fprintln(stderr, "hearth modules key:", err)
		return 1
	}
	k, err := modules.ModuleKey(secret, uint32(*module))
	if err != nil {
		fmt.Fprintln(stderr, "hearth modules key:", err)
		return 1
	}
	fmt.Fprintln(stdout, k.Hex())
	return 0
}
