#!/bin/sh
# report.html of 5,640 images × 4 levels with 64 px WebP thumbnails: size, first paint and load in headless
# Chromium (Debian package chromium, or CHROMIUM_PATH), median of REPS. Results go to BENCHMARKS.md by hand.
set -e
cd "$(dirname "$0")/../.."
# PAGE=<report.html> measures an existing page (e.g. the default analyze run) instead of the generated one.
node bench/report/run.mjs "${PAGE:-${WORK:-/tmp/clip-topo-bench-report}}" "${REPS:-5}"
