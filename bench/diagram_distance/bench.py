"""Side-by-side bench of clip-topo's diagram distances against hera (through GUDHI), in one run.

Usage (from the repository root, after `npm run build` and
`cargo build --release -p clip-topo-core --example diagram_distance_bench`):
    python bench/diagram_distance/bench.py [--n 5000] [--seed 7] [--repeat 3]

Diagrams: births uniform on [0, 1], persistence exponential (mean 0.2); "independent" compares two
such diagrams, "perturbed" compares one with itself moved by uniform ±0.01 noise in each coordinate.
GUDHI/hera are timed in-process (perf_counter around the call, best of --repeat). Ours is timed by
the Rust bench binary around the kernel call (best of --repeat, same process), and its peak RSS is
measured by /usr/bin/time -v for the whole process. The CLI's end-to-end wall time (Node start, file
parsing, kernel) is reported too.
"""
import argparse, os, subprocess, sys, tempfile, time
import numpy as np
import gudhi, gudhi.hera

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "target", "release", "examples", "diagram_distance_bench")
CLI = os.path.join(ROOT, "bin", "clip-topo.js")

def diagram(rng, n):
    b = rng.uniform(0.0, 1.0, n)
    return np.column_stack([b, b + rng.exponential(0.2, n) + 1e-9])

def ours(metric, fa, fb, delta, repeat):
    r = subprocess.run(["/usr/bin/time", "-v", BIN, metric, fa, fb, str(delta), str(repeat)],
                       capture_output=True, text=True, check=True)
    val, secs = r.stdout.split()
    rss = [l for l in r.stderr.splitlines() if "Maximum resident" in l][0].split()[-1]
    return float(val), float(secs), int(rss) / 1024.0

def cli(metric, fa, fb, delta):
    t = time.perf_counter()
    r = subprocess.run(["node", CLI, "distance", fa, fb, "--metric", metric, "--delta", str(delta)],
                       capture_output=True, text=True, check=True)
    return float(r.stdout), time.perf_counter() - t

def best(f, repeat):
    times, v = [], None
    for _ in range(repeat):
        t = time.perf_counter(); v = f(); times.append(time.perf_counter() - t)
    return v, min(times)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cgal", action="store_true", help="also time GUDHI's CGAL bottleneck (slow)")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    a, b = diagram(rng, args.n), diagram(rng, args.n)
    pert = a + rng.uniform(-0.01, 0.01, a.shape)
    pert[:, 1] = np.maximum(pert[:, 1], pert[:, 0] + 1e-9)
    tmp = tempfile.mkdtemp()
    files = {}
    for name, x in [("a", a), ("b", b), ("pert", pert)]:
        files[name] = os.path.join(tmp, name + ".txt")
        np.savetxt(files[name], x, fmt="%.17g")
    print(f"n={args.n} seed={args.seed} repeat={args.repeat} gudhi={gudhi.__version__} python={sys.version.split()[0]}")
    print("| case | metric | hera s | ours s | ours/hera | ours peak MB | CLI end-to-end s | hera value | ours value |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, x, y in [("independent", "a", "b"), ("perturbed ±0.01", "a", "pert")]:
        X, Y = np.loadtxt(files[x]), np.loadtxt(files[y])
        hb, th = best(lambda: gudhi.hera.bottleneck_distance(X, Y, delta=0), args.repeat)
        ob, to, mo = ours("bottleneck", files[x], files[y], 0, args.repeat)
        _, tcli = cli("bottleneck", files[x], files[y], 0)
        print(f"| {label} | bottleneck exact | {th:.3f} | {to:.3f} | {to/th:.2f} | {mo:.1f} | {tcli:.2f} | {hb:.15g} | {ob:.15g} |")
        if args.cgal:
            cb, tc = best(lambda: gudhi.bottleneck_distance(X, Y, 0), 1)
            print(f"| {label} | bottleneck GUDHI CGAL e=0 | {tc:.3f} | | | | | {cb:.15g} | |")
        hw, thw = best(lambda: gudhi.hera.wasserstein_distance(X, Y, order=1, internal_p=np.inf, delta=0.01), args.repeat)
        ow, tow, mow = ours("wasserstein", files[x], files[y], 0.01, args.repeat)
        _, tcli = cli("wasserstein", files[x], files[y], 0.01)
        print(f"| {label} | W1 δ=0.01 | {thw:.3f} | {tow:.3f} | {tow/thw:.2f} | {mow:.1f} | {tcli:.2f} | {hw:.15g} | {ow:.15g} |")

main()
