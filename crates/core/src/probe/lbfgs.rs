//! Limited-memory BFGS for smooth unconstrained minimisation (Nocedal & Wright, Numerical
//! Optimization, 2nd ed.: Algorithm 7.4 for the two-loop recursion, Algorithms 3.5/3.6 for a line
//! search that enforces the strong Wolfe conditions).
//!
//! Stopping rules follow scipy's L-BFGS-B (which scikit-learn uses) so that `gtol` means the same:
//! stop when max|∇f| ≤ gtol, or when the relative decrease of f in an iteration is ≤ ftol.

use crate::error::Result;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Number of (s, y) pairs kept.
    pub memory: usize,
    pub max_iter: usize,
    /// Stop when the largest gradient component is at most this.
    pub gtol: f64,
    /// Stop when (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ ftol.
    pub ftol: f64,
    /// Function evaluations allowed per line search.
    pub max_evals: usize,
}

impl Default for Options {
    fn default() -> Self {
        // scikit-learn passes maxls=50 and ftol=64·eps to scipy; scipy keeps 10 pairs.
        Options { memory: 10, max_iter: 1000, gtol: 1e-4, ftol: 64.0 * f64::EPSILON, max_evals: 50 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// max|∇f| ≤ gtol.
    Gradient,
    /// The objective stopped decreasing (relative decrease ≤ ftol).
    RelativeReduction,
    /// `max_iter` iterations done without meeting either criterion.
    MaxIter,
    /// No step satisfying the Wolfe conditions was found, even along −∇f.
    LineSearch,
}

impl Stop {
    pub fn converged(self) -> bool {
        matches!(self, Stop::Gradient | Stop::RelativeReduction)
    }
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub x: Vec<f64>,
    pub f: f64,
    pub grad_max: f64,
    pub iterations: usize,
    pub evaluations: usize,
    pub stop: Stop,
}

/// `fg(x, g)` returns f(x) and writes ∇f(x) into `g`. `after_iter(k, f)` runs after each iteration
/// (progress, cancellation); an error from either stops the solver and is returned.
pub fn minimize(
    x0: Vec<f64>,
    opts: &Options,
    mut fg: impl FnMut(&[f64], &mut [f64]) -> Result<f64>,
    mut after_iter: impl FnMut(usize, f64) -> Result<()>,
) -> Result<Outcome> {
    let n = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; n];
    let mut f = fg(&x, &mut g)?;
    let mut evaluations = 1;
    let mut hist = History::new(opts.memory, n);
    let mut p = vec![0.0; n];
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let mut iterations = 0;

    let stop = loop {
        if max_abs(&g) <= opts.gtol {
            break Stop::Gradient;
        }
        if iterations >= opts.max_iter {
            break Stop::MaxIter;
        }
        hist.direction(&g, &mut p);
        let mut slope = dot(&p, &g);
        if slope.is_nan() || slope >= 0.0 {
            // Curvature pairs can make the direction uphill after roundoff; fall back to −∇f.
            hist.clear();
            hist.direction(&g, &mut p);
            slope = dot(&p, &g);
        }
        // Without curvature information the first trial step has unit length (as scipy's first step).
        let alpha0 = if hist.is_empty() { 1.0 / norm(&p) } else { 1.0 };
        let mut search = |alpha: f64, xs: &mut [f64], gs: &mut [f64]| -> Result<(f64, f64)> {
            for ((xi, &x0i), &pi) in xs.iter_mut().zip(&x).zip(&p) {
                *xi = x0i + alpha * pi;
            }
            evaluations += 1;
            let fv = fg(xs, gs)?;
            Ok((fv, dot(gs, &p)))
        };
        let found = strong_wolfe(&mut search, f, slope, alpha0, opts.max_evals, &mut x_new, &mut g_new)?;
        let Some(f_new) = found else {
            if hist.is_empty() {
                break Stop::LineSearch;
            }
            // Stale curvature pairs can give a poor direction: retry once along −∇f.
            hist.clear();
            continue;
        };
        iterations += 1;
        hist.push(&x_new, &x, &g_new, &g);
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        let f_old = f;
        f = f_new;
        after_iter(iterations, f)?;
        if (f_old - f) / f_old.abs().max(f.abs()).max(1.0) <= opts.ftol {
            break Stop::RelativeReduction;
        }
    };
    Ok(Outcome { grad_max: max_abs(&g), x, f, iterations, evaluations, stop })
}

/// The last `m` pairs sᵢ = x_{i+1} − xᵢ, yᵢ = ∇f_{i+1} − ∇fᵢ in a ring buffer.
struct History {
    s: Vec<Vec<f64>>,
    y: Vec<Vec<f64>>,
    rho: Vec<f64>,
    alpha: Vec<f64>,
    /// Index of the oldest pair and the number of pairs held.
    start: usize,
    len: usize,
}

impl History {
    fn new(m: usize, n: usize) -> Self {
        let m = m.max(1);
        History { s: vec![vec![0.0; n]; m], y: vec![vec![0.0; n]; m], rho: vec![0.0; m], alpha: vec![0.0; m], start: 0, len: 0 }
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    fn push(&mut self, x_new: &[f64], x: &[f64], g_new: &[f64], g: &[f64]) {
        let m = self.s.len();
        let slot = (self.start + self.len) % m;
        for i in 0..x.len() {
            self.s[slot][i] = x_new[i] - x[i];
            self.y[slot][i] = g_new[i] - g[i];
        }
        let sy = dot(&self.s[slot], &self.y[slot]);
        let yy = dot(&self.y[slot], &self.y[slot]);
        // A pair without positive curvature would make the inverse Hessian indefinite; the strong
        // Wolfe conditions guarantee sᵀy > 0 in exact arithmetic, roundoff may not.
        if sy.is_nan() || sy <= f64::EPSILON * yy {
            return;
        }
        self.rho[slot] = 1.0 / sy;
        if self.len < m {
            self.len += 1;
        } else {
            self.start = (self.start + 1) % m;
        }
    }

    /// p = −H∇f by the two-loop recursion, with H₀ = (sᵀy / yᵀy)·I from the newest pair.
    fn direction(&mut self, g: &[f64], p: &mut [f64]) {
        let m = self.s.len();
        for (pi, &gi) in p.iter_mut().zip(g) {
            *pi = -gi;
        }
        for j in (0..self.len).rev() {
            let k = (self.start + j) % m;
            let a = self.rho[k] * dot(&self.s[k], p);
            self.alpha[k] = a;
            axpy(-a, &self.y[k], p);
        }
        if self.len > 0 {
            let k = (self.start + self.len - 1) % m;
            let gamma = 1.0 / (self.rho[k] * dot(&self.y[k], &self.y[k]));
            p.iter_mut().for_each(|v| *v *= gamma);
        }
        for j in 0..self.len {
            let k = (self.start + j) % m;
            let b = self.rho[k] * dot(&self.y[k], p);
            axpy(self.alpha[k] - b, &self.s[k], p);
        }
    }
}

const C1: f64 = 1e-4;
const C2: f64 = 0.9;

/// A point on the search line: step, value, directional derivative.
#[derive(Clone, Copy)]
struct Point {
    a: f64,
    f: f64,
    d: f64,
}

/// Finds α with f(α) ≤ f(0) + c₁α f'(0) and |f'(α)| ≤ c₂|f'(0)| (N&W Algorithm 3.5). On success the
/// accepted point and its gradient are in `xs`, `gs` (the accepted step is always the last one
/// evaluated) and its value is returned; `None` when `max_evals` evaluations found none.
fn strong_wolfe(
    eval: &mut impl FnMut(f64, &mut [f64], &mut [f64]) -> Result<(f64, f64)>,
    f0: f64,
    d0: f64,
    alpha0: f64,
    max_evals: usize,
    xs: &mut [f64],
    gs: &mut [f64],
) -> Result<Option<f64>> {
    let mut prev = Point { a: 0.0, f: f0, d: d0 };
    let mut a = alpha0;
    let mut evals = 0;
    while evals < max_evals {
        let (f, d) = eval(a, xs, gs)?;
        evals += 1;
        if !f.is_finite() || !d.is_finite() {
            // Overflowed: the step was far too long; shrink towards the last good point.
            a = prev.a + 0.5 * (a - prev.a);
            continue;
        }
        let cur = Point { a, f, d };
        if f > f0 + C1 * a * d0 || (evals > 1 && f >= prev.f) {
            return zoom(eval, f0, d0, prev, cur, max_evals - evals, xs, gs);
        }
        if d.abs() <= -C2 * d0 {
            return Ok(Some(f));
        }
        if d >= 0.0 {
            return zoom(eval, f0, d0, cur, prev, max_evals - evals, xs, gs);
        }
        // Still descending steeply: extrapolate where the slope would vanish if it changed
        // linearly (secant), kept within [2α, 10α] so the bracket grows but not wildly.
        let secant = if d > prev.d { a - d * (a - prev.a) / (d - prev.d) } else { f64::INFINITY };
        prev = cur;
        a = secant.clamp(2.0 * a, 10.0 * a);
    }
    Ok(None)
}

/// N&W Algorithm 3.6: `lo` satisfies sufficient decrease and has the lowest value seen; the
/// interval between `lo` and `hi` contains strong-Wolfe steps. Trial steps by safeguarded cubic
/// interpolation.
#[allow(clippy::too_many_arguments)]
fn zoom(
    eval: &mut impl FnMut(f64, &mut [f64], &mut [f64]) -> Result<(f64, f64)>,
    f0: f64,
    d0: f64,
    mut lo: Point,
    mut hi: Point,
    max_evals: usize,
    xs: &mut [f64],
    gs: &mut [f64],
) -> Result<Option<f64>> {
    for _ in 0..max_evals {
        let width = hi.a - lo.a;
        if width.abs() <= f64::EPSILON * lo.a.abs().max(hi.a.abs()) {
            return Ok(None);
        }
        let a = cubic_min(lo, hi).filter(|&a| {
            // Keep trials off the ends of the interval so it shrinks by a fixed fraction.
            let t = (a - lo.a) / width;
            (0.1..=0.9).contains(&t)
        });
        let a = a.unwrap_or(lo.a + 0.5 * width);
        let (f, d) = eval(a, xs, gs)?;
        if !f.is_finite() || !d.is_finite() {
            hi = Point { a, f: f64::INFINITY, d: f64::NAN };
            continue;
        }
        let cur = Point { a, f, d };
        if f > f0 + C1 * a * d0 || f >= lo.f {
            hi = cur;
        } else {
            if d.abs() <= -C2 * d0 {
                return Ok(Some(f));
            }
            if d * (hi.a - lo.a) >= 0.0 {
                hi = lo;
            }
            lo = cur;
        }
    }
    Ok(None)
}

/// Minimiser of the cubic that interpolates f and f' at both points (N&W eq. 3.59), if it exists.
fn cubic_min(p: Point, q: Point) -> Option<f64> {
    if !(q.f.is_finite() && q.d.is_finite()) {
        return None;
    }
    let d1 = p.d + q.d - 3.0 * (p.f - q.f) / (p.a - q.a);
    let disc = d1 * d1 - p.d * q.d;
    if disc.is_nan() || disc < 0.0 {
        return None;
    }
    let d2 = (q.a - p.a).signum() * disc.sqrt();
    let a = q.a - (q.a - p.a) * (q.d + d2 - d1) / (q.d - p.d + 2.0 * d2);
    a.is_finite().then_some(a)
}

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    // Four partial sums let the compiler vectorise without reassociating a single sum.
    let mut acc = [0.0f64; 4];
    let ca = a.chunks_exact(4);
    let cb = b.chunks_exact(4);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

pub(crate) fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0f64, |m, v| m.max(v.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rosenbrock in n dimensions: a curved valley that defeats steepest descent.
    fn rosenbrock(x: &[f64], g: &mut [f64]) -> Result<f64> {
        let mut f = 0.0;
        g.iter_mut().for_each(|v| *v = 0.0);
        for i in 0..x.len() - 1 {
            let a = x[i + 1] - x[i] * x[i];
            let b = 1.0 - x[i];
            f += 100.0 * a * a + b * b;
            g[i] += -400.0 * a * x[i] - 2.0 * b;
            g[i + 1] += 200.0 * a;
        }
        Ok(f)
    }

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let x0: Vec<f64> = (0..10).map(|i| if i % 2 == 0 { -1.2 } else { 1.0 }).collect();
        let opts = Options { gtol: 1e-9, max_iter: 500, ..Options::default() };
        let out = minimize(x0, &opts, rosenbrock, |_, _| Ok(())).unwrap();
        assert!(out.stop.converged(), "{:?}", out.stop);
        for v in &out.x {
            assert!((v - 1.0).abs() < 1e-6, "{v}");
        }
        assert!(out.f < 1e-12);
    }

    #[test]
    fn quadratic_converges_on_the_gradient_rule_and_max_iter_stops() {
        // f = ½ Σ (i+1) xᵢ², condition number 50.
        let fg = |x: &[f64], g: &mut [f64]| -> Result<f64> {
            let mut f = 0.0;
            for i in 0..x.len() {
                g[i] = (i + 1) as f64 * x[i];
                f += 0.5 * (i + 1) as f64 * x[i] * x[i];
            }
            Ok(f)
        };
        let x0 = vec![1.0; 50];
        let out = minimize(x0.clone(), &Options { gtol: 1e-8, ftol: 0.0, ..Options::default() }, fg, |_, _| Ok(())).unwrap();
        assert_eq!(out.stop, Stop::Gradient);
        assert!(out.grad_max <= 1e-8);
        let out = minimize(x0, &Options { gtol: 1e-8, max_iter: 3, ..Options::default() }, fg, |_, _| Ok(())).unwrap();
        assert_eq!((out.stop, out.iterations), (Stop::MaxIter, 3));
    }

    #[test]
    fn errors_from_the_callback_stop_the_solver() {
        let x0: Vec<f64> = vec![-1.2, 1.0];
        let err = minimize(x0, &Options::default(), rosenbrock, |k, _| if k == 2 { Err(crate::error::Error::cancelled()) } else { Ok(()) })
            .unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::Cancelled);
    }
}
