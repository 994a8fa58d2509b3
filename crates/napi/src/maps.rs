//! Binding of clip_topo_core::maps (t-SNE, UMAP): conversions and scheduling only.

use clip_topo_core::control::Control;
use clip_topo_core::error::Result as CoreResult;
use clip_topo_core::maps::{map_quality, tsne as core_tsne, umap as core_umap};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::hooks::{usize_of, CancelToken, Hooks, ProgressCallback};

/// The maps work in f32 (CLIP embeddings are f32); a Float64Array is narrowed on copy.
fn to_f32(data: &Either<Float32Array, Float64Array>) -> Vec<f32> {
    match data {
        Either::A(a) => a.to_vec(),
        Either::B(b) => b.iter().map(|&x| x as f32).collect(),
    }
}

fn quality(x: &[f32], n: usize, d: usize, y: &[f64], wanted: bool, ctl: &Control) -> CoreResult<Option<f64>> {
    // trustworthiness needs k < n/2; tiny inputs simply get none
    if !wanted || n <= 20 {
        return Ok(None);
    }
    map_quality::trustworthiness(x, n, d, y, 2, 10, ctl).map(Some)
}

#[napi(object)]
pub struct TsneNativeOptions {
    pub perplexity: Option<f64>,
    pub iterations: Option<u32>,
    pub seed: Option<u32>,
    pub threads: Option<u32>,
    /// Also compute trustworthiness (k = 10) of the map.
    pub trustworthiness: Option<bool>,
}

#[napi(object)]
pub struct TsneNativeResult {
    /// n×2 row-major.
    pub embedding: Float32Array,
    pub kl: f64,
    pub perplexity: f64,
    pub trustworthiness: Option<f64>,
    pub warnings: Vec<String>,
}

pub struct TsneTask {
    x: Vec<f32>,
    shape: (usize, usize),
    options: core_tsne::TsneOptions,
    trustworthiness: bool,
    hooks: Hooks,
}

impl Task for TsneTask {
    type Output = (core_tsne::TsneResult, Option<f64>);
    type JsValue = TsneNativeResult;

    fn compute(&mut self) -> Result<Self::Output> {
        let (n, d) = self.shape;
        self.hooks.run(|ctl| {
            let r = core_tsne::tsne(&self.x, n, d, &self.options, ctl)?;
            let t = quality(&self.x, n, d, &r.embedding, self.trustworthiness, ctl)?;
            Ok((r, t))
        })
    }

    fn resolve(&mut self, _env: Env, (r, t): Self::Output) -> Result<Self::JsValue> {
        Ok(TsneNativeResult {
            embedding: Float32Array::new(r.embedding.iter().map(|&v| v as f32).collect()),
            kl: r.kl,
            perplexity: r.perplexity,
            trustworthiness: t,
            warnings: r.warnings,
        })
    }
}

/// t-SNE map (n×2) of the n×d row-major matrix `x`.
#[napi(ts_return_type = "Promise<TsneNativeResult>")]
pub fn tsne(
    x: Either<Float32Array, Float64Array>,
    n: u32,
    d: u32,
    options: Option<TsneNativeOptions>,
    cancel: Option<&CancelToken>,
    #[napi(ts_arg_type = "(stage: string, done: number, total: number) => void")] on_progress: Option<ProgressCallback>,
) -> AsyncTask<TsneTask> {
    let o = options.unwrap_or(TsneNativeOptions { perplexity: None, iterations: None, seed: None, threads: None, trustworthiness: None });
    let defaults = core_tsne::TsneOptions::default();
    AsyncTask::new(TsneTask {
        x: to_f32(&x),
        shape: (usize_of(n), usize_of(d)),
        options: core_tsne::TsneOptions {
            perplexity: o.perplexity.unwrap_or(defaults.perplexity),
            iterations: o.iterations.map(usize_of).unwrap_or(defaults.iterations),
            seed: o.seed.map(u64::from).unwrap_or(defaults.seed),
            ..defaults
        },
        trustworthiness: o.trustworthiness.unwrap_or(false),
        hooks: Hooks::new(cancel, on_progress, o.threads),
    })
}

#[napi(object)]
pub struct UmapNativeOptions {
    pub n_neighbors: Option<u32>,
    pub min_dist: Option<f64>,
    pub spread: Option<f64>,
    pub epochs: Option<u32>,
    pub seed: Option<u32>,
    pub threads: Option<u32>,
    /// Also compute trustworthiness (k = 10) of the map.
    pub trustworthiness: Option<bool>,
}

#[napi(object)]
pub struct UmapNativeResult {
    /// n×2 row-major.
    pub embedding: Float32Array,
    pub a: f64,
    pub b: f64,
    pub init: String,
    pub trustworthiness: Option<f64>,
    pub warnings: Vec<String>,
}

pub struct UmapTask {
    x: Vec<f32>,
    shape: (usize, usize),
    options: core_umap::UmapOptions,
    trustworthiness: bool,
    hooks: Hooks,
}

impl Task for UmapTask {
    type Output = (core_umap::UmapResult, Option<f64>);
    type JsValue = UmapNativeResult;

    fn compute(&mut self) -> Result<Self::Output> {
        let (n, d) = self.shape;
        self.hooks.run(|ctl| {
            let r = core_umap::umap(&self.x, n, d, &self.options, ctl)?;
            let y: Vec<f64> = r.embedding.iter().map(|&v| v as f64).collect();
            let t = quality(&self.x, n, d, &y, self.trustworthiness, ctl)?;
            Ok((r, t))
        })
    }

    fn resolve(&mut self, _env: Env, (r, t): Self::Output) -> Result<Self::JsValue> {
        Ok(UmapNativeResult {
            embedding: Float32Array::new(r.embedding),
            a: r.a,
            b: r.b,
            init: r.init.to_string(),
            trustworthiness: t,
            warnings: r.warnings,
        })
    }
}

/// UMAP map (n×2) of the n×d row-major matrix `x`.
#[napi(ts_return_type = "Promise<UmapNativeResult>")]
pub fn umap(
    x: Either<Float32Array, Float64Array>,
    n: u32,
    d: u32,
    options: Option<UmapNativeOptions>,
    cancel: Option<&CancelToken>,
    #[napi(ts_arg_type = "(stage: string, done: number, total: number) => void")] on_progress: Option<ProgressCallback>,
) -> AsyncTask<UmapTask> {
    let o = options.unwrap_or(UmapNativeOptions {
        n_neighbors: None,
        min_dist: None,
        spread: None,
        epochs: None,
        seed: None,
        threads: None,
        trustworthiness: None,
    });
    let defaults = core_umap::UmapOptions::default();
    AsyncTask::new(UmapTask {
        x: to_f32(&x),
        shape: (usize_of(n), usize_of(d)),
        options: core_umap::UmapOptions {
            n_neighbors: o.n_neighbors.map(usize_of).unwrap_or(defaults.n_neighbors),
            min_dist: o.min_dist.unwrap_or(defaults.min_dist),
            spread: o.spread.unwrap_or(defaults.spread),
            epochs: o.epochs.map(usize_of),
            seed: o.seed.map(u64::from).unwrap_or(defaults.seed),
            ..defaults
        },
        trustworthiness: o.trustworthiness.unwrap_or(false),
        hooks: Hooks::new(cancel, on_progress, o.threads),
    })
}
