package console

import (
	"fmt"
	"strings"
	"time"

	"hearth/core/livetune"
	"hearth/pid"
)

// The engineer's live tuning (core/livetune): a relay on one loop of the
// running plant in place of its PID, everything else under control, the
// safety layer judging every output as always.

// tuneSpec is in engineerCommands.
var tuneSpec = spec{name: "tune", usage: "tune start|status|abort|apply",
	summary: "relay-autotune a loop on the live plant, under safety; its gains into the running controller", engineer: true,
	help: "tune start oil|water|tank; tune status (or tune alone); tune abort;\n" +
		"tune apply [FILE]. start: a relay drives the loop's actuator in place of its\n" +
		"PID (oil: the dump's fan and valve; water: the water pump; tank: the tank's\n" +
		"share) around the loop's setpoint until its cycles agree; everything else\n" +
		"stays under control, and safety judges every output. Refused unless safety\n" +
		"runs clear. Aborts, saying why, on any safety warning or alarm, a trip, a\n" +
		"state other than running, a fault on the loop's probe, an override or the\n" +
		"maintenance hold, or tune abort. Done, it chooses gains and puts them into\n" +
		"the running controller without a bump (until a restart). status: phase,\n" +
		"cycles, time, Ku and Tu, gains, why it ended. apply: the gains in again;\n" +
		"with FILE also written as a snippet ([control.dump] kp ki kd; ms-iae adds\n" +
		"setpointweight, derivativefilter) for the file. hearth tune LOOP --console\n" +
		"DEVICE runs a session from a laptop over this line.",
	run: nil} // tuneCmd, set in engineerCommands (an initialisation cycle otherwise)

func tuneCmd(c *Console, cmd Command) (string, any, error) {
	if len(cmd.Args) == 0 {
		return tuneStatus(c.snapshot())
	}
	switch op := strings.ToLower(cmd.Args[0]); op {
	case "status":
		if err := args(cmd, 1, 1); err != nil {
			return "", nil, err
		}
		return tuneStatus(c.snapshot())
	case "start":
		if err := args(cmd, 2, 2); err != nil {
			return "", nil, err
		}
		l, err := livetune.ParseLoop(strings.ToLower(cmd.Args[1]))
		if err != nil {
			return "", nil, errorf("tune start: %v", err)
		}
		if err := tuneAsk(c, Request{Kind: ReqTune, Tune: TuneStart, Loop: l}); err != nil {
			c.B.Note("info", "console: tune start "+cmd.Args[1]+" refused: "+err.Error())
			return "", nil, errorf("tune start %s: %v", cmd.Args[1], err)
		}
		c.B.Note("info", "console: tune start "+cmd.Args[1]+": a relay drives the "+l.String()+" loop, under safety")
		c.waitFor(func(s *Snapshot) bool { return s.Tune.Phase != livetune.PhaseStarting })
		return tuneStatus(c.snapshot())
	case "abort":
		if err := args(cmd, 1, 1); err != nil {
			return "", nil, err
		}
		if err := tuneAsk(c, Request{Kind: ReqTune, Tune: TuneAbort}); err != nil {
			return "", nil, errorf("tune abort: %v", err)
		}
		c.B.Note("info", "console: tune abort: the loop back to its PID")
		return tuneStatus(c.snapshot())
	case "apply":
		if err := args(cmd, 1, 2); err != nil {
			return "", nil, err
		}
		return tuneApply(c, cmd.Args[1:])
	default:
		return "", nil, errorf("tune %s: usage: %s", quote(op), lookup("tune").usage)
	}
}

// tuneAsk submits r and waits for the tick to take it: its refusal, if any.
func tuneAsk(c *Console, r Request) error {
	seq := c.snapshot().Console.TuneSeq
	if err := c.B.Submit(r); err != nil {
		return err
	}
	if !c.waitFor(func(s *Snapshot) bool { return s.Console.TuneSeq != seq }) {
		return errorf("the tick did not take the request in %v", c.Wait)
	}
	if e := c.snapshot().Console.TuneErr; e != "" {
		return errorf("%s", e)
	}
	return nil
}

func tuneApply(c *Console, file []string) (string, any, error) {
	if err := tuneAsk(c, Request{Kind: ReqTune, Tune: TuneApply}); err != nil {
		return "", nil, errorf("tune apply: %v", err)
	}
	s := c.snapshot().Tune
	section := livetune.Section(s.Loop)
	msg := fmt.Sprintf("tune apply: %s kp %.4g ki %.4g kd %.4g in the running %s loop\n", s.Rule, s.Gains.Kp, s.Gains.Ki, s.Gains.Kd, s.Loop)
	js := map[string]any{"loop": livetune.Name(s.Loop), "section": section, "rule": s.Rule,
		"kp": s.Gains.Kp, "ki": s.Gains.Ki, "kd": s.Gains.Kd}
	if len(file) == 1 {
		comment := []string{
			fmt.Sprintf("tune start %s at the console, %s: %s on Ku %.4g /K, Tu %.1f s (%d cycles in %.0f min)",
				livetune.Name(s.Loop), time.Now().UTC().Format(time.RFC3339), s.Rule, s.Result.Ku, s.Result.Tu.Seconds(),
				s.Result.Relay.Cycles, s.Elapsed.Seconds()/60),
			"the live plant's figures; " + s.Reason,
		}
		if err := livetune.WriteSnippet(file[0], section, comment, s.Config, s.Base); err != nil {
			return "", nil, errorf("tune apply: the gains are in, the file not: %v", err)
		}
		msg += fmt.Sprintf("wrote them to %s, section [%s]: a configuration file can take it as it is\n", file[0], section)
		js["file"] = file[0]
	}
	c.B.Note("config", strings.TrimSuffix(strings.ReplaceAll("console: "+msg, "\n", "; "), "; "))
	return msg, js, nil
}

// TuneView is tune status's JSON (field names are a contract): what a
// program reads of a live tuning session.
type TuneView struct {
	Loop     string   `json:"loop"`
	Phase    string   `json:"phase"`
	Cycles   int      `json:"cycles"`
	ElapsedS float64  `json:"elapsed_s"`
	Setpoint float64  `json:"setpoint"`
	Output   float64  `json:"output"`
	Ku       *float64 `json:"ku"`
	TuS      *float64 `json:"tu_s"`
	Rule     string   `json:"rule,omitempty"`
	Kp       float64  `json:"kp"`
	Ki       float64  `json:"ki"`
	Kd       float64  `json:"kd"`
	// SetpointWeight and DerivativeFilterS are the tuning's (ms-iae sets
	// them; otherwise the loop's own).
	SetpointWeight    float64 `json:"setpoint_weight"`
	DerivativeFilterS float64 `json:"derivative_filter_s"`
	Reason            string  `json:"reason,omitempty"`
	Applied           bool    `json:"applied"`
	// InForce are the loop's gains in the running controller now.
	InForce struct {
		Kp float64 `json:"kp"`
		Ki float64 `json:"ki"`
		Kd float64 `json:"kd"`
	} `json:"in_force"`
	Cause string `json:"cause,omitempty"`
	// Settling: the loop is held OffsetK below its operating point before
	// the relay (phase "starting"); OffsetK is the offset the relay starts
	// from (0: none), SettledInS how long settling took, Note what it found.
	Settling   bool    `json:"settling"`
	OffsetK    float64 `json:"offset_k"`
	SettledInS float64 `json:"settled_in_s"`
	Note       string  `json:"note,omitempty"`
	// StartOutput is the output that held the operating point (the loop's
	// when the session began; on water and tank its settled mean there),
	// RestOutput the output the relay started from,
	// RelayMeanOutput the relay's mean output once it has cycles (null
	// before): the three show a load that moved during the session.
	StartOutput     float64  `json:"start_output"`
	RestOutput      float64  `json:"rest_output"`
	RelayMeanOutput *float64 `json:"relay_mean_output"`
}

func tuneStatus(s *Snapshot) (string, any, error) {
	t := &s.Tune
	if t.Phase == livetune.PhaseIdle {
		return "tune: no session since the start (tune start oil|water|tank)\n", TuneView{Phase: t.Phase.String()}, nil
	}
	j := TuneView{Loop: livetune.Name(t.Loop), Phase: t.Phase.String(), Cycles: t.Cycles, ElapsedS: t.Elapsed.Seconds(),
		Setpoint: t.Setpoint, Output: t.Output, Rule: t.Rule, Kp: t.Gains.Kp, Ki: t.Gains.Ki, Kd: t.Gains.Kd,
		SetpointWeight: t.Config.SetpointWeight, DerivativeFilterS: t.Config.DerivativeFilter.Seconds(), Reason: t.Reason,
		Applied: t.Applied, Cause: t.Cause, Settling: t.Settling, OffsetK: t.Offset, SettledInS: t.SettledIn.Seconds(), Note: t.Note,
		StartOutput: t.StartOutput, RestOutput: t.RestOutput}
	j.InForce.Kp, j.InForce.Ki, j.InForce.Kd = t.InForce.Kp, t.InForce.Ki, t.InForce.Kd
	var b strings.Builder
	fmt.Fprintf(&b, "tune %s (%s loop): %s, %d cycles in %.1f min, around %.2f, output %.3f\n",
		j.Loop, t.Loop, t.Phase, t.Cycles, t.Elapsed.Seconds()/60, t.Setpoint, t.Output)
	switch {
	case t.Settling && t.Offset == 0:
		b.WriteString("  settling at the operating point under the loop's PID, for the output that holds it\n")
	case t.Settling:
		fmt.Fprintf(&b, "  settling %.3g K below the operating point under the loop's PID, for a step from rest\n", t.Offset)
	case t.Offset > 0:
		fmt.Fprintf(&b, "  the relay started from rest %.3g K below the operating point (settled in %.1f min)\n", t.Offset, t.SettledIn.Seconds()/60)
	}
	if t.Note != "" {
		fmt.Fprintf(&b, "  %s\n", t.Note)
	}
	if r := t.Result; r.Ku > 0 {
		ku, tu, mean := r.Ku, r.Tu.Seconds(), r.Relay.MeanOutput
		j.Ku, j.TuS, j.RelayMeanOutput = &ku, &tu, &mean
		from := "the relay's own figures"
		if r.FromModel {
			from = "the FOPDT fit"
		}
		fmt.Fprintf(&b, "  Ku %.4g, Tu %.1f s (from %s); relay period %.1f s, amplitude %.3f\n",
			ku, tu, from, r.Relay.Period.Seconds(), r.Relay.Amplitude)
	}
	if t.Relayed {
		fmt.Fprintf(&b, "  output %.3f at the start, %.3f where the relay began", t.StartOutput, t.RestOutput)
		if j.RelayMeanOutput != nil {
			fmt.Fprintf(&b, ", %.3f on the relay's mean", *j.RelayMeanOutput)
		}
		b.WriteString("\n")
	}
	if t.Phase == livetune.PhaseDone {
		fmt.Fprintf(&b, "  gains %s: %s, setpoint weight %.3g, derivative filter %v\n  why: %s\n",
			t.Rule, gainsText(t.Gains), t.Config.SetpointWeight, t.Config.DerivativeFilter, t.Reason)
		if t.Applied {
			fmt.Fprintf(&b, "  in the running controller (were %s) until a restart; tune apply FILE writes them\n", gainsText(t.Previous))
		}
		if g := t.Gains; t.InForce.Kp != g.Kp || t.InForce.Ki != g.Ki || t.InForce.Kd != g.Kd {
			fmt.Fprintf(&b, "  NOT in force: the running controller has %s\n", gainsText(t.InForce))
		}
	}
	if t.Cause != "" {
		fmt.Fprintf(&b, "  %s\n", t.Cause)
	}
	return b.String(), j, nil
}

func gainsText(g pid.Gains) string {
	return fmt.Sprintf("kp %.4g ki %.4g kd %.4g", g.Kp, g.Ki, g.Kd)
}
