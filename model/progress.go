package model

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"
)

// progress prints Keras's training progress:
//
//	Epoch 1/10
//	157/157 [==============================] - 6s 38ms/step - loss: 0.4100 - accuracy: 0.8300 - val_loss: 0.4000 - val_accuracy: 0.8400
//
// With verbose 1 on a terminal the bar is redrawn in place with \r (at most
// every 50 ms); elsewhere, and with verbose 2, only the final line of each
// epoch is written (verbose 2 without the bar).
type progress struct {
	w           io.Writer
	verbose     int
	steps       int
	interactive bool
	now         func() time.Time

	start, last time.Time
	width       int // length of the last in-place line
	b           strings.Builder
}

func newProgress(w io.Writer, verbose, steps int) *progress {
	return &progress{w: w, verbose: verbose, steps: steps, interactive: verbose == 1 && isTerminal(w), now: time.Now}
}

// isTerminal reports whether w is a character device (a terminal), the
// standard-library test that golang.org/x/term's IsTerminal refines.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (p *progress) startEpoch(epoch, epochs int) {
	fmt.Fprintf(p.w, "Epoch %d/%d\n", epoch+1, epochs)
	p.start = p.now()
	p.last = time.Time{}
	p.width = 0
}

// bar writes "  3/157 [>.....] " the way Keras's Progbar does.
func (p *progress) bar(step int) {
	digits := len(fmt.Sprint(p.steps))
	fmt.Fprintf(&p.b, "%*d/%d [", digits, step, p.steps)
	w := int(30 * float64(step) / float64(p.steps))
	if w > 0 {
		p.b.WriteString(strings.Repeat("=", w-1))
		if step < p.steps {
			p.b.WriteByte('>')
		} else {
			p.b.WriteByte('=')
		}
	}
	p.b.WriteString(strings.Repeat(".", 30-w))
	p.b.WriteByte(']')
}

// update redraws the in-place bar after step (1-based) batches.
func (p *progress) update(step int, keys []string, values []float64) {
	if !p.interactive || step == p.steps {
		return
	}
	now := p.now()
	if !p.last.IsZero() && now.Sub(p.last) < 50*time.Millisecond {
		return
	}
	p.last = now
	p.b.Reset()
	p.bar(step)
	per := now.Sub(p.start) / time.Duration(step)
	eta := per * time.Duration(p.steps-step)
	fmt.Fprintf(&p.b, " - ETA: %s", etaString(eta))
	formatLogs(&p.b, keys, func(k string) float64 {
		for i, kk := range keys {
			if kk == k {
				return values[i]
			}
		}
		return math.NaN()
	})
	p.redraw()
}

// redraw writes the builder's line over the previous one.
func (p *progress) redraw() {
	line := p.b.String()
	pad := max(0, p.width-len(line))
	p.width = len(line)
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
}

// endEpoch writes the epoch's final line with the validation values.
func (p *progress) endEpoch(keys []string, logs map[string]float64) {
	elapsed := p.now().Sub(p.start)
	p.b.Reset()
	if p.verbose == 1 {
		p.bar(p.steps)
		fmt.Fprintf(&p.b, " - %.0fs %s", elapsed.Seconds(), stepTime(elapsed/time.Duration(p.steps)))
	} else {
		fmt.Fprintf(&p.b, "%d/%d - %.0fs - %s", p.steps, p.steps, elapsed.Seconds(), stepTime(elapsed/time.Duration(p.steps)))
	}
	formatLogs(&p.b, keys, func(k string) float64 { return logs[k] })
	if p.interactive {
		p.redraw()
		fmt.Fprintln(p.w)
		return
	}
	fmt.Fprintln(p.w, p.b.String())
}

// abort ends an in-place line so that an error message starts on its own.
func (p *progress) abort() {
	if p.interactive && p.width > 0 {
		fmt.Fprintln(p.w)
	}
}

// etaString formats a remaining time as Keras does: 42s, 3:05, 1:02:03.
func etaString(d time.Duration) string {
	s := int(d.Seconds())
	switch {
	case s >= 3600:
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s%3600/60, s%60)
	case s >= 60:
		return fmt.Sprintf("%d:%02d", s/60, s%60)
	}
	return fmt.Sprintf("%ds", s)
}
