//! t-SNE (van der Maaten & Hinton 2008) with openTSNE-style defaults (Poličar et al.):
//! perplexity-calibrated Gaussian affinities on the 3·perplexity nearest neighbours, symmetrised
//! sparse P, PCA initialisation rescaled to standard deviation 1e-4, early exaggeration 12 for 250
//! iterations with momentum 0.5, then exaggeration 1 with momentum 0.8, delta-bar-delta gains and
//! learning rate max(N/12, 200) (Belkina et al. 2019; gradients carry no factor 4, as in FIt-SNE and
//! openTSNE). Repulsion is exact for small N and FFT-interpolated (Linderman et al. 2019) above.
//!
//! The phases carry openTSNE's names: [`tsne`] is the affinities (`PerplexityBasedNN`:
//! `compute_gaussian_perplexity` per point, then `joint_probabilities_nn`), the PCA initialization,
//! then `optimize` twice, the early exaggeration phase and the embedding phase, each iteration a
//! `gradient_descent` step on the KL gradient (`estimate_positive_gradient_nn` for the attraction,
//! the exact or FFT negative gradient for the repulsion).

use rayon::prelude::*;

use super::knn::{exact_knn, Knn};
use super::pca::pca;
use super::sparse::{csr_from_triplets, Sparse};
use super::tsne_fft::FftRepulsion;
use crate::control::Control;
use crate::error::{Error, Result};
use crate::rng::SplitMix64;

/// Up to this many points, repulsion is computed exactly (O(N²) per iteration).
pub const EXACT_MAX_N: usize = 500;
/// Rows per chunk in reductions (fixed, so sums do not depend on the thread count).
const CHUNK: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repulsion {
    /// Exact for N ≤ `EXACT_MAX_N`, FFT interpolation above.
    Auto,
    Exact,
    Fft,
}

#[derive(Debug, Clone)]
pub struct TsneOptions {
    pub perplexity: f64,
    /// Total iterations, early exaggeration included.
    pub iterations: usize,
    pub early_exaggeration_iterations: usize,
    pub early_exaggeration: f64,
    /// None = max(N / 12, 200).
    pub learning_rate: Option<f64>,
    /// Seeds the random initialisation used when PCA cannot give one (all points identical).
    pub seed: u64,
    pub repulsion: Repulsion,
}

impl Default for TsneOptions {
    fn default() -> Self {
        TsneOptions {
            perplexity: 30.0,
            iterations: 1000,
            early_exaggeration_iterations: 250,
            early_exaggeration: 12.0,
            learning_rate: None,
            seed: 0,
            repulsion: Repulsion::Auto,
        }
    }
}

impl TsneOptions {
    /// Checks every option's range (the kernel does too; a binding calls this before it schedules work).
    pub fn validate(&self) -> Result<()> {
        if !(self.perplexity > 0.0 && self.perplexity.is_finite()) {
            return Err(Error::invalid(format!("t-SNE: perplexity must be a positive number, got {}", self.perplexity)));
        }
        if self.iterations == 0 {
            return Err(Error::invalid("t-SNE: iterations must be at least 1"));
        }
        if let Some(lr) = self.learning_rate {
            if !(lr > 0.0 && lr.is_finite()) {
                return Err(Error::invalid(format!("t-SNE: learning rate must be positive, got {lr}")));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct TsneResult {
    /// `n × 2` row-major.
    pub embedding: Vec<f64>,
    /// KL(P ‖ Q) of the final embedding, Q computed exactly.
    pub kl: f64,
    /// The perplexity actually used (lowered for small N).
    pub perplexity: f64,
    pub warnings: Vec<String>,
}

/// openTSNE's `compute_gaussian_perplexity` for one point: its conditional probabilities p_{j|i} over
/// its neighbours (squared distances `d2`), bandwidth found by bisection so that the entropy (natural
/// log) equals ln(perplexity).
fn compute_gaussian_perplexity(d2: &[f64], perplexity: f64) -> Vec<f64> {
    let target = perplexity.ln();
    let dmin = d2.iter().copied().fold(f64::INFINITY, f64::min);
    let (mut lo, mut hi, mut beta) = (0.0f64, f64::INFINITY, 1.0f64);
    let mut w = vec![0.0; d2.len()];
    for _ in 0..200 {
        let mut s = 0.0;
        let mut sd = 0.0;
        for (wj, &dj) in w.iter_mut().zip(d2) {
            // shifting by the nearest distance leaves p_{j|i} unchanged and avoids underflow
            *wj = (-(dj - dmin) * beta).exp();
            s += *wj;
            sd += (dj - dmin) * *wj;
        }
        let h = s.ln() + beta * sd / s;
        if (h - target).abs() < 1e-10 {
            break;
        }
        if h > target {
            lo = beta;
            beta = if hi.is_infinite() { beta * 2.0 } else { (beta + hi) / 2.0 };
        } else {
            hi = beta;
            beta = (beta + lo) / 2.0;
        }
    }
    let s: f64 = w.iter().sum();
    w.iter_mut().for_each(|v| *v /= s);
    w
}

/// openTSNE's `joint_probabilities_nn` (symmetrised, pair-wise normalised): P = (P_cond + P_condᵀ) / 2n.
fn joint_probabilities_nn(knn: &Knn, perplexity: f64) -> Sparse {
    let n = knn.n;
    let rows: Vec<Vec<f64>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let d2: Vec<f64> = knn.row(i).1.iter().map(|v| v * v).collect();
            compute_gaussian_perplexity(&d2, perplexity)
        })
        .collect();
    let mut t = Vec::with_capacity(2 * n * knn.k);
    for (i, row) in rows.iter().enumerate() {
        for (&j, &p) in knn.row(i).0.iter().zip(row) {
            let p = p / (2.0 * n as f64);
            t.push((i as u32, j, p));
            t.push((j, i as u32, p));
        }
    }
    csr_from_triplets(n, t, |a, b| a + b)
}

/// openTSNE's `PerplexityBasedNN`: joint probabilities on the exact 3·perplexity nearest neighbours.
pub(crate) fn affinities(x: &[f32], n: usize, d: usize, perplexity: f64, ctl: &Control) -> Result<Sparse> {
    let k = ((3.0 * perplexity) as usize).clamp(1, n - 1);
    let knn = exact_knn(x, n, d, k, ctl)?;
    Ok(joint_probabilities_nn(&knn, perplexity))
}

/// openTSNE's `estimate_positive_gradient_nn` without P's factor: Σ_j p_ij w_ij (y_i − y_j), per point.
fn estimate_positive_gradient_nn(p: &Sparse, y: &[f64], out: &mut [f64]) {
    out.par_chunks_mut(2).enumerate().for_each(|(i, o)| {
        let (yx, yy) = (y[2 * i], y[2 * i + 1]);
        let (mut ax, mut ay) = (0.0, 0.0);
        for e in p.indptr[i]..p.indptr[i + 1] {
            let j = p.indices[e] as usize;
            let (dx, dy) = (yx - y[2 * j], yy - y[2 * j + 1]);
            let w = p.values[e] / (1.0 + dx * dx + dy * dy);
            ax += w * dx;
            ay += w * dy;
        }
        o[0] = ax;
        o[1] = ay;
    });
}

/// Exact unnormalised repulsion Σ_j w_ij² (y_i − y_j) and Z = Σ_{i≠j} w_ij.
fn estimate_negative_gradient_exact(y: &[f64], rep: &mut [f64]) -> f64 {
    let n = y.len() / 2;
    let parts: Vec<f64> = rep
        .par_chunks_mut(2 * CHUNK)
        .enumerate()
        .map(|(c, out)| {
            let mut z = 0.0;
            for (t, o) in out.chunks_exact_mut(2).enumerate() {
                let i = c * CHUNK + t;
                let (yx, yy) = (y[2 * i], y[2 * i + 1]);
                let (mut rx, mut ry) = (0.0, 0.0);
                for j in 0..n {
                    if j == i {
                        continue;
                    }
                    let (dx, dy) = (yx - y[2 * j], yy - y[2 * j + 1]);
                    let w = 1.0 / (1.0 + dx * dx + dy * dy);
                    z += w;
                    rx += w * w * dx;
                    ry += w * w * dy;
                }
                o[0] = rx;
                o[1] = ry;
            }
            z
        })
        .collect();
    super::ordered_sum(parts)
}

/// How the negative (repulsive) gradient is estimated: exactly, or by FFT interpolation
/// (openTSNE's `estimate_negative_gradient_fft_2d`), whose grid plans persist across iterations.
enum NegativeGradient {
    Exact,
    Fft(Box<FftRepulsion>),
}

impl NegativeGradient {
    fn new(repulsion: Repulsion, n: usize) -> Self {
        let exact = match repulsion {
            Repulsion::Auto => n <= EXACT_MAX_N,
            Repulsion::Exact => true,
            Repulsion::Fft => false,
        };
        if exact {
            NegativeGradient::Exact
        } else {
            NegativeGradient::Fft(Box::new(FftRepulsion::new()))
        }
    }

    /// Writes Σ_j w_ij² (y_i − y_j) into `rep` and returns Z = Σ_{i≠j} w_ij.
    fn estimate(&mut self, y: &[f64], rep: &mut [f64]) -> f64 {
        match self {
            NegativeGradient::Exact => estimate_negative_gradient_exact(y, rep),
            NegativeGradient::Fft(fft) => fft.repulsion(y, rep),
        }
    }
}

/// KL(P ‖ Q) with Q exact: Σ p log p − Σ p log w + log Z.
pub(crate) fn kl_divergence(p: &Sparse, y: &[f64], ctl: &Control) -> Result<f64> {
    let n = y.len() / 2;
    let parts: Vec<Result<(f64, f64)>> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            ctl.check()?;
            let (mut z, mut s) = (0.0, 0.0);
            for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
                let (yx, yy) = (y[2 * i], y[2 * i + 1]);
                for j in 0..n {
                    if j != i {
                        let (dx, dy) = (yx - y[2 * j], yy - y[2 * j + 1]);
                        z += 1.0 / (1.0 + dx * dx + dy * dy);
                    }
                }
                for e in p.indptr[i]..p.indptr[i + 1] {
                    let j = p.indices[e] as usize;
                    let pv = p.values[e];
                    if pv > 0.0 {
                        let (dx, dy) = (yx - y[2 * j], yy - y[2 * j + 1]);
                        s += pv * (pv.ln() + (1.0 + dx * dx + dy * dy).ln());
                    }
                }
            }
            Ok((z, s))
        })
        .collect();
    let (mut z, mut s) = (0.0, 0.0);
    for part in parts {
        let (a, b) = part?;
        z += a;
        s += b;
    }
    Ok(s + z.ln())
}

/// openTSNE's `initialization.pca`: the first two principal components, rescaled so the first has
/// standard deviation 1e-4 (the coordinate itself, with a zero second axis, when d = 1). Without
/// spread to rescale (all points identical) a seeded Gaussian start instead, rescaled the same way.
fn pca_initialization(x: &[f32], n: usize, d: usize, seed: u64, ctl: &Control) -> Result<Vec<f64>> {
    let y = if d >= 2 { pca(x, n, d, 2, ctl)? } else { x.iter().flat_map(|&v| [v as f64, 0.0]).collect() };
    let mean = y.iter().step_by(2).sum::<f64>() / n as f64;
    let sd = (y.iter().step_by(2).map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    if sd.is_nan() || sd <= 1e-12 {
        let mut r = SplitMix64::new(seed);
        let y: Vec<f64> = (0..2 * n).map(|_| r.normal()).collect();
        let sd = (y.iter().step_by(2).map(|v| v * v).sum::<f64>() / n as f64).sqrt();
        return Ok(y.into_iter().map(|v| v / sd * 1e-4).collect());
    }
    Ok(y.into_iter().map(|v| v / sd * 1e-4).collect())
}

/// One call of openTSNE's `optimize`: these iterations (numbered within the whole run, for progress)
/// at this exaggeration and momentum, with a fresh optimiser (zero update, unit gains).
struct Phase {
    iterations: std::ops::Range<usize>,
    exaggeration: f64,
    momentum: f64,
}

/// `phase.iterations` of openTSNE's `gradient_descent` on KL(P ‖ Q): delta-bar-delta gains (+0.2 on a
/// sign change, ×0.8 otherwise, floor 0.01), momentum, steps capped at norm 5 (openTSNE's
/// max_step_norm), and the map re-centred after each step. `total` iterations make up the run.
fn optimize(
    y: &mut [f64],
    p: &Sparse,
    phase: Phase,
    learning_rate: f64,
    negative: &mut NegativeGradient,
    total: usize,
    ctl: &Control,
) -> Result<()> {
    let n = y.len() / 2;
    let Phase { iterations, exaggeration, momentum } = phase;
    let mut attr = vec![0.0; 2 * n];
    let mut rep = vec![0.0; 2 * n];
    let mut update = vec![0.0; 2 * n];
    let mut gains = vec![1.0f64; 2 * n];
    for it in iterations {
        ctl.check()?;
        estimate_positive_gradient_nn(p, y, &mut attr);
        let z = negative.estimate(y, &mut rep);
        y.par_chunks_mut(2).zip(update.par_chunks_mut(2)).zip(gains.par_chunks_mut(2)).enumerate().for_each(|(i, ((yi, ui), gi))| {
            let mut step = [0.0; 2];
            for a in 0..2 {
                let g = exaggeration * attr[2 * i + a] - rep[2 * i + a] / z;
                gi[a] = if g * ui[a] < 0.0 { gi[a] + 0.2 } else { (gi[a] * 0.8).max(0.01) };
                ui[a] = momentum * ui[a] - learning_rate * gi[a] * g;
                step[a] = ui[a];
            }
            // openTSNE's max_step_norm = 5 guards against a point being flung away.
            let norm = (step[0] * step[0] + step[1] * step[1]).sqrt();
            let f = if norm > 5.0 { 5.0 / norm } else { 1.0 };
            yi[0] += step[0] * f;
            yi[1] += step[1] * f;
        });
        // Re-centre: keeps the interpolation grid tight; the objective is translation-invariant.
        let (mx, my) = y.chunks_exact(2).fold((0.0, 0.0), |(a, b), p| (a + p[0], b + p[1]));
        let (mx, my) = (mx / n as f64, my / n as f64);
        y.par_chunks_mut(2).for_each(|p| {
            p[0] -= mx;
            p[1] -= my;
        });
        if (it + 1) % 50 == 0 || it + 1 == total {
            ctl.report("tsne", (it + 1) as u64, total as u64);
        }
    }
    Ok(())
}

/// Runs t-SNE on the row-major `n × d` matrix `x`, returning a 2-D map.
pub fn tsne(x: &[f32], n: usize, d: usize, opts: &TsneOptions, ctl: &Control) -> Result<TsneResult> {
    super::check_matrix(x, n, d, "t-SNE input")?;
    if n < 3 {
        return Err(Error::invalid(format!("t-SNE needs at least 3 points, got {n}")));
    }
    opts.validate()?;
    let mut warnings = Vec::new();
    let mut perplexity = opts.perplexity;
    if 3.0 * perplexity > (n - 1) as f64 {
        perplexity = (n - 1) as f64 / 3.0;
        warnings.push(format!(
            "perplexity {} needs at least {} points; lowered to {perplexity:.3} for {n} points",
            opts.perplexity,
            (3.0 * opts.perplexity).ceil() as usize + 1
        ));
    }
    let p = affinities(x, n, d, perplexity, ctl)?;
    let mut y = pca_initialization(x, n, d, opts.seed, ctl)?;
    let lr = opts.learning_rate.unwrap_or((n as f64 / 12.0).max(200.0));
    let mut negative = NegativeGradient::new(opts.repulsion, n);
    let (early, total) = (opts.early_exaggeration_iterations.min(opts.iterations), opts.iterations);
    let early_exaggeration = Phase { iterations: 0..early, exaggeration: opts.early_exaggeration, momentum: 0.5 };
    optimize(&mut y, &p, early_exaggeration, lr, &mut negative, total, ctl)?;
    let embedding = Phase { iterations: early..total, exaggeration: 1.0, momentum: 0.8 };
    optimize(&mut y, &p, embedding, lr, &mut negative, total, ctl)?;
    let kl = kl_divergence(&p, &y, ctl)?;
    Ok(TsneResult { embedding: y, kl, perplexity, warnings })
}
