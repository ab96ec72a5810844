package bench

import "github.com/seqconv/seqconv/data/jena"

// JenaRows is the row count of jena_climate_2009_2016.csv (43 MB).
const JenaRows = jena.ReferenceRows

// SynthJenaCSV returns a file in the layout of jena_climate_2009_2016.csv
// with rows rows (see jena.Synthetic): the original is not shipped, and
// parsing speed depends only on the layout and the digits.
func SynthJenaCSV(rows int) []byte { return jena.Synthetic(rows) }
