package daemon_test

import (
	"encoding/json"
	"strconv"
	"syscall"
	"testing"
	"time"

	"hearth/cmd/hearth/daemon"
	"hearth/cmd/hearth/daemon/telemetry"
)

// `hearth run --sim --mqtt`: a subscriber sees the discovery and the state
// within 5 s; the broker killed for 60 s and restarted on its port, the
// daemon loses no tick, reconnects and republishes; on SIGTERM `offline`
// is published.
func TestMQTTStateDiscoveryOutageAndOffline(t *testing.T) {
	t.Parallel()
	br := startBroker(t)
	hub := "t" + strconv.Itoa(br.port)
	disc, state, avail := telemetry.DiscoveryTopic(hub), telemetry.StateTopic(hub), telemetry.AvailabilityTopic(hub)
	sub := newClient(t, br.url(), "sub-"+hub, "hearth/"+hub+"/#", disc)
	start := time.Now()
	b := newTelemetryBench(t, benchTiming, br.url(), hub, "")
	b.waitFor("the discovery and the state", 5*time.Second, func() bool {
		return len(sub.seen(disc, start)) > 0 && len(sub.seen(state, start)) > 0
	})
	t.Logf("discovery and state seen %.2f s after the launch", time.Since(start).Seconds())
	var d telemetry.DiscoveryPayload
	if err := json.Unmarshal([]byte(sub.seen(disc, start)[0].payload), &d); err != nil || len(d.Components) < 30 ||
		d.AvailabilityTopic != avail || d.StateTopic != state {
		t.Fatalf("discovery: %v, %d components, availability %q", err, len(d.Components), d.AvailabilityTopic)
	}
	if s := lastState(t, sub.seen(state, start)); s.Hub != hub || len(s.Temps) == 0 || s.Safety == "" {
		t.Fatalf("state %+v", s)
	}
	// The first ticks believe no probe yet (null); a second or so later
	// they do.
	b.waitFor("a believed oil_in_a in the state", 10*time.Second, func() bool {
		ms := sub.seen(state, start)
		return len(ms) > 0 && lastState(t, ms).Temps["oil_in_a"] != nil
	})
	// The broker dies for 60 s.
	b.waitFor("the state published again", 5*time.Second, func() bool { return len(sub.seen(state, start)) >= 2 })
	before := lastState(t, sub.seen(state, start))
	br.kill()
	time.Sleep(60 * time.Second)
	select {
	case err := <-b.exited:
		t.Fatalf("the daemon exited while the broker was down: %v", err)
	default:
	}
	restarted := time.Now()
	br.start(mosquittoPath(t))
	b.waitFor("online, the discovery and the state republished", 20*time.Second, func() bool {
		on := sub.seen(avail, restarted)
		return len(sub.seen(disc, restarted)) > 0 && len(sub.seen(state, restarted)) > 0 &&
			len(on) > 0 && on[len(on)-1].payload == "online"
	})
	after := lastState(t, sub.seen(state, restarted))
	if after.Ticks < before.Ticks+550 {
		t.Errorf("ticks %d before the outage, %d after: the tick did not run through it", before.Ticks, after.Ticks)
	}
	t.Logf("republished %.2f s after the restart; ticks %d -> %d", time.Since(restarted).Seconds(), before.Ticks, after.Ticks)
	// A controlled stop: offline is the last word.
	stop := time.Now()
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := b.exitCode(40 * time.Second); code != 0 {
		t.Fatalf("exit %d after SIGTERM", code)
	}
	b.waitFor("offline", 5*time.Second, func() bool {
		ms := sub.seen(avail, stop)
		return len(ms) > 0 && ms[len(ms)-1].payload == "offline"
	})
	st, ok := b.readStats()
	if !ok || st.Telemetry == nil {
		t.Fatal("no stats, or no telemetry in them")
	}
	t.Logf("stats: %d ticks, %d overruns, jitter p99 %.3f ms; telemetry %+v", st.Ticks, st.Overruns, st.JitterP99Ms, *st.Telemetry)
	if st.Overruns != 0 {
		t.Errorf("%d overruns", st.Overruns)
	}
	if st.Telemetry.Connects < 2 || st.Telemetry.PublishErrors == 0 && st.Telemetry.Dropped == 0 {
		t.Errorf("telemetry %+v: want 2 connections and the outage's failed publishes counted", *st.Telemetry)
	}
}

// The daemon subscribes to no command topic: retained and live messages
// on every set-like topic under hearth/<hub_id>/ and homeassistant/
// change nothing safety-relevant (state, latch, relays, the event log's
// resets, overrides, configuration and trips). Home Assistant's birth
// does what it should: the discovery is sent again.
func TestMQTTCommandsChangeNothing(t *testing.T) {
	t.Parallel()
	br := startBroker(t)
	hub := "c" + strconv.Itoa(br.port)
	b := newTelemetryBench(t, benchTiming, br.url(), hub, "")
	var st0 daemon.Stats
	b.waitFor("running with two relays closed", 90*time.Second, func() bool {
		s, ok := b.readStats()
		st0 = s
		return ok && s.SafetyState == "running" && b.relayStates() >= 2 && s.Telemetry != nil && s.Telemetry.Connected
	})
	relays0 := b.relayStates()
	evil := newClient(t, br.url(), "evil-"+hub)
	sent := time.Now()
	topics := []string{"hearth/" + hub + "/set", "hearth/" + hub + "/reset", "hearth/" + hub + "/command",
		"hearth/" + hub + "/override/set", "hearth/" + hub + "/limits/set", "hearth/" + hub + "/safety/reset",
		"hearth/" + hub + "/output/pump_oil/set", "homeassistant/device/" + hub + "/set",
		"homeassistant/switch/" + hub + "/reset/set", "homeassistant/button/" + hub + "_reset/press",
		"homeassistant/number/" + hub + "_oil_in_trip/set"}
	payloads := []string{"reset", "ON", "PRESS", `{"reset":true}`, `{"override":{"pump_oil":0,"valve_dump":0}}`,
		`{"oil_in":{"trip_c":200}}`, "0"}
	for _, tp := range topics {
		for _, p := range payloads {
			evil.publish(t, tp, p, true)
			evil.publish(t, tp, p, false)
		}
	}
	evil.publish(t, telemetry.HAStatus, "online", true)
	evil.publish(t, telemetry.HAStatus, "online", false) // the birth: discovery again
	time.Sleep(5 * time.Second)
	st1, _ := b.readStats()
	if st1.SafetyState != st0.SafetyState || st1.Latched || st1.Cause != st0.Cause {
		t.Errorf("safety %s/%s latched %v -> %s/%s latched %v", st0.SafetyState, st0.Cause, st0.Latched,
			st1.SafetyState, st1.Cause, st1.Latched)
	}
	if r := b.relayStates(); r != relays0 {
		t.Errorf("module relays closed %d -> %d", relays0, r)
	}
	for _, e := range b.events() {
		if !e.Wall.Before(sent) {
			switch e.Kind.String() {
			case "reset", "override", "config", "trip":
				t.Errorf("event after the messages: %s %s %s", e.Kind, e.Cause, e.Msg)
			}
		}
	}
	tm := st1.Telemetry
	if tm == nil || tm.Ignored != 0 || tm.Discovery < 2 {
		t.Errorf("telemetry %+v: want nothing delivered but the birth (0 ignored), the discovery sent again", tm)
	}
	t.Logf("%d messages on %d topics: safety %s, %d relays closed; telemetry %+v", 2*len(topics)*len(payloads)+2,
		len(topics)+1, st1.SafetyState, relays0, *tm)
}
