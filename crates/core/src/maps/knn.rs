//! Exact k-nearest neighbours (Euclidean) by blocked matrix products.
//!
//! For the sizes this project sees (thousands of CLIP vectors) an exact search is a few dense
//! products: rows are ranked by |x_j|² − 2⟨x_i, x_j⟩ in f32 (one GEMM per block of rows), a few
//! extra candidates are kept as a margin against f32 rounding, and their distances are recomputed
//! in f64 so reported distances (and exact duplicates at 0) are accurate.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use rayon::prelude::*;

use crate::control::Control;
use crate::error::{Error, Result};

/// Rows per GEMM block: big enough for efficient products, small enough to check cancellation often.
const BLOCK: usize = 128;

/// k nearest neighbours of every row, self excluded, nearest first, ties broken by index.
#[derive(Debug, Clone, PartialEq)]
pub struct Knn {
    pub n: usize,
    pub k: usize,
    /// `n × k` row-major neighbour indices.
    pub indices: Vec<u32>,
    /// `n × k` row-major Euclidean distances (f64).
    pub distances: Vec<f64>,
}

impl Knn {
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        (&self.indices[i * self.k..(i + 1) * self.k], &self.distances[i * self.k..(i + 1) * self.k])
    }
}

pub(crate) fn sq_norms(x: &[f32], n: usize, d: usize) -> Vec<f32> {
    (0..n).map(|i| x[i * d..(i + 1) * d].iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>() as f32).collect()
}

#[inline]
pub(crate) fn sq_dist_f64(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&p, &q)| {
            let t = p as f64 - q as f64;
            t * t
        })
        .sum()
}

/// Calls `f(i, scores)` for every row i, in parallel over row blocks, where
/// `scores[j] = |x_j|² − 2⟨x_i, x_j⟩` (the squared distance minus |x_i|², in f32).
/// Results come back in row order.
pub(crate) fn for_each_row_scores<R: Send>(
    x: &[f32],
    n: usize,
    d: usize,
    ctl: &Control,
    f: impl Fn(usize, &[f32]) -> R + Sync,
) -> Result<Vec<R>> {
    let norms = sq_norms(x, n, d);
    let all = MatRef::from_row_major_slice(x, n, d);
    let blocks: Vec<Result<Vec<R>>> = (0..n.div_ceil(BLOCK))
        .into_par_iter()
        .map(|b| {
            ctl.check()?;
            let lo = b * BLOCK;
            let hi = (lo + BLOCK).min(n);
            let rows = MatRef::from_row_major_slice(&x[lo * d..hi * d], hi - lo, d);
            // Sequential product inside each block: the work is already split across blocks, and
            // a per-block product keeps results independent of the thread count.
            let mut g = Mat::<f32>::zeros(hi - lo, n);
            matmul(g.as_mut(), Accum::Replace, rows, all.transpose(), -2.0f32, Par::Seq);
            let mut out = Vec::with_capacity(hi - lo);
            let mut scores = vec![0f32; n];
            for r in 0..hi - lo {
                for (j, s) in scores.iter_mut().enumerate() {
                    *s = g[(r, j)] + norms[j];
                }
                out.push(f(lo + r, &scores));
            }
            Ok(out)
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for b in blocks {
        out.extend(b?);
    }
    Ok(out)
}

/// Exact k nearest neighbours of each row of the row-major `n × d` matrix `x` (self excluded).
/// Needs `1 ≤ k < n`. Call inside a rayon pool to bound the threads.
pub fn exact_knn(x: &[f32], n: usize, d: usize, k: usize, ctl: &Control) -> Result<Knn> {
    super::check_matrix(x, n, d, "knn input")?;
    if k == 0 || k >= n {
        return Err(Error::invalid(format!("knn: k must be in 1..n-1 = 1..{}, got {k}", n.saturating_sub(1))));
    }
    // f32 rounding of |x|² − 2⟨x, y⟩ can swap near-ties; keep a margin of candidates and let the
    // f64 recomputation decide.
    let m = (k + 8 + k / 4).min(n - 1);
    let rows = for_each_row_scores(x, n, d, ctl, |i, scores| {
        let mut cand: Vec<(f32, u32)> = scores.iter().enumerate().filter(|&(j, _)| j != i).map(|(j, &s)| (s, j as u32)).collect();
        if m < cand.len() {
            cand.select_nth_unstable_by(m, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            cand.truncate(m);
        }
        let xi = &x[i * d..(i + 1) * d];
        let mut exact: Vec<(f64, u32)> =
            cand.into_iter().map(|(_, j)| (sq_dist_f64(xi, &x[j as usize * d..(j as usize + 1) * d]), j)).collect();
        exact.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        exact.truncate(k);
        exact
    })?;
    let mut indices = Vec::with_capacity(n * k);
    let mut distances = Vec::with_capacity(n * k);
    for row in rows {
        for (d2, j) in row {
            indices.push(j);
            distances.push(d2.sqrt());
        }
    }
    Ok(Knn { n, k, indices, distances })
}

/// Exact k nearest neighbours in a low-dimensional embedding (f64, brute force, self excluded).
pub(crate) fn knn_small_dim(y: &[f64], n: usize, dim: usize, k: usize) -> Vec<Vec<u32>> {
    (0..n)
        .into_par_iter()
        .map(|i| {
            let yi = &y[i * dim..(i + 1) * dim];
            let mut cand: Vec<(f64, u32)> = (0..n)
                .filter(|&j| j != i)
                .map(|j| {
                    let yj = &y[j * dim..(j + 1) * dim];
                    (yi.iter().zip(yj).map(|(a, b)| (a - b) * (a - b)).sum::<f64>(), j as u32)
                })
                .collect();
            let cmp = |a: &(f64, u32), b: &(f64, u32)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
            if k < cand.len() {
                cand.select_nth_unstable_by(k, cmp);
                cand.truncate(k);
            }
            cand.sort_unstable_by(cmp);
            cand.into_iter().map(|c| c.1).collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    #[test]
    fn matches_brute_force_with_duplicates() {
        let (n, d) = (300, 7);
        let mut r = SplitMix64::new(3);
        let mut x: Vec<f32> = (0..n * d).map(|_| r.normal() as f32).collect();
        // rows 10 and 11 identical: each must be the other's nearest neighbour at distance 0
        let row10: Vec<f32> = x[10 * d..11 * d].to_vec();
        x[11 * d..12 * d].copy_from_slice(&row10);
        let k = 12;
        let got = exact_knn(&x, n, d, k, &Control::none()).unwrap();
        for i in 0..n {
            let mut all: Vec<(f64, u32)> = (0..n)
                .filter(|&j| j != i)
                .map(|j| (sq_dist_f64(&x[i * d..(i + 1) * d], &x[j * d..(j + 1) * d]).sqrt(), j as u32))
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let (idx, dist) = got.row(i);
            for t in 0..k {
                assert_eq!(idx[t], all[t].1, "row {i} rank {t}");
                assert!((dist[t] - all[t].0).abs() < 1e-12);
            }
        }
        assert_eq!(got.row(10).0[0], 11);
        assert_eq!(got.row(10).1[0], 0.0);
    }

    #[test]
    fn rejects_bad_k_and_nan() {
        let x = vec![0f32, 1.0, 2.0, f32::NAN];
        assert!(exact_knn(&x, 4, 1, 2, &Control::none()).unwrap_err().message.contains("NaN"));
        let x = vec![0f32, 1.0, 2.0];
        assert!(exact_knn(&x, 3, 1, 3, &Control::none()).is_err());
    }
}
