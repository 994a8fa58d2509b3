//! PIL's 8-bit convolution resampling (`Image.resize` with BICUBIC), reproduced to the bit so that
//! CLIP's preprocessing matches OpenAI's reference rather than coming close to it.
//!
//! Separable convolution: for output pixel x of an n → m resize the centre is (x + 0.5)·n/m in input
//! coordinates; taps lie within 2·max(n/m, 1) of it; weights are the cubic kernel (a = −0.5) at
//! (tap − centre + 0.5)/max(n/m, 1), normalised to sum 1 in f64 and stored as fixed point with 22
//! fractional bits. Sums start at half a unit (rounding), are shifted back and clamped to 0…255. A
//! pass whose size does not change is skipped. The first pass is stored as 8-bit, so the order of the
//! two passes shows in the result, and it is Pillow's (ImagingResampleInner in libImaging/Resample.c,
//! Pillow 13.0.0): vertical first when the height shrinks by more than twice as many pixels as the
//! width does (a tall image made much shorter), horizontal first otherwise. Only output pixels inside
//! the requested window are computed: each depends on its own weights alone (and on the first pass's
//! pixels it reads, computed the same way), so cropping after a full resize is the same.
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
        // Pillow multiplies by the reciprocal; dividing could differ in the last bit.
        let inv_filter_scale = 1.0 / filter_scale;
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
                let w = cubic(((t + lo) as f64 - center + 0.5) * inv_filter_scale);
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

    /// The input indices these taps read: from the first tap of the first output to the furthest end.
    fn span(&self) -> (usize, usize) {
        let hi = self.first.iter().zip(&self.count).map(|(f, n)| f + n).max().unwrap_or(0);
        (self.first.first().copied().unwrap_or(0), hi)
    }
}

/// Pillow's order rule: the vertical pass first iff the height shrinks, and by more pixels than twice
/// what the width loses (which may be negative: a width that grows).
fn vertical_first(width: usize, height: usize, new_w: usize, new_h: usize) -> bool {
    let dh = height as i64 - new_h as i64;
    let dw = width as i64 - new_w as i64;
    dh > 0 && dh > 2 * dw
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
    let th = (new_w != width).then(|| Taps::new(width, new_w, win.left, win.width));
    let tv = (new_h != height).then(|| Taps::new(height, new_h, win.top, win.height));
    let row_len = win.width * c;
    match (th, tv) {
        (Some(th), Some(tv)) if vertical_first(width, height, new_w, new_h) => {
            // Vertical over the input columns the horizontal pass reads, then horizontal on that strip.
            let (col_lo, col_hi) = th.span();
            let strip = (col_hi - col_lo) * c;
            let mut mid = vec![0u8; win.height * strip];
            vertical(src, width * c, col_lo * c, strip, 0, &tv, &mut mid);
            let mut out = vec![0u8; win.height * row_len];
            let mut wide = vec![[0i32; 4]; col_hi - col_lo];
            for (in_row, out_row) in mid.chunks_exact(strip).zip(out.chunks_exact_mut(row_len)) {
                horizontal(in_row, col_lo, &mut wide, out_row, &th, c);
            }
            out
        }
        (th, tv) => {
            // Horizontal over the input rows the vertical pass will read (the window's if it is skipped).
            let (row_lo, row_hi) = tv.as_ref().map_or((win.top, win.top + win.height), Taps::span);
            let mut mid = vec![0u8; (row_hi - row_lo) * row_len];
            match &th {
                Some(th) => {
                    let mut wide = vec![[0i32; 4]; width];
                    let rows = src[row_lo * width * c..row_hi * width * c].chunks_exact(width * c);
                    for (in_row, out_row) in rows.zip(mid.chunks_exact_mut(row_len)) {
                        horizontal(in_row, 0, &mut wide, out_row, th, c);
                    }
                }
                None => {
                    for (y, out_row) in mid.chunks_exact_mut(row_len).enumerate() {
                        let start = ((y + row_lo) * width + win.left) * c;
                        out_row.copy_from_slice(&src[start..start + row_len]);
                    }
                }
            }
            let Some(tv) = tv else { return mid };
            let mut out = vec![0u8; win.height * row_len];
            vertical(&mid, row_len, 0, row_len, row_lo, &tv, &mut out);
            out
        }
    }
}

/// One vertical pass: output row j of `tv` is written to `out` row j (`len` bytes), reading bytes
/// `col .. col + len` of input rows `tv.first[j] - row_lo ..` of `src` (rows `stride` bytes apart).
#[inline(always)]
fn vertical(src: &[u8], stride: usize, col: usize, len: usize, row_lo: usize, tv: &Taps, out: &mut [u8]) {
    let mut acc = vec![0i32; len];
    for (j, out_row) in out.chunks_exact_mut(len).enumerate() {
        let f = tv.first[j] - row_lo;
        // Row-wise accumulation: each tap adds a whole row, which walks memory in order and vectorises.
        acc.fill(HALF);
        for (t, &k) in tv.of(j).iter().enumerate() {
            let base = (f + t) * stride + col;
            for (a, &m) in acc.iter_mut().zip(&src[base..base + len]) {
                *a = a.wrapping_add((m as i32).wrapping_mul(k));
            }
        }
        for (o, &a) in out_row.iter_mut().zip(&acc) {
            *o = clip8(a);
        }
    }
}

/// One horizontal pass over a row whose first pixel is input column `col0` (the row may be a strip of
/// the image). The row is first widened to four i32 lanes per pixel (unused lanes zero) so that every
/// tap is one 4-lane multiply-add, which the compiler turns into SIMD; the arithmetic per band is
/// unchanged, so results stay bit-identical.
#[inline(always)]
fn horizontal(in_row: &[u8], col0: usize, wide: &mut [[i32; 4]], out_row: &mut [u8], th: &Taps, c: usize) {
    for (dst, px) in wide.iter_mut().zip(in_row.chunks_exact(c)) {
        for (d, &v) in dst.iter_mut().zip(px) {
            *d = v as i32;
        }
    }
    for (x, o) in out_row.chunks_exact_mut(c).enumerate() {
        let w = th.of(x);
        let first = th.first[x] - col0;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_order_follows_pillow() {
        // Height loses more than twice what the width loses: vertical first.
        assert!(vertical_first(100, 300, 50, 150));
        assert!(vertical_first(100, 300, 60, 219));
        assert!(!vertical_first(100, 300, 60, 220)); // 80 = 2 × 40: not more, horizontal first
        assert!(vertical_first(100, 300, 130, 120)); // width grows
        assert!(!vertical_first(100, 300, 224, 672)); // height grows
        assert!(!vertical_first(300, 100, 150, 50));
        assert!(!vertical_first(300, 300, 300, 300));
    }

    fn noise(n: usize) -> Vec<u8> {
        let mut s = 0x9e37_79b9_u32;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s >> 24) as u8
            })
            .collect()
    }

    /// Both orders, by running one axis at a time (each a single pass), and the real one equals Pillow's pick.
    #[test]
    fn the_order_matters_and_the_right_one_is_taken() {
        let (w, h, c, nw, nh) = (37, 401, 3, 20, 100);
        let src = noise(w * h * c);
        let got = resize_bicubic_pil(&src, w, h, c, nw, nh).unwrap();
        let h_first = resize_bicubic_pil(&resize_bicubic_pil(&src, w, h, c, nw, h).unwrap(), nw, h, c, nw, nh).unwrap();
        let v_first = resize_bicubic_pil(&resize_bicubic_pil(&src, w, h, c, w, nh).unwrap(), w, nh, c, nw, nh).unwrap();
        assert_ne!(h_first, v_first);
        assert_eq!(got, v_first);
        let wide = noise(h * w * c);
        let got = resize_bicubic_pil(&wide, h, w, c, nh, nw).unwrap();
        let h_first = resize_bicubic_pil(&resize_bicubic_pil(&wide, h, w, c, nh, w).unwrap(), nh, w, c, nh, nw).unwrap();
        assert_eq!(got, h_first);
    }

    #[test]
    fn a_window_of_a_vertical_first_resize_is_that_part_of_it() {
        let (w, h, c, nw, nh) = (29, 211, 4, 33, 61);
        assert!(vertical_first(w, h, nw, nh));
        let src = noise(w * h * c);
        let full = resize_bicubic_pil(&src, w, h, c, nw, nh).unwrap();
        for win in [Window { left: 3, top: 7, width: 20, height: 40 }, Window { left: 32, top: 60, width: 1, height: 1 }] {
            let part = resize_bicubic_pil_crop(&src, w, h, c, nw, nh, win).unwrap();
            for y in 0..win.height {
                let s = ((y + win.top) * nw + win.left) * c;
                assert_eq!(&part[y * win.width * c..(y + 1) * win.width * c], &full[s..s + win.width * c], "row {y} of {win:?}");
            }
        }
    }
}
