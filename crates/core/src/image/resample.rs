//! PIL's 8-bit convolution resampling (`Image.resize` with BICUBIC), reproduced to the bit so that
//! CLIP's preprocessing matches OpenAI's reference rather than coming close to it.
//!
//! Separable convolution: for output pixel x of an n → m resize the centre is (x + 0.5)·n/m in input
//! coordinates; taps lie within 2·max(n/m, 1) of it; weights are the cubic kernel (a = −0.5) at
//! (tap − centre + 0.5)/max(n/m, 1), normalised to sum 1 in f64 and stored as fixed point with 22
//! fractional bits. Sums start at half a unit (rounding), are shifted back and clamped to 0…255. The
//! horizontal pass runs first and is stored as 8-bit, then the vertical one, as PIL does; a pass
//! whose size does not change is skipped. Only output pixels inside the requested window are
//! computed: each depends on its own weights alone, so cropping after a full resize is the same.
//!
//! Sums use wrapping i32 arithmetic because that is what PIL's C (and the previous JS port) does;
//! for these kernels |Σ 255·w| stays below 2³¹, so the wrapping never actually happens.

use crate::error::{Error, Result};

const PRECISION_BITS: u32 = 22;
const ONE: f64 = (1u32 << PRECISION_BITS) as f64;
const HALF: i32 = 1 << (PRECISION_BITS - 1);

/// The part of the resized image to compute: `width`×`height` pixels at (`left`, `top`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub left: usize,
    pub top: usize,
    pub width: usize,
    pub height: usize,
}

fn cubic(x: f64) -> f64 {
    let a = -0.5;
    let x = x.abs();
    if x < 1.0 {
        ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    } else if x < 2.0 {
        (((x - 5.0) * x + 8.0) * x - 4.0) * a
    } else {
        0.0
    }
}

/// Fixed-point taps of output pixels `start .. start + len` of an `in_size` → `out_size` resize.
struct Taps {
    first: Vec<usize>,
    count: Vec<usize>,
    weights: Vec<i32>,
    stride: usize,
}

impl Taps {
    fn new(in_size: usize, out_size: usize, start: usize, len: usize) -> Taps {
        let scale = in_size as f64 / out_size as f64;
        let filter_scale = scale.max(1.0);
        let support = 2.0 * filter_scale;
        let stride = support.ceil() as usize * 2 + 1;
        let mut first = Vec::with_capacity(len);
        let mut count = Vec::with_capacity(len);
        let mut weights = vec![0i32; len * stride];
        let mut k = vec![0f64; stride];
        for j in 0..len {
            let center = (start + j) as f64 + 0.5;
            let center = center * scale;
            // `as` truncates toward zero like C's (int); the clamps make that floor here.
            let lo = ((center - support + 0.5) as i64).max(0) as usize;
            let hi = ((center + support + 0.5) as i64).min(in_size as i64) as usize;
            let n = hi.saturating_sub(lo);
            let mut sum = 0.0;
            for (t, kt) in k.iter_mut().enumerate().take(n) {
                let w = cubic(((t + lo) as f64 - center + 0.5) / filter_scale);
                *kt = w;
                sum += w;
            }
            let row = &mut weights[j * stride..j * stride + n];
            for (dst, &kt) in row.iter_mut().zip(&k[..n]) {
                let w = if sum != 0.0 { kt / sum } else { kt };
                *dst = if w < 0.0 { (-0.5 + w * ONE) as i32 } else { (0.5 + w * ONE) as i32 };
            }
            first.push(lo);
            count.push(n);
        }
        Taps { first, count, weights, stride }
    }

    fn of(&self, j: usize) -> &[i32] {
        &self.weights[j * self.stride..j * self.stride + self.count[j]]
    }
}

#[inline]
fn clip8(sum: i32) -> u8 {
    (sum >> PRECISION_BITS).clamp(0, 255) as u8
}

fn check(src: &[u8], width: usize, height: usize, channels: usize, new_w: usize, new_h: usize, win: Window) -> Result<()> {
    if width == 0 || height == 0 || new_w == 0 || new_h == 0 {
        return Err(Error::invalid(format!("resize_bicubic_pil: sizes must be positive (image {width}×{height}, target {new_w}×{new_h})")));
    }
    if !(1..=4).contains(&channels) {
        return Err(Error::invalid(format!("resize_bicubic_pil: channels must be 1 to 4, got {channels}")));
    }
    let expected = width.checked_mul(height).and_then(|p| p.checked_mul(channels));
    if expected != Some(src.len()) {
        return Err(Error::invalid(format!(
            "resize_bicubic_pil: buffer has {} bytes, {width}×{height}×{channels} needs {}",
            src.len(),
            expected.map_or("more than usize".to_string(), |e| e.to_string())
        )));
    }
    if win.width == 0 || win.height == 0 || win.left + win.width > new_w || win.top + win.height > new_h {
        return Err(Error::invalid(format!(
            "resize_bicubic_pil: window {}×{} at ({}, {}) is empty or outside the {new_w}×{new_h} result",
            win.width, win.height, win.left, win.top
        )));
    }
    Ok(())
}

/// Resizes a `width`×`height`×`channels` interleaved 8-bit image to `new_w`×`new_h` with PIL's
/// bicubic and returns the `win` part of the result (interleaved, same channels).
pub fn resize_bicubic_pil_crop(
    src: &[u8],
    width: usize,
    height: usize,
    channels: usize,
    new_w: usize,
    new_h: usize,
    win: Window,
) -> Result<Vec<u8>> {
    check(src, width, height, channels, new_w, new_h, win)?;
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: convolve_avx2 only needs AVX2, which the CPU was just seen to have.
        return Ok(unsafe { convolve_avx2(src, width, height, channels, new_w, new_h, win) });
    }
    Ok(convolve(src, width, height, channels, new_w, new_h, win))
}

/// The same convolution compiled for AVX2: the default x86-64 target lacks a 32-bit SIMD multiply
/// (SSE4.1's pmulld), so the portable build spends most of its time emulating it. Same integer
/// operations, so the same bytes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn convolve_avx2(src: &[u8], width: usize, height: usize, c: usize, new_w: usize, new_h: usize, win: Window) -> Vec<u8> {
    convolve(src, width, height, c, new_w, new_h, win)
}

#[inline(always)]
fn convolve(src: &[u8], width: usize, height: usize, c: usize, new_w: usize, new_h: usize, win: Window) -> Vec<u8> {
    let tv = (new_h != height).then(|| Taps::new(height, new_h, win.top, win.height));
    // The input rows the vertical pass will read (all of them inside the window if it is skipped).
    let (row_lo, row_hi) = match &tv {
        Some(t) => (t.first[0], (0..win.height).map(|j| t.first[j] + t.count[j]).max().unwrap_or(0)),
        None => (win.top, win.top + win.height),
    };
    let rows = row_hi - row_lo;
    let row_len = win.width * c;
    let mut mid = vec![0u8; rows * row_len];
    if new_w != width {
        let th = Taps::new(width, new_w, win.left, win.width);
        let mut wide = vec![[0i32; 4]; width];
        for (y, out_row) in mid.chunks_exact_mut(row_len).enumerate() {
            let in_row = &src[(y + row_lo) * width * c..(y + row_lo + 1) * width * c];
            horizontal(in_row, &mut wide, out_row, &th, c);
        }
    } else {
        for (y, out_row) in mid.chunks_exact_mut(row_len).enumerate() {
            let start = ((y + row_lo) * width + win.left) * c;
            out_row.copy_from_slice(&src[start..start + row_len]);
        }
    }
    let Some(tv) = tv else { return mid };
    let mut out = vec![0u8; win.height * row_len];
    let mut acc = vec![0i32; row_len];
    for (j, out_row) in out.chunks_exact_mut(row_len).enumerate() {
        let f = tv.first[j] - row_lo;
        // Row-wise accumulation: each tap adds a whole row, which walks memory in order and vectorises.
        acc.fill(HALF);
        for (t, &k) in tv.of(j).iter().enumerate() {
            let base = (f + t) * row_len;
            for (a, &m) in acc.iter_mut().zip(&mid[base..base + row_len]) {
                *a = a.wrapping_add((m as i32).wrapping_mul(k));
            }
        }
        for (o, &a) in out_row.iter_mut().zip(&acc) {
            *o = clip8(a);
        }
    }
    out
}

/// One horizontal pass over a row. The row is first widened to four i32 lanes per pixel (unused lanes
/// zero) so that every tap is one 4-lane multiply-add, which the compiler turns into SIMD; the
/// arithmetic per band is unchanged, so results stay bit-identical.
#[inline(always)]
fn horizontal(in_row: &[u8], wide: &mut [[i32; 4]], out_row: &mut [u8], th: &Taps, c: usize) {
    for (dst, px) in wide.iter_mut().zip(in_row.chunks_exact(c)) {
        for (d, &v) in dst.iter_mut().zip(px) {
            *d = v as i32;
        }
    }
    for (x, o) in out_row.chunks_exact_mut(c).enumerate() {
        let w = th.of(x);
        let first = th.first[x];
        let mut s = [HALF; 4];
        for (p, &k) in wide[first..first + w.len()].iter().zip(w) {
            for l in 0..4 {
                s[l] = s[l].wrapping_add(p[l].wrapping_mul(k));
            }
        }
        for (oc, &sc) in o.iter_mut().zip(&s) {
            *oc = clip8(sc);
        }
    }
}

/// The whole `new_w`×`new_h` PIL-bicubic resize of an interleaved 8-bit image.
pub fn resize_bicubic_pil(src: &[u8], width: usize, height: usize, channels: usize, new_w: usize, new_h: usize) -> Result<Vec<u8>> {
    let win = Window { left: 0, top: 0, width: new_w, height: new_h };
    resize_bicubic_pil_crop(src, width, height, channels, new_w, new_h, win)
}
