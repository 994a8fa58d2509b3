//! clip-topo's numeric core: pure Rust, no I/O, no printing. Every kernel returns values or an
//! [`error::Error`]; long kernels take a [`control::Control`] for progress and cancellation.

pub mod angles;
pub mod control;
pub mod diagram;
pub mod diagram_distance;
pub mod error;
pub mod image;
pub mod linalg;
pub mod maps;
pub mod probe;
pub mod rips;
pub mod rng;
pub mod summaries;
pub mod synth;
