package telemetry

import (
	"bytes"
	"encoding/json"
	"math"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/prometheus/common/expfmt"

	"hearth/hal"
	"hearth/safety"
	"hearth/units"
)

// raw is a running hub: every channel believed, 2 modules at 300 W, water
// at 12 L/min rising 10 K across the exchanger, half the heat to the tank.
func raw(now units.Time) Raw {
	var r Raw
	r.Ticks = 42
	r.In.Now = now
	for id := hal.TempID(0); id < hal.NumTemps; id++ {
		r.In.Temp[id] = hal.Sample[units.Celsius]{Value: 40, At: now, Status: hal.StatusOK}
	}
	r.In.Temp[hal.TempWaterFlow].Value, r.In.Temp[hal.TempWaterReturn].Value = 45, 35
	r.In.Flow[hal.FlowWater] = hal.Sample[units.LitrePerMin]{Value: 12, At: now, Status: hal.StatusOK}
	r.In.Flow[hal.FlowOil] = hal.Sample[units.LitrePerMin]{Value: 20, At: now, Status: hal.StatusOK}
	r.In.Pressure = hal.Sample[units.Bar]{Value: 1.5, At: now, Status: hal.StatusOK}
	r.In.Valve[hal.ValveDump].Value, r.In.Valve[hal.ValveTank].Value = 0, 0.5
	r.In.NumModules = 2
	for i := range 2 {
		r.In.Module[i] = hal.ModuleStatus{Power: 290, Relay: true, Level: hal.Level100, Status: hal.StatusOK,
			Feed: hal.Sample[units.Watt]{Value: 300, At: now, Status: hal.StatusOK}}
	}
	r.St.State = safety.StateRunning
	return r
}

func TestBuildHeatEnergyAndTrust(t *testing.T) {
	b := &builder{hub: "h1"}
	r0 := raw(units.Time(0).Add(10 * units.Second))
	s0 := b.build(&r0, time.Now())
	wantQ := 12.0 / 60 * waterJPerLK * 10 // 8372 W
	if math.Abs(s0.HeatW.Tank+s0.HeatW.Radiators-wantQ) > 1 || math.Abs(s0.HeatW.Tank-s0.HeatW.Radiators) > 0.2 || s0.HeatW.Dump != 0 {
		t.Errorf("heat %+v, want %.0f W split evenly between tank and radiators, none dumped", s0.HeatW, wantQ)
	}
	if s0.ComputeW != 600 || s0.ERF != nil {
		t.Errorf("compute %v W (want 600, the feed meters), erf %v (want none before any energy)", s0.ComputeW, s0.ERF)
	}
	r1 := raw(r0.In.Now.Add(units.Second))
	r1.St.Untrusted = hal.TempChannel(hal.TempTankTop).Bit()
	r1.In.Pressure.Status = hal.StatusOpen
	s1 := b.build(&r1, time.Now())
	if s1.counts.ComputeJ != 600 {
		t.Errorf("compute energy %v J after 1 s at 600 W", s1.counts.ComputeJ)
	}
	if s1.ERF == nil || math.Abs(*s1.ERF-wantQ/600) > 0.01 {
		t.Errorf("erf %v, want %.2f", s1.ERF, wantQ/600)
	}
	if s1.Temps["tank_top"] != nil || s1.PressureBar != nil || s1.Temps["tank_bottom"] == nil {
		t.Errorf("an untrusted probe or an open pressure sensor is published: tank_top %v, pressure %v", s1.Temps["tank_top"], s1.PressureBar)
	}
	// A trip latches: counted once by its cause, active in the faults.
	r2 := raw(r1.In.Now.Add(units.Second))
	r2.St.State, r2.St.Latched, r2.St.Cause = safety.StateTripped, true, safety.CauseLeak
	r2.St.TripCauses = safety.CauseLeak.Bit()
	r2.St.Alarms = safety.CausePumpAlarm.Bit()
	s2 := b.build(&r2, time.Now())
	r3 := r2
	r3.In.Now = r2.In.Now.Add(units.Second)
	s3 := b.build(&r3, time.Now())
	if s3.counts.Trips[safety.CauseLeak] != 1 || s3.counts.Alarms[safety.CausePumpAlarm] != 1 {
		t.Errorf("trips %v alarms %v: want one leak trip, one pump alarm", s3.counts.Trips, s3.counts.Alarms)
	}
	if got := strings.Join(s2.Faults.Active, ","); got != "leak,pump_alarm" {
		t.Errorf("active %q, want leak,pump_alarm", got)
	}
	if _, err := json.Marshal(s3); err != nil {
		t.Fatal(err)
	}
}

// The tick's side copies at most once a second, never waits for a reader
// holding the slot (it counts the skip and copies on the next tick), and
// allocates nothing.
func TestSlotOfferBoundedAndNonBlocking(t *testing.T) {
	var s Slot
	r := raw(0)
	const tick = int64(100 * time.Millisecond)
	mono := int64(1)
	for range 30 { // 3 s of ticks
		s.Offer(mono, r.Ticks, &r.In, &r.Out, &r.St)
		mono += tick
	}
	if n := s.seq.Load(); n != 3 {
		t.Errorf("%d copies in 3 s of ticks, want 3", n)
	}
	s.mu.Lock() // a reader preempted while holding the slot
	done := make(chan struct{})
	go func() {
		for range 20 {
			s.Offer(mono, r.Ticks, &r.In, &r.Out, &r.St)
			mono += tick
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Offer waited for the reader")
	}
	s.mu.Unlock()
	if s.Skipped.Load() == 0 {
		t.Error("the skips were not counted")
	}
	var dst Raw
	if _, ok := s.Take(&dst, 0); !ok || dst.Ticks != 42 {
		t.Errorf("take: %v, ticks %d", ok, dst.Ticks)
	}
	if a := testing.AllocsPerRun(100, func() { mono += int64(time.Second); s.Offer(mono, 1, &r.In, &r.Out, &r.St) }); a != 0 {
		t.Errorf("Offer allocates %.1f times", a)
	}
}

// The builder never waits for the MQTT publisher: a state it has not
// taken is replaced, and the drop counted.
func TestHandDropsWhenBusy(t *testing.T) {
	tl, err := New(Config{HubID: "h1", MQTT: "mqtt://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := &State{Ticks: 1}, &State{Ticks: 2}, &State{Ticks: 3}
	tl.hand(a)
	tl.hand(b)
	tl.hand(c)
	if got := <-tl.toMQTT; got != c || tl.dropped.Load() != 2 {
		t.Errorf("publisher got ticks %d, %d dropped: want the newest (3), 2 dropped", got.Ticks, tl.dropped.Load())
	}
}

// Only a live `online` on homeassistant/status does anything (the
// discovery is sent again); a retained one, and every other topic, is
// counted and ignored.
func TestReceivedActsOnlyOnLiveBirth(t *testing.T) {
	tl, _ := New(Config{HubID: "h1"})
	ses := &mqttSession{up: make(chan struct{}, 1), birth: make(chan struct{}, 1)}
	recv := tl.received(ses)
	for _, p := range []*paho.Publish{
		{Topic: HAStatus, Payload: []byte("online"), Retain: true},
		{Topic: HAStatus, Payload: []byte("offline")},
		{Topic: "hearth/h1/reset", Payload: []byte("1")},
		{Topic: "hearth/h1/set", Payload: []byte(`{"limit":99}`), Retain: true},
	} {
		_, _ = recv(paho.PublishReceived{Packet: p})
	}
	if len(ses.birth) != 0 || tl.ignored.Load() != 4 {
		t.Fatalf("birth %d, ignored %d: want none acted on, 4 ignored", len(ses.birth), tl.ignored.Load())
	}
	_, _ = recv(paho.PublishReceived{Packet: &paho.Publish{Topic: HAStatus, Payload: []byte("online")}})
	if len(ses.birth) != 1 {
		t.Fatal("a live birth did not ask for the discovery")
	}
}

func TestDiscoveryPayload(t *testing.T) {
	d := Discovery("h1", "v1")
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"dev", "o", "cmps", "state_topic", "availability_topic"} {
		if _, ok := m[k]; !ok {
			t.Errorf("discovery has no %q", k)
		}
	}
	temps, problems := 0, 0
	for id, c := range d.Components {
		if c.UniqueID != id || !strings.HasPrefix(id, "h1_") || c.ValueTemplate == "" || c.Platform == "" {
			t.Errorf("component %q: %+v", id, c)
		}
		if c.DeviceClass == "temperature" {
			temps++
			if c.StateClass != "measurement" || c.Unit != "°C" {
				t.Errorf("%s: state class %q unit %q", id, c.StateClass, c.Unit)
			}
		}
		if c.Platform == "binary_sensor" && c.DeviceClass == "problem" {
			problems++
		}
	}
	if temps != int(hal.NumTemps) || problems != int(safety.NumCauses) { // every cause but none, and tripped
		t.Errorf("%d temperatures, %d problem binary sensors", temps, problems)
	}
	if d.Components["h1_safety_state"].DeviceClass != "enum" || len(d.Components["h1_safety_state"].Options) != int(safety.NumStates) {
		t.Errorf("safety state: %+v", d.Components["h1_safety_state"])
	}
	if _, err := brokerURL("mqtt://u:p@host:1883"); err == nil {
		t.Error("credentials in the URL accepted")
	}
	if u, err := brokerURL("mqtts://broker.example"); err != nil || u.Port() != "8883" {
		t.Errorf("mqtts default port: %v %v", u, err)
	}
}

// Every metric passes promlint, carries the hub label, and the exposition
// passes promtool check metrics where promtool is installed.
func TestMetricsLintClean(t *testing.T) {
	tl, _ := New(Config{HubID: "h1", Version: "v1", MQTT: "mqtt://127.0.0.1:1883"})
	b := &builder{hub: "h1"}
	r := raw(units.Time(0).Add(units.Second))
	tl.state.Store(b.build(&r, time.Now()))
	tl.figs.Store(&Figures{Ticks: 10, Jitter: Histogram{Count: 10, Sum: 0.001, Buckets: map[float64]uint64{0.001: 10}},
		Work: Histogram{Count: 10, Sum: 0.001, Buckets: map[float64]uint64{0.001: 10}}})
	mfs, err := tl.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	probs, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		for _, m := range mf.Metric {
			hub := false
			for _, l := range m.Label {
				hub = hub || (l.GetName() == "hub" && l.GetValue() == "h1")
			}
			if !hub {
				t.Errorf("%s: no hub label", mf.GetName())
			}
		}
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	if len(mfs) < 40 {
		t.Errorf("only %d metric families", len(mfs))
	}
	if path, err := exec.LookPath("promtool"); err == nil {
		cmd := exec.Command(path, "check", "metrics")
		cmd.Stdin = &buf
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	} else {
		t.Log("promtool not installed: promtool check metrics skipped (CI installs it)")
	}
}
