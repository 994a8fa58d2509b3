use super::{finite_bars, Essential};
use crate::diagram::Diagram;
use crate::error::{Error, Result};

/// A persistence image's pixel grid and kernel, in birth–persistence coordinates (persim's
/// convention): pixel (i, j) covers births [b₀ + i·s, b₀ + (i+1)·s) and persistences [p₀ + j·s, …).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageSpec {
    pub birth_range: (f64, f64),
    pub pers_range: (f64, f64),
    pub pixel_size: f64,
    /// Standard deviation of the isotropic Gaussian kernel (persim's `kernel_params={'sigma': [[v, 0],
    /// [0, v]]}` is a covariance: v = sigma²).
    pub sigma: f64,
    /// Weight of a bar is persistence^weight_power (persim's "persistence" weight with n = 1 is linear).
    pub weight_power: f64,
}

impl ImageSpec {
    /// Checks the grid and kernel: positive pixel size and σ, finite non-empty ranges, weight power ≥ 0.
    pub fn validate(&self) -> Result<()> {
        let ImageSpec { birth_range, pers_range, pixel_size, sigma, weight_power } = *self;
        for (name, v) in [("pixel size", pixel_size), ("sigma", sigma)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::invalid(format!("{name} = {v} must be a positive number")));
            }
        }
        for (name, (lo, hi)) in [("birth range", birth_range), ("persistence range", pers_range)] {
            if !(lo.is_finite() && hi.is_finite() && hi > lo) {
                return Err(Error::invalid(format!("{name} [{lo}, {hi}] must be finite and non-empty")));
            }
        }
        if !weight_power.is_finite() || weight_power < 0.0 {
            return Err(Error::invalid(format!("weight power {weight_power} must be ≥ 0")));
        }
        Ok(())
    }
}

/// Pixel count along one axis: the range divided into pixels of the given size (a last partial
/// pixel is kept, as a range that is not a multiple of the size still needs covering).
fn pixels(range: (f64, f64), size: f64) -> usize {
    (((range.1 - range.0) / size) - 1e-9).ceil().max(1.0) as usize
}

fn norm_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// Each bar adds weight × (the Gaussian's mass over each pixel), the mass integrated exactly with the
/// normal CDF (not sampled at pixel centres). Returns row-major `births × persistences` values.
pub fn persistence_image(d: &Diagram, spec: &ImageSpec, essential: Essential) -> Result<(Vec<f64>, usize, usize)> {
    spec.validate()?;
    let ImageSpec { birth_range, pers_range, pixel_size, sigma, weight_power } = *spec;
    let nb = pixels(birth_range, pixel_size);
    let np = pixels(pers_range, pixel_size);
    if nb.saturating_mul(np) > 1 << 26 {
        return Err(Error::too_large(format!("a {nb}×{np} image is too large: use a larger pixel size")));
    }
    let bars = finite_bars(d, essential)?;
    let b_edges: Vec<f64> = (0..=nb).map(|i| birth_range.0 + i as f64 * pixel_size).collect();
    let p_edges: Vec<f64> = (0..=np).map(|j| pers_range.0 + j as f64 * pixel_size).collect();
    let mut img = vec![0.0; nb * np];
    let mut cb = vec![0.0; nb + 1];
    let mut cp = vec![0.0; np + 1];
    for &[b, de] in &bars {
        let pers = de - b;
        let w = pers.powf(weight_power);
        if w == 0.0 {
            continue;
        }
        for (c, e) in cb.iter_mut().zip(&b_edges) {
            *c = norm_cdf((e - b) / sigma);
        }
        for (c, e) in cp.iter_mut().zip(&p_edges) {
            *c = norm_cdf((e - pers) / sigma);
        }
        for i in 0..nb {
            let mb = cb[i + 1] - cb[i];
            if mb == 0.0 {
                continue;
            }
            let row = &mut img[i * np..(i + 1) * np];
            for (j, v) in row.iter_mut().enumerate() {
                *v += w * mb * (cp[j + 1] - cp[j]);
            }
        }
    }
    Ok((img, nb, np))
}

/// Most pixels along a side of a persistence image (4096² values of 8 bytes = 134 MB).
pub const MAX_PIXELS: usize = 4096;

pub(crate) fn check_pixels(pixels: usize) -> Result<()> {
    if pixels == 0 {
        return Err(Error::invalid("an image needs at least one pixel"));
    }
    if pixels > MAX_PIXELS {
        return Err(Error::invalid(format!("an image of {pixels} pixels a side is more than {MAX_PIXELS}")));
    }
    Ok(())
}

/// A grid of about `pixels` × `pixels` that encloses every kept bar: births from the smallest to the
/// largest, persistence from 0 to the largest, a square pixel, and a kernel one pixel wide.
pub fn default_image_spec(d: &Diagram, pixels: usize, essential: Essential) -> Result<ImageSpec> {
    check_pixels(pixels)?;
    let bars = finite_bars(d, essential)?;
    let bmin = bars.iter().map(|b| b[0]).fold(f64::INFINITY, f64::min);
    let bmax = bars.iter().map(|b| b[0]).fold(f64::NEG_INFINITY, f64::max);
    let pmax = bars.iter().map(|b| b[1] - b[0]).fold(0.0, f64::max);
    let (bmin, bmax) = if bars.is_empty() { (0.0, 1.0) } else { (bmin, bmax) };
    let pmax = if pmax > 0.0 { pmax } else { 1.0 };
    let span = (bmax - bmin).max(pmax);
    let pixel_size = span / pixels as f64;
    let birth_hi = if bmax > bmin { bmax } else { bmin + pixel_size };
    Ok(ImageSpec { birth_range: (bmin, birth_hi), pers_range: (0.0, pmax), pixel_size, sigma: pixel_size, weight_power: 1.0 })
}
