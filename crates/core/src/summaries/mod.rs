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

impl Essential {
    /// A cut must be finite.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Essential::Cut(c) if !c.is_finite() => Err(Error::invalid(format!("cut value {c} for essential bars is not finite"))),
            _ => Ok(()),
        }
    }
}

/// Where the Betti curve and the landscapes are sampled.
#[derive(Debug, Clone, PartialEq)]
pub enum Grid {
    Values(Vec<f64>),
    /// This many evenly spaced values over the bars ([`default_grid`]).
    Size(usize),
}

/// The persistence image's pixel grid and kernel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ImageGrid {
    Spec(ImageSpec),
    /// About this many pixels a side, enclosing every bar ([`default_image_spec`]).
    Pixels(usize),
}

/// Everything [`summarize`] computes, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryOptions {
    pub essential: Essential,
    /// Power p of the total persistence Σ lifetime^p.
    pub p: f64,
    pub grid: Grid,
    /// Landscape levels.
    pub levels: usize,
    pub image: ImageGrid,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions { essential: Essential::Exclude, p: 1.0, grid: Grid::Size(100), levels: 3, image: ImageGrid::Pixels(20) }
    }
}

impl SummaryOptions {
    /// Checks every option's range (each summary does too; a binding calls this before it schedules work).
    pub fn validate(&self) -> Result<()> {
        stats::check_power(self.p)?;
        self.essential.validate()?;
        let n = match &self.grid {
            Grid::Values(g) => {
                curves::check_grid(g)?;
                g.len()
            }
            Grid::Size(n) => {
                curves::check_grid_size(*n)?;
                *n
            }
        };
        curves::check_levels(self.levels)?;
        curves::check_landscape_size(self.levels, n)?;
        match &self.image {
            ImageGrid::Spec(s) => s.validate(),
            ImageGrid::Pixels(p) => image::check_pixels(*p),
        }
    }
}

/// One diagram's statistics, Betti curve, landscapes and persistence image.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub statistics: Statistics,
    pub grid: Vec<f64>,
    pub betti: Vec<u64>,
    /// `levels × grid.len()`, row-major.
    pub landscapes: Vec<f64>,
    pub levels: usize,
    /// The image grid used (the default one when asked for by pixel count).
    pub image_spec: ImageSpec,
    /// `births × persistences` values, row-major, with the two counts.
    pub image: (Vec<f64>, usize, usize),
}

/// Every summary of `d`, as the options ask.
pub fn summarize(d: &Diagram, o: &SummaryOptions) -> Result<Summary> {
    o.validate()?;
    let statistics = statistics(d, o.essential, o.p)?;
    let grid = match &o.grid {
        Grid::Values(g) => g.clone(),
        Grid::Size(n) => default_grid(d, *n, o.essential)?,
    };
    let betti = betti_curve(d, &grid, o.essential)?;
    let landscapes = landscapes(d, &grid, o.levels, o.essential)?;
    let image_spec = match o.image {
        ImageGrid::Spec(s) => s,
        ImageGrid::Pixels(p) => default_image_spec(d, p, o.essential)?,
    };
    let image = persistence_image(d, &image_spec, o.essential)?;
    Ok(Summary { statistics, grid, betti, landscapes, levels: o.levels, image_spec, image })
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
