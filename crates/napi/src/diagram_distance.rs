//! Binding of clip_topo_core::diagram_distance: conversions and scheduling only.
//! A diagram crosses the boundary as a flat Float64Array of (birth, death) pairs, death = Infinity
//! for essential bars; a matching comes back as flat (aIndex, bIndex, cost) triples, −1 = diagonal.

use clip_topo_core::diagram::Diagram;
use clip_topo_core::diagram_distance::{self as dd, BottleneckOptions, MatchedPair, WassersteinOptions};
use clip_topo_core::error::Result as CoreResult;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::hooks::{to_js_error, CancelToken, Hooks, ProgressCallback};

#[napi(object)]
#[derive(Default)]
pub struct DiagramDistanceNativeOptions {
    pub delta: Option<f64>,
    pub matching: Option<bool>,
    pub ignore_essential: Option<bool>,
    /// Wasserstein only.
    pub p: Option<f64>,
    /// Wasserstein only; Infinity = L∞.
    pub internal_p: Option<f64>,
}

impl DiagramDistanceNativeOptions {
    /// The core's bottleneck options, validated.
    fn to_bottleneck(&self) -> CoreResult<BottleneckOptions> {
        let d = BottleneckOptions::default();
        let o = BottleneckOptions {
            delta: self.delta.unwrap_or(d.delta),
            matching: self.matching.unwrap_or(d.matching),
            ignore_essential: self.ignore_essential.unwrap_or(d.ignore_essential),
        };
        o.validate()?;
        Ok(o)
    }

    /// The core's Wasserstein options, validated.
    fn to_wasserstein(&self) -> CoreResult<WassersteinOptions> {
        let d = WassersteinOptions::default();
        let o = WassersteinOptions {
            p: self.p.unwrap_or(d.p),
            delta: self.delta.unwrap_or(d.delta),
            internal_p: self.internal_p.unwrap_or(d.internal_p),
            matching: self.matching.unwrap_or(d.matching),
            ignore_essential: self.ignore_essential.unwrap_or(d.ignore_essential),
        };
        o.validate()?;
        Ok(o)
    }
}

#[napi(object)]
pub struct DiagramDistanceResult {
    pub distance: f64,
    /// (aIndex, bIndex, cost) of a pair attaining the bottleneck distance; absent for Wasserstein.
    pub attaining: Option<Float64Array>,
    /// Flat (aIndex, bIndex, cost) triples when asked for.
    pub matching: Option<Float64Array>,
    pub ignored_essential: bool,
}

fn flat(pairs: &[MatchedPair]) -> Vec<f64> {
    let idx = |i: Option<usize>| i.map_or(-1.0, |i| i as f64);
    pairs.iter().flat_map(|p| [idx(p.a), idx(p.b), p.cost]).collect()
}

enum Metric {
    Bottleneck(BottleneckOptions),
    Wasserstein(WassersteinOptions),
}

pub struct DiagramDistanceTask {
    a: Diagram,
    b: Diagram,
    metric: Metric,
    hooks: Hooks,
}

impl DiagramDistanceTask {
    fn new(
        a: &[f64],
        b: &[f64],
        metric: Metric,
        cancel: Option<&CancelToken>,
        progress: Option<ProgressCallback>,
    ) -> Result<AsyncTask<Self>> {
        let a = dd::diagram_from_flat(a, "a").map_err(to_js_error)?;
        let b = dd::diagram_from_flat(b, "b").map_err(to_js_error)?;
        Ok(AsyncTask::new(DiagramDistanceTask { a, b, metric, hooks: Hooks::new(cancel, progress, None) }))
    }
}

pub struct Output {
    distance: f64,
    attaining: Option<MatchedPair>,
    matching: Option<Vec<MatchedPair>>,
    ignored_essential: bool,
}

impl Task for DiagramDistanceTask {
    type Output = Output;
    type JsValue = DiagramDistanceResult;

    fn compute(&mut self) -> Result<Self::Output> {
        let (a, b) = (&self.a, &self.b);
        self.hooks.run(|ctl| {
            Ok(match &self.metric {
                Metric::Bottleneck(o) => {
                    let r = dd::bottleneck(a, b, o, ctl)?;
                    Output { distance: r.distance, attaining: r.attaining, matching: r.matching, ignored_essential: r.ignored_essential }
                }
                Metric::Wasserstein(o) => {
                    let r = dd::wasserstein(a, b, o, ctl)?;
                    Output { distance: r.distance, attaining: None, matching: r.matching, ignored_essential: r.ignored_essential }
                }
            })
        })
    }

    fn resolve(&mut self, _env: Env, out: Self::Output) -> Result<Self::JsValue> {
        Ok(DiagramDistanceResult {
            distance: out.distance,
            attaining: out.attaining.map(|p| Float64Array::new(flat(&[p]))),
            matching: out.matching.map(|m| Float64Array::new(flat(&m))),
            ignored_essential: out.ignored_essential,
        })
    }
}

/// Bottleneck distance (L∞ ground metric) between two diagrams given as flat (birth, death) pairs.
#[napi(ts_return_type = "Promise<DiagramDistanceResult>")]
pub fn bottleneck_distance(
    a: Float64Array,
    b: Float64Array,
    options_: Option<DiagramDistanceNativeOptions>,
    cancel: Option<&CancelToken>,
    #[napi(ts_arg_type = "(stage: string, done: number, total: number) => void")] on_progress: Option<ProgressCallback>,
) -> Result<AsyncTask<DiagramDistanceTask>> {
    let o = options_.unwrap_or_default().to_bottleneck().map_err(to_js_error)?;
    DiagramDistanceTask::new(&a, &b, Metric::Bottleneck(o), cancel, on_progress)
}

/// p-Wasserstein distance between two diagrams given as flat (birth, death) pairs.
#[napi(ts_return_type = "Promise<DiagramDistanceResult>")]
pub fn wasserstein_distance(
    a: Float64Array,
    b: Float64Array,
    options_: Option<DiagramDistanceNativeOptions>,
    cancel: Option<&CancelToken>,
    #[napi(ts_arg_type = "(stage: string, done: number, total: number) => void")] on_progress: Option<ProgressCallback>,
) -> Result<AsyncTask<DiagramDistanceTask>> {
    let o = options_.unwrap_or_default().to_wasserstein().map_err(to_js_error)?;
    DiagramDistanceTask::new(&a, &b, Metric::Wasserstein(o), cancel, on_progress)
}
