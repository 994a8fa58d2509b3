//! Maps against the reference tools' numbers on committed fixtures (test/fixtures/maps/make_fixtures.py).

use clip_topo_core::control::Control;
use clip_topo_core::maps::map_quality::{knn_label_agreement, trustworthiness};
use clip_topo_core::maps::tsne::{tsne, Repulsion, TsneOptions};
use clip_topo_core::maps::umap::{umap, UmapOptions};
use clip_topo_core::rng::Lcg64;

const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test/fixtures/maps");

/// Minimal .npy reader for the fixtures (little-endian f4 / i4, C order, format 1.0).
fn npy(name: &str) -> (Vec<u8>, Vec<usize>) {
    let bytes = std::fs::read(format!("{FIX}/{name}")).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let hlen = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + hlen]).unwrap();
    assert!(header.contains("'fortran_order': False"));
    let shape_str = header.split("'shape': (").nth(1).unwrap().split(')').next().unwrap();
    let shape = shape_str.split(',').filter(|s| !s.trim().is_empty()).map(|s| s.trim().parse().unwrap()).collect();
    (bytes[10 + hlen..].to_vec(), shape)
}

fn load(name: &str) -> (Vec<f32>, usize, usize, Vec<i32>) {
    let (b, shape) = npy(&format!("{name}.npy"));
    let x = b.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
    let (l, _) = npy(&format!("{name}_labels.npy"));
    let labels = l.chunks_exact(4).map(|c| i32::from_le_bytes(c.try_into().unwrap())).collect();
    (x, shape[0], shape[1], labels)
}

fn reference(set: &str, tool: &str, metric: &str) -> f64 {
    let text = std::fs::read_to_string(format!("{FIX}/reference.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v[set][tool][metric].as_f64().unwrap()
}

/// Runs `f` in a pool of `n` threads (the kernels use the caller's pool).
fn pool<T: Send>(n: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap().install(f)
}

fn check_tsne(set: &str, repulsion: Repulsion) {
    let (x, n, d, labels) = load(set);
    let opts = TsneOptions { repulsion, ..Default::default() };
    let r = pool(2, || tsne(&x, n, d, &opts, &Control::none())).unwrap();
    let c = Control::none();
    let tw = trustworthiness(&x, n, d, &r.embedding, 2, 10, &c).unwrap();
    let la = knn_label_agreement(&r.embedding, n, 2, &labels, 10).unwrap();
    let tw_ref = reference(set, "sklearn_tsne", "trustworthiness").max(reference(set, "opentsne", "trustworthiness"));
    let la_ref = reference(set, "sklearn_tsne", "label_agreement");
    let kl_ref = reference(set, "sklearn_tsne", "kl");
    eprintln!("{set} {repulsion:?}: trustworthiness {tw:.4} (ref {tw_ref:.4}), label agreement {la:.4} (ref {la_ref:.4}), KL {:.4} (sklearn {kl_ref:.4})", r.kl);
    assert!(tw >= tw_ref - 0.01, "trustworthiness {tw} < {tw_ref} - 0.01");
    assert!(la >= la_ref - 0.02, "label agreement {la} < {la_ref} - 0.02");
    assert!(r.kl <= 1.05 * kl_ref, "KL {} > 1.05 × {kl_ref}", r.kl);
}

#[test]
fn tsne_blobs_fft() {
    check_tsne("blobs", Repulsion::Fft);
}

#[test]
fn tsne_sphere_exact() {
    check_tsne("sphere", Repulsion::Exact);
}

#[test]
fn tsne_sphere_fft() {
    check_tsne("sphere", Repulsion::Fft);
}

fn check_umap(set: &str) {
    let (x, n, d, labels) = load(set);
    let opts = UmapOptions::default();
    let r = pool(2, || umap(&x, n, d, &opts, &Control::none())).unwrap();
    let y: Vec<f64> = r.embedding.iter().map(|&v| v as f64).collect();
    let c = Control::none();
    let tw = trustworthiness(&x, n, d, &y, 2, 10, &c).unwrap();
    let la = knn_label_agreement(&y, n, 2, &labels, 10).unwrap();
    let tw_ref = reference(set, "umap", "trustworthiness");
    let la_ref = reference(set, "umap", "label_agreement");
    eprintln!("{set} umap: trustworthiness {tw:.4} (ref {tw_ref:.4}), label agreement {la:.4} (ref {la_ref:.4}), init {}", r.init);
    assert!(tw >= tw_ref - 0.01, "trustworthiness {tw} < {tw_ref} - 0.01");
    assert!(la >= la_ref - 0.02, "label agreement {la} < {la_ref} - 0.02");
}

#[test]
fn umap_blobs() {
    check_umap("blobs");
}

#[test]
fn umap_sphere() {
    check_umap("sphere");
}

#[test]
fn tsne_is_deterministic_across_thread_counts() {
    let (x, n, d, _) = load("blobs");
    let run = |threads| {
        pool(threads, || tsne(&x, n, d, &TsneOptions { iterations: 300, ..Default::default() }, &Control::none())).unwrap().embedding
    };
    let a = run(1);
    assert_eq!(a, run(2));
    assert_eq!(a, run(2));
}

#[test]
fn umap_is_deterministic_and_seeded() {
    let (x, n, d, _) = load("sphere");
    let run = |threads, seed| {
        pool(threads, || umap(&x, n, d, &UmapOptions { seed, epochs: Some(100), ..Default::default() }, &Control::none()))
            .unwrap()
            .embedding
    };
    let a = run(2, 7);
    assert_eq!(a, run(2, 7));
    assert_eq!(a, run(1, 7));
    assert_ne!(a, run(2, 8));
}

fn gaussian(n: usize, d: usize, seed: u64) -> Vec<f32> {
    // Irwin–Hall: the sum of 12 uniforms minus 6; the generator's first output is skipped
    let mut lcg = Lcg64::from_state(seed);
    lcg.next_u64();
    (0..n * d).map(|_| ((0..12).map(|_| lcg.uniform()).sum::<f64>() - 6.0) as f32).collect()
}

#[test]
fn tsne_lowers_perplexity_for_small_n() {
    let x = gaussian(40, 5, 1);
    let r = tsne(&x, 40, 5, &TsneOptions::default(), &Control::none()).unwrap();
    assert!((r.perplexity - 13.0).abs() < 1e-12, "{}", r.perplexity);
    assert_eq!(r.warnings.len(), 1);
    assert!(r.warnings[0].contains("perplexity"));
    assert!(r.embedding.iter().all(|v| v.is_finite()) && r.kl.is_finite());
}

#[test]
fn tiny_inputs_are_clear_errors_and_three_points_work() {
    for n in [0usize, 1, 2] {
        let x = gaussian(n, 4, 2);
        let e = tsne(&x, n, 4, &TsneOptions::default(), &Control::none()).unwrap_err();
        assert!(e.message.contains("at least 3 points"), "{}", e.message);
        let e = umap(&x, n, 4, &UmapOptions::default(), &Control::none()).unwrap_err();
        assert!(e.message.contains("at least 3 points"), "{}", e.message);
    }
    let x = gaussian(3, 4, 2);
    assert!(tsne(&x, 3, 4, &TsneOptions::default(), &Control::none()).unwrap().embedding.iter().all(|v| v.is_finite()));
    let r = umap(&x, 3, 4, &UmapOptions::default(), &Control::none()).unwrap();
    assert!(r.embedding.iter().all(|v| v.is_finite()));
    assert!(!r.warnings.is_empty());
}

#[test]
fn nan_is_a_clear_error() {
    let mut x = gaussian(50, 4, 3);
    x[4 * 7 + 2] = f32::NAN;
    let e = tsne(&x, 50, 4, &TsneOptions::default(), &Control::none()).unwrap_err();
    assert!(e.message.contains("row 7, column 2") && e.message.contains("NaN"), "{}", e.message);
    let e = umap(&x, 50, 4, &UmapOptions::default(), &Control::none()).unwrap_err();
    assert!(e.message.contains("row 7, column 2"), "{}", e.message);
    let e = tsne(&x[..10], 50, 4, &TsneOptions::default(), &Control::none()).unwrap_err();
    assert!(e.message.contains("expected n × d"), "{}", e.message);
}

#[test]
fn duplicates_give_finite_maps_with_duplicates_together() {
    let (n, d) = (200, 6);
    let mut x = gaussian(n, d, 4);
    let first: Vec<f32> = x[..d].to_vec();
    for i in 1..40 {
        x[i * d..(i + 1) * d].copy_from_slice(&first);
    }
    let r = tsne(&x, n, d, &TsneOptions { iterations: 500, ..Default::default() }, &Control::none()).unwrap();
    assert!(r.embedding.iter().all(|v| v.is_finite()) && r.kl.is_finite());
    let u = umap(&x, n, d, &UmapOptions { epochs: Some(200), ..Default::default() }, &Control::none()).unwrap();
    assert!(u.embedding.iter().all(|v| v.is_finite()));
    // the 40 copies must stay together: their map neighbours are copies, not other points
    let is_copy: Vec<i32> = (0..n).map(|i| (i < 40) as i32).collect();
    for y in [r.embedding.clone(), u.embedding.iter().map(|&v| v as f64).collect::<Vec<_>>()] {
        let all = knn_label_agreement(&y, n, 2, &is_copy, 10).unwrap();
        assert!(all > 0.9, "copies mixed with other points: agreement {all}");
    }
    // all points identical: no PCA direction, seeded random start, still finite
    let same = first.repeat(30);
    let r = tsne(&same, 30, d, &TsneOptions { iterations: 100, ..Default::default() }, &Control::none()).unwrap();
    assert!(r.embedding.iter().all(|v| v.is_finite()));
    let u = umap(&same, 30, d, &UmapOptions { epochs: Some(50), ..Default::default() }, &Control::none()).unwrap();
    assert!(u.embedding.iter().all(|v| v.is_finite()));
}

#[test]
fn progress_every_50_and_cancellation() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;
    let x = gaussian(100, 5, 5);
    let seen = Mutex::new(Vec::new());
    let flag = AtomicBool::new(false);
    let hook = |p: clip_topo_core::control::Progress<'_>| {
        seen.lock().unwrap().push((p.stage.to_string(), p.done, p.total));
        if p.done >= 100 {
            flag.store(true, Ordering::Relaxed);
        }
    };
    let ctl = Control::new(Some(&flag), Some(&hook));
    let e = tsne(&x, 100, 5, &TsneOptions::default(), &ctl).unwrap_err();
    assert_eq!(e.code, clip_topo_core::error::ErrorCode::Cancelled);
    assert_eq!(*seen.lock().unwrap(), vec![("tsne".to_string(), 50, 1000), ("tsne".to_string(), 100, 1000)]);
    seen.lock().unwrap().clear();
    flag.store(false, Ordering::Relaxed);
    let e = umap(&x, 100, 5, &UmapOptions::default(), &ctl).unwrap_err();
    assert_eq!(e.code, clip_topo_core::error::ErrorCode::Cancelled);
    assert_eq!(*seen.lock().unwrap(), vec![("umap".to_string(), 50, 500), ("umap".to_string(), 100, 500)]);
}

#[test]
fn options_are_validated_as_the_kernels_refuse_them() {
    let x = gaussian(30, 4, 4);
    let none = Control::none();
    for bad in [
        TsneOptions { perplexity: 0.0, ..TsneOptions::default() },
        TsneOptions { iterations: 0, ..TsneOptions::default() },
        TsneOptions { learning_rate: Some(f64::NAN), ..TsneOptions::default() },
    ] {
        assert_eq!(bad.validate().unwrap_err(), tsne(&x, 30, 4, &bad, &none).unwrap_err());
    }
    for bad in [
        UmapOptions { n_neighbors: 1, ..UmapOptions::default() },
        UmapOptions { min_dist: 2.0, ..UmapOptions::default() },
        UmapOptions { learning_rate: 0.0, ..UmapOptions::default() },
        UmapOptions { epochs: Some(0), ..UmapOptions::default() },
    ] {
        assert_eq!(bad.validate().unwrap_err(), umap(&x, 30, 4, &bad, &none).unwrap_err());
    }
    assert!(TsneOptions::default().validate().is_ok() && UmapOptions::default().validate().is_ok());
}
