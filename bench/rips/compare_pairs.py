"""Compares two Rips diagrams as multisets, at the precision Ripser prints (6 significant digits).
Usage: python compare_pairs.py RIPSER_OUTPUT OUR_PAIRS
RIPSER_OUTPUT is what `ripser --format point-cloud` printed; OUR_PAIRS is rips_bench's PAIRS file. Each of
our values is rounded to 6 significant digits like Ripser's output; a pair matches when both values agree
to within one unit of the 6th digit (the two tools sum squared differences in different precision, so a
value on a rounding boundary may print one unit apart). Pairs are matched one to one (a multiset comparison). Prints `equal` or the first differences; exit 1 on
any difference."""
import bisect, math, re, sys
from collections import defaultdict

def ripser_pairs(path):
    out, dim = defaultdict(list), None
    for line in open(path):
        m = re.match(r"persistence intervals in dim (\d+):", line)
        if m:
            dim = int(m.group(1))
            continue
        m = re.match(r"\s*\[([^,]+),\s*([^)]*)\)", line)
        if m and dim is not None:
            d = m.group(2).strip()
            out[dim].append((float(m.group(1)), float("inf") if d == "" else float(d)))
    return out

def our_pairs(path):
    out = defaultdict(list)
    for line in open(path):
        k, b, d = line.split()
        out[int(k)].append((float(f"{float(b):.6g}"), float(f"{float(d):.6g}") if d != "inf" else float("inf")))
    return out

def close(a, b):
    """Equal, or one unit apart in the 6th significant digit of the larger."""
    if a == b:
        return True
    m = max(abs(a), abs(b))
    return math.isfinite(m) and abs(a - b) <= 1.01 * 10 ** (math.floor(math.log10(m)) - 5)

def main():
    want, got = ripser_pairs(sys.argv[1]), our_pairs(sys.argv[2])
    bad = []
    for dim in sorted(set(want) | set(got)):
        w, g = sorted(want[dim]), sorted(got[dim])
        if len(w) != len(g):
            bad.append(f"H{dim}: ripser {len(w)} pairs, ours {len(g)}")
            continue
        # match every Ripser pair to an unused one of ours with both values close; births within one printed
        # unit can sort in either order, so search the neighbours in birth order, not only the same position
        used = [False] * len(g)
        births = [p[0] for p in g]
        for a in w:
            lo = bisect.bisect_left(births, a[0] - 2e-5 * max(abs(a[0]), 1e-30) - 1e-300)
            j = lo
            while j < len(g) and g[j][0] <= a[0] + 2e-5 * max(abs(a[0]), 1e-30):
                if not used[j] and close(a[0], g[j][0]) and close(a[1], g[j][1]):
                    used[j] = True
                    break
                j += 1
            else:
                bad.append(f"H{dim}: ripser pair {a} has no match in ours")
                break
    print("equal" if not bad else "; ".join(bad))
    sys.exit(1 if bad else 0)


main()
