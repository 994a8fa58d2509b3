//! Exact assignment by the shortest-augmenting-path Hungarian method (O(N³) time, O(N) memory:
//! costs are computed on demand). Used for δ = 0 on small diagrams and as the tests' oracle.

/// Minimum-cost perfect assignment of an N × N cost function; returns `col_of_row`.
pub(super) fn assign(nrows: usize, cost: impl Fn(usize, usize) -> f64, mut tick: impl FnMut() -> bool) -> Option<Vec<usize>> {
    let n = nrows;
    let inf = f64::INFINITY;
    let mut u = vec![0.0f64; n + 1];
    let mut v = vec![0.0f64; n + 1];
    let mut row_of = vec![0usize; n + 1]; // column j (1-based) → row (1-based), 0 = none
    let mut way = vec![0usize; n + 1];
    let mut minv = vec![inf; n + 1];
    let mut used = vec![false; n + 1];
    for i in 1..=n {
        if !tick() {
            return None;
        }
        row_of[0] = i;
        let mut j0 = 0usize;
        minv.iter_mut().for_each(|x| *x = inf);
        used.iter_mut().for_each(|x| *x = false);
        loop {
            used[j0] = true;
            let i0 = row_of[j0];
            let mut delta = inf;
            let mut j1 = 0usize;
            for j in 1..=n {
                if !used[j] {
                    let cur = cost(i0 - 1, j - 1) - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=n {
                if used[j] {
                    u[row_of[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if row_of[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            row_of[j0] = row_of[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut col_of = vec![0usize; n];
    for j in 1..=n {
        col_of[row_of[j] - 1] = j - 1;
    }
    Some(col_of)
}
