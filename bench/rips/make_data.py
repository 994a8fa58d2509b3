"""Benchmark point clouds (CSV, Ripser's point-cloud format). Usage: python make_data.py OUTDIR"""
import sys, os
import numpy as np
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
def torus(n, R=2.0, r=0.8):
    a, b = rng.uniform(0, 2*np.pi, (2, n))
    return np.stack([(R + r*np.cos(b))*np.cos(a), (R + r*np.cos(b))*np.sin(a), r*np.sin(b)], 1)
def circle(n, noise=0.1):
    t = rng.uniform(0, 2*np.pi, n)
    return np.stack([np.cos(t), np.sin(t), np.zeros(n)], 1) + noise*rng.normal(size=(n, 3))
def clustered(n, d=512, k=10, spread=0.6):
    c = rng.normal(size=(k, d))
    x = c[rng.integers(0, k, n)] + spread*rng.normal(size=(n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)
def uniform_sphere(n, d=512):
    x = rng.normal(size=(n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)
def clip_like(n, d=512, classes=47, seed_shift=0):
    """Unit vectors with the statistics of CLIP image embeddings: a shared mean direction (random images have
    cosine ≈ 0.5), one centre per class, and within-class noise whose variance decays like 1/rank over a random
    basis (CLIP's spectrum is heavy-tailed, its effective dimension far below 512)."""
    g = np.random.default_rng(11 + seed_shift)
    mean = g.normal(size=d); mean /= np.linalg.norm(mean)
    centres = g.normal(size=(classes, d)) / np.sqrt(d) * 0.6
    basis, _ = np.linalg.qr(g.normal(size=(d, d)))
    sd = 0.3 / np.sqrt(np.arange(1, d + 1))
    noise = (g.normal(size=(n, d)) * sd) @ basis.T
    x = mean + centres[g.integers(0, classes, n)] + noise
    return x / np.linalg.norm(x, axis=1, keepdims=True)
sets = {
    "torus1000": torus(1000), "circle1000": circle(1000), "gauss64_2000": rng.normal(size=(2000, 64)),
    "clustered512_2000": clustered(2000), "torus500": torus(500), "sphere512_500": uniform_sphere(500),
    "cliplike512_1000": clip_like(1000), "cliplike512_2000": clip_like(2000),
}
for k, v in sets.items():
    np.savetxt(os.path.join(out, k + ".csv"), v.astype(np.float32), delimiter=",", fmt="%.9g")
    # the same float32 values for the CLI (the CSV's %.9g round-trips float32 exactly)
    np.save(os.path.join(out, k + ".npy"), v.astype(np.float32))
