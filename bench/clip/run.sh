#!/bin/sh
# embed throughput vs a bare onnxruntime-node loop, same model (ViT-B/32-shaped, random weights), threads, batch.
# Needs torch + onnx once to make the 350 MB model (not committed). Results go to BENCHMARKS.md by hand.
set -e
cd "$(dirname "$0")/../.."
WORK=${WORK:-/tmp/clip-topo-bench-clip}
[ -f "$WORK/vitb32/image.onnx" ] || python3 bench/clip/make_model.py "$WORK/vitb32"
npm run build:ts >/dev/null
node bench/clip/bench.mjs "$WORK/vitb32" "$WORK/work" "${IMAGES:-128}" "${THREADS:-2}" "${BATCH:-32}" "${REPS:-3}"
