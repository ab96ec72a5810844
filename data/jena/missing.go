package jena

import (
	"fmt"
)

// fillMissing replaces the sentinel values of every column by the policy's
// rule. A column made only of sentinels cannot be filled and is an error.
func fillMissing(d *Data, p MissingPolicy) error {
	nf := d.Features()
	for c := 0; c < nf; c++ {
		if d.Missing[c] == 0 {
			continue
		}
		if d.Missing[c] == d.Rows {
			return fmt.Errorf("jena: %s: column %q has only missing values (-9999); nothing to fill from",
				d.File, d.Columns[c])
		}
		at := func(r int) *float32 { return &d.Values[r*nf+c] }
		prev := -1 // last valid row
		for r := 0; r < d.Rows; r++ {
			if *at(r) != Sentinel {
				prev = r
				continue
			}
			// r starts a run of sentinels; find its end.
			next := r
			for next < d.Rows && *at(next) == Sentinel {
				next++
			}
			for k := r; k < next; k++ {
				switch {
				case prev < 0: // run at the start: next valid value
					*at(k) = *at(next)
				case next == d.Rows || p == FillPrevious:
					*at(k) = *at(prev)
				default:
					a, b := float64(*at(prev)), float64(*at(next))
					t := float64(k-prev) / float64(next-prev)
					*at(k) = float32(a + (b-a)*t)
				}
			}
			r = next - 1
		}
	}
	return nil
}
