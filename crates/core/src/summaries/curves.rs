use super::{finite_bars, Essential};
use crate::diagram::Diagram;
use crate::error::{Error, Result};

pub(crate) fn check_grid(grid: &[f64]) -> Result<()> {
    if let Some(i) = grid.iter().position(|t| !t.is_finite()) {
        return Err(Error::invalid(format!("grid value {i} is {}: grids must be finite", grid[i])));
    }
    Ok(())
}

/// Number of bars alive at each grid value t: birth ≤ t < death (a bar is born at its birth value
/// and is gone at its death value, as giotto-tda counts). Essential bars count only when cut.
pub fn betti_curve(d: &Diagram, grid: &[f64], essential: Essential) -> Result<Vec<u64>> {
    check_grid(grid)?;
    let bars = finite_bars(d, essential)?;
    // Sort births and deaths once; each grid value is then two binary searches.
    let mut births: Vec<f64> = bars.iter().map(|b| b[0]).collect();
    let mut deaths: Vec<f64> = bars.iter().map(|b| b[1]).collect();
    births.sort_by(|a, b| a.total_cmp(b));
    deaths.sort_by(|a, b| a.total_cmp(b));
    Ok(grid
        .iter()
        .map(|&t| {
            let born = births.partition_point(|&b| b <= t);
            let dead = deaths.partition_point(|&x| x <= t);
            (born - dead) as u64
        })
        .collect())
}

/// Most grid values, landscape levels, and landscape values (levels × grid, 8 bytes each) a summary makes:
/// larger counts are typos that would abort on allocation instead of giving a line.
pub const MAX_GRID: usize = 1_000_000;
pub const MAX_LEVELS: usize = 10_000;
pub const MAX_LANDSCAPE_VALUES: usize = 50_000_000;

pub(crate) fn check_levels(levels: usize) -> Result<()> {
    if levels == 0 {
        return Err(Error::invalid("landscapes need at least one level"));
    }
    if levels > MAX_LEVELS {
        return Err(Error::invalid(format!("landscapes: {levels} levels is more than {MAX_LEVELS}")));
    }
    Ok(())
}

pub(crate) fn check_grid_size(n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::invalid("a grid needs at least one value"));
    }
    if n > MAX_GRID {
        return Err(Error::invalid(format!("a grid of {n} values is more than {MAX_GRID}")));
    }
    Ok(())
}

pub(crate) fn check_landscape_size(levels: usize, grid: usize) -> Result<()> {
    if levels.saturating_mul(grid) > MAX_LANDSCAPE_VALUES {
        return Err(Error::invalid(format!(
            "landscapes: {levels} levels × {grid} grid values is more than {MAX_LANDSCAPE_VALUES} values; use fewer levels or a coarser grid"
        )));
    }
    Ok(())
}

/// The first `levels` persistence landscapes on the grid: λ_k(t) is the k-th largest of the tents
/// max(0, min(t − birth, death − t)). Row-major `levels × grid.len()`; missing levels are 0.
pub fn landscapes(d: &Diagram, grid: &[f64], levels: usize, essential: Essential) -> Result<Vec<f64>> {
    check_grid(grid)?;
    check_levels(levels)?;
    check_landscape_size(levels, grid.len())?;
    let bars = finite_bars(d, essential)?;
    let m = grid.len();
    let mut out = vec![0.0; levels * m];
    let mut tents = Vec::with_capacity(bars.len());
    for (j, &t) in grid.iter().enumerate() {
        tents.clear();
        tents.extend(bars.iter().map(|[b, de]| (t - b).min(de - t)).filter(|&v| v > 0.0));
        let k = levels.min(tents.len());
        if k == 0 {
            continue;
        }
        // Only the k largest are needed: partial selection, then sort those few.
        if k < tents.len() {
            tents.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
        }
        let top = &mut tents[..k];
        top.sort_by(|a, b| b.total_cmp(a));
        for (level, v) in top.iter().enumerate() {
            out[level * m + j] = *v;
        }
    }
    Ok(out)
}

/// `n` evenly spaced values from the smallest birth to the largest death of the bars kept (giotto-tda
/// samples its curves the same way); [0, 1] when there are no bars or they span a single value.
pub fn default_grid(d: &Diagram, n: usize, essential: Essential) -> Result<Vec<f64>> {
    check_grid_size(n)?;
    let bars = finite_bars(d, essential)?;
    let lo = bars.iter().map(|b| b[0]).fold(f64::INFINITY, f64::min);
    let hi = bars.iter().map(|b| b[1]).fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if bars.is_empty() || hi <= lo { (0.0, 1.0) } else { (lo, hi) };
    if n == 1 {
        return Ok(vec![lo]);
    }
    let step = (hi - lo) / (n - 1) as f64;
    Ok((0..n).map(|i| if i == n - 1 { hi } else { lo + step * i as f64 }).collect())
}
