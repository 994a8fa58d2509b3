//! Node.js binding of clip-topo-core. Each exported function converts its options with the options
//! struct's `to_core()` and has the core validate them (so a bad option throws at call time), copies
//! its inputs, runs one core kernel on a libuv worker thread (AsyncTask) and converts the result;
//! there is no maths here, and no range check of its own.

// Exported signatures are flat on purpose (typed arrays + shapes + options + cancel + progress).
#![allow(clippy::too_many_arguments)]

pub mod angles;
pub mod diagram_distance;
pub mod hooks;
pub mod image;
pub mod jpeg;
pub mod maps;
pub mod probe;
pub mod rips;
pub mod summaries;
pub mod synth;
