"""The notebook way: scipy.linalg.subspace_angles on every pair of centred class matrices (d × n_c)."""
import sys
import time

import numpy as np
from scipy.linalg import subspace_angles

x = np.load(sys.argv[1]).astype(np.float64)
labels = np.load(sys.argv[2])
t0 = time.perf_counter()
classes = [x[labels == c].T for c in np.unique(labels)]
classes = [m - m.mean(axis=1, keepdims=True) for m in classes]
n = 0
for i in range(len(classes)):
    for j in range(i + 1, len(classes)):
        subspace_angles(classes[i], classes[j])
        n += 1
print(f"scipy: {n} pairs in {time.perf_counter() - t0:.2f} s")
