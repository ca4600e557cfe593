package plant

import (
	"fmt"

	"github.com/BurntSushi/toml"

	"hearth/hal"
	"hearth/units"
)

// Params is the physical description of a HeatHub and its home. Defaults are
// the reference HeatHub of docs/domain.md. Every figure the plant uses lives here,
// with its unit in its name, so a plant file (TOML) can override any of them.
type Params struct {
	HydroParams

	// Compute.
	Modules         int        `toml:"modules"`
	BoardsPerModule int        `toml:"boards_per_module"`
	BoardIdleW      units.Watt `toml:"board_idle_w"`
	BoardFullW      units.Watt `toml:"board_full_w"`
	SoCKPerW        float64    `toml:"soc_k_per_w"` // SoC rise over local oil per watt of board power
	ThrottleDelayS  float64    `toml:"throttle_delay_s"`
	ShutdownS       float64    `toml:"shutdown_s"`
	BootS           float64    `toml:"boot_s"`
	// OffDeadlineS is how long after an Off command a module's relay opens
	// (modules.HubConfig.OffDeadline): the graceful shutdown's time.
	OffDeadlineS float64 `toml:"off_deadline_s"`

	// Oil loop.
	ModuleOilL       float64             `toml:"module_oil_l"` // oil in each module's tank
	ColdOilL         float64             `toml:"cold_oil_l"`   // exchanger outlet, pipes and manifold to the modules
	OilPumpMaxLPM    units.LitrePerMin   `toml:"oil_pump_max_lpm"`
	OilPumpW         units.Watt          `toml:"oil_pump_w"`
	OilLossWPerK     units.WattPerKelvin `toml:"oil_loss_w_per_k"` // oil circuit to the plant room
	PlantRoomC       units.Celsius       `toml:"plant_room_c"`
	ExchangerUAWPerK units.WattPerKelvin `toml:"exchanger_ua_w_per_k"`
	PumpSpinUpS      float64             `toml:"pump_spin_up_s"` // first-order time constant

	// Oil leak into the bund: oil is lost at OilLeakPumpedLPM while the oil
	// pump turns and at OilLeakStillLPM otherwise; the expansion tank's
	// level switch reads low once OilLowL is lost; with more than OilAirL
	// lost the pump draws air and its flow falls linearly to nothing at
	// twice OilAirL.
	OilLeakPumpedLPM units.LitrePerMin `toml:"oil_leak_pumped_lpm"`
	OilLeakStillLPM  units.LitrePerMin `toml:"oil_leak_still_lpm"`
	OilLowL          float64           `toml:"oil_low_l"`
	OilAirL          float64           `toml:"oil_air_l"`

	// Primary water.
	SupplyWaterL    float64           `toml:"supply_water_l"`
	ReturnWaterL    float64           `toml:"return_water_l"`
	WaterPumpMaxLPM units.LitrePerMin `toml:"water_pump_max_lpm"`
	WaterPumpW      units.Watt        `toml:"water_pump_w"`
	ValveTravelS    float64           `toml:"valve_travel_s"`
	PressureBar     units.Bar         `toml:"pressure_bar"`
	// CavitationBar: below this true pressure the water pump cavitates; its
	// flow and its power fall linearly to 10 % over CavitationBandBar (a
	// cavitating pump's head collapses) and stay there.
	CavitationBar     units.Bar `toml:"cavitation_bar"`
	CavitationBandBar units.Bar `toml:"cavitation_band_bar"`
	// LeakInterlock: the bund's leak detector is wired in series with the
	// oil pump's supply (layer 5): its contact opening stops the pump.
	LeakInterlock bool `toml:"leak_interlock"`
	// PressureSwitchBar: a mechanical minimum-pressure limiter in series
	// with the water pump's supply (layer 5, EN 12828 practice): below it
	// the pump has no power, whatever software or a hung controller's
	// profile-A default would have it do. Set under the cavitation band, so
	// that software's witnesses act first. 0: none fitted.
	PressureSwitchBar units.Bar `toml:"pressure_switch_bar"`

	// Layers 4 and 5: a module agent whose lease is not renewed drops to idle
	// when it expires and shuts down after LeaseGraceS; the hardware
	// watchdog de-energises every relay when not kicked for WatchdogS.
	LeaseS      float64 `toml:"lease_s"`
	LeaseGraceS float64 `toml:"lease_grace_s"`
	WatchdogS   float64 `toml:"watchdog_s"`

	// Dump cooler.
	DumpUAFanOffWPerK units.WattPerKelvin `toml:"dump_ua_fan_off_w_per_k"`
	DumpUAFanMaxWPerK units.WattPerKelvin `toml:"dump_ua_fan_max_w_per_k"`
	DumpDerate        float64             `toml:"dump_derate"` // 1 = as new; 0.7 = fouled or hot-air recirculation
	FanW              units.Watt          `toml:"fan_w"`

	// Hot-water tank (TankLayers stratified layers; TankParams in tank.go).
	TankL           float64             `toml:"tank_l"`
	TankCoilUAWPerK units.WattPerKelvin `toml:"tank_coil_ua_w_per_k"` // at TankCoilNominalLPM
	TankLossWPerK   units.WattPerKelvin `toml:"tank_loss_w_per_k"`
	ImmersionW      units.Watt          `toml:"immersion_w"`
	MainsC          units.Celsius       `toml:"mains_c"`
	TankParams

	// House.
	HouseAirJPerK        units.JoulePerKelvin `toml:"house_air_j_per_k"`
	HouseFabricJPerK     units.JoulePerKelvin `toml:"house_fabric_j_per_k"`
	HouseAirLossWPerK    units.WattPerKelvin  `toml:"house_air_loss_w_per_k"`    // ventilation
	HouseFabricLossWPerK units.WattPerKelvin  `toml:"house_fabric_loss_w_per_k"` // walls, roof
	HouseAirFabricWPerK  units.WattPerKelvin  `toml:"house_air_fabric_w_per_k"`

	HouseParams
}

// DefaultParams returns the reference HeatHub of docs/domain.md.
func DefaultParams() Params {
	return Params{
		HydroParams: defaultHydroParams(),
		Modules:     8, BoardsPerModule: 64, BoardIdleW: 3, BoardFullW: 7, SoCKPerW: 2,
		ThrottleDelayS: 2, ShutdownS: 20, BootS: 30, OffDeadlineS: 25,

		ModuleOilL: 15, ColdOilL: 50, // 8 x 15 + 50 = 170 L, ~290 kJ/K
		OilPumpMaxLPM: 40, OilPumpW: 60, OilLossWPerK: 4, PlantRoomC: 15,
		ExchangerUAWPerK: 1000, PumpSpinUpS: 1.5,
		OilLeakPumpedLPM: 2, OilLeakStillLPM: 0.2, OilLowL: 1, OilAirL: 10,

		SupplyWaterL: 10, ReturnWaterL: 10, WaterPumpMaxLPM: 25, WaterPumpW: 45,
		ValveTravelS: 90, PressureBar: 1.5, CavitationBar: 0.3, CavitationBandBar: 0.02, LeakInterlock: true, PressureSwitchBar: 0.25,
		LeaseS: 3, LeaseGraceS: 60, WatchdogS: 10,

		DumpUAFanOffWPerK: 20, DumpUAFanMaxWPerK: 200, DumpDerate: 1, FanW: 150,

		TankL: 200, TankCoilUAWPerK: 800, TankLossWPerK: 1.5, ImmersionW: 3000,
		MainsC: 10, TankParams: defaultTankParams(),

		HouseAirJPerK: 2e6, HouseFabricJPerK: 18e6,
		HouseAirLossWPerK: 50, HouseFabricLossWPerK: 150, HouseAirFabricWPerK: 1500,
		HouseParams: defaultHouseParams(),
	}
}

// ModuleFullW is one module's draw at 100 %.
func (p *Params) ModuleFullW() units.Watt { return units.Watt(p.BoardsPerModule) * p.BoardFullW }

// ModuleIdleW is one module's draw at idle.
func (p *Params) ModuleIdleW() units.Watt { return units.Watt(p.BoardsPerModule) * p.BoardIdleW }

func oilCap(l float64) units.JoulePerKelvin {
	return units.JoulePerKelvin(l * units.OilDensityKgPerL * units.OilCpJPerKgK)
}

func waterCap(l float64) units.JoulePerKelvin {
	return units.JoulePerKelvin(l * units.WaterDensityKgPerL * units.WaterCpJPerKgK)
}

// LoadParams reads a plant file: TOML whose keys override the reference
// HeatHub's. An unknown key is an error, so a typo cannot pass silently.
func LoadParams(path string) (Params, error) {
	p := DefaultParams()
	md, err := toml.DecodeFile(path, &p)
	if err != nil {
		return Params{}, err
	}
	if und := md.Undecoded(); len(und) > 0 {
		return Params{}, fmt.Errorf("%s: unknown keys %v", path, und)
	}
	return p, p.Validate()
}

// Validate checks that the parameters describe a plant that can exist.
func (p *Params) Validate() error {
	if p.Modules < 1 || p.Modules > hal.MaxModules {
		return fmt.Errorf("modules = %d, want 1..%d", p.Modules, hal.MaxModules)
	}
	for _, c := range []struct {
		name string
		v    float64
	}{{"module_oil_l", p.ModuleOilL}, {"cold_oil_l", p.ColdOilL}, {"supply_water_l", p.SupplyWaterL},
		{"return_water_l", p.ReturnWaterL}, {"tank_l", p.TankL}, {"valve_travel_s", p.ValveTravelS},
		{"house_air_j_per_k", float64(p.HouseAirJPerK)}, {"house_fabric_j_per_k", float64(p.HouseFabricJPerK)},
		{"oil_pump_max_lpm", float64(p.OilPumpMaxLPM)}, {"water_pump_max_lpm", float64(p.WaterPumpMaxLPM)},
		{"oil_air_l", p.OilAirL}, {"cavitation_bar", float64(p.CavitationBar)},
		{"cavitation_band_bar", float64(p.CavitationBandBar)}} {
		if !(c.v > 0) {
			return fmt.Errorf("%s = %g, want > 0", c.name, c.v)
		}
	}
	for _, c := range []struct {
		name string
		v    float64
	}{{"off_deadline_s", p.OffDeadlineS}, {"oil_leak_pumped_lpm", float64(p.OilLeakPumpedLPM)},
		{"oil_leak_still_lpm", float64(p.OilLeakStillLPM)}, {"oil_low_l", p.OilLowL}} {
		if !(c.v >= 0) {
			return fmt.Errorf("%s = %g, want >= 0", c.name, c.v)
		}
	}
	return p.validateTank()
}
