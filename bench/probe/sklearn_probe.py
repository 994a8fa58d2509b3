"""scikit-learn side of the probe bench: LogisticRegression(lbfgs) fit on float32 embeddings, as a
user would call it, or on a float64 copy (DTYPE float64). Usage: sklearn_probe.py BASE C TOL DTYPE [REPEATS]"""
import sys
import time

import numpy as np
from scipy.special import log_softmax
from sklearn.linear_model import LogisticRegression

base, C, tol, dtype = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
reps = int(sys.argv[5]) if len(sys.argv) > 5 else 3
x, y = np.load(f"{base}_train.npy").astype(dtype), np.load(f"{base}_train_labels.npy")
xt, yt = np.load(f"{base}_test.npy"), np.load(f"{base}_test_labels.npy")
times = []
for _ in range(reps):
    t = time.perf_counter()
    clf = LogisticRegression(C=C, max_iter=1000, tol=tol).fit(x, y)
    times.append(time.perf_counter() - t)
W, b = clf.coef_.astype(np.float64), clf.intercept_.astype(np.float64)
lp = log_softmax(x.astype(np.float64) @ W.T + b, axis=1)
obj = 0.5 * np.sum(W * W) + C * -lp[np.arange(len(y)), y].sum()
acc = float(np.mean(clf.predict(xt) == yt))
print(f"sklearn {dtype} C={C:g} tol={tol:g}: fit median {np.median(times) * 1000:.1f} ms (min {min(times) * 1000:.1f}) over {reps}, "
      f"{clf.n_iter_[0]} iterations, objective {obj:.6f}, test acc1 {acc:.4f}")
