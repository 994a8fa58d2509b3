"""The notebook way: analyze's steps after embedding, done with the reference tools on the embeddings
`clip-topo analyze` wrote, timed step by step, and compared with its metrics.json.

Usage: python3 reference.py <analyze output folder>   (numpy, scipy, scikit-learn, openTSNE, umap-learn,
ripser, persim). Prints one JSON line: per-step seconds and the largest differences from metrics.json.
"""
import json
import os
import sys
import time

import numpy as np
import openTSNE
import persim
import umap
from ripser import ripser
from scipy.linalg import subspace_angles
from sklearn.linear_model import LogisticRegression

out = sys.argv[1]
m = json.load(open(os.path.join(out, "metrics.json")))
classes = [c for c in open(os.path.join(out, "embeddings", "classes.txt")).read().split("\n") if c]
levels = m["noise"]["levels"]
split = m["dataset"]["split"]
tag = lambda s: "clean" if s == 0 else f"sigma{s:g}"
load = lambda name: np.load(os.path.join(out, "embeddings", name))
X = {s: load(f"{split}_{tag(s)}.npy") for s in levels}
Y = {s: load(f"{split}_{tag(s)}_labels.npy") for s in levels}
W = load("class_prompts.npy")
scale = m["model"]["logit_scale"]
T = {}
diff = {}

t = time.perf_counter()
acc = []
for s in levels:
    pred = np.argmax(scale * X[s] @ W.T, axis=1)
    acc.append(float(np.mean(pred == Y[s])))
T["zeroshot"] = time.perf_counter() - t
diff["zeroshot_acc1"] = max(abs(a - z["acc1"]) for a, z in zip(acc, m["accuracy"]["zeroshot"]))

if m["accuracy"]["probe"]:
    t = time.perf_counter()
    Xt, Yt = load("train_clean.npy"), load("train_clean_labels.npy")
    clf = LogisticRegression(C=1.0, tol=1e-6, max_iter=1000).fit(Xt, Yt)
    pacc = [float(clf.score(X[s], Y[s])) for s in levels]
    T["probe"] = time.perf_counter() - t
    diff["probe_acc1"] = max(abs(a - z["acc1"]) for a, z in zip(pacc, m["accuracy"]["probe"]))

t = time.perf_counter()
for info in m["maps"]:
    keep = np.isin(Y[0], info["classes"])
    x = X[0][keep]
    if info["method"] == "tsne":
        openTSNE.TSNE(random_state=info["seed"] % 2**31, n_jobs=2).fit(x)
    else:
        # Unseeded so that umap-learn may use both cores (seeded it runs on one).
        umap.UMAP(n_jobs=2).fit_transform(x)
T["maps"] = time.perf_counter() - t

t = time.perf_counter()
bases = []
for c in range(len(classes)):
    xc = X[0][Y[0] == c].astype(np.float64)
    xc = xc - xc.mean(axis=0)
    u, sv, _ = np.linalg.svd(xc.T, full_matrices=False)
    energy = np.cumsum(sv**2) / np.sum(sv**2)
    k = int(np.searchsorted(energy, 0.9 - 1e-12) + 1)
    bases.append(u[:, :k])
worst = 0.0
for a in range(len(classes)):
    for b in range(a + 1, len(classes)):
        ang = np.degrees(np.min(subspace_angles(bases[a], bases[b])))
        worst = max(worst, abs(ang - m["angles"]["min_deg"][a][b]))
T["angles"] = time.perf_counter() - t
diff["angles_min_deg"] = worst

t = time.perf_counter()
idx = load("rips_sample_indices.npy")
glob = {s: ripser(X[s][idx].astype(np.float64), maxdim=m["diagrams"]["maxdim"])["dgms"] for s in levels}
per = {s: [ripser(X[s][Y[s] == c].astype(np.float64), maxdim=m["diagrams"]["maxdim"])["dgms"] for c in range(len(classes))] for s in levels}
T["rips"] = time.perf_counter() - t
ours = json.load(open(os.path.join(out, "diagrams", f"{split}_clean.json")))
worst = 0.0
for d, dg in enumerate(glob[0]):
    a = np.array([[p[0], np.inf if p[1] is None else p[1]] for p in ours["diagrams"][d]["pairs"]]).reshape(-1, 2)
    a, b = a[np.lexsort((a[:, 1], a[:, 0]))], dg[np.lexsort((dg[:, 1], dg[:, 0]))]
    if len(a) != len(b):
        worst = float("inf")
        continue
    fin = np.isfinite(b)
    worst = max(worst, float(np.max(np.abs(a[fin] - b[fin]), initial=0.0)))
diff["rips_clean_pairs"] = worst

t = time.perf_counter()
worst = 0.0
for g in m["distances"]["global"]:
    a, b = glob[0][g["dim"]], glob[g["sigma"]][g["dim"]]
    bn = persim.bottleneck(a, b)
    persim.wasserstein(a, b)
    worst = max(worst, abs(bn - g["bottleneck"]))
for s in levels[1:]:
    for c in range(len(classes)):
        for d in range(m["diagrams"]["maxdim"] + 1):
            persim.bottleneck(per[0][c][d], per[s][c][d])
            persim.wasserstein(per[0][c][d], per[s][c][d])
T["distances"] = time.perf_counter() - t
diff["bottleneck_global"] = worst

T["total"] = sum(T.values())
print(json.dumps({"seconds": {k: round(v, 3) for k, v in T.items()}, "max_abs_diff": diff}))
