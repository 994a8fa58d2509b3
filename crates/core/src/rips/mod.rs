//! Vietoris–Rips persistent homology with Ripser's conventions: filtration value of an edge = its length,
//! threshold defaulting to the enclosing radius (dense input), H0 pairs of length 0 and all zero-persistence
//! pairs omitted, essential classes reported with death = ∞.

mod binomial;
mod complex;
mod cycles;
mod distance;
mod engine;
mod entry;
mod estimate;
mod field;
mod hash;
mod heap;
mod sample;
mod scale;

pub use cycles::Cycle;
pub use distance::{Metric, Points};
pub use estimate::{Estimate, Pilot};

use binomial::Binomial;
use complex::{Complex, Dense, Sparse};
use distance::Rows;
use engine::Engine;
use field::{Field, Zp, Z2};
use sample::Oracle;
use scale::{Scale, Span};

use crate::control::Control;
use crate::diagram::Diagram;
use crate::error::{Error, ErrorCode, Result};

pub const MAX_DIM: usize = 3;

/// What to compute the filtration of.
#[derive(Clone, Copy)]
pub enum Input<'a> {
    /// Row-major n × d coordinates.
    Points { points: Points<'a>, n: usize, d: usize, metric: Metric },
    /// A dense distance matrix: n·n values (full, must be symmetric with a zero diagonal) or n(n−1)/2 values
    /// (strict lower triangle by rows: d(1,0), d(2,0), d(2,1), …).
    Distances { values: &'a [f64], n: usize },
    /// A sparse distance matrix as an edge list on vertices 0..n; absent pairs are never connected.
    Edges { n: usize, i: &'a [u32], j: &'a [u32], w: &'a [f64] },
}

#[derive(Debug, Clone)]
pub struct Options {
    pub maxdim: usize,
    /// Largest edge length in the complex; `None` = enclosing radius for dense input, ∞ for edge lists.
    pub threshold: Option<f64>,
    /// Prime modulus of the coefficient field.
    pub coeff: u32,
    /// Worker threads; 0 = the current rayon pool (all cores unless the caller installed another).
    pub threads: usize,
    /// Keep only this many points, chosen by greedy permutation.
    pub sample: Option<usize>,
    /// Sparse Rips approximation with this ε.
    pub approx: Option<f64>,
    /// Refuse when the memory estimate exceeds this many bytes.
    pub max_memory: Option<u64>,
    /// Representative cycles of this many finite H1 bars of largest persistence (0 = none; see
    /// `Output::cycles`). Needs coeff = 2, maxdim ≥ 1, and no approx.
    pub cycles: usize,
    /// Seconds the exact run may take: when set (and neither sample nor approx is), pilot runs estimate the
    /// exact run's time and memory first, and when either is above this or `max_memory`, the largest greedy
    /// sample estimated to fit is computed instead, with its Hausdorff radius (see estimate.rs).
    pub budget: Option<f64>,
}

impl Default for Options {
    fn default() -> Self {
        Options { maxdim: 1, threshold: None, coeff: 2, threads: 0, sample: None, approx: None, max_memory: None, cycles: 0, budget: None }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SampleInfo {
    /// Indices of the kept points in the input, in greedy order.
    pub indices: Vec<usize>,
    /// Hausdorff distance between the sample and the input (every point is this close to the sample).
    pub hausdorff_radius: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApproxInfo {
    pub epsilon: f64,
    /// Edges kept, and their fraction of all pairs: near 1 the data has too high an intrinsic dimension
    /// for the sparsification to help (use `sample` instead).
    pub edges: usize,
    pub kept_fraction: f64,
    pub guarantee: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub diagrams: Vec<Diagram>,
    /// The threshold used (∞ when none).
    pub threshold: f64,
    /// Number of vertices of the complex.
    pub n: usize,
    pub sample: Option<SampleInfo>,
    pub approx: Option<ApproxInfo>,
    /// Bytes the run was estimated to need (see `estimate_memory`).
    pub memory_estimate: u64,
    /// The power of two the distances were multiplied by before the engine rounded them to float32: 1 unless
    /// they lay outside [2^-100, 2^100] (where float32 would overflow or lose precision; see scale.rs).
    /// Births, deaths, threshold and Hausdorff radius are always in the input's units.
    pub scale: f64,
    /// With `Options::cycles = k`: representatives of the k finite H1 bars of largest persistence (death −
    /// birth; ties: earlier birth, then the birth edge earlier in the filtration), most persistent first —
    /// fewer when there are fewer bars. Each is R_τ = ∂V_τ over Z/2, the column of the bar's death triangle τ
    /// in the standard reduction of the boundary matrix in the engine's filtration order (see cycles.rs), so
    /// the H1 diagram's pairs are unchanged. Empty when `cycles` = 0.
    pub cycles: Vec<Cycle>,
    /// What the run of the engine cost (the last one, when a fallback ran a sample after pilots).
    pub cost: Cost,
    /// The estimate of the exact run from pilot runs, when a budget asked for one (estimate.rs).
    pub estimate: Option<Estimate>,
    /// Why a greedy sample was computed instead of the exact diagram (with `sample` saying which).
    pub fallback: Option<String>,
}

/// What a run of the engine cost.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Cost {
    /// Wall time of the reduction, from the sorted edges to the last pair (not the distances).
    pub seconds: f64,
    /// Entries pushed to working heaps: the reduction's work, the same for given data on every machine.
    pub work: u64,
    /// Peak bytes of the engine's structures: distances (dense input), edges and columns, the pivot table,
    /// a batch's first passes and the largest working heap. The process holds more (its input, the other
    /// workers' small heaps, the allocator's slack).
    pub bytes: u64,
}

fn binom_f(n: u64, k: u64) -> f64 {
    if k > n {
        return 0.0;
    }
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// Estimated peak bytes for n vertices when a fraction `edge_fraction` of all pairs is within the threshold
/// (1 when unknown): the distance triangle (when `dense`), the sorted edges, the columns, simplex lists and
/// pivot records of every dimension, assuming a k-simplex is in the complex with probability
/// f^(its number of edges). It does not foresee fill-in of the reduction, which on data without structure (e.g. uniform points on a
/// high-dimensional sphere) can need much more.
pub fn estimate_memory(n: usize, maxdim: usize, edge_fraction: f64, dense: bool) -> u64 {
    let n64 = n as u64;
    let f = edge_fraction.clamp(0.0, 1.0);
    let s = |k: u64| binom_f(n64, k + 1) * f.powf((k * (k + 1) / 2) as f64);
    let mut bytes = if dense { 4.0 * binom_f(n64, 2) } else { 12.0 * 2.0 * s(1) };
    bytes += 16.0 * s(1) + 8.0 * n as f64;
    for k in 1..=maxdim as u64 {
        bytes += 16.0 * s(k) * 2.0 + 40.0 * s(k);
    }
    bytes.min(u64::MAX as f64) as u64
}

/// Most worker threads a run takes.
pub const MAX_THREADS: usize = 1024;

impl Options {
    /// Checks every option's range (the kernel does too; a binding calls this before it schedules work).
    pub fn validate(&self) -> Result<()> {
        let o = self;
        if o.maxdim > MAX_DIM {
            return Err(Error::invalid(format!("maxdim: {} is above the supported maximum {MAX_DIM}", o.maxdim)));
        }
        field::check_modulus(o.coeff)?;
        if o.threads > MAX_THREADS {
            // a pool of millions of threads would not fail, it would only never finish starting
            return Err(Error::invalid(format!("threads: {} is above the supported maximum {MAX_THREADS}", o.threads)));
        }
        if let Some(t) = o.threshold {
            if t.is_nan() || t < 0.0 {
                return Err(Error::invalid(format!("threshold: {t} is not a non-negative number")));
            }
        }
        if let Some(m) = o.sample {
            if m == 0 {
                return Err(Error::invalid("sample: must keep at least 1 point"));
            }
        }
        if let Some(e) = o.approx {
            if !(e > 0.0 && e.is_finite()) {
                return Err(Error::invalid(format!("approx: ε = {e} must be a positive number (e.g. 0.1)")));
            }
        }
        if let Some(b) = o.budget {
            if !(b > 0.0 && b.is_finite()) {
                return Err(Error::invalid(format!("budget: {b} s is not a positive number of seconds")));
            }
        }
        if o.sample.is_some() && o.approx.is_some() {
            return Err(Error::invalid("sample and approx: choose one of the two"));
        }
        if o.cycles > 0 {
            if o.coeff != 2 {
                return Err(Error::invalid(format!(
                    "cycles: representative cycles are computed over Z/2 only, not with coeff = {}",
                    o.coeff
                )));
            }
            if o.maxdim < 1 {
                return Err(Error::invalid("cycles: representative cycles of H1 bars need maxdim ≥ 1"));
            }
            if o.approx.is_some() {
                return Err(Error::invalid("cycles: not available with approx (use sample, or the exact complex)"));
            }
        }
        Ok(())
    }
}

impl Oracle for Rows<'_> {
    fn n(&self) -> usize {
        self.n
    }
    fn dist(&self, i: usize, j: usize) -> f32 {
        Rows::dist(self, i, j)
    }
}

impl Oracle for Dense {
    fn n(&self) -> usize {
        self.n
    }
    fn dist(&self, i: usize, j: usize) -> f32 {
        if i == j {
            0.0
        } else {
            self.get(i as u32, j as u32)
        }
    }
}

/// The strict lower triangle by rows, d(1,0), d(2,0), d(2,1), …, of a full or lower-triangle matrix.
fn lower_triangle(values: &[f64], n: usize) -> impl Iterator<Item = f64> + '_ {
    let full = values.len() == n * n;
    (0..n).flat_map(move |i| {
        let start = if full { i * n } else { i * i.saturating_sub(1) / 2 };
        values[start..start + i].iter().copied()
    })
}

/// Row and column (from 0) of entry k of the strict lower triangle by rows.
fn lower_position(k: usize) -> (usize, usize) {
    let mut i = ((((8 * k + 1) as f64).sqrt() + 1.0) / 2.0).floor() as usize;
    // the float root can be one off for huge k
    while i * (i - 1) / 2 > k {
        i -= 1;
    }
    while (i + 1) * i / 2 <= k {
        i += 1;
    }
    (i, k - i * (i - 1) / 2)
}

fn dense_from_matrix(values: &[f64], n: usize) -> Result<Dense> {
    let lower = n * n.saturating_sub(1) / 2;
    let mut d = Vec::with_capacity(lower);
    let bad = |v: f64, r: usize, c: usize| {
        Error::invalid(format!("distance matrix: entry ({}, {}) is {v}; distances must be finite and non-negative", r + 1, c + 1))
    };
    if values.len() == n * n {
        for i in 0..n {
            let x = values[i * n + i];
            if x != 0.0 {
                if !x.is_finite() {
                    return Err(bad(x, i, i));
                }
                return Err(Error::invalid(format!(
                    "distance matrix: diagonal entry ({0}, {0}) is {x}, not 0; vertex birth times are not supported",
                    i + 1
                )));
            }
            for j in 0..i {
                let (a, b) = (values[i * n + j], values[j * n + i]);
                if !(a.is_finite() && a >= 0.0) {
                    return Err(bad(a, i, j));
                }
                if !(b.is_finite() && b >= 0.0) {
                    return Err(bad(b, j, i));
                }
                if (a - b).abs() > 1e-6 * a.abs().max(b.abs()).max(1e-300) && (a - b).abs() > 1e-12 {
                    return Err(Error::invalid(format!(
                        "distance matrix: not symmetric, entry ({}, {}) = {a} but ({}, {}) = {b}",
                        i + 1,
                        j + 1,
                        j + 1,
                        i + 1
                    )));
                }
                d.push(a as f32);
            }
        }
    } else if values.len() == lower {
        for (k, &x) in values.iter().enumerate() {
            if !(x.is_finite() && x >= 0.0) {
                let (i, j) = lower_position(k);
                return Err(bad(x, i, j));
            }
            d.push(x as f32);
        }
    } else {
        return Err(Error::invalid(format!(
            "distance matrix: {} values is neither n² = {} (full square matrix) nor n(n−1)/2 = {lower} (lower triangle) for n = {n}",
            values.len(),
            n * n
        )));
    }
    Ok(Dense { n, d })
}

/// Persistence diagrams in dimensions 0..=maxdim.
pub fn rips(input: Input<'_>, opts: &Options, ctl: &Control<'_>) -> Result<Output> {
    opts.validate()?;
    let out = if opts.threads == 0 {
        // the caller's pool (the global one, or one a binding installed)
        run(input, opts, ctl)
    } else {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(opts.threads)
            .build()
            .map_err(|e| Error::invalid(format!("threads: cannot start {} threads: {e}", opts.threads)))?;
        pool.install(|| run(input, opts, ctl))
    };
    out.map_err(|e| match e.code {
        // the memory guard stopped a run (not under a budget, or even its smallest sample): the caller's error
        ErrorCode::OverMemory => Error::too_large(format!(
            "{}; lower threshold, subsample with sample = n, approximate with approx = ε, or raise max_memory",
            e.message
        )),
        _ => e,
    })
}

enum Built {
    Dense(Dense),
    Sparse(Sparse),
}

fn refuse(what: &str, bytes: u64, max: u64) -> Error {
    Error::too_large(format!(
        "{what} needs an estimated {}, above the memory limit of {}; lower threshold, subsample with sample = n, \
         approximate with approx = ε, or raise max_memory",
        estimate::size(bytes as f64),
        estimate::size(max as f64)
    ))
}

fn run(input: Input<'_>, opts: &Options, ctl: &Control<'_>) -> Result<Output> {
    let max_mem = opts.max_memory.unwrap_or(u64::MAX);
    let n_in = match input {
        Input::Points { n, .. } | Input::Distances { n, .. } | Input::Edges { n, .. } => n,
    };
    let reduced = opts.sample.map_or(n_in, |m| m.min(n_in));
    binomial::check(reduced, opts.maxdim + 2)?;
    let dist_bytes = 4 * (reduced as u64) * (reduced as u64).saturating_sub(1) / 2;
    if opts.approx.is_none() && !matches!(input, Input::Edges { .. }) && dist_bytes > max_mem {
        if opts.budget.is_some() && opts.sample.is_none() && matches!(input, Input::Points { .. }) {
            // under a budget even the distances of all points are too many: a greedy sample chosen from the
            // points themselves, the largest whose whole run the coarse estimate lets through (every pair an
            // edge; the estimate then counts ~90 bytes a pair, where the distances alone are 4)
            let (mut k, mut hi) = (1usize, n_in);
            while hi - k > 1 {
                let mid = k + (hi - k) / 2;
                if estimate_memory(mid, opts.maxdim, 1.0, true) <= max_mem {
                    k = mid;
                } else {
                    hi = mid;
                }
            }
            let why = format!(
                "the distances of all {n_in} points alone need {}, above the memory budget of {}; a greedy sample \
                 of {k} points instead, the largest whose run is estimated to fit",
                estimate::size(dist_bytes as f64),
                estimate::size(max_mem as f64)
            );
            let out = run(input, &Options { sample: Some(k), budget: None, ..opts.clone() }, ctl)?;
            return Ok(Output { fallback: Some(why), ..out });
        }
        return Err(refuse("the distance matrix", dist_bytes, max_mem));
    }
    let p = match input {
        Input::Edges { n, i, j, w } => from_edges(n, i, j, w, opts)?,
        Input::Points { points, n, d, metric } => from_points(points, n, d, metric, opts, ctl)?,
        Input::Distances { values, n } => from_matrix(values, n, opts, ctl)?,
    };
    let s = p.scale;
    // (the engine's, the reported) threshold: see Scale::threshold
    let given = opts.threshold.map(|t| s.threshold(t));
    let out = match p.built {
        Built::Dense(dm) => {
            let thr = given.map_or_else(|| dm.enclosing_radius(), |g| g.0);
            match opts.budget.filter(|_| limits(opts)) {
                None => compute(&dm, thr, true, opts, true, ctl)?,
                Some(seconds) => budgeted(&dm, thr, given.is_some(), opts, seconds, ctl)?,
            }
        }
        Built::Sparse(sp) => compute(&sp, given.map_or(f32::INFINITY, |g| g.0), false, opts, true, ctl)?,
    };
    let sample = out.sample.clone().or(p.sample);
    let mut out = unscale(Output { sample, approx: p.approx, ..out }, s);
    if let Some((_, shown)) = given {
        out.threshold = shown;
    }
    if let Some(info) = &out.sample {
        for c in &mut out.cycles {
            cycles::relabel(c, &info.indices);
        }
    }
    Ok(out)
}

/// The exact diagram when the pilots' estimate fits the budget, else the largest greedy sample estimated to.
/// A run that passes the budget all the same (the estimate is good to about 2×) is stopped and a sample
/// sized for a third of the budget runs instead; a sample that passes what is left is halved, down to 64
/// points, which run to the end.
fn budgeted(dm: &Dense, thr: f32, given: bool, opts: &Options, seconds: f64, ctl: &Control<'_>) -> Result<Output> {
    let bytes = opts.max_memory.map_or(f64::INFINITY, |b| b as f64);
    // the estimate has weighed memory; the coarse refusal of `compute` would stop what it let through (the
    // guard inside the reduction still stops a run that passes max_memory)
    let Some(planner) = estimate::pilots(dm, thr, given, opts, seconds, ctl)? else {
        return compute(dm, thr, true, opts, false, ctl);
    };
    let deadline = |s: f64| ctl.with_deadline(std::time::Instant::now() + std::time::Duration::from_secs_f64(s.max(0.0)));
    let left = seconds - planner.est.pilot_seconds;
    let (mut k, mut why) = match estimate::plan(&planner, seconds, bytes, opts) {
        estimate::Plan::Exact(est) => match compute(dm, thr, true, opts, false, &deadline(left)) {
            Ok(out) => return Ok(Output { estimate: est, ..out }),
            Err(e) if over(&e) => {
                let k = planner.affordable(seconds / 3.0, bytes / 2.0, opts).min(dm.n / 2);
                let passed = if e.code == ErrorCode::OverMemory {
                    e.message
                } else {
                    format!("it passed the budget of {}", estimate::seconds(seconds))
                };
                let why = format!(
                    "the exact diagram of all {} points was estimated at {} and {}, but {passed}; a greedy sample of \
                     {k} points is estimated to fit a third of the time and half of the memory",
                    dm.n,
                    estimate::seconds(planner.est.seconds),
                    estimate::size(planner.est.bytes as f64)
                );
                (k, why)
            }
            Err(e) => return Err(e),
        },
        estimate::Plan::Sample(k, why) => (k, why),
    };
    // a greedy sample spreads its points out, and on isotropic data it ran 2× slower than the random subsets
    // of the same size the estimate comes from: aim at a third of what is left, stop it at all of it
    let started = std::time::Instant::now();
    let mut room = left / 3.0;
    loop {
        // the same sample, and so the same diagrams, as asking for `sample = k`
        let (idx, _, rad) = sample::greedy_permutation(dm, k, ctl)?;
        let sub = estimate::restrict(dm, &idx);
        let t = if given { thr } else { sub.enclosing_radius() };
        let last = k <= 64;
        let allowed = (left - started.elapsed().as_secs_f64()).max(room);
        let run = if last { compute(&sub, t, true, opts, false, ctl) } else { compute(&sub, t, true, opts, false, &deadline(allowed)) };
        match run {
            Ok(out) => {
                return Ok(Output {
                    sample: Some(SampleInfo { indices: idx, hausdorff_radius: rad as f64 }),
                    estimate: Some(planner.est),
                    fallback: Some(why),
                    ..out
                })
            }
            // the smallest sample ran without a deadline; only the memory guard stops it, and then nothing fits
            Err(e) if over(&e) && !last => {
                k = (k / 2).max(64);
                let what = if e.code == ErrorCode::OverMemory { "memory limit" } else { "budget" };
                why = format!("{why}; that sample passed the {what} too, so {k} points instead");
                room /= 2.0;
            }
            Err(e) => return Err(e),
        }
    }
}

/// A run stopped by the budget's deadline or by the memory guard: under a budget, a smaller sample runs instead.
fn over(e: &Error) -> bool {
    matches!(e.code, ErrorCode::OverBudget | ErrorCode::OverMemory)
}

/// A complex ready for the engine, at the scale its distances were multiplied by.
struct Prepared {
    built: Built,
    scale: Scale,
    sample: Option<SampleInfo>,
    approx: Option<ApproxInfo>,
}

/// The engine's values back in input units (nothing to do, bit for bit, at scale 1).
fn unscale(mut out: Output, s: Scale) -> Output {
    out.scale = s.factor();
    if s == Scale::ONE {
        return out;
    }
    for d in &mut out.diagrams {
        for p in &mut d.pairs {
            *p = [s.back(p[0]), s.back(p[1])];
        }
    }
    out.threshold = s.back(out.threshold);
    for c in &mut out.cycles {
        c.birth = s.back(c.birth);
        c.death = s.back(c.death);
    }
    if let Some(info) = &mut out.sample {
        info.hausdorff_radius = s.back(info.hausdorff_radius);
    }
    out
}

/// Whether a threshold limits the distances that must keep their value: those beyond it only need to stay
/// beyond it. Not with sample or approx, which look at every distance.
fn limits(opts: &Options) -> bool {
    opts.sample.is_none() && opts.approx.is_none()
}

fn range_limit(opts: &Options) -> Option<f64> {
    opts.threshold.filter(|_| limits(opts))
}

fn from_edges(n: usize, i: &[u32], j: &[u32], w: &[f64], opts: &Options) -> Result<Prepared> {
    if opts.sample.is_some() || opts.approx.is_some() {
        return Err(Error::invalid("sample/approx need points or a dense distance matrix, not an edge list"));
    }
    if i.len() != j.len() || i.len() != w.len() {
        return Err(Error::invalid("edges: the i, j and w arrays must have the same length"));
    }
    for k in 0..i.len() {
        if i[k] as usize >= n || j[k] as usize >= n {
            return Err(Error::invalid(format!("edges: edge {} joins vertices {} and {}, outside 0..{n}", k + 1, i[k], j[k])));
        }
        if !(w[k].is_finite() && w[k] >= 0.0) {
            return Err(Error::invalid(format!("edges: edge {} has length {}; lengths must be finite and non-negative", k + 1, w[k])));
        }
    }
    let scale = match Span::of(w.iter().copied(), range_limit(opts)) {
        None => Scale::ONE,
        Some(span) => span.scale().ok_or_else(|| {
            let at = |k: usize| format!("edge {}", k + 1);
            scale::refusal("edges", (span.lo.0, &at(span.lo.1)), (span.hi.0, &at(span.hi.1)), "set lengths below {} to 0", true)
        })?,
    };
    let sp = Sparse::from_edges(n, (0..i.len()).map(|k| (i[k], j[k], scale.f32(w[k]))));
    Ok(Prepared { built: Built::Sparse(sp), scale, sample: None, approx: None })
}

fn from_matrix(values: &[f64], n: usize, opts: &Options, ctl: &Control<'_>) -> Result<Prepared> {
    let limit = range_limit(opts);
    let mut dm = dense_from_matrix(values, n)?;
    let scale = match Span::of(lower_triangle(values, n), limit) {
        None => Scale::ONE,
        Some(span) => span.scale().ok_or_else(|| {
            let at = |k: usize| {
                let (i, j) = lower_position(k);
                format!("entry ({}, {})", i + 1, j + 1)
            };
            let (lo, hi) = (at(span.lo.1), at(span.hi.1));
            scale::refusal("distance matrix", (span.lo.0, &lo), (span.hi.0, &hi), "set distances below {} to 0", limits(opts))
        })?,
    };
    if scale != Scale::ONE {
        dm.d = lower_triangle(values, n).map(|x| scale.f32(x)).collect();
    }
    let (mut sample, mut approx) = (None, None);
    let built = shrink(&dm, opts, ctl, &mut sample, &mut approx, |_, _| Ok(Dense { n: dm.n, d: dm.d.clone() }))?;
    Ok(Prepared { built, scale, sample, approx })
}

/// Point clouds: the exact range of the distances is only known once they are all computed, so the scale
/// comes from an upper bound of the largest (Rows::extent) and the distances too small for float32 at that
/// scale are caught as they are computed. Data within the plain range runs at scale 1 as before; when it
/// turns out to have such small distances it runs once more with its largest distance at the top of
/// float32's range, and refuses if they are still too small there.
fn from_points(points: Points<'_>, n: usize, d: usize, metric: Metric, opts: &Options, ctl: &Control<'_>) -> Result<Prepared> {
    let mut rows = Rows::new(points, n, d, metric)?;
    let (mut sample, mut approx) = (None, None);
    // angle distances lie in [0, π] whatever the coordinates' scale; coinciding points have only zeros
    let extent = if metric == Metric::Euclidean { rows.extent() } else { None };
    let Some((e, bound)) = extent else {
        let built = shrink(&rows, opts, ctl, &mut sample, &mut approx, |r, c| r.dense(c))?;
        return Ok(Prepared { built, scale: Scale::ONE, sample, approx });
    };
    // only the distances up to the threshold must fit: lengths beyond it may round to ∞ (in f64 too)
    let (e, hi, hi_at) = match range_limit(opts) {
        Some(t) if t > 0.0 && t < bound => (scale::binade(t), t, "the threshold"),
        _ => (e, bound, "an upper bound from the coordinates' ranges"),
    };
    let top = Scale::top_binade(e);
    let first = if Scale::plain_binade(e) { Scale::ONE } else { top };
    let mut scale = first;
    loop {
        rows.set_scale(scale);
        let built = shrink(&rows, opts, ctl, &mut sample, &mut approx, |r, c| r.dense(c))?;
        let Some((x, i, j)) = rows.take_tiny() else {
            return Ok(Prepared { built, scale, sample, approx });
        };
        if scale == top {
            let lo_at = format!("rows {} and {}", i + 1, j + 1);
            let smaller = "merge points closer than {}";
            return Err(scale::refusal("points", (x, &lo_at), (hi, hi_at), smaller, limits(opts)));
        }
        drop(built);
        scale = top;
    }
}

/// Applies --sample or --approx to a dense source; otherwise builds the full dense matrix with `full`.
fn shrink<O: Oracle>(
    src: &O,
    opts: &Options,
    ctl: &Control<'_>,
    sample_info: &mut Option<SampleInfo>,
    approx_info: &mut Option<ApproxInfo>,
    full: impl FnOnce(&O, &Control<'_>) -> Result<Dense>,
) -> Result<Built> {
    let n = src.n();
    if let Some(m) = opts.sample {
        let (idx, _, rad) = sample::greedy_permutation(src, m, ctl)?;
        let k = idx.len();
        let mut d = Vec::with_capacity(k * k.saturating_sub(1) / 2);
        for a in 0..k {
            for b in 0..a {
                d.push(src.dist(idx[a], idx[b]));
            }
        }
        *sample_info = Some(SampleInfo { indices: idx, hausdorff_radius: rad as f64 });
        return Ok(Built::Dense(Dense { n: k, d }));
    }
    if let Some(eps) = opts.approx {
        let (idx, lambda, _) = sample::greedy_permutation(src, n, ctl)?;
        let edges = sample::sparse_edges(src, &idx, &lambda, eps, ctl)?;
        let pairs = (n as f64) * (n as f64 - 1.0) / 2.0;
        // tell the caller before the (possibly long) reduction how much the sparsification kept
        ctl.report("approx-edges", edges.len() as u64, pairs as u64);
        *approx_info = Some(ApproxInfo {
            epsilon: eps,
            edges: edges.len(),
            kept_fraction: if pairs > 0.0 { edges.len() as f64 / pairs } else { 1.0 },
            guarantee: format!(
                "sparse Rips (Cavanna–Jahanseir–Sheehy), ε = {eps}: every edge enters at a value in [d, (1+ε)·d] \
                 and the filtration is (1+ε)-interleaved with the exact Rips filtration, so the diagrams are within \
                 log-scale bottleneck distance ln(1+ε) = {:.4} of the exact ones",
                (1.0 + eps).ln()
            ),
        });
        return Ok(Built::Sparse(Sparse::from_edges(n, edges.into_iter())));
    }
    Ok(Built::Dense(full(src, ctl)?))
}

/// The diagrams of a complex. `coarse`: refuse up front when the coarse estimate is above `max_memory` (off
/// under a budget, whose pilots weighed memory better); the reduction stops itself all the same when what it
/// holds passes `max_memory`.
fn compute<C: Complex>(cx: &C, thr: f32, dense: bool, opts: &Options, coarse: bool, ctl: &Control<'_>) -> Result<Output> {
    let n = cx.n();
    let total_pairs = (n as u64) * (n as u64).saturating_sub(1) / 2;
    let within = cx.edges_within(thr);
    let frac = if total_pairs == 0 { 1.0 } else { within as f64 / total_pairs as f64 };
    let est = estimate_memory(n, opts.maxdim, frac, dense);
    if let Some(max) = opts.max_memory.filter(|_| coarse) {
        if est > max {
            return Err(refuse("this Rips computation", est, max));
        }
    }
    let (pairs, cycles, cost) = reduce(cx, thr, dense, opts, ctl)?;
    let diagrams = pairs.into_iter().enumerate().map(|(k, p)| Diagram::new(k, p)).collect();
    Ok(Output {
        diagrams,
        threshold: thr as f64,
        n,
        sample: None,
        approx: None,
        memory_estimate: est,
        scale: 1.0,
        cycles,
        cost,
        estimate: None,
        fallback: None,
    })
}

/// The engine on a complex, with the entry width and field the options call for.
fn reduce<C: Complex>(cx: &C, thr: f32, dense: bool, opts: &Options, ctl: &Control<'_>) -> Result<Computed> {
    let n = cx.n();
    let b = Binomial::new(n, opts.maxdim + 2)?;
    let start = std::time::Instant::now();
    let dist = if dense { 4 * (n as u64) * (n as u64).saturating_sub(1) / 2 } else { 0 };
    let (pairs, cycles, mut cost) = if opts.coeff == 2 && narrow_fits(n, opts.maxdim) {
        run_engine::<C, Z2, u64>(cx, Z2, &b, thr, opts, dist, ctl)?
    } else if opts.coeff == 2 {
        run_engine::<C, Z2, u128>(cx, Z2, &b, thr, opts, dist, ctl)?
    } else {
        run_engine::<C, Zp, u128>(cx, Zp::new(opts.coeff), &b, thr, opts, dist, ctl)?
    };
    cost.seconds = start.elapsed().as_secs_f64();
    cost.bytes += dist;
    Ok((pairs, cycles, cost))
}

/// The diagrams, the representative cycles of the `cycles` most persistent H1 bars, and what it cost.
type Computed = (Vec<Vec<[f64; 2]>>, Vec<Cycle>, Cost);

/// Whether the index of every simplex the reduction up to `maxdim` meets (up to dimension maxdim + 1) fits in
/// 32 bits, so Z/2 runs can use the narrow entries (entry.rs): C(n, maxdim + 2) ≤ 2^32, e.g. n ≤ 2,954 for
/// H1 and n ≤ 581 for H2.
fn narrow_fits(n: usize, maxdim: usize) -> bool {
    // exactly, in integers: each partial product of the fold is itself a binomial coefficient
    let mut c: u128 = 1;
    for i in 0..maxdim as u128 + 2 {
        let Some(m) = c.checked_mul((n as u128).saturating_sub(i)) else { return false };
        c = m / (i + 1);
    }
    c <= 1u128 << 32
}

fn run_engine<C: Complex, F: Field, E: entry::Entry + entry::EdgeKey>(
    cx: &C,
    f: F,
    b: &Binomial,
    thr: f32,
    opts: &Options,
    dist: u64,
    ctl: &Control<'_>,
) -> Result<Computed> {
    let n = cx.n() as u64;
    if n * n.saturating_sub(1) / 2 <= u32::MAX as u64 {
        run_keyed::<C, F, u64, E>(cx, f, b, thr, opts, dist, ctl)
    } else {
        run_keyed::<C, F, u128, E>(cx, f, b, thr, opts, dist, ctl)
    }
}

fn run_keyed<C: Complex, F: Field, K: entry::EdgeKey, E: entry::Entry + entry::EdgeKey>(
    cx: &C,
    f: F,
    b: &Binomial,
    thr: f32,
    opts: &Options,
    dist: u64,
    ctl: &Control<'_>,
) -> Result<Computed> {
    use rayon::prelude::*;
    let (maxdim, n_cycles) = (opts.maxdim, opts.cycles);
    let meter = engine::Meter::with_limit(opts.max_memory);
    let eng = Engine { cx, f, b, thr, maxdim, ctl, meter };
    let mut edges: Vec<K> = Vec::with_capacity(cx.edges_within(thr) as usize);
    cx.for_each_edge(thr, |k, d| edges.push(K::make(d, k)));
    ctl.check()?;
    edges.par_sort_unstable();
    let (p0, mut cols) = eng.dim0::<K, E>(&edges)?;
    // the edges and the columns are held together until the reduction of H1 starts
    let mut start_bytes = (edges.capacity() * std::mem::size_of::<K>() + cols.capacity() * std::mem::size_of::<E>()) as u64;
    if maxdim < 2 {
        edges = Vec::new();
    }
    let mut out = vec![p0];
    let mut simplices: Vec<E> = Vec::new();
    let mut reps = Vec::new();
    for dim in 1..=maxdim {
        let held = cols.capacity() * std::mem::size_of::<E>()
            + simplices.capacity() * std::mem::size_of::<E>()
            + edges.capacity() * std::mem::size_of::<K>();
        eng.meter.fixed.store(dist + held as u64, std::sync::atomic::Ordering::Relaxed);
        let (pairs, pivots, recs) = eng.reduce(&cols, dim)?;
        out.push(pairs);
        if dim == 1 && n_cycles > 0 {
            reps = cycles::representatives(&eng, &pivots, &recs, n_cycles, cycles::BUDGET)?;
        }
        drop(recs);
        if dim < maxdim {
            let (c, s) = if dim == 1 {
                let r = eng.assemble(&edges, dim, &pivots, dim + 1 < maxdim)?;
                edges = Vec::new();
                r
            } else {
                eng.assemble(&simplices, dim, &pivots, dim + 1 < maxdim)?
            };
            cols = c;
            simplices = s;
            let held = cols.capacity() * std::mem::size_of::<E>() + simplices.capacity() * std::mem::size_of::<E>();
            start_bytes = start_bytes.max(held as u64);
        }
    }
    let cost = Cost { seconds: 0.0, work: eng.meter.work(), bytes: start_bytes + eng.meter.bytes(std::mem::size_of::<E>()) };
    Ok((out, reps, cost))
}
