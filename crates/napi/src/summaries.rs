//! Binding of clip_topo_core::summaries: conversions and scheduling only.

use clip_topo_core::diagram::Diagram;
use clip_topo_core::error::Error as CoreError;
use clip_topo_core::summaries::{self, Essential, ImageSpec};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::hooks::Hooks;

#[napi(object)]
pub struct SummaryNativeOptions {
    /// Replace infinite deaths by this value; essential bars are left out when absent.
    pub cut: Option<f64>,
    /// Power p of the total persistence Σ lifetime^p (default 1).
    pub p: Option<f64>,
    /// Curve sampling; default: `grid_size` values from the smallest birth to the largest death.
    pub grid: Option<Float64Array>,
    pub grid_size: Option<u32>,
    /// Landscape levels (default 3).
    pub levels: Option<u32>,
    /// Image grid; default: about `image_pixels`² pixels enclosing every bar, kernel one pixel wide.
    pub image: Option<ImageNativeSpec>,
    pub image_pixels: Option<u32>,
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

pub struct SummaryOutput {
    stats: summaries::Statistics,
    grid: Vec<f64>,
    betti: Vec<u64>,
    landscapes: Vec<f64>,
    levels: usize,
    spec: ImageSpec,
    image: (Vec<f64>, usize, usize),
}

pub struct SummarizeTask {
    diagram: Diagram,
    essential: Essential,
    p: f64,
    grid: Option<Vec<f64>>,
    grid_size: usize,
    levels: usize,
    image: Option<ImageNativeSpec>,
    image_pixels: usize,
}

fn range(v: &[f64], what: &str) -> clip_topo_core::error::Result<(f64, f64)> {
    match v {
        [a, b] => Ok((*a, *b)),
        _ => Err(CoreError::invalid(format!("{what} must be [low, high]"))),
    }
}

impl Task for SummarizeTask {
    type Output = SummaryOutput;
    type JsValue = SummaryResult;

    fn compute(&mut self) -> Result<Self::Output> {
        Hooks::default().run(|_| {
            let d = &self.diagram;
            let stats = summaries::statistics(d, self.essential, self.p)?;
            let grid = match &self.grid {
                Some(g) => g.clone(),
                None => summaries::default_grid(d, self.grid_size, self.essential)?,
            };
            let betti = summaries::betti_curve(d, &grid, self.essential)?;
            let landscapes = summaries::landscapes(d, &grid, self.levels, self.essential)?;
            let spec = match &self.image {
                Some(s) => ImageSpec {
                    birth_range: range(&s.birth_range, "image birthRange")?,
                    pers_range: range(&s.pers_range, "image persRange")?,
                    pixel_size: s.pixel_size,
                    sigma: s.sigma,
                    weight_power: s.weight_power.unwrap_or(1.0),
                },
                None => summaries::default_image_spec(d, self.image_pixels, self.essential)?,
            };
            let image = summaries::persistence_image(d, &spec, self.essential)?;
            Ok(SummaryOutput { stats, grid, betti, landscapes, levels: self.levels, spec, image })
        })
    }

    fn resolve(&mut self, _env: Env, o: Self::Output) -> Result<Self::JsValue> {
        let s = o.stats;
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
                birth_range: vec![o.spec.birth_range.0, o.spec.birth_range.1],
                pers_range: vec![o.spec.pers_range.0, o.spec.pers_range.1],
                pixel_size: o.spec.pixel_size,
                sigma: o.spec.sigma,
                weight_power: Some(o.spec.weight_power),
            },
            image_shape: vec![o.image.1 as u32, o.image.2 as u32],
            image_values: Float64Array::new(o.image.0),
        })
    }
}

/// Statistics, Betti curve, landscapes and persistence image of one diagram given as flat
/// (birth, death) pairs; death = Infinity marks an essential bar.
#[napi(ts_return_type = "Promise<SummaryResult>")]
pub fn summarize(pairs: Float64Array, dim: u32, options: Option<SummaryNativeOptions>) -> AsyncTask<SummarizeTask> {
    let o = options.unwrap_or(SummaryNativeOptions {
        cut: None,
        p: None,
        grid: None,
        grid_size: None,
        levels: None,
        image: None,
        image_pixels: None,
    });
    let flat = pairs.to_vec();
    AsyncTask::new(SummarizeTask {
        diagram: Diagram::new(dim as usize, flat.chunks_exact(2).map(|c| [c[0], c[1]]).collect()),
        essential: o.cut.map_or(Essential::Exclude, Essential::Cut),
        p: o.p.unwrap_or(1.0),
        grid: o.grid.map(|g| g.to_vec()),
        grid_size: o.grid_size.unwrap_or(100) as usize,
        levels: o.levels.unwrap_or(3) as usize,
        image: o.image,
        image_pixels: o.image_pixels.unwrap_or(20) as usize,
    })
}
