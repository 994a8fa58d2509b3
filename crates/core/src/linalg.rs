//! Thin wrappers over faer used by several kernels. They fix the parallelism explicitly (callers run
//! many small factorisations inside their own rayon loops, where nested parallelism only costs).

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::{self, ComputeSvdVectors};
use faer::{Accum, Mat, MatRef, Par};

use crate::error::{Error, Result};

/// Singular values (descending) and optionally the thin left / right singular vectors.
pub struct Svd {
    pub s: Vec<f64>,
    pub u: Option<Mat<f64>>,
    pub v: Option<Mat<f64>>,
}

pub fn svd(a: MatRef<'_, f64>, want_u: bool, want_v: bool, par: Par) -> Result<Svd> {
    let (m, n) = a.shape();
    let k = m.min(n);
    let mut s = faer::diag::Diag::<f64>::zeros(k);
    let mut u = want_u.then(|| Mat::<f64>::zeros(m, k));
    let mut v = want_v.then(|| Mat::<f64>::zeros(n, k));
    if k == 0 {
        return Ok(Svd { s: Vec::new(), u, v });
    }
    let flag = |w: bool| if w { ComputeSvdVectors::Thin } else { ComputeSvdVectors::No };
    let req = svd::svd_scratch::<f64>(m, n, flag(want_u), flag(want_v), par, Default::default());
    let mut buf = MemBuffer::new(req);
    svd::svd(
        a,
        s.as_mut(),
        u.as_mut().map(|x| x.as_mut()),
        v.as_mut().map(|x| x.as_mut()),
        par,
        MemStack::new(&mut buf),
        Default::default(),
    )
    .map_err(|_| Error::numerical("the singular value decomposition did not converge"))?;
    let s = (0..k).map(|i| s[i]).collect();
    Ok(Svd { s, u, v })
}

/// Eigenvalues (ascending) and eigenvectors (columns, same order) of a symmetric matrix.
pub fn sym_eig(a: MatRef<'_, f64>, par: Par) -> Result<(Vec<f64>, Mat<f64>)> {
    use faer::linalg::evd::{self, ComputeEigenvectors};
    let n = a.nrows();
    let mut s = faer::diag::Diag::<f64>::zeros(n);
    let mut u = Mat::<f64>::zeros(n, n);
    if n == 0 {
        return Ok((Vec::new(), u));
    }
    let req = evd::self_adjoint_evd_scratch::<f64>(n, ComputeEigenvectors::Yes, par, Default::default());
    let mut buf = MemBuffer::new(req);
    evd::self_adjoint_evd(a, s.as_mut(), Some(u.as_mut()), par, MemStack::new(&mut buf), Default::default())
        .map_err(|_| Error::numerical("the symmetric eigendecomposition did not converge"))?;
    Ok(((0..n).map(|i| s[i]).collect(), u))
}

/// `aᵀ b`.
pub fn at_b(a: MatRef<'_, f64>, b: MatRef<'_, f64>, par: Par) -> Mat<f64> {
    let mut out = Mat::<f64>::zeros(a.ncols(), b.ncols());
    faer::linalg::matmul::matmul(out.as_mut(), Accum::Replace, a.transpose(), b, 1.0, par);
    out
}

/// `c − a b`, in place on `c`.
pub fn sub_a_b(c: &mut Mat<f64>, a: MatRef<'_, f64>, b: MatRef<'_, f64>, par: Par) {
    faer::linalg::matmul::matmul(c.as_mut(), Accum::Add, a, b, -1.0, par);
}

/// Numerical rank with the tolerance LAPACK-style `orth` uses: s > s_max · eps · max(m, n).
pub fn numerical_rank(s: &[f64], m: usize, n: usize) -> usize {
    let Some(&smax) = s.first() else { return 0 };
    let tol = smax * f64::EPSILON * m.max(n) as f64;
    s.iter().take_while(|&&x| x > tol).count()
}
