#!/usr/bin/env bash
# Side by side: clip-topo trainProbe vs scikit-learn LogisticRegression(lbfgs, tol 1e-4, max_iter 1000)
# on 1120×256 float32 L2-normalised embeddings, 28 classes, for C = 1 and C = 10. Times are of the fit
# alone, in process (median of REPEATS, default 5). Needs python3 with numpy, scipy, scikit-learn and
# a built clip-topo (npm run build).
set -euo pipefail
cd "$(dirname "$0")/../.."
base=/tmp/clip-topo-bench-probe
reps=${REPEATS:-5}
# This machine sets OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for old OpenBLAS builds; they slow numpy's
# bundled OpenBLAS badly, so python runs without them.
py() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 python3 "$@"; }
py bench/probe/make_input.py "$base"
echo "machine: $(nproc) cores, $(uname -m), node $(node --version), $(py -c 'import sklearn, numpy; print("sklearn", sklearn.__version__, "numpy", numpy.__version__)')"
for c in 1 10; do
  for threads in 1 2; do
    node bench/probe/clip_topo_probe.mjs "$base" "$c" "$threads" "$reps"
  done
  py bench/probe/sklearn_probe.py "$base" "$c" "$reps"
done
