"""47 classes × 120 clustered unit vectors in R^512 (float32), the size of DTD's embeddings."""
import sys

import numpy as np

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/clip-topo-bench-angles"
rng = np.random.default_rng(0)
k, per, d = 47, 120, 512
centres = rng.standard_normal((k, d))
x = np.concatenate([centres[c] + 0.8 * rng.standard_normal((per, d)) for c in range(k)])
x /= np.linalg.norm(x, axis=1, keepdims=True)
np.save(f"{out}.npy", x.astype(np.float32))
np.save(f"{out}_labels.npy", np.repeat(np.arange(k), per).astype(np.int64))
