//! Inputs in far-off units: float64 distances beyond float32's range are rescaled by a power of two (the
//! diagrams come back in input units), and spans no float32 scale holds are refused.

use clip_topo_core::control::Control;
use clip_topo_core::error::ErrorCode;
use clip_topo_core::rips::{rips, Input, Metric, Options, Output, Points};

mod common;
use common::Case;

const INF: f64 = f64::INFINITY;
/// √2 as float32 saw it: the diagonal of the unit square.
const SQRT2: f64 = std::f32::consts::SQRT_2 as f64;

fn run(input: Input<'_>, opts: &Options) -> Output {
    rips(input, opts, &Control::none()).unwrap()
}

fn pts(x: &[f64], d: usize) -> Input<'_> {
    Input::Points { points: Points::F64(x), n: x.len() / d, d, metric: Metric::Euclidean }
}

fn close(a: f64, b: f64) -> bool {
    if a.is_infinite() || b.is_infinite() {
        return a == b;
    }
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs())
}

/// Every pair of `want` matched to a distinct pair of `got` within 1e-6 relative, and as many.
fn assert_diagram(what: &str, got: &[[f64; 2]], want: &[[f64; 2]]) {
    assert_eq!(got.len(), want.len(), "{what}: got {got:?}, want {want:?}");
    let mut used = vec![false; got.len()];
    for p in want {
        let hit = (0..got.len()).find(|&k| !used[k] && close(got[k][0], p[0]) && close(got[k][1], p[1]));
        match hit {
            Some(k) => used[k] = true,
            None => panic!("{what}: pair {p:?} not in {got:?}"),
        }
    }
}

fn scaled(dgm: &[[f64; 2]], c: f64) -> Vec<[f64; 2]> {
    dgm.iter().map(|p| [p[0] * c, p[1] * c]).collect()
}

/// The diagrams sorted, for exact comparison.
fn sorted(out: &Output) -> Vec<Vec<[f64; 2]>> {
    out.diagrams
        .iter()
        .map(|d| {
            let mut p = d.pairs.clone();
            p.sort_by(|a, b| a.partial_cmp(b).unwrap());
            p
        })
        .collect()
}

/// The unit square: three components die at 1, one lives; the 4-cycle is born at 1 and filled at the diagonal.
const SQUARE: [f64; 8] = [0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0];
const SQUARE_H0: [[f64; 2]; 4] = [[0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, INF]];
const SQUARE_H1: [[f64; 2]; 1] = [[1.0, SQRT2]];

/// An edge list: endpoints i, j and lengths.
type Edges = (Vec<u32>, Vec<u32>, Vec<f64>);

/// The square's distances times c, as a full matrix, a lower triangle and an edge list.
fn square_matrices(c: f64) -> (Vec<f64>, Vec<f64>, Edges) {
    let p = |k: usize| (SQUARE[2 * k], SQUARE[2 * k + 1]);
    let dist = |a: usize, b: usize| c * ((p(a).0 - p(b).0).powi(2) + (p(a).1 - p(b).1).powi(2)).sqrt();
    let full = (0..4).flat_map(|i| (0..4).map(move |j| (i, j))).map(|(i, j)| dist(i, j)).collect();
    let lower = (0..4).flat_map(|i| (0..i).map(move |j| (i, j))).map(|(i, j)| dist(i, j)).collect();
    let pairs: Vec<(usize, usize)> = (0..4).flat_map(|i| (0..i).map(move |j| (i, j))).collect();
    let edges = (
        pairs.iter().map(|p| p.0 as u32).collect(),
        pairs.iter().map(|p| p.1 as u32).collect(),
        pairs.iter().map(|&(i, j)| dist(i, j)).collect(),
    );
    (full, lower, edges)
}

#[test]
fn square_in_far_off_units_gives_the_scaled_diagram() {
    let opts = Options::default();
    for c in [1.0, 1e35, 1e-40, 1e200, 1e-200, 1e300, 1e-300] {
        let x: Vec<f64> = SQUARE.iter().map(|v| v * c).collect();
        let (full, lower, (ei, ej, ew)) = square_matrices(c);
        let outs = [
            ("points", run(pts(&x, 2), &opts)),
            ("full matrix", run(Input::Distances { values: &full, n: 4 }, &opts)),
            ("lower triangle", run(Input::Distances { values: &lower, n: 4 }, &opts)),
            ("edges", run(Input::Edges { n: 4, i: &ei, j: &ej, w: &ew }, &opts)),
        ];
        for (what, out) in &outs {
            let what = format!("{what} × {c:e}");
            assert_diagram(&format!("{what} H0"), &out.diagrams[0].pairs, &scaled(&SQUARE_H0, c));
            assert_diagram(&format!("{what} H1"), &out.diagrams[1].pairs, &scaled(&SQUARE_H1, c));
            // within [2^-100, 2^100] nothing is rescaled; beyond, by a power of two
            let plain = (1e-30..=1e30).contains(&c);
            assert_eq!(out.scale == 1.0, plain, "{what}: scale {}", out.scale);
            assert_eq!(out.scale.log2().fract(), 0.0, "{what}: scale {} is not a power of two", out.scale);
            if !what.starts_with("edges") {
                // the enclosing radius (√2 c) is the threshold, in input units
                assert!(close(out.threshold, SQRT2 * c), "{what}: threshold {}", out.threshold);
            }
        }
    }
}

#[test]
fn rescaling_within_float32_range_changes_nothing() {
    // 1e35 fits float32 (up to 3.4e38) but is rescaled (above 2^100): births and deaths are still exactly the
    // float32 roundings of the input distances, as without rescaling
    let (_, lower, _) = square_matrices(1e35);
    let out = run(Input::Distances { values: &lower, n: 4 }, &Options::default());
    assert_ne!(out.scale, 1.0);
    let f = |x: f64| x as f32 as f64;
    assert_eq!(sorted(&out)[0], vec![[0.0, f(1e35)], [0.0, f(1e35)], [0.0, f(1e35)], [0.0, INF]]);
    assert_eq!(sorted(&out)[1], vec![[f(1e35), f(2f64.sqrt() * 1e35)]]);
    assert_eq!(out.threshold, f(2f64.sqrt() * 1e35));
}

#[test]
fn user_threshold_is_scaled_too() {
    for c in [1e200, 1e-200] {
        let x: Vec<f64> = SQUARE.iter().map(|v| v * c).collect();
        // between the side and the diagonal: the 4-cycle never dies
        let opts = Options { threshold: Some(1.2 * c), ..Options::default() };
        let out = run(pts(&x, 2), &opts);
        assert_diagram("H1", &out.diagrams[1].pairs, &[[c, INF]]);
        assert!(close(out.threshold, 1.2 * c), "threshold {} for {c:e}", out.threshold);
        let (_, lower, (ei, ej, ew)) = square_matrices(c);
        let out = run(Input::Distances { values: &lower, n: 4 }, &opts);
        assert_diagram("H1", &out.diagrams[1].pairs, &[[c, INF]]);
        let out = run(Input::Edges { n: 4, i: &ei, j: &ej, w: &ew }, &opts);
        assert_diagram("H1", &out.diagrams[1].pairs, &[[c, INF]]);
        assert!(close(out.threshold, 1.2 * c));
    }
}

#[test]
fn spans_no_float32_scale_holds_are_refused() {
    let check = |r: Result<Output, clip_topo_core::error::Error>, parts: &[&str]| {
        let e = r.unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert!(!e.message.contains('\n'), "{}", e.message);
        for p in parts {
            assert!(e.message.contains(p), "{:?} not in: {}", p, e.message);
        }
    };
    let none = Control::none();
    let o = Options::default();
    let x = [0.0, 1e-200, 1e200];
    check(rips(pts(&x, 1), &o, &none), &["points:", "1.000e-200 (rows 1 and 2)", "float32", "merge points closer than", "threshold ≤"]);
    // sample looks at all distances: no threshold advice
    let os = Options { sample: Some(3), ..o.clone() };
    let e = rips(pts(&x, 1), &os, &none).unwrap_err();
    assert!(e.message.contains("merge points") && !e.message.contains("threshold"), "{}", e.message);
    let lower = [1e-200, 1e200, 1e200];
    check(
        rips(Input::Distances { values: &lower, n: 3 }, &o, &none),
        &["distance matrix:", "1.000e-200 (entry (2, 1))", "1.000e200 (entry (3, 1))"],
    );
    let full = [0.0, 1e-200, 1e200, 1e-200, 0.0, 1e200, 1e200, 1e200, 0.0];
    check(rips(Input::Distances { values: &full, n: 3 }, &o, &none), &["distance matrix:", "(entry (2, 1))", "set distances below"]);
    let (i, j, w) = ([0u32, 1], [1u32, 2], [1e-200, 1e200]);
    check(
        rips(Input::Edges { n: 3, i: &i, j: &j, w: &w }, &o, &none),
        &["edges:", "1.000e-200 (edge 1)", "1.000e200 (edge 2)", "set lengths below"],
    );
}

#[test]
fn only_distances_up_to_the_threshold_must_fit() {
    let o = Options { threshold: Some(1.0), ..Options::default() };
    // the 1e200 edges lie beyond the threshold: they only need to stay beyond it
    let lower = [1e-200, 1e200, 1e200];
    let out = run(Input::Distances { values: &lower, n: 3 }, &o);
    assert_diagram("H0", &out.diagrams[0].pairs, &[[0.0, 1e-200], [0.0, INF], [0.0, INF]]);
    assert_eq!(out.threshold, 1.0);
    let (i, j, w) = ([0u32, 1], [1u32, 2], [1e-200, 1e200]);
    let out = run(Input::Edges { n: 3, i: &i, j: &j, w: &w }, &o);
    assert_diagram("H0", &out.diagrams[0].pairs, &[[0.0, 1e-200], [0.0, INF], [0.0, INF]]);
    // points: the distances are not known beforehand, so the threshold itself must fit with the smallest
    let x = [0.0, 1e-200, 1e200];
    let e = rips(pts(&x, 1), &o, &Control::none()).unwrap_err();
    assert!(e.message.contains("1.000e0 (the threshold)"), "{}", e.message);
    let o = Options { threshold: Some(1e-190), ..Options::default() };
    let out = run(pts(&x, 1), &o);
    assert_diagram("H0", &out.diagrams[0].pairs, &[[0.0, 1e-200], [0.0, INF], [0.0, INF]]);
    assert!(close(out.threshold, 1e-190));
}

#[test]
fn lengths_beyond_a_threshold_beyond_float32_stay_out() {
    // a path 0-1-2-3 closed by a 1e300 edge, threshold 1e39 (∞ in float32): the long edge rounds to ∞ and must
    // still stay out of the complex (at ∞ it would not change the diagrams, but every such edge would be
    // carried through the reduction: a rescaled run puts many long edges there)
    let o = Options { threshold: Some(1e39), ..Options::default() };
    let (i, j, w) = ([0u32, 1, 2, 3], [1u32, 2, 3, 0], [1.0, 1.0, 1.0, 1e300]);
    let out = run(Input::Edges { n: 4, i: &i, j: &j, w: &w }, &o);
    let path = run(Input::Edges { n: 4, i: &i[..3], j: &j[..3], w: &w[..3] }, &o);
    assert_eq!(out.memory_estimate, path.memory_estimate);
    assert_diagram("H0", &out.diagrams[0].pairs, &[[0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, INF]]);
    assert_diagram("H1", &out.diagrams[1].pairs, &[]);
    assert_eq!(out.scale, 1.0);
    // a threshold float32 cannot hold is reported as given
    assert_eq!(out.threshold, 1e39);
}

#[test]
fn tiny_distances_among_ordinary_ones_are_rescaled() {
    // the largest distance is ordinary, but 1e-40 is a float32 subnormal (about 5 digits): found while the
    // distances are computed, and the run repeated at a scale that holds it
    let x = [0.0, 1e-40, 1.0, 3.0];
    let out = run(pts(&x, 1), &Options::default());
    assert_diagram("H0", &out.diagrams[0].pairs, &[[0.0, 1e-40], [0.0, 1.0 - 1e-40], [0.0, 2.0], [0.0, INF]]);
    assert_ne!(out.scale, 1.0);
    // exact duplicates are not tiny distances
    let x = [0.0, 0.0, 1.0, 3.0];
    let out = run(pts(&x, 1), &Options::default());
    assert_eq!(out.scale, 1.0);
    assert_diagram("H0", &out.diagrams[0].pairs, &[[0.0, 1.0], [0.0, 2.0], [0.0, INF]]);
}

#[test]
fn float32_points_beyond_float32_distances() {
    // coordinates near ±f32::MAX: their distance overflows float32
    let x = [-3e38f32, 3e38];
    let out = run(Input::Points { points: Points::F32(&x), n: 2, d: 1, metric: Metric::Euclidean }, &Options::default());
    assert_diagram("H0", &out.diagrams[0].pairs, &[[0.0, 2.0 * 3e38f32 as f64], [0.0, INF]]);
}

/// 12 points on a circle of radius r around (2r, 0) in 3-D (off the origin: the angle metrics see an arc).
fn arc(r: f64) -> Vec<f64> {
    (0..12)
        .flat_map(|k| {
            let t = k as f64 / 12.0 * std::f64::consts::TAU;
            [r * (2.0 + t.cos()), r * t.sin(), r * 0.5]
        })
        .collect()
}

#[test]
fn angle_metrics_do_not_depend_on_the_coordinates_scale() {
    for metric in [Metric::Cosine, Metric::Angular] {
        let opts = Options::default();
        let base = arc(1.0);
        let want = run(Input::Points { points: Points::F64(&base), n: 12, d: 3, metric }, &opts);
        assert!(want.diagrams[0].pairs.len() > 1);
        // every row by the same factor, and each row by its own (cosines do not see the rows' lengths)
        let mut mixed = base.clone();
        for (k, row) in mixed.chunks_exact_mut(3).enumerate() {
            let f = [1e-300, 1e-200, 1.0, 1e200, 1e300][k % 5];
            row.iter_mut().for_each(|v| *v *= f);
        }
        for x in [arc(1e200), arc(1e-200), arc(1e300), mixed] {
            let out = run(Input::Points { points: Points::F64(&x), n: 12, d: 3, metric }, &opts);
            for k in 0..2 {
                assert_diagram(&format!("{metric:?} H{k}"), &out.diagrams[k].pairs, &want.diagrams[k].pairs);
            }
            assert_eq!(out.scale, 1.0);
        }
    }
}

#[test]
fn sample_and_approx_report_in_input_units() {
    let base = arc(1.0);
    for c in [2f64.powi(-700), 2f64.powi(700)] {
        let x: Vec<f64> = base.iter().map(|v| v * c).collect();
        for opts in [Options { sample: Some(6), ..Options::default() }, Options { approx: Some(0.5), ..Options::default() }] {
            let (a, b) = (run(pts(&base, 3), &opts), run(pts(&x, 3), &opts));
            // a power-of-two factor: exactly the unscaled run's numbers times it
            let want: Vec<Vec<[f64; 2]>> = sorted(&a).iter().map(|d| scaled(d, c)).collect();
            assert_eq!(sorted(&b), want);
            assert_eq!(b.threshold, a.threshold * c);
            if let (Some(sa), Some(sb)) = (&a.sample, &b.sample) {
                assert_eq!(sb.hausdorff_radius, sa.hausdorff_radius * c);
                assert_eq!(sb.indices, sa.indices);
            }
            assert_eq!(b.approx.map(|i| i.edges), a.approx.map(|i| i.edges));
        }
    }
}

fn run_fixture(f: &Case, data: &[f64], threshold_factor: f64) -> Output {
    let o = Options { maxdim: f.maxdim, coeff: f.coeff, threshold: f.threshold.map(|t| t * threshold_factor), ..Options::default() };
    if f.kind == "points" {
        run(Input::Points { points: Points::F64(data), n: f.n, d: f.d, metric: Metric::parse(&f.metric).unwrap() }, &o)
    } else {
        run(Input::Distances { values: data, n: f.n }, &o)
    }
}

#[test]
fn fixtures_times_powers_of_two_give_ripsers_diagrams_times_them() {
    for name in ["grid_8x8_thr", "random_matrix", "duplicates", "circle_thr", "clustered_r512_cosine"] {
        let f = common::by_name(name);
        let base = run_fixture(&f, &f.data, 1.0);
        for k in [-700, -140, 140, 700] {
            let c = 2f64.powi(k);
            // cosine distances do not scale with the coordinates
            let dc = if f.metric == "cosine" { 1.0 } else { c };
            let data: Vec<f64> = f.data.iter().map(|v| v * c).collect();
            let out = run_fixture(&f, &data, dc);
            // exactly the unscaled run's numbers times the factor
            let want: Vec<Vec<[f64; 2]>> = sorted(&base).iter().map(|d| scaled(d, dc)).collect();
            assert_eq!(sorted(&out), want, "{name} × 2^{k}");
            assert_eq!(out.threshold, base.threshold * dc, "{name} × 2^{k}");
            for (dim, r) in f.dgms.iter().enumerate() {
                assert_diagram(&format!("{name} × 2^{k} H{dim}"), &out.diagrams[dim].pairs, &scaled(r, dc));
            }
        }
    }
}

/// Euclidean distance with the largest difference factored out, so that it cannot over- or underflow.
fn exact_dist(x: &[f64], d: usize, i: usize, j: usize) -> f64 {
    let diff = |k: usize| x[i * d + k] - x[j * d + k];
    let m = (0..d).map(|k| diff(k).abs()).fold(0.0, f64::max);
    if m == 0.0 {
        return 0.0;
    }
    m * (0..d).map(|k| (diff(k) / m).powi(2)).sum::<f64>().sqrt()
}

/// The positive lengths of a minimum spanning tree (Kruskal): the finite H0 deaths, unique even with ties.
fn mst(n: usize, edges: &[(f64, usize, usize)]) -> Vec<f64> {
    let mut e = edges.to_vec();
    e.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
    let mut up: Vec<usize> = (0..n).collect();
    let root = |up: &mut Vec<usize>, mut v: usize| {
        while up[v] != v {
            v = up[v];
        }
        v
    };
    let mut out = Vec::new();
    for (l, i, j) in e {
        let (a, b) = (root(&mut up, i), root(&mut up, j));
        if a != b {
            up[a] = b;
            if l > 0.0 {
                out.push(l);
            }
        }
    }
    out
}

#[test]
fn random_clouds_of_mixed_magnitudes_give_the_exact_h0_or_are_refused() {
    // points whose magnitudes differ by up to 10^120 around 10^±300: H0 must be the exact minimum spanning
    // tree (float32-rounded), or the run refused, and refused only when the distances span at least 2^240
    let mut g = clip_topo_core::rng::Lcg64::from_state(11);
    let (mut exact, mut refused) = (0, 0);
    for case in 0..3000 {
        let n = 2 + (g.uniform() * 7.0) as usize;
        let d = 1 + (g.uniform() * 3.0) as usize;
        let (top, spread) = (((g.uniform() - 0.5) * 600.0) as i32, g.uniform() * 120.0);
        let mut x = vec![0.0; n * d];
        for row in x.chunks_exact_mut(d) {
            let e = top - (g.uniform() * spread) as i32;
            row.iter_mut().for_each(|v| *v = (g.uniform() - 0.5) * 10f64.powi(e));
        }
        let pairs: Vec<(f64, usize, usize)> =
            (0..n).flat_map(|i| (0..i).map(move |j| (i, j))).map(|(i, j)| (exact_dist(&x, d, i, j), i, j)).collect();
        let lengths: Vec<f64> = pairs.iter().map(|p| p.0).collect();
        let (ei, ej): (Vec<u32>, Vec<u32>) = pairs.iter().map(|p| (p.1 as u32, p.2 as u32)).unzip();
        let input = match case % 3 {
            0 => pts(&x, d),
            1 => Input::Distances { values: &lengths, n },
            _ => Input::Edges { n, i: &ei, j: &ej, w: &lengths },
        };
        let o = Options { maxdim: 0, ..Options::default() };
        match rips(input, &o, &Control::none()) {
            Ok(out) => {
                let mut got: Vec<f64> = out.diagrams[0].finite().map(|p| p[1]).collect();
                got.sort_by(|a, b| a.partial_cmp(b).unwrap());
                let want = mst(n, &pairs);
                assert!(got.len() == want.len() && got.iter().zip(&want).all(|(a, b)| close(*a, *b)), "case {case}: {got:?} vs {want:?}");
                exact += 1;
            }
            Err(e) => {
                let pos = lengths.iter().filter(|&&l| l > 0.0);
                let (lo, hi) = (pos.clone().fold(INF, |a, &b| a.min(b)), pos.fold(0.0, |a: f64, &b| a.max(b)));
                assert!((hi / lo).log2() >= 240.0, "case {case}: refused a ratio of 2^{:.1}: {}", (hi / lo).log2(), e.message);
                refused += 1;
            }
        }
    }
    // both outcomes occur
    assert!(exact > 2500 && refused > 50, "{exact} exact, {refused} refused");
}
