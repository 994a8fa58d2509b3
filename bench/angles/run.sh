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
OPENBLAS_NUM_THREADS=2 /usr/bin/time -f "scipy (process): %e s wall, %M KB peak" python3 bench/angles/scipy_angles.py "$base.npy" "${base}_labels.npy"
