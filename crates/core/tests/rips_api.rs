//! Options, guard rails, sampling and the sparse approximation.

use std::sync::atomic::{AtomicBool, Ordering};

use clip_topo_core::control::Control;
use clip_topo_core::error::ErrorCode;
use clip_topo_core::rips::{estimate_memory, rips, Input, Metric, Options, Points};
use clip_topo_core::rng::Lcg64;

fn circle(n: usize, noise: f64) -> Vec<f64> {
    let mut lcg = Lcg64::from_state(0x1234_5678);
    let mut r = || lcg.uniform() - 0.5;
    let mut x = Vec::new();
    for i in 0..n {
        let t = i as f64 / n as f64 * std::f64::consts::TAU;
        x.extend([t.cos() + noise * r(), t.sin() + noise * r(), noise * r()]);
    }
    x
}

fn pts(x: &[f64], d: usize) -> Input<'_> {
    Input::Points { points: Points::F64(x), n: x.len() / d, d, metric: Metric::Euclidean }
}

fn longest_h1(out: &clip_topo_core::rips::Output) -> [f64; 2] {
    *out.diagrams[1].pairs.iter().max_by(|a, b| (a[1] - a[0]).partial_cmp(&(b[1] - b[0])).unwrap()).unwrap()
}

#[test]
fn approx_is_within_one_plus_eps_of_exact() {
    let x = circle(200, 0.2);
    let exact = rips(pts(&x, 3), &Options::default(), &Control::none()).unwrap();
    for eps in [0.1, 0.5] {
        let o = Options { approx: Some(eps), ..Options::default() };
        let ap = rips(pts(&x, 3), &o, &Control::none()).unwrap();
        let info = ap.approx.as_ref().unwrap();
        assert!(info.guarantee.contains("(1+ε)") && info.edges < 200 * 199 / 2);
        let (e, a) = (longest_h1(&exact), longest_h1(&ap));
        let k = 1.0 + eps;
        assert!(a[0] >= e[0] / k - 1e-6 && a[0] <= e[0] * k + 1e-6, "birth {a:?} vs {e:?}");
        assert!(a[1] >= e[1] / k - 1e-6 && a[1] <= e[1] * k + 1e-6, "death {a:?} vs {e:?}");
        // exactly one essential H0 class, as in the exact diagram
        assert_eq!(ap.diagrams[0].essential().count(), 1);
    }
}

#[test]
fn sample_keeps_greedy_points_and_reports_hausdorff_radius() {
    let x = circle(400, 0.05);
    let o = Options { sample: Some(60), ..Options::default() };
    let out = rips(pts(&x, 3), &o, &Control::none()).unwrap();
    let s = out.sample.as_ref().unwrap();
    assert_eq!(s.indices.len(), 60);
    assert_eq!(s.indices[0], 0);
    assert_eq!(out.n, 60);
    // the radius is the largest distance from a point to its nearest sample point
    let dist = |i: usize, j: usize| ((0..3).map(|k| (x[3 * i + k] - x[3 * j + k]).powi(2)).sum::<f64>()).sqrt();
    let h = (0..400).map(|i| s.indices.iter().map(|&j| dist(i, j)).fold(f64::INFINITY, f64::min)).fold(0.0, f64::max);
    assert!((h - s.hausdorff_radius).abs() < 1e-5 * h, "{h} vs {}", s.hausdorff_radius);
    assert!(longest_h1(&out)[1] - longest_h1(&out)[0] > 1.0);
}

#[test]
fn threads_do_not_change_results() {
    let x = circle(120, 0.3);
    let a = rips(pts(&x, 3), &Options { maxdim: 2, threads: 1, ..Options::default() }, &Control::none()).unwrap();
    let b = rips(pts(&x, 3), &Options { maxdim: 2, threads: 2, ..Options::default() }, &Control::none()).unwrap();
    // everything but the cost: the work is the same, the seconds and the per-thread heaps are not
    assert_eq!(a.cost.work, b.cost.work);
    let same = |o: clip_topo_core::rips::Output| clip_topo_core::rips::Output { cost: Default::default(), ..o };
    assert_eq!(same(a), same(b));
}

#[test]
fn cancellation_and_progress() {
    let x = circle(150, 0.3);
    let flag = AtomicBool::new(true);
    let err = rips(pts(&x, 3), &Options::default(), &Control::new(Some(&flag), None)).unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled);
    // raise the flag from the progress hook once H1 starts: the run stops there
    flag.store(false, Ordering::Relaxed);
    let seen = std::sync::Mutex::new(Vec::new());
    let hook = |p: clip_topo_core::control::Progress<'_>| {
        seen.lock().unwrap().push(p.stage.to_string());
        if p.stage == "H1" {
            flag.store(true, Ordering::Relaxed);
        }
    };
    let err = rips(pts(&x, 3), &Options::default(), &Control::new(Some(&flag), Some(&hook))).unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled);
    assert!(seen.lock().unwrap().iter().any(|s| s == "H1"));
}

#[test]
fn memory_estimate_and_refusal() {
    let small = estimate_memory(100, 1, 1.0, true);
    let big = estimate_memory(5000, 2, 1.0, true);
    assert!(small > 4 * 100 * 99 / 2 && big > 100 * small);
    let x = circle(120, 0.3);
    let o = Options { maxdim: 2, max_memory: Some(1 << 20), ..Options::default() };
    let err = rips(pts(&x, 3), &o, &Control::none()).unwrap_err();
    assert_eq!(err.code, ErrorCode::TooLarge);
    // names the options as the library knows them, never a CLI flag
    assert!(err.message.contains("threshold") && err.message.contains("sample = n") && err.message.contains("approx = ε"));
    assert!(!err.message.contains("--"), "{}", err.message);
    let ok = rips(pts(&x, 3), &Options { max_memory: Some(1 << 30), ..o }, &Control::none()).unwrap();
    assert!(ok.memory_estimate > 0 && ok.memory_estimate < 1 << 30);
}

#[test]
fn simplex_index_overflow_is_reported() {
    let x = vec![0.0f64; 3_000_000];
    let o = Options { maxdim: 3, ..Options::default() };
    let err = rips(pts(&x, 1), &o, &Control::none()).unwrap_err();
    assert_eq!(err.code, ErrorCode::TooLarge);
    assert!(err.message.contains("overflow"), "{}", err.message);
}

#[test]
fn bad_inputs_give_clear_errors() {
    let x = circle(10, 0.1);
    let none = Control::none();
    let e = rips(pts(&x, 3), &Options { maxdim: 4, ..Options::default() }, &none).unwrap_err();
    assert!(e.message.contains("maxdim"));
    // what a binding checks before scheduling is what the kernel refuses
    assert_eq!(Options { maxdim: 4, ..Options::default() }.validate().unwrap_err(), e);
    assert!(Options { sample: Some(5), approx: Some(0.1), ..Options::default() }.validate().is_err());
    assert!(Options { threshold: Some(f64::NAN), ..Options::default() }.validate().is_err());
    assert!(Options::default().validate().is_ok());
    // a pool of 10^8 threads would hang while starting; it is refused at once
    let e = rips(pts(&x, 3), &Options { threads: 100_000_000, ..Options::default() }, &none).unwrap_err();
    assert!(e.message.contains("threads: 100000000 is above the supported maximum 1024"), "{}", e.message);
    assert!(Options { threads: 1024, ..Options::default() }.validate().is_ok());
    let e = rips(pts(&x, 3), &Options { coeff: 4, ..Options::default() }, &none).unwrap_err();
    assert!(e.message.contains("not a prime"));
    let mut y = x.clone();
    y[7] = f64::NAN;
    let e = rips(pts(&y, 3), &Options::default(), &none).unwrap_err();
    assert!(e.message.contains("row 3, column 2"), "{}", e.message);
    y[7] = f64::INFINITY;
    assert_eq!(rips(pts(&y, 3), &Options::default(), &none).unwrap_err().code, ErrorCode::InvalidInput);
    // ragged: length not a multiple of d
    let e = rips(Input::Points { points: Points::F64(&x[..29]), n: 10, d: 3, metric: Metric::Euclidean }, &Options::default(), &none)
        .unwrap_err();
    assert!(e.message.contains("29 values"));
    // distance matrices: not square / not symmetric / negative
    let m = [0.0, 1.0, 2.0, 1.0, 0.0, 3.0, 2.0, 3.5, 0.0];
    let e = rips(Input::Distances { values: &m, n: 3 }, &Options::default(), &none).unwrap_err();
    assert!(e.message.contains("not symmetric"), "{}", e.message);
    let e = rips(Input::Distances { values: &m[..5], n: 3 }, &Options::default(), &none).unwrap_err();
    assert!(e.message.contains("neither"), "{}", e.message);
    let e = rips(Input::Distances { values: &[1.0, -2.0, 1.0], n: 3 }, &Options::default(), &none).unwrap_err();
    assert!(e.message.contains("(3, 1)"), "{}", e.message);
    let e = rips(pts(&x, 3), &Options { approx: Some(0.0), ..Options::default() }, &none).unwrap_err();
    assert!(e.message.contains("approx"));
    let z = vec![0.0; 6];
    let e = rips(Input::Points { points: Points::F64(&z), n: 2, d: 3, metric: Metric::Cosine }, &Options::default(), &none).unwrap_err();
    assert!(e.message.contains("zero vector"));
}

#[test]
fn edge_list_matches_dense_matrix() {
    // a 4-cycle with a long diagonal: one H1 class born at 1, dying at 1.5
    let (i, j, w) = ([0u32, 1, 2, 3, 0, 1], [1u32, 2, 3, 0, 2, 3], [1.0, 1.0, 1.0, 1.0, 1.5, 1.5]);
    let out = rips(Input::Edges { n: 4, i: &i, j: &j, w: &w }, &Options::default(), &Control::none()).unwrap();
    assert_eq!(out.diagrams[1].pairs, vec![[1.0, 1.5]]);
    let m = [1.0, 1.5, 1.0, 1.0, 1.5, 1.0];
    let dense = rips(Input::Distances { values: &m, n: 4 }, &Options::default(), &Control::none()).unwrap();
    let mut a = out.diagrams[0].pairs.clone();
    let mut b = dense.diagrams[0].pairs.clone();
    a.sort_by(|x, y| x.partial_cmp(y).unwrap());
    b.sort_by(|x, y| x.partial_cmp(y).unwrap());
    assert_eq!(a, b);
    assert_eq!(dense.diagrams[1].pairs, vec![[1.0, 1.5]]);
}
