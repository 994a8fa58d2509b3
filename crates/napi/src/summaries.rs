//! Binding of clip_topo_core::summaries: conversions and scheduling only.

use clip_topo_core::diagram::Diagram;
use clip_topo_core::error::{Error as CoreError, Result as CoreResult};
use clip_topo_core::summaries::{self, Essential, Grid, ImageGrid, ImageSpec, Summary, SummaryOptions};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::hooks::{to_js_error, whole_opt, Hooks};

#[napi(object)]
#[derive(Default)]
pub struct SummaryNativeOptions {
    /// Replace infinite deaths by this value; essential bars are left out when absent.
    pub cut: Option<f64>,
    /// Power p of the total persistence Σ lifetime^p (default 1).
    pub p: Option<f64>,
    /// Curve sampling; default: `grid_size` values from the smallest birth to the largest death.
    pub grid: Option<Float64Array>,
    pub grid_size: Option<f64>,
    /// Landscape levels (default 3).
    pub levels: Option<f64>,
    /// Image grid; default: about `image_pixels`² pixels enclosing every bar, kernel one pixel wide.
    pub image: Option<ImageNativeSpec>,
    pub image_pixels: Option<f64>,
}

impl SummaryNativeOptions {
    /// The core's options, validated.
    fn to_core(&self) -> CoreResult<SummaryOptions> {
        let d = SummaryOptions::default();
        // a grid (an image spec) given makes the size (the pixel count) irrelevant: it is not read
        let grid = match &self.grid {
            Some(g) => Grid::Values(g.to_vec()),
            None => whole_opt(self.grid_size, "grid_size")?.map_or(d.grid, |n| Grid::Size(n as usize)),
        };
        let image = match &self.image {
            Some(s) => ImageGrid::Spec(s.to_core()?),
            None => whole_opt(self.image_pixels, "image_pixels")?.map_or(d.image, |p| ImageGrid::Pixels(p as usize)),
        };
        let o = SummaryOptions {
            essential: self.cut.map_or(Essential::Exclude, Essential::Cut),
            p: self.p.unwrap_or(d.p),
            grid,
            levels: whole_opt(self.levels, "levels")?.map_or(d.levels, |l| l as usize),
            image,
        };
        o.validate()?;
        Ok(o)
    }
}

#[napi(object)]
#[derive(Clone)]
pub struct ImageNativeSpec {
    pub birth_range: Vec<f64>,
    pub pers_range: Vec<f64>,
    pub pixel_size: f64,
    pub sigma: f64,
    pub weight_power: Option<f64>,
}

#[napi(object)]
pub struct StatisticsResult {
    pub count: u32,
    pub essential: u32,
    pub mean_lifetime: f64,
    pub median_lifetime: f64,
    pub max_lifetime: f64,
    pub total_persistence: f64,
    pub p: f64,
    pub mean_birth: f64,
    pub mean_death: f64,
    pub entropy: f64,
}

#[napi(object)]
pub struct SummaryResult {
    pub statistics: StatisticsResult,
    pub grid: Float64Array,
    pub betti: Float64Array,
    /// levels × grid, row-major.
    pub landscapes: Float64Array,
    pub levels: u32,
    pub image: ImageNativeSpec,
    /// births × persistences, row-major.
    pub image_values: Float64Array,
    pub image_shape: Vec<u32>,
}

pub struct SummarizeTask {
    diagram: Diagram,
    options: SummaryOptions,
}

fn range(v: &[f64], what: &str) -> CoreResult<(f64, f64)> {
    match v {
        [a, b] => Ok((*a, *b)),
        _ => Err(CoreError::invalid(format!("{what} must be [low, high]"))),
    }
}

impl ImageNativeSpec {
    fn to_core(&self) -> CoreResult<ImageSpec> {
        Ok(ImageSpec {
            birth_range: range(&self.birth_range, "image birthRange")?,
            pers_range: range(&self.pers_range, "image persRange")?,
            pixel_size: self.pixel_size,
            sigma: self.sigma,
            weight_power: self.weight_power.unwrap_or(1.0),
        })
    }
}

impl Task for SummarizeTask {
    type Output = Summary;
    type JsValue = SummaryResult;

    fn compute(&mut self) -> Result<Self::Output> {
        Hooks::default().run(|_| summaries::summarize(&self.diagram, &self.options))
    }

    fn resolve(&mut self, _env: Env, o: Self::Output) -> Result<Self::JsValue> {
        let s = o.statistics;
        Ok(SummaryResult {
            statistics: StatisticsResult {
                count: s.count as u32,
                essential: s.essential as u32,
                mean_lifetime: s.mean_lifetime,
                median_lifetime: s.median_lifetime,
                max_lifetime: s.max_lifetime,
                total_persistence: s.total_persistence,
                p: s.p,
                mean_birth: s.mean_birth,
                mean_death: s.mean_death,
                entropy: s.entropy,
            },
            grid: Float64Array::new(o.grid),
            betti: Float64Array::new(o.betti.iter().map(|&v| v as f64).collect()),
            landscapes: Float64Array::new(o.landscapes),
            levels: o.levels as u32,
            image: ImageNativeSpec {
                birth_range: vec![o.image_spec.birth_range.0, o.image_spec.birth_range.1],
                pers_range: vec![o.image_spec.pers_range.0, o.image_spec.pers_range.1],
                pixel_size: o.image_spec.pixel_size,
                sigma: o.image_spec.sigma,
                weight_power: Some(o.image_spec.weight_power),
            },
            image_shape: vec![o.image.1 as u32, o.image.2 as u32],
            image_values: Float64Array::new(o.image.0),
        })
    }
}

/// Statistics, Betti curve, landscapes and persistence image of one diagram given as flat
/// (birth, death) pairs; death = Infinity marks an essential bar.
#[napi(ts_return_type = "Promise<SummaryResult>")]
pub fn summarize(pairs: Float64Array, dim: u32, options: Option<SummaryNativeOptions>) -> Result<AsyncTask<SummarizeTask>> {
    let options = options.unwrap_or_default().to_core().map_err(to_js_error)?;
    let diagram = Diagram::new(dim as usize, pairs.chunks_exact(2).map(|c| [c[0], c[1]]).collect());
    Ok(AsyncTask::new(SummarizeTask { diagram, options }))
}
