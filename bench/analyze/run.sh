#!/bin/sh
# `clip-topo analyze` with no arguments (default model, synthetic set): a cold run into an empty folder,
# then a warm rerun; then the reference tools doing the steps after embedding on the same embeddings
# (bench/analyze/reference.py: numpy, scikit-learn, openTSNE, umap-learn, scipy, ripser.py, persim).
# Results go to BENCHMARKS.md by hand.
set -e
cd "$(dirname "$0")/../.."
W=${WORK:-/tmp/clip-topo-bench-analyze}
rm -rf "$W" && mkdir -p "$W"
npm run build:ts >/dev/null
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "cold: %e s wall, %M KB peak" node bin/clip-topo.js analyze --out "$W/report" 2>"$W/cold.log" >/dev/null || { cat "$W/cold.log"; exit 1; }
tail -1 "$W/cold.log"
node -e 'const m=require(process.argv[1]);const t=m.timings;const a=t.total-t.dataset-t.plan-t.embeddings;console.log("clip-topo steps: "+JSON.stringify(t)+"; after embedding: "+a.toFixed(2)+" s")' "$W/report/metrics.json"
/usr/bin/time -f "warm: %e s wall, %M KB peak" node bin/clip-topo.js analyze --out "$W/report" 2>"$W/warm.log" >/dev/null
tail -1 "$W/warm.log"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 python3 bench/analyze/reference.py "$W/report" 2>/dev/null
