#!/usr/bin/env bash
# Times `clip-topo synth` writing every drawable class × 40 images at 256² (JPEG), and checks that two
# runs with the same seed give byte-identical trees. Run from the repository root after `npm run build`.
# There is no reference tool for this generator; the target is the issue's: under 10 s on this machine.
set -euo pipefail
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
CLASSES="$(node bin/clip-topo.js synth --list-classes | wc -l)"
echo "classes: $CLASSES, per class: 40, size: 256, cores: $(nproc), load: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine --warmup 1 --runs "${RUNS:-5}" --prepare "rm -rf $OUT/s" \
  "node bin/clip-topo.js synth --out $OUT/s --per-class 40 --size 256 --seed 1"
node bin/clip-topo.js synth --out "$OUT/a" --per-class 40 --size 256 --seed 1 2>/dev/null
node bin/clip-topo.js synth --out "$OUT/b" --per-class 40 --size 256 --seed 1 --threads 1 2>/dev/null
if diff -r -q "$OUT/a" "$OUT/b" >/dev/null; then echo "byte-identical: yes (2 threads vs 1 thread)"; else echo "byte-identical: NO"; exit 1; fi
echo "images: $(find "$OUT/a/images" -type f | wc -l), size: $(du -sh "$OUT/a" | cut -f1)"
