//! Principal components via the eigen-decomposition of the covariance (or Gram) matrix.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par, Side};
use rayon::prelude::*;

use crate::control::Control;
use crate::error::{Error, Result};

/// Rows per partial covariance; fixed so the summation order never depends on the thread count.
const CHUNK: usize = 512;

/// Scores of the top `c` principal components: `n × c` row-major (f64), centred data projected on
/// unit-length axes, ordered by decreasing variance. Each axis's sign is fixed so that its
/// largest-magnitude loading is positive, which makes the result reproducible across platforms.
pub fn pca(x: &[f32], n: usize, d: usize, c: usize, ctl: &Control) -> Result<Vec<f64>> {
    super::check_matrix(x, n, d, "pca input")?;
    if c == 0 || c > d.min(n) {
        return Err(Error::invalid(format!("pca: components must be in 1..min(n, d) = 1..{}, got {c}", d.min(n))));
    }
    let mut mean = vec![0f64; d];
    for row in x.chunks_exact(d) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += v as f64;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let xc: Vec<f64> = x.chunks_exact(d).flat_map(|row| row.iter().zip(&mean).map(|(&v, m)| v as f64 - m)).collect();
    // Covariance X^T X summed over fixed row chunks, in chunk order.
    let parts: Vec<Result<Mat<f64>>> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|b| {
            ctl.check()?;
            let lo = b * CHUNK;
            let hi = (lo + CHUNK).min(n);
            let a = MatRef::from_row_major_slice(&xc[lo * d..hi * d], hi - lo, d);
            let mut cov = Mat::<f64>::zeros(d, d);
            matmul(cov.as_mut(), Accum::Replace, a.transpose(), a, 1.0, Par::Seq);
            Ok(cov)
        })
        .collect();
    let mut cov = Mat::<f64>::zeros(d, d);
    for p in parts {
        cov += p?;
    }
    ctl.check()?;
    let eig = cov.self_adjoint_eigen(Side::Lower).map_err(|e| Error::numerical(format!("pca: eigen-decomposition failed: {e:?}")))?;
    let u = eig.U();
    let mut axes = Vec::with_capacity(c);
    for t in 0..c {
        let col = d - 1 - t; // eigenvalues come in nondecreasing order
        let mut v: Vec<f64> = (0..d).map(|r| u[(r, col)]).collect();
        let big = v.iter().copied().fold(0f64, |m, a| if a.abs() > m.abs() { a } else { m });
        if big < 0.0 {
            v.iter_mut().for_each(|a| *a = -*a);
        }
        axes.push(v);
    }
    let mut scores = vec![0f64; n * c];
    scores.par_chunks_mut(c).zip(xc.par_chunks(d)).for_each(|(s, row)| {
        for (t, ax) in axes.iter().enumerate() {
            s[t] = row.iter().zip(ax).map(|(a, b)| a * b).sum();
        }
    });
    Ok(scores)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    #[test]
    fn recovers_dominant_axis() {
        // points spread along (1, 2, 2)/3 with small noise: PC1 must be that axis
        let mut r = SplitMix64::new(1);
        let n = 400;
        let mut x = Vec::new();
        for _ in 0..n {
            let t = 10.0 * r.normal();
            x.extend([t / 3.0 + 0.1 * r.normal(), 2.0 * t / 3.0 + 0.1 * r.normal(), 2.0 * t / 3.0 + 0.1 * r.normal()].map(|v| v as f32));
        }
        let s = pca(&x, n, 3, 2, &Control::none()).unwrap();
        let var = |t: usize| (0..n).map(|i| s[i * 2 + t].powi(2)).sum::<f64>() / n as f64;
        assert!(var(0) > 90.0 && var(0) < 110.0, "{}", var(0));
        assert!(var(1) < 0.02, "{}", var(1));
        // projection onto PC1 equals the known axis up to noise
        let proj: f64 = (0..3).map(|j| x[j] as f64 * [1.0, 2.0, 2.0][j] / 3.0).sum();
        let mean_proj: f64 =
            (0..n).map(|i| (0..3).map(|j| x[i * 3 + j] as f64 * [1.0, 2.0, 2.0][j] / 3.0).sum::<f64>()).sum::<f64>() / n as f64;
        assert!((s[0] - (proj - mean_proj)).abs() < 0.05);
    }
}
