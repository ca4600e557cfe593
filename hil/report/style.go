package report

import (
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// sans is used for every piece of text: at 8 pt a serif face smudges.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

func textStyle(size float64, c color.Color) draw.TextStyle {
	return draw.TextStyle{
		Color:   c,
		Font:    font.From(sans, vg.Length(size)),
		Handler: plot.DefaultTextHandler,
	}
}

func rgb(hex uint32) color.RGBA {
	return color.RGBA{R: uint8(hex >> 16), G: uint8(hex >> 8), B: uint8(hex), A: 255}
}

func solid(hex uint32, width float64) draw.LineStyle {
	return draw.LineStyle{Color: rgb(hex), Width: vg.Points(width)}
}

func dashed(hex uint32, width float64, dashes ...float64) draw.LineStyle {
	l := solid(hex, width)
	for _, d := range dashes {
		l.Dashes = append(l.Dashes, vg.Points(d))
	}
	return l
}

// Colours: each physical loop has a hue (oil red, water blue, tank purple,
// house green) and the return or lower side is a lighter shade of it. What a
// probe reported is dotted over the truth in a contrasting colour, so a lying
// sensor shows as a dotted line wandering off the solid one.
var (
	colPass = rgb(0x1a7f37)
	colFail = rgb(0xc62828)
	colText = rgb(0x333333)
	colMute = rgb(0x666666)
)

// limitStyle colours a limit by its severity, read from its name.
func limitStyle(key string) draw.LineStyle {
	switch {
	case strings.Contains(key, "trip"):
		return dashed(0xd7191c, 0.9, 6, 3)
	case strings.Contains(key, "warn"):
		return dashed(0xe08214, 0.9, 6, 3)
	default: // ceilings and targets
		return dashed(0x555555, 0.9, 2, 3)
	}
}

// severity names a limit's kind from its key: trip, warn or target.
func severity(key string) string {
	switch {
	case strings.Contains(key, "trip"):
		return "trip"
	case strings.Contains(key, "warn"):
		return "warn"
	}
	return "ceiling / target"
}

// markerKinds lists the marker kinds in legend order.
var markerKinds = []string{"fault", "clear", "command", "demand", "alarm", "warning", "trip", "violation", "check passed", "check failed"}

func markerStyle(kind string) draw.LineStyle {
	switch kind {
	case "fault":
		return dashed(0xd7191c, 1, 4, 2)
	case "clear":
		return dashed(0x1a9641, 1, 4, 2)
	case "command":
		return dashed(0x2b83ba, 0.8, 2, 2)
	case "demand":
		return dashed(0x7b3294, 0.8, 2, 2)
	case "trip":
		return solid(0x000000, 1.4)
	case "violation":
		return solid(0xe7298a, 1.4)
	case "alarm":
		return dashed(0xd95f02, 1.2, 1, 1.5)
	case "warning":
		return dashed(0xe6ab02, 1.0, 1, 1.5)
	case "check passed":
		return dashed(0x1a7f37, 1.0, 3, 1, 1, 1)
	case "check failed":
		return solid(0xc62828, 1.6)
	default:
		return dashed(0x999999, 0.8, 2, 2)
	}
}

// stateOrder puts the safety states top to bottom in the order a run meets
// them, so the further the line drops the worse things are. States not
// listed (a newer build's) go below, in the order they first appear.
var stateOrder = []string{"boot", "self_test", "standby", "running", "degraded", "shedding", "shutdown", "tripped", "maintenance"}

// stateFill shades the safety panel: green while running, amber while
// compute is held back, red when compute is off for safety.
func stateFill(s string) color.Color {
	switch s {
	case "running":
		return color.RGBA{R: 0xe5, G: 0xf5, B: 0xe0, A: 0xff}
	case "degraded", "shedding":
		return color.RGBA{R: 0xfe, G: 0xe8, B: 0xc8, A: 0xff}
	case "shutdown", "tripped":
		return color.RGBA{R: 0xfc, G: 0xd0, B: 0xd0, A: 0xff}
	default:
		return nil
	}
}
