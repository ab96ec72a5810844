package jena

import "time"

// TimeSummary describes the timestamps of a file.
type TimeSummary struct {
	First, Last time.Time
	// Step is the most common positive difference between consecutive rows.
	Step time.Duration
	// Gaps counts consecutive rows more than Step apart, MissingSteps the
	// number of Step-long slots those gaps skip (rounded down), and
	// LargestGap the longest difference.
	Gaps         int
	MissingSteps int
	LargestGap   time.Duration
	// Irregular counts positive differences shorter than Step or not a
	// multiple of it; Backward counts rows not after the previous one
	// (duplicates or clock going back).
	Irregular int
	Backward  int
}

// SummarizeTimes returns the summary of a sequence of timestamps.
func SummarizeTimes(ts []time.Time) TimeSummary {
	var s TimeSummary
	if len(ts) == 0 {
		return s
	}
	s.First, s.Last = ts[0], ts[len(ts)-1]
	counts := map[time.Duration]int{}
	for i := 1; i < len(ts); i++ {
		if d := ts[i].Sub(ts[i-1]); d > 0 {
			counts[d]++
		}
	}
	best := 0
	for d, n := range counts {
		if n > best || n == best && d < s.Step {
			s.Step, best = d, n
		}
	}
	if s.Step == 0 {
		s.Backward = len(ts) - 1
		return s
	}
	for i := 1; i < len(ts); i++ {
		d := ts[i].Sub(ts[i-1])
		switch {
		case d <= 0:
			s.Backward++
		case d%s.Step != 0:
			s.Irregular++
		case d > s.Step:
			s.Gaps++
			s.MissingSteps += int(d/s.Step) - 1
		}
		s.LargestGap = max(s.LargestGap, d)
	}
	return s
}
