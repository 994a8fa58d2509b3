//! The texture families. Each draws the structure that defines its DTD class clearly, while colours,
//! scale, orientation, jitter, distortion and lighting are drawn at random so that no single nuisance
//! cue (colour above all) separates classes.

use super::noise::{lattice_u32, u32_unit, Noise};
use super::palette::{luma, mix, scale, COLORS};
use super::shape::*;
use crate::rng::SplitMix64;
use std::f32::consts::{PI, TAU};

pub type Rgb = [f32; 3];
pub type Shade = Box<dyn Fn(f32, f32) -> Rgb + Send + Sync>;

pub struct Family {
    pub shade: Shade,
    pub colors: Vec<&'static str>,
    pub scale: &'static str,
    pub orientation: Option<&'static str>,
    pub detail: String,
    /// Multiplier of the global distortion; families whose identity is geometric regularity use less.
    pub warp: f32,
}

pub struct Pal {
    pub names: Vec<&'static str>,
    pub rgb: Vec<Rgb>,
}

/// Distinct named colours; the first differs from each other one in luma by at least `contrast`, so
/// the defining structure stays visible whatever colours are drawn.
pub fn pick(rng: &mut SplitMix64, n: usize, contrast: f32) -> Pal {
    let mut idx: Vec<usize> = Vec::with_capacity(n);
    let mut tries = 0;
    while idx.len() < n {
        let i = rng.int(0, COLORS.len() as i64 - 1) as usize;
        tries += 1;
        if idx.contains(&i) {
            continue;
        }
        if let Some(&first) = idx.first() {
            if tries < 200 && (luma(COLORS[first].rgb) - luma(COLORS[i].rgb)).abs() < contrast {
                continue;
            }
        }
        idx.push(i);
    }
    let rgb = idx
        .iter()
        .map(|&i| {
            let c = COLORS[i].rgb;
            [clamp01(c[0] + rng.range(-0.035, 0.035)), clamp01(c[1] + rng.range(-0.035, 0.035)), clamp01(c[2] + rng.range(-0.035, 0.035))]
        })
        .collect();
    Pal { names: idx.iter().map(|&i| COLORS[i].name).collect(), rgb }
}

/// A line angle: a third each horizontal, vertical and diagonal, with a little jitter.
fn pick_theta(rng: &mut SplitMix64) -> f32 {
    match rng.int(0, 2) {
        0 => deg(rng.range(-6.0, 6.0)),
        1 => deg(90.0 + rng.range(-6.0, 6.0)),
        _ => deg(if rng.chance(0.5) { rng.range(30.0, 60.0) } else { rng.range(120.0, 150.0) }),
    }
}

fn word3(x: f32, lo: f32, hi: f32, w: [&'static str; 3]) -> &'static str {
    let t = (x - lo) / (hi - lo);
    if t < 1.0 / 3.0 {
        w[0]
    } else if t < 2.0 / 3.0 {
        w[1]
    } else {
        w[2]
    }
}

fn fam(shade: Shade, pal: &Pal, k: usize, scale: &'static str, orientation: Option<&'static str>, detail: String, warp: f32) -> Family {
    Family { shade, colors: pal.names[..k].to_vec(), scale, orientation, detail, warp }
}

/// A light direction for the families that are drawn as relief.
fn light(rng: &mut SplitMix64) -> [f32; 3] {
    let a = rng.range(0.0, TAU);
    let el = rng.range(0.45, 0.8);
    let (s, c) = a.sin_cos();
    let h = (1.0 - el * el).sqrt();
    [h * c, h * s, el]
}

#[inline]
fn lambert(n: [f32; 3], l: [f32; 3]) -> f32 {
    let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt().max(1e-6);
    ((n[0] * l[0] + n[1] * l[1] + n[2] * l[2]) / len).max(0.0)
}

pub fn banded(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 3, 0.2);
    let k = if rng.chance(0.5) { 2 } else { 3 };
    let theta = pick_theta(rng);
    let w = s / rng.range(2.2, 4.2);
    let soft = rng.range(1.0, 8.0);
    let off = rng.uniform_f32();
    let rt = Rot::new(theta);
    let shades: Vec<f32> = (0..8).map(|_| rng.range(0.9, 1.1)).collect();
    let cols = pal.rgb.clone();
    let shade = Box::new(move |x: f32, y: f32| {
        let (_, v) = rt.ap(x, y);
        let t = v / w + off;
        let i = t.ffl() as i64;
        let f = t - t.ffl();
        let col = |j: i64| scale(cols[j.rem_euclid(k as i64) as usize], shades[j.rem_euclid(8) as usize]);
        let (j, d) = if f < 0.5 { (i - 1, f * w) } else { (i + 1, (1.0 - f) * w) };
        let a = 0.5 * (1.0 - smoothstep(0.0, soft, d));
        mix(col(i), col(j), a)
    });
    let sc = word3(w, s / 4.2, s / 2.2, ["wide", "broad", "very broad"]);
    fam(shade, &pal, k, sc, Some(orientation_word(theta)), format!("{sc} {} bands of colour", orientation_word(theta)), 1.0)
}

pub fn striped(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 3, 0.25);
    let three = rng.chance(0.3);
    let theta = pick_theta(rng);
    let p = s / rng.range(7.0, 16.0);
    let duty = rng.range(0.4, 0.6);
    let cols = pal.rgb.clone();
    let rt = Rot::new(theta);
    let shade = Box::new(move |x: f32, y: f32| {
        let (_, v) = rt.ap(x, y);
        let t = v / p;
        let i = t.ffl() as i64;
        let d = (t - t.ffl() - duty * 0.5 - 0.25).abs() * p - duty * p * 0.5;
        let stripe = cover(d);
        let bg = if three && i.rem_euclid(2) == 1 { cols[2] } else { cols[0] };
        mix(bg, cols[1], stripe)
    });
    let sc = word3(p, s / 16.0, s / 7.0, ["thin", "medium", "thick"]);
    let o = orientation_word(theta);
    fam(shade, &pal, if three { 3 } else { 2 }, sc, Some(o), format!("{sc} {o} stripes"), 0.6)
}

pub fn lined(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 2, 0.3);
    let theta = pick_theta(rng);
    let p = s / rng.range(10.0, 22.0);
    let lw = rng.range(1.0, 2.2);
    let amp = rng.range(0.0, 2.5);
    let lam = s / rng.range(1.0, 4.0);
    let cols = pal.rgb.clone();
    let rt = Rot::new(theta);
    let shade = Box::new(move |x: f32, y: f32| {
        let (u, v) = rt.ap(x, y);
        let v = v + amp * (u / lam * TAU).sin();
        let d = line_dist(v, p, 0.0) - lw * 0.5;
        mix(cols[0], cols[1], cover(d))
    });
    let sc = word3(p, s / 22.0, s / 10.0, ["closely spaced", "evenly spaced", "widely spaced"]);
    let o = orientation_word(theta);
    fam(shade, &pal, 2, sc, Some(o), format!("thin {sc} {o} lines"), 0.6)
}

pub fn chequered(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 2, 0.3);
    let r = rng.uniform_f32();
    let theta = if r < 0.6 {
        deg(rng.range(-4.0, 4.0))
    } else if r < 0.85 {
        deg(45.0 + rng.range(-4.0, 4.0))
    } else {
        rng.angle()
    };
    let c = s / rng.range(4.0, 10.0);
    let cols = pal.rgb.clone();
    let rt = Rot::new(theta);
    let shade = Box::new(move |x: f32, y: f32| {
        let (u, v) = rt.ap(x, y);
        let du = line_dist(u, c, 0.0);
        let dv = line_dist(v, c, 0.0);
        let par = ((u / c).ffl() as i64 + (v / c).ffl() as i64).rem_euclid(2) as f32;
        // Blend across the cell border over one pixel.
        let edge = clamp01(1.0 - 2.0 * du.min(dv)) * 0.5;
        let t = par + (1.0 - 2.0 * par) * edge;
        mix(cols[0], cols[1], t)
    });
    let sc = word3(c, s / 10.0, s / 4.0, ["small", "medium", "large"]);
    let o = if (theta.to_degrees() - 45.0).abs() < 10.0 {
        "diagonal"
    } else if theta.to_degrees().abs() < 10.0 {
        "straight"
    } else {
        "tilted"
    };
    fam(shade, &pal, 2, sc, Some(o), format!("{sc} squares in a {o} chequerboard"), 0.4)
}

pub fn grid(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 2, 0.3);
    let theta = deg(rng.range(-10.0, 10.0));
    let p = s / rng.range(4.5, 10.0);
    let lw = rng.range(1.5, 3.5);
    let sub = rng.chance(0.3);
    let cols = pal.rgb.clone();
    let rt = Rot::new(theta);
    let shade = Box::new(move |x: f32, y: f32| {
        let (u, v) = rt.ap(x, y);
        let d = line_dist(u, p, 0.0).min(line_dist(v, p, 0.0)) - lw * 0.5;
        let mut a = cover(d);
        if sub {
            let d2 = line_dist(u, p / 2.0, 0.0).min(line_dist(v, p / 2.0, 0.0)) - 0.5;
            a = a.max(0.45 * cover(d2));
        }
        mix(cols[0], cols[1], a)
    });
    let sc = word3(p, s / 10.0, s / 4.5, ["small", "medium", "large"]);
    fam(shade, &pal, 2, sc, None, format!("a grid of thin lines forming {sc} squares"), 0.4)
}

pub fn crosshatched(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 2, 0.35);
    let t1 = deg(rng.range(30.0, 60.0) + if rng.chance(0.5) { 90.0 } else { 0.0 });
    let t2 = t1 + deg(rng.range(70.0, 110.0));
    let p = rng.range(4.0, 7.5) * s / 256.0;
    let lw = rng.range(0.9, 1.5) * s / 256.0;
    let dash = rng.range(10.0, 30.0) * s / 256.0;
    let seed = rng.next_u64() as u32;
    let n = Noise::new(rng);
    let cols = pal.rgb.clone();
    let rots = [Rot::new(t1), Rot::new(t2)];
    let shade = Box::new(move |x: f32, y: f32| {
        let mut ink = 0.0f32;
        for (k, rt) in rots.iter().enumerate() {
            let (u, v) = rt.ap(x, y);
            let line = (v / p).frnd() as i32;
            let h = lattice_u32(line, k as i32, seed);
            let jitter = (u32_unit(h) - 0.5) * 0.6 * p;
            let d = line_dist(v + jitter, p, 0.0) - lw * 0.5;
            // Strokes break up along their length like pen hatching.
            let on = n.at(u / dash + u32_unit(h) * 50.0, line as f32 * 3.7 + k as f32 * 91.0) > -0.35;
            if on {
                let strength = 0.55 + 0.45 * u32_unit(h.rotate_left(7));
                ink = ink + (1.0 - ink) * strength * cover(d);
            }
        }
        mix(cols[0], cols[1], ink)
    });
    fam(shade, &pal, 2, "fine", Some("diagonal"), "dense diagonal pen hatching crossing in two directions".into(), 1.0)
}

pub fn zigzagged(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 3, 0.25);
    let three = rng.chance(0.4);
    let theta = pick_theta(rng);
    let p = s / rng.range(5.0, 10.0);
    let lam = p * rng.range(0.7, 1.4);
    let amp = lam * rng.range(0.3, 0.6);
    let cols = pal.rgb.clone();
    let rt = Rot::new(theta);
    let shade = Box::new(move |x: f32, y: f32| {
        let (u, v) = rt.ap(x, y);
        let v = v + amp * tri(u / lam);
        // The zigzag's slope shrinks the perpendicular width; correct for it so edges stay one pixel.
        let slope = (1.0 + (4.0 * amp / lam).powi(2)).sqrt();
        let t = v / p;
        let i = t.ffl() as i64;
        let d = ((t - t.ffl() - 0.5).abs() - 0.25) * p / slope;
        let bg = if three && i.rem_euclid(2) == 1 { cols[2] } else { cols[0] };
        mix(bg, cols[1], cover(d))
    });
    let sc = word3(p, s / 10.0, s / 5.0, ["narrow", "medium", "wide"]);
    let o = orientation_word(theta);
    fam(shade, &pal, if three { 3 } else { 2 }, sc, Some(o), format!("{sc} {o} zigzag stripes with sharp peaks"), 0.5)
}

/// Jittered-grid feature points: one point (and a hash for per-point choices) per cell of size `g`,
/// precomputed for every cell the image (plus a margin for distortion) can touch, so the per-pixel
/// 3×3 neighbourhood search reads a table instead of hashing nine cells.
struct Cells {
    g: f32,
    lo: i32,
    n: i32,
    pts: Vec<(f32, f32, u32)>,
    seed: u32,
    jitter: f32,
}

impl Cells {
    fn new(g: f32, seed: u32, jitter: f32, s: f32) -> Self {
        let lo = -3;
        let n = (s / g).ceil() as i32 + 7;
        let mut pts = Vec::with_capacity((n * n) as usize);
        for cy in lo..lo + n {
            for cx in lo..lo + n {
                pts.push(Self::point(g, seed, jitter, cx, cy));
            }
        }
        Cells { g, lo, n, pts, seed, jitter }
    }

    #[inline]
    fn point(g: f32, seed: u32, jitter: f32, cx: i32, cy: i32) -> (f32, f32, u32) {
        let h = lattice_u32(cx, cy, seed);
        let jx = (u32_unit(h) - 0.5) * jitter;
        let jy = (u32_unit(h.rotate_left(11)) - 0.5) * jitter;
        ((cx as f32 + 0.5 + jx) * g, (cy as f32 + 0.5 + jy) * g, h.rotate_left(19) ^ 0x9e37_79b9)
    }

    /// Calls `f` with the point of each of the 3×3 cells around (x, y).
    #[inline]
    fn each3(&self, x: f32, y: f32, mut f: impl FnMut(f32, f32, u32)) {
        let cx = (x / self.g).ffl() as i32;
        let cy = (y / self.g).ffl() as i32;
        let inside = cx > self.lo && cy > self.lo && cx + 1 < self.lo + self.n && cy + 1 < self.lo + self.n;
        for j in -1..=1 {
            for i in -1..=1 {
                let (px, py, h) = if inside {
                    self.pts[((cy + j - self.lo) * self.n + (cx + i - self.lo)) as usize]
                } else {
                    Self::point(self.g, self.seed, self.jitter, cx + i, cy + j)
                };
                f(px, py, h);
            }
        }
    }
}

pub fn dotted(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 2, 0.3);
    let g = s / rng.range(12.0, 20.0);
    let r = g * rng.range(0.18, 0.26);
    let jitter = rng.range(0.3, 0.6);
    let seed = rng.next_u64() as u32;
    let cells = Cells::new(g, seed, jitter, s);
    let cols = pal.rgb.clone();
    let shade = Box::new(move |x: f32, y: f32| {
        let mut a = 0.0f32;
        cells.each3(x, y, |px, py, h| {
            if u32_unit(h) < 0.9 {
                let d = ((x - px).powi(2) + (y - py).powi(2)).sqrt() - r;
                a = a.max(cover(d));
            }
        });
        mix(cols[0], cols[1], a)
    });
    let sc = word3(r, s / 20.0 * 0.18, s / 12.0 * 0.26, ["tiny", "small", "small round"]);
    fam(shade, &pal, 2, sc, None, format!("{sc} dots scattered loosely"), 1.0)
}

pub fn polka_dotted(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 2, 0.3);
    let g = s / rng.range(4.0, 7.0);
    let r = g * rng.range(0.22, 0.32);
    let theta = if rng.chance(0.7) { 0.0 } else { deg(45.0) };
    let ox = rng.uniform_f32() * g;
    let cols = pal.rgb.clone();
    let rt = Rot::new(theta);
    let shade = Box::new(move |x: f32, y: f32| {
        let (u, v) = rt.ap(x + ox, y + ox);
        // Staggered rows: every other row shifted by half a cell.
        let row = (v / g).ffl();
        let shift = if (row as i64).rem_euclid(2) == 1 { 0.5 * g } else { 0.0 };
        let mut best = f32::MAX;
        for dr in [-1.0f32, 0.0, 1.0] {
            let rr = row + dr;
            let sh = if (rr as i64).rem_euclid(2) == 1 { 0.5 * g } else { 0.0 };
            let cy = (rr + 0.5) * g;
            let cx = ((u - sh) / g).frnd() * g + sh;
            best = best.min(((u - cx).powi(2) + (v - cy).powi(2)).sqrt());
        }
        let _ = shift;
        mix(cols[0], cols[1], cover(best - r))
    });
    let sc = word3(r, s / 7.0 * 0.22, s / 4.0 * 0.32, ["medium", "large", "very large"]);
    fam(shade, &pal, 2, sc, None, format!("{sc} evenly spaced polka dots"), 0.3)
}

/// Nearest and second-nearest lattice points of a pointy-top hexagonal lattice with spacing `a`.
fn hex_two(x: f32, y: f32, a: f32) -> (f32, f32, f32, f32, f32) {
    let dy = a * 3f32.sqrt() * 0.5;
    let row = (y / dy).ffl() as i32;
    let mut b = [(f32::MAX, 0.0f32, 0.0f32); 2];
    for r in row - 1..=row + 2 {
        let sh = if r.rem_euclid(2) == 1 { 0.5 * a } else { 0.0 };
        let cy = r as f32 * dy;
        let c0 = ((x - sh) / a).ffl() as i32;
        for c in c0 - 1..=c0 + 2 {
            let cx = c as f32 * a + sh;
            let d = (x - cx).powi(2) + (y - cy).powi(2);
            if d < b[0].0 {
                b[1] = b[0];
                b[0] = (d, cx, cy);
            } else if d < b[1].0 {
                b[1] = (d, cx, cy);
            }
        }
    }
    (b[0].0, b[1].0, ((b[0].1 - b[1].1).powi(2) + (b[0].2 - b[1].2).powi(2)).sqrt(), b[0].1, b[0].2)
}

pub fn honeycombed(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 2, 0.3);
    let a = s / rng.range(5.0, 10.0);
    let bw = a * rng.range(0.05, 0.12);
    let depth = rng.range(0.1, 0.35);
    let theta = rng.angle();
    let cols = pal.rgb.clone();
    let rt = Rot::new(theta);
    let shade = Box::new(move |x: f32, y: f32| {
        let (u, v) = rt.ap(x, y);
        let (d1, d2, sep, _, _) = hex_two(u, v, a);
        // Distance to the bisector between the two nearest centres = distance to the cell wall.
        let wall = (d2 - d1) / (2.0 * sep);
        let inner = smoothstep(0.0, a * 0.5, wall);
        let fill = scale(cols[0], 1.0 - depth + depth * inner);
        mix(fill, cols[1], cover(wall - bw * 0.5))
    });
    let sc = word3(a, s / 10.0, s / 5.0, ["small", "medium", "large"]);
    fam(shade, &pal, 2, sc, None, format!("a honeycomb of {sc} hexagonal cells"), 0.3)
}

pub fn spiralled(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 2, 0.3);
    let cx = s * rng.range(0.3, 0.7);
    let cy = s * rng.range(0.3, 0.7);
    let lam = s / rng.range(8.0, 16.0);
    let arms = rng.int(1, 2) as f32;
    let dir = if rng.chance(0.5) { 1.0 } else { -1.0 };
    let cols = pal.rgb.clone();
    let shade = Box::new(move |x: f32, y: f32| {
        let (dx, dy) = (x - cx, y - cy);
        let r = (dx * dx + dy * dy).sqrt();
        let phi = dy.atan2(dx) * dir;
        let t = r / lam - arms * phi / TAU;
        let d = ((t - t.ffl() - 0.5).abs() - 0.25) * lam;
        mix(cols[0], cols[1], cover(d))
    });
    let sc = word3(lam, s / 16.0, s / 8.0, ["tight", "medium", "loose"]);
    fam(shade, &pal, 2, sc, None, format!("a {sc} spiral winding out from one centre"), 0.3)
}

pub fn swirly(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 3, 0.25);
    let nv = rng.int(4, 7) as usize;
    let vort: Vec<(f32, f32, f32, f32)> = (0..nv)
        .map(|_| {
            let st = rng.range(2.5, 5.0) * if rng.chance(0.5) { 1.0 } else { -1.0 };
            (rng.range(-0.1, 1.1) * s, rng.range(-0.1, 1.1) * s, st, s * rng.range(0.12, 0.25))
        })
        .collect();
    let p = s / rng.range(8.0, 14.0);
    let theta = rng.angle();
    let cols = pal.rgb.clone();
    let rt = Rot::new(theta);
    let shade = Box::new(move |x: f32, y: f32| {
        let (mut px, mut py) = (x, y);
        for &(vx, vy, st, rad) in &vort {
            let (dx, dy) = (px - vx, py - vy);
            if dx * dx + dy * dy > 9.0 * rad * rad {
                continue;
            }
            let a = st * (-(dx * dx + dy * dy) / (rad * rad)).exp();
            let (sn, cs) = a.sin_cos();
            px = vx + dx * cs - dy * sn;
            py = vy + dx * sn + dy * cs;
        }
        let (_, v) = rt.ap(px, py);
        let t = v / p;
        let i = t.ffl() as i64;
        let f = t - t.ffl();
        let e = smoothstep(0.3, 0.5, (f - 0.5).abs());
        let a = cols[(i.rem_euclid(3)) as usize];
        let b = cols[((i + 1).rem_euclid(3)) as usize];
        mix(a, b, if f > 0.5 { e * 0.5 } else { 0.0 })
    });
    let sc = word3(p, s / 14.0, s / 8.0, ["fine", "flowing", "broad"]);
    fam(shade, &pal, 3, sc, None, format!("{sc} swirling curls of colour"), 0.5)
}

pub fn marbled(rng: &mut SplitMix64, s: f32) -> Family {
    let mut pal = pick(rng, 3, 0.3);
    // Marble reads as a pale stone with darker veining; keep the base the lighter colour.
    if luma(pal.rgb[0]) < luma(pal.rgb[1]) {
        pal.rgb.swap(0, 1);
        pal.names.swap(0, 1);
    }
    let n = Noise::new(rng);
    let theta = rng.angle();
    let f = s / rng.range(2.0, 3.5);
    let turb = rng.range(1.2, 2.5);
    let lam = s / rng.range(4.0, 8.0);
    let sharp = rng.range(6.0, 14.0);
    let cols = pal.rgb.clone();
    let rt = Rot::new(theta);
    let shade = Box::new(move |x: f32, y: f32| {
        let (u, _) = rt.ap(x, y);
        let t = u / lam + turb * n.fbm(x / f, y / f, 4);
        // Each period: a soft ramp through the third colour, ending in a narrow dark vein.
        let val = 0.5 + 0.5 * (t * PI).sin();
        let base = mix(cols[0], cols[2], smoothstep(0.2, 0.9, val) * 0.6);
        mix(base, cols[1], val.powf(sharp) * 0.9)
    });
    fam(shade, &pal, 2, "soft", None, "marbled swirls of soft colour streaked with dark veins".into(), 0.0)
}

pub fn veined(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 2, 0.3);
    let n = Noise::new(rng);
    let n2 = Noise::new(rng);
    let f = s / rng.range(2.0, 4.0);
    let w = rng.range(0.8, 1.6) * s / 256.0;
    let rt = Rot::new(deg(rng.range(15.0, 75.0)));
    let cols = pal.rgb.clone();
    let shade = Box::new(move |x: f32, y: f32| {
        // Distance to the zero set of a noise field = |n| / |grad n|: lines of even width, unlike
        // thresholding |n| alone, which makes blobs where the field is flat.
        // Rotated sampling hides the axis-aligned lattice of value noise.
        let (x, y) = rt.ap(x, y);
        let line = |nz: &Noise, k: f32, oct: u32| {
            let a = nz.gfbm(x / k, y / k, oct);
            let gx = nz.gfbm((x + 1.0) / k, y / k, oct) - a;
            let gy = nz.gfbm(x / k, (y + 1.0) / k, oct) - a;
            a.abs() / (gx * gx + gy * gy).sqrt().max(1e-6)
        };
        let major = cover(line(&n, f, 2) - w);
        let minor = cover(line(&n2, f * 0.45, 1) - w * 0.5);
        let base = scale(cols[0], 0.92 + 0.08 * n2.at(x / f * 4.0, y / f * 4.0));
        mix(base, cols[1], major.max(minor * 0.75))
    });
    let sc = if w < 1.2 * s / 256.0 { "thin" } else { "fine" };
    fam(shade, &pal, 2, sc, None, format!("a network of {sc} branching veins"), 0.0)
}

/// Worley distances: (nearest², second nearest², cell hash of nearest).
fn worley(x: f32, y: f32, cells: &Cells) -> (f32, f32, u32) {
    let mut d1 = f32::MAX;
    let mut d2 = f32::MAX;
    let mut id = 0;
    cells.each3(x, y, |px, py, h| {
        let d = (x - px).powi(2) + (y - py).powi(2);
        if d < d1 {
            d2 = d1;
            d1 = d;
            id = h;
        } else if d < d2 {
            d2 = d;
        }
    });
    (d1, d2, id)
}

pub fn cracked(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 2, 0.35);
    let g = s / rng.range(4.0, 8.0);
    let cw = rng.range(1.2, 3.0) * s / 256.0;
    let seed = rng.next_u64() as u32;
    let cells = Cells::new(g, seed, 0.9, s);
    let n = Noise::new(rng);
    let rough = rng.range(1.0, 3.0) * s / 256.0;
    let cols = pal.rgb.clone();
    let shade = Box::new(move |x: f32, y: f32| {
        let px = x + rough * n.at(x / 6.0, y / 6.0);
        let py = y + rough * n.at(x / 6.0 + 40.0, y / 6.0);
        let (d1, d2, id) = worley(px, py, &cells);
        let (a, b) = (d1.sqrt(), d2.sqrt());
        // (b - a)/2 approximates the distance to the shared edge well enough for thin cracks.
        let edge = (b - a) * 0.5;
        let tint = 0.85 + 0.2 * u32_unit(id);
        let base = scale(cols[0], tint * (0.93 + 0.07 * n.fbm(x / 20.0, y / 20.0, 2)));
        // Edges of each plate darken slightly: the cracks read as depth.
        let rim = 1.0 - 0.15 * (1.0 - smoothstep(0.0, 6.0, edge));
        mix(scale(base, rim), cols[1], cover(edge - cw * 0.5))
    });
    let sc = if cw < 2.0 * s / 256.0 { "fine" } else { "wide" };
    fam(shade, &pal, 2, sc, None, format!("a dry surface broken into plates by {sc} cracks"), 0.5)
}

pub fn bubbly(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 2, 0.2);
    let g = s / rng.range(5.0, 10.0);
    let seed = rng.next_u64() as u32;
    let cells = Cells::new(g, seed, 0.8, s);
    let rmin = rng.range(0.2, 0.3);
    let rmax = rng.range(0.42, 0.58);
    let rim = rng.range(1.2, 2.4) * s / 256.0;
    let cols = pal.rgb.clone();
    let shade = Box::new(move |x: f32, y: f32| {
        let mut c = cols[0];
        cells.each3(x, y, |px, py, h| {
            if u32_unit(h) > 0.9 {
                return;
            }
            let r = g * (rmin + (rmax - rmin) * u32_unit(h.rotate_left(5)));
            let d = ((x - px).powi(2) + (y - py).powi(2)).sqrt();
            if d > r + 1.0 {
                return;
            }
            let inside = cover(d - r);
            c = mix(c, mix(c, cols[1], 0.3), inside);
            c = mix(c, [1.0, 1.0, 1.0], 0.7 * cover((d - r + rim * 0.5).abs() - rim * 0.5));
            let hx = px - 0.4 * r;
            let hy = py - 0.4 * r;
            let hd = ((x - hx).powi(2) + (y - hy).powi(2)).sqrt() - 0.18 * r;
            c = mix(c, [1.0, 1.0, 1.0], 0.85 * cover(hd));
        });
        c
    });
    let sc = word3(rmax * g, s / 10.0 * 0.42, s / 5.0 * 0.58, ["small", "medium", "large"]);
    fam(shade, &pal, 2, sc, None, format!("clusters of {sc} glossy round bubbles"), 0.3)
}

pub fn studded(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 2, 0.15);
    let g = s / rng.range(5.0, 9.0);
    let r = g * rng.range(0.22, 0.34);
    let theta = deg(rng.range(-8.0, 8.0)) + if rng.chance(0.3) { deg(45.0) } else { 0.0 };
    let l = light(rng);
    let n = Noise::new(rng);
    let cols = pal.rgb.clone();
    let rt = Rot::new(theta);
    let shade = Box::new(move |x: f32, y: f32| {
        let (u, v) = rt.ap(x, y);
        let cu = (u / g).ffl() * g + g * 0.5;
        let cv = (v / g).ffl() * g + g * 0.5;
        let (du, dv) = (u - cu, v - cv);
        let d = (du * du + dv * dv).sqrt();
        let plate = scale(cols[0], 0.9 + 0.1 * n.at(u / 30.0, v / 2.0));
        // Cast shadow: the stud's disc shifted away from the light.
        let (sx, sy) = rt.ap(-l[0] * r * 0.35, -l[1] * r * 0.35);
        let ds = ((du - sx).powi(2) + (dv - sy).powi(2)).sqrt();
        let base = scale(plate, 1.0 - 0.35 * cover(ds - r * 1.05));
        if d > r + 1.0 {
            return base;
        }
        let q = (d / r).min(1.0);
        let nz = (1.0 - q * q).max(0.0).sqrt();
        let (lx, ly) = rt.ap(l[0], l[1]);
        let nn = [du / r, dv / r, nz];
        let diff = lambert(nn, [lx, ly, l[2]]);
        let spec = diff.powi(24);
        let stud = mix(scale(cols[1], 0.3 + 0.8 * diff), [1.0, 1.0, 1.0], spec * 0.7);
        mix(base, stud, cover(d - r))
    });
    let sc = word3(r, s / 9.0 * 0.22, s / 5.0 * 0.34, ["small", "medium", "large"]);
    fam(shade, &pal, 2, sc, None, format!("rows of {sc} round metal studs"), 0.2)
}

pub fn meshed(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 2, 0.3);
    let base = rng.angle();
    let half = deg(rng.range(28.0, 40.0));
    let p = s / rng.range(6.0, 11.0);
    let w = p * rng.range(0.12, 0.22);
    let cols = pal.rgb.clone();
    let rots = [Rot::new(base - half), Rot::new(base + half)];
    let shade = Box::new(move |x: f32, y: f32| {
        let mut c = scale(cols[0], 0.6);
        for rt in &rots {
            let (_, v) = rt.ap(x, y);
            let d = line_dist(v, p, 0.0);
            let q = (2.0 * d / w).min(1.0);
            // Round strands: brightest along their centre line.
            let strand = scale(cols[1], 0.45 + 0.6 * (1.0 - q * q).max(0.0).sqrt());
            c = mix(c, strand, cover(d - w * 0.5));
        }
        c
    });
    let sc = if w / p < 0.17 { "thin" } else { "thick" };
    fam(shade, &pal, 2, sc, None, format!("a net mesh of {sc} strands with diamond-shaped holes"), 0.4)
}

pub fn woven(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 2, 0.15);
    let same = rng.chance(0.3);
    let theta = if rng.chance(0.75) { deg(rng.range(-5.0, 5.0)) } else { deg(45.0) };
    let g = s / rng.range(7.0, 13.0);
    let gap = rng.range(0.04, 0.12);
    let thread = rng.range(3.0, 6.0);
    let cols = pal.rgb.clone();
    let rt = Rot::new(theta);
    let shade = Box::new(move |x: f32, y: f32| {
        let (u, v) = rt.ap(x, y);
        let (iu, iv) = ((u / g).ffl() as i64, (v / g).ffl() as i64);
        let (fu, fv) = (u / g - iu as f32, v / g - iv as f32);
        let warp_on_top = (iu + iv).rem_euclid(2) == 0;
        // Across-strand coordinate in [-1, 1] and along-strand coordinate in [0, 1].
        let (across, along, col) =
            if warp_on_top { (fu * 2.0 - 1.0, fv, cols[0]) } else { (fv * 2.0 - 1.0, fu, if same { cols[0] } else { cols[1] }) };
        let a = across.abs();
        let body = (1.0 - a * a).max(0.0).sqrt();
        // The strand dips under its neighbours at both ends of the cell.
        let dip = 0.55 + 0.45 * (along * PI).sin();
        let fibres = 0.92 + 0.08 * (across * thread * PI).sin();
        let lit = scale(col, (0.35 + 0.75 * body) * dip * fibres);
        let gapped = 1.0 - smoothstep(1.0 - gap * 2.0, 1.0, a);
        scale(lit, 0.2 + 0.8 * gapped)
    });
    let sc = word3(g, s / 13.0, s / 7.0, ["fine", "medium", "coarse"]);
    fam(shade, &pal, if same { 1 } else { 2 }, sc, None, format!("a {sc} basket weave of strands passing over and under"), 0.3)
}

pub fn waffled(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 1, 0.0);
    let g = s / rng.range(4.0, 8.0);
    let wall = rng.range(0.1, 0.2);
    let bev = rng.range(0.08, 0.16);
    let theta = deg(rng.range(-8.0, 8.0)) + if rng.chance(0.25) { deg(45.0) } else { 0.0 };
    let l = light(rng);
    let col = pal.rgb[0];
    let rt = Rot::new(theta);
    let shade = Box::new(move |x: f32, y: f32| {
        let (u, v) = rt.ap(x, y);
        let fu = u / g - (u / g).ffl();
        let fv = v / g - (v / g).ffl();
        let du = fu.min(1.0 - fu);
        let dv = fv.min(1.0 - fv);
        let d = du.min(dv);
        // Normal of the bevel between wall top and pocket floor, pointing into the pocket.
        let mut nrm = [0.0, 0.0, 1.0];
        if d > wall * 0.5 && d < wall * 0.5 + bev {
            let k = 1.2;
            if du < dv {
                nrm = [if fu < 0.5 { k } else { -k }, 0.0, 1.0];
            } else {
                nrm = [0.0, if fv < 0.5 { k } else { -k }, 1.0];
            }
        }
        let (lu, lv) = rt.ap(l[0], l[1]);
        let lit = lambert(nrm, [lu, lv, l[2]]);
        let floor = if d >= wall * 0.5 + bev { 0.8 } else { 1.0 };
        scale(col, (0.25 + 0.85 * lit) * floor)
    });
    let sc = word3(g, s / 8.0, s / 4.0, ["small", "medium", "large"]);
    fam(shade, &pal, 1, sc, None, format!("a waffle grid of {sc} square pockets"), 0.2)
}

pub fn perforated(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 1, 0.0);
    let g = s / rng.range(9.0, 16.0);
    let r = g * rng.range(0.18, 0.3);
    let stagger = rng.chance(0.5);
    let theta = deg(rng.range(-6.0, 6.0));
    let n = Noise::new(rng);
    let col = pal.rgb[0];
    let hole = scale(col, 0.08);
    let rt = Rot::new(theta);
    let shade = Box::new(move |x: f32, y: f32| {
        let (u, v) = rt.ap(x, y);
        let row = (v / g).ffl();
        let sh = if stagger && (row as i64).rem_euclid(2) == 1 { 0.5 * g } else { 0.0 };
        let cu = ((u - sh) / g).ffl() * g + g * 0.5 + sh;
        let cv = row * g + g * 0.5;
        let d = ((u - cu).powi(2) + (v - cv).powi(2)).sqrt();
        // Brushed sheet metal: grain stretched along one axis.
        let plate = scale(col, 0.88 + 0.12 * n.at(u / 40.0, v / 1.5));
        let rim = 1.0 - 0.4 * (1.0 - smoothstep(r, r + 2.0, d));
        mix(scale(plate, rim), hole, cover(d - r))
    });
    let sc = word3(r, s / 16.0 * 0.18, s / 9.0 * 0.3, ["tiny", "small", "round"]);
    fam(shade, &pal, 1, sc, None, format!("a sheet perforated with regular rows of {sc} holes"), 0.1)
}

pub fn porous(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 1, 0.0);
    let g = s / rng.range(10.0, 18.0);
    let seed = rng.next_u64() as u32;
    let cells = Cells::new(g, seed, 0.9, s);
    let n = Noise::new(rng);
    let col = pal.rgb[0];
    let shade = Box::new(move |x: f32, y: f32| {
        let tex = 0.85 + 0.15 * n.fbm(x / 12.0, y / 12.0, 2);
        let mut depth = 0.0f32;
        cells.each3(x, y, |px, py, h| {
            if u32_unit(h) > 0.8 {
                return;
            }
            let r = g * (0.08 + 0.4 * u32_unit(h.rotate_left(9)).powi(2));
            let raw = (x - px).powi(2) + (y - py).powi(2);
            if raw > (1.35 * r + 1.0).powi(2) {
                return;
            }
            let wob = 1.0 + 0.3 * n.at(x / (r + 2.0) + (h & 255) as f32, y / (r + 2.0));
            let d = raw.sqrt() / (r * wob);
            if d < 1.0 {
                depth = depth.max(cover((d - 1.0) * r) * (1.0 - 0.6 * d * d));
            }
        });
        scale(col, tex * (1.0 - 0.85 * depth))
    });
    fam(shade, &pal, 1, "irregular", None, "a porous surface full of irregular pits of many sizes".into(), 0.6)
}

pub fn blotchy(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 3, 0.2);
    let n = Noise::new(rng);
    let n2 = Noise::new(rng);
    let f = s / rng.range(2.0, 4.5);
    let t1 = rng.range(-0.15, 0.05);
    let soft = rng.range(0.01, 0.05);
    let cols = pal.rgb.clone();
    let shade = Box::new(move |x: f32, y: f32| {
        let a = n.fbm(x / f, y / f, 3);
        let b = n2.fbm(x / f * 1.3, y / f * 1.3, 3);
        let c = mix(cols[0], cols[1], smoothstep(t1 - soft, t1 + soft, a));
        mix(c, cols[2], smoothstep(0.15 - soft, 0.15 + soft, b))
    });
    let sc = word3(f, s / 4.5, s / 2.0, ["irregular", "large", "very large"]);
    fam(shade, &pal, 3, sc, None, format!("{sc} uneven blotches of colour"), 0.0)
}

pub fn freckled(rng: &mut SplitMix64, s: f32) -> Family {
    let mut pal = pick(rng, 2, 0.35);
    if luma(pal.rgb[0]) < luma(pal.rgb[1]) {
        pal.rgb.swap(0, 1);
        pal.names.swap(0, 1);
    }
    let g = s / rng.range(16.0, 26.0);
    let seed = rng.next_u64() as u32;
    let cells = Cells::new(g, seed, 1.0, s);
    let n = Noise::new(rng);
    let fc = s / rng.range(1.5, 3.0);
    let cols = pal.rgb.clone();
    let shade = Box::new(move |x: f32, y: f32| {
        // Freckles cluster: their density follows a slow noise field.
        let dens = 0.45 + 0.5 * n.at(x / fc, y / fc);
        let mut a = 0.0f32;
        cells.each3(x, y, |px, py, h| {
            if u32_unit(h) > dens {
                return;
            }
            let r = (0.8 + 2.6 * u32_unit(h.rotate_left(7))) * s / 256.0;
            let op = 0.55 + 0.45 * u32_unit(h.rotate_left(13));
            let d2 = ((x - px).powi(2) + (y - py).powi(2)) / (r * r);
            if d2 < 6.0 {
                a = a.max(op * (-d2).exp());
            }
        });
        let base = scale(cols[0], 0.95 + 0.05 * n.at(x / 8.0, y / 8.0));
        mix(base, cols[1], a)
    });
    fam(shade, &pal, 2, "small", None, "a light surface speckled with soft uneven freckles".into(), 0.8)
}

pub fn sprinkled(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 5, 0.15);
    let g = s / rng.range(10.0, 16.0);
    let len = g * rng.range(0.45, 0.75);
    let wid = len * rng.range(0.18, 0.26);
    let seed = rng.next_u64() as u32;
    let cells = Cells::new(g, seed, 0.7, s);
    let cols = pal.rgb.clone();
    let shade = Box::new(move |x: f32, y: f32| {
        let mut c = cols[0];
        cells.each3(x, y, |px, py, h| {
            if u32_unit(h) > 0.85 {
                return;
            }
            if (x - px).powi(2) + (y - py).powi(2) > (len * 0.5 + wid + 1.0).powi(2) {
                return;
            }
            let a = u32_unit(h.rotate_left(9)) * PI;
            let (sn, cs) = a.sin_cos();
            let hx = cs * len * 0.5;
            let hy = sn * len * 0.5;
            let d = seg_dist(x, y, px - hx, py - hy, px + hx, py + hy) - wid * 0.5;
            if d < 1.0 {
                let k = 1 + (h.rotate_left(17) % 4) as usize;
                c = mix(c, cols[k], cover(d));
            }
        });
        c
    });
    fam(shade, &pal, 5, "small", None, "colourful rod-shaped sprinkles scattered at random angles".into(), 0.5)
}

pub fn stratified(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 3, 0.15);
    let theta = if rng.chance(0.8) { deg(rng.range(-20.0, 20.0)) } else { rng.angle() };
    let p = s / rng.range(12.0, 24.0);
    let wav = s * rng.range(0.02, 0.08);
    let n = Noise::new(rng);
    let seed = rng.next_u64() as u32;
    let cols = pal.rgb.clone();
    let rt = Rot::new(theta);
    let shade = Box::new(move |x: f32, y: f32| {
        let (u, v) = rt.ap(x, y);
        let v = v + wav * n.fbm(u / (s * 0.4), 3.3, 2);
        let t = v / p;
        // Uneven layer thickness: a monotone distortion of the layer coordinate.
        let t = t + 0.35 * (t * 0.61).sin() + 0.2 * (t * 1.37).sin();
        let i = t.ffl() as i32;
        let h = lattice_u32(i, 7, seed);
        let base = cols[(h % 3) as usize];
        let tone = 0.75 + 0.4 * u32_unit(h.rotate_left(8));
        let f = t - t.ffl();
        let edge = 1.0 - 0.25 * (1.0 - smoothstep(0.0, 0.12, f.min(1.0 - f)));
        let grain = 0.9 + 0.1 * n.at(u / 3.0, v / 1.5);
        scale(base, tone * edge * grain)
    });
    let o = orientation_word(theta);
    fam(shade, &pal, 3, "thin", Some(o), format!("many thin uneven {o} rock layers"), 0.3)
}

pub fn wrinkled(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 1, 0.0);
    let theta = rng.angle();
    let stretch = rng.range(2.5, 5.0);
    let f = s / rng.range(6.0, 12.0);
    let n = Noise::new(rng);
    let n2 = Noise::new(rng);
    let l = light(rng);
    let col = pal.rgb[0];
    let rt = Rot::new(theta);
    let height = move |x: f32, y: f32, bend: f32| -> f32 {
        let (u, v) = rt.ap(x, y);
        let a = 1.0 - n.fbm((u + bend) / (f * stretch), (v + bend) / f, 3).abs();
        a * a
    };
    let shade = Box::new(move |x: f32, y: f32| {
        // The slow bend is smooth over a pixel, so one evaluation serves the three height samples.
        let bend = 0.6 * n2.at(x / (f * 3.0), y / (f * 3.0)) * f;
        let h0 = height(x, y, bend);
        let hx = 2.0 * (height(x + 1.0, y, bend) - h0);
        let hy = 2.0 * (height(x, y + 1.0, bend) - h0);
        let k = f * 0.35;
        let lit = lambert([-hx * k, -hy * k, 1.0], l);
        scale(col, 0.25 + 0.85 * lit)
    });
    let sc = word3(f, s / 12.0, s / 6.0, ["fine", "medium", "deep"]);
    fam(shade, &pal, 1, sc, None, format!("a crumpled surface covered in {sc} wrinkles and creases"), 0.0)
}

pub fn fibrous(rng: &mut SplitMix64, s: f32) -> Family {
    let pal = pick(rng, 2, 0.2);
    let theta = pick_theta(rng);
    let n = Noise::new(rng);
    let n2 = Noise::new(rng);
    let across = rng.range(1.2, 2.5) * s / 256.0;
    let along = s * rng.range(0.2, 0.5);
    let bend = s * rng.range(0.03, 0.1);
    let cols = pal.rgb.clone();
    let rt = Rot::new(theta);
    let shade = Box::new(move |x: f32, y: f32| {
        let (u, v) = rt.ap(x, y);
        let v = v + bend * n2.at(u / (s * 0.5), v / (s * 0.5));
        let a = n.fbm(u / along, v / across, 3);
        let b = n.at(u / (along * 0.5) + 100.0, v / (across * 0.5));
        let t = 0.5 + 0.9 * a;
        let bright = smoothstep(0.55, 0.85, b) * 0.5;
        mix(mix(cols[0], cols[1], clamp01(t)), [1.0, 1.0, 1.0], bright * 0.5)
    });
    let o = orientation_word(theta);
    fam(shade, &pal, 2, "fine", Some(o), format!("long fine fibres running {o}"), 0.0)
}
