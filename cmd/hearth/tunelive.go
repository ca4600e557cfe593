package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"hearth/cmd/hearth/console"
	"hearth/core/livetune"
)

// liveFlags are tune's flags for the running daemon's plant.
type liveFlags struct {
	device, passFile *string
	baud             *int
	within, every    *time.Duration
}

func addLiveFlags(c *cmdFlags) *liveFlags {
	f := &liveFlags{}
	f.device = c.String("console", "", "tune the running daemon's loop (hearth run, --sim or the hub's) over its serial console at this device, under its safety layer, instead of an isolated simulated loop")
	f.baud = c.intIn("baud", console.DefaultBaud, 1200, 4000000, "with --console: the line's speed")
	f.passFile = c.String("passphrase-file", "", "with --console: a file whose first line is the engineer's passphrase (default: $HEARTH_PASSPHRASE)")
	f.within = c.positiveDuration("within", 6*time.Hour, "with --console: abort the session if it has not ended by then")
	f.every = c.positiveDuration("every", 5*time.Second, "with --console: between status polls")
	return f
}

// tuneLiveJSON is --console --json's answer: the session's last status
// (console.TuneView's fields) and, as the simulated tune has them,
// recommended, recommended_reason and config.
type tuneLiveJSON struct {
	console.TuneView
	Device            string      `json:"device"`
	Recommended       string      `json:"recommended"`
	RecommendedReason string      `json:"recommended_reason"`
	Config            *configJSON `json:"config,omitempty"`
	Error             string      `json:"error,omitempty"`
}

func passphraseFor(f *liveFlags) (string, error) {
	if *f.passFile == "" {
		return os.Getenv("HEARTH_PASSPHRASE"), nil
	}
	b, err := os.ReadFile(*f.passFile)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSuffix(line, "\r"), nil
}

// runTuneLive runs `hearth tune LOOP --console DEVICE`: login, tune start,
// the session followed to its end (progress on stderr unless --json),
// tune abort on SIGINT or SIGTERM, and with --write the snippet written
// here from the gains the daemon chose and put in.
func runTuneLive(loop string, f *liveFlags, write string, asJSON bool, stdout, stderr io.Writer) int {
	fail := func(j tuneLiveJSON, err error) int {
		if asJSON {
			j.Device, j.Error = *f.device, err.Error()
			if j.Loop == "" {
				j.Loop = loop
			}
			_ = json.NewEncoder(stdout).Encode(j)
		}
		fmt.Fprintf(stderr, "hearth tune %s --console %s: %v\n", loop, *f.device, err)
		return 1
	}
	if _, err := livetune.ParseLoop(loop); err != nil {
		fmt.Fprintln(stderr, "hearth tune:", err)
		return 2
	}
	pass, err := passphraseFor(f)
	if err != nil {
		fmt.Fprintln(stderr, "hearth tune:", err)
		return 2
	}
	cl, err := console.Dial(console.Serial(*f.device, *f.baud))
	if err != nil {
		return fail(tuneLiveJSON{}, fmt.Errorf("open %s: %w", *f.device, err))
	}
	defer cl.Close()
	if err := cl.Ready(); err != nil {
		return fail(tuneLiveJSON{}, err)
	}
	if pass != "" {
		if err := cl.Login(pass); err != nil {
			return fail(tuneLiveJSON{}, err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	v, err := cl.Tune(ctx, loop, console.TuneOptions{Every: *f.every, Within: *f.within, Progress: func(v console.TuneView) {
		if !asJSON {
			phase := v.Phase
			if v.Settling {
				phase += fmt.Sprintf(" (settling %.3g K below, at %.2f)", v.OffsetK, v.Setpoint)
			}
			fmt.Fprintf(stderr, "tune %s: %s, %d cycles, %.1f min of plant time (%s)\n",
				loop, phase, v.Cycles, v.ElapsedS/60, time.Since(start).Round(time.Second))
		}
	}})
	j := tuneLiveJSON{TuneView: v, Device: *f.device, Recommended: v.Rule, RecommendedReason: v.Reason}
	if err != nil {
		return fail(j, err)
	}
	if write != "" {
		if j.Config, err = writeLiveGains(write, &v); err != nil {
			return fail(j, err)
		}
	}
	if asJSON {
		if err := json.NewEncoder(stdout).Encode(j); err != nil {
			fmt.Fprintln(stderr, "hearth tune:", err)
			return 1
		}
		return 0
	}
	printTuneLive(stdout, &j)
	return 0
}

// writeLiveGains writes the session's gains as hearth tune --write does.
func writeLiveGains(path string, v *console.TuneView) (*configJSON, error) {
	section, err := console.WriteTuneFile(path, v, "hearth tune "+v.Loop+" --console")
	if err != nil {
		return nil, err
	}
	return &configJSON{File: path, Section: section, Rule: v.Rule}, nil
}

func printTuneLive(w io.Writer, j *tuneLiveJSON) {
	fmt.Fprintf(w, "tune %s over %s: done, %d cycles in %.1f min of plant time\n", j.Loop, j.Device, j.Cycles, j.ElapsedS/60)
	if j.Ku != nil && j.TuS != nil {
		fmt.Fprintf(w, "  Ku %.4g, Tu %.1f s\n", *j.Ku, *j.TuS)
	}
	fmt.Fprintf(w, "  recommended %s: kp %.4g ki %.4g kd %.4g, setpoint weight %.3g, derivative filter %.3g s\n  why: %s\n",
		j.Recommended, j.Kp, j.Ki, j.Kd, j.SetpointWeight, j.DerivativeFilterS, j.RecommendedReason)
	state := "in the running controller until its restart"
	if !j.Applied {
		state = "NOT applied by the daemon"
	}
	fmt.Fprintf(w, "  %s (in force: kp %.4g ki %.4g kd %.4g)\n", state, j.InForce.Kp, j.InForce.Ki, j.InForce.Kd)
	if j.Config != nil {
		fmt.Fprintf(w, "wrote the %s gains to %s, section [%s]\n", j.Config.Rule, j.Config.File, j.Config.Section)
	}
}
