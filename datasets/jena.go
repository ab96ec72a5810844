package datasets

import _ "embed" // for the go:embed directives below

// The Jena weather files shipped with seqconv (see SOURCES.md).
const (
	// JenaRoof2024Name is the file name of the 2024 station export in the
	// format of jena_climate_2009_2016.csv (19,132 rows, 14 columns).
	JenaRoof2024Name = "jena_format_from_mpi_roof_2024.csv"
	// JenaFirst19RowsName is the file name of the first 19 rows of the
	// original jena_climate_2009_2016.csv, in its exact layout.
	JenaFirst19RowsName = "jena_climate_2009_2016_first19rows_originalformat.csv"
)

//go:embed jena/jena_format_from_mpi_roof_2024.csv
var jenaRoof2024 []byte

//go:embed jena/jena_climate_2009_2016_first19rows_originalformat.csv
var jenaFirst19 []byte

// JenaRoof2024 returns a copy of the bytes of the shipped 2024 Jena file
// (09.06.2024 11:40 – 20.10.2024 08:10, 10-minute steps, no gaps).
func JenaRoof2024() []byte { return append([]byte(nil), jenaRoof2024...) }

// JenaFirst19Rows returns a copy of the bytes of the first 19 rows of the
// original jena_climate_2009_2016.csv (01.01.2009 00:10 – 03:10).
func JenaFirst19Rows() []byte { return append([]byte(nil), jenaFirst19...) }
