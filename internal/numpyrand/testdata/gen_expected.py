#!/usr/bin/env python3
"""Prints the numpy values hard-coded in numpyrand_test.go.

Run with Debian's python3-numpy (1.24): python3 gen_expected.py
Every value comes from the legacy numpy.random.RandomState API, which is the
generator Keras's imdb.load_data uses.
"""
import numpy as np

r = np.random.RandomState(113)
print("RandomState(113).randint(0, 2**32, size=8, dtype=np.uint32):",
      r.randint(0, 2**32, size=8, dtype=np.uint32).tolist())

r = np.random.RandomState(0)
print("RandomState(0).randint(0, 2**32, size=4, dtype=np.uint32):",
      r.randint(0, 2**32, size=4, dtype=np.uint32).tolist())

r = np.random.RandomState(113)
print("RandomState(113).random_sample(3):", repr(r.random_sample(3).tolist()))

r = np.random.RandomState(0)
a = np.arange(10)
r.shuffle(a)
print("RandomState(0).shuffle(np.arange(10)):", a.tolist())

r = np.random.RandomState(113)
a = np.arange(25000)
r.shuffle(a)
print("RandomState(113).shuffle(np.arange(25000))[:20]:", a[:20].tolist())
print("  last 5:", a[-5:].tolist())
b = np.arange(25000)
r.shuffle(b)
print("then the same generator .shuffle(np.arange(25000))[:20]:", b[:20].tolist())

r = np.random.RandomState(4294967295)
a = np.arange(7)
r.shuffle(a)
print("RandomState(2**32-1).shuffle(np.arange(7)):", a.tolist())

# A range above 2**32 exercises the 64-bit branch of random_interval.
r = np.random.RandomState(7)
print("RandomState(7).randint(0, 2**40, size=3, dtype=np.int64):",
      r.randint(0, 2**40, size=3, dtype=np.int64).tolist())
