"""Side-by-side benchmark of clip-topo's t-SNE and UMAP against scikit-learn, openTSNE and umap-learn.

Usage: python bench/maps/bench.py "<tsne command>" "<umap command>" (bench/maps/run.sh passes the CLI)
Pass - for a command to skip that part. Each command is run with {x} replaced by the input .npy and {out} by an output .npy path, e.g.
  python bench/maps/bench.py "node bin/clip-topo.js tsne {x} --threads 2 --out {out}" \
                             "node bin/clip-topo.js umap {x} --threads 2 --out {out}"
Data: 6,000 clustered unit vectors in R^512 (20 classes), the same generator as the test fixtures.
All tools get 2 threads. umap-learn is warmed first on different data of the same size (its JIT
compilation and NN-descent code paths), then timed with and without random_state (a seed makes it
single-threaded). Wall times include each tool's whole fit (k-NN, affinities, optimisation).
"""
import os
import sys

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = "2"

import shlex
import subprocess
import tempfile
import time

import numpy as np
from sklearn.manifold import TSNE, trustworthiness


def clustered(n, d, c, seed, sigma=0.045):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(c, d))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    labels = rng.integers(0, c, size=n)
    x = centres[labels] + rng.normal(0.0, sigma, size=(n, d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), labels


def sq_dists(x):
    x = x.astype(np.float64)
    s = (x * x).sum(1)
    return np.maximum(s[:, None] + s[None, :] - 2 * x @ x.T, 0.0)


def joint_p(x, perplexity=30.0):
    """P of the t-SNE papers on 90 neighbours, bisection vectorised over rows."""
    n = x.shape[0]
    k = min(n - 1, int(3 * perplexity))
    d2 = sq_dists(x)
    np.fill_diagonal(d2, np.inf)
    nbr = np.argpartition(d2, k, axis=1)[:, :k]
    dn = np.take_along_axis(d2, nbr, 1)
    dn = dn - dn.min(1, keepdims=True)
    lo, hi, beta = np.zeros(n), np.full(n, np.inf), np.ones(n)
    for _ in range(200):
        w = np.exp(-dn * beta[:, None])
        s = w.sum(1)
        h = np.log(s) + beta * (dn * w).sum(1) / s
        up = h > np.log(perplexity)
        lo = np.where(up, beta, lo)
        hi = np.where(up, hi, beta)
        beta = np.where(np.isinf(hi), beta * 2, (lo + hi) / 2)
    w = np.exp(-dn * beta[:, None])
    w /= w.sum(1, keepdims=True)
    p = np.zeros((n, n))
    np.put_along_axis(p, nbr, w, 1)
    p = p + p.T
    return p / p.sum()


def kl(p, y):
    w = 1.0 / (1.0 + sq_dists(y))
    np.fill_diagonal(w, 0.0)
    q = w / w.sum()
    m = p > 0
    return float((p[m] * np.log(p[m] / q[m])).sum())


def agreement(y, labels, k=10):
    d2 = sq_dists(y)
    np.fill_diagonal(d2, np.inf)
    nbr = np.argpartition(d2, k, axis=1)[:, :k]
    return float((labels[nbr] == labels[:, None]).mean())


def timed(f):
    t = time.perf_counter()
    y = f()
    return time.perf_counter() - t, np.asarray(y, dtype=np.float64)


def ours(cmd, x_path, tmp):
    out = os.path.join(tmp, "map.npy")
    args = [a.replace("{x}", x_path).replace("{out}", out) for a in shlex.split(cmd)]
    t = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"{cmd} failed: {proc.stderr}")
    return dt, np.load(out).astype(np.float64), proc.stderr.strip().splitlines()[-1:] or [""]


def main():
    tsne_cmd, umap_cmd = sys.argv[1], sys.argv[2]
    import openTSNE
    import umap

    x, labels = clustered(6000, 512, 20, 6000)
    warm, _ = clustered(6000, 512, 20, 6001)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        x_path = os.path.join(tmp, "x.npy")
        np.save(x_path, x)
        p = joint_p(x) if tsne_cmd != "-" else None

        def row(tool, dt, y, note=""):
            r = (tool, dt, trustworthiness(x, y, n_neighbors=10), agreement(y, labels), note)
            rows.append(r)
            print(f"{tool:34s} {dt:7.2f} s  T(10) {r[2]:.4f}  agreement {r[3]:.4f}  {note}", flush=True)

        if tsne_cmd != "-":
            dt, y, line = ours(tsne_cmd, x_path, tmp)
            row("clip-topo tsne", dt, y, f"KL {kl(p, y):.4f}; {line[0]}")
            dt, y = timed(lambda: TSNE(n_jobs=2, random_state=0).fit_transform(x))
            row("scikit-learn TSNE (Barnes-Hut)", dt, y, f"KL {kl(p, y):.4f}")
            dt, y = timed(lambda: openTSNE.TSNE(n_jobs=2, random_state=0).fit(x))
            row("openTSNE", dt, y, f"KL {kl(p, y):.4f}")
        if umap_cmd == "-":
            return summary(rows)

        umap.UMAP(n_jobs=2).fit_transform(warm)  # JIT warm-up on same-size data
        dt, y, line = ours(umap_cmd, x_path, tmp)
        row("clip-topo umap", dt, y, line[0])
        dt, y = timed(lambda: umap.UMAP(n_jobs=2).fit_transform(x))
        row("umap-learn warm, no seed (2 thr)", dt, y)
        dt, y = timed(lambda: umap.UMAP(random_state=0).fit_transform(x))
        row("umap-learn warm, random_state=0", dt, y)

    summary(rows)


def summary(rows):
    t = {r[0]: r[1] for r in rows}
    print()
    if "clip-topo tsne" in t:
        print(f"t-SNE: clip-topo / scikit-learn = {t['clip-topo tsne'] / t['scikit-learn TSNE (Barnes-Hut)']:.3f} (required <= 0.5)")
        print(f"t-SNE: clip-topo / openTSNE     = {t['clip-topo tsne'] / t['openTSNE']:.3f} (goal <= 1.0)")
    if "clip-topo umap" not in t:
        return
    print(f"UMAP:  clip-topo / umap-learn (no seed)  = {t['clip-topo umap'] / t['umap-learn warm, no seed (2 thr)']:.3f} (required <= 1.0, goal <= 0.5)")
    print(f"UMAP:  clip-topo / umap-learn (seeded)   = {t['clip-topo umap'] / t['umap-learn warm, random_state=0']:.3f}")


if __name__ == "__main__":
    main()
