#!/usr/bin/env bash
# Side by side: clip-topo's exact bottleneck and W1 (δ = 0.01) vs hera through GUDHI, 5,000-point
# diagrams, independent and ±0.01-perturbed. Needs python3 with numpy and gudhi (PyPI), and a built
# clip-topo (npm run build) for the CLI column.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet -p clip-topo-core --example diagram_distance_bench
echo "machine: $(nproc) cores, $(uname -m), node $(node --version), load: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/diagram_distance/bench.py "$@"
