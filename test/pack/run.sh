#!/usr/bin/env bash
# Packaging check (CI runs it after `npm test`): pack the package, install the tarball into an empty
# folder as a user would, with the npm registry as the only host that can be reached, type-check a small
# TypeScript consumer against the installed types (skipLibCheck off), and run the main job there with no
# arguments in the same sandbox. Needs the npm registry for the dependencies and a built addon in native/ (what
# `npm install`/`npm ci` leaves).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/clip-topo-pack-XXXXXX")"
trap 'rm -rf "$work"' EXIT
# The settings that would skip onnxruntime-node's download are set only where the README says to set them.
unset ONNXRUNTIME_NODE_INSTALL ONNXRUNTIME_NODE_INSTALL_CUDA npm_config_onnxruntime_node_install npm_config_onnxruntime_node_install_cuda
registry_host="$(node -e 'const u = new URL(process.argv[1]); console.log(u.hostname + ":" + (u.port || (u.protocol === "http:" ? 80 : 443)))' "$(npm config get registry)")"
# Runs a command that can reach the npm registry and nothing else (see registry-only.mjs); hosts it was
# refused are appended to $work/denied.log.
registry_only() { node "$root/test/pack/registry-only.mjs" --allow "$registry_host" --log "$work/denied.log" -- "$@"; }
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
# Control: without the setting, onnxruntime-node's postinstall downloads its CUDA provider libraries from
# NuGet on linux/x64 (on every other platform it has nothing to fetch), so the install must fail here. If it
# does not, either the sandbox lets other hosts through or onnxruntime-node changed, and the README's advice
# needs a second look.
if [ "$(node -p 'process.platform + "/" + process.arch')" = linux/x64 ]; then
  mkdir "$work/control"
  cd "$work/control"
  npm init -y >/dev/null
  if registry_only npm install --no-audit --no-fund --loglevel=error "$work/$tarball" > "$work/control.log" 2>&1; then
    cat "$work/control.log" >&2
    echo "pack test: the control install without ONNXRUNTIME_NODE_INSTALL=skip succeeded; expected onnxruntime-node's download to be refused" >&2
    exit 1
  fi
  grep -qi 'nuget' "$work/control.log" "$work/denied.log" 2>/dev/null || { cat "$work/control.log" >&2; echo "pack test: the control install failed, but not on onnxruntime-node's download" >&2; exit 1; }
  echo "pack test: control ok: without the setting the install fails on onnxruntime-node's download ($(sort -u "$work/denied.log" 2>/dev/null | tr '\n' ' ')refused)"
  rm -f "$work/denied.log"
fi
mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm pkg set type=module
# What the README tells users to run.
ONNXRUNTIME_NODE_INSTALL=skip registry_only npm install --no-audit --no-fund --loglevel=error "$work/$tarball"
if [ -s "$work/denied.log" ]; then echo "pack test: note: the install asked for (and was refused) $(sort -u "$work/denied.log" | tr '\n' ' ')"; rm -f "$work/denied.log"; fi
# The shipped types, as a strict TypeScript consumer sees them (no skipLibCheck); Node's own types are the
# consumer's, here the repository's @types/node.
cat > consumer.ts <<'TS'
import { type Diagrams, type DistanceResult, ClipTopoError, bottleneck, rips } from 'clip-topo';

const square = { data: new Float64Array([0, 0, 1, 0, 0, 1, 1, 1]), rows: 4, cols: 2 };
const onProgress = (stage: string, done: number, total: number): void => void [stage, done, total];
const d: Diagrams = await rips(square, { maxdim: 1, onProgress });
const h0 = d.diagrams[0]!.pairs;
const dist: DistanceResult = await bottleneck(h0, h0);
export const checked: [number, DistanceResult, boolean] = [d.diagrams.length, dist, new ClipTopoError('x') instanceof Error];
TS
node "$root/node_modules/typescript/bin/tsc" --noEmit --strict --skipLibCheck false --module nodenext --moduleResolution nodenext \
  --target es2022 --typeRoots "$root/node_modules/@types" --types node consumer.ts
echo "pack test: consumer.ts type-checks against the installed package (skipLibCheck false)"
# No arguments: the packaged default model on the synthetic texture set, with no network beyond the registry.
(unset CLIP_TOPO_MODEL && registry_only npx --no-install clip-topo analyze)
# onnxruntime 1.30's Linux library uploads telemetry once a session runs (unless ORT_DISABLE_TELEMETRY=1);
# refused here, it changes nothing in the run, so it is reported, not failed.
if [ -s "$work/denied.log" ]; then echo "pack test: note: analyze tried to reach (and was refused) $(sort -u "$work/denied.log" | tr '\n' ' ')"; fi
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
