//! Binding of clip_topo_core::synth: conversions and scheduling only.

use clip_topo_core::error::{Error as CoreError, Result as CoreResult};
use clip_topo_core::synth::{self, Request, Texture};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::hooks::{to_js_error, whole_opt, CancelToken, Hooks, ProgressCallback};

#[napi(object)]
pub struct SynthRequest {
    pub class: String,
    pub index: u32,
}

#[napi(object)]
pub struct SynthTexture {
    pub class: String,
    pub size: u32,
    /// Row-major RGB, size × size × 3 bytes.
    pub rgb: Uint8Array,
    pub colors: Vec<String>,
    pub scale: String,
    pub orientation: Option<String>,
    pub detail: String,
    pub lighting: String,
}

pub struct SynthTask {
    requests: Vec<Request>,
    size: u32,
    seed: u64,
    hooks: Hooks,
}

impl Task for SynthTask {
    type Output = Vec<Texture>;
    type JsValue = Vec<SynthTexture>;

    fn compute(&mut self) -> Result<Self::Output> {
        self.hooks.run(|ctl| synth::render_batch(&self.requests, self.size, self.seed, ctl))
    }

    fn resolve(&mut self, _env: Env, out: Self::Output) -> Result<Self::JsValue> {
        Ok(out
            .into_iter()
            .map(|t| SynthTexture {
                class: t.class.to_string(),
                size: t.size,
                rgb: Uint8Array::new(t.rgb),
                colors: t.colors.iter().map(|c| c.to_string()).collect(),
                scale: t.scale.to_string(),
                orientation: t.orientation.map(|o| o.to_string()),
                detail: t.detail,
                lighting: t.lighting.to_string(),
            })
            .collect())
    }
}

/// Names of the texture classes the generator can draw, in DTD's canonical order.
#[napi]
pub fn synth_classes() -> Vec<String> {
    synth::classes().into_iter().map(String::from).collect()
}

/// Renders textures; each image depends only on (class, index, size, seed).
#[napi(ts_return_type = "Promise<SynthTexture[]>")]
pub fn synth_render(
    requests: Vec<SynthRequest>,
    size: u32,
    seed: f64,
    cancel: Option<&CancelToken>,
    #[napi(ts_arg_type = "(stage: string, done: number, total: number) => void")] on_progress: Option<ProgressCallback>,
    threads: Option<f64>,
) -> Result<AsyncTask<SynthTask>> {
    let seed = seed_of(seed).map_err(to_js_error)?;
    let threads = whole_opt(threads, "threads").map_err(to_js_error)?;
    let requests: Vec<Request> = requests.into_iter().map(|r| Request { class: r.class, index: r.index as u64 }).collect();
    synth::check_batch(&requests, size).map_err(to_js_error)?;
    Ok(AsyncTask::new(SynthTask { requests, size, seed, hooks: Hooks::new(cancel, on_progress, threads) }))
}

/// JS numbers carry integers exactly up to 2^53; anything else is refused rather than rounded.
fn seed_of(seed: f64) -> CoreResult<u64> {
    if seed.is_finite() && seed >= 0.0 && seed.fract() == 0.0 && seed <= 9_007_199_254_740_991.0 {
        Ok(seed as u64)
    } else {
        Err(CoreError::invalid(format!("synth: seed must be an integer between 0 and 2^53 - 1, got {seed}")))
    }
}
