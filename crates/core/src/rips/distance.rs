//! Pairwise distances of a point cloud into a compressed lower triangle of f32, one row per task.

use rayon::prelude::*;

use super::complex::Dense;
use crate::control::Control;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Euclidean,
    /// 1 − cos(x, y); not a metric, offered because ripser.py users pass `metric="cosine"`.
    Cosine,
    /// arccos(cos(x, y)) in radians: the geodesic distance on the unit sphere.
    Angular,
}

impl Metric {
    pub fn parse(s: &str) -> Result<Metric> {
        match s {
            "euclidean" => Ok(Metric::Euclidean),
            "cosine" => Ok(Metric::Cosine),
            "angular" => Ok(Metric::Angular),
            _ => Err(Error::invalid(format!("metric: unknown metric '{s}'; use euclidean, cosine or angular"))),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Metric::Euclidean => "euclidean",
            Metric::Cosine => "cosine",
            Metric::Angular => "angular",
        }
    }
}

/// Row-major n × d coordinates.
#[derive(Clone, Copy)]
pub enum Points<'a> {
    F32(&'a [f32]),
    F64(&'a [f64]),
}

/// The input coordinates, borrowed (no copy: the caller's array is usually the largest allocation), with
/// row norms for the angle metrics. Sums run in f64 so the distances equal a float64 reference rounded to
/// f32, and ties in the data stay ties.
pub struct Rows<'a> {
    pub n: usize,
    pub d: usize,
    p: Points<'a>,
    norms: Vec<f64>,
    pub metric: Metric,
}

impl<'a> Rows<'a> {
    pub fn new(p: Points<'a>, n: usize, d: usize, metric: Metric) -> Result<Rows<'a>> {
        let len = match p {
            Points::F32(a) => a.len(),
            Points::F64(a) => a.len(),
        };
        if d == 0 || len != n * d {
            return Err(Error::invalid(format!(
                "points: got {len} values for n = {n} points of dimension d = {d}; pass a flat row-major n×d array"
            )));
        }
        let bad = match p {
            Points::F32(a) => a.iter().position(|v| !v.is_finite()).map(|k| (k, a[k] as f64)),
            Points::F64(a) => a.iter().position(|v| !v.is_finite()).map(|k| (k, a[k])),
        };
        if let Some((pos, v)) = bad {
            return Err(Error::invalid(format!(
                "points: value at row {}, column {} is {v} (NaN/Inf); remove or impute it",
                pos / d + 1,
                pos % d + 1
            )));
        }
        let mut r = Rows { n, d, p, norms: Vec::new(), metric };
        if metric != Metric::Euclidean {
            r.norms = (0..n).map(|i| r.dot(i, i).sqrt()).collect();
            if let Some(i) = r.norms.iter().position(|&x| x == 0.0) {
                return Err(Error::invalid(format!(
                    "points: row {} is the zero vector, which has no direction for the {} metric",
                    i + 1,
                    metric.name()
                )));
            }
        }
        Ok(r)
    }

    #[inline]
    fn dot(&self, i: usize, j: usize) -> f64 {
        let d = self.d;
        match self.p {
            Points::F32(a) => dot(&a[i * d..(i + 1) * d], &a[j * d..(j + 1) * d]),
            Points::F64(a) => dot(&a[i * d..(i + 1) * d], &a[j * d..(j + 1) * d]),
        }
    }

    #[inline]
    pub fn dist(&self, i: usize, j: usize) -> f32 {
        let d = self.d;
        match self.metric {
            Metric::Euclidean => match self.p {
                Points::F32(a) => sqdiff(&a[i * d..(i + 1) * d], &a[j * d..(j + 1) * d]).sqrt() as f32,
                Points::F64(a) => sqdiff(&a[i * d..(i + 1) * d], &a[j * d..(j + 1) * d]).sqrt() as f32,
            },
            Metric::Cosine => (1.0 - self.dot(i, j) / (self.norms[i] * self.norms[j])).max(0.0) as f32,
            Metric::Angular => (self.dot(i, j) / (self.norms[i] * self.norms[j])).clamp(-1.0, 1.0).acos() as f32,
        }
    }

    pub fn dense(&self, ctl: &Control<'_>) -> Result<Dense> {
        let n = self.n;
        let mut d = vec![0f32; n * n.saturating_sub(1) / 2];
        let mut rows: Vec<(usize, &mut [f32])> = Vec::with_capacity(n);
        let mut rest: &mut [f32] = &mut d;
        for i in 0..n {
            let (r, t) = rest.split_at_mut(i);
            rows.push((i, r));
            rest = t;
        }
        rows.into_par_iter().with_min_len(16).try_for_each(|(i, r)| {
            if i % 64 == 0 {
                ctl.check()?;
            }
            for (j, o) in r.iter_mut().enumerate() {
                *o = self.dist(i, j);
            }
            Ok::<(), Error>(())
        })?;
        Ok(Dense { n, d })
    }
}

/// f32 or f64 lanes widened to f64.
pub trait Lane: Copy {
    fn f(self) -> f64;
}
impl Lane for f32 {
    #[inline(always)]
    fn f(self) -> f64 {
        self as f64
    }
}
impl Lane for f64 {
    #[inline(always)]
    fn f(self) -> f64 {
        self
    }
}

#[inline]
fn sqdiff<T: Lane>(a: &[T], b: &[T]) -> f64 {
    let mut acc = [0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            let t = x[l].f() - y[l].f();
            acc[l] += t * t;
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        s += (x.f() - y.f()) * (x.f() - y.f());
    }
    s
}

#[inline]
fn dot<T: Lane>(a: &[T], b: &[T]) -> f64 {
    let mut acc = [0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += x[l].f() * y[l].f();
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        s += x.f() * y.f();
    }
    s
}
