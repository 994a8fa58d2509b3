//! Binding of clip_topo_core::probe (linear probe): conversions and scheduling only.

use clip_topo_core::error::{Error as CoreError, Result as CoreResult};
use clip_topo_core::probe::{self, Classifier, ProbeOptions, Stop};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::hooks::{to_f64, to_js_error, usize_of, whole_opt, CancelToken, Hooks, ProgressCallback};

#[napi(object)]
#[derive(Default)]
pub struct ProbeNativeOptions {
    pub c: Option<f64>,
    pub max_iter: Option<f64>,
    pub tol: Option<f64>,
    pub threads: Option<f64>,
}

impl ProbeNativeOptions {
    /// The core's options, validated, and the thread count of the call.
    fn to_core(&self) -> CoreResult<(ProbeOptions, Option<u32>)> {
        let d = ProbeOptions::default();
        let o = ProbeOptions {
            c: self.c.unwrap_or(d.c),
            max_iter: whole_opt(self.max_iter, "max_iter")?.map_or(d.max_iter, usize_of),
            tol: self.tol.unwrap_or(d.tol),
        };
        o.validate()?;
        Ok((o, whole_opt(self.threads, "threads")?))
    }
}

#[napi(object)]
pub struct ProbeNativeModel {
    pub classes: u32,
    pub dim: u32,
    /// classes×dim row-major.
    pub weights: Float64Array,
    pub bias: Float64Array,
    pub iterations: u32,
    pub evaluations: u32,
    pub converged: bool,
    /// "gradient" | "relative_reduction" | "max_iter" | "line_search"
    pub stop: String,
    /// 0.5·||W||² + C·Σ −log p(yᵢ|xᵢ)
    pub objective: f64,
    pub log_loss: f64,
    pub grad_max: f64,
}

fn stop_name(s: Stop) -> &'static str {
    match s {
        Stop::Gradient => "gradient",
        Stop::RelativeReduction => "relative_reduction",
        Stop::MaxIter => "max_iter",
        Stop::LineSearch => "line_search",
    }
}

pub struct TrainProbeTask {
    x: Vec<f64>,
    shape: (usize, usize),
    labels: Vec<i32>,
    classes: usize,
    options: ProbeOptions,
    hooks: Hooks,
}

impl Task for TrainProbeTask {
    type Output = probe::ProbeModel;
    type JsValue = ProbeNativeModel;

    fn compute(&mut self) -> Result<Self::Output> {
        let (n, d) = self.shape;
        self.hooks.run(|ctl| probe::train(&self.x, n, d, &self.labels, self.classes, &self.options, ctl))
    }

    fn resolve(&mut self, _env: Env, m: Self::Output) -> Result<Self::JsValue> {
        Ok(ProbeNativeModel {
            classes: m.classifier.classes as u32,
            dim: m.classifier.dim as u32,
            weights: Float64Array::new(m.classifier.weights),
            bias: Float64Array::new(m.classifier.bias),
            iterations: m.iterations as u32,
            evaluations: m.evaluations as u32,
            converged: m.converged,
            stop: stop_name(m.stop).to_string(),
            objective: m.objective,
            log_loss: m.log_loss,
            grad_max: m.grad_max,
        })
    }
}

/// Trains a multinomial logistic-regression probe on the n×d row-major embeddings `x`.
#[napi(ts_return_type = "Promise<ProbeNativeModel>")]
pub fn train_probe(
    x: Either<Float32Array, Float64Array>,
    n: u32,
    d: u32,
    labels: Int32Array,
    classes: u32,
    options: Option<ProbeNativeOptions>,
    cancel: Option<&CancelToken>,
    #[napi(ts_arg_type = "(stage: string, done: number, total: number) => void")] on_progress: Option<ProgressCallback>,
) -> Result<AsyncTask<TrainProbeTask>> {
    let (options, threads) = options.unwrap_or_default().to_core().map_err(to_js_error)?;
    Ok(AsyncTask::new(TrainProbeTask {
        x: to_f64(&x),
        shape: (usize_of(n), usize_of(d)),
        labels: labels.to_vec(),
        classes: usize_of(classes),
        options,
        hooks: Hooks::new(cancel, on_progress, threads),
    }))
}

#[napi(object)]
pub struct ProbeNativeEvaluation {
    /// n×classes row-major.
    pub probabilities: Float64Array,
    pub predictions: Int32Array,
    pub acc1: f64,
    pub acc5: f64,
    pub mean_per_class_recall: f64,
    /// classes×classes row-major; row = true class, column = predicted.
    pub confusion: Uint32Array,
}

pub struct EvaluateProbeTask {
    model: Classifier,
    x: Vec<f64>,
    n: usize,
    labels: Vec<i32>,
    hooks: Hooks,
}

impl Task for EvaluateProbeTask {
    type Output = probe::Evaluation;
    type JsValue = ProbeNativeEvaluation;

    fn compute(&mut self) -> Result<Self::Output> {
        self.hooks.run(|ctl| probe::evaluate(&self.model, &self.x, self.n, &self.labels, ctl))
    }

    fn resolve(&mut self, _env: Env, e: Self::Output) -> Result<Self::JsValue> {
        let confusion = e
            .confusion
            .iter()
            .map(|&c| u32::try_from(c).map_err(|_| to_js_error(CoreError::too_large("confusion count exceeds 2^32"))))
            .collect::<Result<Vec<u32>>>()?;
        Ok(ProbeNativeEvaluation {
            probabilities: Float64Array::new(e.probabilities),
            predictions: Int32Array::new(e.predictions.into_iter().map(|p| p as i32).collect()),
            acc1: e.acc1,
            acc5: e.acc5,
            mean_per_class_recall: e.mean_per_class_recall,
            confusion: Uint32Array::new(confusion),
        })
    }
}

/// Evaluates the probe (weights classes×dim, bias) on the n×dim row-major embeddings `x`.
#[napi(ts_return_type = "Promise<ProbeNativeEvaluation>")]
pub fn evaluate_probe(
    weights: Float64Array,
    bias: Float64Array,
    classes: u32,
    dim: u32,
    x: Either<Float32Array, Float64Array>,
    n: u32,
    labels: Int32Array,
    threads: Option<f64>,
    cancel: Option<&CancelToken>,
) -> Result<AsyncTask<EvaluateProbeTask>> {
    let threads = whole_opt(threads, "threads").map_err(to_js_error)?;
    Ok(AsyncTask::new(EvaluateProbeTask {
        model: Classifier { classes: usize_of(classes), dim: usize_of(dim), weights: weights.to_vec(), bias: bias.to_vec() },
        x: to_f64(&x),
        n: usize_of(n),
        labels: labels.to_vec(),
        hooks: Hooks::new(cancel, None, threads),
    }))
}
