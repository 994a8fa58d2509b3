//! How faithful a low-dimensional map is to the original space.

use rayon::prelude::*;

use super::knn::{exact_knn, for_each_row_scores, knn_small_dim};
use crate::control::Control;
use crate::error::{Error, Result};

fn check_pair(n: usize, y: &[f64], dim: usize, k: usize) -> Result<()> {
    if dim == 0 || y.len() != n * dim {
        return Err(Error::invalid(format!("map quality: embedding must have n × dim = {n} × {dim} values, got {}", y.len())));
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(Error::invalid("map quality: embedding contains NaN or infinite values"));
    }
    if k == 0 || 2 * k >= n {
        return Err(Error::invalid(format!("map quality: k must satisfy 1 ≤ k < n/2 (n = {n}), got {k}")));
    }
    Ok(())
}

/// Trustworthiness (Venna & Kaski 2001) with k neighbours: 1 minus a penalty for points that are
/// among the k nearest in the map but not in the original space, weighted by how far down the
/// original ranking they are. Ranks in the original space break distance ties by index; ranks use
/// the same f32 score as the k-NN search, so they agree with it.
pub fn trustworthiness(x: &[f32], n: usize, d: usize, y: &[f64], dim: usize, k: usize, ctl: &Control) -> Result<f64> {
    super::check_matrix(x, n, d, "trustworthiness input")?;
    check_pair(n, y, dim, k)?;
    let map_nbrs = knn_small_dim(y, n, dim, k);
    let penalties = for_each_row_scores(x, n, d, ctl, |i, scores| {
        let mut pen = 0u64;
        for &j in &map_nbrs[i] {
            let j = j as usize;
            let sj = scores[j];
            // 1-based rank of j among i's neighbours in the original space
            let rank = 1 + scores.iter().enumerate().filter(|&(m, &s)| m != i && (s < sj || (s == sj && m < j))).count();
            if rank > k {
                pen += (rank - k) as u64;
            }
        }
        pen
    })?;
    let total: u64 = penalties.iter().sum();
    let (nf, kf) = (n as f64, k as f64);
    Ok(1.0 - 2.0 / (nf * kf * (2.0 * nf - 3.0 * kf - 1.0)) * total as f64)
}

/// Mean fraction of each point's k nearest neighbours in the original space that are also among
/// its k nearest in the map.
pub fn knn_preservation(x: &[f32], n: usize, d: usize, y: &[f64], dim: usize, k: usize, ctl: &Control) -> Result<f64> {
    check_pair(n, y, dim, k)?;
    let orig = exact_knn(x, n, d, k, ctl)?;
    let map_nbrs = knn_small_dim(y, n, dim, k);
    let kept: usize = (0..n).into_par_iter().map(|i| orig.row(i).0.iter().filter(|j| map_nbrs[i].contains(j)).count()).sum();
    Ok(kept as f64 / (n * k) as f64)
}

/// Mean fraction of each point's k nearest neighbours in the map that share its label.
pub fn knn_label_agreement(y: &[f64], n: usize, dim: usize, labels: &[i32], k: usize) -> Result<f64> {
    check_pair(n, y, dim, k)?;
    if labels.len() != n {
        return Err(Error::invalid(format!("label agreement: need {n} labels, got {}", labels.len())));
    }
    let nbrs = knn_small_dim(y, n, dim, k);
    let same: usize = (0..n).map(|i| nbrs[i].iter().filter(|&&j| labels[j as usize] == labels[i]).count()).sum();
    Ok(same as f64 / (n * k) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    #[test]
    fn identity_map_is_perfect_and_shuffled_map_is_not() {
        let (n, d) = (120, 2);
        let mut r = SplitMix64::new(5);
        let x: Vec<f32> = (0..n * d).map(|_| r.normal() as f32).collect();
        let y: Vec<f64> = x.iter().map(|&v| v as f64 * 3.0).collect();
        let c = Control::none();
        assert!((trustworthiness(&x, n, d, &y, 2, 10, &c).unwrap() - 1.0).abs() < 1e-12);
        assert!((knn_preservation(&x, n, d, &y, 2, 10, &c).unwrap() - 1.0).abs() < 1e-12);
        let z: Vec<f64> = (0..n * d).map(|_| r.normal()).collect();
        let t = trustworthiness(&x, n, d, &z, 2, 10, &c).unwrap();
        assert!(t < 0.7 && t > 0.3, "random map trustworthiness {t}");
        assert!(knn_preservation(&x, n, d, &z, 2, 10, &c).unwrap() < 0.3);
    }

    #[test]
    fn label_agreement_counts_same_label_neighbours() {
        // two tight groups far apart: every neighbour shares the label
        let y = vec![0.0, 0.0, 0.1, 0.0, 0.0, 0.1, 9.0, 9.0, 9.1, 9.0, 9.0, 9.1];
        let labels = [0, 0, 0, 1, 1, 1];
        assert_eq!(knn_label_agreement(&y, 6, 2, &labels, 2).unwrap(), 1.0);
        let mixed = [0, 1, 0, 1, 0, 1];
        assert!(knn_label_agreement(&y, 6, 2, &mixed, 2).unwrap() < 0.5);
    }
}
