//! t-SNE repulsion by FFT-accelerated interpolation (Linderman et al. 2019, "FIt-SNE"), 2-D only.
//!
//! The sums φ(y_i) = Σ_j K(y_i, y_j) q_j for the Cauchy kernel and its square are evaluated by
//! (1) spreading each point's charges onto an equispaced grid with Lagrange weights (3 nodes per
//! interval and axis), (2) convolving the grid with the kernel by zero-padded FFTs — the grid is
//! uniform so the kernel matrix is Toeplitz — and (3) interpolating the potentials back. Grid
//! resolution follows openTSNE's defaults: at least 50 intervals, at most 1 unit of embedding per
//! interval; the count is rounded up to a 5-smooth number so FFT lengths stay fast.

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;
use rustfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};

const P: usize = 3;
const MIN_INTERVALS: usize = 50;
const INTERVAL_WIDTH: f64 = 1.0;

type Plan = Arc<dyn Fft<f32>>;

pub(crate) struct FftRepulsion {
    planner: FftPlanner<f32>,
    plans: HashMap<usize, (Plan, Plan)>,
    /// Spectrum of the packed kernels for the last (interval width, intervals) used.
    kernel: Option<(f64, usize, Vec<Complex32>)>,
}

fn smooth5(mut m: usize) -> usize {
    loop {
        let mut r = m;
        for p in [2, 3, 5] {
            while r.is_multiple_of(p) {
                r /= p;
            }
        }
        if r == 1 {
            return m;
        }
        m += 1;
    }
}

/// Lagrange weights of the P equispaced nodes at (k + ½)/P of an interval, evaluated at t ∈ [0, 1].
#[inline]
fn lagrange(t: f64) -> [f64; P] {
    let u = |k: usize| (k as f64 + 0.5) / P as f64;
    let mut w = [1.0; P];
    for (k, wk) in w.iter_mut().enumerate() {
        for m in 0..P {
            if m != k {
                *wk *= (t - u(m)) / (u(k) - u(m));
            }
        }
    }
    w
}

impl FftRepulsion {
    pub fn new() -> Self {
        FftRepulsion { planner: FftPlanner::new(), plans: HashMap::new(), kernel: None }
    }

    fn plans(&mut self, len: usize) -> (Plan, Plan) {
        let planner = &mut self.planner;
        self.plans.entry(len).or_insert_with(|| (planner.plan_fft_forward(len), planner.plan_fft_inverse(len))).clone()
    }

    /// For the 2-D embedding `y` (n × 2), writes the unnormalised repulsion
    /// r_i = Σ_j w_ij² (y_i − y_j) into `rep` (n × 2) and returns Z = Σ_{i≠j} w_ij,
    /// with w_ij = 1 / (1 + |y_i − y_j|²).
    pub fn repulsion(&mut self, y: &[f64], rep: &mut [f64]) -> f64 {
        let n = y.len() / 2;
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for &v in y {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        let span = (hi - lo).max(1e-6);
        // Interval width: 1 once the map spans 50 units (openTSNE's rule), below that span/50
        // rounded down to a power of 2^(1/8). Quantising the width lets the kernel spectrum be
        // reused across iterations while the width never exceeds openTSNE's.
        let h = if span >= MIN_INTERVALS as f64 * INTERVAL_WIDTH {
            INTERVAL_WIDTH
        } else {
            let e = (8.0 * (span / MIN_INTERVALS as f64).log2()).floor();
            2f64.powf(e / 8.0)
        };
        let boxes = smooth5(MIN_INTERVALS.max((span / h).ceil() as usize));
        let m = boxes * P; // nodes per axis
        let len = 2 * m; // circulant embedding
        let step = h / P as f64;
        let (fwd, inv) = self.plans(len);
        if !matches!(&self.kernel, Some((kh, kb, _)) if *kh == h && *kb == boxes) {
            // Kernel grids, packed as K² + i·K so one FFT serves both (both are real and even).
            let mut kern = vec![Complex32::new(0.0, 0.0); len * len];
            kern.par_chunks_mut(len).enumerate().for_each(|(a, row)| {
                let oa = if a <= m { a } else { len - a } as f64 * step;
                for (b, c) in row.iter_mut().enumerate() {
                    let ob = if b <= m { b } else { len - b } as f64 * step;
                    let k1 = 1.0 / (1.0 + oa * oa + ob * ob);
                    *c = Complex32::new((k1 * k1) as f32, k1 as f32);
                }
            });
            fft2(&mut kern, len, len, &fwd);
            self.kernel = Some((h, boxes, kern));
        }
        let fk = &self.kernel.as_ref().unwrap().2;

        // Per point: base node index per axis and the P weights per axis.
        let locate = |v: f64| -> (usize, [f64; P]) {
            let b = (((v - lo) / h) as usize).min(boxes - 1);
            let t = (v - lo) / h - b as f64;
            (b * P, lagrange(t))
        };
        let geo: Vec<(usize, [f64; P], usize, [f64; P])> = y
            .par_chunks_exact(2)
            .map(|p| {
                let (bx, wx) = locate(p[0]);
                let (by, wy) = locate(p[1]);
                (bx, wx, by, wy)
            })
            .collect();

        // Charges: grid A = 1 + i·y_x (both against K²), grid B = y_y (K²) + i·1 (K).
        let mut ga = vec![Complex32::new(0.0, 0.0); len * len];
        let mut gb = vec![Complex32::new(0.0, 0.0); len * len];
        for (i, (bx, wx, by, wy)) in geo.iter().enumerate() {
            let (px, py) = (y[2 * i], y[2 * i + 1]);
            for (ky, &wyk) in wy.iter().enumerate() {
                let row = (by + ky) * len + bx;
                for (kx, &wxk) in wx.iter().enumerate() {
                    let w = wyk * wxk;
                    ga[row + kx] += Complex32::new(w as f32, (w * px) as f32);
                    gb[row + kx] += Complex32::new((w * py) as f32, w as f32);
                }
            }
        }

        fft2(&mut ga, len, m, &fwd);
        fft2(&mut gb, len, m, &fwd);
        // Spectra are in transposed layout [kx][ky]; the index map k → −k is the same either way.
        let neg = |idx: usize| {
            let (r, c) = (idx / len, idx % len);
            ((len - r) % len) * len + (len - c) % len
        };
        let mut outb = vec![Complex32::new(0.0, 0.0); len * len];
        ga.par_iter_mut().zip(outb.par_iter_mut()).enumerate().for_each(|(idx, (a, ob))| {
            let kn = fk[neg(idx)].conj();
            let k2 = (fk[idx] + kn) * 0.5; // spectrum of K²
            let k1 = (fk[idx] - kn) * Complex32::new(0.0, -0.5); // spectrum of K
            *a *= k2;
            let b = gb[idx];
            let bn = gb[neg(idx)].conj();
            let c2 = (b + bn) * 0.5; // spectrum of the y_y charges
            let c3 = (b - bn) * Complex32::new(0.0, -0.5); // spectrum of the unit charges
            *ob = k2 * c2 + Complex32::new(0.0, 1.0) * (k1 * c3);
        });
        ifft2(&mut ga, len, m, &inv);
        ifft2(&mut outb, len, m, &inv);
        let scale = 1.0 / (len * len) as f64;

        // Interpolate potentials back to the points.
        let z_parts: Vec<f64> = rep
            .par_chunks_mut(2 * 256)
            .enumerate()
            .map(|(c, out)| {
                let mut z = 0.0;
                for (t, o) in out.chunks_exact_mut(2).enumerate() {
                    let i = c * 256 + t;
                    let (bx, wx, by, wy) = &geo[i];
                    let (mut s0, mut sx, mut sy, mut s1) = (0.0, 0.0, 0.0, 0.0);
                    for (ky, &wyk) in wy.iter().enumerate() {
                        let row = (by + ky) * len + bx;
                        for (kx, &wxk) in wx.iter().enumerate() {
                            let w = wyk * wxk;
                            let a = ga[row + kx];
                            let b = outb[row + kx];
                            s0 += w * a.re as f64;
                            sx += w * a.im as f64;
                            sy += w * b.re as f64;
                            s1 += w * b.im as f64;
                        }
                    }
                    let (px, py) = (y[2 * i], y[2 * i + 1]);
                    o[0] = (px * s0 - sx) * scale;
                    o[1] = (py * s0 - sy) * scale;
                    z += s1 * scale;
                }
                z
            })
            .collect();
        let z = super::ordered_sum(z_parts) - n as f64;
        z.max(f64::MIN_POSITIVE)
    }
}

/// In-place 2-D FFT of a `len × len` row-major grid whose rows ≥ `live` are zero; leaves the
/// spectrum transposed ([kx][ky]).
fn fft2(g: &mut [Complex32], len: usize, live: usize, plan: &Arc<dyn Fft<f32>>) {
    g[..live * len].par_chunks_mut(len).for_each(|row| plan.process(row));
    transpose(g, len);
    g.par_chunks_mut(len).for_each(|row| plan.process(row));
}

/// Inverse of `fft2` (unnormalised); only rows < `live` of the result are transformed fully.
fn ifft2(g: &mut [Complex32], len: usize, live: usize, plan: &Arc<dyn Fft<f32>>) {
    g.par_chunks_mut(len).for_each(|row| plan.process(row));
    transpose(g, len);
    g[..live * len].par_chunks_mut(len).for_each(|row| plan.process(row));
}

fn transpose(g: &mut [Complex32], len: usize) {
    let src = g.to_vec();
    g.par_chunks_mut(len).enumerate().for_each(|(r, row)| {
        for (c, v) in row.iter_mut().enumerate() {
            *v = src[c * len + r];
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    #[test]
    fn matches_exact_sums() {
        let n = 700;
        let mut r = SplitMix64::new(9);
        // two clusters, spread similar to a mid-optimisation embedding
        let y: Vec<f64> = (0..n)
            .flat_map(|i| {
                let c = if i % 2 == 0 { -8.0 } else { 8.0 };
                [c + 3.0 * r.normal(), 3.0 * r.normal()]
            })
            .collect();
        let mut rep = vec![0.0; 2 * n];
        let z = FftRepulsion::new().repulsion(&y, &mut rep);
        let mut z_exact = 0.0;
        let (mut err2, mut norm2) = (0f64, 0f64);
        for i in 0..n {
            let (mut rx, mut ry) = (0.0, 0.0);
            for j in 0..n {
                if i == j {
                    continue;
                }
                let (dx, dy) = (y[2 * i] - y[2 * j], y[2 * i + 1] - y[2 * j + 1]);
                let w = 1.0 / (1.0 + dx * dx + dy * dy);
                z_exact += w;
                rx += w * w * dx;
                ry += w * w * dy;
            }
            err2 += (rx - rep[2 * i]).powi(2) + (ry - rep[2 * i + 1]).powi(2);
            norm2 += rx * rx + ry * ry;
        }
        assert!((z - z_exact).abs() / z_exact < 1e-3, "Z {z} vs {z_exact}");
        // interpolation with 3 nodes per interval: about 1% relative error in norm (FIt-SNE's regime)
        let rel = (err2 / norm2).sqrt();
        assert!(rel < 2e-2, "relative repulsion error {rel}");
        eprintln!("relative repulsion error {rel:.2e}, Z error {:.2e}", (z - z_exact).abs() / z_exact);
    }
}
