//! Binding of clip_topo_core::angles: conversions and scheduling only.

use clip_topo_core::angles::{self, ClassAnglesOptions, RankRule, RowMajor};
use clip_topo_core::error::{Error as CoreError, Result as CoreResult};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::hooks::{to_f64, to_js_error, usize_of, whole_opt, CancelToken, Hooks, ProgressCallback};

#[napi(object)]
pub struct PrincipalAnglesResult {
    /// Radians, ascending.
    pub angles: Float64Array,
    pub rank_a: u32,
    pub rank_b: u32,
    pub warnings: Vec<String>,
}

pub struct PrincipalAnglesTask {
    a: Vec<f64>,
    a_shape: (usize, usize),
    b: Vec<f64>,
    b_shape: (usize, usize),
}

impl Task for PrincipalAnglesTask {
    type Output = angles::PrincipalAngles;
    type JsValue = PrincipalAnglesResult;

    fn compute(&mut self) -> Result<Self::Output> {
        Hooks::default().run(|_| {
            let a = RowMajor::new(&self.a, self.a_shape.0, self.a_shape.1, "A")?;
            let b = RowMajor::new(&self.b, self.b_shape.0, self.b_shape.1, "B")?;
            angles::principal_angles(a, b)
        })
    }

    fn resolve(&mut self, _env: Env, out: Self::Output) -> Result<Self::JsValue> {
        Ok(PrincipalAnglesResult {
            angles: Float64Array::new(out.angles),
            rank_a: out.rank_a as u32,
            rank_b: out.rank_b as u32,
            warnings: out.warnings,
        })
    }
}

/// Principal angles between the column spaces of A (rows×cols, row-major) and B.
#[napi(ts_return_type = "Promise<PrincipalAnglesResult>")]
pub fn principal_angles(
    a: Either<Float32Array, Float64Array>,
    a_rows: u32,
    a_cols: u32,
    b: Either<Float32Array, Float64Array>,
    b_rows: u32,
    b_cols: u32,
) -> AsyncTask<PrincipalAnglesTask> {
    AsyncTask::new(PrincipalAnglesTask {
        a: to_f64(&a),
        a_shape: (usize_of(a_rows), usize_of(a_cols)),
        b: to_f64(&b),
        b_shape: (usize_of(b_rows), usize_of(b_cols)),
    })
}

#[napi(object)]
#[derive(Default)]
pub struct ClassAnglesNativeOptions {
    pub center: Option<bool>,
    /// Keep exactly this many dimensions per class.
    pub rank: Option<f64>,
    /// Keep the smallest rank holding this fraction of the energy.
    pub energy: Option<f64>,
    pub threads: Option<f64>,
}

impl ClassAnglesNativeOptions {
    /// The core's options, validated, and the thread count of the call.
    fn to_core(&self) -> CoreResult<(ClassAnglesOptions, Option<u32>)> {
        let rank = match (whole_opt(self.rank, "rank")?, self.energy) {
            (Some(_), Some(_)) => return Err(CoreError::invalid("give a rank or an energy fraction, not both")),
            (Some(k), None) => RankRule::Fixed(usize_of(k)),
            (None, Some(e)) => RankRule::Energy(e),
            (None, None) => RankRule::Full,
        };
        let o = ClassAnglesOptions { center: self.center.unwrap_or(true), rank };
        o.validate()?;
        Ok((o, whole_opt(self.threads, "threads")?))
    }
}

#[napi(object)]
pub struct PairSpectrumResult {
    pub a: u32,
    pub b: u32,
    /// Radians, ascending.
    pub angles: Float64Array,
}

#[napi(object)]
pub struct ClassAnglesResult {
    pub ranks: Vec<u32>,
    /// k×k row-major, radians.
    pub min: Float64Array,
    pub max: Float64Array,
    pub spectra: Vec<PairSpectrumResult>,
    pub warnings: Vec<String>,
}

pub struct ClassAnglesTask {
    x: Vec<f64>,
    shape: (usize, usize),
    labels: Vec<u32>,
    names: Vec<String>,
    options: ClassAnglesOptions,
    hooks: Hooks,
}

impl Task for ClassAnglesTask {
    type Output = angles::ClassAngles;
    type JsValue = ClassAnglesResult;

    fn compute(&mut self) -> Result<Self::Output> {
        self.hooks.run(|ctl| {
            let x = RowMajor::new(&self.x, self.shape.0, self.shape.1, "embeddings")?;
            angles::class_subspace_angles(x, &self.labels, &self.names, self.options, ctl)
        })
    }

    fn resolve(&mut self, _env: Env, out: Self::Output) -> Result<Self::JsValue> {
        Ok(ClassAnglesResult {
            ranks: out.ranks.iter().map(|&r| r as u32).collect(),
            min: Float64Array::new(out.min),
            max: Float64Array::new(out.max),
            spectra: out
                .spectra
                .into_iter()
                .map(|s| PairSpectrumResult { a: s.a as u32, b: s.b as u32, angles: Float64Array::new(s.angles) })
                .collect(),
            warnings: out.warnings,
        })
    }
}

/// Angles between the subspaces spanned by each class of the n×d embeddings `x`.
#[napi(ts_return_type = "Promise<ClassAnglesResult>")]
pub fn class_subspace_angles(
    x: Either<Float32Array, Float64Array>,
    n: u32,
    d: u32,
    labels: Uint32Array,
    class_names: Vec<String>,
    options: Option<ClassAnglesNativeOptions>,
    cancel: Option<&CancelToken>,
    #[napi(ts_arg_type = "(stage: string, done: number, total: number) => void")] on_progress: Option<ProgressCallback>,
) -> Result<AsyncTask<ClassAnglesTask>> {
    let (options, threads) = options.unwrap_or_default().to_core().map_err(to_js_error)?;
    Ok(AsyncTask::new(ClassAnglesTask {
        x: to_f64(&x),
        shape: (usize_of(n), usize_of(d)),
        labels: labels.to_vec(),
        names: class_names,
        options,
        hooks: Hooks::new(cancel, on_progress, threads),
    }))
}
