//! The multinomial logistic loss and its gradient, in scikit-learn's scaling:
//!
//!   f(W, b) = (1/n) Σᵢ −log softmax(W xᵢ + b)[yᵢ] + (λ/2)·||W||²,  λ = 1 / (C·n)
//!
//! which is (0.5·||W||² + C·Σᵢ ℓᵢ) / (C·n): the same minimiser as the textbook form, and the scale
//! on which scikit-learn's `tol` (max gradient component) is measured.
//!
//! Parameters θ are laid out as W (k×d, row-major) followed by b (k).
//!
//! Work is split into chunks of samples whose size depends only on n, each chunk sums its own
//! partial loss and gradient, and the partials are added in chunk order: the result is the same
//! bit for bit whatever the number of threads.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;

use super::lbfgs::{axpy, dot};
use crate::control::Control;
use crate::error::Result;

pub struct Problem<'a> {
    /// n×d row-major.
    pub x: &'a [f64],
    pub y: &'a [u32],
    pub n: usize,
    pub d: usize,
    pub k: usize,
    /// Strength of the L2 penalty on W on the per-sample scale: 1 / (C·n).
    pub lambda: f64,
}

/// Samples per chunk: enough rows for the chunk's two matrix products to run at speed and to amortise
/// its gradient buffer (k·(d+1) values); at most 128 chunks. A function of n only, never of the threads.
pub fn chunk_len(n: usize) -> usize {
    128.max(n.div_ceil(128))
}

/// The logits z = W x + b of one sample, written into `z` (length k).
#[inline]
pub fn logits(w: &[f64], b: &[f64], d: usize, x: &[f64], z: &mut [f64]) {
    for (c, zc) in z.iter_mut().enumerate() {
        *zc = b[c] + dot(&w[c * d..(c + 1) * d], x);
    }
}

/// Replaces logits by probabilities; returns log Σ exp(z) (the log normaliser).
#[inline]
pub fn softmax_in_place(z: &mut [f64]) -> f64 {
    let m = z.iter().fold(f64::NEG_INFINITY, |a, &v| a.max(v));
    let mut s = 0.0;
    for v in z.iter_mut() {
        *v = (*v - m).exp();
        s += *v;
    }
    let inv = 1.0 / s;
    z.iter_mut().for_each(|v| *v *= inv);
    m + s.ln()
}

impl Problem<'_> {
    pub fn len(&self) -> usize {
        self.k * (self.d + 1)
    }

    /// f(θ) and ∇f(θ) (into `grad`).
    pub fn loss_grad(&self, theta: &[f64], grad: &mut [f64], ctl: &Control<'_>) -> Result<f64> {
        let (k, d) = (self.k, self.d);
        let (w, b) = theta.split_at(k * d);
        let chunk = chunk_len(self.n);
        let wm = MatRef::from_row_major_slice(w, k, d);
        let partials: Vec<(f64, Vec<f64>)> = self
            .x
            .par_chunks(chunk * d)
            .zip(self.y.par_chunks(chunk))
            .map(|(xs, ys)| {
                ctl.check()?;
                let m = ys.len();
                let xc = MatRef::from_row_major_slice(xs, m, d);
                // Z = X Wᵀ, then row by row ∂ℓ/∂z = softmax(z + b) − e_y in place.
                let mut z = vec![0.0; m * k];
                matmul(MatMut::from_row_major_slice_mut(&mut z, m, k), Accum::Replace, xc, wm.transpose(), 1.0, Par::Seq);
                let mut g = vec![0.0; k * (d + 1)];
                let (gw, gb) = g.split_at_mut(k * d);
                let mut loss = 0.0;
                for (zi, &yi) in z.chunks_exact_mut(k).zip(ys) {
                    zi.iter_mut().zip(b).for_each(|(v, &bc)| *v += bc);
                    let zy = zi[yi as usize];
                    loss += softmax_in_place(zi) - zy;
                    zi[yi as usize] -= 1.0;
                    axpy(1.0, zi, gb);
                }
                // ∇_W = Rᵀ X over the chunk.
                let r = MatRef::from_row_major_slice(&z, m, k);
                matmul(MatMut::from_row_major_slice_mut(gw, k, d), Accum::Replace, r.transpose(), xc, 1.0, Par::Seq);
                Ok((loss, g))
            })
            .collect::<Result<_>>()?;

        grad.iter_mut().for_each(|v| *v = 0.0);
        let mut loss = 0.0;
        for (l, g) in &partials {
            loss += l;
            axpy(1.0, g, grad);
        }
        let inv_n = 1.0 / self.n as f64;
        grad.iter_mut().for_each(|v| *v *= inv_n);
        axpy(self.lambda, w, &mut grad[..k * d]);
        Ok(loss * inv_n + 0.5 * self.lambda * dot(w, w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let (n, d, k) = (37, 5, 4);
        let x: Vec<f64> = (0..n * d).map(|i| ((i * 7919) % 101) as f64 / 50.0 - 1.0).collect();
        let y: Vec<u32> = (0..n).map(|i| (i % k) as u32).collect();
        let p = Problem { x: &x, y: &y, n, d, k, lambda: 0.3 };
        let theta: Vec<f64> = (0..p.len()).map(|i| ((i * 31) % 17) as f64 / 10.0 - 0.8).collect();
        let mut g = vec![0.0; p.len()];
        let f = p.loss_grad(&theta, &mut g, &Control::none()).unwrap();
        // The value by the textbook formula, one sample at a time.
        let (w, b) = theta.split_at(k * d);
        let mut z = vec![0.0; k];
        let mut total = 0.0;
        for (xi, &yi) in x.chunks_exact(d).zip(&y) {
            logits(w, b, d, xi, &mut z);
            let zy = z[yi as usize];
            total += softmax_in_place(&mut z) - zy;
        }
        let w2: f64 = w.iter().map(|v| v * v).sum();
        assert!((f - (total / n as f64 + 0.15 * w2)).abs() < 1e-12);
        let mut scratch = vec![0.0; p.len()];
        for i in 0..p.len() {
            let h = 1e-6;
            let mut t = theta.clone();
            t[i] += h;
            let fp = p.loss_grad(&t, &mut scratch, &Control::none()).unwrap();
            t[i] -= 2.0 * h;
            let fm = p.loss_grad(&t, &mut scratch, &Control::none()).unwrap();
            let fd = (fp - fm) / (2.0 * h);
            assert!((fd - g[i]).abs() < 1e-7, "component {i}: {fd} vs {}", g[i]);
        }
    }
}
