"""Bench input for the linear probe: 28 classes × 40 train + 20 test, 256-d, L2-normalised float32
(the shape of a DTD-like probe on a small CLIP model). Usage: make_input.py BASE"""
import sys

import numpy as np

base = sys.argv[1]
rng = np.random.default_rng(7)
k, per_train, per_test, d = 28, 40, 20, 256
centres = rng.normal(size=(k, d))


def split(per):
    y = np.repeat(np.arange(k), per).astype(np.int32)
    # overlapping classes: the class signal is weaker than the noise, as in real embeddings
    x = 0.2 * centres[y] + rng.normal(size=(len(y), d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), y


for name, per in (("train", per_train), ("test", per_test)):
    x, y = split(per)
    np.save(f"{base}_{name}.npy", x)
    np.save(f"{base}_{name}_labels.npy", y)
