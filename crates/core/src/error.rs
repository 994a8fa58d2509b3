//! Errors of the core. Each carries a stable code so the binding can map it to a JS error `code`
//! without parsing messages.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The caller passed something unusable (shape mismatch, NaN, bad option).
    InvalidInput,
    /// The work would need more memory or index space than allowed.
    TooLarge,
    /// A cancel flag was raised while the kernel ran.
    Cancelled,
    /// A numerical routine failed (e.g. an SVD that did not converge).
    Numerical,
    /// A deadline set by the kernel itself passed (a pilot run, or a run under a budget); caught where it is
    /// set, never returned to a caller.
    OverBudget,
    /// What a reduction holds passed `max_memory` while it ran (the estimate before it let it start); caught
    /// under a budget (a sample runs instead), else returned as `TooLarge` with what to do.
    OverMemory,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "ERR_INVALID_INPUT",
            ErrorCode::TooLarge => "ERR_TOO_LARGE",
            ErrorCode::Cancelled => "ERR_CANCELLED",
            ErrorCode::Numerical => "ERR_NUMERICAL",
            ErrorCode::OverBudget => "ERR_OVER_BUDGET",
            ErrorCode::OverMemory => "ERR_OVER_MEMORY",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
}

impl Error {
    pub fn invalid(message: impl Into<String>) -> Self {
        Error { code: ErrorCode::InvalidInput, message: message.into() }
    }
    pub fn too_large(message: impl Into<String>) -> Self {
        Error { code: ErrorCode::TooLarge, message: message.into() }
    }
    pub fn numerical(message: impl Into<String>) -> Self {
        Error { code: ErrorCode::Numerical, message: message.into() }
    }
    pub fn over_budget() -> Self {
        Error { code: ErrorCode::OverBudget, message: "over the time budget".into() }
    }
    pub fn over_memory(message: impl Into<String>) -> Self {
        Error { code: ErrorCode::OverMemory, message: message.into() }
    }
    pub fn cancelled() -> Self {
        Error { code: ErrorCode::Cancelled, message: "cancelled".into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
