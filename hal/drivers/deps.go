package drivers

// The periph.io modules the drivers build on, pinned in go.mod (their
// version lists are refused by the module proxy here: conn v3.7.3, host
// v3.8.5, devices v3.7.4).
import (
	_ "periph.io/x/conn/v3/i2c"
	_ "periph.io/x/devices/v3/ads1x15"
	_ "periph.io/x/host/v3"
)
