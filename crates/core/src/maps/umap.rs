//! UMAP (McInnes, Healy & Melville 2018) with umap-learn's documented defaults: fuzzy simplicial
//! set from the exact k-NN graph (local connectivity 1, smooth-kNN σ and ρ), fuzzy union, spectral
//! initialisation, curve parameters a, b fitted from `min_dist` and `spread`, and SGD with
//! negative sampling (rate 5, clip 4, learning rate decaying linearly to 0).
//!
//! Deterministic parallel SGD: vertices are owned in fixed chunks of `SGD_CHUNK`; within an epoch
//! a chunk updates its own vertices in place, in edge order, reads every other vertex from a
//! snapshot taken at the start of the epoch, and queues its moves of foreign edge tails, which are
//! applied after the epoch in chunk order. Each (epoch, chunk) draws negative samples from its own
//! random stream. Chunks never depend on the thread count, so maps are bit-identical for any
//! number of threads; for N ≤ `SGD_CHUNK` this is the sequential algorithm, except that the
//! negative samples of one edge are evaluated together at the head's position before them.

use rayon::prelude::*;

use super::knn::exact_knn;
use super::spectral::{components, spectral_layout};
use super::tsne::{csr_from_triplets, Sparse};
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

/// Fits 1 / (1 + a x^(2b)) to the target curve (1 below min_dist, exp(−(x − min_dist)/spread)
/// above) on 300 points of [0, 3·spread] by Levenberg–Marquardt least squares from (1, 1).
pub fn fit_ab(min_dist: f64, spread: f64) -> (f64, f64) {
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

/// Smooth-kNN: ρ_i = distance to the nearest non-identical neighbour, σ_i by bisection so that
/// Σ_j exp(−max(0, d_ij − ρ_i)/σ_i) = log2(n_neighbors), floored at 1e-3 × the mean distance.
fn smooth_knn(dists: &[f64], k: usize, n_neighbors: usize) -> (Vec<f64>, Vec<f64>) {
    let target = (n_neighbors as f64).log2();
    let global_mean = dists.iter().sum::<f64>() / dists.len() as f64;
    let res: Vec<(f64, f64)> = dists
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

fn fuzzy_graph(x: &[f32], n: usize, d: usize, n_neighbors: usize, ctl: &Control) -> Result<Sparse> {
    let k = n_neighbors - 1;
    let knn = exact_knn(x, n, d, k, ctl)?;
    let (sigma, rho) = smooth_knn(&knn.distances, k, n_neighbors);
    let mut t = Vec::with_capacity(2 * n * k);
    for i in 0..n {
        let (idx, dist) = knn.row(i);
        for (&j, &dij) in idx.iter().zip(dist) {
            let w = if dij - rho[i] <= 0.0 || sigma[i] == 0.0 { 1.0 } else { (-(dij - rho[i]) / sigma[i]).exp() };
            t.push((i as u32, j, w));
        }
    }
    // Fuzzy union W + Wᵀ − W∘Wᵀ: a directed edge appears once per direction, so combining the two
    // copies of (i, j) by a + b − ab gives exactly the union; a lone copy keeps its weight.
    let mut both = Vec::with_capacity(2 * t.len());
    for &(i, j, w) in &t {
        both.push((i, j, w));
        both.push((j, i, w));
    }
    Ok(csr_from_triplets(n, both, |a, b| a + b - a * b))
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

/// Spectral initialisation; for a disconnected graph each component gets its own spectral layout,
/// placed by a PCA of the component centroids in data space.
fn initialise(x: &[f32], n: usize, d: usize, g: &Sparse, seed: u64, ctl: &Control) -> Result<(Vec<f64>, &'static str)> {
    let mut rng = SplitMix64::new(seed);
    let (count, label) = components(g, n);
    let mut y = vec![0.0; 2 * n];
    let kind;
    if count == 1 && n > 3 {
        y = spectral_layout(g, n, 2, seed, ctl)?;
        kind = "spectral";
    } else if count > 1 && count <= n / 4 {
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
                    for e in g.indptr[i]..g.indptr[i + 1] {
                        trip.push((t as u32, pos[g.indices[e] as usize], g.values[e]));
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
        kind = "spectral per component";
    } else {
        for v in y.iter_mut() {
            *v = rng.uniform() * 20.0 - 10.0;
        }
        normalise_to_box(&mut y, n);
        return Ok((y, "random"));
    }
    // umap-learn: scale to max |coordinate| 10, add tiny noise, then map each axis to [0, 10].
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

/// Runs UMAP on the row-major `n × d` matrix `x`, returning a 2-D map.
pub fn umap(x: &[f32], n: usize, d: usize, opts: &UmapOptions, ctl: &Control) -> Result<UmapResult> {
    super::check_matrix(x, n, d, "UMAP input")?;
    if n < 3 {
        return Err(Error::invalid(format!("UMAP needs at least 3 points, got {n}")));
    }
    if opts.n_neighbors < 2 {
        return Err(Error::invalid(format!("UMAP: n_neighbors must be at least 2, got {}", opts.n_neighbors)));
    }
    if !(opts.spread > 0.0 && opts.min_dist >= 0.0 && opts.min_dist <= opts.spread) {
        return Err(Error::invalid(format!(
            "UMAP: need 0 ≤ min_dist ≤ spread and spread > 0, got min_dist {} and spread {}",
            opts.min_dist, opts.spread
        )));
    }
    if !(opts.learning_rate > 0.0 && opts.learning_rate.is_finite()) {
        return Err(Error::invalid("UMAP: learning rate must be positive"));
    }
    let mut warnings = Vec::new();
    let mut n_neighbors = opts.n_neighbors;
    if n_neighbors > n {
        n_neighbors = n;
        warnings.push(format!("n_neighbors {} exceeds the {n} points; using {n}", opts.n_neighbors));
    }
    let n_epochs = opts.epochs.unwrap_or(if n < 10_000 { 500 } else { 200 });
    if n_epochs == 0 {
        return Err(Error::invalid("UMAP: epochs must be at least 1"));
    }
    let (a, b) = fit_ab(opts.min_dist, opts.spread);
    let (a32, b32) = (a as f32, b as f32);
    {
        let mut g = fuzzy_graph(x, n, d, n_neighbors, ctl)?;
        // Edges too weak to be sampled even once are dropped, as umap-learn does.
        let wmax = g.values.iter().copied().fold(0.0, f64::max);
        let floor = wmax / n_epochs as f64;
        let mut trip = Vec::with_capacity(g.values.len());
        for i in 0..n {
            for e in g.indptr[i]..g.indptr[i + 1] {
                if g.values[e] >= floor {
                    trip.push((i as u32, g.indices[e], g.values[e]));
                }
            }
        }
        g = csr_from_triplets(n, trip, |p, _| p);
        let (y0, init) = initialise(x, n, d, &g, opts.seed, ctl)?;
        let mut pos: Vec<f32> = y0.iter().map(|&v| v as f32).collect();

        let eps: Vec<f64> = g.values.iter().map(|&w| wmax / w).collect();
        let eps_neg: Vec<f64> = eps.iter().map(|&e| e / NEGATIVE_SAMPLE_RATE).collect();
        let mut next = eps.clone();
        let mut next_neg = eps_neg.clone();
        let chunks = n.div_ceil(SGD_CHUNK);
        let vlen = |c: usize| ((c + 1) * SGD_CHUNK).min(n) - c * SGD_CHUNK;
        let elen = |c: usize| g.indptr[((c + 1) * SGD_CHUNK).min(n)] - g.indptr[c * SGD_CHUNK];
        for epoch in 0..n_epochs {
            ctl.check()?;
            let alpha = (opts.learning_rate * (1.0 - epoch as f64 / n_epochs as f64)) as f32;
            let ep = epoch as f64;
            let snap = pos.clone();
            let pos_parts = split_by(&mut pos, (0..chunks).map(|c| 2 * vlen(c)));
            let next_parts = split_by(&mut next, (0..chunks).map(elen));
            let neg_parts = split_by(&mut next_neg, (0..chunks).map(elen));
            let deferred: Vec<Vec<(u32, f32, f32)>> = pos_parts
                .into_par_iter()
                .zip(next_parts)
                .zip(neg_parts)
                .enumerate()
                .map(|(c, ((own, nxt), nneg))| {
                    let v0 = c * SGD_CHUNK;
                    let v1 = v0 + own.len() / 2;
                    let e0 = g.indptr[v0];
                    let mut rng = SplitMix64::stream(opts.seed, epoch as u64, c as u64);
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
                            if nxt[le] > ep {
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
                            nxt[le] += eps[e];
                            let n_neg = ((ep - nneg[le]) / eps_neg[e]).max(0.0) as usize;
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
                            nneg[le] += n_neg as f64 * eps_neg[e];
                        }
                    }
                    queued
                })
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
        Ok(UmapResult { embedding: pos, a, b, init, warnings })
    }
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
        let (a, b) = fit_ab(0.1, 1.0);
        assert!((a - 1.5769).abs() < 2e-3, "a = {a}");
        assert!((b - 0.8951).abs() < 1e-3, "b = {b}");
    }
}
