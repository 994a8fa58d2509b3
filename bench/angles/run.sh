#!/usr/bin/env bash
# Side by side: `clip-topo angles` vs scipy.linalg.subspace_angles over all class pairs,
# 47 classes × 120 × 512 float32. Needs python3 with numpy and scipy, and a built clip-topo.
set -euo pipefail
cd "$(dirname "$0")/../.."
base=/tmp/clip-topo-bench-angles
python3 bench/angles/make_input.py "$base"
echo "machine: $(nproc) cores, $(uname -m), node $(node --version)"
for threads in 1 2; do
  /usr/bin/time -f "clip-topo angles (threads=$threads): %e s wall, %M KB peak" \
    node bin/clip-topo.js angles "$base.npy" --labels "${base}_labels.npy" --threads "$threads" --out /tmp/clip-topo-bench-angles.json
done
# SCIPY_PAIRS=n times only the first n pairs and extrapolates (the full loop took 16 minutes here once).
# This machine sets OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for old OpenBLAS builds; they slow numpy's bundled
# OpenBLAS ~25× (1.2 s instead of 46 ms a pair), so the reference runs without them.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 /usr/bin/time -f "scipy (process): %e s wall, %M KB peak" python3 bench/angles/scipy_angles.py "$base.npy" "${base}_labels.npy" ${SCIPY_PAIRS:-}
