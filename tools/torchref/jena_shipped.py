"""Independent check of what the Jena experiment can reach on the shipped file.

seqconv's `seqconv jena` misses the target "beat the common-sense baseline
on the test range" on the shipped 2024 excerpt (June-October). This script
asks whether that is seqconv's fault or the data's, without using any of
seqconv's code:

1. It trains the reference conv-gru in PyTorch (float32), with the same
   data, split, standardization, windows and recipe as `seqconv jena`:
   Conv1D(32,5,relu) -> MaxPooling1D(3) -> Conv1D(32,5,relu) ->
   GRU(32, reset_after, dropout 0.1, recurrent_dropout 0.5, Keras's
   per-gate masks drawn once per sequence) -> Dense(1); glorot-uniform
   kernels, orthogonal recurrent kernel, zero biases; Keras RMSprop lr 1e-3;
   MAE; EPOCHS x 500 random batches of 128; validation on the whole
   validation range after each epoch; the epoch with the lowest validation
   MAE is the one reported (as `seqconv jena` keeps it).
2. It fits linear models on the same training windows (closed form): ridge
   regression of the 24 h temperature change on the whole window, and a
   two-feature level-free model (last temperature minus the window's mean,
   and the last 3 h change), to show how much any model fitted to the
   training range can transfer to the test range.

Run from the repository root with Debian's Python (PyTorch 1.13, numpy):

    /usr/bin/python3 tools/torchref/jena_shipped.py [--epochs 10] [--csv FILE]

It prints one line per epoch and a table; nothing is written.
"""

import argparse
import csv
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# The split of seqconv's jena.SplitFor for a file shorter than the
# reference one: the reference row counts' fractions.
REF_ROWS, REF_TRAIN_END, REF_VAL_END = 420551, 200000, 300000
LOOKBACK, STEP, DELAY, BATCH = 1440, 3, 144, 128
TEMPERATURE = "T (degC)"


def load(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        values = np.array([[float(v) for v in row[1:]] for row in r], dtype=np.float64)
    return header[1:], values


def split(rows):
    train_end = rows * REF_TRAIN_END // REF_ROWS
    val_end = rows * REF_VAL_END // REF_ROWS
    return train_end, (train_end + 1, val_end), (val_end + 1, rows)


def window(z, rows):
    """Windows ending before each reference row (the book's generator:
    samples rows r-lookback, r-lookback+step, ..., r-step; target row
    r+delay)."""
    idx = np.asarray(rows)[:, None] + np.arange(-LOOKBACK, 0, STEP)[None, :]
    return z[idx]


def eval_rows(lo, hi, max_index):
    """The reference rows the book's sequential generator visits in the
    (hi - lo - lookback) // batch batches that evaluate [lo, hi): it
    restarts from the first row when a batch would reach max_index."""
    steps = (hi - lo - LOOKBACK) // BATCH
    rows, i = [], lo + LOOKBACK
    for _ in range(steps):
        if i + BATCH >= max_index:
            i = lo + LOOKBACK
        end = min(i + BATCH, max_index)
        rows.extend(range(i, end))
        i = end
    return np.array(rows)


class ConvGRU(nn.Module):
    def __init__(self, features, units=32):
        super().__init__()
        self.c1 = nn.Conv1d(features, 32, 5)
        self.c2 = nn.Conv1d(32, 32, 5)
        self.w = nn.Parameter(torch.empty(3, 32, units))  # input kernels z, r, h
        self.u = nn.Parameter(torch.empty(3, units, units))  # recurrent kernels
        self.bi = nn.Parameter(torch.zeros(3, 1, units))
        self.bh = nn.Parameter(torch.zeros(3, 1, units))
        self.out = nn.Linear(units, 1)
        for c in (self.c1, self.c2):
            fan_in, fan_out = c.in_channels * 5, c.out_channels * 5
            nn.init.uniform_(c.weight, -np.sqrt(6 / (fan_in + fan_out)), np.sqrt(6 / (fan_in + fan_out)))
            nn.init.zeros_(c.bias)
        # Keras initializes the [in, 3u] kernel as one glorot matrix and
        # the [u, 3u] recurrent kernel as one orthogonal matrix.
        k = torch.empty(32, 3 * units)
        nn.init.xavier_uniform_(k)
        rk = torch.empty(units, 3 * units)
        nn.init.orthogonal_(rk)
        with torch.no_grad():
            self.w.copy_(k.reshape(32, 3, units).permute(1, 0, 2))
            self.u.copy_(rk.reshape(units, 3, units).permute(1, 0, 2))
        nn.init.xavier_uniform_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        self.units = units

    def forward(self, x, dropout=0.1, recurrent_dropout=0.5):
        h = F.relu(self.c1(x.transpose(1, 2)))
        h = F.max_pool1d(h, 3)
        h = F.relu(self.c2(h)).transpose(1, 2)  # [B, T, 32]
        b = h.shape[0]
        if self.training:
            dm = torch.bernoulli(torch.full((3, b, 1, 32), 1 - dropout)) / (1 - dropout)
            rdm = torch.bernoulli(torch.full((3, b, self.units), 1 - recurrent_dropout)) / (1 - recurrent_dropout)
        else:
            dm, rdm = torch.ones(3, b, 1, 32), torch.ones(3, b, self.units)
        # Input projections of every timestep, one masked copy per gate.
        xp = torch.einsum("gbtc,gcu->gbtu", h.unsqueeze(0) * dm, self.w) + self.bi.unsqueeze(1)
        s = h.new_zeros(b, self.units)
        for t in range(h.shape[1]):
            hp = torch.bmm(s.unsqueeze(0) * rdm, self.u) + self.bh  # [3, B, u]
            z = torch.sigmoid(xp[0, :, t] + hp[0])
            r = torch.sigmoid(xp[1, :, t] + hp[1])
            cand = torch.tanh(xp[2, :, t] + r * hp[2])
            s = z * s + (1 - z) * cand
        return self.out(s)


def rmsprop_step(params, v, lr=1e-3, rho=0.9, eps=1e-7):
    with torch.no_grad():
        for w, vw in zip(params, v):
            g = w.grad
            vw.mul_(rho).add_((1 - rho) * g * g)
            w.sub_(lr * g / torch.sqrt(vw + eps))


def mae(model, z, t, rows):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for i in range(0, len(rows), BATCH):
            r = rows[i:i + BATCH]
            x = torch.as_tensor(window(z, r), dtype=torch.float32)
            y = torch.as_tensor(z[r + DELAY, t], dtype=torch.float32)
            total += (model(x)[:, 0] - y).abs().sum().item()
    model.train()
    return total / len(rows)


def train_conv_gru(z, t, train_end, val_rows, test_rows, epochs, steps, seed):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = ConvGRU(z.shape[1])
    params = list(model.parameters())
    v = [torch.zeros_like(p) for p in params]
    best = None
    for epoch in range(1, epochs + 1):
        t0 = time.time()
        losses = []
        for _ in range(steps):
            r = rng.integers(LOOKBACK, train_end, BATCH)
            x = torch.as_tensor(window(z, r), dtype=torch.float32)
            y = torch.as_tensor(z[r + DELAY, t], dtype=torch.float32)
            loss = (model(x)[:, 0] - y).abs().mean()
            for p in params:
                p.grad = None
            loss.backward()
            rmsprop_step(params, v)
            losses.append(loss.item())
        val, test = mae(model, z, t, val_rows), mae(model, z, t, test_rows)
        print(f"epoch {epoch}: loss {np.mean(losses):.4f} val {val:.4f} test {test:.4f} ({time.time() - t0:.0f} s)", flush=True)
        if best is None or val < best[1]:
            best = (epoch, val, test)
    return best


def linear_checks(z, t, train_end, val_rows, test_rows):
    """(name, val MAE, test MAE) of linear models fitted on every training
    window; they predict the change from the last observed temperature."""
    tr = np.arange(LOOKBACK, train_end - DELAY)
    out = []
    wins = {name: window(z, rows) for name, rows in (("train", tr), ("val", val_rows), ("test", test_rows))}
    targets = {"train": z[tr + DELAY, t], "val": z[val_rows + DELAY, t], "test": z[test_rows + DELAY, t]}
    last = {k: w[:, -1, t] for k, w in wins.items()}
    flat = {k: w.reshape(len(w), -1) for k, w in wins.items()}
    a = flat["train"].T @ flat["train"]
    rhs = flat["train"].T @ (targets["train"] - last["train"])
    for lam in (1e2, 1e4, 1e5, 1e6):
        coef = np.linalg.solve(a + lam * np.eye(len(a)), rhs)
        errs = [np.abs(flat[k] @ coef + last[k] - targets[k]).mean() for k in ("val", "test")]
        out.append((f"ridge on the whole window, lambda {lam:g}", *errs))

    def level_free(w):
        return np.stack([w[:, -1, t] - w[:, :, t].mean(1), w[:, -1, t] - w[:, -7, t]], 1)

    coef = np.linalg.lstsq(level_free(wins["train"]), targets["train"] - last["train"], rcond=None)[0]
    errs = [np.abs(level_free(wins[k]) @ coef + last[k] - targets[k]).mean() for k in ("val", "test")]
    out.append((f"level-free 2 features, coefficients {coef[0]:+.3f} {coef[1]:+.3f}", *errs))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--csv", default="datasets/jena/jena_format_from_mpi_roof_2024.csv")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    columns, values = load(args.csv)
    t = columns.index(TEMPERATURE)
    train_end, (vlo, vhi), (tlo, thi) = split(len(values))
    mean, std = values[:train_end].mean(0), values[:train_end].std(0)
    z = ((values - mean) / std).astype(np.float32)
    val_rows, test_rows = eval_rows(vlo, vhi, vhi), eval_rows(tlo, thi, thi - DELAY - 1)
    c = std[t]
    print(f"{args.csv}: {len(values)} rows; train [0, {train_end}), val [{vlo}, {vhi}), test [{tlo}, {thi})")
    print(f"mean temperature: train {values[:train_end, t].mean():.2f} C, test {values[tlo:, t].mean():.2f} C")

    def baseline(rows):
        return np.abs(z[rows - STEP, t] - z[rows + DELAY, t]).mean()

    table = [("common-sense baseline", baseline(val_rows), baseline(test_rows))]
    table += linear_checks(z, t, train_end, val_rows, test_rows)
    if args.epochs > 0:
        ep, val, test = train_conv_gru(z, t, train_end, val_rows, test_rows, args.epochs, args.steps, args.seed)
        table.append((f"PyTorch conv-gru, best validation epoch {ep} of {args.epochs}", val, test))
    print(f"\n{'model':<58} {'val MAE':>16} {'test MAE':>16}")
    for name, val, test in table:
        print(f"{name:<58} {val:.4f} = {val * c:5.3f} C {test:.4f} = {test * c:5.3f} C")


if __name__ == "__main__":
    main()
