#!/usr/bin/env bash
# Side by side, one run: `clip-topo tsne`/`umap` vs scikit-learn TSNE, openTSNE and umap-learn on
# 6,000 clustered unit vectors in R^512 (20 classes), 2 threads each. Needs python3 with numpy,
# scikit-learn, openTSNE and umap-learn, and a built clip-topo (`npm run build`).
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "machine: $(nproc) cores, $(uname -m), node $(node --version), load: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/maps/bench.py \
  "node bin/clip-topo.js tsne {x} --threads 2 --out {out}" \
  "node bin/clip-topo.js umap {x} --threads 2 --no-trustworthiness --out {out}"
