"""The notebook way: scipy.linalg.subspace_angles on every pair of centred class matrices (d × n_c).

Optional third argument: stop after that many pairs and extrapolate to all pairs (scipy can take many
minutes on a loaded 2-core machine).
"""
import sys
import time

import numpy as np
from scipy.linalg import subspace_angles

x = np.load(sys.argv[1]).astype(np.float64)
labels = np.load(sys.argv[2])
t0 = time.perf_counter()
classes = [x[labels == c].T for c in np.unique(labels)]
classes = [m - m.mean(axis=1, keepdims=True) for m in classes]
limit = int(sys.argv[3]) if len(sys.argv) > 3 else None
total = len(classes) * (len(classes) - 1) // 2
n = 0
for i in range(len(classes)):
    for j in range(i + 1, len(classes)):
        if limit is not None and n >= limit:
            break
        subspace_angles(classes[i], classes[j])
        n += 1
elapsed = time.perf_counter() - t0
note = "" if n == total else f" (extrapolated to all {total} pairs: {elapsed * total / n:.1f} s)"
print(f"scipy: {n} pairs in {elapsed:.2f} s{note}")
