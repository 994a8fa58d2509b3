//! The linear probe against scikit-learn's LogisticRegression(lbfgs) on fixtures made by
//! test/fixtures/probe/make_fixtures.py (sklearn fitted to tol 1e-12, i.e. to the optimum).
//!
//! Tolerances: objective 1e-6 relative; test probabilities and row-centred logits 1e-4 absolute;
//! test predictions equal. Weights are compared loosely only, as they are the least well determined.

use std::sync::atomic::{AtomicBool, Ordering};

use clip_topo_core::control::{Control, Progress};
use clip_topo_core::error::ErrorCode;
use clip_topo_core::probe::{evaluate, predict_proba, train, ProbeOptions};
use serde_json::Value;

fn fixture() -> Value {
    let path = format!("{}/../../test/fixtures/probe/cases.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

/// Inputs are float32 values written as their shortest decimal: round back to f32.
fn f32s(v: &Value) -> Vec<f32> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
}

fn ints(v: &Value) -> Vec<i32> {
    v.as_array().unwrap().iter().map(|x| x.as_i64().unwrap() as i32).collect()
}

fn size(c: &Value, key: &str) -> usize {
    c[key].as_u64().unwrap() as usize
}

#[test]
fn matches_sklearn_on_every_case() {
    let f = fixture();
    let cases = f["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let (n, m, d, k) = (size(c, "n_train"), size(c, "n_test"), size(c, "d"), size(c, "classes"));
        let opts = ProbeOptions { c: c["c"].as_f64().unwrap(), max_iter: 10_000, tol: 1e-10 };
        let model = train(&f32s(&c["x_train"]), n, d, &ints(&c["y_train"]), k, &opts, &Control::none()).unwrap();
        assert!(model.converged, "{name}: stopped by {:?} after {} iterations", model.stop, model.iterations);

        let obj = c["objective"].as_f64().unwrap();
        let rel = (model.objective - obj).abs() / obj;
        assert!(rel <= 1e-6, "{name}: objective {} vs sklearn {obj} (rel {rel:e})", model.objective);
        // sklearn's point is the optimum to ~1e-12; ours may not be lower by more than roundoff.
        assert!(model.objective >= obj * (1.0 - 1e-9), "{name}: below sklearn's optimum?");

        let xt = f32s(&c["x_test"]);
        let ev = evaluate(&model.classifier, &xt, m, &ints(&c["y_test"]), &Control::none()).unwrap();
        let proba = floats(&c["proba"]);
        let dp = ev.probabilities.iter().zip(&proba).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(dp <= 1e-4, "{name}: probabilities differ by {dp:e}");

        let dec = floats(&c["decision"]);
        let mut dz = 0.0f64;
        for (i, row) in dec.chunks_exact(k).enumerate() {
            let xi: Vec<f64> = xt[i * d..(i + 1) * d].iter().map(|&v| v as f64).collect();
            let z: Vec<f64> = (0..k)
                .map(|j| model.classifier.bias[j] + (0..d).map(|t| model.classifier.weights[j * d + t] * xi[t]).sum::<f64>())
                .collect();
            let mean = z.iter().sum::<f64>() / k as f64;
            for j in 0..k {
                dz = dz.max((z[j] - mean - row[j]).abs());
            }
        }
        assert!(dz <= 1e-4, "{name}: centred logits differ by {dz:e}");

        let preds: Vec<u32> = ints(&c["predictions"]).iter().map(|&p| p as u32).collect();
        assert_eq!(ev.predictions, preds, "{name}: predictions");

        // Weights: the minimiser is unique (strictly convex in W), so they agree too, if less tightly.
        let w = floats(&c["weights"]);
        let scale = w.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let dw = model.classifier.weights.iter().zip(&w).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(dw <= 1e-3 * scale.max(1.0), "{name}: weights differ by {dw:e} (scale {scale})");
        eprintln!(
            "{name}: {} iterations (sklearn {}), objective rel {rel:.1e}, proba {dp:.1e}, logits {dz:.1e}, weights {dw:.1e}",
            model.iterations, c["sklearn_n_iter"],
        );
    }
}

#[test]
fn metrics_follow_their_definitions() {
    let f = fixture();
    let c = &f["cases"][1];
    let (n, m, d, k) = (size(c, "n_train"), size(c, "n_test"), size(c, "d"), size(c, "classes"));
    let opts = ProbeOptions { c: c["c"].as_f64().unwrap(), ..ProbeOptions::default() };
    let model = train(&f32s(&c["x_train"]), n, d, &ints(&c["y_train"]), k, &opts, &Control::none()).unwrap();
    let y = ints(&c["y_test"]);
    let ev = evaluate(&model.classifier, &f32s(&c["x_test"]), m, &y, &Control::none()).unwrap();
    let hits = ev.predictions.iter().zip(&y).filter(|(p, t)| **p as i32 == **t).count();
    assert_eq!(ev.acc1, hits as f64 / m as f64);
    assert_eq!(ev.confusion.iter().sum::<u64>(), m as u64);
    assert!(ev.acc5 >= ev.acc1 && ev.acc5 <= 1.0);
    // Recall per class from scratch.
    let mut recalls = Vec::new();
    for cls in 0..k as i32 {
        let idx: Vec<usize> = (0..m).filter(|&i| y[i] == cls).collect();
        if !idx.is_empty() {
            recalls.push(idx.iter().filter(|&&i| ev.predictions[i] as i32 == cls).count() as f64 / idx.len() as f64);
        }
    }
    let mean = recalls.iter().sum::<f64>() / recalls.len() as f64;
    assert!((ev.mean_per_class_recall - mean).abs() < 1e-15);
    // top-5 by hand: rank of the true class's probability.
    let top5 = (0..m)
        .filter(|&i| {
            let p = &ev.probabilities[i * k..(i + 1) * k];
            p.iter().filter(|&&q| q > p[y[i] as usize]).count() < 5
        })
        .count();
    assert_eq!(ev.acc5, top5 as f64 / m as f64);
    for row in ev.probabilities.chunks_exact(k) {
        assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
    // log_loss is the mean training cross-entropy.
    let ytr = ints(&c["y_train"]);
    let tr = evaluate(&model.classifier, &f32s(&c["x_train"]), n, &ytr, &Control::none()).unwrap();
    let ce = (0..n).map(|i| -tr.probabilities[i * k + ytr[i] as usize].ln()).sum::<f64>() / n as f64;
    assert!((model.log_loss - ce).abs() < 1e-12, "{} vs {ce}", model.log_loss);
    // With the default tol 1e-4 (sklearn's), the predictions already agree with the optimum's here.
    let preds: Vec<u32> = ints(&c["predictions"]).iter().map(|&p| p as u32).collect();
    assert_eq!(ev.predictions, preds);
}

#[test]
fn same_bits_for_any_thread_count_and_f32_equals_f64_input() {
    let f = fixture();
    let c = &f["cases"][1];
    let (n, d, k) = (size(c, "n_train"), size(c, "d"), size(c, "classes"));
    let x = f32s(&c["x_train"]);
    let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let y = ints(&c["y_train"]);
    let opts = ProbeOptions { tol: 1e-8, ..ProbeOptions::default() };
    let run = |t: usize| {
        rayon::ThreadPoolBuilder::new().num_threads(t).build().unwrap().install(|| train(&x, n, d, &y, k, &opts, &Control::none()).unwrap())
    };
    let one = run(1);
    assert_eq!(one, run(3));
    assert_eq!(one, train(&x64, n, d, &y, k, &opts, &Control::none()).unwrap());
}

#[test]
fn bad_input_is_refused_with_a_reason() {
    let x = [0.0f64, 1.0, 1.0, 0.0, 0.5, 0.5];
    let ctl = Control::none();
    let o = ProbeOptions::default();
    let msg = |r: Result<_, clip_topo_core::error::Error>| {
        let e = r.map(|_: clip_topo_core::probe::ProbeModel| ()).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);
        e.message
    };
    assert!(msg(train(&x, 3, 2, &[0, 1, 3], 3, &o, &ctl)).contains("label 3 of sample 2"));
    assert!(msg(train(&x, 3, 2, &[0, -1, 2], 3, &o, &ctl)).contains("label -1 of sample 1"));
    assert!(msg(train(&x, 3, 2, &[0, 2, 2], 3, &o, &ctl)).contains("class 1 has no samples"));
    assert!(msg(train(&x, 3, 2, &[0, 1], 3, &o, &ctl)).contains("2 labels for 3 samples"));
    assert!(msg(train(&x[..0], 0, 2, &[], 2, &o, &ctl)).contains("empty"));
    assert!(msg(train(&x, 3, 2, &[0, 0, 0], 1, &o, &ctl)).contains("at least 2 classes"));
    assert!(msg(train(&x, 2, 2, &[0, 1], 2, &o, &ctl)).contains("do not fill"));
    let mut nan = x;
    nan[3] = f64::NAN;
    assert!(msg(train(&nan, 3, 2, &[0, 1, 1], 2, &o, &ctl)).contains("row 1, column 1 is NaN"));
    assert!(msg(train(&x, 3, 2, &[0, 1, 1], 2, &ProbeOptions { c: 0.0, ..o }, &ctl)).contains("C must be"));
    assert!(msg(train(&x, 3, 2, &[0, 1, 1], 2, &ProbeOptions { tol: f64::NAN, ..o }, &ctl)).contains("tol"));
    assert!(msg(train(&x, 3, 2, &[0, 1, 1], 2, &ProbeOptions { max_iter: 0, ..o }, &ctl)).contains("max_iter"));

    let model = train(&x, 3, 2, &[0, 1, 1], 2, &o, &ctl).unwrap();
    let e = evaluate(&model.classifier, &x[..4], 2, &[0, 2], &ctl).unwrap_err();
    assert!(e.message.contains("label 2 of sample 1"), "{}", e.message);
    let e = predict_proba(&model.classifier, &x[..3], 1, &ctl).unwrap_err();
    assert!(e.message.contains("trained on 2 dimensions"), "{}", e.message);
}

#[test]
fn cancels_and_reports_progress() {
    let f = fixture();
    let c = &f["cases"][1];
    let (n, d, k) = (size(c, "n_train"), size(c, "d"), size(c, "classes"));
    let x = f32s(&c["x_train"]);
    let y = ints(&c["y_train"]);
    let opts = ProbeOptions { tol: 1e-10, ..ProbeOptions::default() };
    let flag = AtomicBool::new(false);
    let seen = std::sync::Mutex::new(Vec::new());
    let hook = |p: Progress<'_>| {
        seen.lock().unwrap().push(p.done);
        if p.done >= 20 {
            flag.store(true, Ordering::Relaxed);
        }
    };
    let err = train(&x, n, d, &y, k, &opts, &Control::new(Some(&flag), Some(&hook))).unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled);
    assert_eq!(*seen.lock().unwrap(), vec![10, 20]);
}
