//! UMAP (McInnes, Healy & Melville 2018) with umap-learn's documented defaults: fuzzy simplicial
//! set from the exact k-NN graph (local connectivity 1, smooth-kNN σ and ρ), fuzzy union, spectral
//! initialisation, curve parameters a, b fitted from `min_dist` and `spread`, and SGD with
//! negative sampling (rate 5, clip 4, learning rate decaying linearly to 0).
//!
//! The phases carry umap-learn's names: [`umap`] is `nearest_neighbors` → `smooth_knn_dist` →
//! `compute_membership_strengths` (together `fuzzy_simplicial_set`), `find_ab_params`, the pruning and
//! initialisation of `simplicial_set_embedding` (`spectral_layout`, `multi_component_layout`), then
//! `make_epochs_per_sample` and `optimize_layout_euclidean`.
//!
//! Deterministic parallel SGD: vertices are owned in fixed chunks of `SGD_CHUNK`; within an epoch
//! a chunk updates its own vertices in place, in edge order, reads every other vertex from a
//! snapshot taken at the start of the epoch, and queues its moves of foreign edge tails, which are
//! applied after the epoch in chunk order. Each (epoch, chunk) draws negative samples from its own
//! random stream. Chunks never depend on the thread count, so maps are bit-identical for any
//! number of threads; for N ≤ `SGD_CHUNK` this is the sequential algorithm, except that the
//! negative samples of one edge are evaluated together at the head's position before them.

use rayon::prelude::*;

use super::knn::{exact_knn, Knn};
use super::sparse::{csr_from_triplets, Sparse};
use super::spectral::{components, spectral_layout};
use crate::control::Control;
use crate::error::{Error, Result};
use crate::rng::SplitMix64;

const SGD_CHUNK: usize = 256;
const NEGATIVE_SAMPLE_RATE: f64 = 5.0;

#[derive(Debug, Clone)]
pub struct UmapOptions {
    pub n_neighbors: usize,
    pub min_dist: f64,
    pub spread: f64,
    /// None = 500 for N < 10,000, else 200.
    pub epochs: Option<usize>,
    pub learning_rate: f64,
    pub seed: u64,
}

impl Default for UmapOptions {
    fn default() -> Self {
        UmapOptions { n_neighbors: 15, min_dist: 0.1, spread: 1.0, epochs: None, learning_rate: 1.0, seed: 0 }
    }
}

impl UmapOptions {
    /// Checks every option's range (the kernel does too; a binding calls this before it schedules work).
    pub fn validate(&self) -> Result<()> {
        if self.n_neighbors < 2 {
            return Err(Error::invalid(format!("UMAP: n_neighbors must be at least 2, got {}", self.n_neighbors)));
        }
        if !(self.spread > 0.0 && self.min_dist >= 0.0 && self.min_dist <= self.spread) {
            return Err(Error::invalid(format!(
                "UMAP: need 0 ≤ min_dist ≤ spread and spread > 0, got min_dist {} and spread {}",
                self.min_dist, self.spread
            )));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(Error::invalid("UMAP: learning rate must be positive"));
        }
        if self.epochs == Some(0) {
            return Err(Error::invalid("UMAP: epochs must be at least 1"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct UmapResult {
    /// `n × 2` row-major, f32 like umap-learn.
    pub embedding: Vec<f32>,
    pub a: f64,
    pub b: f64,
    /// "spectral", "spectral per component" or "random".
    pub init: &'static str,
    pub warnings: Vec<String>,
}

/// umap-learn's `find_ab_params(spread, min_dist)`: fits 1 / (1 + a x^(2b)) to the target curve (1 below
/// min_dist, exp(−(x − min_dist)/spread) above) on 300 points of [0, 3·spread] by Levenberg–Marquardt
/// least squares from (1, 1).
pub fn find_ab_params(spread: f64, min_dist: f64) -> (f64, f64) {
    let xs: Vec<f64> = (0..300).map(|i| 3.0 * spread * i as f64 / 299.0).collect();
    let ys: Vec<f64> = xs.iter().map(|&x| if x < min_dist { 1.0 } else { (-(x - min_dist) / spread).exp() }).collect();
    let cost = |a: f64, b: f64| -> f64 { xs.iter().zip(&ys).map(|(&x, &y)| (1.0 / (1.0 + a * x.powf(2.0 * b)) - y).powi(2)).sum() };
    let (mut a, mut b, mut lambda) = (1.0f64, 1.0f64, 1e-3f64);
    let mut c = cost(a, b);
    for _ in 0..500 {
        let (mut jtj, mut jtr) = ([[0.0f64; 2]; 2], [0.0f64; 2]);
        for (&x, &y) in xs.iter().zip(&ys) {
            if x <= 0.0 {
                continue; // f = 1 and both derivatives vanish at x = 0
            }
            let p = x.powf(2.0 * b);
            let den = 1.0 + a * p;
            let r = 1.0 / den - y;
            let ja = -p / (den * den);
            let jb = -a * p * 2.0 * x.ln() / (den * den);
            jtj[0][0] += ja * ja;
            jtj[0][1] += ja * jb;
            jtj[1][1] += jb * jb;
            jtr[0] += ja * r;
            jtr[1] += jb * r;
        }
        let (m00, m11, m01) = (jtj[0][0] * (1.0 + lambda), jtj[1][1] * (1.0 + lambda), jtj[0][1]);
        let det = m00 * m11 - m01 * m01;
        if det.abs() < 1e-300 {
            break;
        }
        let da = -(m11 * jtr[0] - m01 * jtr[1]) / det;
        let db = -(m00 * jtr[1] - m01 * jtr[0]) / det;
        let (na, nb) = (a + da, b + db);
        let nc = if na > 0.0 && nb > 0.0 { cost(na, nb) } else { f64::INFINITY };
        if nc < c {
            let done = (c - nc) < 1e-15 * c.max(1e-300);
            a = na;
            b = nb;
            c = nc;
            lambda = (lambda * 0.3).max(1e-12);
            if done {
                break;
            }
        } else {
            lambda *= 10.0;
            if lambda > 1e12 {
                break;
            }
        }
    }
    (a, b)
}

/// The k = n_neighbors − 1 exact nearest neighbours of every point (umap-learn counts the point
/// itself among its n_neighbors; the search leaves it out).
fn nearest_neighbors(x: &[f32], n: usize, d: usize, n_neighbors: usize, ctl: &Control) -> Result<Knn> {
    exact_knn(x, n, d, n_neighbors - 1, ctl)
}

/// umap-learn's `smooth_knn_dist`: ρ_i = distance to the nearest non-identical neighbour, σ_i by
/// bisection so that Σ_j exp(−max(0, d_ij − ρ_i)/σ_i) = log2(n_neighbors), floored at 1e-3 × the
/// mean distance. `distances` holds rows of `k` neighbour distances. Returns (σ, ρ).
fn smooth_knn_dist(distances: &[f64], k: usize, n_neighbors: usize) -> (Vec<f64>, Vec<f64>) {
    let target = (n_neighbors as f64).log2();
    let global_mean = distances.iter().sum::<f64>() / distances.len() as f64;
    let res: Vec<(f64, f64)> = distances
        .par_chunks(k)
        .map(|row| {
            let rho = row.iter().copied().find(|&v| v > 0.0).unwrap_or(0.0);
            let (mut lo, mut hi, mut mid) = (0.0f64, f64::INFINITY, 1.0f64);
            for _ in 0..64 {
                let psum: f64 = row
                    .iter()
                    .map(|&v| {
                        let dd = v - rho;
                        if dd > 0.0 {
                            (-dd / mid).exp()
                        } else {
                            1.0
                        }
                    })
                    .sum();
                if (psum - target).abs() < 1e-5 {
                    break;
                }
                if psum > target {
                    hi = mid;
                    mid = (lo + hi) / 2.0;
                } else {
                    lo = mid;
                    mid = if hi.is_infinite() { mid * 2.0 } else { (lo + hi) / 2.0 };
                }
            }
            // mean over the neighbourhood including the point itself (distance 0), as umap-learn
            let mean = row.iter().sum::<f64>() / (k + 1) as f64;
            let sigma = if rho > 0.0 { mid.max(1e-3 * mean) } else { mid.max(1e-3 * global_mean) };
            (sigma, rho)
        })
        .collect();
    res.into_iter().unzip()
}

/// umap-learn's `compute_membership_strengths`: the directed edge i → j of the k-NN graph weighs
/// exp(−(d_ij − ρ_i)/σ_i), 1 within ρ_i. Returns (i, j, weight) triplets in row order.
fn compute_membership_strengths(knn: &Knn, sigmas: &[f64], rhos: &[f64]) -> Vec<(u32, u32, f64)> {
    let mut t = Vec::with_capacity(knn.n * knn.k);
    for i in 0..knn.n {
        let (idx, dist) = knn.row(i);
        for (&j, &dij) in idx.iter().zip(dist) {
            let w = if dij - rhos[i] <= 0.0 || sigmas[i] == 0.0 { 1.0 } else { (-(dij - rhos[i]) / sigmas[i]).exp() };
            t.push((i as u32, j, w));
        }
    }
    t
}

/// umap-learn's `fuzzy_simplicial_set` (local connectivity 1, set-operation mix ratio 1): the
/// membership strengths of the k-NN graph combined by fuzzy union.
fn fuzzy_simplicial_set(x: &[f32], n: usize, d: usize, n_neighbors: usize, ctl: &Control) -> Result<Sparse> {
    let knn = nearest_neighbors(x, n, d, n_neighbors, ctl)?;
    let (sigmas, rhos) = smooth_knn_dist(&knn.distances, knn.k, n_neighbors);
    let t = compute_membership_strengths(&knn, &sigmas, &rhos);
    // Fuzzy union W + Wᵀ − W∘Wᵀ: a directed edge appears once per direction, so combining the two
    // copies of (i, j) by a + b − ab gives exactly the union; a lone copy keeps its weight.
    let mut both = Vec::with_capacity(2 * t.len());
    for &(i, j, w) in &t {
        both.push((i, j, w));
        both.push((j, i, w));
    }
    Ok(csr_from_triplets(n, both, |a, b| a + b - a * b))
}

/// Drops the edges too weak to be sampled even once in `n_epochs` (weight below max / n_epochs), as
/// umap-learn's `simplicial_set_embedding` does before the layout.
fn prune_weak_edges(graph: &Sparse, n: usize, n_epochs: usize) -> Sparse {
    let wmax = graph.values.iter().copied().fold(0.0, f64::max);
    let floor = wmax / n_epochs as f64;
    let mut trip = Vec::with_capacity(graph.values.len());
    for i in 0..n {
        for e in graph.indptr[i]..graph.indptr[i + 1] {
            if graph.values[e] >= floor {
                trip.push((i as u32, graph.indices[e], graph.values[e]));
            }
        }
    }
    csr_from_triplets(n, trip, |p, _| p)
}

fn normalise_to_box(y: &mut [f64], n: usize) {
    for a in 0..2 {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for i in 0..n {
            lo = lo.min(y[2 * i + a]);
            hi = hi.max(y[2 * i + a]);
        }
        let span = if hi > lo { hi - lo } else { 1.0 };
        for i in 0..n {
            y[2 * i + a] = 10.0 * (y[2 * i + a] - lo) / span;
        }
    }
}

/// umap-learn's `multi_component_layout` for a graph of `count` components (`label` per vertex):
/// each component gets its own spectral layout (a random one when it has 8 vertices or fewer), placed
/// around its centroid's position in a PCA of the component centroids in data space.
fn multi_component_layout(
    x: &[f32],
    d: usize,
    graph: &Sparse,
    (count, label): (usize, &[u32]),
    seed: u64,
    rng: &mut SplitMix64,
    ctl: &Control,
) -> Result<Vec<f64>> {
    let n = label.len();
    let mut y = vec![0.0; 2 * n];
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (i, &c) in label.iter().enumerate() {
        members[c as usize].push(i);
    }
    let mut centroids = vec![0f32; count * d];
    for (c, mem) in members.iter().enumerate() {
        for &i in mem {
            for t in 0..d {
                centroids[c * d + t] += x[i * d + t] / mem.len() as f32;
            }
        }
    }
    let mut meta = vec![0.0; 2 * count];
    if count == 2 {
        meta = vec![-1.0, 0.0, 1.0, 0.0];
    } else if d >= 2 {
        meta = super::pca::pca(&centroids, count, d, 2, ctl)?;
    } else {
        for c in 0..count {
            meta[2 * c] = centroids[c] as f64;
        }
    }
    let scale = meta.iter().fold(0f64, |m, v| m.max(v.abs())).max(1e-12);
    meta.iter_mut().for_each(|v| *v *= 10.0 / scale);
    for (c, mem) in members.iter().enumerate() {
        // radius: a third of the distance to the nearest other component centre
        let mut near = f64::INFINITY;
        for o in 0..count {
            if o != c {
                let (dx, dy) = (meta[2 * c] - meta[2 * o], meta[2 * c + 1] - meta[2 * o + 1]);
                near = near.min((dx * dx + dy * dy).sqrt());
            }
        }
        let radius = (near / 3.0).clamp(1e-3, 10.0);
        let local = if mem.len() > 8 {
            let mut pos = vec![u32::MAX; n];
            for (t, &i) in mem.iter().enumerate() {
                pos[i] = t as u32;
            }
            let mut trip = Vec::new();
            for (t, &i) in mem.iter().enumerate() {
                for e in graph.indptr[i]..graph.indptr[i + 1] {
                    trip.push((t as u32, pos[graph.indices[e] as usize], graph.values[e]));
                }
            }
            let sub = csr_from_triplets(mem.len(), trip, |a, _| a);
            spectral_layout(&sub, mem.len(), 2, seed.wrapping_add(c as u64), ctl)?
        } else {
            (0..2 * mem.len()).map(|_| rng.uniform() * 2.0 - 1.0).collect()
        };
        let lscale = local.iter().fold(0f64, |m, v| m.max(v.abs())).max(1e-12);
        for (t, &i) in mem.iter().enumerate() {
            y[2 * i] = meta[2 * c] + local[2 * t] / lscale * radius;
            y[2 * i + 1] = meta[2 * c + 1] + local[2 * t + 1] / lscale * radius;
        }
    }
    Ok(y)
}

/// The initial layout, as umap-learn's `simplicial_set_embedding` makes it with init="spectral":
/// `spectral_layout` of a connected graph, `multi_component_layout` of one with at most n/4
/// components, uniform in [−10, 10)² otherwise. The spectral layouts are scaled to max |coordinate| 10
/// with N(0, 1e-4²) noise added; every layout then has each axis mapped to [0, 10].
fn initialize_layout(x: &[f32], n: usize, d: usize, graph: &Sparse, seed: u64, ctl: &Control) -> Result<(Vec<f64>, &'static str)> {
    let mut rng = SplitMix64::new(seed);
    let (count, label) = components(graph, n);
    let (mut y, kind) = if count == 1 && n > 3 {
        (spectral_layout(graph, n, 2, seed, ctl)?, "spectral")
    } else if count > 1 && count <= n / 4 {
        (multi_component_layout(x, d, graph, (count, &label), seed, &mut rng, ctl)?, "spectral per component")
    } else {
        let mut y: Vec<f64> = (0..2 * n).map(|_| rng.uniform() * 20.0 - 10.0).collect();
        normalise_to_box(&mut y, n);
        return Ok((y, "random"));
    };
    let scale = y.iter().fold(0f64, |m, v| m.max(v.abs())).max(1e-12);
    for v in y.iter_mut() {
        *v = *v * 10.0 / scale + 1e-4 * rng.normal();
    }
    normalise_to_box(&mut y, n);
    Ok((y, kind))
}

/// x^b for x > 0 as 2^(b·log2 x) with polynomial log2 and exp2 (relative error below 1e-5):
/// the SGD evaluates it hundreds of millions of times and needs no more accuracy than its own
/// sampling noise; being plain arithmetic it is also identical on every platform.
#[inline]
fn fast_pow(x: f32, b: f32) -> f32 {
    // log2 x = exponent + log2(mantissa), mantissa m in [1, 2), via t = (m − 1)/(m + 1)
    let bits = x.to_bits();
    let e = ((bits >> 23) & 0xff) as i32 - 127;
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    // 2/ln 2 · atanh(t) series to t^9
    let l = t * (2.885_39 + t2 * (0.961_797_7 + t2 * (0.577_078 + t2 * (0.412_198_6 + t2 * 0.320_598_9))));
    let y = b * (e as f32 + l);
    // 2^y = 2^floor(y) · 2^f, f in [0, 1)
    let y = y.clamp(-126.0, 126.0);
    // floor without a libm call (the baseline x86-64 target has no rounding instruction)
    let mut fl = y as i32;
    if (fl as f32) > y {
        fl -= 1;
    }
    let f = y - fl as f32;
    let p = 1.0
        + f * (std::f32::consts::LN_2 + f * (0.240_226_5 + f * (0.055_504_1 + f * (0.009_618_1 + f * (0.001_333_6 + f * 0.000_154_0)))));
    p * f32::from_bits(((fl + 127) as u32) << 23)
}

#[inline]
fn clip(v: f32) -> f32 {
    v.clamp(-4.0, 4.0)
}

/// Splits `s` into consecutive pieces of the given lengths.
fn split_by<T>(mut s: &mut [T], lens: impl Iterator<Item = usize>) -> Vec<&mut [T]> {
    let mut out = Vec::new();
    for l in lens {
        let (a, b) = s.split_at_mut(l);
        out.push(a);
        s = b;
    }
    out
}

/// umap-learn's `make_epochs_per_sample`: an edge of weight w is sampled every max_w / w epochs.
fn make_epochs_per_sample(weights: &[f64]) -> Vec<f64> {
    let wmax = weights.iter().copied().fold(0.0, f64::max);
    weights.iter().map(|&w| wmax / w).collect()
}

/// What every chunk of one epoch reads: the graph, its sampling schedule, the curve, the step size
/// and the positions at the start of the epoch.
struct Epoch<'a> {
    graph: &'a Sparse,
    epochs_per_sample: &'a [f64],
    epochs_per_negative_sample: &'a [f64],
    snapshot: &'a [f32],
    a: f32,
    b: f32,
    alpha: f32,
    epoch: usize,
    seed: u64,
}

impl Epoch<'_> {
    /// umap-learn's `_optimize_layout_euclidean_single_epoch` for the vertices of chunk `c` (`own`, their
    /// positions, updated in place; `next`/`next_negative`, their edges' schedules). Returns the moves
    /// of edge tails outside the chunk, applied by the caller after the epoch.
    fn optimize_chunk(&self, c: usize, own: &mut [f32], next: &mut [f64], next_negative: &mut [f64]) -> Vec<(u32, f32, f32)> {
        let Epoch { graph: g, epochs_per_sample: eps, epochs_per_negative_sample: eps_neg, snapshot: snap, a: a32, b: b32, alpha, .. } =
            *self;
        let n = g.indptr.len() - 1;
        let ep = self.epoch as f64;
        let v0 = c * SGD_CHUNK;
        let v1 = v0 + own.len() / 2;
        let e0 = g.indptr[v0];
        let mut rng = SplitMix64::stream(self.seed, self.epoch as u64, c as u64);
        let mut queued = Vec::new();
        let get = |own: &[f32], j: usize| -> (f32, f32) {
            if j >= v0 && j < v1 {
                (own[2 * (j - v0)], own[2 * (j - v0) + 1])
            } else {
                (snap[2 * j], snap[2 * j + 1])
            }
        };
        for i in v0..v1 {
            let li = 2 * (i - v0);
            for e in g.indptr[i]..g.indptr[i + 1] {
                let le = e - e0;
                if next[le] > ep {
                    continue;
                }
                let j = g.indices[e] as usize;
                let (xi, yi) = (own[li], own[li + 1]);
                let (xj, yj) = get(own, j);
                let (dx, dy) = (xi - xj, yi - yj);
                let d2 = dx * dx + dy * dy;
                if d2 > 0.0 {
                    let pb = fast_pow(d2, b32);
                    let coef = -2.0 * a32 * b32 * (pb / d2) / (a32 * pb + 1.0);
                    let (gx, gy) = (clip(coef * dx) * alpha, clip(coef * dy) * alpha);
                    own[li] += gx;
                    own[li + 1] += gy;
                    if j >= v0 && j < v1 {
                        own[2 * (j - v0)] -= gx;
                        own[2 * (j - v0) + 1] -= gy;
                    } else {
                        queued.push((j as u32, -gx, -gy));
                    }
                }
                next[le] += eps[e];
                let n_neg = ((ep - next_negative[le]) / eps_neg[e]).max(0.0) as usize;
                // The negative samples of one edge are evaluated at the head's position
                // before them and their clipped moves summed: independent samples instead
                // of a chain of dependent ones lets the CPU overlap them (several times
                // faster; the staleness is smaller than Hogwild's in umap-learn).
                let (xi, yi) = (own[li], own[li + 1]);
                let (mut sx, mut sy) = (0f32, 0f32);
                for _ in 0..n_neg {
                    let k = rng.below(n);
                    let (xk, yk) = get(own, k);
                    let (dx, dy) = (xi - xk, yi - yk);
                    let d2 = dx * dx + dy * dy;
                    if d2 > 0.0 {
                        let coef = 2.0 * b32 / ((0.001 + d2) * (a32 * fast_pow(d2, b32) + 1.0));
                        sx += clip(coef * dx);
                        sy += clip(coef * dy);
                    }
                }
                own[li] += sx * alpha;
                own[li + 1] += sy * alpha;
                next_negative[le] += n_neg as f64 * eps_neg[e];
            }
        }
        queued
    }
}

/// umap-learn's `optimize_layout_euclidean`: `n_epochs` of SGD on the cross entropy between the graph
/// and the layout's curve 1 / (1 + a d^(2b)), edges sampled as `make_epochs_per_sample` says, with
/// `NEGATIVE_SAMPLE_RATE` negative samples per positive one and the learning rate decaying linearly
/// from `learning_rate` to 0. Deterministic in parallel (see the module's comment).
fn optimize_layout_euclidean(
    head_embedding: &mut [f32],
    graph: &Sparse,
    (a, b): (f32, f32),
    n_epochs: usize,
    learning_rate: f64,
    seed: u64,
    ctl: &Control,
) -> Result<()> {
    let n = graph.indptr.len() - 1;
    let pos = head_embedding;
    let epochs_per_sample = &make_epochs_per_sample(&graph.values)[..];
    let eps_neg: Vec<f64> = epochs_per_sample.iter().map(|&e| e / NEGATIVE_SAMPLE_RATE).collect();
    let mut next = epochs_per_sample.to_vec();
    let mut next_neg = eps_neg.clone();
    let chunks = n.div_ceil(SGD_CHUNK);
    let vlen = |c: usize| ((c + 1) * SGD_CHUNK).min(n) - c * SGD_CHUNK;
    let elen = |c: usize| graph.indptr[((c + 1) * SGD_CHUNK).min(n)] - graph.indptr[c * SGD_CHUNK];
    for epoch in 0..n_epochs {
        ctl.check()?;
        let alpha = (learning_rate * (1.0 - epoch as f64 / n_epochs as f64)) as f32;
        let snap = pos.to_vec();
        let this = Epoch { graph, epochs_per_sample, epochs_per_negative_sample: &eps_neg, snapshot: &snap, a, b, alpha, epoch, seed };
        let pos_parts = split_by(pos, (0..chunks).map(|c| 2 * vlen(c)));
        let next_parts = split_by(&mut next, (0..chunks).map(elen));
        let neg_parts = split_by(&mut next_neg, (0..chunks).map(elen));
        let deferred: Vec<Vec<(u32, f32, f32)>> = pos_parts
            .into_par_iter()
            .zip(next_parts)
            .zip(neg_parts)
            .enumerate()
            .map(|(c, ((own, nxt), nneg))| this.optimize_chunk(c, own, nxt, nneg))
            .collect();
        for q in deferred {
            for (j, gx, gy) in q {
                pos[2 * j as usize] += gx;
                pos[2 * j as usize + 1] += gy;
            }
        }
        if (epoch + 1) % 50 == 0 || epoch + 1 == n_epochs {
            ctl.report("umap", (epoch + 1) as u64, n_epochs as u64);
        }
    }
    Ok(())
}

/// Runs UMAP on the row-major `n × d` matrix `x`, returning a 2-D map.
pub fn umap(x: &[f32], n: usize, d: usize, opts: &UmapOptions, ctl: &Control) -> Result<UmapResult> {
    super::check_matrix(x, n, d, "UMAP input")?;
    if n < 3 {
        return Err(Error::invalid(format!("UMAP needs at least 3 points, got {n}")));
    }
    opts.validate()?;
    let mut warnings = Vec::new();
    let mut n_neighbors = opts.n_neighbors;
    if n_neighbors > n {
        n_neighbors = n;
        warnings.push(format!("n_neighbors {} exceeds the {n} points; using {n}", opts.n_neighbors));
    }
    let n_epochs = opts.epochs.unwrap_or(if n < 10_000 { 500 } else { 200 });
    let (a, b) = find_ab_params(opts.spread, opts.min_dist);
    let graph = fuzzy_simplicial_set(x, n, d, n_neighbors, ctl)?;
    let graph = prune_weak_edges(&graph, n, n_epochs);
    let (y0, init) = initialize_layout(x, n, d, &graph, opts.seed, ctl)?;
    let mut embedding: Vec<f32> = y0.iter().map(|&v| v as f32).collect();
    optimize_layout_euclidean(&mut embedding, &graph, (a as f32, b as f32), n_epochs, opts.learning_rate, opts.seed, ctl)?;
    Ok(UmapResult { embedding, a, b, init, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_pow_is_accurate() {
        for &b in &[0.5f32, 0.8951, 1.0, 1.9] {
            for i in 0..2000 {
                let x = 1e-4f32 * 1.01f32.powi(i);
                let want = (x as f64).powf(b as f64);
                let got = fast_pow(x, b) as f64;
                assert!((got - want).abs() / want < 2e-5, "{x}^{b}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn curve_fit_matches_umap_learn_defaults() {
        // umap-learn's find_ab_params(1.0, 0.1) gives a ≈ 1.5769, b ≈ 0.8951
        let (a, b) = find_ab_params(1.0, 0.1);
        assert!((a - 1.5769).abs() < 2e-3, "a = {a}");
        assert!((b - 0.8951).abs() < 1e-3, "b = {b}");
    }
}
