#!/usr/bin/env bash
# Rips benchmark, side by side with Debian `ripser` 1.2.1 and (when installed) giotto-ph in one run.
#   bench/rips/run.sh [DATADIR]
# Makes the data (bench/rips/make_data.py) if missing, builds the engine-only binary
# (crates/core/examples/rips_bench.rs, release, default target CPU) and runs, per case (whole processes):
#   ripser --format point-cloud --dim K FILE.csv
#   rips_bench FILE.csv K 1   and   rips_bench FILE.csv K 2      (engine: CSV → diagrams, 1 and 2 threads)
#   node bin/clip-topo.js rips FILE.npy --maxdim K --threads 2   (the whole CLI: Node start-up, .npy, output)
#   python3 -c 'gph.ripser_parallel(np.loadtxt(FILE.csv), maxdim=K, n_threads=T)'   T = 1, 2 (Python start-up
#   and import included; "-" when giotto-ph is not installed: pip install giotto-ph)
# Wall time and peak RSS from /usr/bin/time. The engine's two-thread diagrams are compared with Ripser's
# as multisets at Ripser's printed precision (bench/rips/compare_pairs.py): "equal" or the difference.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
D=${1:-/tmp/clip-topo-rips-bench}
[ -f "$D/cliplike512_2000.npy" ] || python3 "$HERE/make_data.py" "$D"
cargo build --release --quiet --manifest-path "$ROOT/crates/core/Cargo.toml" --example rips_bench
ENG="$ROOT/target/release/examples/rips_bench"
[ -x "$ENG" ] || ENG="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/rips_bench"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# "seconds MB" of one command, its stdout to $2
t() { local out=$1; shift; /usr/bin/time -o "$T/time" -f "%e %M" "$@" >"$out" 2>/dev/null; awk '{printf "%s %d\n", $1, $2/1024}' "$T/time"; }
GPH=$(python3 -c 'import gph' 2>/dev/null && echo yes || echo no)
gph() { [ "$GPH" = yes ] || { echo "- 0"; return; }
  t /dev/null python3 -c "import sys, numpy as np, gph; gph.ripser_parallel(np.loadtxt(sys.argv[1], delimiter=','), maxdim=int(sys.argv[2]), n_threads=int(sys.argv[3]))" "$@"; }
r() { if [ "$1" = - ]; then echo -; else echo "$1/$2" | bc -l | xargs printf "%.2f"; fi; }
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo ?)"
printf "| case | dim | ripser s | ripser MB | engine 1t s | engine 2t s | engine 2t MB | CLI 2t s | CLI 2t MB | giotto-ph 1t / 2t s | engine 2t / ripser | CLI / ripser | diagrams |\n"
printf "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
# CASES="name:maxdim …" runs only those
for c in ${CASES:-cliplike512_1000:1 cliplike512_2000:1 torus1000:1 circle1000:1 gauss64_2000:1 clustered512_2000:1 torus500:2}; do
  set -- "${c%:*}" "${c#*:}"
  read rs rm < <(t "$T/ripser.txt" ripser --format point-cloud --dim $2 "$D/$1.csv")
  read o1 m1 < <(t /dev/null "$ENG" "$D/$1.csv" $2 1)
  read o2 m2 < <(t /dev/null "$ENG" "$D/$1.csv" $2 2 "$T/ours.txt")
  read c2 cm < <(t /dev/null node "$ROOT/bin/clip-topo.js" rips "$D/$1.npy" --maxdim $2 --threads 2 --out "$T/cli.json")
  read g1 _ < <(gph "$D/$1.csv" $2 1)
  read g2 _ < <(gph "$D/$1.csv" $2 2)
  same=$(python3 "$HERE/compare_pairs.py" "$T/ripser.txt" "$T/ours.txt" || true)
  printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s | %s |\n" $1 $2 $rs $rm $o1 $o2 $m2 $c2 $cm $g1 $g2 \
    "$(r $o2 $rs)" "$(r $c2 $rs)" "$same"
done
