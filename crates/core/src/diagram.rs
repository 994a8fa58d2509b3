//! Persistence diagrams as plain values shared by the Rips engine, the diagram distances and the summaries.

/// One homology dimension's diagram. `death == f64::INFINITY` marks an essential bar.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Diagram {
    pub dim: usize,
    pub pairs: Vec<[f64; 2]>,
}

impl Diagram {
    pub fn new(dim: usize, pairs: Vec<[f64; 2]>) -> Self {
        Diagram { dim, pairs }
    }
    pub fn essential(&self) -> impl Iterator<Item = &[f64; 2]> {
        self.pairs.iter().filter(|p| p[1].is_infinite())
    }
    pub fn finite(&self) -> impl Iterator<Item = &[f64; 2]> {
        self.pairs.iter().filter(|p| p[1].is_finite())
    }
}
