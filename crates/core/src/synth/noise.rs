//! Lattice hashes and smooth noise fields for the texture generator. Everything is derived from integer
//! hashes so a (seed, class, index) triple always gives the same image, whatever the batch or thread
//! layout; the generator itself is [`crate::rng::SplitMix64`].

use super::shape::FastFloor;
use crate::rng::SplitMix64;

/// Hash of an integer lattice point to a float in [-1, 1).
#[inline]
pub fn lattice(ix: i32, iy: i32, seed: u32) -> f32 {
    let mut h = (ix as u32).wrapping_mul(0x27d4_eb2d) ^ (iy as u32).wrapping_mul(0x1656_67b1) ^ seed;
    h = (h ^ (h >> 15)).wrapping_mul(0x2c1b_3c6d);
    h = (h ^ (h >> 12)).wrapping_mul(0x297a_2d39);
    h ^= h >> 15;
    (h >> 8) as f32 * (2.0 / (1u32 << 24) as f32) - 1.0
}

/// Integer hash of a lattice point (for per-cell choices such as jittered feature points).
#[inline]
pub fn lattice_u32(ix: i32, iy: i32, seed: u32) -> u32 {
    let mut h = (ix as u32).wrapping_mul(0x8da6_b343) ^ (iy as u32).wrapping_mul(0xd816_3841) ^ seed.wrapping_mul(0xcb1a_b31f);
    h = (h ^ (h >> 16)).wrapping_mul(0x7feb_352d);
    h = (h ^ (h >> 15)).wrapping_mul(0x846c_a68b);
    h ^ (h >> 16)
}

#[inline]
pub fn u32_unit(h: u32) -> f32 {
    (h >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
}

const TABLE_BITS: u32 = 7;
const TABLE: usize = 1 << TABLE_BITS;
const MASK: i32 = TABLE as i32 - 1;

/// Smooth value noise in [-1, 1] with quintic interpolation. Lattice values come from a 128 × 128
/// table (64 KiB, cache-resident) filled from the hash once per field: looking them up is several
/// times cheaper than hashing four corners per sample, and the 128-cell period is longer than any
/// image spans at the frequencies the families use.
#[derive(Clone, Debug)]
pub struct Noise {
    table: std::sync::Arc<[f32]>,
}

impl Noise {
    pub fn new(rng: &mut SplitMix64) -> Self {
        let seed = rng.next_u64() as u32;
        let table: Vec<f32> = (0..TABLE * TABLE).map(|i| lattice((i % TABLE) as i32, (i / TABLE) as i32, seed)).collect();
        Noise { table: table.into() }
    }
    #[inline]
    fn v(&self, ix: i32, iy: i32) -> f32 {
        // SAFETY-free indexing: the mask keeps the index inside the table.
        self.table[(((iy & MASK) << TABLE_BITS) | (ix & MASK)) as usize]
    }
    #[inline]
    pub fn at(&self, x: f32, y: f32) -> f32 {
        let fx = x.ffl();
        let fy = y.ffl();
        let (ix, iy) = (fx as i32, fy as i32);
        let tx = x - fx;
        let ty = y - fy;
        let sx = tx * tx * tx * (tx * (tx * 6.0 - 15.0) + 10.0);
        let sy = ty * ty * ty * (ty * (ty * 6.0 - 15.0) + 10.0);
        let a = self.v(ix, iy);
        let b = self.v(ix + 1, iy);
        let c = self.v(ix, iy + 1);
        let d = self.v(ix + 1, iy + 1);
        let top = a + (b - a) * sx;
        let bot = c + (d - c) * sx;
        top + (bot - top) * sy
    }
    /// Gradient (Perlin-style) noise: its zero set is a web of organic curves, whereas the zero set of
    /// value noise follows the lattice and looks like rounded squares. The table value is reused as
    /// the gradient's angle.
    #[inline]
    pub fn grad(&self, x: f32, y: f32) -> f32 {
        let fx = x.ffl();
        let fy = y.ffl();
        let (ix, iy) = (fx as i32, fy as i32);
        let tx = x - fx;
        let ty = y - fy;
        let sx = tx * tx * tx * (tx * (tx * 6.0 - 15.0) + 10.0);
        let sy = ty * ty * ty * (ty * (ty * 6.0 - 15.0) + 10.0);
        let g = |cx: i32, cy: i32, dx: f32, dy: f32| {
            let a = self.v(cx, cy) * std::f32::consts::PI;
            // A cheap direction from the angle: a rational parametrisation of the circle.
            let t = a * 0.5;
            let t2 = t * t;
            let (c, s) = ((1.0 - t2) / (1.0 + t2), 2.0 * t / (1.0 + t2));
            c * dx + s * dy
        };
        let a = g(ix, iy, tx, ty);
        let b = g(ix + 1, iy, tx - 1.0, ty);
        let c = g(ix, iy + 1, tx, ty - 1.0);
        let d = g(ix + 1, iy + 1, tx - 1.0, ty - 1.0);
        let top = a + (b - a) * sx;
        let bot = c + (d - c) * sx;
        (top + (bot - top) * sy) * 1.4
    }

    /// Fractal sum of gradient noise.
    #[inline]
    pub fn gfbm(&self, x: f32, y: f32, octaves: u32) -> f32 {
        let mut sum = 0.0;
        let mut amp = 0.5;
        let (mut px, mut py) = (x, y);
        for o in 0..octaves {
            sum += amp * self.grad(px + o as f32 * 17.31, py - o as f32 * 9.73);
            amp *= 0.5;
            px *= 2.03;
            py *= 2.03;
        }
        sum
    }

    /// Fractal sum; roughly in [-1, 1].
    #[inline]
    pub fn fbm(&self, x: f32, y: f32, octaves: u32) -> f32 {
        let mut sum = 0.0;
        let mut amp = 0.5;
        let (mut px, mut py) = (x, y);
        let mut norm = 0.0;
        for o in 0..octaves {
            // Offsetting each octave avoids the lattice artefact at the origin adding up.
            sum += amp * self.at(px + o as f32 * 17.31, py - o as f32 * 9.73);
            norm += amp;
            amp *= 0.5;
            px *= 2.03;
            py *= 2.03;
        }
        sum / norm
    }
}
