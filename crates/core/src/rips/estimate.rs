//! What an exact run will cost, estimated before it starts from runs of the same engine on seeded random
//! subsets of growing size (pilots), and the largest greedy sample that fits a budget when the exact run
//! does not.
//!
//! No formula in n predicts the reduction: its fill-in depends on the data (1,000 isotropic unit vectors in
//! R^512 need thousands of times the work of 1,000 CLIP embeddings). The work of random subsets of the same
//! data grows close to a power of their size, so the two largest pilots give the exponent and the largest
//! the scale. Work is the count of entries pushed to working heaps — the same on every machine — and
//! seconds are the last pilot's seconds per unit of work; memory is the exact size of the distances, edges
//! and columns of the full complex plus the reduction's own structures extrapolated like the work.

use std::time::{Duration, Instant};

use super::complex::{Complex, Dense};
use super::{narrow_fits, Cost, Options};
use crate::control::Control;
use crate::error::{ErrorCode, Result};
use crate::rng::SplitMix64;

/// One pilot run: the exact diagram of `points` random points of the input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pilot {
    pub points: usize,
    /// Edges within the pilot's threshold.
    pub edges: u64,
    pub cost: Cost,
}

/// The estimated cost of the exact run on all `points`.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub points: usize,
    pub seconds: f64,
    /// Peak bytes of the engine's structures (as `Cost::bytes` counts them).
    pub bytes: u64,
    /// Wall time of the pilots themselves.
    pub pilot_seconds: f64,
    pub pilots: Vec<Pilot>,
}

/// Smallest pilot: pilots are n/16, n/8, n/4 and n/2 points, those of at least this many.
const FIRST: usize = 32;
/// The pilots together take at most this share of the run they predict, and of the budget: in practice
/// n/16, n/8 and n/4, about 3 % of the run; n/2 as well only when the smaller ones predict a run so long
/// that it is cheap beside it.
const SHARE: f64 = 0.1;
/// Pilot subsets are drawn with this seed, so the estimate (and any fallback's size) depends on the data only
/// through its distances, apart from the seconds that the machine sets.
const SEED: u64 = 0x0051_0715;
/// Exponent of the time in the number of points, at least: from a pilot on a quarter of the points to all of
/// them the seven benchmark sets of bench/rips grew by 2.5–3.4 (caches: the per-entry cost rises with n),
/// while the slope over the pilots is lower (1.9–3.0), so it is taken only when steeper than 3 (isotropic
/// clouds: ~5).
const TIME_EXP: f64 = 3.0;
/// Pilots faster than this do not set the slope.
const MIN_SECONDS: f64 = 0.005;
/// Range of the exponents (a pilot pair on nearly equal values would give 0 or a wild slope).
const TIME_EXP_MAX: f64 = 6.0;
const BYTES_EXP: (f64, f64) = (2.0, 3.0);

/// Sorted indices of `m` of `n` points, drawn without replacement.
fn subset(n: usize, m: usize) -> Vec<usize> {
    let mut rng = SplitMix64::mixed(SEED ^ (n as u64) << 20 ^ m as u64);
    let mut idx: Vec<usize> = (0..n).collect();
    for k in 0..m.min(n) {
        let j = k + rng.below(n - k);
        idx.swap(k, j);
    }
    idx.truncate(m.min(n));
    idx.sort_unstable();
    idx
}

/// The sub-matrix of the points `idx`, in that order.
pub(super) fn restrict(dm: &Dense, idx: &[usize]) -> Dense {
    let k = idx.len();
    let mut d = Vec::with_capacity(k * k.saturating_sub(1) / 2);
    for a in 0..k {
        for b in 0..a {
            d.push(dm.get(idx[a] as u32, idx[b] as u32));
        }
    }
    Dense { n: k, d }
}

/// Bytes of one entry of the reduction on m points.
fn entry_bytes(m: usize, opts: &Options) -> f64 {
    if opts.coeff == 2 && narrow_fits(m, opts.maxdim) {
        8.0
    } else {
        16.0
    }
}

/// Bytes known before the reduction: the distances, and the edges and columns (at most one per edge).
fn fixed_bytes(m: usize, edges: f64, opts: &Options) -> f64 {
    let pairs = m as f64 * (m as f64 - 1.0) / 2.0;
    let key = if pairs <= u32::MAX as f64 { 8.0 } else { 16.0 };
    4.0 * pairs + edges * (key + entry_bytes(m, opts))
}

/// How a pilot series extrapolates, from its largest pilot and the slopes between the two largest.
struct Fit {
    points: usize,
    seconds: f64,
    /// Reduction entries of the largest pilot (bytes beyond the fixed part, per entry).
    entries: f64,
    time_exp: f64,
    bytes_exp: f64,
}

impl Fit {
    fn new(pilots: &[Pilot], opts: &Options) -> Option<Fit> {
        let last = *pilots.last()?;
        let entries =
            |p: &Pilot| (p.cost.bytes as f64 - fixed_bytes(p.points, p.edges as f64, opts)).max(0.0) / entry_bytes(p.points, opts);
        // least-squares slope of log y on log m over the pilots kept (at least two), which evens out a subset
        // whose fill-in happens to be far from its size's typical one (random halves of one set differed by 2×)
        let slope = |keep: &dyn Fn(&Pilot) -> bool, y: &dyn Fn(&Pilot) -> f64| {
            let pts: Vec<(f64, f64)> = pilots.iter().filter(|p| keep(p)).map(|p| ((p.points as f64).ln(), y(p).ln())).collect();
            if pts.len() < 2 {
                return None;
            }
            let k = pts.len() as f64;
            let (mx, my) = (pts.iter().map(|p| p.0).sum::<f64>() / k, pts.iter().map(|p| p.1).sum::<f64>() / k);
            let sxx: f64 = pts.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
            let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
            let s = sxy / sxx;
            s.is_finite().then_some(s)
        };
        // times of a few milliseconds say more about the timer and the thread pool than about growth
        let time_exp = slope(&|p: &Pilot| p.cost.seconds >= MIN_SECONDS, &|p: &Pilot| p.cost.seconds)
            .map_or(TIME_EXP, |s| s.clamp(TIME_EXP, TIME_EXP_MAX));
        let bytes_exp = slope(&|_: &Pilot| true, &|p: &Pilot| entries(p).max(1.0)).map_or(2.0, |s| s.clamp(BYTES_EXP.0, BYTES_EXP.1));
        Some(Fit { points: last.points, seconds: last.cost.seconds, entries: entries(&last), time_exp, bytes_exp })
    }

    /// (seconds, bytes) of a run on m points with `edges` edges within the threshold.
    fn at(&self, m: usize, edges: f64, opts: &Options) -> (f64, f64) {
        let r = m as f64 / self.points as f64;
        let seconds = self.seconds * r.powf(self.time_exp);
        let bytes = fixed_bytes(m, edges, opts) + self.entries * r.powf(self.bytes_exp) * entry_bytes(m, opts);
        (seconds, bytes)
    }
}

/// What to do with a dense complex under a budget.
pub(super) enum Plan {
    /// The exact run fits (or is too small to estimate: no pilots).
    Exact(Option<Estimate>),
    /// It does not: a greedy sample of this many points is estimated to fit, for the reason given.
    Sample(usize, String),
}

/// The pilots' estimate of a dense complex's exact run, and a way to size a sample.
pub(super) struct Planner {
    fit: Fit,
    /// Edges within the threshold over all pairs, of the whole complex.
    frac: f64,
    pub est: Estimate,
    /// A pilot that ran out of its share of the budget: its size and how long it had run.
    timed_out: Option<(usize, f64)>,
}

impl Planner {
    fn predict(&self, m: usize, opts: &Options) -> (f64, f64) {
        let edges = self.frac * m as f64 * (m as f64 - 1.0) / 2.0;
        let (s, b) = self.fit.at(m, edges, opts);
        match self.timed_out {
            // at least as slow as the pilot that did not finish says
            Some((k, t)) => (s.max(t * (m as f64 / k as f64).powf(TIME_EXP)), b),
            None => (s, b),
        }
    }

    /// The largest sample estimated to run within `seconds` and `bytes` (at least a few dozen points).
    pub fn affordable(&self, seconds: f64, bytes: f64, opts: &Options) -> usize {
        let n = self.est.points;
        let fits = |k: usize| {
            let (s, b) = self.predict(k, opts);
            s <= seconds && b <= bytes
        };
        let (mut lo, mut hi) = (1usize, n);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if fits(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        two_digits(lo).max(FIRST.min(n))
    }
}

/// Pilots on random subsets of `dm`, then the estimate for all of it. A pilot uses the run's threshold when one
/// was given, else its own enclosing radius (as the run would). None for fewer than 2·FIRST points or maxdim 0
/// (no reduction with fill-in): nothing worth estimating.
pub(super) fn pilots(dm: &Dense, thr: f32, given: bool, opts: &Options, budget: f64, ctl: &Control<'_>) -> Result<Option<Planner>> {
    let n = dm.n;
    if n < 2 * FIRST || opts.maxdim == 0 {
        return Ok(None);
    }
    let pairs = n as f64 * (n as f64 - 1.0) / 2.0;
    let frac = dm.edges_within(thr) as f64 / pairs;
    let quiet = ctl.without_progress();
    let pilot_opts = Options { cycles: 0, sample: None, approx: None, max_memory: None, ..opts.clone() };
    let mut pilots: Vec<Pilot> = Vec::new();
    let mut timed_out = None;
    let mut spent = 0.0;
    for m in [n / 16, n / 8, n / 4, n / 2] {
        if m < FIRST {
            continue;
        }
        if pilots.len() >= 2 {
            let fit = Fit::new(&pilots, opts).expect("two pilots");
            let edges = |k: usize| frac * k as f64 * (k as f64 - 1.0) / 2.0;
            let next = fit.at(m, edges(m), opts).0;
            if spent + next > SHARE * fit.at(n, edges(n), opts).0.min(budget) {
                break;
            }
        }
        ctl.report("estimate", m as u64, n as u64);
        let sub = restrict(dm, &subset(n, m));
        let t = if given { thr } else { sub.enclosing_radius() };
        let start = Instant::now();
        let allowed = (SHARE * budget - spent).max(0.0);
        match super::reduce(&sub, t, true, &pilot_opts, &quiet.with_deadline(start + Duration::from_secs_f64(allowed))) {
            Ok((_, _, cost)) => {
                spent += cost.seconds;
                pilots.push(Pilot { points: m, edges: sub.edges_within(t), cost });
            }
            Err(e) if e.code == ErrorCode::OverBudget => {
                let t = start.elapsed().as_secs_f64();
                spent += t;
                timed_out = Some((m, t));
                break;
            }
            Err(e) => return Err(e),
        }
    }
    let Some(fit) = Fit::new(&pilots, opts) else {
        // even the first pilot did not finish in its share: all that is known is that it takes longer
        let (k, t) = timed_out.expect("a pilot ran");
        let fit = Fit { points: k, seconds: t, entries: 0.0, time_exp: TIME_EXP, bytes_exp: 2.0 };
        return Ok(Some(finish(fit, frac, n, spent, pilots, timed_out, opts)));
    };
    Ok(Some(finish(fit, frac, n, spent, pilots, timed_out, opts)))
}

fn finish(fit: Fit, frac: f64, n: usize, spent: f64, pilots: Vec<Pilot>, timed_out: Option<(usize, f64)>, opts: &Options) -> Planner {
    let mut p = Planner { fit, frac, est: Estimate { points: n, seconds: 0.0, bytes: 0, pilot_seconds: spent, pilots }, timed_out };
    let (s, b) = p.predict(n, opts);
    p.est.seconds = s;
    p.est.bytes = b as u64;
    p
}

/// Whether the exact run fits `seconds` and `bytes`, else the sample to run instead and why.
pub(super) fn plan(p: &Planner, budget: f64, bytes: f64, opts: &Options) -> Plan {
    let (n, s, b) = (p.est.points, p.est.seconds, p.est.bytes as f64);
    if s <= budget && b <= bytes {
        return Plan::Exact(Some(p.est.clone()));
    }
    // the largest sample whose estimate fits a third of the time left (see `budgeted`) and half the memory
    let k = p.affordable((budget - p.est.pilot_seconds).max(0.0) / 3.0, bytes / 2.0, opts);
    let over = if s > budget {
        format!("{}, above the budget of {}", seconds(s), seconds(budget))
    } else {
        format!("{}, above the memory budget of {}", size(b), size(bytes))
    };
    let mut sizes: Vec<String> = p.est.pilots.iter().map(|q| q.points.to_string()).collect();
    if let Some((m, t)) = p.timed_out {
        sizes.push(format!("{m} (stopped after {})", seconds(t)));
    }
    let why = format!(
        "the exact diagram of all {n} points is estimated at {over} (pilot runs on {} random points); a greedy sample \
         of {k} points is estimated to fit a third of the time left",
        sizes.join(", ")
    );
    Plan::Sample(k, why)
}

/// Seconds as a sentence shows them: 0.30 s, 4.1 s, 10932 s.
pub(super) fn seconds(s: f64) -> String {
    if s < 1.0 {
        format!("{s:.2} s")
    } else if s < 10.0 {
        format!("{s:.1} s")
    } else {
        format!("{s:.0} s")
    }
}

/// Bytes as the CLI reads and prints sizes (MB = 2²⁰, GB = 2³⁰, as in `--max-memory 512M`), with a decimal
/// below 100 MB so that a run that held just over a small limit does not read as equal to it.
pub(super) fn size(b: f64) -> String {
    const MB: f64 = (1u64 << 20) as f64;
    if b < 100.0 * MB {
        format!("{:.1} MB", b / MB)
    } else if b < 1024.0 * MB {
        format!("{:.0} MB", b / MB)
    } else {
        format!("{:.2} GB", b / (1024.0 * MB))
    }
}

/// m rounded down to two significant digits, so timing noise does not move the sample size by a point or two.
fn two_digits(m: usize) -> usize {
    let mut p = 1;
    while m / p >= 100 {
        p *= 10;
    }
    m / p * p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsets_are_sorted_distinct_and_seeded() {
        let a = subset(1000, 128);
        assert_eq!(a.len(), 128);
        assert!(a.windows(2).all(|w| w[0] < w[1]) && *a.last().unwrap() < 1000);
        assert_eq!(a, subset(1000, 128));
        assert_ne!(a, subset(1000, 256)[..128]);
        assert_eq!(subset(5, 9), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn sizes_round_down_to_two_digits() {
        assert_eq!([7, 99, 100, 317, 4_321, 12_999].map(two_digits), [7, 99, 100, 310, 4_300, 12_000]);
    }

    #[test]
    fn a_power_law_series_extrapolates() {
        let opts = Options::default();
        let frac = 0.5;
        let edges = |m: usize| frac * (m * (m - 1)) as f64 / 2.0;
        // time ∝ m^3.4 and reduction entries ∝ m^2.5
        let pilot = |m: usize| Pilot {
            points: m,
            edges: edges(m) as u64,
            cost: Cost {
                seconds: 1e-9 * (m as f64).powf(3.4),
                work: 0,
                bytes: (fixed_bytes(m, edges(m), &opts) + 8.0 * (m as f64).powf(2.5)) as u64,
            },
        };
        let fit = Fit::new(&[pilot(128), pilot(256), pilot(512)], &opts).unwrap();
        // slopes are taken as they are (the time's when steeper than 3)
        assert!((fit.time_exp - 3.4).abs() < 1e-9, "{}", fit.time_exp);
        assert!((fit.bytes_exp - 2.5).abs() < 1e-3, "{}", fit.bytes_exp);
        let (s, b) = fit.at(2048, edges(2048), &opts);
        assert!((s / (1e-9 * 2048f64.powf(3.4)) - 1.0).abs() < 1e-9, "{s}");
        let want = fixed_bytes(2048, edges(2048), &opts) + 8.0 * 2048f64.powf(2.5);
        assert!((b / want - 1.0).abs() < 1e-3, "{b} vs {want}");
        // a slope below 3 is not believed
        let slow = |m: usize| Pilot { cost: Cost { seconds: 1e-6 * (m as f64).powi(2), ..pilot(m).cost }, ..pilot(m) };
        assert_eq!(Fit::new(&[slow(256), slow(512)], &opts).unwrap().time_exp, 3.0);
    }
}
