"""PyTorch peer of seqconv's side-by-side benchmark (bench/peers.sh).

Runs as a server driven by bench/cmd/peers over stdin/stdout, one JSON
object per line each way, so that the Go driver can alternate the two
frameworks case by case on one machine. The models are the two reference
models in PyTorch's natural fast form (float32 nn.Module: nn.Embedding,
nn.Conv1d, nn.MaxPool1d, nn.GRU, nn.Linear; channels-first layout),
trained with torch.optim.RMSprop at Keras's defaults, inference under
torch.inference_mode(), torch.set_num_threads(threads).

Requests:
  {"op": "init", "threads": 2, "data": DIR}      -> versions, parameter counts
  {"op": "run", "case": NAME, "n": N, "mkldnn": true}
                                                -> {"ms": [N timings]}
  {"op": "jena_csv", "path": P, "n": N}         -> pandas.read_csv timings
  {"op": "imdb_load", "archive": A, "word_index": W, "n": N}
                                                -> tarfile + tokenizer timings
  {"op": "quit"}
"""

import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

BATCH, IMDB_LEN, IMDB_EPOCH, VOCAB = 128, 500, 20000, 10000
JENA_STEPS, JENA_FEATS = 480, 14


class IMDBNet(nn.Module):
    """Embedding(10000,128) -> Conv1d(128,32,7) relu -> MaxPool1d(5) ->
    Conv1d(32,32,7) relu -> global max -> Linear(32,1) (logits)."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 128)
        self.conv1 = nn.Conv1d(128, 32, 7)
        self.pool = nn.MaxPool1d(5)
        self.conv2 = nn.Conv1d(32, 32, 7)
        self.dense = nn.Linear(32, 1)

    def forward(self, ids):
        # nn.Embedding yields (B, T, C); Conv1d wants (B, C, T).
        x = self.emb(ids).transpose(1, 2)
        x = self.pool(torch.relu(self.conv1(x)))
        x = torch.relu(self.conv2(x))
        return self.dense(x.amax(dim=2))


class JenaNet(nn.Module):
    """Conv1d(14,32,5) relu -> MaxPool1d(3) -> Conv1d(32,32,5) relu ->
    GRU(32) on the last state -> Linear(32,1). Input (B, 14, 480): the data
    is handed over channels-first, the layout PyTorch's convolutions want.
    The GRU input gets Dropout(0.1) in training, as Keras's dropout=0.1;
    Keras's recurrent_dropout=0.5 has no nn.GRU counterpart (it would need a
    hand-written cell, far slower), so PyTorch skips that work."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(JENA_FEATS, 32, 5)
        self.pool = nn.MaxPool1d(3)
        self.conv2 = nn.Conv1d(32, 32, 5)
        self.drop = nn.Dropout(0.1)
        self.gru = nn.GRU(32, 32, batch_first=True)
        self.dense = nn.Linear(32, 1)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = torch.relu(self.conv2(x))
        _, h = self.gru(self.drop(x.transpose(1, 2)))
        return self.dense(h[0])


def rmsprop(model):
    # Keras defaults: learning rate 1e-3, rho 0.9, epsilon 1e-7.
    return torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)


def n_params(model):
    return sum(p.numel() for p in model.parameters())


class Peer:
    def __init__(self, threads, data):
        torch.set_num_threads(threads)
        torch.manual_seed(1)
        raw = lambda name, dt: np.fromfile(os.path.join(data, name), dtype=dt)
        self.imdb_x = torch.from_numpy(raw("imdb_x.i32", "<i4").astype(np.int64).reshape(IMDB_EPOCH, IMDB_LEN))
        self.imdb_y = torch.from_numpy(raw("imdb_y.f32", "<f4").reshape(IMDB_EPOCH, 1))
        jx = raw("jena_x.f32", "<f4").reshape(BATCH, JENA_STEPS, JENA_FEATS)
        self.jena_x = torch.from_numpy(np.ascontiguousarray(jx.transpose(0, 2, 1)))
        self.jena_y = torch.from_numpy(raw("jena_y.f32", "<f4").reshape(BATCH, 1))
        self.bx, self.by = self.imdb_x[:BATCH].contiguous(), self.imdb_y[:BATCH].contiguous()
        self.imdb, self.jena = IMDBNet(), JenaNet()
        self.imdb_opt, self.jena_opt = rmsprop(self.imdb), rmsprop(self.jena)
        self.bce, self.mae = nn.BCEWithLogitsLoss(), nn.L1Loss()
        self.epochs = 0
        self.cases = {
            "imdb_train_step": lambda: self.step(self.imdb, self.imdb_opt, self.bce, self.bx, self.by),
            "imdb_inference": lambda: self.infer(self.imdb, self.bx),
            "jena_train_step": lambda: self.step(self.jena, self.jena_opt, self.mae, self.jena_x, self.jena_y),
            "jena_inference": lambda: self.infer(self.jena, self.jena_x),
            "imdb_epoch": self.epoch,
        }

    @staticmethod
    def step(model, opt, loss_fn, x, y):
        model.train()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    @staticmethod
    def infer(model, x):
        model.eval()
        with torch.inference_mode():
            return model(x)

    def epoch(self):
        """One epoch over the 20,000 samples, shuffled, batch 128 (the last
        batch 32), as Keras's fit (without validation) and seqconv's Fit."""
        self.epochs += 1
        g = torch.Generator().manual_seed(self.epochs)
        perm = torch.randperm(IMDB_EPOCH, generator=g)
        total = 0.0
        for lo in range(0, IMDB_EPOCH, BATCH):
            idx = perm[lo:lo + BATCH]
            total += self.step(self.imdb, self.imdb_opt, self.bce, self.imdb_x[idx], self.imdb_y[idx])
        if not np.isfinite(total):
            raise RuntimeError("non-finite epoch loss")

    def run(self, case, n):
        fn = self.cases[case]
        out = []
        for _ in range(n):
            t0 = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t0) * 1e3)
        return out


def gemm_check():
    """A float32 GEMM through the BLAS torch uses, against a BLAS-free sum
    (guards against a mis-detected OpenBLAS core)."""
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(67, 45, generator=g), torch.randn(45, 33, generator=g)
    ref = (a[:, :, None].double() * b[None, :, :].double()).sum(1)
    return float((a @ b - ref).abs().max())


def jena_csv(path, n):
    """pandas.read_csv of the file, plain (Date Time kept as text) and with
    the timestamps parsed as the Go loader parses them."""
    import pandas as pd

    plain, dated, rows = [], [], 0
    for _ in range(n):
        t0 = time.perf_counter()
        df = pd.read_csv(path)
        t1 = time.perf_counter()
        pd.to_datetime(df["Date Time"], format="%d.%m.%Y %H:%M:%S")
        t2 = time.perf_counter()
        plain.append((t1 - t0) * 1e3)
        dated.append((t2 - t0) * 1e3)
        rows = len(df)
    return {"ms": plain, "ms_dates": dated, "rows": rows, "pandas": pd.__version__}


class IMDBLoader:
    """Python + numpy equivalent of data/imdb's uncached LoadData from the
    aclImdb archive: gunzip and untar, tokenize every review with Keras's
    text_to_word_sequence rules on bytes, map words through the Keras word
    index (rank + 3, ids >= num_words -> 2, unknown words dropped, start id
    1), order each split pos then neg by file name, and shuffle both splits
    with one numpy RandomState(113), as keras.datasets.imdb.load_data."""

    FILTERS = b'!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'

    def __init__(self, word_index_path, num_words=10000):
        with open(word_index_path, "rb") as f:
            wi = json.load(f)
        self.ids = {}
        for w, r in wi.items():
            i = r + 3
            self.ids[w.encode()] = i if i < num_words else 2
        self.table = bytes.maketrans(self.FILTERS, b" " * len(self.FILTERS))

    def encode(self, text):
        get = self.ids.get
        toks = text.lower().translate(self.table).split(b" ")
        return [1] + [i for i in (get(t) for t in toks if t) if i is not None]

    def load(self, archive):
        import tarfile

        files = {}
        with tarfile.open(archive, "r:gz") as tf:
            for m in tf:
                parts = m.name.split("/")
                if m.isfile() and len(parts) == 4 and parts[1] in ("train", "test") and parts[2] in ("pos", "neg"):
                    files[(parts[1], parts[2], parts[3])] = tf.extractfile(m).read()
        rng = np.random.RandomState(113)
        out = {}
        for split in ("train", "test"):
            xs, ys = [], []
            for label, folder in ((1, "pos"), (0, "neg")):
                for name in sorted(k[2] for k in files if k[0] == split and k[1] == folder):
                    xs.append(self.encode(files[(split, folder, name)]))
                    ys.append(label)
            idx = np.arange(len(xs))
            rng.shuffle(idx)
            out[split] = ([xs[i] for i in idx], np.asarray(ys, dtype=np.int32)[idx])
        return out


def imdb_load(archive, word_index, n):
    loader = IMDBLoader(word_index)
    times, out = [], None
    for _ in range(n):
        t0 = time.perf_counter()
        out = loader.load(archive)
        times.append((time.perf_counter() - t0) * 1e3)
    xtr, ytr = out["train"]
    return {
        "ms": times,
        "train": len(xtr), "test": len(out["test"][0]),
        "tokens": sum(len(x) for x in xtr) + sum(len(x) for x in out["test"][0]),
        "first": xtr[0][:20], "first_label": int(ytr[0]),
    }


def main():
    peer = None
    for line in sys.stdin:
        req = json.loads(line)
        op = req["op"]
        try:
            if op == "init":
                peer = Peer(req["threads"], req["data"])
                resp = {
                    "torch": torch.__version__, "numpy": np.__version__, "python": sys.version.split()[0],
                    "threads": torch.get_num_threads(), "mkldnn": torch.backends.mkldnn.is_available(),
                    "imdb_params": n_params(peer.imdb), "jena_params": n_params(peer.jena),
                    "gemm_err": gemm_check(),
                }
            elif op == "run":
                # oneDNN convolutions are PyTorch's default on CPU; the
                # driver may time the native ones too and keep the faster.
                torch.backends.mkldnn.enabled = bool(req.get("mkldnn", True))
                resp = {"ms": peer.run(req["case"], req["n"])}
            elif op == "jena_csv":
                resp = jena_csv(req["path"], req["n"])
            elif op == "imdb_load":
                resp = imdb_load(req["archive"], req["word_index"], req["n"])
            elif op == "quit":
                break
            else:
                resp = {"error": f"unknown op {op!r}"}
        except Exception as e:  # reported to the driver, which stops
            resp = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(resp) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
