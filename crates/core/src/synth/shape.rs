//! Small geometric helpers shared by the texture families (distances in pixels, anti-aliased edges).

use std::f32::consts::PI;

#[inline]
pub fn clamp01(x: f32) -> f32 {
    x.clamp(0.0, 1.0)
}

#[inline]
pub fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = clamp01((x - e0) / (e1 - e0));
    t * t * (3.0 - 2.0 * t)
}

/// Coverage of a shape whose signed distance (pixels, negative inside) is `d`, with a one-pixel ramp
/// so edges are anti-aliased and do not alias into moiré at small sizes.
#[inline]
pub fn cover(d: f32) -> f32 {
    clamp01(0.5 - d)
}

#[inline]
pub fn fract(x: f32) -> f32 {
    x - x.ffl()
}

/// Distance (in units of `period`) from `t` to the nearest integer, times the period.
#[inline]
pub fn line_dist(v: f32, period: f32, offset: f32) -> f32 {
    let t = v / period + offset;
    (fract(t + 0.5) - 0.5).abs() * period
}

/// Triangle wave in [-1, 1] with period 1.
#[inline]
pub fn tri(x: f32) -> f32 {
    (fract(x) - 0.5).abs() * 4.0 - 1.0
}

pub fn deg(d: f32) -> f32 {
    d * PI / 180.0
}

/// Orientation word for lines drawn at angle `theta` (radians, image y pointing down).
pub fn orientation_word(theta: f32) -> &'static str {
    let a = theta.rem_euclid(PI) * 180.0 / PI;
    if !(20.0..=160.0).contains(&a) {
        "horizontal"
    } else if (70.0..=110.0).contains(&a) {
        "vertical"
    } else {
        "diagonal"
    }
}

/// Distance from point p to the segment a-b.
#[inline]
pub fn seg_dist(px: f32, py: f32, ax: f32, ay: f32, bx: f32, by: f32) -> f32 {
    let (dx, dy) = (bx - ax, by - ay);
    let l2 = dx * dx + dy * dy;
    let t = if l2 > 0.0 { clamp01(((px - ax) * dx + (py - ay) * dy) / l2) } else { 0.0 };
    let (qx, qy) = (ax + t * dx - px, ay + t * dy - py);
    (qx * qx + qy * qy).sqrt()
}

/// A rotation with its sine and cosine computed once, for use inside per-pixel closures.
#[derive(Clone, Copy, Debug)]
pub struct Rot {
    s: f32,
    c: f32,
}

impl Rot {
    pub fn new(theta: f32) -> Self {
        let (s, c) = theta.sin_cos();
        Rot { s, c }
    }
    /// Same as `rot(x, y, theta)`.
    #[inline]
    pub fn ap(&self, x: f32, y: f32) -> (f32, f32) {
        (x * self.c + y * self.s, -x * self.s + y * self.c)
    }
}

/// `floor` without a libm call: the baseline x86-64 target lacks SSE4.1's `roundss`, and floor sits in
/// every pixel's inner loop. Exact for |x| < 2^31.
pub trait FastFloor {
    fn ffl(self) -> Self;
    fn frnd(self) -> Self;
}

impl FastFloor for f32 {
    #[inline(always)]
    fn ffl(self) -> f32 {
        let i = self as i32 as f32;
        if self < i {
            i - 1.0
        } else {
            i
        }
    }
    #[inline(always)]
    fn frnd(self) -> f32 {
        (self + 0.5).ffl()
    }
}
