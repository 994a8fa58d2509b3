//! Binding of clip_topo_core::diagram_distance: conversions and scheduling only.
//! A diagram crosses the boundary as a flat Float64Array of (birth, death) pairs, death = Infinity
//! for essential bars; a matching comes back as flat (aIndex, bIndex, cost) triples, −1 = diagonal.

use clip_topo_core::diagram_distance::{self as dd, BottleneckOptions, MatchedPair, WassersteinOptions};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::hooks::{CancelToken, Hooks, ProgressCallback};

#[napi(object)]
pub struct DiagramDistanceNativeOptions {
    pub delta: Option<f64>,
    pub matching: Option<bool>,
    pub ignore_essential: Option<bool>,
    /// Wasserstein only.
    pub p: Option<f64>,
    /// Wasserstein only; Infinity = L∞.
    pub internal_p: Option<f64>,
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
    a: Vec<f64>,
    b: Vec<f64>,
    metric: Metric,
    hooks: Hooks,
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
        self.hooks.run(|ctl| {
            let a = dd::diagram_from_flat(&self.a, "a")?;
            let b = dd::diagram_from_flat(&self.b, "b")?;
            Ok(match &self.metric {
                Metric::Bottleneck(o) => {
                    let r = dd::bottleneck(&a, &b, o, ctl)?;
                    Output { distance: r.distance, attaining: r.attaining, matching: r.matching, ignored_essential: r.ignored_essential }
                }
                Metric::Wasserstein(o) => {
                    let r = dd::wasserstein(&a, &b, o, ctl)?;
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

fn options(o: Option<DiagramDistanceNativeOptions>) -> DiagramDistanceNativeOptions {
    o.unwrap_or(DiagramDistanceNativeOptions { delta: None, matching: None, ignore_essential: None, p: None, internal_p: None })
}

/// Bottleneck distance (L∞ ground metric) between two diagrams given as flat (birth, death) pairs.
#[napi(ts_return_type = "Promise<DiagramDistanceResult>")]
pub fn bottleneck_distance(
    a: Float64Array,
    b: Float64Array,
    options_: Option<DiagramDistanceNativeOptions>,
    cancel: Option<&CancelToken>,
    on_progress: Option<ProgressCallback>,
) -> AsyncTask<DiagramDistanceTask> {
    let o = options(options_);
    let d = BottleneckOptions::default();
    AsyncTask::new(DiagramDistanceTask {
        a: a.to_vec(),
        b: b.to_vec(),
        metric: Metric::Bottleneck(BottleneckOptions {
            delta: o.delta.unwrap_or(d.delta),
            matching: o.matching.unwrap_or(d.matching),
            ignore_essential: o.ignore_essential.unwrap_or(d.ignore_essential),
        }),
        hooks: Hooks::new(cancel, on_progress, None),
    })
}

/// p-Wasserstein distance between two diagrams given as flat (birth, death) pairs.
#[napi(ts_return_type = "Promise<DiagramDistanceResult>")]
pub fn wasserstein_distance(
    a: Float64Array,
    b: Float64Array,
    options_: Option<DiagramDistanceNativeOptions>,
    cancel: Option<&CancelToken>,
    on_progress: Option<ProgressCallback>,
) -> AsyncTask<DiagramDistanceTask> {
    let o = options(options_);
    let d = WassersteinOptions::default();
    AsyncTask::new(DiagramDistanceTask {
        a: a.to_vec(),
        b: b.to_vec(),
        metric: Metric::Wasserstein(WassersteinOptions {
            p: o.p.unwrap_or(d.p),
            delta: o.delta.unwrap_or(d.delta),
            internal_p: o.internal_p.unwrap_or(d.internal_p),
            matching: o.matching.unwrap_or(d.matching),
            ignore_essential: o.ignore_essential.unwrap_or(d.ignore_essential),
        }),
        hooks: Hooks::new(cancel, on_progress, None),
    })
}
