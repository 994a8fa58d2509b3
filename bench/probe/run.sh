#!/usr/bin/env bash
# Side by side: clip-topo trainProbe vs scikit-learn LogisticRegression(lbfgs, max_iter 1000) on
# 1120×256 float32 L2-normalised embeddings, 28 classes: C = 1 and 10 at sklearn's default tol 1e-4,
# and C = 10 at tol 1e-8. clip-topo with 1 and 2 threads; sklearn on the float32 input and on a
# float64 copy (clip-topo computes in f64; sklearn keeps float32 input in float32), with one OpenBLAS
# thread: with two, OpenBLAS spin-waits on this shared 2-core machine and takes 0.4–3.6 s a fit. Times are of the fit alone, in process, median of REPEATS
# (default 7). Needs python3 with numpy, scipy, scikit-learn and a built clip-topo (npm run build).
set -euo pipefail
cd "$(dirname "$0")/../.."
base=/tmp/clip-topo-bench-probe
reps=${REPEATS:-7}
# This machine sets OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for old OpenBLAS builds; they slow numpy's
# bundled OpenBLAS badly, so python runs without them.
py() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$1" python3 "${@:2}"; }
py 1 bench/probe/make_input.py "$base"
echo "machine: $(nproc) cores, $(uname -m), node $(node --version), $(py 1 -c 'import sklearn, numpy; print("sklearn", sklearn.__version__, "numpy", numpy.__version__)'), load $(cut -d' ' -f1-3 /proc/loadavg)"
for c_tol in "1 1e-4" "10 1e-4" "10 1e-8"; do
  read -r c tol <<<"$c_tol"
  for threads in 1 2; do
    node bench/probe/clip_topo_probe.mjs "$base" "$c" "$tol" "$threads" "$reps"
  done
  for dtype in float32 float64; do
    py 1 bench/probe/sklearn_probe.py "$base" "$c" "$tol" "$dtype" "$reps"
  done
done
