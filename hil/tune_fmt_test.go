package hil

import "strconv"

func strconvG(x float64) string { return strconv.FormatFloat(x, 'g', 3, 64) }
func strconvF(x float64) string { return strconv.FormatFloat(x, 'f', 0, 64) }
func padL(s string, n int) string {
	for len(s) < n {
		s = " " + s
	}
	return s
}
