//! Bottleneck and p-Wasserstein distances between persistence diagrams of one dimension.
//!
//! Conventions (stated in every result):
//! - Finite points may be matched to each other or to the diagonal; points on the diagonal are
//!   matched to it at cost 0 and do not take part in the search (this never changes the distance).
//! - Essential points (death = +∞) are matched only among themselves, in order of birth, at cost
//!   |birth − birth|; if the two diagrams have different numbers of them the distance is +∞.
//!   With `ignore_essential` they are dropped and the result says so.
//! - Bottleneck uses the L∞ ground metric; Wasserstein uses L∞ by default, any L_q (q ≥ 1) on request.

mod auction;
mod bottleneck;
mod hungarian;
pub mod kdtree;
mod metric;

pub use metric::Ground;

use crate::control::Control;
use crate::diagram::Diagram;
use crate::error::{Error, Result};

/// Largest n + m (finite off-diagonal points of both diagrams) for the exact Wasserstein solver.
pub const EXACT_WASSERSTEIN_LIMIT: usize = 1500;

/// One matched pair: indices into the input diagrams' `pairs`; `None` is the diagonal.
/// `cost` is the ground distance of the pair (not raised to p).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchedPair {
    pub a: Option<usize>,
    pub b: Option<usize>,
    pub cost: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BottleneckOptions {
    /// Relative error: the result is within a factor (1 + delta) of the exact distance; 0 = exact.
    pub delta: f64,
    pub matching: bool,
    pub ignore_essential: bool,
}

impl Default for BottleneckOptions {
    fn default() -> Self {
        BottleneckOptions { delta: 0.0, matching: false, ignore_essential: false }
    }
}

impl BottleneckOptions {
    /// Checks every option's range (the kernel does too; a binding calls this before it schedules work).
    pub fn validate(&self) -> Result<()> {
        check_delta(self.delta)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct BottleneckResult {
    pub distance: f64,
    /// A matched pair whose cost equals the distance (None when the distance is 0 or +∞ by counts).
    pub attaining: Option<MatchedPair>,
    /// The full optimal matching, when asked for.
    pub matching: Option<Vec<MatchedPair>>,
    pub ignored_essential: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WassersteinOptions {
    /// Order p ≥ 1.
    pub p: f64,
    /// Relative error on the distance; 0 = exact (small diagrams only).
    pub delta: f64,
    /// Ground metric exponent q ≥ 1 or +∞ (the default, L∞).
    pub internal_p: f64,
    pub matching: bool,
    pub ignore_essential: bool,
}

impl Default for WassersteinOptions {
    fn default() -> Self {
        WassersteinOptions { p: 1.0, delta: 0.01, internal_p: f64::INFINITY, matching: false, ignore_essential: false }
    }
}

impl WassersteinOptions {
    /// Checks every option's range (the kernel does too; a binding calls this before it schedules work).
    pub fn validate(&self) -> Result<()> {
        check_delta(self.delta)?;
        if !(self.p.is_finite() && self.p >= 1.0) {
            return Err(Error::invalid(format!("p = {}: the Wasserstein order must be finite and >= 1", self.p)));
        }
        if self.internal_p.is_nan() || self.internal_p < 1.0 {
            return Err(Error::invalid(format!("internalP = {}: the ground metric exponent must be >= 1 or Infinity", self.internal_p)));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WassersteinResult {
    pub distance: f64,
    pub matching: Option<Vec<MatchedPair>>,
    pub ignored_essential: bool,
}

/// A diagram split into what the solvers see and what bypasses them.
struct Split {
    finite: Vec<[f64; 2]>,
    finite_idx: Vec<usize>,
    on_diagonal: Vec<usize>,
    /// (birth, index) of essential points, sorted by birth.
    essential: Vec<(f64, usize)>,
}

fn split(d: &Diagram, name: &str) -> Result<Split> {
    let mut s = Split { finite: Vec::new(), finite_idx: Vec::new(), on_diagonal: Vec::new(), essential: Vec::new() };
    for (i, &[b, e]) in d.pairs.iter().enumerate() {
        let at = || format!("diagram {name}, pair {i} ({b}, {e})");
        if b.is_nan() || e.is_nan() {
            return Err(Error::invalid(format!("{}: NaN coordinate; remove or fix the pair", at())));
        }
        if b.is_infinite() {
            return Err(Error::invalid(format!("{}: birth must be finite (only death may be +inf for essential bars)", at())));
        }
        if e == f64::NEG_INFINITY {
            return Err(Error::invalid(format!("{}: death is -inf; deaths must be finite or +inf", at())));
        }
        if e < b {
            return Err(Error::invalid(format!("{}: death < birth; pairs must satisfy birth <= death", at())));
        }
        if e == f64::INFINITY {
            s.essential.push((b, i));
        } else if e == b {
            s.on_diagonal.push(i);
        } else {
            s.finite.push([b, e]);
            s.finite_idx.push(i);
        }
    }
    s.essential.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
    Ok(s)
}

/// Huge coordinates would overflow differences (bottleneck) or their p-th powers (Wasserstein).
/// Both distances are homogeneous, and scaling by a power of two is exact, so such inputs are
/// solved at scale 2^-k and the results multiplied back. Returns the factor 2^k (1 when not needed).
fn rescale(sa: &mut Split, sb: &mut Split, limit: f64) -> f64 {
    let max = sa
        .finite
        .iter()
        .chain(sb.finite.iter())
        .flat_map(|p| p.iter())
        .chain(sa.essential.iter().chain(sb.essential.iter()).map(|e| &e.0))
        .fold(0.0f64, |m, &x| m.max(x.abs()));
    if max <= limit {
        return 1.0;
    }
    // 2^k must stay finite and 2^-k normal.
    let k = (max.log2().ceil() as i32).min(1020);
    let down = 2f64.powi(-k);
    for s in [sa, sb] {
        s.finite.iter_mut().for_each(|p| {
            p[0] *= down;
            p[1] *= down;
        });
        s.essential.iter_mut().for_each(|e| e.0 *= down);
    }
    2f64.powi(k)
}

fn scale_pairs(pairs: &mut [MatchedPair], factor: f64) {
    if factor != 1.0 {
        pairs.iter_mut().for_each(|p| p.cost *= factor);
    }
}

/// A diagram from flat (birth, death) pairs, as the binding receives it.
pub fn diagram_from_flat(flat: &[f64], name: &str) -> Result<Diagram> {
    if !flat.len().is_multiple_of(2) {
        return Err(Error::invalid(format!(
            "diagram {name}: {} numbers is not a list of (birth, death) pairs; pass an even-length array",
            flat.len()
        )));
    }
    Ok(Diagram::new(0, flat.chunks_exact(2).map(|c| [c[0], c[1]]).collect()))
}

fn check_delta(delta: f64) -> Result<()> {
    if !(delta.is_finite() && delta >= 0.0) {
        return Err(Error::invalid(format!("delta = {delta}: the relative error must be a finite number >= 0")));
    }
    Ok(())
}

/// Matching of the essential parts (sorted order is optimal for every convex cost of |Δbirth|),
/// or None when the counts differ.
fn essential_pairs(sa: &Split, sb: &Split) -> Option<Vec<MatchedPair>> {
    if sa.essential.len() != sb.essential.len() {
        return None;
    }
    Some(
        sa.essential
            .iter()
            .zip(sb.essential.iter())
            .map(|(x, y)| MatchedPair { a: Some(x.1), b: Some(y.1), cost: (x.0 - y.0).abs() })
            .collect(),
    )
}

fn to_global(sa: &Split, sb: &Split, local: &[(Option<usize>, Option<usize>, f64)]) -> Vec<MatchedPair> {
    let mut out: Vec<MatchedPair> =
        local.iter().map(|&(i, j, c)| MatchedPair { a: i.map(|i| sa.finite_idx[i]), b: j.map(|j| sb.finite_idx[j]), cost: c }).collect();
    out.extend(sa.on_diagonal.iter().map(|&i| MatchedPair { a: Some(i), b: None, cost: 0.0 }));
    out.extend(sb.on_diagonal.iter().map(|&j| MatchedPair { a: None, b: Some(j), cost: 0.0 }));
    out
}

/// Essential points left unmatched when the counts differ: reported with cost +∞.
fn unmatched_essential(sa: &Split, sb: &Split) -> Vec<MatchedPair> {
    let mut out: Vec<MatchedPair> = sa.essential.iter().map(|x| MatchedPair { a: Some(x.1), b: None, cost: f64::INFINITY }).collect();
    out.extend(sb.essential.iter().map(|y| MatchedPair { a: None, b: Some(y.1), cost: f64::INFINITY }));
    out
}

/// Bottleneck distance (L∞ ground metric), exact for `delta = 0`.
pub fn bottleneck(a: &Diagram, b: &Diagram, opts: &BottleneckOptions, ctl: &Control) -> Result<BottleneckResult> {
    opts.validate()?;
    let mut sa = split(a, "a")?;
    let mut sb = split(b, "b")?;
    let factor = rescale(&mut sa, &mut sb, 1e300);
    let (d_fin, local) = bottleneck::bottleneck_finite(&sa.finite, &sb.finite, opts.delta, ctl)?;
    let mut pairs = to_global(&sa, &sb, &local);
    let mut distance = d_fin;
    if !opts.ignore_essential {
        match essential_pairs(&sa, &sb) {
            Some(ess) => {
                for e in &ess {
                    distance = distance.max(e.cost);
                }
                pairs.extend(ess);
            }
            None => {
                distance = f64::INFINITY;
                pairs.extend(unmatched_essential(&sa, &sb));
            }
        }
    }
    scale_pairs(&mut pairs, factor);
    distance *= factor;
    let attaining = if distance > 0.0 && distance.is_finite() {
        pairs.iter().copied().filter(|p| p.cost == distance).min_by_key(|p| (p.a, p.b))
    } else {
        None
    };
    Ok(BottleneckResult { distance, attaining, matching: opts.matching.then_some(pairs), ignored_essential: opts.ignore_essential })
}

/// p-Wasserstein distance with relative error `delta` (exact when 0, for small diagrams).
pub fn wasserstein(a: &Diagram, b: &Diagram, opts: &WassersteinOptions, ctl: &Control) -> Result<WassersteinResult> {
    opts.validate()?;
    let ground = Ground::from_internal_p(opts.internal_p);
    let p = opts.p;
    let mut sa = split(a, "a")?;
    let mut sb = split(b, "b")?;
    // Powers overflow long before the coordinates do.
    let factor = rescale(&mut sa, &mut sb, 1e50);
    let (sum_p, local) = wasserstein_finite(&sa.finite, &sb.finite, p, ground, opts.delta, ctl)?;
    let mut pairs = to_global(&sa, &sb, &local);
    let mut total = sum_p;
    if !opts.ignore_essential {
        match essential_pairs(&sa, &sb) {
            Some(ess) => {
                for e in &ess {
                    total += ground.pow(e.cost, p);
                }
                pairs.extend(ess);
            }
            None => {
                total = f64::INFINITY;
                pairs.extend(unmatched_essential(&sa, &sb));
            }
        }
    }
    scale_pairs(&mut pairs, factor);
    let distance = factor * if p == 1.0 { total } else { total.powf(1.0 / p) };
    Ok(WassersteinResult { distance, matching: opts.matching.then_some(pairs), ignored_essential: opts.ignore_essential })
}

type Local = (f64, Vec<(Option<usize>, Option<usize>, f64)>);

fn wasserstein_finite(a: &[[f64; 2]], b: &[[f64; 2]], p: f64, ground: Ground, delta: f64, ctl: &Control) -> Result<Local> {
    let (n, m) = (a.len(), b.len());
    // Identical multisets: exactly 0 without asking a solver that only promises relative error.
    let mut sa: Vec<(usize, [f64; 2])> = a.iter().copied().enumerate().collect();
    let mut sb: Vec<(usize, [f64; 2])> = b.iter().copied().enumerate().collect();
    let key = |x: &(usize, [f64; 2]), y: &(usize, [f64; 2])| x.1[0].total_cmp(&y.1[0]).then(x.1[1].total_cmp(&y.1[1]));
    sa.sort_by(key);
    sb.sort_by(key);
    if n == m && sa.iter().zip(sb.iter()).all(|(x, y)| x.1 == y.1) {
        return Ok((0.0, sa.iter().zip(sb.iter()).map(|(x, y)| (Some(x.0), Some(y.0), 0.0)).collect()));
    }
    if n == 0 || m == 0 {
        let mut pairs = Vec::new();
        let mut total = 0.0;
        for (i, &x) in a.iter().enumerate() {
            let d = ground.to_diagonal(x);
            total += ground.pow(d, p);
            pairs.push((Some(i), None, d));
        }
        for (j, &y) in b.iter().enumerate() {
            let d = ground.to_diagonal(y);
            total += ground.pow(d, p);
            pairs.push((None, Some(j), d));
        }
        return Ok((total, pairs));
    }
    if delta == 0.0 {
        if n + m > EXACT_WASSERSTEIN_LIMIT {
            return Err(Error::too_large(format!(
                "exact Wasserstein (delta = 0) is limited to {EXACT_WASSERSTEIN_LIMIT} finite points in both diagrams together, got {}; pass delta > 0 (e.g. 0.01)",
                n + m
            )));
        }
        return exact_wasserstein(a, b, p, ground, ctl);
    }
    auction::wasserstein_auction(a, b, p, ground, delta, ctl)
}

/// Exact p-Wasserstein cost on the diagonal-augmented (n + m) × (n + m) problem.
fn exact_wasserstein(a: &[[f64; 2]], b: &[[f64; 2]], p: f64, ground: Ground, ctl: &Control) -> Result<Local> {
    let (n, m) = (a.len(), b.len());
    let ca: Vec<f64> = a.iter().map(|&x| ground.to_diagonal(x)).collect();
    let cb: Vec<f64> = b.iter().map(|&x| ground.to_diagonal(x)).collect();
    let dist = |i: usize, j: usize| match (i < n, j < m) {
        (true, true) => ground.dist(a[i], b[j]),
        (true, false) => ca[i],
        (false, true) => cb[j],
        (false, false) => 0.0,
    };
    let cost = |i: usize, j: usize| ground.pow(dist(i, j), p);
    let mut rows = 0u64;
    let col_of = hungarian::assign(n + m, cost, || {
        rows += 1;
        ctl.report("wasserstein", rows, (n + m) as u64);
        !ctl.is_cancelled()
    })
    .ok_or_else(Error::cancelled)?;
    let mut total = 0.0;
    let mut pairs = Vec::new();
    for (i, &j) in col_of.iter().enumerate() {
        total += cost(i, j);
        let d = dist(i, j);
        match (i < n, j < m) {
            (true, true) => pairs.push((Some(i), Some(j), d)),
            (true, false) => pairs.push((Some(i), None, d)),
            (false, true) => pairs.push((None, Some(j), d)),
            (false, false) => {}
        }
    }
    Ok((total, pairs))
}

#[cfg(test)]
mod tests;
