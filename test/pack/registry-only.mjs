// Runs a command with the npm registry as the only host it can reach (used by test/pack/run.sh).
//
//   node test/pack/registry-only.mjs --allow <host[:port]> --log <file> -- <command> [args...]
//
// Where `unshare -n` (root) or `unshare -rn` (user namespaces) works and `ip` (iproute2) is there, the
// command runs in a new network namespace that has nothing but loopback. Its one way out is an HTTP proxy
// on 127.0.0.1 inside that namespace, piped over a Unix socket to this process, which tunnels to the allowed
// host only: every other host (CONNECT or plain HTTP) gets 403 and is written to the log. npm is pointed at
// that proxy through npm_config_https_proxy/npm_config_proxy; anything that ignores proxies finds no network
// at all, so a download from GitHub, NuGet or a CDN fails whichever way it is attempted.
//
// Without network namespaces the same proxy listens on 127.0.0.1 and the command gets the usual proxy
// variables (also global-agent's GLOBAL_AGENT_*, which onnxruntime-node's install script reads). That is
// weaker: a client that ignores proxy variables can still go out. The first line on stderr says which mode
// ran. The exit code is the command's.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
if (dash < 0 || dash === argv.length - 1) usage();
const opts = {};
for (let i = 0; i < dash; i += 2) {
  if (!argv[i].startsWith('--') || i + 1 >= dash) usage();
  opts[argv[i].slice(2)] = argv[i + 1];
}
const command = argv.slice(dash + 1);

if (opts.inner) {
  // Inside the namespace: 127.0.0.1:<free port> → the Unix socket, then the command.
  const pipe = net.createServer((c) => {
    const up = net.connect(opts.inner);
    c.pipe(up).pipe(c);
    up.on('error', () => c.destroy());
    c.on('error', () => up.destroy());
  });
  pipe.listen(0, '127.0.0.1', () => run(`http://127.0.0.1:${pipe.address().port}`, () => pipe.close()));
} else {
  if (!opts.allow || !opts.log) usage();
  const [allowHost, allowPort = '443'] = opts.allow.split(':');
  const deny = (what, sock) => {
    appendFileSync(opts.log, `${what}\n`);
    sock.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  };
  const proxy = http.createServer((req, res) => {
    // Plain HTTP through the proxy (absolute URI): only to the allowed host.
    let url;
    try {
      url = new URL(req.url);
    } catch {
      return deny(`bad request ${req.url}`, res.socket);
    }
    if (url.hostname !== allowHost || (url.port || '80') !== allowPort) return deny(`${url.host} (http)`, res.socket);
    const up = http.request(url, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  proxy.on('connect', (req, sock, head) => {
    const [host, port] = req.url.split(':');
    if (host !== allowHost || port !== allowPort) return deny(req.url, sock);
    const up = net.connect(Number(port), host, () => {
      sock.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(sock).pipe(up);
    });
    up.on('error', () => sock.destroy());
    sock.on('error', () => up.destroy());
  });
  const unshare = ['-n', '-rn'].find((f) => spawnSync('unshare', [f, 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' }).status === 0);
  if (unshare) {
    const dir = mkdtempSync(join(tmpdir(), 'registry-only-'));
    const sock = join(dir, 'proxy.sock');
    proxy.listen(sock, () => {
      console.error(`registry-only: network namespace (unshare ${unshare}); only ${opts.allow} reachable, via a proxy`);
      const inner = `ip link set lo up && exec "$0" "$@"`;
      const child = spawn('unshare', [unshare, 'sh', '-c', inner, process.execPath, self, '--inner', sock, '--', ...command], {
        stdio: 'inherit',
      });
      child.on('exit', (code, signal) => {
        proxy.close();
        rmSync(dir, { recursive: true, force: true });
        process.exit(code ?? (signal ? 128 : 1));
      });
    });
  } else {
    proxy.listen(0, '127.0.0.1', () => {
      console.error(`registry-only: no network namespace (unshare failed); proxy variables only, a weaker check`);
      run(`http://127.0.0.1:${proxy.address().port}`, () => proxy.close());
    });
  }
}

function run(proxyUrl, done) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(no_proxy|npm_config_noproxy|global_agent_no_proxy)$/i.test(k)) delete env[k];
  for (const k of ['npm_config_https_proxy', 'npm_config_proxy', 'HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy']) env[k] = proxyUrl;
  env.GLOBAL_AGENT_HTTPS_PROXY = env.GLOBAL_AGENT_HTTP_PROXY = proxyUrl;
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env });
  child.on('exit', (code, signal) => {
    done();
    process.exit(code ?? (signal ? 128 : 1));
  });
}

function usage() {
  console.error('usage: node registry-only.mjs --allow <host[:port]> --log <file> -- <command> [args...]');
  process.exit(2);
}
