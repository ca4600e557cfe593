package main

import (
	"fmt"
	"io"

	"hearth/cmd/hearth/daemon"
)

func init() {
	register("run", "the controller daemon: the edge loop at 10 Hz (--sim: against the simulated plant)", runDaemon)
}

func runDaemon(args []string, stdout, stderr io.Writer) int {
	c := newCmd("hearth run", "--config FILE [--sim] [--stats FILE] [--console DEVICE] [--mqtt URL] [--metrics ADDR] [--hub-id ID]")
	fs := c.FlagSet
	var o daemon.Options
	fs.StringVar(&o.Config, "config", "", "configuration file (TOML; docs/examples/sim.toml)")
	fs.BoolVar(&o.Sim, "sim", false, "run against the simulated plant on the real clock")
	fs.StringVar(&o.Stats, "stats", "", "stats file (JSON), rewritten every few seconds and at exit")
	fs.StringVar(&o.Console, "console", "", "serial console DEVICE (e.g. /dev/ttyUSB0; overrides console.device; docs/console.md)")
	fs.StringVar(&o.MQTT, "mqtt", "", "publish the state and Home Assistant discovery to the MQTT broker at URL (mqtt://host:port, mqtts://host:port; overrides telemetry.mqtt; docs/telemetry.md)")
	fs.StringVar(&o.Metrics, "metrics", "", "serve Prometheus /metrics on ADDR (e.g. :9477; overrides telemetry.metrics)")
	fs.StringVar(&o.HubID, "hub-id", "", "the hub's id in topics and metric labels (overrides telemetry.hub_id; default: the host name)")
	pos, code, ok := c.parse(args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) > 0 || o.Config == "" {
		fmt.Fprintln(stderr, "usage: hearth run --config FILE [--sim] [--stats FILE] [--console DEVICE] [--mqtt URL] [--metrics ADDR] [--hub-id ID]")
		return 2
	}
	o.Stdout = stdout
	return daemon.Run(o)
}
