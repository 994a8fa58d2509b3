//! Pairwise distances of a point cloud into a compressed lower triangle of f32, one row per task.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use rayon::prelude::*;

use super::complex::Dense;
use super::scale::{binade, Scale};
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
    /// Euclidean distances are computed on the coordinates times 2^k (see scale.rs) as (x·pre − y·pre)·post:
    /// pre = 2^k ≤ 1 shrinks before the difference, so opposite huge values cannot overflow, and post = 2^k > 1
    /// enlarges after it, so constant huge columns cannot give ∞ − ∞. None at k = 0: the plain sums of before.
    scaled: Option<(f64, f64)>,
    /// Angle metrics: a power of two per row bringing its largest coordinate near 1, so that |x|² and x·y
    /// neither overflow nor underflow in f64 (cosines do not depend on the rows' lengths). Empty when every
    /// row is within 2^±250, where the plain sums cannot: then nothing changes.
    row_scale: Vec<f64>,
    /// The smallest positive Euclidean distance that f32 could not hold at full precision.
    tiny: Tiny,
}

/// Below this a squared distance (in scaled units) is one whose root f32 holds only as a subnormal or as 0.
const TINY_SQ: f64 = (f32::MIN_POSITIVE as f64) * (f32::MIN_POSITIVE as f64);
/// Rows whose largest coordinate is within 2^±ROW_PLAIN keep the plain dot products.
const ROW_PLAIN: i32 = 250;

/// The smallest positive distance met that is below f32's normal range (in input units), with its pair.
/// Written rarely (only for such distances, and then only when smaller), read after the distances are built.
struct Tiny {
    bits: AtomicU64,
    at: Mutex<Option<(f64, usize, usize)>>,
}

impl Tiny {
    fn new() -> Tiny {
        Tiny { bits: AtomicU64::new(u64::MAX), at: Mutex::new(None) }
    }
    fn offer(&self, x: f64, i: usize, j: usize) {
        // positive f64 order like their bits: a cheap shared read first, the lock only for a new minimum
        if x.to_bits() < self.bits.load(Ordering::Relaxed) {
            let mut at = self.at.lock().unwrap_or_else(|e| e.into_inner());
            if at.is_none_or(|a| x < a.0) {
                *at = Some((x, i.min(j), i.max(j)));
                self.bits.store(x.to_bits(), Ordering::Relaxed);
            }
        }
    }
    fn take(&self) -> Option<(f64, usize, usize)> {
        self.bits.store(u64::MAX, Ordering::Relaxed);
        self.at.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
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
        let mut r = Rows { n, d, p, norms: Vec::new(), metric, scaled: None, row_scale: Vec::new(), tiny: Tiny::new() };
        if metric != Metric::Euclidean {
            r.row_scale = r.row_scales();
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

    /// Euclidean distances are multiplied by 2^k (angle distances do not depend on it).
    pub fn set_scale(&mut self, s: Scale) {
        self.scaled = match s.k {
            0 => None,
            k if k < 0 => Some((s.factor(), 1.0)),
            _ => Some((1.0, s.factor())),
        };
    }

    /// The smallest positive Euclidean distance computed since the last call that f32 could not hold at full
    /// precision at the current scale, in input units, with its rows.
    pub fn take_tiny(&self) -> Option<(f64, usize, usize)> {
        self.tiny.take()
    }

    /// An upper bound of every Euclidean distance, √(Σ_c range_c²) over the columns: its binade e (the bound
    /// is below 2^e) and its value (∞ when beyond f64); None when all points coincide. O(n·d), where the
    /// exact largest distance would cost as much as the distance matrix.
    pub fn extent(&self) -> Option<(i32, f64)> {
        let ranges = match self.p {
            Points::F32(a) => column_ranges(a, self.d),
            Points::F64(a) => column_ranges(a, self.d),
        };
        // a column spanning more than f64 holds (values near ±f64::MAX) counts as f64::MAX: at most a
        // factor 2 low, which the 2^8 of headroom above a rescaled largest distance absorbs
        let ranges: Vec<f64> = ranges.into_iter().filter(|&r| r > 0.0).map(|r| r.min(f64::MAX)).collect();
        let emax = ranges.iter().map(|&r| binade(r)).max()?;
        let q = ranges.iter().map(|&r| libm::scalbn(r, -emax).powi(2)).sum::<f64>().sqrt();
        Some((emax + binade(q), libm::scalbn(q, emax)))
    }

    fn row_scales(&self) -> Vec<f64> {
        let d = self.d;
        let e: Vec<i32> = match self.p {
            Points::F32(a) => a.chunks_exact(d).map(row_binade).collect(),
            Points::F64(a) => a.chunks_exact(d).map(row_binade).collect(),
        };
        if e.iter().all(|&e| e.abs() <= ROW_PLAIN) {
            return Vec::new();
        }
        // 2^±1000 bring every f64 row within 2^±74 of 1, plenty for products
        e.into_iter().map(|e| libm::scalbn(1.0, (-e).clamp(-1000, 1000))).collect()
    }

    #[inline]
    fn dot(&self, i: usize, j: usize) -> f64 {
        let d = self.d;
        if self.row_scale.is_empty() {
            return match self.p {
                Points::F32(a) => dot(&a[i * d..(i + 1) * d], &a[j * d..(j + 1) * d], |x, y| x * y),
                Points::F64(a) => dot(&a[i * d..(i + 1) * d], &a[j * d..(j + 1) * d], |x, y| x * y),
            };
        }
        let (si, sj) = (self.row_scale[i], self.row_scale[j]);
        match self.p {
            Points::F32(a) => dot(&a[i * d..(i + 1) * d], &a[j * d..(j + 1) * d], |x, y| (x * si) * (y * sj)),
            Points::F64(a) => dot(&a[i * d..(i + 1) * d], &a[j * d..(j + 1) * d], |x, y| (x * si) * (y * sj)),
        }
    }

    /// Squared Euclidean distance in scaled units.
    #[inline]
    fn sqdist(&self, i: usize, j: usize) -> f64 {
        let d = self.d;
        match (self.p, self.scaled) {
            (Points::F32(a), None) => sqdiff(&a[i * d..(i + 1) * d], &a[j * d..(j + 1) * d], |x, y| x - y),
            (Points::F64(a), None) => sqdiff(&a[i * d..(i + 1) * d], &a[j * d..(j + 1) * d], |x, y| x - y),
            (Points::F32(a), Some((pre, post))) => {
                sqdiff(&a[i * d..(i + 1) * d], &a[j * d..(j + 1) * d], |x, y| (x * pre - y * pre) * post)
            }
            (Points::F64(a), Some((pre, post))) => {
                sqdiff(&a[i * d..(i + 1) * d], &a[j * d..(j + 1) * d], |x, y| (x * pre - y * pre) * post)
            }
        }
    }

    /// Records a positive distance below f32's normal range (or one whose square underflowed to 0), measured
    /// again in input units with the largest difference factored out so that it cannot underflow.
    #[cold]
    #[inline(never)]
    fn note_tiny(&self, i: usize, j: usize) {
        let d = self.d;
        let diff = |l: usize| match self.p {
            Points::F32(a) => a[i * d + l] as f64 - a[j * d + l] as f64,
            Points::F64(a) => a[i * d + l] - a[j * d + l],
        };
        let m = (0..d).map(|l| diff(l).abs()).fold(0.0, f64::max);
        if m > 0.0 {
            let x = m * (0..d).map(|l| (diff(l) / m).powi(2)).sum::<f64>().sqrt();
            self.tiny.offer(x, i, j);
        }
    }

    #[inline]
    pub fn dist(&self, i: usize, j: usize) -> f32 {
        match self.metric {
            Metric::Euclidean => {
                let s = self.sqdist(i, j);
                // exact duplicates (0) land here too and are told apart by note_tiny
                if s < TINY_SQ {
                    self.note_tiny(i, j);
                }
                s.sqrt() as f32
            }
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

/// Σ diff(x, y)² in four lanes. `diff` is the plain difference or its scaled form; one summation order for
/// both, so a rescaled run sums exactly what the plain one would have, times 4^k.
#[inline]
fn sqdiff<T: Lane>(a: &[T], b: &[T], diff: impl Fn(f64, f64) -> f64) -> f64 {
    let mut acc = [0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            let t = diff(x[l].f(), y[l].f());
            acc[l] += t * t;
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        let t = diff(x.f(), y.f());
        s += t * t;
    }
    s
}

/// Σ prod(x, y) in four lanes (the plain product or that of the rescaled rows).
#[inline]
fn dot<T: Lane>(a: &[T], b: &[T], prod: impl Fn(f64, f64) -> f64) -> f64 {
    let mut acc = [0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += prod(x[l].f(), y[l].f());
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        s += prod(x.f(), y.f());
    }
    s
}

/// max − min of every column (∞ when a column spans more than f64 holds).
fn column_ranges<T: Lane>(a: &[T], d: usize) -> Vec<f64> {
    let mut lo = vec![f64::INFINITY; d];
    let mut hi = vec![f64::NEG_INFINITY; d];
    for row in a.chunks_exact(d) {
        for (c, x) in row.iter().enumerate() {
            lo[c] = lo[c].min(x.f());
            hi[c] = hi[c].max(x.f());
        }
    }
    lo.iter().zip(&hi).map(|(l, h)| if h >= l { h - l } else { 0.0 }).collect()
}

/// Binade of a row's largest |coordinate| (0 for the zero row).
fn row_binade<T: Lane>(row: &[T]) -> i32 {
    let m = row.iter().map(|x| x.f().abs()).fold(0.0, f64::max);
    if m > 0.0 {
        binade(m)
    } else {
        0
    }
}
