//! Greedy permutation (farthest-point sampling) and the sparse Rips approximation built on it.
//!
//! Sparse Rips follows Cavanna, Jahanseir and Sheehy, "A geometric perspective on sparse filtrations"
//! (CCCG 2015). With insertion radii λ_p from the greedy permutation and ε > 0, write a = (1+ε)/ε and
//! b = (1+ε)²/ε, and for an edge pq let m = min(λ_p, λ_q), M = max(λ_p, λ_q). The edge is kept only when
//! d ≤ min((a + b)·m, a·(m + M)) — beyond that the later point has been merged into a net point — and it
//! enters the filtration at
//!     d            if d ≤ 2·a·m,
//!     2·(d − a·m)  otherwise (the relaxed distance of the later point's growing weight).
//! Every kept edge enters at a value in [d, (1+ε)·d]; the clique filtration on these values is
//! (1+ε)-interleaved with the Rips filtration, so each diagram point (b, d) of the exact diagram is matched
//! to the approximate one within a factor (1+ε) in both coordinates, or both are within that factor of the
//! diagonal (log-scale bottleneck distance ≤ ln(1+ε)).

use rayon::prelude::*;

use crate::control::Control;
use crate::error::Result;

/// Anything with a distance between indices.
pub trait Oracle: Sync {
    fn n(&self) -> usize;
    fn dist(&self, i: usize, j: usize) -> f32;
}

/// The first `m` points of the greedy permutation started at point 0 (ties go to the smaller index), their
/// insertion radii (λ_0 = ∞), and the Hausdorff distance from the sample to all points.
pub fn greedy_permutation<O: Oracle>(o: &O, m: usize, ctl: &Control<'_>) -> Result<(Vec<usize>, Vec<f32>, f32)> {
    let n = o.n();
    let m = m.min(n);
    let mut order = Vec::with_capacity(m);
    let mut lambda = Vec::with_capacity(m);
    if n == 0 || m == 0 {
        return Ok((order, lambda, 0.0));
    }
    let mut mind = vec![f32::INFINITY; n];
    let mut cur = 0usize;
    let mut rad = f32::INFINITY;
    loop {
        order.push(cur);
        lambda.push(rad);
        if order.len() % 64 == 0 {
            ctl.check()?;
            ctl.report("sample", order.len() as u64, m as u64);
        }
        let c = cur;
        mind.par_iter_mut().with_min_len(1024).enumerate().for_each(|(i, md)| {
            let x = o.dist(c, i);
            if i == c {
                *md = 0.0;
            } else if x < *md {
                *md = x;
            }
        });
        // farthest point from the current sample (smallest index among ties)
        let (best, far) = mind
            .par_iter()
            .with_min_len(1024)
            .enumerate()
            .map(|(i, &x)| (i, x))
            .reduce(|| (usize::MAX, -1.0f32), |a, b| if b.1 > a.1 || (b.1 == a.1 && b.0 < a.0) { b } else { a });
        if order.len() == m {
            return Ok((order, lambda, if m == n { 0.0 } else { far.max(0.0) }));
        }
        cur = best;
        rad = far;
    }
}

/// Edges (i, j, filtration value) of the sparse approximation on the points in greedy order
/// (`order[k]` is vertex k of the result).
pub fn sparse_edges<O: Oracle>(o: &O, order: &[usize], lambda: &[f32], eps: f64, ctl: &Control<'_>) -> Result<Vec<(u32, u32, f32)>> {
    let a = (1.0 + eps) / eps;
    let b = (1.0 + eps) * (1.0 + eps) / eps;
    let n = order.len();
    let parts: Vec<Vec<(u32, u32, f32)>> = (0..n)
        .into_par_iter()
        .with_min_len(8)
        .map(|i| {
            if i % 64 == 0 {
                ctl.check()?;
            }
            let mut out = Vec::new();
            // vertex i was inserted after every j < i, so λ_i ≤ λ_j: m = λ_i, M = λ_j
            let m = lambda[i] as f64;
            for j in 0..i {
                let d = o.dist(order[i], order[j]) as f64;
                let big = lambda[j] as f64;
                let bound = ((a + b) * m).min(a * (m + big));
                if d > bound {
                    continue;
                }
                let v = if d <= 2.0 * a * m { d } else { 2.0 * (d - a * m) };
                out.push((i as u32, j as u32, v as f32));
            }
            Ok(out)
        })
        .collect::<Result<_>>()?;
    Ok(parts.concat())
}
