//! Summaries of one persistence diagram (one homology dimension): counts and lifetime statistics,
//! persistent entropy, Betti curves, persistence landscapes and persistence images.
//!
//! Essential (infinite) bars carry no finite lifetime, so every summary first decides what to do with
//! them ([`Essential`]): leave them out (the default, as giotto-tda and persim do when given finite
//! diagrams), or cut them at a finite value and treat them as ordinary bars.

mod curves;
mod image;
mod stats;

pub use curves::{betti_curve, default_grid, landscapes};
pub use image::{default_image_spec, persistence_image, ImageSpec};
pub use stats::{statistics, Statistics};

use crate::diagram::Diagram;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Essential {
    /// Leave essential bars out (they are still counted in `Statistics::essential`).
    #[default]
    Exclude,
    /// Replace an infinite death by this value (bars born at or after it are dropped).
    Cut(f64),
}

/// The bars a summary works on: finite, validated, essential bars handled as asked.
pub(crate) fn finite_bars(d: &Diagram, essential: Essential) -> Result<Vec<[f64; 2]>> {
    let mut bars = Vec::with_capacity(d.pairs.len());
    for (i, &[b, de]) in d.pairs.iter().enumerate() {
        if b.is_nan() || de.is_nan() || b.is_infinite() || de == f64::NEG_INFINITY {
            return Err(Error::invalid(format!(
                "bar {i} of the H{} diagram is ({b}, {de}): births must be finite and deaths finite or +inf",
                d.dim
            )));
        }
        if de < b {
            return Err(Error::invalid(format!("bar {i} of the H{} diagram dies ({de}) before it is born ({b})", d.dim)));
        }
        if de.is_infinite() {
            match essential {
                Essential::Exclude => continue,
                Essential::Cut(c) => {
                    if !c.is_finite() {
                        return Err(Error::invalid(format!("cut value {c} for essential bars is not finite")));
                    }
                    if b < c {
                        bars.push([b, c]);
                    }
                    continue;
                }
            }
        }
        bars.push([b, de]);
    }
    Ok(bars)
}
