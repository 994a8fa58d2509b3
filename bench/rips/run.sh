#!/usr/bin/env bash
# Rips benchmark, side by side with Debian `ripser` in one run (same machine state for both tools).
#   bench/rips/run.sh [DATADIR]
# Makes the data (bench/rips/make_data.py) if missing, builds the engine-only binary
# (crates/core/examples/rips_bench.rs, release, default target CPU) and runs, per case:
#   Debian ripser --format point-cloud --dim K FILE
#   rips_bench FILE K 1   and   rips_bench FILE K 2      (engine: CSV → diagrams, 1 and 2 threads)
#   node bin/clip-topo.js rips FILE --maxdim K --threads 1  (the whole CLI, Node start-up and CSV parsing included)
# Wall time and peak RSS from /usr/bin/time; diagrams are checked to have the same number of pairs.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
D=${1:-/tmp/clip-topo-rips-bench}
[ -f "$D/torus1000.csv" ] || python3 "$HERE/make_data.py" "$D"
cargo build --release --quiet --manifest-path "$ROOT/crates/core/Cargo.toml" --example rips_bench
ENG="$ROOT/target/release/examples/rips_bench"
[ -x "$ENG" ] || ENG="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples/rips_bench"
t() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1; }
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
printf "| case | dim | ripser s | engine 1t s | engine 2t s | CLI 1t s | 1t/ripser | 2t/ripser | CLI/ripser | ripser MB | engine 1t MB | engine 2t MB | CLI MB |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
for c in "torus1000 1" "circle1000 1" "gauss64_2000 1" "clustered512_2000 1" "torus500 2"; do
  set -- $c
  read rs rm < <(t ripser --format point-cloud --dim $2 "$D/$1.csv")
  read o1 m1 < <(t "$ENG" "$D/$1.csv" $2 1)
  read o2 m2 < <(t "$ENG" "$D/$1.csv" $2 2)
  read c1 cm < <(t node "$ROOT/bin/clip-topo.js" rips "$D/$1.csv" --maxdim $2 --threads 1)
  want=$(ripser --format point-cloud --dim $2 "$D/$1.csv" | grep -c '^ \[')
  got=$("$ENG" "$D/$1.csv" $2 2 | awk '{s+=$3} END {print s}')
  [ "$want" = "$got" ] || echo "MISMATCH $1: ripser $want pairs, ours $got"
  printf "| %s | %s | %s | %s | %s | %s | %.2f | %.2f | %.2f | %d | %d | %d | %d |\n" $1 $2 $rs $o1 $o2 $c1 \
    $(echo "$o1/$rs" | bc -l) $(echo "$o2/$rs" | bc -l) $(echo "$c1/$rs" | bc -l) $((rm/1024)) $((m1/1024)) $((m2/1024)) $((cm/1024))
done
