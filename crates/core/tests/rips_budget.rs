//! A budget: pilots estimate the exact run, which runs when it fits; otherwise the largest greedy sample that
//! fits does, and says so.

use clip_topo_core::control::Control;
use clip_topo_core::rips::{estimate_memory, rips, Input, Metric, Options, Points};
use clip_topo_core::rng::Lcg64;

fn pts(x: &[f64], d: usize) -> Input<'_> {
    Input::Points { points: Points::F64(x), n: x.len() / d, d, metric: Metric::Euclidean }
}

/// n points on a noisy circle in R^3: cheap, one long H1 bar.
fn circle(n: usize) -> Vec<f64> {
    let mut lcg = Lcg64::from_state(0x00c0_ffee);
    let mut x = Vec::new();
    for i in 0..n {
        let t = i as f64 / n as f64 * std::f64::consts::TAU;
        x.extend([t.cos() + 0.1 * (lcg.uniform() - 0.5), t.sin() + 0.1 * (lcg.uniform() - 0.5), 0.1 * (lcg.uniform() - 0.5)]);
    }
    x
}

/// n points on a torus in R^3 (radii 1 and 0.4) with a little noise: its H1 reduction has one long column
/// that no random subset shows, so the pilots estimate a third of the memory the run holds.
fn torus(n: usize) -> Vec<f64> {
    let mut lcg = Lcg64::from_state(0x7042);
    let mut x = Vec::with_capacity(3 * n);
    for _ in 0..n {
        let (u, v) = (lcg.uniform() * std::f64::consts::TAU, lcg.uniform() * std::f64::consts::TAU);
        let r = 1.0 + 0.4 * v.cos();
        let mut jitter = || 0.05 * (lcg.uniform() - 0.5);
        x.extend([r * u.cos() + jitter(), r * u.sin() + jitter(), 0.4 * v.sin() + jitter()]);
    }
    x
}

/// n Gaussian directions in R^d, normalised: no structure, the reduction's hardest case.
fn isotropic(n: usize, d: usize) -> Vec<f64> {
    let mut lcg = Lcg64::from_state(0x150_7e0);
    let mut x = Vec::with_capacity(n * d);
    for _ in 0..n {
        let v: Vec<f64> = (0..d)
            .map(|_| {
                // Box–Muller
                let (u, w) = (lcg.uniform().max(1e-12), lcg.uniform());
                (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * w).cos()
            })
            .collect();
        let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt();
        x.extend(v.iter().map(|a| a / norm));
    }
    x
}

#[test]
fn a_budget_that_fits_gives_the_exact_diagrams_and_the_estimate() {
    let x = circle(600);
    let exact = rips(pts(&x, 3), &Options::default(), &Control::none()).unwrap();
    assert!(exact.estimate.is_none() && exact.cost.work > 0 && exact.cost.bytes > 0);
    let out = rips(pts(&x, 3), &Options { budget: Some(3600.0), ..Options::default() }, &Control::none()).unwrap();
    assert_eq!(out.diagrams, exact.diagrams);
    assert!(out.sample.is_none() && out.fallback.is_none());
    let est = out.estimate.expect("pilots ran");
    assert_eq!(est.points, 600);
    // n/16 is below the smallest pilot; n/8 and n/4 run, n/2 only if it is cheap beside the estimate
    let sizes: Vec<usize> = est.pilots.iter().map(|p| p.points).collect();
    assert!(sizes.starts_with(&[37, 75, 150]) || sizes.starts_with(&[75, 150]), "{sizes:?}");
    assert!(est.pilots.iter().all(|p| p.cost.work > 0 && p.cost.bytes > 0 && p.edges > 0));
    assert!(est.seconds > 0.0 && est.bytes > 0);
    // the memory part of the estimate is deterministic apart from timing: the distances alone are 4·n(n−1)/2
    assert!(est.bytes >= 4 * 600 * 599 / 2);
}

#[test]
fn over_the_budget_the_greedy_sample_runs_and_says_why() {
    // 500 directions in R^64: seconds exact, far above a budget of 0.2 s
    let x = isotropic(500, 64);
    let o = Options { budget: Some(0.2), ..Options::default() };
    let out = rips(pts(&x, 64), &o, &Control::none()).unwrap();
    let why = out.fallback.clone().expect("fell back");
    let info = out.sample.clone().expect("sampled");
    let k = info.indices.len();
    assert!((64..500).contains(&k), "{k}");
    assert!(why.contains("all 500 points") && why.contains(&format!("{k} points")), "{why}");
    assert!(info.hausdorff_radius > 0.0);
    assert!(out.estimate.as_ref().unwrap().seconds > 0.2, "{:?}", out.estimate);
    // the same diagrams as asking for that sample
    let same = rips(pts(&x, 64), &Options { sample: Some(k), ..Options::default() }, &Control::none()).unwrap();
    assert_eq!(out.diagrams, same.diagrams);
    assert_eq!(out.sample, same.sample);
    assert_eq!(out.n, k);
}

#[test]
fn a_memory_limit_below_the_estimate_samples_instead_of_refusing() {
    let x = circle(600);
    // the distances of 600 points are 719 kB, with the edges and columns the estimate is well above 1 MB
    let o = Options { budget: Some(3600.0), max_memory: Some(1_000_000), ..Options::default() };
    let out = rips(pts(&x, 3), &o, &Control::none()).unwrap();
    assert!(out.fallback.as_ref().unwrap().contains("memory budget"), "{:?}", out.fallback);
    assert!(out.n < 600 && out.estimate.unwrap().bytes > 1_000_000);
    // below even the distances: a sample straight from the points, no pilots
    let o = Options { budget: Some(3600.0), max_memory: Some(400_000), ..Options::default() };
    let out = rips(pts(&x, 3), &o, &Control::none()).unwrap();
    assert!(out.fallback.as_ref().unwrap().contains("distances of all 600 points alone"), "{:?}", out.fallback);
    assert!(out.n > 10 && out.n < 316, "{}", out.n);
    assert!(estimate_memory(out.n, 1, 1.0, true) <= 400_000 && estimate_memory(out.n + 1, 1, 1.0, true) > 400_000);
    assert!(out.estimate.is_none() && out.sample.unwrap().indices.len() == out.n);
    // without a budget the same limit refuses, as before
    let refused = rips(pts(&x, 3), &Options { max_memory: Some(400_000), ..Options::default() }, &Control::none());
    assert!(refused.is_err());
}

#[test]
fn budgets_are_checked() {
    for b in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = Options { budget: Some(b), ..Options::default() }.validate().unwrap_err();
        assert!(e.message.contains("budget"), "{}", e.message);
    }
}

#[test]
fn the_reduction_stops_itself_at_the_memory_limit_and_a_budget_then_samples() {
    // 300 directions in R^64: the reduction's fill-in is most of the memory, which the coarse estimate
    // (edges, columns and pivot records, no fill-in) does not foresee
    let x = isotropic(300, 64);
    let exact = rips(pts(&x, 64), &Options::default(), &Control::none()).unwrap();
    let (coarse, held) = (exact.memory_estimate, exact.cost.bytes);
    assert!(held > coarse + coarse / 4, "coarse {coarse}, measured {held}: no room between them to test the guard");
    let limit = coarse + (held - coarse) / 2;
    // not under a budget: a clear error instead of a run the system would kill
    let e = rips(pts(&x, 64), &Options { max_memory: Some(limit), ..Options::default() }, &Control::none()).unwrap_err();
    assert_eq!(e.code, clip_topo_core::error::ErrorCode::TooLarge);
    assert!(e.message.contains("the reduction of H1 held") && e.message.contains("sample = n"), "{}", e.message);
    // under a budget the answer is a sample whose run held less than the limit, the same as asking for it
    let o = Options { budget: Some(3600.0), max_memory: Some(limit), ..Options::default() };
    let out = rips(pts(&x, 64), &o, &Control::none()).unwrap();
    let k = out.sample.as_ref().expect("sampled").indices.len();
    assert!(k < 300 && out.cost.bytes <= limit, "{k} points held {} of {limit}", out.cost.bytes);
    assert!(out.fallback.is_some());
    let same = rips(pts(&x, 64), &Options { sample: Some(k), ..Options::default() }, &Control::none()).unwrap();
    assert_eq!(out.diagrams, same.diagrams);
    // a limit above what the run holds changes nothing
    let roomy = rips(pts(&x, 64), &Options { max_memory: Some(2 * held), ..Options::default() }, &Control::none()).unwrap();
    assert_eq!(roomy.diagrams, exact.diagrams);
}

#[test]
fn an_exact_run_the_estimate_let_through_is_stopped_at_the_memory_limit_and_a_sample_runs() {
    // measured here: the exact run holds 97 MB, the pilots (62, 125, 250 points) estimate 35 MB
    let x = torus(1000);
    let limit = 60 << 20;
    let o = Options { budget: Some(3600.0), max_memory: Some(limit), ..Options::default() };
    let out = rips(pts(&x, 3), &o, &Control::none()).unwrap();
    let est = out.estimate.clone().expect("pilots ran");
    assert!(est.bytes < limit, "precondition: the estimate ({} bytes) lets the exact run start", est.bytes);
    let why = out.fallback.clone().expect("fell back");
    assert!(why.contains("the reduction of H1 held") && why.contains("above the memory limit of 60.0 MB"), "{why}");
    let k = out.sample.as_ref().expect("sampled").indices.len();
    assert!(k < 1000 && out.cost.bytes <= limit, "{k} points held {} bytes", out.cost.bytes);
    let same = rips(pts(&x, 3), &Options { sample: Some(k), ..Options::default() }, &Control::none()).unwrap();
    assert_eq!(out.diagrams, same.diagrams);
}
