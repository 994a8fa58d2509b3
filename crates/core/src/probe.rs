//! Linear probe: multinomial (softmax) logistic regression with an intercept and an L2 penalty on the
//! weights, trained on embeddings and evaluated on held-out ones.
//!
//! The objective is scikit-learn's `LogisticRegression(C, solver='lbfgs', fit_intercept=True)` for
//! k ≥ 3 classes:
//!
//!   minimise over W (k×d), b (k):  0.5·||W||² + C·Σᵢ −log softmax(W xᵢ + b)[yᵢ]
//!
//! (the intercept is not penalised). It is solved on scikit-learn's scale — divided by C·n — so that
//! `tol` means what it means there: stop when the largest gradient component of the scaled objective
//! is ≤ tol, or when an iteration lowers it by a relative 64·ε or less. For k = 2 this is the
//! symmetric two-row softmax model, which equals scikit-learn's binary (one weight vector) fit with 2C.
//!
//! No standardisation: CLIP probes are trained on the raw L2-normalised embeddings. Internally
//! everything is f64; the result does not depend on the number of threads.

mod lbfgs;
mod softmax;

pub use lbfgs::Stop;

use rayon::prelude::*;

use crate::control::Control;
use crate::error::{Error, Result};
use softmax::{logits, softmax_in_place, Problem};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProbeOptions {
    /// Inverse regularisation strength (scikit-learn's C), > 0.
    pub c: f64,
    /// L-BFGS iterations at most.
    pub max_iter: usize,
    /// Stop when the largest gradient component of the objective divided by C·n is ≤ tol.
    pub tol: f64,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        // scikit-learn's defaults
        ProbeOptions { c: 1.0, max_iter: 1000, tol: 1e-4 }
    }
}

impl ProbeOptions {
    /// Checks every option's range (training does too; a binding calls this before it schedules work).
    pub fn validate(&self) -> Result<()> {
        if !(self.c.is_finite() && self.c > 0.0) {
            return Err(Error::invalid(format!("C must be a positive finite number, got {}", self.c)));
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(Error::invalid(format!("tol must be a finite number ≥ 0, got {}", self.tol)));
        }
        if self.max_iter == 0 {
            return Err(Error::invalid("max_iter must be at least 1"));
        }
        Ok(())
    }
}

/// What prediction needs: p(· | x) = softmax(W x + b).
#[derive(Debug, Clone, PartialEq)]
pub struct Classifier {
    pub classes: usize,
    pub dim: usize,
    /// k×d row-major.
    pub weights: Vec<f64>,
    /// k values. A trained probe's sum to zero (softmax does not see a common shift; scikit-learn's
    /// lbfgs fit, started from zero, has the same property).
    pub bias: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProbeModel {
    pub classifier: Classifier,
    pub iterations: usize,
    /// Loss-and-gradient evaluations (line-search trials included).
    pub evaluations: usize,
    pub converged: bool,
    pub stop: Stop,
    /// 0.5·||W||² + C·Σᵢ −log p(yᵢ|xᵢ) at the solution.
    pub objective: f64,
    /// Mean training cross-entropy (no penalty).
    pub log_loss: f64,
    /// Largest gradient component of the scaled objective at the solution (compare with tol).
    pub grad_max: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// n×k row-major class probabilities.
    pub probabilities: Vec<f64>,
    /// Most probable class per sample (the lowest index on ties).
    pub predictions: Vec<u32>,
    /// Fraction of samples whose label is the top prediction.
    pub acc1: f64,
    /// Fraction whose label is among the 5 most probable classes (1 when k ≤ 5).
    pub acc5: f64,
    /// Recall averaged over the classes that occur in the labels (scikit-learn's balanced accuracy).
    pub mean_per_class_recall: f64,
    /// k×k row-major: row = true class, column = predicted class.
    pub confusion: Vec<u64>,
}

/// Copies `x` (n×d row-major) into f64, refusing non-finite values.
fn matrix_f64<T: Copy + Into<f64>>(x: &[T], n: usize, d: usize, what: &str) -> Result<Vec<f64>> {
    if n == 0 || d == 0 {
        return Err(Error::invalid(format!("{what}: {n}×{d} is empty; a probe needs at least one sample of at least one dimension")));
    }
    let len = n.checked_mul(d).ok_or_else(|| Error::invalid(format!("{what}: shape {n}×{d} overflows")))?;
    if x.len() != len {
        return Err(Error::invalid(format!("{what}: {} values do not fill a {n}×{d} matrix ({len} needed)", x.len())));
    }
    let out: Vec<f64> = x.iter().map(|&v| v.into()).collect();
    if let Some(i) = out.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(format!(
            "{what}: value at row {}, column {} is {} (only finite numbers are allowed)",
            i / d,
            i % d,
            out[i]
        )));
    }
    Ok(out)
}

fn check_labels(labels: &[i32], n: usize, classes: usize, what: &str) -> Result<Vec<u32>> {
    if labels.len() != n {
        return Err(Error::invalid(format!("{what}: {} labels for {n} samples", labels.len())));
    }
    labels
        .iter()
        .enumerate()
        .map(|(i, &l)| {
            if l < 0 || l as usize >= classes {
                Err(Error::invalid(format!(
                    "{what}: label {l} of sample {i} is outside 0..{} (there are {classes} classes)",
                    classes.saturating_sub(1)
                )))
            } else {
                Ok(l as u32)
            }
        })
        .collect()
}

/// Trains the probe on `x` (n×d row-major, f32 or f64) with labels in 0..classes.
pub fn train<T: Copy + Into<f64>>(
    x: &[T],
    n: usize,
    d: usize,
    labels: &[i32],
    classes: usize,
    opts: &ProbeOptions,
    ctl: &Control<'_>,
) -> Result<ProbeModel> {
    if classes < 2 {
        return Err(Error::invalid(format!("a probe needs at least 2 classes, got {classes}")));
    }
    opts.validate()?;
    let xs = matrix_f64(x, n, d, "training embeddings")?;
    let y = check_labels(labels, n, classes, "training labels")?;
    let mut counts = vec![0usize; classes];
    y.iter().for_each(|&c| counts[c as usize] += 1);
    let empty: Vec<String> = counts.iter().enumerate().filter(|(_, &m)| m == 0).map(|(c, _)| c.to_string()).collect();
    if !empty.is_empty() {
        let shown = if empty.len() > 10 { format!("{}, … ({} in all)", empty[..10].join(", "), empty.len()) } else { empty.join(", ") };
        return Err(Error::invalid(format!(
            "training labels: class {shown} has no samples; every class 0..{} needs at least one (renumber the labels or lower the class count)",
            classes - 1
        )));
    }

    let problem = Problem { x: &xs, y: &y, n, d, k: classes, lambda: 1.0 / (opts.c * n as f64) };
    let lopts = lbfgs::Options { max_iter: opts.max_iter, gtol: opts.tol, ..lbfgs::Options::default() };
    let total = opts.max_iter as u64;
    ctl.check()?;
    let out = lbfgs::minimize(
        vec![0.0; problem.len()],
        &lopts,
        |theta, grad| problem.loss_grad(theta, grad, ctl),
        |iter, _| {
            ctl.check()?;
            if iter % 10 == 0 {
                ctl.report("probe", iter as u64, total);
            }
            Ok(())
        },
    )?;
    ctl.report("probe", out.iterations as u64, out.iterations as u64);

    let mut theta = out.x;
    let (w, b) = theta.split_at_mut(classes * d);
    let penalty = 0.5 * problem.lambda * w.iter().map(|v| v * v).sum::<f64>();
    let mean_b = b.iter().sum::<f64>() / classes as f64;
    b.iter_mut().for_each(|v| *v -= mean_b);
    Ok(ProbeModel {
        classifier: Classifier { classes, dim: d, weights: w.to_vec(), bias: b.to_vec() },
        iterations: out.iterations,
        evaluations: out.evaluations,
        converged: out.stop.converged(),
        stop: out.stop,
        // f is on the 1/(C·n) scale
        objective: out.f * opts.c * n as f64,
        log_loss: out.f - penalty,
        grad_max: out.grad_max,
    })
}

fn check_model(model: &Classifier) -> Result<()> {
    let (k, d) = (model.classes, model.dim);
    if k < 2 || d == 0 || model.weights.len() != k * d || model.bias.len() != k {
        return Err(Error::invalid(format!(
            "probe model: {} weights and {} biases do not make a {k}-class model of dimension {d}",
            model.weights.len(),
            model.bias.len()
        )));
    }
    if model.weights.iter().chain(&model.bias).any(|v| !v.is_finite()) {
        return Err(Error::invalid("probe model: weights or biases are not finite"));
    }
    Ok(())
}

/// Class probabilities (n×k row-major) for `x` (n×d row-major).
pub fn predict_proba<T: Copy + Into<f64>>(model: &Classifier, x: &[T], n: usize, ctl: &Control<'_>) -> Result<Vec<f64>> {
    check_model(model)?;
    let (k, d) = (model.classes, model.dim);
    if n > 0 && x.len() != n * d {
        return Err(Error::invalid(format!(
            "test embeddings: {} values do not fill a {n}×{d} matrix (the probe was trained on {d} dimensions)",
            x.len()
        )));
    }
    let xs = matrix_f64(x, n, d, "test embeddings")?;
    let mut probs = vec![0.0; n * k];
    let rows = 256;
    probs.par_chunks_mut(rows * k).zip(xs.par_chunks(rows * d)).try_for_each(|(ps, xc)| {
        ctl.check()?;
        for (p, xi) in ps.chunks_exact_mut(k).zip(xc.chunks_exact(d)) {
            logits(&model.weights, &model.bias, d, xi, p);
            softmax_in_place(p);
        }
        Ok::<_, Error>(())
    })?;
    Ok(probs)
}

/// Probabilities, predictions, top-1/top-5 accuracy, mean per-class recall and the confusion
/// matrix of the probe on `x` (n×d) with true labels `labels`.
pub fn evaluate<T: Copy + Into<f64>>(model: &Classifier, x: &[T], n: usize, labels: &[i32], ctl: &Control<'_>) -> Result<Evaluation> {
    let probabilities = predict_proba(model, x, n, ctl)?;
    let k = model.classes;
    let y = check_labels(labels, n, k, "test labels")?;
    let mut confusion = vec![0u64; k * k];
    let mut predictions = Vec::with_capacity(n);
    let (mut top1, mut top5) = (0usize, 0usize);
    for (p, &yi) in probabilities.chunks_exact(k).zip(&y) {
        let pred = (0..k).fold(0, |best, c| if p[c] > p[best] { c } else { best });
        predictions.push(pred as u32);
        confusion[yi as usize * k + pred] += 1;
        top1 += (pred == yi as usize) as usize;
        // Rank of the true class when classes are ordered by probability, ties by index.
        let py = p[yi as usize];
        let rank = (0..k).filter(|&c| p[c] > py || (p[c] == py && c < yi as usize)).count();
        top5 += (rank < 5) as usize;
    }
    let (mut recall_sum, mut present) = (0.0, 0usize);
    for c in 0..k {
        let row = &confusion[c * k..(c + 1) * k];
        let support: u64 = row.iter().sum();
        if support > 0 {
            recall_sum += row[c] as f64 / support as f64;
            present += 1;
        }
    }
    Ok(Evaluation {
        acc1: top1 as f64 / n as f64,
        acc5: top5 as f64 / n as f64,
        mean_per_class_recall: recall_sum / present as f64,
        probabilities,
        predictions,
        confusion,
    })
}
