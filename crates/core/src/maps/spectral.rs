//! Spectral layout of a weighted graph: eigenvectors of the normalised Laplacian with the smallest
//! non-zero eigenvalues, as UMAP's default initialisation (McInnes et al. 2018).
//!
//! Block subspace iteration on B = (I + D^-1/2 W D^-1/2) / 2, whose largest eigenvalues are the
//! Laplacian's smallest, with the known top vector D^1/2·1 deflated and a Rayleigh–Ritz step at
//! the end. On clustered data the wanted eigenvalues crowd near 1 and the iteration converges to
//! their span rather than to individual vectors; for an initialisation that span is what matters,
//! and a fixed iteration cap keeps the cost at a few sparse products per vector.

use faer::{Mat, Side};
use rayon::prelude::*;

use super::sparse::Sparse;
use crate::control::Control;
use crate::error::{Error, Result};
use crate::rng::SplitMix64;

const EXTRA: usize = 6;
const MAX_ITER: usize = 300;

/// Connected-component label of every vertex (labels in order of first appearance).
pub(crate) fn components(g: &Sparse, n: usize) -> (usize, Vec<u32>) {
    let mut label = vec![u32::MAX; n];
    let mut count = 0u32;
    let mut stack = Vec::new();
    for s in 0..n {
        if label[s] != u32::MAX {
            continue;
        }
        label[s] = count;
        stack.push(s);
        while let Some(v) = stack.pop() {
            for &u in &g.indices[g.indptr[v]..g.indptr[v + 1]] {
                if label[u as usize] == u32::MAX {
                    label[u as usize] = count;
                    stack.push(u as usize);
                }
            }
        }
        count += 1;
    }
    (count as usize, label)
}

fn orthonormalise(q: &mut [Vec<f64>], v0: &[f64]) {
    for i in 0..q.len() {
        let (done, rest) = q.split_at_mut(i);
        let qi = &mut rest[0];
        for _ in 0..2 {
            let c: f64 = qi.iter().zip(v0).map(|(a, b)| a * b).sum();
            qi.iter_mut().zip(v0).for_each(|(a, b)| *a -= c * b);
            for qj in done.iter() {
                let c: f64 = qi.iter().zip(qj).map(|(a, b)| a * b).sum();
                qi.iter_mut().zip(qj).for_each(|(a, b)| *a -= c * b);
            }
        }
        let norm = qi.iter().map(|a| a * a).sum::<f64>().sqrt();
        if norm > 1e-300 {
            qi.iter_mut().for_each(|a| *a /= norm);
        }
    }
}

/// `dim`-dimensional spectral layout (n × dim row-major) of a connected graph.
pub(crate) fn spectral_layout(g: &Sparse, n: usize, dim: usize, seed: u64, ctl: &Control) -> Result<Vec<f64>> {
    let m = (dim + EXTRA).min(n.saturating_sub(1));
    if m < dim {
        return Err(Error::invalid(format!("spectral layout needs more than {dim} vertices, got {n}")));
    }
    let deg: Vec<f64> = (0..n).map(|i| g.values[g.indptr[i]..g.indptr[i + 1]].iter().sum::<f64>()).collect();
    let dinv: Vec<f64> = deg.iter().map(|&d| if d > 0.0 { 1.0 / d.sqrt() } else { 0.0 }).collect();
    let mut v0: Vec<f64> = deg.iter().map(|d| d.sqrt()).collect();
    let nv = v0.iter().map(|a| a * a).sum::<f64>().sqrt();
    v0.iter_mut().for_each(|a| *a /= nv);
    let apply = |x: &[f64], out: &mut [f64]| {
        out.par_iter_mut().enumerate().for_each(|(i, o)| {
            let mut s = 0.0;
            for e in g.indptr[i]..g.indptr[i + 1] {
                let j = g.indices[e] as usize;
                s += g.values[e] * dinv[j] * x[j];
            }
            *o = 0.5 * (x[i] + dinv[i] * s);
        });
    };
    let mut rng = SplitMix64::new(seed ^ 0x5eed_5eed);
    let mut q: Vec<Vec<f64>> = (0..m).map(|_| (0..n).map(|_| rng.normal()).collect()).collect();
    orthonormalise(&mut q, &v0);
    let mut tmp = vec![0.0; n];
    for it in 0..MAX_ITER {
        if it % 10 == 0 {
            ctl.check()?;
        }
        for qi in q.iter_mut() {
            apply(qi, &mut tmp);
            std::mem::swap(qi, &mut tmp);
        }
        orthonormalise(&mut q, &v0);
    }
    // Rayleigh–Ritz on span(q).
    let bq: Vec<Vec<f64>> = q
        .iter()
        .map(|qi| {
            let mut o = vec![0.0; n];
            apply(qi, &mut o);
            o
        })
        .collect();
    let h = Mat::<f64>::from_fn(m, m, |a, b| {
        let s: f64 = q[a].iter().zip(&bq[b]).map(|(x, y)| x * y).sum();
        let t: f64 = q[b].iter().zip(&bq[a]).map(|(x, y)| x * y).sum();
        0.5 * (s + t)
    });
    let eig =
        h.self_adjoint_eigen(Side::Lower).map_err(|e| Error::numerical(format!("spectral layout: eigen-decomposition failed: {e:?}")))?;
    let u = eig.U();
    let mut out = vec![0.0; n * dim];
    for t in 0..dim {
        let col = m - 1 - t;
        let mut v = vec![0.0; n];
        for (a, qa) in q.iter().enumerate() {
            let c = u[(a, col)];
            v.iter_mut().zip(qa).for_each(|(x, y)| *x += c * y);
        }
        let big = v.iter().copied().fold(0f64, |b, a| if a.abs() > b.abs() { a } else { b });
        let sign = if big < 0.0 { -1.0 } else { 1.0 };
        for i in 0..n {
            out[i * dim + t] = sign * v[i];
        }
    }
    Ok(out)
}
