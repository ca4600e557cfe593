package drill

import (
	"context"
	"encoding/json"
	"testing"

	"hearth/hal"
)

// The Done-when of issue 7, as tests: 512 agents confirm the trip within
// 250 ms without loss, and within 3 s with 30 % loss each way; every attack
// is rejected by the agents themselves.
func TestDrill(t *testing.T) {
	cases := []struct {
		name   string
		agents int
		loss   float64
		killMs float64
	}{
		{"512 agents, no loss", 512, 0, 250},
		{"512 agents, 30% loss each way", 512, 0.3, 3000},
		{"one agent", 1, 0, 250},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if testing.Short() && c.agents > 1 {
				t.Skip("512 agents: not in -short")
			}
			res, err := Run(context.Background(), Config{Agents: c.agents, Loss: c.loss, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			js, _ := json.Marshal(res)
			t.Logf("%s", js)
			if res.Agents != c.agents || res.Unconfirmed != 0 || res.KillAllMs == nil || res.ThrottleAllMs == nil {
				t.Fatalf("not every agent confirmed: %s", js)
			}
			if *res.KillAllMs > c.killMs {
				t.Errorf("kill_all_ms %v, want <= %v", *res.KillAllMs, c.killMs)
			}
			if res.RelayOpenAllMs > 50 {
				t.Errorf("relays took %v ms to open: they must not wait for the network", res.RelayOpenAllMs)
			}
			if res.ForgeriesSent != attacksPerAgent*c.agents || res.AttacksEffective != 0 {
				t.Errorf("attacks: %d sent, %d effective", res.ForgeriesSent, res.AttacksEffective)
			}
			if res.ForgedRejected != 2*c.agents || res.CrossModuleRejected != c.agents || res.ReplayedRejected != 2*c.agents {
				t.Errorf("agents rejected forged %d, cross-module %d, replayed %d; want %d, %d, %d",
					res.ForgedRejected, res.CrossModuleRejected, res.ReplayedRejected, 2*c.agents, c.agents, 2*c.agents)
			}
			if res.ControllerForgedRejected != c.agents {
				t.Errorf("controller rejected %d forged reports, want %d", res.ControllerForgedRejected, c.agents)
			}
			if c.loss == 0 && (res.LostToAgent != 0 || res.LostToController != 0) {
				t.Errorf("lost datagrams without loss: %d, %d", res.LostToAgent, res.LostToController)
			}
			if c.loss > 0 && (res.LostToAgent == 0 || res.LostToController == 0) {
				t.Errorf("no datagram lost at loss %v", c.loss)
			}
			if !res.OK() {
				t.Errorf("Result.OK() = false")
			}
		})
	}
}

func TestDrillRejectsBadConfig(t *testing.T) {
	for _, c := range []Config{{Agents: 0}, {Agents: MaxAgents + 1}, {Agents: 1, Loss: 1}, {Agents: 1, Loss: -0.1},
		{Agents: 1, Shed: hal.Level100}, {Agents: 1, Shed: hal.LevelOff}} {
		if _, err := Run(context.Background(), c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
