//! Tests against GUDHI/hera/scipy fixtures (made by make_fixtures.py), a brute-force bottleneck
//! oracle, and metric properties on seeded random diagrams.

use super::*;
use crate::error::ErrorCode;
use crate::rng::SplitMix64;

const FIXTURES: &str = include_str!("../../../../test/fixtures/diagram_distance/fixtures.txt");

struct Case {
    name: String,
    a: Diagram,
    b: Diagram,
    cgal: f64,
    hera: f64,
    wasserstein: Vec<(f64, f64, f64)>,
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("bad number {s}"))
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let mut cur: Option<Case> = None;
    for line in FIXTURES.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.first().copied() {
            Some("case") => {
                cur = Some(Case {
                    name: f[1].into(),
                    a: Diagram::default(),
                    b: Diagram::default(),
                    cgal: 0.0,
                    hera: 0.0,
                    wasserstein: vec![],
                })
            }
            Some("a") => cur.as_mut().unwrap().a.pairs.push([num(f[1]), num(f[2])]),
            Some("b") => cur.as_mut().unwrap().b.pairs.push([num(f[1]), num(f[2])]),
            Some("bottleneck_cgal") => cur.as_mut().unwrap().cgal = num(f[1]),
            Some("bottleneck_hera") => cur.as_mut().unwrap().hera = num(f[1]),
            Some("wasserstein") => cur.as_mut().unwrap().wasserstein.push((num(f[1]), num(f[2]), num(f[3]))),
            Some("end") => out.push(cur.take().unwrap()),
            _ => {}
        }
    }
    assert!(out.len() >= 15, "fixtures missing");
    out
}

fn close(x: f64, y: f64, tol: f64) -> bool {
    if x.is_infinite() || y.is_infinite() {
        return x == y;
    }
    (x - y).abs() <= tol * y.abs().max(1.0)
}

fn bn(a: &Diagram, b: &Diagram, delta: f64) -> BottleneckResult {
    bottleneck(a, b, &BottleneckOptions { delta, matching: true, ignore_essential: false }, &Control::none()).unwrap()
}

fn ws(a: &Diagram, b: &Diagram, p: f64, q: f64, delta: f64) -> WassersteinResult {
    let o = WassersteinOptions { p, delta, internal_p: q, matching: true, ignore_essential: false };
    wasserstein(a, b, &o, &Control::none()).unwrap()
}

/// Every point of both diagrams appears exactly once, and the stated costs are the ground distances.
fn check_matching(a: &Diagram, b: &Diagram, m: &[MatchedPair], ground: Ground) {
    let mut seen_a = vec![0; a.pairs.len()];
    let mut seen_b = vec![0; b.pairs.len()];
    for p in m {
        let c = match (p.a, p.b) {
            (Some(i), Some(j)) => {
                seen_a[i] += 1;
                seen_b[j] += 1;
                if a.pairs[i][1].is_infinite() {
                    (a.pairs[i][0] - b.pairs[j][0]).abs()
                } else {
                    ground.dist(a.pairs[i], b.pairs[j])
                }
            }
            (Some(i), None) => {
                seen_a[i] += 1;
                if a.pairs[i][1].is_infinite() {
                    f64::INFINITY
                } else {
                    ground.to_diagonal(a.pairs[i])
                }
            }
            (None, Some(j)) => {
                seen_b[j] += 1;
                if b.pairs[j][1].is_infinite() {
                    f64::INFINITY
                } else {
                    ground.to_diagonal(b.pairs[j])
                }
            }
            (None, None) => panic!("empty pair"),
        };
        assert_eq!(c, p.cost, "stated cost of {p:?}");
    }
    assert!(seen_a.iter().chain(seen_b.iter()).all(|&k| k == 1), "every point matched once");
}

#[test]
fn bottleneck_matches_gudhi_and_hera() {
    for c in cases() {
        let r = bn(&c.a, &c.b, 0.0);
        let brute = brute_bottleneck(&c.a, &c.b);
        assert!(close(r.distance, brute, 1e-12), "{}: ours {} brute force {}", c.name, r.distance, brute);
        // hera must agree everywhere. GUDHI's exact CGAL mode (e = 0) returns 0.32035 on
        // random_0_5x3, but every point there can go to the diagonal within 0.30778 (hera's value,
        // and the brute force's): a GUDHI defect, so that one case is checked against hera only.
        assert!(close(r.distance, c.hera, 1e-9), "{} vs hera: {} {}", c.name, r.distance, c.hera);
        if c.name == "random_0_5x3" {
            assert!(c.cgal > brute + 1e-3, "the known GUDHI discrepancy changed; re-check this case");
        } else {
            assert!(close(r.distance, c.cgal, 1e-9), "{} vs GUDHI CGAL: {} {}", c.name, r.distance, c.cgal);
        }
        let m = r.matching.unwrap();
        check_matching(&c.a, &c.b, &m, Ground::LInf);
        let max = m.iter().fold(0.0f64, |x, p| x.max(p.cost));
        assert_eq!(max, r.distance, "{}: matching attains the distance", c.name);
        if r.distance > 0.0 && r.distance.is_finite() {
            assert_eq!(r.attaining.unwrap().cost, r.distance);
        }
    }
}

#[test]
fn approximate_bottleneck_within_delta() {
    for c in cases() {
        let exact = bn(&c.a, &c.b, 0.0).distance;
        for delta in [0.01, 0.1, 0.5] {
            let r = bn(&c.a, &c.b, delta);
            if exact.is_infinite() {
                assert!(r.distance.is_infinite());
                continue;
            }
            assert!(
                r.distance >= exact && r.distance <= exact * (1.0 + delta) + 1e-300,
                "{} delta {delta}: {} vs {exact}",
                c.name,
                r.distance
            );
            check_matching(&c.a, &c.b, r.matching.as_ref().unwrap(), Ground::LInf);
        }
    }
}

#[test]
fn wasserstein_matches_scipy_hungarian() {
    for c in cases() {
        for &(p, q, want) in &c.wasserstein {
            let ground = Ground::from_internal_p(q);
            let exact = ws(&c.a, &c.b, p, q, 0.0);
            assert!(close(exact.distance, want, 1e-9), "{} p={p} q={q}: exact {} scipy {want}", c.name, exact.distance);
            check_matching(&c.a, &c.b, exact.matching.as_ref().unwrap(), ground);
            for delta in [0.01, 0.1] {
                let r = ws(&c.a, &c.b, p, q, delta);
                if want.is_infinite() {
                    assert!(r.distance.is_infinite());
                    continue;
                }
                assert!(
                    r.distance >= want * (1.0 - 1e-12) && r.distance <= want * (1.0 + delta) + 1e-12,
                    "{} p={p} q={q} delta={delta}: {} vs {want}",
                    c.name,
                    r.distance
                );
                let m = r.matching.unwrap();
                check_matching(&c.a, &c.b, &m, ground);
                let total: f64 = m.iter().map(|x| ground.pow(x.cost, p)).sum();
                assert!(close(total.powf(1.0 / p), r.distance, 1e-12), "{}: matching cost = distance", c.name);
            }
        }
    }
}

// ---------- brute force oracle: all candidate values, Kuhn on the explicit augmented graph ----------

fn brute_bottleneck(a: &Diagram, b: &Diagram) -> f64 {
    let ea: Vec<f64> = {
        let mut v: Vec<f64> = a.essential().map(|p| p[0]).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let eb: Vec<f64> = {
        let mut v: Vec<f64> = b.essential().map(|p| p[0]).collect();
        v.sort_by(f64::total_cmp);
        v
    };
    if ea.len() != eb.len() {
        return f64::INFINITY;
    }
    let ess = ea.iter().zip(eb.iter()).fold(0.0f64, |x, (p, q)| x.max((p - q).abs()));
    let fa: Vec<[f64; 2]> = a.finite().copied().collect();
    let fb: Vec<[f64; 2]> = b.finite().copied().collect();
    let (n, m) = (fa.len(), fb.len());
    let nv = n + m;
    // Classic construction: left = A ∪ diag(B), right = B ∪ diag(A); A_i–diag(A_i) and diag(B_j)–B_j only.
    let cost = |l: usize, r: usize| -> f64 {
        match (l < n, r < m) {
            (true, true) => (fa[l][0] - fb[r][0]).abs().max((fa[l][1] - fb[r][1]).abs()),
            (true, false) => {
                if r - m == l {
                    (fa[l][1] - fa[l][0]) / 2.0
                } else {
                    f64::INFINITY
                }
            }
            (false, true) => {
                if l - n == r {
                    (fb[r][1] - fb[r][0]) / 2.0
                } else {
                    f64::INFINITY
                }
            }
            (false, false) => 0.0,
        }
    };
    let mut cands = vec![0.0];
    for l in 0..nv {
        for r in 0..nv {
            let c = cost(l, r);
            if c.is_finite() {
                cands.push(c);
            }
        }
    }
    cands.sort_by(f64::total_cmp);
    cands.dedup();
    let perfect = |t: f64| -> bool {
        let mut mate_r = vec![usize::MAX; nv];
        fn try_aug(l: usize, t: f64, nv: usize, cost: &dyn Fn(usize, usize) -> f64, seen: &mut [bool], mate_r: &mut [usize]) -> bool {
            for r in 0..nv {
                if !seen[r] && cost(l, r) <= t {
                    seen[r] = true;
                    if mate_r[r] == usize::MAX || try_aug(mate_r[r], t, nv, cost, seen, mate_r) {
                        mate_r[r] = l;
                        return true;
                    }
                }
            }
            false
        }
        (0..nv).all(|l| {
            let mut seen = vec![false; nv];
            try_aug(l, t, nv, &cost, &mut seen, &mut mate_r)
        })
    };
    let (mut lo, mut hi) = (0usize, cands.len() - 1);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if perfect(cands[mid]) {
            hi = mid
        } else {
            lo = mid + 1
        }
    }
    cands[lo].max(ess)
}

// ---------- seeded random diagrams ----------

/// A random diagram: n finite bars (births uniform in [0, 1), lifetimes in [0, 0.5), optionally on a
/// grid of 1/8 to force ties) and `ess` essential ones.
fn random_diagram(rng: &mut SplitMix64, n: usize, grid: bool, ess: usize) -> Diagram {
    let mut pairs = Vec::new();
    for _ in 0..n {
        let mut b = rng.uniform();
        let mut d = b + rng.uniform() * 0.5;
        if grid {
            b = (b * 8.0).round() / 8.0;
            d = (d * 8.0).round() / 8.0;
        }
        pairs.push([b, d]);
    }
    for _ in 0..ess {
        pairs.push([rng.uniform(), f64::INFINITY]);
    }
    Diagram::new(1, pairs)
}

#[test]
fn random_small_cases_equal_brute_force() {
    let mut rng = SplitMix64::from_state(42);
    for k in 0..300 {
        let n = (rng.uniform() * 9.0) as usize;
        let m = (rng.uniform() * 9.0) as usize;
        let grid = k % 3 == 0;
        let ess = if k % 5 == 0 { 1 } else { 0 };
        let a = random_diagram(&mut rng, n, grid, ess);
        let b = random_diagram(&mut rng, m, grid, ess);
        let r = bn(&a, &b, 0.0);
        assert_eq!(r.distance, brute_bottleneck(&a, &b), "case {k}: {a:?} {b:?}");
        check_matching(&a, &b, r.matching.as_ref().unwrap(), Ground::LInf);
    }
}

#[test]
fn metric_properties() {
    let mut rng = SplitMix64::from_state(7);
    for k in 0..40 {
        let grid = k % 2 == 0;
        let a = random_diagram(&mut rng, 5 + k % 13, grid, 1);
        let b = random_diagram(&mut rng, 3 + k % 17, grid, 1);
        let c = random_diagram(&mut rng, 8 + k % 7, grid, 1);
        // d(A, A) = 0 exactly, for both distances and any delta.
        for d in [&a, &b, &c] {
            assert_eq!(bn(d, d, 0.0).distance, 0.0);
            assert_eq!(bn(d, d, 0.1).distance, 0.0);
            assert_eq!(ws(d, d, 1.0, f64::INFINITY, 0.0).distance, 0.0);
            assert_eq!(ws(d, d, 2.0, 2.0, 0.01).distance, 0.0);
        }
        // Symmetry (exactly, for the exact solvers).
        let (ab, ba) = (bn(&a, &b, 0.0).distance, bn(&b, &a, 0.0).distance);
        assert_eq!(ab, ba);
        let (wab, wba) = (ws(&a, &b, 1.0, f64::INFINITY, 0.0).distance, ws(&b, &a, 1.0, f64::INFINITY, 0.0).distance);
        assert!(close(wab, wba, 1e-12));
        // Triangle inequality.
        let (bc, ac) = (bn(&b, &c, 0.0).distance, bn(&a, &c, 0.0).distance);
        assert!(ac <= ab + bc + 1e-12);
        for p in [1.0, 2.0] {
            let w = |x: &Diagram, y: &Diagram| ws(x, y, p, f64::INFINITY, 0.0).distance;
            assert!(w(&a, &c) <= w(&a, &b) + w(&b, &c) + 1e-12);
        }
        // Invariance under permutation of the points.
        let mut pa = a.clone();
        let len = pa.pairs.len();
        for i in (1..len).rev() {
            let j = (rng.uniform() * (i + 1) as f64) as usize;
            pa.pairs.swap(i, j);
        }
        assert_eq!(bn(&pa, &b, 0.0).distance, ab);
        assert!(close(ws(&pa, &b, 1.0, f64::INFINITY, 0.0).distance, wab, 1e-12));
    }
}

#[test]
fn larger_random_bottleneck_agrees_with_approximate_bounds_and_auction_with_exact() {
    let mut rng = SplitMix64::from_state(99);
    let a = random_diagram(&mut rng, 400, false, 0);
    let b = random_diagram(&mut rng, 380, false, 0);
    let exact = bn(&a, &b, 0.0).distance;
    let approx = bn(&a, &b, 0.05).distance;
    assert!(approx >= exact && approx <= exact * 1.05);
    let w_exact = ws(&a, &b, 1.0, f64::INFINITY, 0.0).distance;
    let w = ws(&a, &b, 1.0, f64::INFINITY, 0.01).distance;
    assert!(w >= w_exact * (1.0 - 1e-12) && w <= w_exact * 1.01, "{w} {w_exact}");
    let w2 = ws(&a, &b, 2.0, 2.0, 0.001).distance;
    let w2_exact = ws(&a, &b, 2.0, 2.0, 0.0).distance;
    assert!(w2 >= w2_exact * (1.0 - 1e-12) && w2 <= w2_exact * 1.001);
}

#[test]
fn edge_cases() {
    let e = Diagram::default();
    assert_eq!(bn(&e, &e, 0.0).distance, 0.0);
    assert_eq!(ws(&e, &e, 1.0, f64::INFINITY, 0.0).distance, 0.0);
    let one = Diagram::new(0, vec![[1.0, 3.0]]);
    assert_eq!(bn(&one, &e, 0.0).distance, 1.0);
    assert_eq!(ws(&e, &one, 2.0, f64::INFINITY, 0.01).distance, 1.0);
    // Points on the diagonal cost nothing and are reported as matched to it.
    let diag = Diagram::new(0, vec![[0.5, 0.5], [2.0, 2.0]]);
    let r = bn(&diag, &e, 0.0);
    assert_eq!(r.distance, 0.0);
    assert_eq!(r.matching.unwrap().len(), 2);
    // Very large coordinates: no overflow, exact value.
    let big = Diagram::new(0, vec![[1e300, 1.5e300]]);
    let big2 = Diagram::new(0, vec![[1.1e300, 1.5e300]]);
    assert_eq!(bn(&big, &big2, 0.0).distance, (1.1e300f64 - 1e300).abs());
    for p in [1.0, 2.0] {
        let w = ws(&big, &big2, p, f64::INFINITY, 0.0).distance;
        assert!(close(w, 1e299, 1e-12), "W{p} at 1e300: {w}");
    }
    let huge = Diagram::new(0, vec![[-1.5e308, 1.5e308]]);
    assert_eq!(bn(&huge, &e, 0.0).distance, 1.5e308);
    assert!(close(ws(&huge, &e, 2.0, 2.0, 0.01).distance, 1.5e308 * 2f64.sqrt(), 1e-12));
    // Essential: different counts → +∞; ignored on request, and the result says so.
    let ea = Diagram::new(0, vec![[0.0, f64::INFINITY], [0.1, 0.2]]);
    let eb = Diagram::new(0, vec![[0.1, 0.3]]);
    assert_eq!(bn(&ea, &eb, 0.0).distance, f64::INFINITY);
    assert_eq!(ws(&ea, &eb, 1.0, f64::INFINITY, 0.01).distance, f64::INFINITY);
    let o = BottleneckOptions { ignore_essential: true, ..Default::default() };
    let r = bottleneck(&ea, &eb, &o, &Control::none()).unwrap();
    assert!(r.ignored_essential);
    assert!(close(r.distance, 0.1, 1e-15));
    let ow = WassersteinOptions { ignore_essential: true, delta: 0.0, ..Default::default() };
    let r = wasserstein(&ea, &eb, &ow, &Control::none()).unwrap();
    assert!(r.ignored_essential && close(r.distance, 0.1, 1e-15));
    // Essential matched by birth.
    let ec = Diagram::new(0, vec![[0.0, f64::INFINITY], [5.0, f64::INFINITY]]);
    let ed = Diagram::new(0, vec![[4.0, f64::INFINITY], [0.5, f64::INFINITY]]);
    assert_eq!(bn(&ec, &ed, 0.0).distance, 1.0);
    assert_eq!(ws(&ec, &ed, 1.0, f64::INFINITY, 0.0).distance, 1.5);
}

#[test]
fn bad_input_is_rejected_clearly() {
    let ok = Diagram::new(0, vec![[0.0, 1.0]]);
    let bad = [
        (vec![[f64::NAN, 1.0]], "NaN"),
        (vec![[0.0, f64::NAN]], "NaN"),
        (vec![[0.5, 0.25]], "death < birth"),
        (vec![[0.0, f64::NEG_INFINITY]], "-inf"),
        (vec![[f64::NEG_INFINITY, 1.0]], "birth must be finite"),
        (vec![[f64::INFINITY, f64::INFINITY]], "birth must be finite"),
    ];
    for (pairs, what) in bad {
        let d = Diagram::new(0, pairs);
        let e = bottleneck(&ok, &d, &BottleneckOptions::default(), &Control::none()).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert!(e.message.contains(what) && e.message.contains("diagram b, pair 0"), "{}", e.message);
        let e = wasserstein(&d, &ok, &WassersteinOptions::default(), &Control::none()).unwrap_err();
        assert!(e.message.contains(what) && e.message.contains("diagram a, pair 0"), "{}", e.message);
    }
    let e = bottleneck(&ok, &ok, &BottleneckOptions { delta: -1.0, ..Default::default() }, &Control::none()).unwrap_err();
    assert!(e.message.contains("delta"));
    for p in [0.5, f64::NAN, f64::INFINITY] {
        let e = wasserstein(&ok, &ok, &WassersteinOptions { p, ..Default::default() }, &Control::none()).unwrap_err();
        assert!(e.message.contains("p = "), "{}", e.message);
    }
    let e = wasserstein(&ok, &ok, &WassersteinOptions { internal_p: 0.5, ..Default::default() }, &Control::none()).unwrap_err();
    assert!(e.message.contains("internalP"));
    // Exact Wasserstein refuses sizes it cannot finish quickly, and says what to do.
    let mut rng = SplitMix64::from_state(3);
    let big = random_diagram(&mut rng, EXACT_WASSERSTEIN_LIMIT, false, 0);
    let big2 = random_diagram(&mut rng, 10, false, 0);
    let e = wasserstein(&big, &big2, &WassersteinOptions { delta: 0.0, ..Default::default() }, &Control::none()).unwrap_err();
    assert_eq!(e.code, ErrorCode::TooLarge);
    assert!(e.message.contains("delta > 0"));
}

#[test]
fn cancellation_stops_the_solvers() {
    use std::sync::atomic::AtomicBool;
    let flag = AtomicBool::new(true);
    let ctl = Control::new(Some(&flag), None);
    let mut rng = SplitMix64::from_state(5);
    let a = random_diagram(&mut rng, 50, false, 0);
    let b = random_diagram(&mut rng, 50, false, 0);
    assert_eq!(bottleneck(&a, &b, &BottleneckOptions::default(), &ctl).unwrap_err().code, ErrorCode::Cancelled);
    let o = WassersteinOptions { delta: 0.0, ..Default::default() };
    assert_eq!(wasserstein(&a, &b, &o, &ctl).unwrap_err().code, ErrorCode::Cancelled);
}
