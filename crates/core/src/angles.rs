//! Principal (canonical) angles between subspaces, and between the subspaces spanned by classes of
//! embeddings.
//!
//! Method of Knyazev & Argentati (SIAM J. Sci. Comput. 23(6), 2002): orthonormal bases by SVD with a
//! rank tolerance; cosines from the singular values of QaᵀQb; for angles below 45° the sines are taken
//! from the singular values of the residual (I − QaQaᵀ)Qb restricted to the corresponding principal
//! vectors, because arccos of a cosine near 1 loses half the digits (an angle of 1e-7 rad comes back
//! with an absolute error of ~1e-8).

use faer::{Mat, MatRef, Par};
use rayon::prelude::*;

use crate::control::Control;
use crate::error::{Error, Result};
use crate::linalg;

/// Angles in radians, ascending (θ₁ ≤ θ₂ ≤ …), `min(rank_a, rank_b)` of them.
#[derive(Debug, Clone, PartialEq)]
pub struct PrincipalAngles {
    pub angles: Vec<f64>,
    pub rank_a: usize,
    pub rank_b: usize,
    pub warnings: Vec<String>,
}

/// A `rows × cols` matrix stored row-major, as it crosses the JS boundary.
#[derive(Debug, Clone, Copy)]
pub struct RowMajor<'a> {
    pub data: &'a [f64],
    pub rows: usize,
    pub cols: usize,
}

impl<'a> RowMajor<'a> {
    pub fn new(data: &'a [f64], rows: usize, cols: usize, what: &str) -> Result<Self> {
        let len = rows.checked_mul(cols).ok_or_else(|| Error::invalid(format!("{what}: shape {rows}×{cols} overflows")))?;
        if data.len() != len {
            return Err(Error::invalid(format!("{what}: {} values do not fill a {rows}×{cols} matrix ({len} needed)", data.len())));
        }
        if let Some(i) = data.iter().position(|x| !x.is_finite()) {
            return Err(Error::invalid(format!(
                "{what}: value at row {}, column {} is {} (only finite numbers are allowed)",
                i / cols.max(1),
                i % cols.max(1),
                data[i]
            )));
        }
        Ok(RowMajor { data, rows, cols })
    }

    fn as_mat(&self) -> MatRef<'a, f64> {
        MatRef::from_row_major_slice(self.data, self.rows, self.cols)
    }
}

/// Principal angles between the column spaces of `a` (d×p) and `b` (d×q).
pub fn principal_angles(a: RowMajor<'_>, b: RowMajor<'_>) -> Result<PrincipalAngles> {
    if a.rows != b.rows {
        return Err(Error::invalid(format!(
            "A has {} rows and B has {}: both must be d×p matrices whose columns live in the same R^d",
            a.rows, b.rows
        )));
    }
    let d = a.rows;
    let qa = orthonormal_basis(a.as_mat(), "A")?;
    let qb = orthonormal_basis(b.as_mat(), "B")?;
    let (ra, rb) = (qa.ncols(), qb.ncols());
    let mut warnings = Vec::new();
    for (name, r, cols) in [("A", ra, a.cols), ("B", rb, b.cols)] {
        if r == d {
            warnings.push(format!(
                "the column space of {name} is all of R^{d} (rank {r} = d): every principal angle is 0 by dimension \
                 count, whatever the data. If {name} is samples × dims ({cols} columns), pass its transpose (dims × samples)"
            ));
        }
    }
    if ra + rb > d && ra < d && rb < d {
        warnings.push(format!("ranks {ra} + {rb} exceed d = {d}: the {} smallest angles are 0 by dimension count", ra + rb - d));
    }
    let angles = angles_between_bases(qa.as_ref(), qb.as_ref(), Par::Seq)?;
    Ok(PrincipalAngles { angles, rank_a: ra, rank_b: rb, warnings })
}

/// Orthonormal basis of the column space of `a`, rank by the `orth` tolerance.
fn orthonormal_basis(a: MatRef<'_, f64>, what: &str) -> Result<Mat<f64>> {
    if a.nrows() == 0 || a.ncols() == 0 {
        return Err(Error::invalid(format!("{what} is empty ({}×{})", a.nrows(), a.ncols())));
    }
    let svd = linalg::svd(a, true, false, Par::Seq)?;
    let r = linalg::numerical_rank(&svd.s, a.nrows(), a.ncols());
    if r == 0 {
        return Err(Error::invalid(format!("{what} has rank 0 (all its columns are zero): it spans no subspace")));
    }
    let u = svd.u.expect("requested");
    Ok(u.subcols(0, r).to_owned())
}

/// Angles between the spans of two matrices with orthonormal columns, ascending.
pub(crate) fn angles_between_bases(qa: MatRef<'_, f64>, qb: MatRef<'_, f64>, par: Par) -> Result<Vec<f64>> {
    // The formulas below want the wider basis on the left; angles are symmetric.
    let (qa, qb) = if qa.ncols() >= qb.ncols() { (qa, qb) } else { (qb, qa) };
    let m = linalg::at_b(qa, qb, par);
    // Cosines² are the eigenvalues of MᵀM (M = QaᵀQb), its eigenvectors the right singular vectors of M.
    // A symmetric eigensolver is ~1.5× faster than an SVD at these sizes, and the squaring costs no
    // accuracy that matters: angles below 45° are recomputed from sines below, and above 45° an
    // absolute error of ε in cos² moves the angle by at most √ε ≈ 1e-8 rad, and only next to 90°.
    let (lambda, vecs) = linalg::sym_eig(linalg::at_b(m.as_ref(), m.as_ref(), par).as_ref(), par)?;
    let k = lambda.len();
    // Descending cosines ↔ ascending angles: walk the eigenpairs from the largest down.
    let cos: Vec<f64> = lambda.iter().rev().map(|&l| l.max(0.0).sqrt()).collect();
    let mut theta: Vec<f64> = cos.iter().map(|&c| c.clamp(-1.0, 1.0).acos()).collect();
    let small = cos.iter().take_while(|&&c| c * c >= 0.5).count();
    if small > 0 {
        let v = Mat::<f64>::from_fn(vecs.nrows(), small, |i, j| vecs[(i, k - 1 - j)]);
        let v_small = v.as_ref();
        // Residual of projecting the principal vectors qb·v onto span(qa): (I − qa qaᵀ) qb v = qb v − qa (m v).
        let mut resid = Mat::<f64>::zeros(qb.nrows(), small);
        faer::linalg::matmul::matmul(resid.as_mut(), faer::Accum::Replace, qb, v_small, 1.0, par);
        let mv = {
            let mut t = Mat::<f64>::zeros(m.nrows(), small);
            faer::linalg::matmul::matmul(t.as_mut(), faer::Accum::Replace, m.as_ref(), v_small, 1.0, par);
            t
        };
        linalg::sub_a_b(&mut resid, qa, mv.as_ref(), par);
        let sines = linalg::svd(resid.as_ref(), false, false, par)?.s;
        // Descending sines: the smallest sine (smallest angle) is last.
        for (i, t) in theta.iter_mut().take(small).enumerate() {
            *t = sines[small - 1 - i].clamp(0.0, 1.0).asin();
        }
    }
    // Mixing the two formulas at 45° can swap neighbours by rounding; keep the promise of ascending order.
    theta.sort_by(|x, y| x.total_cmp(y));
    debug_assert_eq!(theta.len(), k);
    Ok(theta)
}

/// How many dimensions each class subspace keeps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RankRule {
    /// Numerical rank of the (centred) class matrix.
    Full,
    /// Exactly k dimensions (an error if a class cannot supply them).
    Fixed(usize),
    /// The smallest rank whose singular values keep this fraction of the squared Frobenius norm.
    Energy(f64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassAnglesOptions {
    pub center: bool,
    pub rank: RankRule,
}

impl Default for ClassAnglesOptions {
    fn default() -> Self {
        ClassAnglesOptions { center: true, rank: RankRule::Full }
    }
}

impl ClassAnglesOptions {
    /// Checks the rank rule (the kernel does too; a binding calls this before it schedules work).
    pub fn validate(&self) -> Result<()> {
        match self.rank {
            RankRule::Fixed(0) => Err(Error::invalid("rank 0 keeps no dimension: give a rank ≥ 1")),
            RankRule::Energy(e) if !(e > 0.0 && e <= 1.0) => Err(Error::invalid(format!("energy {e} is not in (0, 1]"))),
            _ => Ok(()),
        }
    }
}

/// Angle spectra between every pair of class subspaces (radians). `min`/`max` are k×k row-major with
/// zeros on the diagonal; `spectra` lists pairs (i, j), i < j, in row order.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassAngles {
    pub classes: usize,
    pub ranks: Vec<usize>,
    pub min: Vec<f64>,
    pub max: Vec<f64>,
    pub spectra: Vec<PairSpectrum>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PairSpectrum {
    pub a: usize,
    pub b: usize,
    pub angles: Vec<f64>,
}

/// `x` is n×d (one embedding per row), `labels[i]` in `0..classes`, `names` used in messages.
pub fn class_subspace_angles(
    x: RowMajor<'_>,
    labels: &[u32],
    names: &[String],
    options: ClassAnglesOptions,
    ctl: &Control<'_>,
) -> Result<ClassAngles> {
    let (n, d) = (x.rows, x.cols);
    if labels.len() != n {
        return Err(Error::invalid(format!("{} labels for {n} embeddings: give exactly one label per row", labels.len())));
    }
    let k = names.len();
    if k < 2 {
        return Err(Error::invalid(format!("{k} class(es): angles between classes need at least two")));
    }
    if let Some((i, &l)) = labels.iter().enumerate().find(|(_, &l)| l as usize >= k) {
        return Err(Error::invalid(format!("label {l} at row {i} is not a class index below {k}")));
    }
    options.validate()?;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &l) in labels.iter().enumerate() {
        members[l as usize].push(i);
    }
    if let Some(c) = members.iter().position(|m| m.is_empty()) {
        return Err(Error::invalid(format!("class '{}' has no embeddings: drop it from the class list or add rows", names[c])));
    }

    let mut warnings = Vec::new();
    let bases: Vec<Result<(Mat<f64>, Option<String>)>> = members
        .par_iter()
        .enumerate()
        .map(|(c, rows)| {
            ctl.check()?;
            class_basis(x, rows, &names[c], options)
        })
        .collect();
    let mut qs = Vec::with_capacity(k);
    for b in bases {
        let (q, warn) = b?;
        warnings.extend(warn);
        qs.push(q);
    }
    let ranks: Vec<usize> = qs.iter().map(|q| q.ncols()).collect();
    for (c, &r) in ranks.iter().enumerate() {
        if r == d {
            warnings.push(format!(
                "class '{}' spans all of R^{d} (rank {r}): its angles to every class are 0 by dimension count; \
                 choose a rank below {d}, or an energy fraction",
                names[c]
            ));
        }
    }
    let forced = (0..k)
        .flat_map(|i| (i + 1..k).map(move |j| (i, j)))
        .filter(|&(i, j)| ranks[i] + ranks[j] > d && ranks[i] < d && ranks[j] < d)
        .count();
    if forced > 0 {
        warnings.push(format!(
            "{forced} class pair(s) have ranks summing past d = {d}: their smallest angles are 0 by dimension count; \
             lower rank or energy"
        ));
    }

    let pairs: Vec<(usize, usize)> = (0..k).flat_map(|i| (i + 1..k).map(move |j| (i, j))).collect();
    let total = pairs.len() as u64;
    let done = std::sync::atomic::AtomicU64::new(0);
    let spectra: Vec<PairSpectrum> = pairs
        .par_iter()
        .map(|&(a, b)| {
            ctl.check()?;
            let angles = angles_between_bases(qs[a].as_ref(), qs[b].as_ref(), Par::Seq)?;
            let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if finished.is_multiple_of(64) || finished == total {
                ctl.report("angles", finished, total);
            }
            Ok(PairSpectrum { a, b, angles })
        })
        .collect::<Result<_>>()?;

    let mut min = vec![0.0; k * k];
    let mut max = vec![0.0; k * k];
    for s in &spectra {
        let lo = s.angles.first().copied().unwrap_or(0.0);
        let hi = s.angles.last().copied().unwrap_or(0.0);
        min[s.a * k + s.b] = lo;
        min[s.b * k + s.a] = lo;
        max[s.a * k + s.b] = hi;
        max[s.b * k + s.a] = hi;
    }
    // Rounding leaves ~1e-16 where the exact answer is 0, so "all zero" means below a tolerance.
    if spectra.iter().all(|s| s.angles.iter().all(|&t| t <= 1e-10)) {
        warnings.push(
            "every principal angle is numerically 0: the class subspaces coincide (check the rank settings and the input orientation)"
                .into(),
        );
    }
    Ok(ClassAngles { classes: k, ranks, min, max, spectra, warnings })
}

/// Orthonormal basis (d×r) of the span of one class's embeddings, plus a warning when the requested
/// rank had to be lowered to what the data supports.
fn class_basis(x: RowMajor<'_>, rows: &[usize], name: &str, options: ClassAnglesOptions) -> Result<(Mat<f64>, Option<String>)> {
    let d = x.cols;
    let nc = rows.len();
    // Columns are the class's embeddings, so the left singular vectors span the class in R^d.
    let mut m = Mat::<f64>::from_fn(d, nc, |i, j| x.data[rows[j] * d + i]);
    if options.center {
        for i in 0..d {
            let mean = (0..nc).map(|j| m[(i, j)]).sum::<f64>() / nc as f64;
            for j in 0..nc {
                m[(i, j)] -= mean;
            }
        }
    }
    let dims_available = if options.center { nc.saturating_sub(1) } else { nc }.min(d);
    let svd = linalg::svd(m.as_ref(), true, false, Par::Seq)?;
    let numeric = linalg::numerical_rank(&svd.s, d, nc);
    if numeric == 0 {
        let why = if options.center && nc == 1 {
            "it has one embedding, and centring leaves nothing; use center = false or add embeddings".to_string()
        } else {
            "all its embeddings are equal (or zero)".to_string()
        };
        return Err(Error::invalid(format!("class '{name}' spans no subspace: {why}")));
    }
    let mut warning = None;
    let r = match options.rank {
        RankRule::Full => numeric,
        RankRule::Fixed(kk) => {
            if kk > dims_available {
                return Err(Error::invalid(format!(
                    "rank {kk} exceeds what class '{name}' can span ({nc} embeddings{}, at most {dims_available} dimensions): \
                     choose rank ≤ {dims_available} or use energy",
                    if options.center { ", centred" } else { "" }
                )));
            }
            if kk > numeric {
                warning = Some(format!("class '{name}' has numerical rank {numeric} < requested rank {kk}: using {numeric}"));
                numeric
            } else {
                kk
            }
        }
        RankRule::Energy(e) => {
            let total: f64 = svd.s.iter().map(|s| s * s).sum();
            let mut acc = 0.0;
            let mut r = 0;
            for s in &svd.s[..numeric] {
                acc += s * s;
                r += 1;
                // A relative slack absorbs rounding so that energy 1.0 stops at the numerical rank.
                if acc >= e * total * (1.0 - 1e-12) {
                    break;
                }
            }
            r
        }
    };
    let u = svd.u.expect("requested");
    Ok((u.subcols(0, r).to_owned(), warning))
}
