//! Binding of clip_topo_core::maps (t-SNE, UMAP): conversions and scheduling only.

use clip_topo_core::control::Control;
use clip_topo_core::error::Result as CoreResult;
use clip_topo_core::maps::{map_quality, tsne as core_tsne, umap as core_umap};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::hooks::{to_js_error, usize_of, whole_opt, CancelToken, Hooks, ProgressCallback};

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
#[derive(Default)]
pub struct TsneNativeOptions {
    pub perplexity: Option<f64>,
    pub iterations: Option<f64>,
    pub seed: Option<f64>,
    pub threads: Option<f64>,
    /// Also compute trustworthiness (k = 10) of the map.
    pub trustworthiness: Option<bool>,
}

impl TsneNativeOptions {
    /// The core's options, validated, and the thread count of the call.
    fn to_core(&self) -> CoreResult<(core_tsne::TsneOptions, Option<u32>)> {
        let d = core_tsne::TsneOptions::default();
        let o = core_tsne::TsneOptions {
            perplexity: self.perplexity.unwrap_or(d.perplexity),
            iterations: whole_opt(self.iterations, "iterations")?.map_or(d.iterations, usize_of),
            seed: whole_opt(self.seed, "seed")?.map_or(d.seed, u64::from),
            ..d
        };
        o.validate()?;
        Ok((o, whole_opt(self.threads, "threads")?))
    }
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
) -> Result<AsyncTask<TsneTask>> {
    let o = options.unwrap_or_default();
    let (options, threads) = o.to_core().map_err(to_js_error)?;
    Ok(AsyncTask::new(TsneTask {
        x: to_f32(&x),
        shape: (usize_of(n), usize_of(d)),
        options,
        trustworthiness: o.trustworthiness.unwrap_or(false),
        hooks: Hooks::new(cancel, on_progress, threads),
    }))
}

#[napi(object)]
#[derive(Default)]
pub struct UmapNativeOptions {
    pub n_neighbors: Option<f64>,
    pub min_dist: Option<f64>,
    pub spread: Option<f64>,
    pub epochs: Option<f64>,
    pub seed: Option<f64>,
    pub threads: Option<f64>,
    /// Also compute trustworthiness (k = 10) of the map.
    pub trustworthiness: Option<bool>,
}

impl UmapNativeOptions {
    /// The core's options, validated, and the thread count of the call.
    fn to_core(&self) -> CoreResult<(core_umap::UmapOptions, Option<u32>)> {
        let d = core_umap::UmapOptions::default();
        let o = core_umap::UmapOptions {
            n_neighbors: whole_opt(self.n_neighbors, "n_neighbors")?.map_or(d.n_neighbors, usize_of),
            min_dist: self.min_dist.unwrap_or(d.min_dist),
            spread: self.spread.unwrap_or(d.spread),
            epochs: whole_opt(self.epochs, "epochs")?.map(usize_of),
            seed: whole_opt(self.seed, "seed")?.map_or(d.seed, u64::from),
            ..d
        };
        o.validate()?;
        Ok((o, whole_opt(self.threads, "threads")?))
    }
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
) -> Result<AsyncTask<UmapTask>> {
    let o = options.unwrap_or_default();
    let (options, threads) = o.to_core().map_err(to_js_error)?;
    Ok(AsyncTask::new(UmapTask {
        x: to_f32(&x),
        shape: (usize_of(n), usize_of(d)),
        options,
        trustworthiness: o.trustworthiness.unwrap_or(false),
        hooks: Hooks::new(cancel, on_progress, threads),
    }))
}
