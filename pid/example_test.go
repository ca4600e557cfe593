package pid_test

import (
	"fmt"

	"hearth/pid"
	"hearth/units"
)

// A loop: configure once, then one Update per tick with the measurement and
// the controller's clock; tell the controller what was really applied.
func Example() {
	cfg := pid.DefaultConfig()
	cfg.Kp, cfg.Ki = 0.1, 0.1/240 // SIMC PI for a heater: K = 100 K, T = 600 s, L = 30 s
	cfg.OutMin, cfg.OutMax = 0, 0.6
	var c pid.Controller
	if err := c.Configure(cfg); err != nil {
		panic(err)
	}
	c.Reset(0) // the heater is off now

	temp := 20.0
	for k := range 3 {
		now := units.Time(k) * units.Time(units.Second)
		heater := c.Update(60, temp, 0, now)
		applied := heater
		if k == 2 {
			applied = 0 // the safety layer overrides
		}
		c.Track(applied)
		fmt.Printf("t=%ds heater %.3f applied %.3f\n", k, heater, applied)
	}
	// Output:
	// t=0s heater 0.000 applied 0.000
	// t=1s heater 0.017 applied 0.017
	// t=2s heater 0.033 applied 0.000
}

// The tuner is a pure step too: drive the plant with its output until done.
func ExampleTuner() {
	var tu pid.Tuner
	err := tu.Configure(pid.TunerConfig{
		Setpoint: 0.5, Hysteresis: 0.01, OutMin: 0, OutMax: 1, Bias: 0.5, RestOutput: 0,
		MaxDeviation: 0.4, MaxDuration: units.Hour,
	})
	if err != nil {
		panic(err)
	}
	// A first-order plant with a 20 s dead time, K = 1, T = 100 s, sampled
	// every second.
	y, line := 0.0, make([]float64, 21) // line[0] reaches the plant 20 s after it left
	for k := 0; ; k++ {
		u, done := tu.Step(y, units.Time(k)*units.Time(units.Second))
		if done {
			break
		}
		line = append(line[1:], u)
		for range 100 {
			y += 0.01 * (line[0] - y) / 100
		}
	}
	r, err := tu.Result()
	if err != nil {
		panic(err)
	}
	g, _ := r.Gains(pid.SIMCPI)
	fmt.Printf("Ku %.2f Tu %.0fs, K %.2f T %.0fs L %.0fs\n", r.Ku, r.Tu.Seconds(), r.Model.K, r.Model.T.Seconds(), r.Model.L.Seconds())
	fmt.Printf("SIMC PI: Kp %.2f Ti %.0fs\n", g.Kp, g.Ti().Seconds())
	// Output:
	// Ku 8.50 Tu 74s, K 1.00 T 100s L 20s
	// SIMC PI: Kp 2.50 Ti 100s
}
