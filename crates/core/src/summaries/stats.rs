use super::{finite_bars, Essential};
use crate::diagram::Diagram;
use crate::error::Result;

/// Numbers that describe one diagram's bars. Lifetime = death − birth. Statistics of an empty set
/// of bars are NaN (there is no mean of nothing); counts and totals are 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Statistics {
    /// Bars the statistics below are computed on.
    pub count: usize,
    /// Essential bars in the input (whatever the treatment).
    pub essential: usize,
    pub mean_lifetime: f64,
    pub median_lifetime: f64,
    pub max_lifetime: f64,
    /// Σ lifetime^p.
    pub total_persistence: f64,
    pub p: f64,
    pub mean_birth: f64,
    pub mean_death: f64,
    /// −Σ pᵢ log₂ pᵢ with pᵢ = lifetimeᵢ / Σ lifetime, in bits (giotto-tda's PersistenceEntropy, not
    /// normalised); NaN when the total lifetime is 0.
    pub entropy: f64,
}

pub(crate) fn check_power(p: f64) -> Result<()> {
    if !(p.is_finite() && p > 0.0) {
        return Err(crate::error::Error::invalid(format!("power p = {p} for total persistence must be a positive number")));
    }
    Ok(())
}

pub fn statistics(d: &Diagram, essential: Essential, p: f64) -> Result<Statistics> {
    check_power(p)?;
    let bars = finite_bars(d, essential)?;
    let n = bars.len();
    let mut lifetimes: Vec<f64> = bars.iter().map(|[b, de]| de - b).collect();
    let total: f64 = lifetimes.iter().sum();
    let nan_if_empty = |x: f64| if n == 0 { f64::NAN } else { x };
    let mean_birth = nan_if_empty(bars.iter().map(|b| b[0]).sum::<f64>() / n as f64);
    let mean_death = nan_if_empty(bars.iter().map(|b| b[1]).sum::<f64>() / n as f64);
    let total_persistence = lifetimes.iter().map(|l| l.powf(p)).sum();
    let entropy = if total > 0.0 {
        // Zero-length bars contribute 0 · ln 0 = 0.
        // `0.0 - x` rather than `-x`: a single bar gives +0, not −0.
        0.0 - lifetimes.iter().filter(|&&l| l > 0.0).map(|&l| (l / total) * (l / total).log2()).sum::<f64>()
    } else {
        f64::NAN
    };
    lifetimes.sort_by(|a, b| a.total_cmp(b));
    let median = if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        lifetimes[n / 2]
    } else {
        0.5 * (lifetimes[n / 2 - 1] + lifetimes[n / 2])
    };
    Ok(Statistics {
        count: n,
        essential: d.essential().count(),
        mean_lifetime: nan_if_empty(total / n as f64),
        median_lifetime: median,
        max_lifetime: lifetimes.last().copied().unwrap_or(f64::NAN),
        total_persistence,
        p,
        mean_birth,
        mean_death,
        entropy,
    })
}
