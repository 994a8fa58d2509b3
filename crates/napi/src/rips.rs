//! Binding of clip_topo_core::rips: conversions and scheduling only.

use clip_topo_core::error::Result as CoreResult;
use clip_topo_core::rips::{self, Input, Metric, Options, Points};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::hooks::{to_f64, to_js_error, usize_of, whole_opt, CancelToken, Hooks, ProgressCallback};

#[napi(object)]
#[derive(Default)]
pub struct RipsNativeOptions {
    pub maxdim: Option<f64>,
    /// Largest edge length; absent or Infinity = enclosing radius (dense input) or ∞ (edge list).
    pub threshold: Option<f64>,
    /// euclidean | cosine | angular (point clouds only).
    pub metric: Option<String>,
    pub coeff: Option<f64>,
    pub threads: Option<f64>,
    pub sample: Option<f64>,
    pub approx: Option<f64>,
    /// Bytes; absent, non-finite or ≤ 0 = no limit.
    pub max_memory: Option<f64>,
    /// Representative cycles of this many most persistent finite H1 bars (0 = none; coeff 2 only).
    pub cycles: Option<f64>,
    /// Seconds the exact run may take before a greedy sample is computed instead (absent = no budget).
    pub budget: Option<f64>,
}

impl RipsNativeOptions {
    /// The core's options, validated, and the thread count of the call.
    fn to_core(&self) -> CoreResult<(Options, Option<u32>)> {
        let d = Options::default();
        let o = Options {
            maxdim: whole_opt(self.maxdim, "maxdim")?.map_or(d.maxdim, usize_of),
            threshold: self.threshold.filter(|&t| t != f64::INFINITY),
            coeff: whole_opt(self.coeff, "coeff")?.unwrap_or(d.coeff),
            // the pool is built by Hooks; the core runs in it
            threads: 0,
            sample: whole_opt(self.sample, "sample")?.map(usize_of),
            approx: self.approx,
            max_memory: self.max_memory.filter(|m| m.is_finite() && *m > 0.0).map(|m| m as u64),
            cycles: whole_opt(self.cycles, "cycles")?.map_or(d.cycles, usize_of),
            budget: self.budget,
        };
        o.validate()?;
        Ok((o, whole_opt(self.threads, "threads")?))
    }

    /// The point-cloud metric (ignored for distance matrices and edge lists).
    fn metric(&self) -> CoreResult<Metric> {
        Metric::parse(self.metric.as_deref().unwrap_or("euclidean"))
    }
}

#[napi(object)]
pub struct RipsDiagram {
    pub dim: u32,
    /// [birth0, death0, birth1, death1, …]; death = Infinity for essential classes.
    pub pairs: Float64Array,
}

/// A representative cycle of an H1 bar over Z/2 (see the core's `Cycle`).
#[napi(object)]
pub struct RipsCycle {
    pub birth: f64,
    pub death: f64,
    /// [a, b] with a < b, sorted; input rows.
    pub edges: Vec<Vec<u32>>,
    /// Simple closed loops; the first vertex is not repeated at the end.
    pub loops: Vec<Vec<u32>>,
    pub computed: bool,
    pub reason: Option<String>,
}

/// What one run of the engine cost (see the core's `Cost`).
#[napi(object)]
pub struct RipsCost {
    pub seconds: f64,
    pub work: f64,
    pub bytes: f64,
}

#[napi(object)]
pub struct RipsPilot {
    pub points: u32,
    pub edges: f64,
    pub cost: RipsCost,
}

/// The pilots' estimate of the exact run.
#[napi(object)]
pub struct RipsEstimate {
    pub points: u32,
    pub seconds: f64,
    pub bytes: f64,
    pub pilot_seconds: f64,
    pub pilots: Vec<RipsPilot>,
}

fn cost(c: rips::Cost) -> RipsCost {
    RipsCost { seconds: c.seconds, work: c.work as f64, bytes: c.bytes as f64 }
}

#[napi(object)]
pub struct RipsNativeResult {
    pub diagrams: Vec<RipsDiagram>,
    /// Infinity when none.
    pub threshold: f64,
    pub n: u32,
    pub memory_estimate: f64,
    pub sample_indices: Option<Uint32Array>,
    pub hausdorff_radius: Option<f64>,
    pub approx_epsilon: Option<f64>,
    pub approx_edges: Option<f64>,
    pub approx_kept_fraction: Option<f64>,
    pub guarantee: Option<String>,
    /// The power of two the distances were multiplied by to fit float32 (1 = none); values are in input units.
    pub scale: f64,
    /// Empty unless the `cycles` option was > 0; most persistent first.
    pub cycles: Vec<RipsCycle>,
    /// What the (last) run of the engine cost.
    pub cost: RipsCost,
    /// With a budget: the pilots' estimate of the exact run.
    pub estimate: Option<RipsEstimate>,
    /// Why a greedy sample was computed instead of the exact diagram.
    pub fallback: Option<String>,
}

enum Data {
    P32(Vec<f32>, usize, usize, Metric),
    P64(Vec<f64>, usize, usize, Metric),
    Dist(Vec<f64>, usize),
    Edges(usize, Vec<u32>, Vec<u32>, Vec<f64>),
}

pub struct RipsTask {
    data: Data,
    options: Options,
    hooks: Hooks,
}

impl RipsTask {
    fn new(
        data: Data,
        options: Option<RipsNativeOptions>,
        cancel: Option<&CancelToken>,
        progress: Option<ProgressCallback>,
    ) -> Result<AsyncTask<Self>> {
        let (options, threads) = options.unwrap_or_default().to_core().map_err(to_js_error)?;
        Ok(AsyncTask::new(RipsTask { data, options, hooks: Hooks::new(cancel, progress, threads) }))
    }
}

impl Task for RipsTask {
    type Output = rips::Output;
    type JsValue = RipsNativeResult;

    fn compute(&mut self) -> Result<Self::Output> {
        let input = match &self.data {
            Data::P32(x, n, d, m) => Input::Points { points: Points::F32(x), n: *n, d: *d, metric: *m },
            Data::P64(x, n, d, m) => Input::Points { points: Points::F64(x), n: *n, d: *d, metric: *m },
            Data::Dist(v, n) => Input::Distances { values: v, n: *n },
            Data::Edges(n, i, j, w) => Input::Edges { n: *n, i, j, w },
        };
        self.hooks.run(|ctl| rips::rips(input, &self.options, ctl))
    }
    fn resolve(&mut self, _env: Env, out: Self::Output) -> Result<Self::JsValue> {
        Ok(RipsNativeResult {
            diagrams: out
                .diagrams
                .into_iter()
                .map(|d| RipsDiagram { dim: d.dim as u32, pairs: Float64Array::new(d.pairs.iter().flat_map(|p| [p[0], p[1]]).collect()) })
                .collect(),
            threshold: out.threshold,
            n: out.n as u32,
            cost: cost(out.cost),
            estimate: out.estimate.map(|e| RipsEstimate {
                points: e.points as u32,
                seconds: e.seconds,
                bytes: e.bytes as f64,
                pilot_seconds: e.pilot_seconds,
                pilots: e.pilots.iter().map(|p| RipsPilot { points: p.points as u32, edges: p.edges as f64, cost: cost(p.cost) }).collect(),
            }),
            fallback: out.fallback,
            memory_estimate: out.memory_estimate as f64,
            sample_indices: out.sample.as_ref().map(|s| Uint32Array::new(s.indices.iter().map(|&i| i as u32).collect())),
            hausdorff_radius: out.sample.as_ref().map(|s| s.hausdorff_radius),
            approx_epsilon: out.approx.as_ref().map(|a| a.epsilon),
            approx_edges: out.approx.as_ref().map(|a| a.edges as f64),
            approx_kept_fraction: out.approx.as_ref().map(|a| a.kept_fraction),
            guarantee: out.approx.map(|a| a.guarantee),
            scale: out.scale,
            cycles: out
                .cycles
                .into_iter()
                .map(|c| RipsCycle {
                    birth: c.birth,
                    death: c.death,
                    edges: c.edges.iter().map(|e| vec![e[0] as u32, e[1] as u32]).collect(),
                    loops: c.loops.iter().map(|l| l.iter().map(|&v| v as u32).collect()).collect(),
                    computed: c.computed,
                    reason: c.reason,
                })
                .collect(),
        })
    }
}

/// Persistence diagrams of the Rips filtration of n points in R^d (flat row-major).
#[napi(ts_return_type = "Promise<RipsNativeResult>")]
pub fn rips_points(
    x: Either<Float32Array, Float64Array>,
    n: u32,
    d: u32,
    options: Option<RipsNativeOptions>,
    cancel: Option<&CancelToken>,
    #[napi(ts_arg_type = "(stage: string, done: number, total: number) => void")] on_progress: Option<ProgressCallback>,
) -> Result<AsyncTask<RipsTask>> {
    let metric = options.as_ref().map_or(Ok(Metric::Euclidean), RipsNativeOptions::metric).map_err(to_js_error)?;
    let (n, d) = (usize_of(n), usize_of(d));
    let data = match x {
        Either::A(a) => Data::P32(a.to_vec(), n, d, metric),
        Either::B(b) => Data::P64(b.to_vec(), n, d, metric),
    };
    RipsTask::new(data, options, cancel, on_progress)
}

/// Persistence diagrams from a distance matrix: n·n values (full) or n(n−1)/2 (strict lower triangle by rows).
#[napi(ts_return_type = "Promise<RipsNativeResult>")]
pub fn rips_distances(
    values: Either<Float32Array, Float64Array>,
    n: u32,
    options: Option<RipsNativeOptions>,
    cancel: Option<&CancelToken>,
    #[napi(ts_arg_type = "(stage: string, done: number, total: number) => void")] on_progress: Option<ProgressCallback>,
) -> Result<AsyncTask<RipsTask>> {
    RipsTask::new(Data::Dist(to_f64(&values), usize_of(n)), options, cancel, on_progress)
}

/// Persistence diagrams of a sparse distance matrix given as edges (i[k], j[k]) of length w[k].
#[napi(ts_return_type = "Promise<RipsNativeResult>")]
pub fn rips_edges(
    n: u32,
    i: Uint32Array,
    j: Uint32Array,
    w: Float64Array,
    options: Option<RipsNativeOptions>,
    cancel: Option<&CancelToken>,
    #[napi(ts_arg_type = "(stage: string, done: number, total: number) => void")] on_progress: Option<ProgressCallback>,
) -> Result<AsyncTask<RipsTask>> {
    RipsTask::new(Data::Edges(usize_of(n), i.to_vec(), j.to_vec(), w.to_vec()), options, cancel, on_progress)
}

/// Estimated bytes for an exact run on n points (all pairs within the threshold; see the core's docs).
#[napi]
pub fn rips_memory_estimate(n: u32, maxdim: u32) -> f64 {
    rips::estimate_memory(n as usize, maxdim as usize, 1.0, true) as f64
}
