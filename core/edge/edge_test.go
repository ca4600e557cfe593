package edge_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"hearth/core"
	"hearth/core/edge"
	"hearth/hal"
	"hearth/hil"
	"hearth/hil/plant"
	"hearth/safety"
	"hearth/safety/tripstore"
	"hearth/units"
)

// rig is a controller on the reference plant's devices, warm and running,
// with a leak the test can raise on both of the leak's witnesses.
type rig struct {
	sim   *hil.Sim
	dev   hal.Devices
	loop  edge.Loop
	leak  bool
	trace *[]string
	now   units.Time
}

type stamp struct{ r *rig }

func (s stamp) Stamp(in *hal.Inputs) {
	for i := 0; i < in.NumModules; i++ {
		in.Demand[i] = hal.Level100
	}
	in.WeekTime = hil.DefaultWeekStart
	in.Watchdog = true
}

type leakInput struct{ r *rig }

func (l leakInput) Leak() hal.Sample[bool] {
	return hal.Sample[bool]{Value: l.r.leak, At: l.r.now, Status: hal.StatusOK}
}

// tracedModule and tracedPump note the order of writes.
type tracedModule struct {
	hal.ModulePower
	trace *[]string
}

func (m tracedModule) SetLevel(l hal.Level) error {
	*m.trace = append(*m.trace, "module")
	return m.ModulePower.SetLevel(l)
}

type tracedPump struct {
	hal.Pump
	trace *[]string
}

func (p tracedPump) SetSpeed(s units.Ratio) error {
	*p.trace = append(*p.trace, "pump")
	return p.Pump.SetSpeed(s)
}

// tracedStore notes its saves and can fail them.
type tracedStore struct {
	edge.Store
	trace *[]string
	fail  int // saves to fail
}

func (s *tracedStore) Save(r safety.TripRecord) error {
	*s.trace = append(*s.trace, "save")
	if s.fail > 0 {
		s.fail--
		return errors.New("disk full")
	}
	return s.Store.Save(r)
}

func newRig(t *testing.T, st edge.Store) *rig {
	t.Helper()
	cfg, err := hil.DefaultConfig(plant.Winter, 1)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := hil.New(cfg) // the plant pre-rolled: warm, running
	if err != nil {
		t.Fatal(err)
	}
	c, err := core.New(cfg.Core)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{sim: sim, trace: new([]string)}
	r.dev = sim.Plant.Devices()
	r.dev.Leak, r.dev.OilLow = leakInput{r}, leakInput{r}
	for i := range r.dev.Modules {
		r.dev.Modules[i] = tracedModule{r.dev.Modules[i], r.trace}
	}
	for i := range r.dev.Pump {
		r.dev.Pump[i] = tracedPump{r.dev.Pump[i], r.trace}
	}
	r.loop = edge.Loop{Core: c, Dev: &r.dev, Store: &tracedStore{Store: st, trace: r.trace}}
	return r
}

func (r *rig) tick() core.Ready {
	*r.trace = (*r.trace)[:0]
	r.now = r.sim.Plant.Now
	rd := r.loop.Tick(r.now, stamp{r}, true)
	r.sim.Plant.Step(hil.Tick)
	return rd
}

// A trip's modules are cut before its record is saved, and the record is
// durable before the pumps are written; the record is saved once.
func TestTripCutThenPersistThenRest(t *testing.T) {
	r := newRig(t, &tripstore.Memory{})
	if _, err := r.loop.Boot(0); err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if rd := r.tick(); rd.Persist {
			t.Fatalf("a record to persist before any trip: %+v", rd.Record)
		}
	}
	r.leak = true
	var rd core.Ready
	for range 50 {
		if rd = r.tick(); rd.Persist {
			break
		}
	}
	if !rd.Persist || !rd.Record.Latched || rd.Record.Cause != safety.CauseLeak {
		t.Fatalf("leak: ready %+v, want a latched leak record", rd.Record)
	}
	tr := *r.trace
	save := indexOf(tr, "save")
	if save < 0 || indexOf(tr, "module") > save || lastIndexOf(tr, "module") > save || indexOf(tr, "pump") < save {
		t.Errorf("write order on the trip's tick: %v; want every module, then the save, then the pumps", tr)
	}
	for i := 0; i < r.sim.Plant.P.Modules; i++ {
		if rd.Out.Module[i] != hal.LevelCut {
			t.Errorf("module %d commanded %v on a leak, want cut", i, rd.Out.Module[i])
		}
	}
	if rd := r.tick(); rd.Persist {
		t.Errorf("the same latch persisted twice")
	}
	if got := r.loop.Stats().Persists; got != 1 {
		t.Errorf("%d records saved, want 1", got)
	}
}

// A save that fails is asked for again on the next tick.
func TestFailedSaveAskedAgain(t *testing.T) {
	mem := &tripstore.Memory{}
	r := newRig(t, mem)
	r.loop.Store.(*tracedStore).fail = 1
	if _, err := r.loop.Boot(0); err != nil {
		t.Fatal(err)
	}
	r.leak = true
	saves := 0
	for range 100 {
		if r.tick().Persist {
			saves++
		}
	}
	if saves != 2 {
		t.Errorf("%d saves asked for, want 2 (the failed one, then again)", saves)
	}
	if st := r.loop.Stats(); st.PersistErrors != 1 || st.Persists != 1 {
		t.Errorf("stats %+v, want one failed save and one done", st)
	}
	if rec, ok, err := mem.Load(); err != nil || !ok || !rec.Latched {
		t.Errorf("store holds %+v ok=%v err=%v, want the latch", rec, ok, err)
	}
}

// A corrupt trip store at boot starts latched (self-test), keeps every
// module unpowered, and the first tick writes the latch again, whole.
func TestCorruptStoreBootsLatched(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "trip-a.rec"), []byte("HTRP garbled by a dying SD card"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := tripstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, st)
	latched, err := r.loop.Boot(0)
	if !latched || !errors.Is(err, tripstore.ErrCorrupt) {
		t.Fatalf("boot on a corrupt store: latched %v, err %v; want latched, ErrCorrupt", latched, err)
	}
	rd := r.tick()
	if !rd.Persist || !rd.Record.Latched || rd.Record.Cause != safety.CauseSelfTest {
		t.Fatalf("first tick: %+v, want the self-test latch persisted", rd.Record)
	}
	for range 600 { // a minute: still latched, modules unpowered
		rd = r.tick()
	}
	if rd.Status.State != safety.StateTripped {
		t.Errorf("a minute after a corrupt boot: %v, want tripped", rd.Status.State)
	}
	for i := 0; i < r.sim.Plant.P.Modules; i++ {
		if r.sim.Plant.Modules[i].Powered() {
			t.Errorf("module %d powered a minute after a corrupt boot", i)
		}
	}
	rec, ok, err := st.Load()
	if err != nil || !ok || !rec.Latched || rec.Cause != safety.CauseSelfTest {
		t.Errorf("store after boot: %+v ok=%v err=%v, want a valid self-test latch", rec, ok, err)
	}
}

type countKicks struct{ n int }

func (c *countKicks) Kick() error { c.n++; return nil }

// The watchdog is kicked only on a tick the caller calls on time.
func TestKickOnlyOnTime(t *testing.T) {
	r := newRig(t, &tripstore.Memory{})
	dog := &countKicks{}
	r.loop.Dog = dog
	if _, err := r.loop.Boot(0); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		r.now = r.sim.Plant.Now
		r.loop.Tick(r.now, stamp{r}, i%2 == 0)
		r.sim.Plant.Step(hil.Tick)
	}
	if dog.n != 5 || r.loop.Stats().Unhealthy != 5 {
		t.Errorf("%d kicks, %d unkicked ticks; want 5 and 5", dog.n, r.loop.Stats().Unhealthy)
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func lastIndexOf(s []string, v string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == v {
			return i
		}
	}
	return -1
}
