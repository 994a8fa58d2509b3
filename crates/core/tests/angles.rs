//! Principal angles against scipy.linalg.subspace_angles on fixtures made by
//! test/fixtures/angles/make_fixtures.py.

use clip_topo_core::angles::{class_subspace_angles, principal_angles, ClassAnglesOptions, RankRule, RowMajor};
use clip_topo_core::control::Control;
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/../../test/fixtures/angles/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn matrix(v: &Value) -> (Vec<f64>, usize, usize) {
    (floats(&v["data"]), v["rows"].as_u64().unwrap() as usize, v["cols"].as_u64().unwrap() as usize)
}

/// Agreement with scipy to 1e-6 rad on every case; where the construction fixes the angles exactly,
/// agreement to 1e-12 absolute and 1e-6 relative, which an arccos-only method cannot reach for 1e-7.
#[test]
fn pairs_match_scipy_and_exact_angles() {
    let f = fixture("angles.json");
    for case in f["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (a, ar, ac) = matrix(&case["a"]);
        let (b, br, bc) = matrix(&case["b"]);
        let got = principal_angles(RowMajor::new(&a, ar, ac, "A").unwrap(), RowMajor::new(&b, br, bc, "B").unwrap()).unwrap();
        let scipy = floats(&case["scipy"]);
        assert_eq!(got.angles.len(), scipy.len(), "{name}: count");
        for (g, s) in got.angles.iter().zip(&scipy) {
            assert!((g - s).abs() <= 1e-6, "{name}: {g} vs scipy {s}");
        }
        if let Some(exact) = case["exact"].as_array() {
            for (g, e) in got.angles.iter().zip(exact) {
                let e = e.as_f64().unwrap();
                assert!((g - e).abs() <= 1e-12 + 1e-6 * e, "{name}: {g} vs exact {e}");
            }
        }
        if name == "samples x dims passed" {
            assert!(got.warnings.iter().any(|w| w.contains("transpose")), "{name}: {:?}", got.warnings);
        } else {
            assert!(got.warnings.is_empty(), "{name}: unexpected {:?}", got.warnings);
        }
    }
}

/// The arccos formula alone misses a 1e-7 angle by far more than the tolerance used above, so the
/// test above really tests the sine branch.
#[test]
fn arccos_alone_would_fail_the_tiny_angle_case() {
    let c = 1e-7f64.cos();
    let err = (c.acos() - 1e-7).abs();
    assert!(err > 1e-12 + 1e-6 * 1e-7, "arccos error {err}");
}

fn class_fixture() -> (Vec<f64>, Vec<u32>, Vec<String>, Value) {
    let f = fixture("classes.json");
    let names: Vec<String> = f["classes"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
    // classes.npy is float32 little-endian with a 128-byte header (numpy's format 1.0 for this shape).
    let raw = std::fs::read(format!("{}/../../test/fixtures/angles/classes.npy", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let header_len = u16::from_le_bytes([raw[8], raw[9]]) as usize;
    let body = &raw[10 + header_len..];
    let x: Vec<f64> = body.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64).collect();
    let per = x.len() / 48 / names.len();
    let labels: Vec<u32> = (0..names.len() as u32).flat_map(|c| std::iter::repeat_n(c, per)).collect();
    (x, labels, names, f)
}

#[test]
fn class_spectra_match_scipy() {
    let (x, labels, names, f) = class_fixture();
    let n = labels.len();
    let cases = [
        ("default", ClassAnglesOptions { center: true, rank: RankRule::Full }),
        ("no_center", ClassAnglesOptions { center: false, rank: RankRule::Full }),
        ("rank_5", ClassAnglesOptions { center: true, rank: RankRule::Fixed(5) }),
        ("energy_0.8", ClassAnglesOptions { center: true, rank: RankRule::Energy(0.8) }),
    ];
    for (key, opts) in cases {
        let got = class_subspace_angles(RowMajor::new(&x, n, 48, "X").unwrap(), &labels, &names, opts, &Control::none()).unwrap();
        let want = &f[key];
        let ranks: Vec<usize> = want["ranks"].as_array().unwrap().iter().map(|r| r.as_u64().unwrap() as usize).collect();
        assert_eq!(got.ranks, ranks, "{key}: ranks");
        let spectra = want["spectra"].as_array().unwrap();
        assert_eq!(got.spectra.len(), spectra.len());
        for (g, w) in got.spectra.iter().zip(spectra) {
            assert_eq!((g.a as u64, g.b as u64), (w["a"].as_u64().unwrap(), w["b"].as_u64().unwrap()));
            let wa = floats(&w["angles"]);
            assert_eq!(g.angles.len(), wa.len(), "{key} ({}, {})", g.a, g.b);
            for (x, y) in g.angles.iter().zip(&wa) {
                assert!((x - y).abs() <= 1e-6, "{key} ({}, {}): {x} vs {y}", g.a, g.b);
            }
            let k = got.classes;
            assert_eq!(got.min[g.a * k + g.b], g.angles[0]);
            assert_eq!(got.max[g.b * k + g.a], *g.angles.last().unwrap());
        }
        // 23 + 23 ≤ 48 and 24 + 24 ≤ 48: nothing degenerate here.
        assert!(got.warnings.is_empty(), "{key}: {:?}", got.warnings);
    }
}

#[test]
fn degenerate_settings_warn_instead_of_silent_zeros() {
    // 3 classes × 10 points in R^4: each class spans all of R^4.
    let x: Vec<f64> = (0..30 * 4).map(|i| ((i * 7919) % 101) as f64 / 101.0 - 0.5).collect();
    let labels: Vec<u32> = (0..30).map(|i| (i / 10) as u32).collect();
    let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    let got = class_subspace_angles(RowMajor::new(&x, 30, 4, "X").unwrap(), &labels, &names, Default::default(), &Control::none()).unwrap();
    assert!(got.warnings.iter().any(|w| w.contains("spans all of R^4")), "{:?}", got.warnings);
    assert!(got.warnings.iter().any(|w| w.contains("numerically 0")), "{:?}", got.warnings);
}

#[test]
fn bad_input_is_a_clear_error() {
    let names: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
    let x = vec![0.5; 8 * 3];
    fn ok(d: &[f64]) -> clip_topo_core::error::Result<RowMajor<'_>> {
        RowMajor::new(d, 8, 3, "X")
    }
    let mut bad = x.clone();
    bad[4] = f64::NAN;
    assert!(ok(&bad).unwrap_err().message.contains("row 1, column 1"));
    assert!(RowMajor::new(&x, 7, 3, "X").unwrap_err().message.contains("do not fill"));
    let labels = vec![0u32, 0, 0, 0, 1, 1, 1, 1];
    let opts = ClassAnglesOptions::default();
    let run = |labels: &[u32], names: &[String], o| class_subspace_angles(ok(&x).unwrap(), labels, names, o, &Control::none());
    assert!(run(&labels[..7], &names, opts).unwrap_err().message.contains("7 labels for 8"));
    assert!(run(&labels, &names[..1], opts).unwrap_err().message.contains("at least two"));
    let three: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    assert!(run(&labels, &three, opts).unwrap_err().message.contains("class 'c' has no embeddings"));
    let varied: Vec<f64> = (0..24).map(|i| ((i * 37) % 11) as f64).collect();
    let fixed = ClassAnglesOptions { center: true, rank: RankRule::Fixed(4) };
    let err = class_subspace_angles(ok(&varied).unwrap(), &labels, &names, fixed, &Control::none()).unwrap_err();
    assert!(err.message.contains("exceeds what class 'a' can span"), "{}", err.message);
    // Identical rows centre to zero: a clear error, not a basis of noise.
    assert!(run(&labels, &names, opts).unwrap_err().message.contains("spans no subspace"));
}
