"""How separable are the synthetic texture classes, and by what? Linear classifiers (3-fold CV) on
(a) colour-only features and (b) colour-blind structure features (luminance power spectrum in
radial × angular bins, gradient-magnitude histogram). Colour should separate classes poorly and
structure well. Usage: python3 synth_separability.py <synth dir> [size]   (numpy, Pillow, scikit-learn)
"""
import os
import sys

import numpy as np
from PIL import Image
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

root = sys.argv[1]
S = int(sys.argv[2]) if len(sys.argv) > 2 else 128
classes = sorted(os.listdir(os.path.join(root, "images")))
xs, ys = [], []
for k, c in enumerate(classes):
    d = os.path.join(root, "images", c)
    for f in sorted(os.listdir(d)):
        xs.append(np.asarray(Image.open(os.path.join(d, f)).convert("RGB").resize((S, S), Image.BILINEAR), dtype=np.float32) / 255)
        ys.append(k)
x = np.stack(xs)
y = np.array(ys)
C = len(classes)

mean = x.mean((1, 2))
q = (x * 3.999).astype(int)
idx = q[..., 0] * 16 + q[..., 1] * 4 + q[..., 2]
hist = np.stack([np.bincount(i.ravel(), minlength=64) for i in idx]).astype(np.float32)
hist /= hist.sum(1, keepdims=True)
colour = np.concatenate([mean, hist], 1)

lum = x @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
lum -= lum.mean((1, 2), keepdims=True)
lum /= lum.std((1, 2), keepdims=True) + 1e-6
F = np.abs(np.fft.fftshift(np.fft.fft2(lum), axes=(1, 2))) ** 2
yy, xx = np.mgrid[-S // 2 : S // 2, -S // 2 : S // 2]
r = np.hypot(xx, yy)
a = np.mod(np.arctan2(yy, xx), np.pi)
rb = np.clip((np.log1p(r) / np.log1p(S / 2) * 10).astype(int), 0, 9)
ab = (a / np.pi * 8).astype(int) % 8
b = rb * 8 + ab
spec = np.stack([np.log(np.bincount(b.ravel(), weights=f.ravel(), minlength=80) + 1e-6) for f in F])
gx = np.diff(lum, axis=2)[:, :-1, :]
gy = np.diff(lum, axis=1)[:, :, :-1]
gm = np.hypot(gx, gy)
gh = np.stack([np.histogram(g, bins=16, range=(0, 4))[0] for g in gm]).astype(np.float32)
gh /= gh.sum(1, keepdims=True)
structure = np.concatenate([spec, gh], 1)

print(f"{len(y)} images, {C} classes, chance {1 / C:.3f}")
for name, f in [("colour only", colour), ("structure only (spectrum + gradients)", structure)]:
    f = (f - f.mean(0)) / (f.std(0) + 1e-6)
    s = cross_val_score(LogisticRegression(max_iter=3000, C=0.5), f, y, cv=3)
    print(f"{name}: 3-fold accuracy {s.mean():.3f}")
