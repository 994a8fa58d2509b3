//! Issue 10, acceptance 3: diagrams from the Rips engine of one point cloud with Gaussian noise of
//! growing σ added to its points; the summaries must move as theory says. Noise breaks the clean
//! loop into many small, short-lived cycles (more short H1 bars, lifetimes spread over more bars, so
//! higher persistent entropy) while the one large cycle shrinks.

use clip_topo_core::control::Control;
use clip_topo_core::rips::{self, Input, Metric, Options, Points};
use clip_topo_core::rng::SplitMix64;
use clip_topo_core::summaries::{statistics, Essential};

/// Deterministic standard normals (Box–Muller on the core's SplitMix64 from the raw state `seed`).
fn normals(seed: u64, n: usize) -> Vec<f64> {
    let mut rng = SplitMix64::from_state(seed);
    (0..n)
        .map(|_| {
            let (u, v) = (rng.uniform().max(1e-300), rng.uniform());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        })
        .collect()
}

struct H1 {
    bars: usize,
    short: usize,
    longest: f64,
    entropy: f64,
}

fn h1_of_noisy_circle(sigma: f64, seed: u64) -> H1 {
    let n = 150;
    let noise = normals(seed, 3 * n);
    let mut pts = Vec::with_capacity(3 * n);
    for i in 0..n {
        let t = std::f64::consts::TAU * i as f64 / n as f64;
        pts.extend([t.cos() + sigma * noise[3 * i], t.sin() + sigma * noise[3 * i + 1], sigma * noise[3 * i + 2]]);
    }
    let input = Input::Points { points: Points::F64(&pts), n, d: 3, metric: Metric::Euclidean };
    let out = rips::rips(input, &Options::default(), &Control::none()).unwrap();
    let h1 = out.diagrams.iter().find(|d| d.dim == 1).unwrap();
    let s = statistics(h1, Essential::Exclude, 1.0).unwrap();
    H1 {
        bars: s.count,
        short: h1.finite().filter(|p| p[1] - p[0] < 0.1).count(),
        longest: if s.count == 0 { 0.0 } else { s.max_lifetime },
        entropy: if s.entropy.is_nan() { 0.0 } else { s.entropy },
    }
}

#[test]
fn noise_adds_short_h1_bars_raises_entropy_and_shrinks_the_loop() {
    let sigmas = [0.0, 0.05, 0.1, 0.2];
    // Averaged over three seeds so that one lucky draw cannot carry or break the trend.
    let runs: Vec<Vec<H1>> = sigmas.iter().map(|&s| (0..3).map(|seed| h1_of_noisy_circle(s, 11 + seed)).collect()).collect();
    let mean = |v: &[H1], f: fn(&H1) -> f64| v.iter().map(f).sum::<f64>() / v.len() as f64;
    let bars: Vec<f64> = runs.iter().map(|r| mean(r, |h| h.bars as f64)).collect();
    let short: Vec<f64> = runs.iter().map(|r| mean(r, |h| h.short as f64)).collect();
    let entropy: Vec<f64> = runs.iter().map(|r| mean(r, |h| h.entropy)).collect();
    let longest: Vec<f64> = runs.iter().map(|r| mean(r, |h| h.longest)).collect();
    let msg = format!("bars {bars:?} short {short:?} entropy {entropy:?} longest {longest:?}");
    // The clean circle has exactly one H1 bar, of lifetime close to √3 (the inscribed triangle dies last).
    assert_eq!(bars[0], 1.0, "{msg}");
    assert!((longest[0] - 3f64.sqrt()).abs() < 0.05, "{msg}");
    for k in 1..sigmas.len() {
        assert!(short[k] > short[k - 1], "short bars must grow with σ: {msg}");
        assert!(entropy[k] > entropy[k - 1], "entropy must grow with σ: {msg}");
        assert!(longest[k] < longest[k - 1], "the loop must shrink with σ: {msg}");
    }
}
