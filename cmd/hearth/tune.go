package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"hearth/control"
	"hearth/core/livetune"
	"hearth/hil"
	"hearth/hil/plant"
	"hearth/pid"
)

func init() {
	register("tune", "relay-autotune a control loop on the simulated plant: Ku, Tu, gains per rule, step figures", runTune)
}

// tuneSection is where each loop's gains live in the configuration: the toml
// keys of control.Config's pid.Config fields.
var tuneSection = map[hil.Loop]string{hil.LoopOil: control.LoopDump.String(), hil.LoopWater: control.LoopWaterPump.String(), hil.LoopTank: control.LoopTank.String()}

// tuneJSON is the --json report. Field names are a contract.
type tuneJSON struct {
	Loop        string     `json:"loop"`
	Season      string     `json:"season"`
	Seed        uint64     `json:"seed"`
	SetpointC   float64    `json:"setpoint_c"`
	RestC       float64    `json:"rest_c"`
	StepK       float64    `json:"step_k"`
	Ku          float64    `json:"ku"`
	TuS         float64    `json:"tu_s"`
	FromModel   bool       `json:"from_model"`
	Model       *modelJSON `json:"model"` // null without a valid fit
	Relay       relayJSON  `json:"relay"`
	Rules       []stepJSON `json:"rules"`
	Current     stepJSON   `json:"current"`
	Recommended string     `json:"recommended"`
	// RecommendedReason says in one line why that rule (and, for ms-iae,
	// why its structure and settings).
	RecommendedReason string      `json:"recommended_reason"`
	Recommendation    *recJSON    `json:"recommendation,omitempty"` // ms-iae's design, when it had a model
	WallSeconds       float64     `json:"wall_seconds"`
	Config            *configJSON `json:"config,omitempty"` // where --write put the gains
}

type modelJSON struct {
	K  float64 `json:"k"`
	TS float64 `json:"t_s"`
	LS float64 `json:"l_s"`
}

type relayJSON struct {
	Cycles       int     `json:"cycles"`
	DurationS    float64 `json:"duration_s"`
	PeriodS      float64 `json:"period_s"`
	AmplitudeK   float64 `json:"amplitude_k"`
	HysteresisK  float64 `json:"hysteresis_k"` // the ε the relay used
	NoiseBandK   float64 `json:"noise_band_k"` // measured in the quiet window (0 without one)
	Bias         float64 `json:"bias"`
	Swing        float64 `json:"swing"`
	RestOutput   float64 `json:"rest_output"`
	PhaseDeg     float64 `json:"phase_deg"`
	DescribingKu float64 `json:"describing_ku"`
	HarmonicKu   float64 `json:"harmonic_ku"`
}

type stepJSON struct {
	Rule      string  `json:"rule"`
	Kp        float64 `json:"kp"`
	Ki        float64 `json:"ki"`
	Kd        float64 `json:"kd"`
	Overshoot float64 `json:"overshoot"`
	SettlingS float64 `json:"settling_s"`
	IAE       float64 `json:"iae"`
	Settled   bool    `json:"settled"`
	// SetpointWeight and DerivativeFilterS are those the step ran with;
	// ReversalsPerH counts the actuator's reversals over the record.
	SetpointWeight    float64 `json:"setpoint_weight"`
	DerivativeFilterS float64 `json:"derivative_filter_s"`
	ReversalsPerH     float64 `json:"reversals_per_h"`
}

// recJSON is ms-iae's design on the fitted model.
type recJSON struct {
	Tau            float64 `json:"tau"`
	Order          int     `json:"order"`
	Ms             float64 `json:"ms"`
	ModelIAE       float64 `json:"model_iae"`
	ModelOvershoot float64 `json:"model_overshoot"`
	Reason         string  `json:"reason"`
}

type configJSON struct {
	File    string `json:"file"`
	Section string `json:"section"`
	Rule    string `json:"rule"`
}

// tuneFlags are tune's flags.
type tuneFlags struct {
	asJSON                  *bool
	seed                    *uint64
	season, ruleName, write *string
	setpoint, step          *float64
	live                    *liveFlags
}

func newTuneFlags() (*cmdFlags, *tuneFlags) {
	c := newCmd("hearth tune", "LOOP [flags]")
	var about strings.Builder
	about.WriteString("LOOP is one of:\n")
	for _, l := range hil.Loops() {
		fmt.Fprintf(&about, "  %-6s %s\n", l, l.Describe())
	}
	c.about = about.String()
	f := &tuneFlags{}
	f.asJSON = c.Bool("json", false, "print exactly one JSON object on stdout")
	f.seed = c.Uint64("seed", 1, "seed of every random choice (sensor noise)")
	f.season = c.String("season", "", "weather, held at the season's mean: winter, spring or summer (default: the loop's own)")
	f.setpoint = c.Float64("setpoint", 0, "operating point in °C, relayed around and stepped to (0: the loop's, from control's defaults)")
	c.check("setpoint", func() bool { return finite(*f.setpoint) && *f.setpoint >= 0 }, "must be a finite temperature, 0 or above (0: the loop's)")
	f.step = c.Float64("step", 2, "setpoint step of the step runs in K, from setpoint − step; negative steps down (unset: the loop's own, 2 K on oil and tank, within the pump's reach on water)")
	c.check("step", func() bool { return finite(*f.step) && *f.step != 0 }, "must be a finite number of kelvin, not 0")
	f.ruleName = c.String("rule", "", "rule whose gains --write writes (default: the loop's recommended rule)")
	f.write = c.String("write", "", "write the gains as a TOML snippet of the controller's configuration to this file")
	f.live = addLiveFlags(c)
	return c, f
}

func runTune(args []string, stdout, stderr io.Writer) int {
	c, f := newTuneFlags()
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		if len(pos) == 0 {
			fmt.Fprintln(stderr, "hearth tune: which loop? (oil, water or tank)")
		} else {
			fmt.Fprintf(stderr, "hearth tune: unexpected argument %q\n", pos[1])
		}
		c.usage(stderr)
		return 2
	}
	loop := pos[0]
	if *f.live.device != "" {
		if bad := simOnly(c); bad != "" {
			fmt.Fprintf(stderr, "hearth tune: --%s is for the simulated isolation, not --console (the daemon's plant is what it is)\n", bad)
			return 2
		}
		return runTuneLive(loop, f.live, *f.write, *f.asJSON, stdout, stderr)
	}
	s, rule, err := tuneSetup(c, f, loop)
	if err != nil {
		fmt.Fprintln(stderr, "hearth tune:", err)
		return 2
	}

	start := time.Now()
	r, err := hil.Tune(s, *f.seed)
	if err != nil {
		fmt.Fprintf(stderr, "hearth tune %s: %v\n", loop, err)
		if errors.Is(err, hil.ErrNotSettled) {
			fmt.Fprintln(stderr, "  the setpoint is out of the actuator's reach in this isolation: try another --setpoint or --season")
		}
		if rl := r.Tuning.Result.Relay; rl.Cycles > 0 {
			fmt.Fprintf(stderr, "  after %d cycles; the last: period %.1f s, amplitude %.3f K, bias %.3f\n",
				rl.Cycles, rl.Period.Seconds(), rl.Amplitude, rl.Bias)
		}
		return 1
	}
	wall := time.Since(start).Seconds()

	if *f.ruleName == "" {
		rule = r.RecommendedRule()
	}
	return tuneOutput(r, rule, wall, *f.write, *f.asJSON, stdout, stderr)
}

// tuneSetup is the loop's isolation as the flags amend it, and the rule
// --rule names (zero when none).
func tuneSetup(c *cmdFlags, f *tuneFlags, loop string) (hil.LoopSetup, pid.Rule, error) {
	s, err := hil.DefaultLoopSetup(hil.Loop(loop), plant.Season(*f.season))
	if err != nil {
		return s, 0, err
	}
	if *f.setpoint != 0 {
		s.SetpointC = *f.setpoint
	}
	if flagSet(c, "step") {
		// Otherwise the loop's own (water's is sized to the pump's reach).
		s.StepK = *f.step
	}
	if err := s.Validate(); err != nil {
		return s, 0, err
	}
	var rule pid.Rule
	if *f.ruleName != "" {
		if rule, err = pid.ParseRule(*f.ruleName); err != nil {
			return s, 0, err
		}
	}
	return s, rule, nil
}

// tuneOutput writes the gains of rule to the snippet file write (when
// given) and prints the result, as JSON or as text.
func tuneOutput(r *hil.TuneReport, rule pid.Rule, wall float64, write string, asJSON bool, stdout, stderr io.Writer) int {
	var cfg *configJSON
	if write != "" {
		c, err := writeGains(write, r, rule)
		if err != nil {
			fmt.Fprintln(stderr, "hearth tune:", err)
			return 1
		}
		cfg = c
	}
	if asJSON {
		j := reportJSON(r)
		j.WallSeconds, j.Config = wall, cfg
		if err := json.NewEncoder(stdout).Encode(j); err != nil {
			fmt.Fprintln(stderr, "hearth tune:", err)
			return 1
		}
		return 0
	}
	printTune(stdout, r, wall)
	if cfg != nil {
		fmt.Fprintf(stdout, "wrote the %s gains to %s, section [%s]\n", cfg.Rule, cfg.File, cfg.Section)
	}
	return 0
}

// flagSet reports whether flag name was given on the command line.
func flagSet(c *cmdFlags, name string) bool {
	set := false
	c.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

// simOnly names a flag set that only the simulated isolation takes, or "".
func simOnly(c *cmdFlags) string {
	bad := ""
	c.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "seed", "season", "setpoint", "step", "rule":
			bad = fl.Name
		}
	})
	return bad
}

func stepOf(c hil.Candidate) stepJSON {
	g, f := c.Gains, c.Figures
	return stepJSON{Rule: c.Name, Kp: g.Kp, Ki: g.Ki, Kd: g.Kd, Overshoot: f.Overshoot,
		SettlingS: f.SettlingTime.Seconds(), IAE: f.IAE, Settled: f.Settled,
		SetpointWeight: c.Config.SetpointWeight, DerivativeFilterS: c.Config.DerivativeFilter.Seconds(),
		ReversalsPerH: c.ReversalsPerHour}
}

func reportJSON(r *hil.TuneReport) tuneJSON {
	s, t := &r.Setup, &r.Tuning
	res := t.Result
	j := tuneJSON{
		Loop: string(s.Loop), Season: string(s.Season), Seed: r.Seed,
		SetpointC: s.SetpointC, RestC: s.RestC(), StepK: s.StepK,
		Ku: res.Ku, TuS: res.Tu.Seconds(), FromModel: res.FromModel,
		Relay: relayJSON{
			Cycles: res.Relay.Cycles, DurationS: t.Duration.Seconds(), PeriodS: res.Relay.Period.Seconds(),
			AmplitudeK: res.Relay.Amplitude, HysteresisK: res.Hysteresis, NoiseBandK: res.NoiseBand, Bias: res.Relay.Bias, Swing: res.Relay.Swing,
			RestOutput: t.Rest, PhaseDeg: res.Relay.Phase * 180 / math.Pi,
			DescribingKu: res.Relay.DescribingKu, HarmonicKu: res.Relay.HarmonicKu,
		},
		Rules:             make([]stepJSON, 0, len(r.Rules)),
		Current:           stepOf(r.Current),
		Recommended:       r.RecommendedRule().String(),
		RecommendedReason: r.RecommendedReason(),
	}
	if rc := r.Recommendation; rc != nil {
		j.Recommendation = &recJSON{Tau: rc.Tau, Order: rc.Order, Ms: rc.Ms, ModelIAE: rc.ModelIAE,
			ModelOvershoot: rc.ModelOvershoot, Reason: rc.Reason}
	}
	if m := res.Model; m.Valid {
		j.Model = &modelJSON{K: m.K, TS: m.T.Seconds(), LS: m.L.Seconds()}
	}
	for _, c := range r.Rules {
		j.Rules = append(j.Rules, stepOf(c))
	}
	return j
}

func printTune(w io.Writer, r *hil.TuneReport, wall float64) {
	s, t := &r.Setup, &r.Tuning
	res := t.Result
	fmt.Fprintf(w, "hearth tune %s: %s; %s, seed %d (%.2f s)\n", s.Loop, s.Loop.Describe(), s.Season, r.Seed, wall)
	fmt.Fprintf(w, "isolated: %s\n", s.Isolation())
	hy := fmt.Sprintf("hysteresis %.3f K", res.Hysteresis)
	if s.HysteresisK == 0 && s.QuietTime > 0 {
		hy += fmt.Sprintf(", the noise band measured in %v at rest", s.QuietTime)
	}
	fmt.Fprintf(w, "relay: %.3f ± %.3f around %.2f °C (%s), from rest at %.2f °C with output %.3f\n",
		res.Relay.Bias, res.Relay.Swing, s.SetpointC, hy, s.RestC(), t.Rest)
	fmt.Fprintf(w, "  %d cycles in %.0f min: period %.1f s, amplitude %.3f K, phase %.0f°; describing-function Ku %.3f, harmonic Ku %.3f\n",
		res.Relay.Cycles, t.Duration.Seconds()/60, res.Relay.Period.Seconds(), res.Relay.Amplitude,
		res.Relay.Phase*180/math.Pi, res.Relay.DescribingKu, res.Relay.HarmonicKu)
	from := "the relay's own figures"
	if res.FromModel {
		from = "the FOPDT fit"
	}
	fmt.Fprintf(w, "Ku %.4g /K, Tu %.1f s (from %s)\n", res.Ku, res.Tu.Seconds(), from)
	if m := res.Model; m.Valid {
		note := ""
		if m.L <= 0 {
			note = " (no dead time: model-based rules skipped)"
		}
		fmt.Fprintf(w, "FOPDT fit: K %.4g K per unit, T %.1f s, L %.1f s%s\n", m.K, m.T.Seconds(), m.L.Seconds(), note)
	} else {
		fmt.Fprintln(w, "FOPDT fit: none (model-based rules skipped)")
	}
	fmt.Fprintf(w, "\nstep %.2f -> %.2f °C, figures of the true temperature over %.0f min, %.0f %% band:\n",
		s.RestC(), s.SetpointC, s.Record.Seconds()/60, 100*s.Band)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rule\tKp /K\tKi /(K·s)\tKd K·s\tovershoot\tsettling\tIAE K·s\t")
	row := func(name string, g pid.Gains, f pid.StepFigures) {
		settle := fmt.Sprintf("%.0f s", f.SettlingTime.Seconds())
		if !f.Settled {
			settle = "not settled"
		}
		fmt.Fprintf(tw, "%s\t%.4g\t%.4g\t%.4g\t%.1f %%\t%s\t%.1f\t\n",
			name, g.Kp, g.Ki, g.Kd, 100*f.Overshoot, settle, f.IAE)
	}
	for _, c := range r.Rules {
		name := c.Name
		if c.Gains.Rule == r.RecommendedRule() {
			name += " *"
		}
		row(name, c.Gains, c.Figures)
	}
	row("current", r.Current.Gains, r.Current.Figures)
	tw.Flush()
	fmt.Fprintf(w, "* recommended for this loop (docs/pid.md §6); current = control's default gains\n")
	fmt.Fprintf(w, "why: %s\n", r.RecommendedReason())
}

// writeGains writes the rule's gains as a TOML snippet that a configuration
// file can include: the other fields of the loop's pid.Config keep their
// defaults.
func writeGains(path string, r *hil.TuneReport, rule pid.Rule) (*configJSON, error) {
	var c *hil.Candidate
	for k := range r.Rules {
		if r.Rules[k].Gains.Rule == rule {
			c = &r.Rules[k]
		}
	}
	if c == nil {
		return nil, fmt.Errorf("rule %s yields no gains for this loop", rule)
	}
	s, res := &r.Setup, r.Tuning.Result
	section := "control." + tuneSection[s.Loop]
	comment := []string{
		fmt.Sprintf("hearth tune %s --season %s --seed %d: %s on Ku %.4g /K, Tu %.1f s",
			s.Loop, s.Season, r.Seed, rule, res.Ku, res.Tu.Seconds()),
		fmt.Sprintf("step %.2f -> %.2f °C on the simulated plant: IAE %.1f K·s, overshoot %.1f %%, settling %.0f s",
			s.RestC(), s.SetpointC, c.Figures.IAE, 100*c.Figures.Overshoot, c.Figures.SettlingTime.Seconds()),
	}
	if err := livetune.WriteSnippet(path, section, comment, c.Config, s.Base); err != nil {
		return nil, err
	}
	return &configJSON{File: path, Section: section, Rule: rule.String()}, nil
}
