//! Progress and cancellation for long kernels. The core never prints: it calls the progress hook
//! and polls the cancel flag; the binding decides what those mean (a JS callback, an AbortSignal).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::error::{Error, Result};

/// A progress report: which stage, how much of it is done, out of how much (0 when unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress<'s> {
    pub stage: &'s str,
    pub done: u64,
    pub total: u64,
}

pub type ProgressFn<'a> = dyn Fn(Progress<'_>) + Sync + 'a;

/// Passed by reference into every long kernel. `Control::none()` when the caller needs neither.
#[derive(Clone, Copy, Default)]
pub struct Control<'a> {
    cancel: Option<&'a AtomicBool>,
    progress: Option<&'a ProgressFn<'a>>,
    deadline: Option<Instant>,
}

impl<'a> Control<'a> {
    pub fn none() -> Self {
        Control { cancel: None, progress: None, deadline: None }
    }

    pub fn new(cancel: Option<&'a AtomicBool>, progress: Option<&'a ProgressFn<'a>>) -> Self {
        Control { cancel, progress, deadline: None }
    }

    /// The same cancellation without the progress hook, for work whose own progress would mislead (the
    /// pilot runs of an estimate report as the estimate, not as the run).
    pub fn without_progress(&self) -> Self {
        Control { progress: None, ..*self }
    }

    /// The same control, and `check` fails with `OverBudget` from `at` on (the earlier deadline wins).
    pub fn with_deadline(&self, at: Instant) -> Self {
        Control { deadline: Some(self.deadline.map_or(at, |d| d.min(at))), ..*self }
    }

    /// Returns `Err(Cancelled)` once the flag is raised; call it at least every ~10 ms of work.
    #[inline]
    pub fn check(&self) -> Result<()> {
        match self.cancel {
            Some(flag) if flag.load(Ordering::Relaxed) => Err(Error::cancelled()),
            _ => match self.deadline {
                Some(d) if Instant::now() >= d => Err(Error::over_budget()),
                _ => Ok(()),
            },
        }
    }

    #[inline]
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_some_and(|f| f.load(Ordering::Relaxed))
    }

    /// Reports progress; cheap when no hook is set. Callers should rate-limit (e.g. every 1% or 50 iterations).
    #[inline]
    pub fn report(&self, stage: &str, done: u64, total: u64) {
        if let Some(p) = self.progress {
            p(Progress { stage, done, total });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn check_follows_flag_and_report_reaches_hook() {
        let flag = AtomicBool::new(false);
        let seen = Mutex::new(Vec::new());
        let hook = |p: Progress<'_>| seen.lock().unwrap().push((p.stage.to_string(), p.done, p.total));
        let ctl = Control::new(Some(&flag), Some(&hook));
        assert!(ctl.check().is_ok());
        ctl.report("h1", 3, 10);
        flag.store(true, Ordering::Relaxed);
        assert_eq!(ctl.check().unwrap_err().code, crate::error::ErrorCode::Cancelled);
        assert_eq!(seen.lock().unwrap().as_slice(), &[("h1".to_string(), 3, 10)]);
        assert!(Control::none().check().is_ok());
    }
}
