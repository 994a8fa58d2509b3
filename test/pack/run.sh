#!/usr/bin/env bash
# Packaging check (CI runs it after `npm test`): pack the package, install the tarball into an empty
# folder as a user would, and run the main job there with no arguments. Needs the npm registry for the
# dependencies and a built addon in native/ (what `npm install`/`npm ci` leaves).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/clip-topo-pack-XXXXXX")"
trap 'rm -rf "$work"' EXIT
export ONNXRUNTIME_NODE_INSTALL=skip
cd "$root"
ls native/*.node >/dev/null 2>&1 || { echo "pack test: no native/*.node; run npm install (or npm run build) first" >&2; exit 1; }
tarball="$(npm pack --silent --ignore-scripts --pack-destination "$work" | tail -n 1)"
size=$(du -k "$work/$tarball" | cut -f1)
echo "pack test: $tarball (${size} kB)"
tar -tzf "$work/$tarball" > "$work/contents.txt"
for f in package/bin/clip-topo.js package/dist/cli.js package/dist/index.js package/native/index.cjs package/models/README.md; do
  grep -qx "$f" "$work/contents.txt" || { echo "pack test: $f is missing from the tarball" >&2; exit 1; }
done
grep -q '^package/native/.*\.node$' "$work/contents.txt" || { echo "pack test: no native addon in the tarball" >&2; exit 1; }
if grep -Eq '^package/(node_modules|target|crates/.*/target)/' "$work/contents.txt"; then echo "pack test: build output leaked into the tarball" >&2; exit 1; fi
mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$work/$tarball"
# No arguments: the packaged default model on the synthetic texture set.
env -u CLIP_TOPO_MODEL npx --no-install clip-topo analyze
test -s clip-topo-report/report.html || { echo "pack test: report.html was not written" >&2; exit 1; }
node -e '
const m = JSON.parse(require("fs").readFileSync("clip-topo-report/metrics.json", "utf8"));
const fail = (s) => { console.error("pack test: " + s); process.exit(1); };
if (m.schema !== "clip-topo/analysis@2") fail("unexpected schema " + m.schema);
if (!m.model.default) fail("the default model was not used");
if (m.dataset.synthetic === null) fail("the synthetic dataset was not used");
if (m.accuracy.zeroshot.length !== 4) fail("expected 4 noise levels, got " + m.accuracy.zeroshot.length);
// Issue #15: the default run has exact whole-split diagrams with scale and cycles, saturation-aware distances,
// paired measures and findings.
const n = m.dataset.counts.reduce((a, b) => a + b, 0);
for (const g of m.diagrams.global) {
  if (!g.exact || g.points !== n) fail("σ=" + g.sigma + ": diagram of " + g.points + " points, not the whole split of " + n);
  if (!(g.scale.enclosing_radius > 0)) fail("σ=" + g.sigma + ": no scale");
  if (g.cycles.length === 0 || !g.cycles.every((c) => c.computed && c.images.length > 0)) fail("σ=" + g.sigma + ": no computed cycles");
}
if (!m.distances.global.every((d) => d.saturation && d.normalized)) fail("distances without saturation or normalised values");
if (m.paired.levels.length !== 3) fail("expected paired measures at 3 noisy levels");
if (m.findings.length !== 8) fail("expected 8 findings, got " + m.findings.length);
const html = require("fs").readFileSync("clip-topo-report/report.html", "utf8");
for (const id of ["findings", "cycles", "paired", "scale"]) if (!html.includes("data-table=\"" + id + "\"")) fail("report.html has no " + id + " table");
console.log("pack test: ok — " + m.model.name + ", zero-shot top-1 clean " + m.accuracy.zeroshot[0].acc1.toFixed(3) + ", " + m.timings.total + " s");
'
# The report the main command wrote, opened in headless Chromium (no console errors, every figure drawn).
# PACK_SCREENSHOT keeps the screenshot (docs/report-screenshot.png is made this way). This check is the
# point of the step, so CLIP_TOPO_SKIP_BROWSER (the release workflow's opt-out) does not apply here.
cd "$root"
env -u CLIP_TOPO_SKIP_BROWSER REPORT_HTML="$work/app/clip-topo-report/report.html" REPORT_SCREENSHOT="${PACK_SCREENSHOT:-$work/report.png}" \
  npx vitest run test/report-browser.test.ts -t "real analyze run"
