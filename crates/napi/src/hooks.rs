//! What every binding call shares: a cancel token the TS side trips from an AbortSignal, a progress
//! callback called from the worker thread, the thread pool a call runs in, the mapping of core
//! errors to JS errors whose message starts with a stable `[CODE]` that src/native.ts turns into `err.code`,
//! and the strict conversions of JS numbers the options structs' `to_core()` use.
//!
//! Every exported function converts and validates its options on the JS thread (`to_core()`, then the
//! core's `validate()`), so a bad option throws at call time; the task only runs the kernel.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clip_topo_core::control::{Control, Progress};
use clip_topo_core::error::{Error as CoreError, Result as CoreResult};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

/// Most worker threads a call takes (as clip_topo_core::rips::Options::validate).
const MAX_THREADS: usize = 1024;

/// Cancels the call it was passed to. Created by the TS wrapper and tripped by an AbortSignal.
#[napi]
pub struct CancelToken {
    flag: Arc<AtomicBool>,
}

#[napi]
impl CancelToken {
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        CancelToken { flag: Arc::new(AtomicBool::new(false)) }
    }

    #[napi]
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    #[napi(getter)]
    pub fn cancelled(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}

/// `(stage, done, total)` from the worker thread; never blocks the kernel (non-blocking calls, weak
/// so a pending report never keeps the process alive).
pub type ProgressCallback = ThreadsafeFunction<FnArgs<(String, f64, f64)>, (), FnArgs<(String, f64, f64)>, Status, false, true>;

/// Everything a task needs besides its data; built on the JS thread, moved to the worker.
#[derive(Default)]
pub struct Hooks {
    cancel: Option<Arc<AtomicBool>>,
    progress: Option<Arc<ProgressCallback>>,
    threads: Option<usize>,
}

impl Hooks {
    pub fn new(cancel: Option<&CancelToken>, progress: Option<ProgressCallback>, threads: Option<u32>) -> Self {
        Hooks {
            cancel: cancel.map(|t| t.flag.clone()),
            progress: progress.map(Arc::new),
            threads: threads.filter(|&t| t > 0).map(|t| t as usize),
        }
    }

    /// Runs a core kernel with these hooks, in a pool of the requested size (the global pool otherwise).
    pub fn run<T: Send>(&self, kernel: impl FnOnce(&Control<'_>) -> clip_topo_core::error::Result<T> + Send) -> Result<T> {
        let report = |p: Progress<'_>| {
            if let Some(cb) = &self.progress {
                cb.call(FnArgs::from((p.stage.to_string(), p.done as f64, p.total as f64)), ThreadsafeFunctionCallMode::NonBlocking);
            }
        };
        let progress: Option<&(dyn Fn(Progress<'_>) + Sync)> = if self.progress.is_some() { Some(&report) } else { None };
        let ctl = Control::new(self.cancel.as_deref(), progress);
        let result = match self.threads {
            // rayon would try to start every one of millions of threads, and never return: refuse first
            Some(n) if n > MAX_THREADS => {
                return Err(Error::from_reason(format!("[ERR_INVALID_INPUT] threads: {n} is above the supported maximum {MAX_THREADS}")));
            }
            Some(n) => rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| Error::from_reason(format!("[ERR_THREADS] cannot start {n} threads: {e}")))?
                .install(|| kernel(&ctl)),
            None => kernel(&ctl),
        };
        result.map_err(to_js_error)
    }
}

pub fn to_js_error(e: CoreError) -> Error {
    Error::from_reason(format!("[{}] {}", e.code.as_str(), e.message))
}

/// Copies a Float32Array or Float64Array into f64 (JS memory may not be touched off the main thread).
pub fn to_f64(data: &Either<Float32Array, Float64Array>) -> Vec<f64> {
    match data {
        Either::A(a) => a.iter().map(|&x| x as f64).collect(),
        Either::B(b) => b.to_vec(),
    }
}

pub fn usize_of(v: u32) -> usize {
    v as usize
}

/// A count, seed or thread number from JS: a whole number in 0..=2^32 − 1. Refused rather than
/// rounded (napi's own u32 conversion would cut 2.5 to 2 and wrap −1 to 4294967295); the core then
/// checks the range the option needs.
pub fn whole(v: f64, what: &str) -> CoreResult<u32> {
    if v.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&v) {
        Ok(v as u32)
    } else {
        Err(CoreError::invalid(format!("{what} {v} is not an integer in 0..4294967295")))
    }
}

/// [`whole`] of an optional value.
pub fn whole_opt(v: Option<f64>, what: &str) -> CoreResult<Option<u32>> {
    v.map(|v| whole(v, what)).transpose()
}
