#!/usr/bin/env python3
"""Writes the small numpy fixtures the Go tests read.

Run from anywhere with Debian's python3-numpy (1.24):
    /usr/bin/python3 data/imdb/testdata/make_fixtures.py

imdb_tiny*.npz have the layout of Keras's imdb.npz: x_train/x_test are 1-D
object arrays of Python lists of word ranks, y_train/y_test int64 labels.
The internal/npz fixtures cover numeric dtypes, byte order and the pickle
protocols numpy and older Pythons wrote.
"""
import io
import os
import pickle
import zipfile

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
npzdir = os.path.join(here, "..", "..", "..", "internal", "npz", "testdata")

x_train = [[1, 14, 22, 16], [5, 2], [7, 88584, 9, 10, 11], [3]]
y_train = [1, 0, 1, 0]
x_test = [[4, 5, 6], [12, 13], [100, 200, 300, 400]]
y_test = [0, 1, 1]


def objarray(lists):
    a = np.empty(len(lists), dtype=object)
    for i, l in enumerate(lists):
        a[i] = l
    return a


arrays = dict(
    x_train=objarray(x_train),
    y_train=np.array(y_train, dtype=np.int64),
    x_test=objarray(x_test),
    y_test=np.array(y_test, dtype=np.int64),
)
np.savez(os.path.join(here, "imdb_tiny.npz"), **arrays)
np.savez_compressed(os.path.join(here, "imdb_tiny_compressed.npz"), **arrays)


def npy_with_protocol(arr, protocol):
    """An object-array .npy whose pickle uses the given protocol (np.save
    always uses 3; older Keras files were written by Python 2)."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, np.lib.format.header_data_from_array_1_0(arr))
    pickle.dump(arr, buf, protocol=protocol)
    return buf.getvalue()


with zipfile.ZipFile(os.path.join(here, "imdb_tiny_proto2.npz"), "w") as z:
    for name, arr in arrays.items():
        if arr.dtype == object:
            z.writestr(name + ".npy", npy_with_protocol(arr, 2))
        else:
            b = io.BytesIO()
            np.save(b, arr)
            z.writestr(name + ".npy", b.getvalue())

os.makedirs(npzdir, exist_ok=True)
np.save(os.path.join(npzdir, "int32_2x3.npy"), np.arange(6, dtype="<i4").reshape(2, 3) - 2)
np.save(os.path.join(npzdir, "uint8.npy"), np.array([0, 255, 7], dtype=np.uint8))
np.save(os.path.join(npzdir, "int64_be.npy"), np.array([-1, 2**40, 3], dtype=">i8"))
np.save(os.path.join(npzdir, "bool.npy"), np.array([True, False, True]))
np.save(os.path.join(npzdir, "float32.npy"), np.array([0.5, -1.0], dtype=np.float32))
np.save(os.path.join(npzdir, "object_lists.npy"), objarray([[1, 2, 3], [], [-4, 2147483647]]), allow_pickle=True)
with open(os.path.join(npzdir, "object_lists_proto2.npy"), "wb") as f:
    f.write(npy_with_protocol(objarray([[1, 2, 3], [], [-4, 2147483647]]), 2))
with open(os.path.join(npzdir, "object_lists_proto5.npy"), "wb") as f:
    f.write(npy_with_protocol(objarray([[1, 2, 3], [], [-4, 2147483647]]), 5))
# An object array holding something other than lists, for the error path.
np.save(os.path.join(npzdir, "object_strings.npy"), np.array(["a", "b"], dtype=object), allow_pickle=True)


def keras_steps(x_tr, y_tr, x_te, y_te, num_words=None, skip_top=0, maxlen=None,
                seed=113, start_char=1, oov_char=2, index_from=3):
    """The documented steps of keras.datasets.imdb.load_data, written out
    here to print the values imdb_test.go expects for the tiny fixture."""
    rng = np.random.RandomState(seed)
    p = np.arange(len(x_tr))
    rng.shuffle(p)
    x_tr = [x_tr[i] for i in p]
    y_tr = [y_tr[i] for i in p]
    p = np.arange(len(x_te))
    rng.shuffle(p)
    x_te = [x_te[i] for i in p]
    y_te = [y_te[i] for i in p]
    pre = [start_char] if start_char is not None else []
    x_tr = [pre + [w + index_from for w in x] for x in x_tr]
    x_te = [pre + [w + index_from for w in x] for x in x_te]
    if maxlen:
        keep = [i for i, x in enumerate(x_tr) if len(x) < maxlen]
        x_tr, y_tr = [x_tr[i] for i in keep], [y_tr[i] for i in keep]
        keep = [i for i, x in enumerate(x_te) if len(x) < maxlen]
        x_te, y_te = [x_te[i] for i in keep], [y_te[i] for i in keep]
    xs = x_tr + x_te
    if not num_words:
        num_words = max(max(x) for x in xs if x)
    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
    n = len(x_tr)
    return xs[:n], y_tr, xs[n:], y_te


if __name__ == "__main__":
    for kw in [dict(), dict(num_words=20), dict(num_words=20, skip_top=5, maxlen=5),
               dict(seed=0, start_char=None, oov_char=None, index_from=0, num_words=12)]:
        print(kw, keras_steps(x_train, y_train, x_test, y_test, **kw))
