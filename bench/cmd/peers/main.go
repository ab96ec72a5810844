// Command peers times seqconv and PyTorch side by side on the same machine
// in one run: the reference IMDB and Jena models' train step and inference
// at batch 128, one IMDB epoch, and the data path (Jena CSV parsing, IMDB
// loading) against pandas and Python + numpy. bench/peers.sh builds and runs
// it; see docs/bench.md.
//
// The seqconv cases run in this process; the PyTorch cases run in a server
// (bench/peers.py) that takes one JSON request a line on stdin. The two
// alternate case by case and round by round (which one goes first flips
// every round), so that drift on a shared machine hits both.
//
// Usage:
//
//	peers [--threads 2] [--rounds 5] [--epoch-rounds 3] [--json FILE] [--markdown FILE]
//	      [--python /usr/bin/python3] [--peer bench/peers.py] [--omp auto|default|passive|active]
//	      [--imdb-data real|uniform]
//	      [--no-data] [--no-epoch] [--quick]
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/seqconv/seqconv/bench"
	"github.com/seqconv/seqconv/data/imdb"
	"github.com/seqconv/seqconv/data/jena"
	"github.com/seqconv/seqconv/datasets"
	"github.com/seqconv/seqconv/internal/kernels"
)

type config struct {
	threads, rounds, epochRounds int
	jsonOut, mdOut               string
	python, peer, omp            string
	noData, noEpoch, quick       bool
	imdbData                     string
}

func main() {
	var c config
	flag.IntVar(&c.threads, "threads", 2, "threads for both frameworks (GOMAXPROCS, torch.set_num_threads)")
	flag.IntVar(&c.rounds, "rounds", 5, "rounds of the step and inference cases")
	flag.IntVar(&c.epochRounds, "epoch-rounds", 3, "rounds of the IMDB epoch case")
	flag.StringVar(&c.jsonOut, "json", "", "write the results as JSON to this file")
	flag.StringVar(&c.mdOut, "markdown", "", "write the results as a Markdown table to this file")
	flag.StringVar(&c.python, "python", "/usr/bin/python3", "Python with torch, numpy and pandas")
	flag.StringVar(&c.peer, "peer", "bench/peers.py", "the PyTorch server script")
	flag.StringVar(&c.omp, "omp", "passive", "OMP_WAIT_POLICY of the PyTorch server: passive (the default: idle threads sleep), auto (servers with default and passive, the faster kept per case and round; the default policy's idle spinning slows the other side), default or active (whose idle threads spin and slow the other side down)")
	flag.StringVar(&c.imdbData, "imdb-data", "real", "IMDB ids: real (the first 20,000 shipped training reviews, padded to 500) or uniform (random ids)")
	flag.BoolVar(&c.noData, "no-data", false, "skip the data-path timings")
	flag.BoolVar(&c.noEpoch, "no-epoch", false, "skip the IMDB epoch case")
	flag.BoolVar(&c.quick, "quick", false, "one round, one epoch round, one data round (a smoke run)")
	flag.Parse()
	if c.quick {
		c.rounds, c.epochRounds = 1, 1
	}
	if c.threads < 1 || c.rounds < 1 || c.epochRounds < 1 {
		fmt.Fprintln(os.Stderr, "peers: --threads, --rounds and --epoch-rounds must be at least 1")
		os.Exit(2)
	}
	// Before any kernel runs: the worker pool is sized from GOMAXPROCS.
	runtime.GOMAXPROCS(c.threads)
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(1)
	}
}

// peer is one PyTorch server process.
type peer struct {
	policy string
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Scanner
	info   map[string]any
}

func startPeer(c config, policy, dataDir string) (*peer, error) {
	cmd := exec.Command(c.python, c.peer)
	// The OpenBLAS core overrides some machines set for old OpenBLAS builds
	// slow torch's GEMMs down; the server checks a GEMM against a BLAS-free
	// sum instead (gemm_err).
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "OPENBLAS_CORETYPE=") || strings.HasPrefix(kv, "OPENBLAS_L2_SIZE=") ||
			strings.HasPrefix(kv, "OMP_WAIT_POLICY=")
	})
	if policy != "default" {
		cmd.Env = append(env, "OMP_WAIT_POLICY="+strings.ToUpper(policy))
	} else {
		cmd.Env = env
	}
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s %s: %w", c.python, c.peer, err)
	}
	p := &peer{policy: policy, cmd: cmd, in: in, out: bufio.NewScanner(out)}
	p.out.Buffer(make([]byte, 1<<20), 1<<24)
	info, err := p.call(map[string]any{"op": "init", "threads": c.threads, "data": dataDir})
	if err != nil {
		p.close()
		return nil, err
	}
	p.info = info
	return p, nil
}

// call sends one request and returns the decoded response.
func (p *peer) call(req map[string]any) (map[string]any, error) {
	b, _ := json.Marshal(req)
	if _, err := p.in.Write(append(b, '\n')); err != nil {
		return nil, fmt.Errorf("PyTorch peer: %w", err)
	}
	if !p.out.Scan() {
		if err := p.out.Err(); err != nil {
			return nil, fmt.Errorf("PyTorch peer: %w", err)
		}
		return nil, errors.New("PyTorch peer exited (see its error above)")
	}
	var resp map[string]any
	if err := json.Unmarshal(p.out.Bytes(), &resp); err != nil {
		return nil, fmt.Errorf("PyTorch peer: bad response %q: %w", p.out.Text(), err)
	}
	if e, ok := resp["error"]; ok {
		return nil, fmt.Errorf("PyTorch peer (op %v): %v", req["op"], e)
	}
	return resp, nil
}

// times calls a timing request and returns its "ms" list (or key).
func (p *peer) times(req map[string]any, key string) ([]float64, map[string]any, error) {
	resp, err := p.call(req)
	if err != nil {
		return nil, nil, err
	}
	raw, ok := resp[key].([]any)
	if !ok {
		return nil, nil, fmt.Errorf("PyTorch peer: response without %q", key)
	}
	ms := make([]float64, len(raw))
	for i, v := range raw {
		ms[i], _ = v.(float64)
	}
	return ms, resp, nil
}

func (p *peer) close() {
	if p == nil {
		return
	}
	b, _ := json.Marshal(map[string]any{"op": "quit"})
	p.in.Write(append(b, '\n'))
	p.in.Close()
	p.cmd.Wait()
}

// pyConfig is a PyTorch setting: the server (OpenMP wait policy) and
// whether convolutions go through oneDNN; warm-up picks the latter per case.
type pyConfig struct {
	p      *peer
	mkldnn bool
}

func (c pyConfig) request(name string, n int) map[string]any {
	return map[string]any{"op": "run", "case": name, "n": n, "mkldnn": c.mkldnn}
}

// conv names the convolution path.
func (c pyConfig) conv() string {
	if c.mkldnn {
		return "oneDNN conv"
	}
	return "native conv"
}

// timeGo runs f n times and returns each run's milliseconds.
func timeGo(n int, f func() error) ([]float64, error) {
	ms := make([]float64, n)
	for i := range n {
		t0 := time.Now()
		if err := f(); err != nil {
			return nil, err
		}
		ms[i] = float64(time.Since(t0).Nanoseconds()) / 1e6
	}
	return ms, nil
}

// reps is how many times each case runs per round on each side.
var reps = map[string]int{
	bench.IMDBTrainStep: 4, bench.IMDBInference: 8,
	bench.JenaTrainStep: 4, bench.JenaInference: 8,
	bench.IMDBEpochCase: 1,
}

// targets are the required ratios PyTorch/seqconv.
var targets = map[string]float64{
	bench.IMDBTrainStep: 2.5, bench.IMDBInference: 3,
	bench.JenaTrainStep: 2.5, bench.JenaInference: 3,
	bench.IMDBEpochCase: 2.5,
}

func run(c config) error {
	ctx := context.Background()
	start := time.Now().UTC()
	rep := &report{Machine: machine(), Threads: c.threads, Date: start.Format(time.RFC3339),
		GoVersion: runtime.Version(), LoadBefore: loadavg()}
	fmt.Printf("machine %s, %d threads, load %s\n", rep.Machine, c.threads, rep.LoadBefore)

	dir, err := os.MkdirTemp("", "seqconv-peers-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	data := bench.NewData(1)
	switch c.imdbData {
	case "real":
		train, _, err := imdb.LoadData(imdb.Options{NumWords: bench.IMDBVocab})
		if err != nil {
			return err
		}
		if err := data.UseIMDB(train); err != nil {
			return err
		}
	case "uniform":
	default:
		return fmt.Errorf("--imdb-data %q: want real or uniform", c.imdbData)
	}
	rep.IMDBData = c.imdbData
	if err := data.WriteRaw(dir); err != nil {
		return err
	}
	cases, err := bench.NewCases(data, 1)
	if err != nil {
		return err
	}
	policies := []string{c.omp}
	if c.omp == "auto" {
		// Not ACTIVE: an idle ACTIVE server's OpenMP threads spin without
		// end, taking a core from whatever runs next.
		policies = []string{"default", "passive"}
	}
	var peers []*peer
	defer func() {
		for _, p := range peers {
			p.close()
		}
	}()
	for _, pol := range policies {
		p, err := startPeer(c, pol, dir)
		if err != nil {
			return err
		}
		peers = append(peers, p)
		ip, jp := p.info["imdb_params"], p.info["jena_params"]
		if ip != float64(bench.IMDBParams) || jp != float64(bench.JenaParams) {
			return fmt.Errorf("PyTorch models have %v and %v parameters, want %d and %d", ip, jp, bench.IMDBParams, bench.JenaParams)
		}
		if e, _ := p.info["gemm_err"].(float64); e > 1e-3 {
			return fmt.Errorf("PyTorch's float32 GEMM is off by %g: broken BLAS setup", e)
		}
	}
	rep.Torch = fmt.Sprintf("torch %v, numpy %v, Python %v, mkldnn %v", peers[0].info["torch"], peers[0].info["numpy"], peers[0].info["python"], peers[0].info["mkldnn"])
	fmt.Printf("parameters: IMDB %d (seqconv) = %v (PyTorch), Jena %d = %v\n", cases.IMDB.CountParams(), peers[0].info["imdb_params"], cases.Jena.CountParams(), peers[0].info["jena_params"])
	fmt.Println(rep.Torch)

	names := bench.CaseNames
	if c.noEpoch {
		names = names[:len(names)-1]
	}
	// Warm-up: buffers, caches, OpenMP pools; with --omp auto it also picks,
	// per case, the server whose wait policy is faster here.
	chosen := map[string]pyConfig{}
	fmt.Println("warming up")
	for _, name := range names {
		if name == bench.IMDBEpochCase {
			chosen[name] = chosen[bench.IMDBTrainStep]
			continue
		}
		k := cases.Get(name)
		if _, err := timeGo(2, func() error { return k.Run(ctx) }); err != nil {
			return fmt.Errorf("seqconv %s: %w", name, err)
		}
		best := -1.0
		for _, p := range peers {
			for _, mk := range []bool{true, false} {
				cfg := pyConfig{p, mk}
				ms, _, err := p.times(cfg.request(name, 3), "ms")
				if err != nil {
					return err
				}
				if m := median(ms); best < 0 || m < best {
					best, chosen[name] = m, cfg
				}
			}
		}
	}
	peak := kernels.FMAPeak(c.threads, time.Second)

	sq := map[string][]float64{}
	pt := map[string][]float64{}
	wins := map[string]int{} // "case policy" → rounds that policy was faster
	roundBest := peers[0]
	for r := range c.rounds {
		fmt.Printf("round %d/%d\n", r+1, c.rounds)
		for _, name := range names {
			if name == bench.IMDBEpochCase && r >= c.epochRounds {
				continue
			}
			k := cases.Get(name)
			goSide := func() error {
				ms, err := timeGo(reps[name]+warm(name), func() error { return k.Run(ctx) })
				sq[name] = append(sq[name], ms[min(warm(name), len(ms)):]...)
				return err
			}
			// The OpenMP wait policy that suits PyTorch changes with the
			// machine's load, which changes between rounds: every round runs
			// the case on each server and keeps the faster one's times
			// (the epoch goes to this round's faster train-step server).
			pySide := func() error {
				cfg := chosen[name]
				candidates := peers
				if name == bench.IMDBEpochCase {
					candidates = []*peer{roundBest}
				}
				var best []float64
				for _, p := range candidates {
					cfg.p = p
					ms, _, err := p.times(cfg.request(name, reps[name]+warm(name)), "ms")
					if err != nil {
						return err
					}
					ms = ms[min(warm(name), len(ms)):]
					if best == nil || median(ms) < median(best) {
						best, roundBest = ms, p
					}
				}
				wins[name+" "+roundBest.policy]++
				pt[name] = append(pt[name], best...)
				return nil
			}
			first, second := goSide, pySide
			if r%2 == 1 {
				first, second = pySide, goSide
			}
			if err := first(); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if err := second(); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	if p2 := kernels.FMAPeak(c.threads, time.Second); p2 > peak {
		peak = p2
	}
	rep.PeakGFLOPS = peak
	for _, name := range names {
		setting := chosen[name].conv()
		for _, p := range peers {
			if n := wins[name+" "+p.policy]; n > 0 {
				setting += fmt.Sprintf(", OMP %s ×%d", p.policy, n)
			}
		}
		rep.Cases = append(rep.Cases, newCaseResult(name, sq[name], pt[name], setting, peak))
	}
	rep.LoadAfter = loadavg()
	fmt.Print("\n" + rep.markdown())
	var dataErr error
	if !c.noData {
		rep.DataPath, dataErr = dataPath(c, dir, chosen[bench.IMDBTrainStep].p)
		if dataErr != nil {
			dataErr = fmt.Errorf("data path: %w", dataErr)
		}
		rep.LoadAfter = loadavg()
	}
	rep.Seconds = time.Since(start).Seconds()

	md := rep.markdown()
	if len(rep.DataPath) > 0 {
		fmt.Print("\n" + md)
	}
	if c.mdOut != "" {
		if err := os.WriteFile(c.mdOut, []byte(md), 0o644); err != nil {
			return err
		}
	}
	if c.jsonOut != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(c.jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return dataErr
}

// dataPath times Jena CSV parsing and IMDB loading on both sides, alternating.
func dataPath(c config, dir string, p *peer) ([]dataResult, error) {
	rounds := 3
	if c.quick {
		rounds = 1
	}
	csv := filepath.Join(dir, "jena_climate_2009_2016.csv")
	b := bench.SynthJenaCSV(bench.JenaRows)
	if err := os.WriteFile(csv, b, 0o644); err != nil {
		return nil, err
	}
	mb := float64(len(b)) / 1e6
	var goMs, pdMs, pdDates []float64
	fmt.Printf("data path: Jena CSV (%.1f MB)\n", mb)
	for r := range rounds {
		goSide := func() error {
			ms, err := timeGo(1, func() error {
				d, err := jena.Load(csv, jena.Options{})
				if err == nil && d.Rows != bench.JenaRows {
					err = fmt.Errorf("jena.Load: %d rows, want %d", d.Rows, bench.JenaRows)
				}
				return err
			})
			goMs = append(goMs, ms...)
			return err
		}
		pySide := func() error {
			ms, resp, err := p.times(map[string]any{"op": "jena_csv", "path": csv, "n": 1}, "ms")
			if err != nil {
				return err
			}
			if resp["rows"] != float64(bench.JenaRows) {
				return fmt.Errorf("pandas read %v rows, want %d", resp["rows"], bench.JenaRows)
			}
			pdMs = append(pdMs, ms...)
			raw, _ := resp["ms_dates"].([]any)
			for _, v := range raw {
				f, _ := v.(float64)
				pdDates = append(pdDates, f)
			}
			return nil
		}
		if err := alternate(r, goSide, pySide); err != nil {
			return nil, err
		}
	}
	out := []dataResult{
		{Name: "jena_csv", What: "Jena CSV, 420,551 rows (synthetic, original layout): jena.Load vs pandas.read_csv (Date Time left as text)",
			SeqconvMs: median(goMs), PeerMs: median(pdMs), MB: mb},
		{Name: "jena_csv_dates", What: "same, pandas also parsing Date Time (pd.to_datetime with the format), as jena.Load does",
			SeqconvMs: median(goMs), PeerMs: median(pdDates), MB: mb},
	}

	// The Python side reads the very bytes LoadData reads: the archive and
	// word index embedded in package datasets, written out here.
	archive := filepath.Join(dir, "aclImdb_v1_labeled.tar.gz")
	wordIndex := filepath.Join(dir, "imdb_word_index.json")
	if err := os.WriteFile(archive, []byte(datasets.IMDBArchive()), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(wordIndex, datasets.IMDBWordIndex(), 0o644); err != nil {
		return nil, err
	}
	// The parsed word index is shared by later loads on both sides: parse it
	// before timing (the Python side parses it once per request, untimed).
	if _, err := imdb.DefaultVocab(); err != nil {
		return nil, err
	}
	fmt.Println("data path: IMDB archive")
	var goI, pyI []float64
	var train imdb.Split
	var pyResp map[string]any
	for r := range min(rounds, 2) {
		goSide := func() error {
			ms, err := timeGo(1, func() error {
				var err error
				train, _, err = imdb.LoadData(imdb.Options{NumWords: bench.IMDBVocab, NoCache: true})
				return err
			})
			goI = append(goI, ms...)
			return err
		}
		pySide := func() error {
			ms, resp, err := p.times(map[string]any{"op": "imdb_load", "archive": archive, "word_index": wordIndex, "n": 1}, "ms")
			pyI = append(pyI, ms...)
			pyResp = resp
			return err
		}
		if err := alternate(r, goSide, pySide); err != nil {
			return nil, err
		}
	}
	// Both sides must have produced the same dataset.
	first, _ := pyResp["first"].([]any)
	same := len(train.X) == int(pyResp["train"].(float64)) && len(first) > 0 && len(train.X[0]) >= len(first)
	for i := 0; same && i < len(first); i++ {
		same = float64(train.X[0][i]) == first[i].(float64)
	}
	if !same {
		return nil, fmt.Errorf("the Python IMDB loader's first review %v differs from LoadData's %v", first, train.X[0][:min(20, len(train.X[0]))])
	}
	archMB := float64(len(datasets.IMDBArchive())) / 1e6
	out = append(out, dataResult{Name: "imdb_load",
		What:      "IMDB from the aclImdb tar.gz (50,000 reviews, num_words 10000): imdb.LoadData uncached vs Python tarfile + bytes tokenizer + dict lookup + numpy shuffle (same ids checked)",
		SeqconvMs: median(goI), PeerMs: median(pyI), MB: archMB})
	return out, nil
}

// alternate runs a then b in even rounds and b then a in odd ones.
func alternate(r int, a, b func() error) error {
	if r%2 == 1 {
		a, b = b, a
	}
	if err := a(); err != nil {
		return err
	}
	return b()
}

// warm returns how many untimed runs precede a side's timed runs of a case
// in each round. After a side has been idle (while the other side ran), this
// machine runs slower for its first ~50 ms of work (measured here: a 4 ms
// inference took 7-9 ms for its first six to eight runs after an idle
// second, whatever the worker pool did), which would penalize whichever side
// has the shorter case. So each side first runs at least ~100 ms of
// seqconv-sized work untimed; the same count applies to both sides (PyTorch,
// slower, warms longer). A whole epoch warms itself.
func warm(name string) int {
	switch name {
	case bench.IMDBEpochCase:
		return 0
	case bench.IMDBInference, bench.JenaInference:
		return 25
	}
	return 8
}
