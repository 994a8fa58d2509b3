//! The sparse symmetric matrices both maps work on: t-SNE's joint probabilities P and UMAP's fuzzy
//! simplicial set, in CSR form.

#[derive(Debug, Clone)]
pub(crate) struct Sparse {
    pub indptr: Vec<usize>,
    pub indices: Vec<u32>,
    pub values: Vec<f64>,
}

/// Builds CSR from (row, col, value) triplets; duplicates are combined with `merge`.
pub(crate) fn csr_from_triplets(n: usize, mut t: Vec<(u32, u32, f64)>, merge: impl Fn(f64, f64) -> f64) -> Sparse {
    t.sort_unstable_by_key(|a| (a.0, a.1));
    let mut indptr = vec![0usize; n + 1];
    let mut indices = Vec::with_capacity(t.len());
    let mut values: Vec<f64> = Vec::with_capacity(t.len());
    let mut last: Option<(u32, u32)> = None;
    for (r, c, v) in t {
        if last == Some((r, c)) {
            let l = values.last_mut().unwrap();
            *l = merge(*l, v);
        } else {
            indices.push(c);
            values.push(v);
            indptr[r as usize + 1] += 1;
            last = Some((r, c));
        }
    }
    for i in 0..n {
        indptr[i + 1] += indptr[i];
    }
    Sparse { indptr, indices, values }
}
