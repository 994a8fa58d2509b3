//! Procedural texture images labelled with DTD class names, for demos, tests and training a small
//! CLIP where DTD itself cannot be downloaded. Pure: returns RGB buffers and caption fields; the caller
//! encodes and writes files.

mod families;
mod noise;
mod palette;
mod shape;

use rayon::prelude::*;

use crate::control::Control;
use crate::error::{Error, Result};
use crate::rng::SplitMix64;
pub use crate::rng::{hash_words, mix64};
use families::Family;

type Maker = fn(&mut SplitMix64, f32) -> Family;

/// The drawable classes, in DTD's canonical (sorted) order.
const TABLE: &[(&str, Maker)] = &[
    ("banded", families::banded),
    ("blotchy", families::blotchy),
    ("bubbly", families::bubbly),
    ("chequered", families::chequered),
    ("cracked", families::cracked),
    ("crosshatched", families::crosshatched),
    ("dotted", families::dotted),
    ("fibrous", families::fibrous),
    ("freckled", families::freckled),
    ("grid", families::grid),
    ("honeycombed", families::honeycombed),
    ("lined", families::lined),
    ("marbled", families::marbled),
    ("meshed", families::meshed),
    ("perforated", families::perforated),
    ("polka-dotted", families::polka_dotted),
    ("porous", families::porous),
    ("spiralled", families::spiralled),
    ("sprinkled", families::sprinkled),
    ("stratified", families::stratified),
    ("striped", families::striped),
    ("studded", families::studded),
    ("swirly", families::swirly),
    ("veined", families::veined),
    ("waffled", families::waffled),
    ("woven", families::woven),
    ("wrinkled", families::wrinkled),
    ("zigzagged", families::zigzagged),
];

/// Names of the classes the generator can draw, in DTD's canonical order.
pub fn classes() -> Vec<&'static str> {
    TABLE.iter().map(|t| t.0).collect()
}

/// What to draw: a class, the image's index within it, and the dataset seed.
#[derive(Debug, Clone)]
pub struct Request {
    pub class: String,
    pub index: u64,
}

/// One rendered image with the facts a caption can state truthfully.
#[derive(Debug, Clone, PartialEq)]
pub struct Texture {
    pub class: &'static str,
    pub size: u32,
    /// Row-major RGB, `size * size * 3` bytes.
    pub rgb: Vec<u8>,
    /// Names of the main colours, the dominant (background) one first.
    pub colors: Vec<&'static str>,
    /// A word for the scale of the structure (e.g. "thin", "large").
    pub scale: &'static str,
    /// "horizontal", "vertical", "diagonal", ... when the class has a direction.
    pub orientation: Option<&'static str>,
    /// A noun phrase describing the structure, e.g. "thin diagonal stripes".
    pub detail: String,
    /// A word for the lighting, e.g. "evenly lit", "shadowed".
    pub lighting: &'static str,
}

pub const MIN_SIZE: u32 = 16;
pub const MAX_SIZE: u32 = 4096;

/// Seed of one image: depends only on the dataset seed, the class and the index, so the same image
/// comes out whichever subset of classes or batch it is rendered in.
pub fn image_seed(seed: u64, class: &str, index: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in class.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    hash_words(&[seed, h, index])
}

/// Renders one image.
pub fn render(class: &str, index: u64, size: u32, seed: u64) -> Result<Texture> {
    check_size(size)?;
    let &(name, make) = TABLE
        .iter()
        .find(|t| t.0 == class)
        .ok_or_else(|| Error::invalid(format!("synth: unknown class '{class}'; drawable classes are: {}", classes().join(", "))))?;
    let mut r = SplitMix64::mixed(image_seed(seed, name, index));
    let s = size as f32;
    let fam = make(&mut r, s);

    // Nuisance factors shared by every family: a smooth domain distortion, a lighting gradient and
    // vignette, an overall exposure, and sensor grain.
    let warp_noise = noise::Noise::new(&mut r);
    let warp_amp = fam.warp * s * r.range(0.0, 0.02);
    let warp_f = s * r.range(0.2, 0.45);
    let ga = r.range(0.0, std::f32::consts::TAU);
    let grad = r.range(0.0, 0.35);
    let (gx, gy) = (ga.cos() * grad, ga.sin() * grad);
    let vig = r.range(0.0, 0.3);
    let exposure = r.range(0.85, 1.1);
    let grain = r.range(0.0, 0.035);
    let grain_seed = r.next_u64() as u32;
    let lighting = if grad > 0.22 || vig > 0.2 {
        "unevenly lit"
    } else if exposure < 0.92 {
        "dimly lit"
    } else {
        "evenly lit"
    };

    let n = size as usize;
    // The distortion is smooth at the scale of a few pixels: sample it on a coarse grid and
    // interpolate bilinearly, which costs a sixteenth of evaluating it per pixel.
    const STEP: usize = 4;
    let gn = n / STEP + 2;
    let mut field = vec![(0.0f32, 0.0f32); gn * gn];
    if warp_amp > 0.0 {
        for gy in 0..gn {
            for gx in 0..gn {
                let (fx, fy) = ((gx * STEP) as f32, (gy * STEP) as f32);
                field[gy * gn + gx] = (
                    warp_amp * warp_noise.fbm(fx / warp_f, fy / warp_f, 2),
                    warp_amp * warp_noise.fbm(fx / warp_f + 19.7, fy / warp_f - 7.3, 2),
                );
            }
        }
    }
    let mut rgb = vec![0u8; n * n * 3];
    for y in 0..n {
        for x in 0..n {
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            let (wx, wy) = if warp_amp > 0.0 {
                let (gx, gy) = (x / STEP, y / STEP);
                let (tx, ty) = ((x % STEP) as f32 / STEP as f32, (y % STEP) as f32 / STEP as f32);
                let f00 = field[gy * gn + gx];
                let f10 = field[gy * gn + gx + 1];
                let f01 = field[(gy + 1) * gn + gx];
                let f11 = field[(gy + 1) * gn + gx + 1];
                let lerp = |a: f32, b: f32, t: f32| a + (b - a) * t;
                let dx = lerp(lerp(f00.0, f10.0, tx), lerp(f01.0, f11.0, tx), ty);
                let dy = lerp(lerp(f00.1, f10.1, tx), lerp(f01.1, f11.1, tx), ty);
                (fx + dx, fy + dy)
            } else {
                (fx, fy)
            };
            let c = (fam.shade)(wx, wy);
            let (nx, ny) = (fx / s - 0.5, fy / s - 0.5);
            let gain = exposure * (1.0 + gx * nx + gy * ny) * (1.0 - vig * (nx * nx + ny * ny) * 2.0);
            let gr = grain * noise::lattice(x as i32, y as i32, grain_seed);
            let o = (y * n + x) * 3;
            for k in 0..3 {
                let v = (c[k] * gain + gr).clamp(0.0, 1.0);
                rgb[o + k] = (v * 255.0 + 0.5) as u8;
            }
        }
    }
    Ok(Texture { class: name, size, rgb, colors: fam.colors, scale: fam.scale, orientation: fam.orientation, detail: fam.detail, lighting })
}

/// Checks a batch before any drawing: every class drawable, the size in range.
pub fn check_batch(requests: &[Request], size: u32) -> Result<()> {
    for q in requests {
        if !TABLE.iter().any(|t| t.0 == q.class) {
            return Err(Error::invalid(format!("synth: unknown class '{}'; drawable classes are: {}", q.class, classes().join(", "))));
        }
    }
    check_size(size)
}

fn check_size(size: u32) -> Result<()> {
    if !(MIN_SIZE..=MAX_SIZE).contains(&size) {
        return Err(Error::invalid(format!("synth: size {size} is out of range; use a size between {MIN_SIZE} and {MAX_SIZE} pixels")));
    }
    Ok(())
}

/// Renders many images in parallel; the output order is the request order and each image is
/// independent of the others, so results do not depend on the thread count.
pub fn render_batch(requests: &[Request], size: u32, seed: u64, ctl: &Control) -> Result<Vec<Texture>> {
    check_batch(requests, size)?;
    let done = std::sync::atomic::AtomicU64::new(0);
    let total = requests.len() as u64;
    requests
        .par_iter()
        .map(|q| {
            ctl.check()?;
            let t = render(&q.class, q.index, size, seed)?;
            let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if d.is_multiple_of(16) || d == total {
                ctl.report("synth", d, total);
            }
            Ok(t)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_least_24_classes_in_canonical_order() {
        let c = classes();
        assert!(c.len() >= 24);
        let mut sorted = c.clone();
        sorted.sort();
        assert_eq!(c, sorted);
    }

    #[test]
    fn same_seed_same_bytes_other_seed_differs() {
        for class in classes() {
            let a = render(class, 3, 64, 42).unwrap();
            let b = render(class, 3, 64, 42).unwrap();
            let c = render(class, 3, 64, 43).unwrap();
            assert_eq!(a, b, "{class}");
            assert_ne!(a.rgb, c.rgb, "{class}");
            assert_eq!(a.rgb.len(), 64 * 64 * 3);
        }
    }

    #[test]
    fn batch_equals_single_renders() {
        let reqs: Vec<Request> =
            classes().iter().take(6).enumerate().map(|(i, c)| Request { class: c.to_string(), index: i as u64 }).collect();
        let batch = render_batch(&reqs, 48, 7, &Control::none()).unwrap();
        for (q, t) in reqs.iter().zip(&batch) {
            assert_eq!(*t, render(&q.class, q.index, 48, 7).unwrap());
        }
    }

    #[test]
    fn images_are_not_flat() {
        // Every family must draw visible structure: a flat image would mean a broken family.
        for class in classes() {
            for i in 0..4 {
                let t = render(class, i, 96, 1).unwrap();
                let l: Vec<f32> = t.rgb.chunks(3).map(|p| 0.3 * p[0] as f32 + 0.59 * p[1] as f32 + 0.11 * p[2] as f32).collect();
                let m = l.iter().sum::<f32>() / l.len() as f32;
                let sd = (l.iter().map(|v| (v - m).powi(2)).sum::<f32>() / l.len() as f32).sqrt();
                assert!(sd > 8.0, "{class} #{i}: luma sd {sd}");
            }
        }
    }

    #[test]
    fn caption_fields_name_real_palette_colours() {
        let names: Vec<&str> = palette::COLORS.iter().map(|c| c.name).collect();
        for class in classes() {
            for i in 0..6 {
                let t = render(class, i, 32, 9).unwrap();
                assert!(!t.colors.is_empty() && !t.detail.is_empty() && !t.scale.is_empty(), "{class}");
                for c in &t.colors {
                    assert!(names.contains(c), "{class}: {c}");
                }
                let mut uniq = t.colors.clone();
                uniq.dedup();
                assert_eq!(uniq.len(), t.colors.len(), "{class}: repeated colour");
                if let Some(o) = t.orientation {
                    assert!(t.detail.contains(o) || class == "chequered", "{class}: {o} not in '{}'", t.detail);
                }
            }
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(render("nope", 0, 64, 0).is_err());
        assert!(render("striped", 0, 4, 0).is_err());
        let r = render_batch(&[Request { class: "paisley".into(), index: 0 }], 64, 0, &Control::none());
        assert_eq!(r.unwrap_err().code, crate::error::ErrorCode::InvalidInput);
    }

    #[test]
    fn cancel_stops_the_batch() {
        let flag = std::sync::atomic::AtomicBool::new(true);
        let ctl = Control::new(Some(&flag), None);
        let r = render_batch(&[Request { class: "striped".into(), index: 0 }], 64, 0, &ctl);
        assert_eq!(r.unwrap_err().code, crate::error::ErrorCode::Cancelled);
    }
}
