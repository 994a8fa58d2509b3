"""Two independent large diagrams for the scale test of `clip-topo distance` (issue #18):
births uniform on [0, 1), persistence exponential with mean 0.1, printed with 6 decimals as "birth death" lines.

    python bench/diagram_distance/make_large.py OUTDIR [--n 1000000] [--seed 3]
    /usr/bin/time -f "%e s %M KB" node bin/clip-topo.js distance OUTDIR/large_a.txt OUTDIR/large_b.txt --json
"""
import argparse
import os

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("outdir")
ap.add_argument("--n", type=int, default=1_000_000)
ap.add_argument("--seed", type=int, default=3)
args = ap.parse_args()
rng = np.random.default_rng(args.seed)
os.makedirs(args.outdir, exist_ok=True)
for name in ("a", "b"):
    birth = rng.uniform(0.0, 1.0, args.n)
    death = birth + rng.exponential(0.1, args.n)
    np.savetxt(os.path.join(args.outdir, f"large_{name}.txt"), np.column_stack([birth, death]), fmt="%.6f")
