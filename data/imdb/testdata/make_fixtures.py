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
