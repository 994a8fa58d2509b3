// `prepare` (npm install in this repository, npm pack): rebuild the addon only when it is missing or older
// than the Rust sources, so packing a built tree does not spend minutes rebuilding Rust. `npm run build`
// (and so `npm test`) always rebuilds.
import { execSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';

const mtime = (p) => statSync(p).mtimeMs;

function stale() {
  let addon;
  try {
    // The loader picks this platform's .node; a missing one throws.
    const require = createRequire(import.meta.url);
    require('../native/index.cjs');
    addon = Object.keys(require.cache).filter((k) => k.endsWith('.node'));
  } catch {
    return 'no addon for this platform';
  }
  const built = Math.min(...[...addon, 'native/index.cjs', 'native/index.d.cts'].map(mtime));
  const sources = ['Cargo.toml', 'Cargo.lock'];
  for (const p of readdirSync('crates', { recursive: true })) {
    const path = `crates/${p}`;
    if (/(\.rs|Cargo\.toml)$/.test(path) && !/[\\/](target|node_modules)[\\/]/.test(path)) sources.push(path);
  }
  const newest = Math.max(...sources.map(mtime));
  return newest >= built ? 'Rust sources newer than native/' : null;
}

const why = stale();
if (why) {
  console.log(`build:native (${why})`);
  execSync('npm run build:native', { stdio: 'inherit' });
} else console.log('native/ is newer than crates/: not rebuilding it (npm run build:native forces)');
