//! 2-D maps of an embedding space: exact k-nearest neighbours, PCA, t-SNE, UMAP and the measures
//! that say how faithful a map is (trustworthiness, k-NN preservation, label agreement).
//!
//! Determinism: every parallel loop here writes disjoint outputs per row or per fixed-size chunk,
//! and every reduction adds per-chunk partial sums in chunk order, with chunk sizes that do not
//! depend on the thread count. So the same input and seed give bit-identical maps for any number
//! of threads (stronger than "same seed and thread count"). Kernels run in the caller's rayon pool.
//! UMAP's stochastic gradient
//! descent is made deterministic by owning vertices in fixed chunks (see `umap.rs`).

pub mod knn;
pub mod map_quality;
pub mod pca;
pub(crate) mod sparse;
pub(crate) mod spectral;
pub mod tsne;
pub(crate) mod tsne_fft;
pub mod umap;

use crate::error::{Error, Result};

/// Checks a row-major `n × d` matrix: shape, finiteness. `what` names the argument in messages.
pub(crate) fn check_matrix(x: &[f32], n: usize, d: usize, what: &str) -> Result<()> {
    if d == 0 {
        return Err(Error::invalid(format!("{what}: dimension d must be at least 1")));
    }
    let want = n.checked_mul(d).ok_or_else(|| Error::too_large(format!("{what}: n × d overflows")))?;
    if x.len() != want {
        return Err(Error::invalid(format!(
            "{what}: expected n × d = {n} × {d} = {want} values, got {}; pass a flat row-major array",
            x.len()
        )));
    }
    if let Some(pos) = x.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(format!(
            "{what}: value at row {}, column {} is {} (NaN or infinite); remove or impute it first",
            pos / d,
            pos % d,
            x[pos]
        )));
    }
    Ok(())
}

/// Sums per-chunk partial results in chunk order, so the total does not depend on scheduling.
pub(crate) fn ordered_sum(parts: Vec<f64>) -> f64 {
    parts.into_iter().fold(0.0, |a, b| a + b)
}
